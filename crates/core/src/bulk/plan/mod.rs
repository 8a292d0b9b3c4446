//! [`BulkPlan`]: apply one method to any number of users — chunked, paced, retried, with
//! bad IDs isolated by halving — as a poll-shaped state machine.
//!
//! One file a concern, as quinn-proto splits its connection: this one holds the plan's
//! state, its options and its report; [`input`] reads and dedupes the users a chunk at a
//! time; [`schedule`] hands out requests and takes their outcomes; [`settle`] puts every
//! user of a finished chunk in its bucket (and a stop or a cancel settles the rest, by
//! one path).

mod input;
mod schedule;
mod settle;

use input::Feed;

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
use crate::user::{UserId, UserIds, MAX_USERS_PER_CALL};

use super::dedupe::SeenIds;
use super::events::{Disposition, RequestEvent, Settled};
use super::report::{BulkReport, Failed, Invalid, Progress};

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
        let users = users.into_iter();
        let hint = users.size_hint().0;
        // Pre-size for the input, but never trust a lower bound past a million.
        let reserve = hint.min(1 << 20);
        let feed = input::feed(users);
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

    /// Keeps a warning once, up to [`MAX_REPORT_WARNINGS`].
    fn warn(&mut self, w: String) {
        if self.report.warnings.len() < MAX_REPORT_WARNINGS && self.seen_warnings.insert(w.clone())
        {
            self.report.warnings.push(w);
        }
    }

    /// Takes the events recorded since the last call (only with `record_events`).
    pub fn drain_events(&mut self) -> Vec<RequestEvent> {
        std::mem::take(&mut self.events)
    }

    /// Takes the users settled since the last call (only with `record_settled`).
    pub fn drain_settled(&mut self) -> Vec<Settled> {
        std::mem::take(&mut self.settled)
    }

    /// Ends the run and returns the report. Chunks still queued or in flight (if the
    /// driver stops early) are reported as not attempted, so no user is ever lost.
    #[must_use = "the report accounts for every user"]
    pub fn finish(mut self) -> BulkReport<M::Output> {
        let in_flight: Vec<Chunk> = self.in_flight.drain().map(|(_, c)| c).collect();
        for c in in_flight {
            self.not_attempted(c);
        }
        self.settle_unsent();
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
