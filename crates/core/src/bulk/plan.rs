//! [`BulkPlan`]: apply one method to any number of users — chunked, paced, retried, with
//! bad IDs isolated by halving — as a poll-shaped state machine.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{Request, Response};

use crate::attempt::{Attempt, Next};
use crate::decode::decode_parts;
use crate::endpoint::{Encoded, Endpoint};
use crate::error::{CallError, Error, InvalidInput, TransportFailure, TransportKind};
use crate::error_code::ErrorCode;
use crate::method::{Output, UsersMethod};
use crate::pacer::SharedPacer;
use crate::retry::{splitmix64, RetryPolicy};
use crate::user::{UserId, UserIds, INLINE, MAX_USERS_PER_CALL};

use super::dedupe::{pack_copy, SeenIds};
use super::events::{Disposition, RequestEvent, Settled};
use super::report::{short_code, BulkReport, Failed, Invalid, Progress};

/// Identifies one request handed out by [`BulkPlan::poll`], to pass back to `handle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChunkId(pub(crate) u64);

/// What the driver of a bulk run must do next.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // the request is moved straight to the transport; boxing would only add an allocation
pub enum BulkAction {
    /// Send this request and pass its outcome to `handle` with the id.
    Send(ChunkId, Request<Vec<u8>>),
    /// Nothing can go before this instant: sleep until then (or until an in-flight
    /// request finishes), then poll again.
    WaitUntil(Instant),
    /// Every allowed request is in flight: wait for one to finish.
    Pending,
    /// All work is over; take the report with [`BulkPlan::finish`].
    Done,
}

/// How a bulk plan behaves: a client's [`BulkRun`](crate::BulkRun) resolved with the client's defaults
/// and retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkOptions {
    /// Users per request, 1 to 1,000 (default 1,000).
    pub chunk_size: usize,
    /// Requests in flight at once (default 1; the async client uses 4).
    pub max_in_flight: usize,
    /// Retry policy for each chunk; each chunk draws jitter from its own seed.
    pub policy: RetryPolicy,
    /// Keep a [`RequestEvent`] per handled request, for [`BulkPlan::drain_events`].
    pub record_events: bool,
    /// Keep a [`Settled`] per settling answer, for [`BulkPlan::drain_settled`].
    pub record_settled: bool,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            chunk_size: MAX_USERS_PER_CALL,
            max_in_flight: 1,
            policy: RetryPolicy::default(),
            record_events: false,
            record_settled: false,
        }
    }
}

struct Chunk {
    users: UserIds,
    request: Option<Encoded>,
    attempt: Attempt,
    /// Where the chunk's users stand in the input: the chunk's number, then the offset
    /// of its first user within that chunk (halves keep their place).
    order: (u64, u32),
    /// When the latest try went out.
    sent_at: Option<Instant>,
}

/// Applies method `M` to any number of users.
///
/// Input strings are parsed (bad ones reported, not fatal) and deduplicated, then cut into
/// chunks of at most 1,000. A chunk refused for one bad member (`user_not_found`,
/// `bots_not_allowed`, `invalid_arguments`) is split in halves until the bad IDs stand
/// alone; transient errors and rate limits go through the retry policy and pacer; an auth
/// or permission error stops the run and leaves the rest "not attempted".
///
/// ```
/// use std::time::Instant;
/// use slack_sessions_core::sansio::{BulkAction, BulkOptions, BulkPlan, Endpoint};
/// use slack_sessions_core::{ClearSettings, Token};
///
/// let ep = Endpoint::new(Token::new("xoxp-1").unwrap());
/// let mut plan = BulkPlan::<ClearSettings>::new(&ep, (), ["U1", "bad", "U2"], BulkOptions::default()).unwrap();
/// let now = Instant::now();
/// while let BulkAction::Send(id, _request) = plan.poll(now) {
///     let _ = plan.handle(now, id, Ok(http::Response::new(br#"{"ok":true}"#.to_vec())));
/// }
/// let report = plan.finish();
/// assert_eq!(report.applied.len(), 2);
/// assert_eq!(report.invalid[0].input, "bad");
/// ```
pub struct BulkPlan<'a, M: UsersMethod> {
    endpoint: Endpoint,
    params: M::Params,
    options: BulkOptions,
    pacer: Option<SharedPacer>,
    input: Option<Feed<'a>>,
    input_hint: usize,
    inputs_read: usize,
    seen_valid: SeenIds,
    seen_invalid: HashSet<String>,
    chunks_made: u64,
    ready: VecDeque<Chunk>,
    delayed: Vec<Chunk>,
    in_flight: HashMap<ChunkId, Chunk>,
    next_id: u64,
    total: usize,
    done: usize,
    seen_warnings: HashSet<String>,
    /// Answer entries dropped by `reconcile`, for one warning at the end.
    dropped: usize,
    /// Each applied chunk's output, by the chunk's place in the input.
    outputs: BTreeMap<(u64, u32), M::Output>,
    /// Chunks settled as failed on a transport error since the last success.
    unreachable_streak: u32,
    /// The last request got no answer (a transport failure): no new chunk starts while
    /// others wait for a retry or an answer, so that a server that is down is probed by
    /// one chunk at a time rather than by all of them.
    unanswered: bool,
    events: Vec<RequestEvent>,
    settled: Vec<Settled>,
    report: BulkReport<M::Output>,
}

