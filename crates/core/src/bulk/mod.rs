//! [`BulkPlan`]: apply one method to any number of users — chunked, paced, retried, with
//! bad IDs isolated by halving — and account for every user in a [`BulkReport`].

use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{Request, Response};

use crate::attempt::{Attempt, Next};
use crate::call::clone_request;
use crate::decode::decode_parts;
use crate::endpoint::Endpoint;
use crate::error::{CallError, Error, InvalidInput, TransportFailure, TransportKind};
use crate::method::{Output, UsersMethod};
use crate::pacer::SharedPacer;
use crate::retry::{splitmix64, RetryPolicy};
use crate::user::{InvalidUserId, UserId, UserIds, MAX_USERS_PER_CALL};

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

/// How a bulk plan behaves: a client's [`BulkRun`] resolved with the client's defaults
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
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            chunk_size: MAX_USERS_PER_CALL,
            max_in_flight: 1,
            policy: RetryPolicy::default(),
            record_events: false,
        }
    }
}

/// How a client runs a bulk job, as its user sets it: shared by the blocking and async
/// clients. The client resolves it, with its own defaults and retry policy, into the
/// plan's [`BulkOptions`](crate::sansio::BulkOptions), which only adapters see.
///
/// ```
/// use slack_sessions_core::BulkRun;
/// let run = BulkRun::default().concurrency(8).chunk_size(500);
/// assert_eq!(run.concurrency, Some(8));
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct BulkRun {
    /// Requests in flight at once; `None` for the client's default (blocking: 1, one
    /// chunk after another; async: 4). The blocking client uses that many threads. The
    /// pacer holds the tier rate whatever the concurrency.
    pub concurrency: Option<usize>,
    /// Users per request; `None` for 1,000.
    pub chunk_size: Option<usize>,
    /// Called after every answer (retries and splits included), e.g. for a verbose log.
    pub on_request: Option<RequestObserver>,
}

impl std::fmt::Debug for BulkRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkRun")
            .field("concurrency", &self.concurrency)
            .field("chunk_size", &self.chunk_size)
            .field("on_request", &self.on_request.is_some())
            .finish()
    }
}

impl BulkRun {
    /// `n` requests in flight at once.
    #[must_use]
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = Some(n);
        self
    }

    /// `n` users a request (1 to 1,000).
    #[must_use]
    pub fn chunk_size(mut self, n: usize) -> Self {
        self.chunk_size = Some(n);
        self
    }

    /// Calls `observer` after every answer, or stops calling one (`None`).
    #[must_use]
    pub fn on_request(mut self, observer: Option<RequestObserver>) -> Self {
        self.on_request = observer;
        self
    }

    /// The plan options for this run, given the client's default concurrency and policy.
    pub fn options(&self, default_concurrency: usize, policy: RetryPolicy) -> BulkOptions {
        BulkOptions {
            chunk_size: self.chunk_size.unwrap_or(MAX_USERS_PER_CALL),
            max_in_flight: self.concurrency.unwrap_or(default_concurrency),
            policy,
            record_events: self.on_request.is_some(),
        }
    }

    /// Hands the plan's recorded events to the observer, if there is one.
    pub fn observe<M: UsersMethod>(&self, plan: &mut BulkPlan<'_, M>) {
        if let Some(f) = &self.on_request {
            for e in plan.drain_events() {
                f(&e);
            }
        }
    }
}

/// A user the API refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    /// The user.
    pub user_id: UserId,
    /// The error that settled it, shared by the users of one request.
    pub error: Arc<Error>,
}

impl Failed {
    /// Slack's code, or a short name for a failure without one (`http_503`, `timeout`, …).
    pub fn code(&self) -> Cow<'_, str> {
        short_code(&self.error)
    }
}

