//! `POST /api/users.lookupByEmail`
//!
//! Tier 3 · scope `users:read.email` · idempotent · a form only (Slack takes no JSON
//! body for it).
//!
//! The user with an email address. An unknown address and a deactivated user's both
//! answer `users_not_found`: Slack does not say which.

use serde::de::MapAccess;
use serde::Deserialize;

use crate::email::Email;
use crate::error_code::ErrorCode;
use crate::method::sealed::{ArgValue, Args};
use crate::method::{Method, Output, Tier};
use crate::methods::admin::users::DirectoryUser;
use crate::user::UserId;

/// `users.lookupByEmail`: who has this address.
///
/// ```
/// use slack_sessions_core::{Email, LookupByEmail};
/// let call = LookupByEmail::new("ada@example.com".parse::<Email>()?);
/// # let _ = call;
/// # Ok::<(), slack_sessions_core::InvalidEmail>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupByEmail {
    email: Email,
}

impl LookupByEmail {
    /// A lookup of `email`.
    pub fn new(email: Email) -> Self {
        LookupByEmail { email }
    }

    /// The address looked up.
    pub fn email(&self) -> &Email {
        &self.email
    }
}

/// The user found, in the directory's shape: `profile.email` is its `email`, and
/// `deleted` its `is_active`. `None` only when Slack answered `ok:true` without a user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LookupByEmailOutput {
    /// The user.
    pub user: Option<DirectoryUser>,
}

/// Slack's user object, as far as it names the user and their kind. `is_bot` is always
/// sent and never guessed; a missing role flag reads as false.
#[derive(Deserialize)]
struct WireUser {
    id: UserId,
    #[serde(default)]
    deleted: Option<bool>,
    #[serde(default)]
    profile: Option<WireProfile>,
    #[serde(default)]
    is_admin: bool,
    #[serde(default)]
    is_owner: bool,
    #[serde(default)]
    is_primary_owner: bool,
    #[serde(default)]
    is_restricted: bool,
    #[serde(default)]
    is_ultra_restricted: bool,
    is_bot: bool,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    team_id: Option<String>,
    /// On an Enterprise organisation: every workspace the user is in.
    #[serde(default)]
    enterprise_user: Option<WireEnterpriseUser>,
}

#[derive(Deserialize)]
struct WireEnterpriseUser {
    #[serde(default)]
    teams: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct WireProfile {
    #[serde(default)]
    email: Option<String>,
}

impl From<WireUser> for DirectoryUser {
    fn from(w: WireUser) -> DirectoryUser {
        DirectoryUser {
            id: w.id,
            email: w.profile.and_then(|p| p.email).filter(|e| !e.is_empty()),
            is_admin: w.is_admin,
            is_owner: w.is_owner,
            is_primary_owner: w.is_primary_owner,
            is_restricted: w.is_restricted,
            is_ultra_restricted: w.is_ultra_restricted,
            is_bot: w.is_bot,
            is_active: w.deleted.map(|d| !d),
            expiration_ts: None,
            workspaces: {
                let mut v: Vec<String> = w.team_id.into_iter().collect();
                for t in w.enterprise_user.and_then(|e| e.teams).unwrap_or_default() {
                    if !v.contains(&t) {
                        v.push(t);
                    }
                }
                v
            },
            username: w.name,
            full_name: w.real_name,
        }
    }
}

impl crate::method::sealed::Fields for LookupByEmailOutput {
    fn visit_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        if key == "user" {
            self.user = map
                .next_value::<Option<WireUser>>()?
                .map(DirectoryUser::from);
            return Ok(true);
        }
        Ok(false)
    }
}

impl Output for LookupByEmailOutput {}

impl crate::method::sealed::Wire for LookupByEmail {
    fn args(&self) -> Args<'_> {
        let mut args = Args::new();
        args.push("email", ArgValue::Str(self.email.as_str()));
        args
    }
}

impl Method for LookupByEmail {
    const NAME: &'static str = "users.lookupByEmail";
    const TIER: Tier = Tier::Tier3;
    const SCOPE: &'static str = "users:read.email";
    const IDEMPOTENT: bool = true;
    const JSON_BODY: bool = false;
    type Output = LookupByEmailOutput;
    const DOCUMENTED: &'static [ErrorCode] =
        &[ErrorCode::EnterpriseIsRestricted, ErrorCode::UsersNotFound];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sansio::{decode, Endpoint};
    use crate::{Encoding, Token};

    #[test]
    fn a_form_whatever_the_endpoint_encodes() {
        let ep = Endpoint::builder(Token::new("xoxp-1").unwrap())
            .encoding(Encoding::Json)
            .build()
            .unwrap();
        let req = ep
            .encode(&LookupByEmail::new("A+b@x.io".parse().unwrap()))
            .unwrap();
        assert_eq!(
            req.headers()["content-type"],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(req.body(), b"email=A%2Bb%40x.io");
        assert!(req.uri().path().ends_with("/users.lookupByEmail"));
    }

    #[test]
    fn the_user_reads_in_the_directorys_shape() {
        let body = br#"{"ok":true,"user":{"id":"W012A3CDE","team_id":"T012AB3C4","name":"spengler","deleted":false,"real_name":"Egon Spengler","profile":{"email":"spengler@ghostbusters.example.com","team":"T012AB3C4"},"is_admin":true,"is_owner":false,"is_primary_owner":false,"is_restricted":false,"is_ultra_restricted":false,"is_bot":false,"updated":1502138686}}"#;
        let reply = decode::<LookupByEmail, _>(http::Response::new(body.to_vec())).unwrap();
        let user = reply.output.user.unwrap();
        assert_eq!(user.id.as_str(), "W012A3CDE");
        assert_eq!(
            user.email.as_deref(),
            Some("spengler@ghostbusters.example.com")
        );
        assert!(user.is_admin && !user.is_bot);
        assert_eq!(user.is_active, Some(true));
        let missing_bot_flag = br#"{"ok":true,"user":{"id":"W1","profile":{"email":"a@b"}}}"#;
        assert!(
            decode::<LookupByEmail, _>(http::Response::new(missing_bot_flag.to_vec())).is_err()
        );
    }
}
