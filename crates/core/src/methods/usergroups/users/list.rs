//! `POST /api/usergroups.users.list`
//!
//! Tier 2 · scope `usergroups:read` · idempotent · a form only (Slack takes no JSON body
//! for it).
//!
//! Every member of a user group, in one answer: the method has no cursor.

use std::fmt;
use std::str::FromStr;

use serde::de::MapAccess;

use crate::error::InvalidInput;
use crate::error_code::ErrorCode;
use crate::method::sealed::{ArgValue, Args};
use crate::method::{Method, Output, Tier};
use crate::user::UserId;

/// The longest user group ID accepted; Slack's are about 9 characters.
const MAX_USERGROUP_ID_LEN: usize = 32;

/// Why a string is not a [`UsergroupId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("user group id {0:?} is not 'S' then letters A-Z and digits")]
pub struct InvalidUsergroupId(String);

/// A user group's ID: `S`, then upper-case ASCII letters and digits.
///
/// ```
/// use slack_sessions_core::UsergroupId;
/// assert!("S0604QSJC".parse::<UsergroupId>().is_ok());
/// assert!("contractors".parse::<UsergroupId>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct UsergroupId(String);

impl UsergroupId {
    /// Checks `s` and wraps it.
    pub fn new(s: &str) -> Result<Self, InvalidUsergroupId> {
        let ok = s.len() <= MAX_USERGROUP_ID_LEN
            && s.len() > 1
            && s.starts_with('S')
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if ok {
            Ok(UsergroupId(s.to_owned()))
        } else {
            let shown: String = s.chars().take(MAX_USERGROUP_ID_LEN).collect();
            Err(InvalidUsergroupId(shown))
        }
    }

    /// The ID as Slack spells it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for UsergroupId {
    type Err = InvalidUsergroupId;
    fn from_str(s: &str) -> Result<Self, InvalidUsergroupId> {
        UsergroupId::new(s)
    }
}

impl fmt::Display for UsergroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `usergroups.users.list`: the members of one user group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListUsergroupUsers {
    usergroup: UsergroupId,
    team: Option<String>,
    include_disabled: bool,
}

impl ListUsergroupUsers {
    /// The members of `usergroup`.
    pub fn new(usergroup: UsergroupId) -> Self {
        ListUsergroupUsers {
            usergroup,
            team: None,
            include_disabled: false,
        }
    }

    /// The workspace the group belongs to (`T…`): Slack needs it with an org token.
    pub fn team(mut self, team: impl Into<String>) -> Self {
        self.team = Some(team.into());
        self
    }

    /// Answers for a disabled group too.
    pub fn include_disabled(mut self) -> Self {
        self.include_disabled = true;
        self
    }

    /// The group listed.
    pub fn usergroup(&self) -> &UsergroupId {
        &self.usergroup
    }
}

/// The members of a user group: plain IDs, in Slack's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListUsergroupUsersOutput {
    /// The members.
    pub users: Vec<UserId>,
}

impl crate::method::sealed::Fields for ListUsergroupUsersOutput {
    fn visit_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        crate::method::sealed::one_list(key, "users", map, &mut self.users)
    }
}

impl Output for ListUsergroupUsersOutput {}

impl crate::method::sealed::Wire for ListUsergroupUsers {
    fn args(&self) -> Args<'_> {
        let mut args = Args::new();
        args.push("usergroup", ArgValue::Str(self.usergroup.as_str()));
        args.push_some("team_id", self.team.as_deref(), ArgValue::Str);
        if self.include_disabled {
            args.push("include_disabled", ArgValue::Bool(true));
        }
        args
    }
}

impl Method for ListUsergroupUsers {
    const NAME: &'static str = "usergroups.users.list";
    const TIER: Tier = Tier::Tier2;
    const SCOPE: &'static str = "usergroups:read";
    const IDEMPOTENT: bool = true;
    const JSON_BODY: bool = false;
    type Output = ListUsergroupUsersOutput;
    const DOCUMENTED: &'static [ErrorCode] = &[
        ErrorCode::InvalidCursor,
        ErrorCode::NoSuchSubteam,
        ErrorCode::PlanUpgradeRequired,
    ];

    fn validate(&self) -> Result<(), InvalidInput> {
        crate::method::check_team("team_id", self.team.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sansio::{decode, Endpoint};
    use crate::Token;

    #[test]
    fn ids_are_checked() {
        for bad in ["", "S", "s123", "U123", "S12 3", "S\u{e9}"] {
            assert!(UsergroupId::new(bad).is_err(), "{bad:?}");
        }
        let long = format!("S{}", "1".repeat(40));
        assert!(UsergroupId::new(&long).is_err());
    }

    #[test]
    fn members_come_back_as_ids() {
        let ep = Endpoint::new(Token::new("xoxp-1").unwrap());
        let call = ListUsergroupUsers::new("S0604QSJC".parse().unwrap()).include_disabled();
        let req = ep.encode(&call).unwrap();
        assert_eq!(req.body(), b"usergroup=S0604QSJC&include_disabled=true");
        let body = br#"{"ok":true,"users":["U060R4BJ4","W123A4BC5"]}"#;
        let reply = decode::<ListUsergroupUsers, _>(http::Response::new(body.to_vec())).unwrap();
        assert_eq!(reply.output.users.len(), 2);
    }
}
