//! `POST /api/admin.users.session.reset`
//!
//! Tier 2 · scope `admin.users:write` · idempotent.
//!
//! Signs one user out: ends their sessions on every device, or only on mobile, or only
//! on the web.

use crate::error::InvalidInput;
use crate::error_code::ErrorCode;
use crate::method::sealed::{ArgValue, Args};
use crate::method::{Empty, Method, Tier};
use crate::user::UserId;

/// Which of a user's sessions a reset ends.
///
/// Both `mobile_only` and `web_only` set would ask Slack for two exclusive things at
/// once; its documentation does not say what happens. This crate refuses that call
/// before anything is sent: pass neither to end every
/// session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ResetScope {
    /// Only the sessions of the mobile apps.
    pub mobile_only: bool,
    /// Only the sessions in a web browser.
    pub web_only: bool,
}

impl ResetScope {
    /// Every session (the default).
    pub fn all() -> Self {
        Self::default()
    }

    /// Only mobile sessions.
    pub fn mobile_only() -> Self {
        ResetScope {
            mobile_only: true,
            web_only: false,
        }
    }

    /// Only web sessions.
    pub fn web_only() -> Self {
        ResetScope {
            mobile_only: false,
            web_only: true,
        }
    }

    pub(crate) fn check(self) -> Result<(), InvalidInput> {
        if self.mobile_only && self.web_only {
            return Err(InvalidInput::Setting {
                name: "mobile_only/web_only",
                reason: "both set; pass one of them, or neither to end every session".into(),
            });
        }
        Ok(())
    }

    pub(crate) fn push_args(self, args: &mut Args<'_>) {
        if self.mobile_only {
            args.push("mobile_only", ArgValue::Bool(true));
        }
        if self.web_only {
            args.push("web_only", ArgValue::Bool(true));
        }
    }
}

/// `admin.users.session.reset`: end one user's sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetSessions {
    user: UserId,
    scope: ResetScope,
}

impl ResetSessions {
    /// Ends every session of `user`.
    pub fn new(user: UserId) -> Self {
        ResetSessions {
            user,
            scope: ResetScope::all(),
        }
    }

    /// Ends only the sessions `scope` names.
    pub fn scope(mut self, scope: ResetScope) -> Self {
        self.scope = scope;
        self
    }
}

impl crate::method::sealed::Wire for ResetSessions {
    fn args(&self) -> Args<'_> {
        let mut args = Args::new();
        args.push("user_id", ArgValue::Str(self.user.as_str()));
        self.scope.push_args(&mut args);
        args
    }
}

impl Method for ResetSessions {
    const NAME: &'static str = "admin.users.session.reset";
    const TIER: Tier = Tier::Tier2;
    const SCOPE: &'static str = "admin.users:write";
    const IDEMPOTENT: bool = true;
    type Output = Empty;
    const DOCUMENTED: &'static [ErrorCode] = &[
        ErrorCode::CannotResetBot,
        ErrorCode::CannotResetPrimaryOwner,
        ErrorCode::FeatureNotEnabled,
        ErrorCode::InternalError,
        ErrorCode::InvalidAuth,
        ErrorCode::NotAnAdmin,
        ErrorCode::UnknownMethod,
        ErrorCode::UserNotFound,
        ErrorCode::UserSessionResetFailed,
    ];

    fn validate(&self) -> Result<(), InvalidInput> {
        self.scope.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sansio::Endpoint;
    use crate::{ResetSessionsBulk, Token, UserIds};

    /// Both scopes at once are refused before any request, by either method: Slack
    /// would end one kind and keep the other, whichever it chose.
    #[test]
    fn both_scopes_are_refused_before_the_network() {
        let ep = Endpoint::new(Token::new("xoxp-1").unwrap());
        let mut both = ResetScope::mobile_only();
        both.web_only = true;
        let one = ResetSessions::new(UserId::new("U1").unwrap()).scope(both);
        let e = ep.encode(&one).unwrap_err();
        assert!(e.to_string().contains("mobile_only/web_only"), "{e}");
        let bulk = ResetSessionsBulk::new(UserIds::parse(["U1"]).unwrap()).scope(both);
        assert!(ep.encode(&bulk).is_err());
        // Each alone is sent as its flag.
        for (scope, flag) in [
            (ResetScope::mobile_only(), "mobile_only=true"),
            (ResetScope::web_only(), "web_only=true"),
        ] {
            let req = ep
                .encode(&ResetSessions::new(UserId::new("U1").unwrap()).scope(scope))
                .unwrap();
            let body = String::from_utf8(req.into_body()).unwrap();
            assert!(body.contains(flag), "{body}");
        }
    }
}
