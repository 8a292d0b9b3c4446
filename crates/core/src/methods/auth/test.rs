//! `POST /api/auth.test`
//!
//! Special tier (treated as Tier 4 here) · no scope · idempotent.
//!
//! Who the token is: its organisation or workspace, its user, and whether it is an
//! org-level install. With the answer's `x-oauth-scopes` header
//! ([`Reply::scopes`](crate::Reply::scopes)) it is the preflight of a run: what the token
//! can do, before anything is changed.
//!
//! Assumptions, from the reference: an org-level install answers `enterprise_id` and
//! `is_enterprise_install: true`, and its `team_id` is the organisation's `E…` ID;
//! every Web API answer carries `x-oauth-scopes`. A field left out reads as empty, and
//! `is_enterprise_install` left out as false.

use serde::de::MapAccess;

use crate::error_code::ErrorCode;
use crate::method::sealed::Args;
use crate::method::{Method, Output, Tier};

/// `auth.test`: who the token is.
///
/// ```
/// use slack_sessions_core::sansio::decode;
/// use slack_sessions_core::AuthTest;
/// let answer = http::Response::builder()
///     .header("x-oauth-scopes", "admin.users:read,admin.users:write")
///     .body(br#"{"ok":true,"team":"Acme","team_id":"E012","user":"ada","user_id":"W1","is_enterprise_install":true,"enterprise_id":"E012"}"#.to_vec())?;
/// let reply = decode::<AuthTest, _>(answer)?;
/// assert!(reply.output.is_enterprise_install);
/// assert_eq!(reply.scopes.unwrap(), ["admin.users:read", "admin.users:write"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthTest;

impl AuthTest {
    /// The call.
    pub fn new() -> Self {
        AuthTest
    }
}

/// What `auth.test` answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct AuthTestOutput {
    /// The workspace's (or organisation's) URL.
    pub url: String,
    /// Its name.
    pub team: String,
    /// Its ID: `T…` for a workspace, `E…` for an organisation.
    pub team_id: String,
    /// The token's user's name.
    pub user: String,
    /// The token's user's ID.
    pub user_id: String,
    /// The organisation's ID, on an Enterprise organisation.
    pub enterprise_id: Option<String>,
    /// Whether the token is an org-level install (the whole organisation).
    pub is_enterprise_install: bool,
}

impl AuthTestOutput {
    /// Whether the token acts for the whole organisation: an org-level install, or an
    /// organisation's `E…` ID as its team.
    pub fn is_org_level(&self) -> bool {
        self.is_enterprise_install || self.team_id.starts_with('E')
    }
}

/// The longest text kept of a field (a URL, a name).
const MAX_FIELD: usize = 256;

impl crate::method::sealed::Fields for AuthTestOutput {
    fn visit_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        let text = |map: &mut A| -> Result<String, A::Error> {
            let s: Option<String> = map.next_value()?;
            Ok(s.map(|s| s.chars().take(MAX_FIELD).collect())
                .unwrap_or_default())
        };
        match key {
            "url" => self.url = text(map)?,
            "team" => self.team = text(map)?,
            "team_id" => self.team_id = text(map)?,
            "user" => self.user = text(map)?,
            "user_id" => self.user_id = text(map)?,
            "enterprise_id" => self.enterprise_id = Some(text(map)?).filter(|s| !s.is_empty()),
            "is_enterprise_install" => {
                self.is_enterprise_install = map.next_value::<Option<bool>>()?.unwrap_or(false)
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl Output for AuthTestOutput {}

impl crate::method::sealed::Wire for AuthTest {
    fn args(&self) -> Args<'_> {
        Args::new()
    }
}

impl Method for AuthTest {
    const NAME: &'static str = "auth.test";
    const TIER: Tier = Tier::Tier4;
    const SCOPE: &'static str = "";
    const IDEMPOTENT: bool = true;
    type Output = AuthTestOutput;
    const DOCUMENTED: &'static [ErrorCode] = &[
        ErrorCode::InvalidAuth,
        ErrorCode::NotAuthed,
        ErrorCode::AccountInactive,
        ErrorCode::TokenRevoked,
        ErrorCode::TokenExpired,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sansio::{decode, Endpoint};
    use crate::Token;

    #[test]
    fn a_workspace_token_and_an_org_token() {
        let ep = Endpoint::new(Token::new("xoxp-1").unwrap());
        let req = ep.encode(&AuthTest::new()).unwrap();
        assert!(req.uri().path().ends_with("/auth.test"));
        let ws = decode::<AuthTest, _>(http::Response::new(
            br#"{"ok":true,"url":"https://acme.slack.com/","team":"Acme","team_id":"T1","user":"ada","user_id":"U1"}"#.to_vec(),
        ))
        .unwrap();
        assert!(!ws.output.is_org_level());
        assert_eq!(ws.scopes, None, "no header");
        let org = decode::<AuthTest, _>(http::Response::new(
            br#"{"ok":true,"team_id":"E1","enterprise_id":"E1","is_enterprise_install":null}"#
                .to_vec(),
        ))
        .unwrap();
        assert!(org.output.is_org_level());
    }
}
