//! [`BulkPlan`]: apply one method to any number of users — chunked, paced, retried, with
//! bad IDs isolated by halving — and account for every user in a [`BulkReport`].
//!
//! One file a concept: the [`plan`] itself (itself split by concern), the [`report`] it
//! ends with, the request [`events`] a verbose log and a journal see, the [`run`] options
//! a client's user sets, the [`cancel`] token, the [`dedupe`] of user IDs, and the
//! reading of resetBulk's [`partial`] failures.

mod cancel;
mod dedupe;
pub(crate) mod events;
mod partial;
mod plan;
mod report;
mod run;

pub use cancel::CancelToken;
pub use events::{Disposition, RequestEvent, RequestObserver, Settled, SettledObserver};
pub use plan::{BulkAction, BulkOptions, BulkPlan, ChunkId, UNREACHABLE_AFTER};
pub use report::{BulkError, BulkReport, Failed, Invalid, Progress};
pub use run::BulkRun;

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // a base instant for virtual time
mod tests;
