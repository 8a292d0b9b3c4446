//! Reading resetBulk's `failed_for_some_users`: the users Slack names, each with its own
//! code.
//!
//! Assumption, stated here once: Slack documents only that "some user ids failed" with
//! "details in extended comments", and neither the Java nor the Node SDK has a field
//! for them. They are read from `response_metadata.messages` entries of the form
//! `[ERROR] <user id>: <code>` (the `[ERROR]` tag optional), the shape Slack uses for
//! its other per-field messages. When the details cannot be read that way, no user is
//! reported as reset on their account: the chunk fails as a whole and is halved like any
//! per-user refusal, until each user stands alone and its own answer settles it.

use std::collections::HashSet;

use crate::error::{CallError, Error};
use crate::error_code::ErrorCode;
use crate::user::{UserId, UserIds};

/// The users a `failed_for_some_users` answer names, each with its code, when every one
/// of them is in `chunk`; `None` for any other answer, or one that names nobody in the
/// shape assumed above (the chunk then fails as a whole and is halved like any per-user
/// error).
pub(crate) fn partial_failures(error: &Error, chunk: &UserIds) -> Option<Vec<(UserId, ErrorCode)>> {
    let Error::Call(CallError::Api(api)) = error else {
        return None;
    };
    if api.code != ErrorCode::FailedForSomeUsers {
        return None;
    }
    let members: HashSet<&UserId> = chunk.iter().collect();
    let mut out = Vec::new();
    for m in &api.messages {
        let m = m.trim();
        let m = m.strip_prefix("[ERROR]").unwrap_or(m).trim();
        let (user, code) = m.split_once(':')?;
        let user = UserId::new(user.trim()).ok()?;
        if !members.contains(&user) {
            return None;
        }
        out.push((user, ErrorCode::from_wire(code.trim())));
    }
    (!out.is_empty()).then_some(out)
}
