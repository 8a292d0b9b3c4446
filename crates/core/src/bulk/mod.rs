//! [`BulkPlan`]: apply one method to any number of users — chunked, paced, retried, with
//! bad IDs isolated by halving — and account for every user in a [`BulkReport`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{Request, Response};

use crate::call::clone_request;
use crate::decode::decode_parts;
use crate::endpoint::Endpoint;
use crate::error::{CallError, Error, InvalidInput, TransportFailure};
use crate::error_code::{ErrorClass, ErrorCode};
use crate::method::UsersMethod;
use crate::pacer::SharedPacer;
use crate::retry::{splitmix64, RetryDecision, RetryPolicy};
use crate::user::{InvalidUserId, UserId, UserIds, MAX_USERS_PER_CALL};

/// Identifies one request handed out by [`BulkPlan::poll`], to pass back to `handle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChunkId(pub u64);

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

/// How a bulk run behaves.
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
    pub fn code(&self) -> String {
        short_code(&self.error)
    }
}

/// A short, stable name for an error: Slack's code when it has one.
pub fn short_code(e: &Error) -> String {
    use crate::error::TransportKind;
    match e {
        Error::Call(CallError::Api(a)) => a.code.as_str().to_owned(),
        Error::Call(CallError::RateLimited { .. }) => "ratelimited".into(),
        Error::Call(CallError::Http { status, .. }) => format!("http_{}", status.as_u16()),
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
        #[allow(unreachable_patterns)]
        _ => "error".into(),
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
pub struct RequestEvent {
    /// The Slack method.
    pub method: &'static str,
    /// Users in the request.
    pub users: usize,
    /// The HTTP status, or `None` when no answer came.
    pub status: Option<u16>,
    /// `ok`, or the error's short code ([`short_code`]).
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
pub struct Progress {
    /// Users settled so far (applied, failed or not attempted).
    pub done: usize,
    /// Valid distinct users in all.
    pub total: usize,
    /// Requests handed out, retries included.
    pub requests: u64,
    /// Retries decided.
    pub retries: u64,
}

/// The outcome of a bulk run: every distinct input is in exactly one of `applied`,
/// `failed`, `invalid` and `not_attempted`.
#[derive(Debug, Clone, Default)]
pub struct BulkReport<O> {
    /// Distinct inputs given.
    pub requested: usize,
    /// Users the method succeeded for.
    pub applied: Vec<UserId>,
    /// Users the API refused, with the error.
    pub failed: Vec<Failed>,
    /// Inputs that are not user IDs.
    pub invalid: Vec<Invalid>,
    /// Users never tried, because an auth or permission error stopped the run.
    pub not_attempted: Vec<UserId>,
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
    /// True when every input was applied.
    pub fn is_complete_success(&self) -> bool {
        self.failed.is_empty() && self.invalid.is_empty() && self.not_attempted.is_empty()
    }
}

struct Chunk {
    users: UserIds,
    request: Option<Request<Vec<u8>>>,
    retries: u32,
    waited: Duration,
    not_before: Option<Instant>,
    slot: Option<Instant>,
    seed: u64,
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
/// use slack_sessions_core::*;
///
/// let ep = Endpoint::new(Token::new("xoxp-1").unwrap());
/// let mut plan = BulkPlan::<ClearSettings>::new(&ep, (), ["U1", "bad", "U2"], BulkOptions::default()).unwrap();
/// let now = Instant::now();
/// while let BulkAction::Send(id, _request) = plan.poll(now) {
///     plan.handle(now, id, Ok(http::Response::new(br#"{"ok":true}"#.to_vec())));
/// }
/// let report = plan.finish();
/// assert_eq!(report.applied.len(), 2);
/// assert_eq!(report.invalid[0].input, "bad");
/// ```
pub struct BulkPlan<M: UsersMethod> {
    endpoint: Endpoint,
    params: M::Params,
    options: BulkOptions,
    pacer: Option<SharedPacer>,
    ready: VecDeque<Chunk>,
    delayed: Vec<Chunk>,
    in_flight: HashMap<ChunkId, Chunk>,
    next_id: u64,
    total: usize,
    done: usize,
    seen_warnings: HashSet<String>,
    events: Vec<RequestEvent>,
    report: BulkReport<M::Output>,
}

impl<M: UsersMethod> std::fmt::Debug for BulkPlan<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkPlan")
            .field("method", &M::NAME)
            .field("progress", &self.progress())
            .finish_non_exhaustive()
    }
}

impl<M: UsersMethod> BulkPlan<M> {
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
        S: AsRef<str>,
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
        let mut report = BulkReport::<M::Output>::default();
        let mut seen_valid: HashSet<UserId> = HashSet::new();
        let mut seen_invalid: HashSet<String> = HashSet::new();
        let mut valid = Vec::new();
        for s in users {
            let s = s.as_ref();
            match UserId::new(s) {
                Ok(id) => {
                    if seen_valid.insert(id.clone()) {
                        valid.push(id);
                    }
                }
                Err(reason) => {
                    if seen_invalid.insert(s.to_owned()) {
                        report.invalid.push(Invalid {
                            input: s.to_owned(),
                            reason,
                        });
                    }
                }
            }
        }
        report.requested = valid.len() + report.invalid.len();
        let total = valid.len();
        let mut ready = VecDeque::with_capacity(total.div_ceil(options.chunk_size));
        let mut rest = valid.into_iter().peekable();
        let mut n = 0u64;
        while rest.peek().is_some() {
            let part: Vec<UserId> = rest.by_ref().take(options.chunk_size).collect();
            n += 1;
            ready.push_back(Chunk::new(
                UserIds::from_distinct(part),
                options.policy.seed ^ splitmix64(n),
            ));
        }
        Ok(BulkPlan {
            endpoint: endpoint.clone(),
            params,
            options,
            pacer: None,
            ready,
            delayed: Vec::new(),
            in_flight: HashMap::new(),
            next_id: 0,
            total,
            done: 0,
            seen_warnings: HashSet::new(),
            events: Vec::new(),
            report,
        })
    }

    /// Paces every request through `pacer`.
    pub fn with_pacer(mut self, pacer: SharedPacer) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// Where things stand.
    pub fn progress(&self) -> Progress {
        Progress {
            done: self.done,
            total: self.total,
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
                .sort_by_key(|c| std::cmp::Reverse(c.not_before));
            while self
                .delayed
                .last()
                .is_some_and(|c| c.not_before.is_none_or(|t| t <= now))
            {
                if let Some(c) = self.delayed.pop() {
                    self.ready.push_front(c);
                }
            }
        }
        if self.in_flight.len() < self.options.max_in_flight {
            if let Some(chunk) = self.ready.front_mut() {
                if let Some(p) = &self.pacer {
                    let at = *chunk.slot.get_or_insert_with(|| {
                        let wait = p.reserve(now, M::NAME, M::TIER);
                        if !wait.is_zero() {
                            self.report.waits += 1;
                        }
                        now + wait
                    });
                    if now < at {
                        return BulkAction::WaitUntil(
                            self.earliest_delayed().map_or(at, |d| d.min(at)),
                        );
                    }
                }
                if let Some(mut chunk) = self.ready.pop_front() {
                    let request = match &chunk.request {
                        Some(r) => clone_request(r),
                        None => {
                            let method = M::for_users(chunk.users.clone(), &self.params);
                            match self.endpoint.encode(&method) {
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
                    chunk.slot = None;
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
        if self.in_flight.is_empty() && self.ready.is_empty() {
            BulkAction::Done
        } else {
            BulkAction::Pending
        }
    }

    fn earliest_delayed(&self) -> Option<Instant> {
        self.delayed.iter().filter_map(|c| c.not_before).min()
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
        let (users, attempt) = (chunk.users.len(), chunk.retries + 1);
        let error = match outcome {
            Ok(resp) => match decode_parts::<M::Output>(resp.status(), resp.headers(), resp.body())
            {
                Ok(reply) => {
                    self.record(users, status, "ok".into(), attempt, Disposition::Applied);
                    for w in reply.warnings {
                        if self.seen_warnings.insert(w.clone()) {
                            self.report.warnings.push(w);
                        }
                    }
                    M::merge_output(&mut self.report.output, reply.output);
                    self.done += chunk.users.len();
                    self.report.applied.extend(chunk.users.iter().cloned());
                    return Some(self.progress());
                }
                Err(e) => Error::Call(e),
            },
            Err(t) => Error::Transport(t),
        };
        let code = short_code(&error);
        let (progress, disposition) = self.on_error(now, chunk, error);
        self.record(users, status, code, attempt, disposition);
        progress
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
        if let Error::Call(CallError::RateLimited { retry_after }) = &error {
            self.report.rate_limited += 1;
            if let Some(p) = &self.pacer {
                p.penalize(now, M::NAME, M::TIER, *retry_after);
            }
        }
        let code = error.code();
        let class = code.as_ref().map(ErrorCode::class);
        let stops = matches!(class, Some(ErrorClass::Auth | ErrorClass::Gone));
        if stops {
            if self.report.stopped_by.is_none() {
                self.report.stopped_by = Some(error);
            }
            self.not_attempted(chunk);
            let rest: Vec<Chunk> = self.ready.drain(..).chain(self.delayed.drain(..)).collect();
            for c in rest {
                self.not_attempted(c);
            }
            return (Some(self.progress()), Disposition::Stopped);
        }
        let splits =
            class == Some(ErrorClass::PerUser) || code == Some(ErrorCode::InvalidArguments);
        if splits {
            if let Some((a, b)) = chunk.users.split_halves() {
                if self.report.stopped_by.is_some() {
                    self.not_attempted(chunk);
                    return (Some(self.progress()), Disposition::Stopped);
                }
                let seed = chunk.seed;
                self.ready.push_front(Chunk::new(b, splitmix64(seed ^ 2)));
                self.ready.push_front(Chunk::new(a, splitmix64(seed ^ 1)));
                return (None, Disposition::Split);
            }
            return (self.settle_failed(chunk, error), Disposition::Failed);
        }
        let policy = self.options.policy.with_seed(chunk.seed);
        match policy.decide(&error, chunk.retries, chunk.waited, M::IDEMPOTENT) {
            RetryDecision::RetryAfter(wait) if self.report.stopped_by.is_none() => {
                self.report.retries += 1;
                self.report.waits += 1;
                chunk.retries += 1;
                chunk.waited += wait;
                chunk.not_before = Some(now + wait);
                chunk.slot = None;
                self.delayed.push(chunk);
                (None, Disposition::Retry(wait))
            }
            RetryDecision::RetryAfter(_) => {
                self.not_attempted(chunk);
                (Some(self.progress()), Disposition::Stopped)
            }
            RetryDecision::GiveUp => (self.settle_failed(chunk, error), Disposition::Failed),
        }
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
        self.report
            .not_attempted
            .extend(chunk.users.iter().cloned());
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
        self.report
    }
}

impl Chunk {
    fn new(users: UserIds, seed: u64) -> Chunk {
        Chunk {
            users,
            request: None,
            retries: 0,
            waited: Duration::ZERO,
            not_before: None,
            slot: None,
            seed,
        }
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // a base instant for virtual time
mod tests;
