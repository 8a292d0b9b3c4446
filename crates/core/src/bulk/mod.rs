//! [`BulkPlan`]: apply one method to any number of users — chunked, paced, retried, with
//! bad IDs isolated by halving — and account for every user in a [`BulkReport`].
//!
//! One file a concept: the [`plan`] itself, the [`report`] it ends with, the request
//! [`events`] a verbose log sees, the [`run`] options a client's user sets, and the
//! [`dedupe`] of user IDs.

mod dedupe;
mod events;
mod plan;
mod report;
mod run;

pub use events::{Disposition, RequestEvent, RequestObserver};
pub use plan::{BulkAction, BulkOptions, BulkPlan, ChunkId, UNREACHABLE_AFTER};
pub(crate) use report::short_code;
pub use report::{BulkReport, Failed, Invalid, Progress};
pub use run::BulkRun;

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // a base instant for virtual time
mod tests;
