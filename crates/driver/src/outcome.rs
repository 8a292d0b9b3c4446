//! What a bulk run gives, on either client.

use slack_sessions_core::{BulkError, BulkReport};

/// The result of a bulk call: the report, or the report inside the error that says why
/// the run stopped early.
pub type BulkResult<O> = Result<BulkReport<O>, BulkError<O>>;