/// A short, stable name for an error: Slack's code when it has one. Borrowed from the
/// error except for HTTP statuses, so naming the code of many users copies nothing.
pub(crate) fn short_code(e: &Error) -> Cow<'_, str> {
    match e {
        Error::Call(CallError::Api(a)) => Cow::Borrowed(a.code.as_str()),
        Error::Call(CallError::RateLimited { .. }) => "ratelimited".into(),
        Error::Call(CallError::Http { status, .. }) => format!("http_{}", status.as_u16()).into(),
        Error::Call(CallError::Decode(_)) => "decode_error".into(),
        Error::Transport(t) => match t.kind {
            TransportKind::Connect => "connect_error",
            TransportKind::Timeout => "timeout",
            TransportKind::Io => "io_error",
            TransportKind::BodyTooLarge => "body_too_large",
            TransportKind::Tls => "tls_error",
            _ => "transport_error",
        }
        .into(),
        Error::Invalid(_) => "invalid_input".into(),
    }
}

/// What became of a chunk after one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Disposition {
    /// Applied to every user of the chunk.
    Applied,
    /// Split in halves to isolate a bad member.
    Split,
    /// Sent again after this wait.
    Retry(Duration),
    /// Settled as failed.
    Failed,
    /// The run stopped (auth or permission error); the chunk is not attempted.
    Stopped,
}

/// One handled request of a bulk run, for a verbose log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestEvent {
    /// The Slack method.
    pub method: &'static str,
    /// Users in the request.
    pub users: usize,
    /// The HTTP status, or `None` when no answer came.
    pub status: Option<u16>,
    /// `ok`, or the error's short code ([`Error::short_code`]).
    pub code: String,
    /// Which attempt of this chunk it was, from 1.
    pub attempt: u32,
    /// What happens next.
    pub disposition: Disposition,
}

/// A shared callback that sees every [`RequestEvent`] of a bulk run.
pub type RequestObserver = Arc<dyn Fn(&RequestEvent) + Send + Sync>;

/// An input that is not a user ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The input as given.
    pub input: String,
    /// Why it was refused.
    pub reason: InvalidUserId,
}

/// Where things stand, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Users settled so far (applied, failed or not attempted).
    pub done: usize,
    /// Valid distinct users found so far plus the inputs not yet read (the input is read
    /// chunk by chunk, as requests go out); exact once the input is exhausted, and for a
    /// list with no invalid or duplicate entries, exact from the start.
    pub total: usize,
    /// Requests handed out, retries included.
    pub requests: u64,
    /// Retries decided.
    pub retries: u64,
}

/// The outcome of a bulk run: every distinct input is in exactly one of `applied`,
/// `failed`, `invalid`, `not_attempted` and `not_returned`.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct BulkReport<O> {
    /// Distinct inputs given.
    pub requested: usize,
    /// Users the method succeeded for.
    pub applied: Vec<UserId>,
    /// Users the API refused, with the error.
    pub failed: Vec<Failed>,
    /// Inputs that are not user IDs.
    pub invalid: Vec<Invalid>,
    /// Users never tried, because the run stopped (an auth or permission error, or
    /// Slack unreachable) before their turn.
    pub not_attempted: Vec<UserId>,
    /// Users the call succeeded for but whose answer left them out (getSettings: Slack
    /// leaves out users with no active session). Not a failure.
    pub not_returned: Vec<UserId>,
    /// Requests sent, retries included.
    pub requests: u64,
    /// Retries decided.
    pub retries: u64,
    /// Times a request had to wait (for the pacer or a retry).
    pub waits: u64,
    /// HTTP 429 answers received.
    pub rate_limited: u64,
    /// The merged payload of every successful chunk (e.g. all users' settings).
    pub output: O,
    /// Slack's warnings, each once.
    pub warnings: Vec<String>,
    /// The error that stopped the run early, if one did.
    pub stopped_by: Option<Error>,
}

impl<O> BulkReport<O> {
    /// The same report with its payload turned by `f` (e.g. dropped, or taken out).
    pub fn map_output<P>(self, f: impl FnOnce(O) -> P) -> BulkReport<P> {
        BulkReport {
            requested: self.requested,
            applied: self.applied,
            failed: self.failed,
            invalid: self.invalid,
            not_attempted: self.not_attempted,
            not_returned: self.not_returned,
            requests: self.requests,
            retries: self.retries,
            waits: self.waits,
            rate_limited: self.rate_limited,
            output: f(self.output),
            warnings: self.warnings,
            stopped_by: self.stopped_by,
        }
    }

