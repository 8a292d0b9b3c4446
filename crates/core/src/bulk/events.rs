//! [`RequestEvent`]: one handled request of a bulk run, for a verbose log.

use std::sync::Arc;
use std::time::Duration;

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
    /// `ok`, or the error's short code ([`Error::short_code`](crate::Error::short_code)).
    pub code: String,
    /// The error's one-line message (no token), when the request failed: e.g. `tls
    /// error: tls with slack.com:443 failed: invalid peer certificate: UnknownIssuer`.
    pub detail: Option<String>,
    /// Which attempt of this chunk it was, from 1.
    pub attempt: u32,
    /// How long the pacer held the request before it went out (the tier's rate, or a
    /// `Retry-After` another request met).
    pub paced: Duration,
    /// From sending the request to handling its outcome.
    pub took: Duration,
    /// What happens next.
    pub disposition: Disposition,
}

/// A shared callback that sees every [`RequestEvent`] of a bulk run.
pub type RequestObserver = Arc<dyn Fn(&RequestEvent) + Send + Sync>;

/// Users settled by one answer, for a journal: applied, or failed with one error. Handed
/// to a [`SettledObserver`] before the run counts them as done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settled {
    /// The Slack method.
    pub method: &'static str,
    /// Users the answer applied (for getSettings, returned or not).
    pub applied: Vec<crate::UserId>,
    /// Users the answer failed, all with `code`.
    pub failed: Vec<crate::UserId>,
    /// The short code of the failure ([`Error::short_code`](crate::Error::short_code)),
    /// empty when nothing failed.
    pub code: String,
    /// Whether Slack itself refused the failed users ([`Error::is_refusal`](crate::Error::is_refusal)):
    /// only then does the failure say something about them. Otherwise no answer came,
    /// or Slack kept failing, and a later run should try them again.
    pub refused: bool,
}

/// A shared callback that sees every [`Settled`] of a bulk run, e.g. to write a journal.
/// It runs on the driver before the users count as done; a slow one slows the run.
pub type SettledObserver = Arc<dyn Fn(&Settled) + Send + Sync>;
