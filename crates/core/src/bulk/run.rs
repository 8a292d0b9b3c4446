//! [`BulkRun`]: how a client's user asks a bulk job to run.

use crate::method::UsersMethod;
use crate::retry::RetryPolicy;
use crate::user::MAX_USERS_PER_CALL;

use super::cancel::CancelToken;
use super::events::{RequestObserver, SettledObserver};
use super::plan::{BulkOptions, BulkPlan};

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
    /// Cancels the run from anywhere: see [`cancel_token`](Self::cancel_token).
    pub cancel: CancelToken,
    /// Called with the users each answer settles, before they count as done (e.g. to
    /// write a journal).
    pub on_settled: Option<SettledObserver>,
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
            .field("on_settled", &self.on_settled.is_some())
            .field("cancel", &self.cancel)
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

    /// A handle that cancels this run (and every run that shares the token): the run
    /// sends nothing new, settles what is in flight and reports the rest as not
    /// attempted. The clients check it between requests and during every wait.
    pub fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// Runs under `token`, e.g. one token for several runs.
    #[must_use]
    pub fn with_cancel_token(mut self, token: CancelToken) -> Self {
        self.cancel = token;
        self
    }

    /// Calls `observer` with the users each answer settles, before they count as done.
    #[must_use]
    pub fn on_settled(mut self, observer: Option<SettledObserver>) -> Self {
        self.on_settled = observer;
        self
    }

    /// The plan options for this run, given the client's default concurrency and policy.
    pub fn options(&self, default_concurrency: usize, policy: RetryPolicy) -> BulkOptions {
        BulkOptions {
            chunk_size: self.chunk_size.unwrap_or(MAX_USERS_PER_CALL),
            max_in_flight: self.concurrency.unwrap_or(default_concurrency),
            policy,
            record_events: self.on_request.is_some(),
            record_settled: self.on_settled.is_some(),
        }
    }

    /// Hands the plan's recorded events and settlements to the observers, and cancels
    /// the plan if the token says so. Drivers call it after every `handle` and before
    /// every wait.
    pub fn observe<M: UsersMethod>(&self, plan: &mut BulkPlan<'_, M>) {
        if let Some(f) = &self.on_request {
            for e in plan.drain_events() {
                f(&e);
            }
        }
        if let Some(f) = &self.on_settled {
            for s in plan.drain_settled() {
                f(&s);
            }
        }
        if self.cancel.is_cancelled() {
            plan.cancel();
        }
    }
}
