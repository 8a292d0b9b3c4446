//! `POST /api/admin.users.session.invalidate`
//!
//! Tier 2 · scope `admin.users:write` · idempotent.
//!
//! Ends one session, named by its ID and its user (or, deprecated, its team).

use crate::error_code::ErrorCode;
use crate::method::sealed::{ArgValue, Args};
use crate::method::{Empty, Method, Tier};
use crate::user::UserId;

/// Whose session: the user (preferred) or, as Slack's deprecated form, the team.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionOwner {
    /// The session's user.
    User(UserId),
    /// The session's team; Slack deprecates this form in favour of the user.
    #[deprecated = "Slack deprecates team_id for invalidate; name the user"]
    Team(String),
}

/// `admin.users.session.invalidate`: end one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidateSession {
    session_id: u64,
    owner: SessionOwner,
}

impl InvalidateSession {
    /// Ends session `session_id` of `user`.
    pub fn new(session_id: u64, user: UserId) -> Self {
        InvalidateSession {
            session_id,
            owner: SessionOwner::User(user),
        }
    }

    /// Ends session `session_id`, naming its owner either way.
    pub fn with_owner(session_id: u64, owner: SessionOwner) -> Self {
        InvalidateSession { session_id, owner }
    }
}

impl crate::method::sealed::Wire for InvalidateSession {
    fn args(&self) -> Args<'_> {
        let mut args = Args::new();
        args.push("session_id", ArgValue::Int(self.session_id));
        #[allow(deprecated)]
        match &self.owner {
            SessionOwner::User(u) => args.push("user_id", ArgValue::Str(u.as_str())),
            SessionOwner::Team(t) => args.push("team_id", ArgValue::Str(t)),
        }
        args
    }
}

impl Method for InvalidateSession {
    const NAME: &'static str = "admin.users.session.invalidate";
    const TIER: Tier = Tier::Tier2;
    const SCOPE: &'static str = "admin.users:write";
    const IDEMPOTENT: bool = true;
    type Output = Empty;
    const DOCUMENTED: &'static [ErrorCode] = &[
        ErrorCode::AdminUnauthorized,
        ErrorCode::CannotInvalidatePrimaryOwner,
        ErrorCode::SessionInvalidationFailed,
        ErrorCode::SessionNotFound,
        ErrorCode::FeatureNotEnabled,
        ErrorCode::InvalidAuth,
        ErrorCode::NotAnAdmin,
        ErrorCode::UnknownMethod,
        ErrorCode::UserNotFound,
    ];

    /// A retry after a lost answer meets `session_not_found` when the first try ended
    /// the session: the session is ended, by that try.
    fn done_by_earlier_attempt(code: &ErrorCode) -> bool {
        *code == ErrorCode::SessionNotFound
    }
}
