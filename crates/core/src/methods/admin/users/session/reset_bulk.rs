//! `POST /api/admin.users.session.resetBulk`
//!
//! Tier 2 · scope `admin.users:write` · idempotent.
//!
//! Ends the sessions of up to 1,000 users. Slack only enqueues a job: `ok` means the job
//! was accepted. `cannot_reset_bot`, `cannot_reset_primary_owner` and
//! `session_reset_not_allowed` refuse the whole call for one member, so a bulk run
//! halves the chunk until that member stands alone, as for setSettings.

use crate::error::InvalidInput;
use crate::error_code::ErrorCode;
use crate::method::sealed::{ArgValue, Args};
use crate::method::{Empty, Method, Tier, UsersMethod};
use crate::methods::admin::users::session::reset::ResetScope;
use crate::user::UserIds;

/// `admin.users.session.resetBulk`: end the sessions of up to 1,000 users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetSessionsBulk {
    users: UserIds,
    scope: ResetScope,
}

impl ResetSessionsBulk {
    /// Ends every session of `users`.
    pub fn new(users: UserIds) -> Self {
        ResetSessionsBulk {
            users,
            scope: ResetScope::all(),
        }
    }

    /// Ends only the sessions `scope` names.
    pub fn scope(mut self, scope: ResetScope) -> Self {
        self.scope = scope;
        self
    }
}

impl crate::method::sealed::Wire for ResetSessionsBulk {
    fn args(&self) -> Args<'_> {
        let mut args = Args::new();
        args.push("user_ids", ArgValue::Users(&self.users));
        self.scope.push_args(&mut args);
        args
    }
}

impl Method for ResetSessionsBulk {
    const NAME: &'static str = "admin.users.session.resetBulk";
    const TIER: Tier = Tier::Tier2;
    const SCOPE: &'static str = "admin.users:write";
    const IDEMPOTENT: bool = true;
    type Output = Empty;
    const DOCUMENTED: &'static [ErrorCode] = &[
        ErrorCode::CannotResetBot,
        ErrorCode::CannotResetPrimaryOwner,
        ErrorCode::FailedForSomeUsers,
        ErrorCode::FeatureNotEnabled,
        ErrorCode::InternalError,
        ErrorCode::InvalidAuth,
        ErrorCode::NotAnAdmin,
        ErrorCode::RestrictedAction,
        ErrorCode::SessionResetNotAllowed,
        ErrorCode::UnknownMethod,
        ErrorCode::UserNotFound,
        ErrorCode::UserSessionResetFailed,
    ];

    fn validate(&self) -> Result<(), InvalidInput> {
        self.scope.check()
    }
}

impl UsersMethod for ResetSessionsBulk {
    type Params = ResetScope;
    fn validate_params(scope: &ResetScope) -> Result<(), InvalidInput> {
        scope.check()
    }
    fn for_users(users: UserIds, scope: &ResetScope) -> Self {
        ResetSessionsBulk {
            users,
            scope: *scope,
        }
    }
    fn into_users(self) -> UserIds {
        self.users
    }
    fn merge_output(_: &mut Empty, _: Empty) {}
}
