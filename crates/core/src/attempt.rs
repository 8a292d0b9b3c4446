//! [`Attempt`]: the retry state of one unit of work — a single [`Call`](crate::Call) or
//! one chunk of a bulk run — and the steps both take between tries: book a pacer slot,
//! and after a failure push the pacer back on a 429, apply the oversized-answer rule and
//! ask the [`verdict`] and the policy what comes next.

use std::time::{Duration, Instant};

use crate::error::{CallError, Error, TransportKind};
use crate::method::Method;
use crate::pacer::SharedPacer;
use crate::retry::{RetryDecision, RetryPolicy};
use crate::verdict::{verdict, Verdict};

/// What comes after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Try again once this long has passed.
    Retry(Duration),
    /// Stop the whole run.
    StopRun,
    /// One member spoils the list: split it (a single user fails).
    Isolate,
    /// Settle as failed.
    Fail,
}

/// One unit of work's tries so far.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    /// Retries decided.
    pub(crate) retries: u32,
    /// Time waited on the retry policy.
    pub(crate) waited: Duration,
    /// No try before this instant (a retry's wait).
    pub(crate) not_before: Option<Instant>,
    /// The pacer slot booked for the next try, kept until it is used.
    slot: Option<Instant>,
    /// Seeds this unit's jitter.
    pub(crate) seed: u64,
    /// An answer was already too large to read.
    oversized: bool,
    /// How long the pacer held the latest try.
    pub(crate) paced: Duration,
    /// An earlier try may have done the work: it was sent and its outcome is unknown.
    pub(crate) maybe_done: bool,
}

impl Attempt {
    pub(crate) fn new(seed: u64) -> Self {
        Attempt {
            retries: 0,
            waited: Duration::ZERO,
            not_before: None,
            slot: None,
            seed,
            oversized: false,
            paced: Duration::ZERO,
            maybe_done: false,
        }
    }

    /// Books a pacer slot for the next try, once, and says when it is: `Ok` to send now,
    /// `Err(at)` to wait. `booked` hears the wait when a slot is booked.
    pub(crate) fn pace<M: Method>(
        &mut self,
        now: Instant,
        pacer: Option<&SharedPacer>,
        booked: impl FnOnce(Duration),
    ) -> Result<(), Instant> {
        let Some(p) = pacer else {
            return Ok(());
        };
        let paced = &mut self.paced;
        let at = *self.slot.get_or_insert_with(|| {
            let wait = p.reserve(now, M::NAME, M::TIER);
            *paced = wait;
            booked(wait);
            now + wait
        });
        if now < at {
            Err(at)
        } else {
            Ok(())
        }
    }

    /// The try goes out: its slot is used.
    pub(crate) fn sent(&mut self) {
        self.slot = None;
    }

    /// After a failed try of method `M`: what next, with the wait booked when it is a
    /// retry.
    pub(crate) fn after_failure<M: Method>(
        &mut self,
        now: Instant,
        error: &Error,
        policy: &RetryPolicy,
        pacer: Option<&SharedPacer>,
    ) -> Next {
        let idempotent = M::IDEMPOTENT;
        if let (Error::Call(CallError::RateLimited { retry_after }), Some(p)) = (error, pacer) {
            p.penalize(now, M::NAME, M::TIER, *retry_after);
        }
        match verdict(error, idempotent) {
            Verdict::StopRun => return Next::StopRun,
            Verdict::Isolate => return Next::Isolate,
            _ => {}
        }
        // An answer too large to read is retried once; a second one may fit for fewer
        // users, so it is isolated.
        if error.transport_kind() == Some(TransportKind::BodyTooLarge) && idempotent {
            if self.oversized {
                return Next::Isolate;
            }
            self.oversized = true;
        }
        let policy = policy.with_seed(self.seed);
        match policy.decide(error, self.retries, self.waited, idempotent) {
            RetryDecision::RetryAfter(wait) => {
                self.maybe_done |= crate::verdict::outcome_unknown(error);
                self.retries += 1;
                self.waited += wait;
                self.not_before = Some(now + wait);
                self.slot = None;
                Next::Retry(wait)
            }
            RetryDecision::GiveUp => Next::Fail,
        }
    }
}
