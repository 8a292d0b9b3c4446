//! [`BulkReport`]: where every user of a bulk run ended, and what happened on the way.

use std::borrow::Cow;
use std::sync::Arc;

use crate::error::Error;
use crate::user::{InvalidUserId, UserId};

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
        self.error.short_code()
    }
}

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
    /// The run was cancelled ([`CancelToken`](crate::CancelToken)): the users not
    /// settled by then are in `not_attempted`.
    pub cancelled: bool,
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
            cancelled: self.cancelled,
        }
    }

    /// The report as the result of a bulk call: `Ok` when the run did all its work
    /// (whatever each user's outcome), else the report inside the [`BulkError`] that says
    /// why it stopped, so that `?` cannot mistake a stopped run for a finished one.
    pub fn into_result(self) -> Result<Self, BulkError<O>> {
        if self.cancelled {
            Err(BulkError::Cancelled(Box::new(self)))
        } else if self.stopped_by.is_some() {
            Err(BulkError::Stopped(Box::new(self)))
        } else {
            Ok(self)
        }
    }

    /// True when the method succeeded for every input (users an answer left out count
    /// as a success).
    pub fn is_complete_success(&self) -> bool {
        self.failed.is_empty() && self.invalid.is_empty() && self.not_attempted.is_empty()
    }
}

/// A bulk call that did not do all its work. A run that stopped or was cancelled still
/// accounts for every user: its report is inside, so that the users already applied are
/// never lost.
///
/// ```
/// use slack_sessions_core::{BulkError, BulkReport, Empty};
/// let mut report = BulkReport::<Empty>::default();
/// report.cancelled = true;
/// let err = report.into_result().unwrap_err();
/// assert_eq!(err.to_string(), "bulk run cancelled: 0 applied, 0 not attempted");
/// assert!(err.report().is_some());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BulkError<O> {
    /// Refused before anything was sent (bad parameters or options).
    #[error(transparent)]
    Invalid(Error),
    /// Stopped early by an error that every later request would meet (auth,
    /// permission, Slack unreachable, not Slack's API): `stopped_by` says which.
    #[error("bulk run stopped by {}: {} applied, {} not attempted", stop_code(.0), .0.applied.len(), .0.not_attempted.len())]
    Stopped(Box<BulkReport<O>>),
    /// Cancelled through its [`CancelToken`](crate::CancelToken).
    #[error("bulk run cancelled: {} applied, {} not attempted", .0.applied.len(), .0.not_attempted.len())]
    Cancelled(Box<BulkReport<O>>),
}

fn stop_code<O>(r: &BulkReport<O>) -> Cow<'_, str> {
    r.stopped_by
        .as_ref()
        .map_or(Cow::Borrowed("an error"), Error::short_code)
}

impl<O> BulkError<O> {
    /// The report, unless the run never started.
    pub fn report(&self) -> Option<&BulkReport<O>> {
        match self {
            BulkError::Invalid(_) => None,
            BulkError::Stopped(r) | BulkError::Cancelled(r) => Some(r),
        }
    }

    /// Takes the report out, unless the run never started; then the error.
    pub fn into_report(self) -> Result<BulkReport<O>, Error> {
        match self {
            BulkError::Invalid(e) => Err(e),
            BulkError::Stopped(r) | BulkError::Cancelled(r) => Ok(*r),
        }
    }
}

impl<O> From<Error> for BulkError<O> {
    fn from(e: Error) -> Self {
        BulkError::Invalid(e)
    }
}

impl<O> From<crate::error::InvalidInput> for BulkError<O> {
    fn from(e: crate::error::InvalidInput) -> Self {
        BulkError::Invalid(Error::Invalid(e))
    }
}