/// After this many chunks in a row fail on transport errors, with no success between
/// them, the run stops: Slack is taken to be unreachable.
pub const UNREACHABLE_AFTER: u32 = 2;

/// The most distinct warnings a report keeps.
const MAX_REPORT_WARNINGS: usize = 100;

impl<M: UsersMethod> std::fmt::Debug for BulkPlan<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkPlan")
            .field("method", &M::NAME)
            .field("progress", &self.progress())
            .finish_non_exhaustive()
    }
}

impl<'a, M: UsersMethod> BulkPlan<'a, M> {
    /// Plans `M` with `params` over `users`. Fails only on bad params or options, never
    /// on bad user IDs, which land in the report's `invalid` bucket.
    pub fn new<I, S>(
        endpoint: &Endpoint,
        params: M::Params,
        users: I,
        options: BulkOptions,
    ) -> Result<Self, InvalidInput>
    where
        I: IntoIterator<Item = S>,
        I::IntoIter: Send + 'a,
        S: AsRef<str> + 'a,
    {
        M::validate_params(&params)?;
        if options.chunk_size == 0 || options.chunk_size > MAX_USERS_PER_CALL {
            return Err(InvalidInput::Setting {
                name: "chunk_size",
                reason: format!(
                    "{} is not between 1 and {MAX_USERS_PER_CALL}",
                    options.chunk_size
                ),
            });
        }
        if options.max_in_flight == 0 {
            return Err(InvalidInput::Setting {
                name: "concurrency",
                reason: "must be at least 1".into(),
            });
        }
        let mut users = users.into_iter();
        let hint = users.size_hint().0;
        // Pre-size for the input, but never trust a lower bound past a million.
        let reserve = hint.min(1 << 20);
        let feed: Feed<'a> = Box::new(move |f: &mut dyn FnMut(&str), max: usize| {
            let want = max.clamp(1, FEED_BATCH);
            let mut batch: [Option<S>; FEED_BATCH] = std::array::from_fn(|_| None);
            let mut n = 0;
            for slot in &mut batch[..want] {
                let Some(s) = users.next() else { break };
                *slot = Some(s);
                n += 1;
            }
            // Touch every ID of the batch before reading any: these loads wait on
            // nothing, so a batch's cache misses overlap instead of queuing one behind
            // the other (an input list of 100,000 strings is mostly out of the cache).
            let touched = batch[..n].iter().flatten().fold(0u8, |acc, s| {
                acc ^ s.as_ref().as_bytes().first().copied().unwrap_or(0)
            });
            std::hint::black_box(touched);
            for s in batch[..n].iter().flatten() {
                f(s.as_ref());
            }
            n == want
        });
        let mut report = BulkReport::<M::Output>::default();
        report.applied.reserve(reserve);
        Ok(BulkPlan {
            endpoint: endpoint.clone(),
            params,
            options,
            pacer: None,
            input: Some(feed),
            input_hint: hint,
            inputs_read: 0,
            seen_valid: SeenIds::with_capacity(reserve),
            seen_invalid: HashSet::new(),
            chunks_made: 0,
            ready: VecDeque::new(),
            delayed: Vec::new(),
            in_flight: HashMap::new(),
            next_id: 0,
            total: 0,
            done: 0,
            seen_warnings: HashSet::new(),
            dropped: 0,
            outputs: BTreeMap::new(),
            unreachable_streak: 0,
            unanswered: false,
            events: Vec::new(),
            settled: Vec::new(),
            report,
        })
    }

    /// Reads input until `want` new distinct valid IDs are found or the input ends;
    /// invalid inputs go to the report as they are read.
    fn read_input(&mut self, want: usize) -> Vec<UserId> {
        let mut part = Vec::with_capacity(want.min(MAX_USERS_PER_CALL));
        let Some(feed) = self.input.as_mut() else {
            return part;
        };
        let mut read = 0usize;
        let mut ended = false;
        while part.len() < want {
            // Each input adds at most one user to the part: never more than `want`.
            let left = want - part.len();
            let more = feed(
                &mut |s: &str| {
                    read += 1;
                    classify(
                        s,
                        &mut self.seen_valid,
                        &mut self.seen_invalid,
                        &mut self.report.invalid,
                        &mut part,
                    )
                },
                left,
            );
            if !more {
                ended = true;
                break;
            }
        }
        self.inputs_read += read;
        if ended {
            self.input = None;
        }
        self.total += part.len();
        part
    }

    /// Cuts the next chunk from the input, if any is left.
    fn refill(&mut self) -> bool {
        let part = self.read_input(self.options.chunk_size);
        if part.is_empty() {
            return false;
        }
        self.chunks_made += 1;
        let seed = self.options.policy.seed ^ splitmix64(self.chunks_made);
        self.ready.push_back(Chunk::new(
            UserIds::from_distinct(part),
            seed,
            (self.chunks_made, 0),
        ));
        true
    }

    /// Reads all the input left and reports its users as not attempted.
    fn drain_input(&mut self) {
        while self.input.is_some() {
            let part = self.read_input(MAX_USERS_PER_CALL);
            self.done += part.len();
            self.report.not_attempted.extend(part);
        }
    }

    /// Paces every request through `pacer`.
    pub fn with_pacer(mut self, pacer: SharedPacer) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// Where things stand.
    #[must_use]
    pub fn progress(&self) -> Progress {
        let unread = if self.input.is_some() {
            self.input_hint.saturating_sub(self.inputs_read)
        } else {
            0
        };
        Progress {
            done: self.done,
            total: self.total + unread,
            requests: self.report.requests,
            retries: self.report.retries,
        }
    }

    /// Requests currently handed out and not yet handled.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// What to do next, at time `now`.
    #[must_use = "an action tells the driver what to do"]
    pub fn poll(&mut self, now: Instant) -> BulkAction {
        // Chunks whose retry time has come go first, in the order they became due.
        if !self.delayed.is_empty() {
            self.delayed
                .sort_by_key(|c| std::cmp::Reverse(c.attempt.not_before));
            while self
                .delayed
                .last()
                .is_some_and(|c| c.attempt.not_before.is_none_or(|t| t <= now))
            {
                if let Some(c) = self.delayed.pop() {
                    self.ready.push_front(c);
                }
            }
        }
        if self.in_flight.len() < self.options.max_in_flight {
            // Read the input lazily, a chunk at a time, so that planning overlaps the
            // requests in flight.
            let holding_back =
                self.unanswered && !(self.delayed.is_empty() && self.in_flight.is_empty());
            if self.ready.is_empty() && !self.halted() && !holding_back {
                self.refill();
            }
            if let Some(chunk) = self.ready.front_mut() {
                let waits = &mut self.report.waits;
                let paced = chunk.attempt.pace::<M>(now, self.pacer.as_ref(), |w| {
                    if !w.is_zero() {
                        *waits += 1;
                    }
                });
                if let Err(at) = paced {
                    let earliest = self.earliest_delayed();
                    return BulkAction::WaitUntil(earliest.map_or(at, |d| d.min(at)));
                }
                if let Some(mut chunk) = self.ready.pop_front() {
                    let request = match &chunk.request {
                        Some(r) => r.request(),
                        None => {
                            // Lend the users to the method and take them back: no copies.
                            let method = M::for_users(chunk.users, &self.params);
                            let encoded = self.endpoint.prepare(&method);
                            chunk.users = method.into_users();
                            match encoded {
                                Ok(r) => {
                                    let out = r.request();
                                    chunk.request = Some(r);
                                    out
                                }
                                Err(e) => {
                                    // Params were validated up front; settle the chunk anyway.
                                    let _ = self.settle_failed(chunk, Error::Invalid(e));
                                    return self.poll(now);
                                }
                            }
                        }
                    };
                    chunk.attempt.sent();
                    chunk.sent_at = Some(now);
                    let id = ChunkId(self.next_id);
                    self.next_id += 1;
                    self.report.requests += 1;
                    self.in_flight.insert(id, chunk);
                    return BulkAction::Send(id, request);
                }
            }
        }
        if let Some(t) = self.earliest_delayed() {
            return BulkAction::WaitUntil(t);
        }
        if self.in_flight.is_empty() && self.ready.is_empty() && self.input.is_none() {
            BulkAction::Done
        } else {
            BulkAction::Pending
        }
    }

    fn earliest_delayed(&self) -> Option<Instant> {
        self.delayed
            .iter()
            .filter_map(|c| c.attempt.not_before)
            .min()
    }

    /// Takes the outcome of request `id`. Returns the progress when a chunk was settled
    /// (as opposed to split or scheduled for a retry). Unknown ids are ignored.
    #[must_use = "a settled chunk's progress is for the progress display"]
    pub fn handle(
        &mut self,
        now: Instant,
        id: ChunkId,
        outcome: Result<Response<Vec<u8>>, TransportFailure>,
    ) -> Option<Progress> {
        let chunk = self.in_flight.remove(&id)?;
        let status = outcome.as_ref().ok().map(|r| r.status().as_u16());
        self.unanswered = matches!(&outcome, Err(t) if t.kind != TransportKind::BodyTooLarge);
        let timing = Timing {
            users: chunk.users.len(),
            attempt: chunk.attempt.retries + 1,
            paced: chunk.attempt.paced,
            took: chunk
                .sent_at
                .map_or(Duration::ZERO, |t| now.saturating_duration_since(t)),
        };
        let error = match outcome {
            Ok(resp) => match decode_parts::<M::Output>(resp.status(), resp.headers(), resp.body())
            {
                Ok(mut reply) => {
                    self.record(&timing, status, "ok".into(), Disposition::Applied);
                    self.unreachable_streak = 0;
                    for w in reply.warnings {
                        self.warn(w);
                    }
                    let reconciled = reply.output.reconcile(&chunk.users);
                    self.dropped += reconciled.dropped;
                    // Kept by input order, merged at the end: answers come back in
                    // completion order.
                    self.outputs.insert(chunk.order, reply.output);
                    self.settle_answered(chunk, reconciled);
                    return Some(self.progress());
                }
                Err(CallError::Api(a)) if M::empty_on(&a.code) => {
                    self.record(
                        &timing,
                        status,
                        a.code.as_str().into(),
                        Disposition::Applied,
                    );
                    self.unreachable_streak = 0;
                    self.settle_answered(chunk, crate::method::Reconciled::default());
                    return Some(self.progress());
                }
                Err(e) => Error::Call(e),
            },
            Err(t) => Error::Transport(t),
        };
        if let Some(failures) = partial_failures(&error, &chunk.users) {
            self.record(
                &timing,
                status,
                short_code(&error).into_owned(),
                Disposition::Applied,
            );
            self.unreachable_streak = 0;
            return Some(self.settle_partly(chunk, failures));
        }
        let code = short_code(&error).into_owned();
        let detail = self.options.record_events.then(|| error.to_string());
        let (progress, disposition) = self.on_error(now, chunk, error);
        self.record(&timing, status, code, disposition);
        if let (Some(e), Some(d)) = (self.events.last_mut(), detail) {
            e.detail = Some(d);
        }
        progress
    }

    /// Keeps a warning once, up to [`MAX_REPORT_WARNINGS`].
    fn warn(&mut self, w: String) {
        if self.report.warnings.len() < MAX_REPORT_WARNINGS && self.seen_warnings.insert(w.clone())
        {
            self.report.warnings.push(w);
        }
    }

    fn record(
        &mut self,
        timing: &Timing,
        status: Option<u16>,
        code: String,
        disposition: Disposition,
    ) {
        if self.options.record_events {
            self.events.push(RequestEvent {
                method: M::NAME,
                users: timing.users,
                status,
                code,
                detail: None,
                attempt: timing.attempt,
                paced: timing.paced,
                took: timing.took,
                disposition,
            });
        }
    }

    /// Takes the events recorded since the last call (only with `record_events`).
    pub fn drain_events(&mut self) -> Vec<RequestEvent> {
        std::mem::take(&mut self.events)
    }

    fn on_error(
        &mut self,
        now: Instant,
        mut chunk: Chunk,
        error: Error,
    ) -> (Option<Progress>, Disposition) {
        if let Error::Call(CallError::RateLimited { .. }) = &error {
            self.report.rate_limited += 1;
        }
        let next = chunk.attempt.after_failure::<M>(
            now,
            &error,
            &self.options.policy,
            self.pacer.as_ref(),
        );
        match next {
            Next::StopRun => {
                self.not_attempted(chunk);
                self.stop(error);
                (Some(self.progress()), Disposition::Stopped)
            }
            Next::Isolate => self.split_or_fail(chunk, error),
            Next::Retry(wait) if !self.halted() => {
                self.report.retries += 1;
                self.report.waits += 1;
                self.delayed.push(chunk);
                (None, Disposition::Retry(wait))
            }
            Next::Retry(_) => {
                self.not_attempted(chunk);
                (Some(self.progress()), Disposition::Stopped)
            }
            Next::Fail => {
                let unreachable = matches!(
                    error.transport_kind(),
                    Some(k) if k != TransportKind::BodyTooLarge
                );
                let progress = self.settle_failed(chunk, Error::clone(&error));
                if unreachable {
                    self.unreachable_streak += 1;
                    if self.unreachable_streak >= UNREACHABLE_AFTER {
                        self.stop(error);
                        return (Some(self.progress()), Disposition::Failed);
                    }
                }
                (progress, Disposition::Failed)
            }
        }
    }

    /// Halves a chunk refused because of one bad member, or settles a single user.
    fn split_or_fail(&mut self, chunk: Chunk, error: Error) -> (Option<Progress>, Disposition) {
        if let Some((a, b)) = chunk.users.split_halves() {
            if self.halted() {
                self.not_attempted(chunk);
                return (Some(self.progress()), Disposition::Stopped);
            }
            let seed = chunk.attempt.seed;
            let (n, at) = chunk.order;
            let second = (n, at + a.len() as u32);
            self.ready
                .push_front(Chunk::new(b, splitmix64(seed ^ 2), second));
            self.ready
                .push_front(Chunk::new(a, splitmix64(seed ^ 1), (n, at)));
            return (None, Disposition::Split);
        }
        (self.settle_failed(chunk, error), Disposition::Failed)
    }

    /// Cancels the run: no new request is handed out; the answers to the requests in
    /// flight are still taken and settled (an answer that asks for a retry or a split
    /// then settles its users as not attempted); every other user is not attempted, and
    /// the report says it was cancelled. `poll` then says `Pending` until the requests in
    /// flight are handled, and `Done` after.
    pub fn cancel(&mut self) {
        if self.report.cancelled {
            return;
        }
        self.report.cancelled = true;
        let rest: Vec<Chunk> = self.ready.drain(..).chain(self.delayed.drain(..)).collect();
        for c in rest {
            self.not_attempted(c);
        }
        self.drain_input();
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.report.cancelled
    }

    /// Stopped or cancelled: nothing new goes out.
    fn halted(&self) -> bool {
        self.report.stopped_by.is_some() || self.report.cancelled
    }

    /// Takes the users settled since the last call (only with `record_settled`).
    pub fn drain_settled(&mut self) -> Vec<Settled> {
        std::mem::take(&mut self.settled)
    }

    /// Stops the run: nothing more is sent, and every user not yet sent is not attempted.
    /// Requests in flight are still settled when their answers come.
    fn stop(&mut self, error: Error) {
        if self.report.stopped_by.is_none() {
            self.report.stopped_by = Some(error);
        }
        let rest: Vec<Chunk> = self.ready.drain(..).chain(self.delayed.drain(..)).collect();
        for c in rest {
            self.not_attempted(c);
        }
        self.drain_input();
    }

    /// A successful answer: its users are applied, except those it left out
    /// (`not_returned`) and those whose entries could not be read (failed, each with
    /// why; not Slack's refusal, so a later run tries them again).
    fn settle_answered(&mut self, chunk: Chunk, reconciled: crate::method::Reconciled) {
        let crate::method::Reconciled {
            not_returned,
            failed,
            ..
        } = reconciled;
        self.done += chunk.users.len();
        if not_returned.is_empty() && failed.is_empty() {
            if self.options.record_settled {
                self.settled.push(Settled {
                    method: M::NAME,
                    applied: chunk.users.iter().cloned().collect(),
                    ..Settled::default()
                });
            }
            self.report.applied.extend(chunk.users.into_vec());
            return;
        }
        let out: HashSet<&UserId> = not_returned
            .iter()
            .chain(failed.iter().map(|(u, _)| u))
            .collect();
        let applied: Vec<UserId> = chunk
            .users
            .iter()
            .filter(|u| !out.contains(u))
            .cloned()
            .collect();
        if self.options.record_settled {
            self.settled.push(Settled {
                method: M::NAME,
                applied: applied.iter().chain(&not_returned).cloned().collect(),
                ..Settled::default()
            });
            if !failed.is_empty() {
                self.settled.push(Settled {
                    method: M::NAME,
                    failed: failed.iter().map(|(u, _)| u.clone()).collect(),
                    code: "decode_error".into(),
                    ..Settled::default()
                });
            }
        }
        self.report.applied.extend(applied);
        self.report.not_returned.extend(not_returned);
        for (user_id, reason) in failed {
            let error = Error::Call(CallError::Decode(crate::error::DecodeError {
                status: http::StatusCode::OK,
                reason: format!("the entry for {user_id}: {reason}"),
                excerpt: String::new(),
            }));
            self.report.failed.push(Failed {
                user_id,
                error: Arc::new(error),
            });
        }
    }

    /// An answer that applied the call to some users and names the others, each with
    /// its own code (`failed_for_some_users`).
    fn settle_partly(&mut self, chunk: Chunk, failures: Vec<(UserId, ErrorCode)>) -> Progress {
        let failed: HashMap<&UserId, &ErrorCode> = failures.iter().map(|(u, c)| (u, c)).collect();
        // Slack named these users itself, each with its own code: a refusal.
        let mut settled = Settled {
            method: M::NAME,
            refused: true,
            ..Settled::default()
        };
        let mut errors: HashMap<&ErrorCode, Arc<Error>> = HashMap::new();
        for u in chunk.users.iter() {
            match failed.get(u) {
                Some(code) => {
                    let error = errors.entry(code).or_insert_with(|| {
                        Arc::new(Error::Call(CallError::Api(
                            crate::error::ApiError::from_code((*code).clone()),
                        )))
                    });
                    self.report.failed.push(Failed {
                        user_id: u.clone(),
                        error: Arc::clone(error),
                    });
                    settled.failed.push(u.clone());
                }
                None => {
                    self.report.applied.push(u.clone());
                    settled.applied.push(u.clone());
                }
            }
        }
        self.done += chunk.users.len();
        if self.options.record_settled {
            // A journal line per code would lose nothing; one for the applied ones and
            // one for the failed (with the first code) keeps it simple.
            settled.code = failures
                .first()
                .map(|(_, c)| c.as_str().to_owned())
                .unwrap_or_default();
            self.settled.push(settled);
        }
        self.progress()
    }

    fn settle_failed(&mut self, chunk: Chunk, error: Error) -> Option<Progress> {
        if self.options.record_settled {
            self.settled.push(Settled {
                method: M::NAME,
                applied: Vec::new(),
                failed: chunk.users.iter().cloned().collect(),
                code: short_code(&error).into_owned(),
                refused: error.is_refusal(),
            });
        }
        let error = Arc::new(error);
        self.done += chunk.users.len();
        self.report
            .failed
            .extend(chunk.users.iter().map(|u| Failed {
                user_id: u.clone(),
                error: Arc::clone(&error),
            }));
        Some(self.progress())
    }

    fn not_attempted(&mut self, chunk: Chunk) {
        self.done += chunk.users.len();
        self.report.not_attempted.extend(chunk.users.into_vec());
    }

    /// Ends the run and returns the report. Chunks still queued or in flight (if the
    /// driver stops early) are reported as not attempted, so no user is ever lost.
    #[must_use = "the report accounts for every user"]
    pub fn finish(mut self) -> BulkReport<M::Output> {
        let rest: Vec<Chunk> = self
            .ready
            .drain(..)
            .chain(self.delayed.drain(..))
            .chain(self.in_flight.drain().map(|(_, c)| c))
            .collect();
        for c in rest {
            self.not_attempted(c);
        }
        self.drain_input();
        for part in std::mem::take(&mut self.outputs).into_values() {
            M::merge_output(&mut self.report.output, part);
        }
        if self.dropped > 0 {
            let w = crate::call::dropped_warning(M::NAME, self.dropped);
            self.warn(w);
        }
        self.report.requested = self.total + self.report.invalid.len();
        self.report
    }
}