    /// True when the method succeeded for every input (users an answer left out count
    /// as a success).
    pub fn is_complete_success(&self) -> bool {
        self.failed.is_empty() && self.invalid.is_empty() && self.not_attempted.is_empty()
    }
}

struct Chunk {
    users: UserIds,
    request: Option<Request<Vec<u8>>>,
    attempt: Attempt,
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
    /// Chunks settled as failed on a transport error since the last success.
    unreachable_streak: u32,
    /// The last request got no answer (a transport failure): no new chunk starts while
    /// others wait for a retry or an answer, so that a server that is down is probed by
    /// one chunk at a time rather than by all of them.
    unanswered: bool,
    events: Vec<RequestEvent>,
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
        let feed: Feed<'a> = Box::new(move |f: &mut dyn FnMut(&str)| match users.next() {
            Some(s) => {
                f(s.as_ref());
                true
            }
            None => false,
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
            unreachable_streak: 0,
            unanswered: false,
            events: Vec::new(),
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
            let more = feed(&mut |s: &str| {
                read += 1;
                classify(
                    s,
                    &mut self.seen_valid,
                    &mut self.seen_invalid,
                    &mut self.report.invalid,
                    &mut part,
                )
            });
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
        self.ready
            .push_back(Chunk::new(UserIds::from_distinct(part), seed));
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
            if self.ready.is_empty() && self.report.stopped_by.is_none() && !holding_back {
                self.refill();
            }
            if let Some(chunk) = self.ready.front_mut() {
                let waits = &mut self.report.waits;
                let paced = chunk
                    .attempt
                    .pace(now, self.pacer.as_ref(), M::NAME, M::TIER, |w| {
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
                        Some(r) => clone_request(r),
                        None => {
                            // Lend the users to the method and take them back: no copies.
                            let method = M::for_users(chunk.users, &self.params);
                            let encoded = self.endpoint.encode(&method);
                            chunk.users = method.into_users();
                            match encoded {
                                Ok(r) => {
                                    let out = clone_request(&r);
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
    pub fn handle(
        &mut self,
        now: Instant,
        id: ChunkId,
        outcome: Result<Response<Vec<u8>>, TransportFailure>,
    ) -> Option<Progress> {
        let chunk = self.in_flight.remove(&id)?;
        let status = outcome.as_ref().ok().map(|r| r.status().as_u16());
        self.unanswered = matches!(&outcome, Err(t) if t.kind != TransportKind::BodyTooLarge);
        let (users, attempt) = (chunk.users.len(), chunk.attempt.retries + 1);
        let error = match outcome {
            Ok(resp) => match decode_parts::<M::Output>(resp.status(), resp.headers(), resp.body())
            {
                Ok(mut reply) => {
                    self.record(users, status, "ok".into(), attempt, Disposition::Applied);
                    self.unreachable_streak = 0;
                    for w in reply.warnings {
                        self.warn(w);
                    }
                    let reconciled = reply.output.reconcile(&chunk.users);
                    self.dropped += reconciled.dropped;
                    M::merge_output(&mut self.report.output, reply.output);
                    self.done += chunk.users.len();
                    if reconciled.not_returned.is_empty() {
                        self.report.applied.extend(chunk.users.into_vec());
                    } else {
                        let missing: HashSet<&UserId> = reconciled.not_returned.iter().collect();
                        self.report
                            .applied
                            .extend(chunk.users.iter().filter(|u| !missing.contains(u)).cloned());
                        self.report.not_returned.extend(reconciled.not_returned);
                    }
                    return Some(self.progress());
                }
                Err(e) => Error::Call(e),
            },
            Err(t) => Error::Transport(t),
        };
        let code = short_code(&error).into_owned();
        let (progress, disposition) = self.on_error(now, chunk, error);
        self.record(users, status, code, attempt, disposition);
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
        users: usize,
        status: Option<u16>,
        code: String,
        attempt: u32,
        disposition: Disposition,
    ) {
        if self.options.record_events {
            self.events.push(RequestEvent {
                method: M::NAME,
                users,
                status,
                code,
                attempt,
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
        let next = chunk.attempt.after_failure(
            now,
            &error,
            &self.options.policy,
            self.pacer.as_ref(),
            M::NAME,
            M::TIER,
            M::IDEMPOTENT,
        );
        match next {
            Next::StopRun => {
                self.not_attempted(chunk);
                self.stop(error);
                (Some(self.progress()), Disposition::Stopped)
            }
            Next::Isolate => self.split_or_fail(chunk, error),
            Next::Retry(wait) if self.report.stopped_by.is_none() => {
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
            if self.report.stopped_by.is_some() {
                self.not_attempted(chunk);
                return (Some(self.progress()), Disposition::Stopped);
            }
            let seed = chunk.attempt.seed;
            self.ready.push_front(Chunk::new(b, splitmix64(seed ^ 2)));
            self.ready.push_front(Chunk::new(a, splitmix64(seed ^ 1)));
            return (None, Disposition::Split);
        }
        (self.settle_failed(chunk, error), Disposition::Failed)
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

    fn settle_failed(&mut self, chunk: Chunk, error: Error) -> Option<Progress> {
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
        if self.dropped > 0 {
            let w = crate::call::dropped_warning(M::NAME, self.dropped);
            self.warn(w);
        }
        self.report.requested = self.total + self.report.invalid.len();
        self.report
    }
}

impl Chunk {
    fn new(users: UserIds, seed: u64) -> Chunk {
        Chunk {
            users,
            request: None,
            attempt: Attempt::new(seed),
        }
    }
}

/// Feeds the next input to a callback; false once the input is exhausted.
type Feed<'a> = Box<dyn FnMut(&mut dyn FnMut(&str)) -> bool + Send + 'a>;

/// Sorts one input into the valid-distinct list or the invalid bucket; duplicates vanish.
fn classify(
    s: &str,
    seen_valid: &mut SeenIds,
    seen_invalid: &mut HashSet<String>,
    invalid: &mut Vec<Invalid>,
    part: &mut Vec<UserId>,
) {
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

/// The distinct user IDs seen so far. An ID of up to 12 characters (all of Slack's) is
/// packed exactly into a `u64` (base 37 over `0-9A-Z`), so the set is small, holds no
/// pointers and allocates nothing per ID.
struct SeenIds {
    short: HashSet<u64, BuildIdHasher>,
    long: HashSet<String>,
}

impl SeenIds {
    fn with_capacity(n: usize) -> Self {
        SeenIds {
            short: HashSet::with_capacity_and_hasher(n, BuildIdHasher),
            long: HashSet::new(),
        }
    }

    /// True the first time a valid ID is seen.
    fn insert(&mut self, id: &str) -> bool {
        if id.len() <= 12 {
            // 37^12 < 2^64, and 0 never stands for a character: the packing is exact.
            let packed = id.bytes().fold(0u64, |acc, b| {
                let digit = match b {
                    b'0'..=b'9' => u64::from(b - b'0') + 1,
                    _ => u64::from(b.wrapping_sub(b'A')) + 11,
                };
                acc * 37 + digit
            });
            self.short.insert(packed)
        } else {
            self.long.insert(id.to_owned())
        }
    }
}

/// A fast, non-cryptographic hasher for deduplicating user IDs. The inputs are an admin's
/// own list, so hash flooding is not a concern; SipHash was half the planning time.
#[derive(Debug, Default, Clone, Copy)]
struct BuildIdHasher;

impl std::hash::BuildHasher for BuildIdHasher {
    type Hasher = IdHasher;
    fn build_hasher(&self) -> IdHasher {
        IdHasher(0)
    }
}

#[derive(Debug)]
struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in words.by_ref() {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            self.add(u64::from_le_bytes(word));
        }
        let mut tail = 0u64;
        for (i, b) in words.remainder().iter().enumerate() {
            tail |= u64::from(*b) << (8 * i);
        }
        self.add(tail);
    }
    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }
    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }
    fn finish(&self) -> u64 {
        // Mix the high bits down, as hashbrown takes its control bits from the top.
        splitmix64(self.0)
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // a base instant for virtual time
mod tests;
