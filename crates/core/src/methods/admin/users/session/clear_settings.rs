//! `POST /api/admin.users.session.clearSettings`
//!
//! Tier 4 · scope `admin.users:write` · idempotent.
//!
//! Removes the session settings of up to 1,000 users, so that the organisation's
//! defaults apply again.

use crate::error_code::ErrorCode;
use crate::method::sealed::{ArgValue, Args};
use crate::method::{Empty, Method, Tier, UsersMethod};
use crate::user::UserIds;

/// `admin.users.session.clearSettings`: clear the settings of up to 1,000 users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearSettings {
    users: UserIds,
}

impl ClearSettings {
    /// A call clearing the settings of `users`.
    pub fn new(users: UserIds) -> Self {
        ClearSettings { users }
    }
}

impl crate::method::sealed::Wire for ClearSettings {
    fn args(&self) -> Args<'_> {
        let mut args = Args::new();
        args.push("user_ids", ArgValue::Users(&self.users));
        args
    }
}

impl Method for ClearSettings {
    const NAME: &'static str = "admin.users.session.clearSettings";
    const TIER: Tier = Tier::Tier4;
    const SCOPE: &'static str = "admin.users:write";
    const IDEMPOTENT: bool = true;
    type Output = Empty;
    const DOCUMENTED: &'static [ErrorCode] = &[
        ErrorCode::AdminUnauthorized,
        ErrorCode::BotsNotAllowed,
        ErrorCode::FeatureNotEnabled,
        ErrorCode::InternalError,
        ErrorCode::InvalidArguments,
        ErrorCode::InvalidAuth,
        ErrorCode::NotAnAdmin,
        ErrorCode::UnknownMethod,
        ErrorCode::UserNotFound,
    ];
}

impl UsersMethod for ClearSettings {
    type Params = ();
    fn for_users(users: UserIds, _: &()) -> Self {
        ClearSettings { users }
    }
    fn into_users(self) -> UserIds {
        self.users
    }
    fn merge_output(_: &mut Empty, _: Empty) {}
}