impl Chunk {
    fn new(users: UserIds, seed: u64, order: (u64, u32)) -> Chunk {
        Chunk {
            users,
            request: None,
            attempt: Attempt::new(seed),
            order,
            sent_at: None,
        }
    }
}

/// One request's place and times, for its [`RequestEvent`].
struct Timing {
    users: usize,
    attempt: u32,
    paced: Duration,
    took: Duration,
}

/// Feeds the next inputs, at most as many as asked, to a callback; false once the input
/// is exhausted.
type Feed<'a> = Box<dyn FnMut(&mut dyn FnMut(&str), usize) -> bool + Send + 'a>;

/// Inputs a feed reads at a time.
const FEED_BATCH: usize = 16;

/// Sorts one input into the valid-distinct list or the invalid bucket; duplicates vanish.
fn classify(
    s: &str,
    seen_valid: &mut SeenIds,
    seen_invalid: &mut HashSet<String>,
    invalid: &mut Vec<Invalid>,
    part: &mut Vec<UserId>,
) {
    // The common case: a valid ID Slack's length, checked, packed and copied in one pass.
    let mut copy = [0u8; INLINE];
    if let Some(key) = pack_copy(s, &mut copy) {
        if seen_valid.insert_packed(key) {
            // At most 12 bytes: it fits.
            part.push(UserId::from_inline(s.len() as u8, copy));
        }
        return;
    }
    match crate::user::validate(s) {
        Ok(()) => {
            if seen_valid.insert(s) {
                part.push(UserId::from_valid(s));
            }
        }
        Err(reason) => {
            if seen_invalid.insert(s.to_owned()) {
                invalid.push(Invalid {
                    input: s.to_owned(),
                    reason,
                });
            }
        }
    }
}

/// The users a `failed_for_some_users` answer names, each with its code, when every one
/// of them is in `chunk`; `None` for any other answer, or one that names nobody this
/// code can read (the chunk then fails as a whole and is halved like any per-user
/// error).
///
/// Assumption: Slack's documentation says only that the details are in
/// `response_metadata`. They are read from `response_metadata.messages` entries of the
/// form `[ERROR] <user id>: <code>` (the `[ERROR]` tag optional), the shape Slack uses
/// for its other per-field messages.
fn partial_failures(error: &Error, chunk: &UserIds) -> Option<Vec<(UserId, ErrorCode)>> {
    let Error::Call(CallError::Api(api)) = error else {
        return None;
    };
    if api.code != ErrorCode::FailedForSomeUsers {
        return None;
    }
    let members: HashSet<&UserId> = chunk.iter().collect();
    let mut out = Vec::new();
    for m in &api.messages {
        let m = m.trim();
        let m = m.strip_prefix("[ERROR]").unwrap_or(m).trim();
        let (user, code) = m.split_once(':')?;
        let user = UserId::new(user.trim()).ok()?;
        if !members.contains(&user) {
            return None;
        }
        out.push((user, ErrorCode::from_wire(code.trim())));
    }
    (!out.is_empty()).then_some(out)
}
