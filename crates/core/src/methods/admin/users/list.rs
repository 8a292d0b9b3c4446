//! `POST /api/admin.users.list`
//!
//! Tier 4 · scope `admin.users:read` (a user token) · idempotent · form or JSON.
//!
//! One page of the organisation's directory: up to 100 users, with the fields an admin
//! selects people by (email, admin, owner, guest, bot, active). The next page's cursor
//! comes back as [`Reply::next_cursor`](crate::Reply::next_cursor); follow it with
//! [`Pages`](crate::sansio::Pages).

use serde::de::MapAccess;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::InvalidInput;
use crate::error_code::ErrorCode;
use crate::method::sealed::{ArgValue, Args};
use crate::method::{Method, Output, Tier};
use crate::user::UserId;

/// The largest page `admin.users.list` serves (and its default).
pub const MAX_LIMIT: u32 = 100;

/// `admin.users.list`: one page of the directory, filtered as Slack filters it.
///
/// By default the page lists active users of every kind. [`only_guests`], [`admins`] and
/// [`owners`] narrow it on Slack's side; [`deactivated`] lists only deactivated users.
///
/// [`only_guests`]: Self::only_guests
/// [`admins`]: Self::admins
/// [`owners`]: Self::owners
/// [`deactivated`]: Self::deactivated
///
/// ```
/// use slack_sessions_core::ListUsers;
/// let guests = ListUsers::new().only_guests();
/// let admins_and_owners = ListUsers::new().admins().owners();
/// # let _ = (guests, admins_and_owners);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ListUsers {
    cursor: Option<String>,
    limit: Option<u32>,
    team: Option<String>,
    deactivated: bool,
    only_guests: bool,
    admins: bool,
    owners: bool,
    deactivated_workspaces: bool,
}

impl ListUsers {
    /// The first page of the organisation's active users.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the users of workspace `team` (`T…`).
    pub fn team(mut self, team: impl Into<String>) -> Self {
        self.team = Some(team.into());
        self
    }

    /// The workspace it lists, if it names one.
    pub fn team_id(&self) -> Option<&str> {
        self.team.as_deref()
    }

    /// Only deactivated users (`is_active=false`), instead of active ones.
    pub fn deactivated(mut self) -> Self {
        self.deactivated = true;
        self
    }

    /// Only guests, of both kinds, with their expiration times (`only_guests`).
    pub fn only_guests(mut self) -> Self {
        self.only_guests = true;
        self
    }

    /// Only admins (`include_admins`); with [`owners`](Self::owners), admins and owners.
    /// Slack leaves owners out of an admins-only listing.
    pub fn admins(mut self) -> Self {
        self.admins = true;
        self
    }

    /// Only owners, the primary owner among them (`include_owners`); with
    /// [`admins`](Self::admins), admins and owners.
    pub fn owners(mut self) -> Self {
        self.owners = true;
        self
    }

    /// Each user's workspaces even where they are deactivated
    /// (`include_deactivated_user_workspaces`; an org token and no [`team`](Self::team)).
    pub fn deactivated_workspaces(mut self) -> Self {
        self.deactivated_workspaces = true;
        self
    }

    /// At most `n` users a page, 1 to 100 (Slack's default is 100).
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }

    /// The page after the one that answered this `next_cursor`.
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }

    /// Whether the listing is of deactivated users.
    pub fn is_deactivated(&self) -> bool {
        self.deactivated
    }

    /// Whether the listing is of every active user (of its workspace, if it names one):
    /// no filter on kind or role.
    pub fn is_every_active_user(&self) -> bool {
        !(self.deactivated || self.only_guests || self.admins || self.owners)
    }

    /// Whether `user` belongs in this listing, by Slack's filters as its reference
    /// describes them: the resolver matches a full listing's users by the same rule
    /// when it lists the directory anyway. A user whose `is_active` Slack left out
    /// counts as active.
    pub fn admits(&self, user: &DirectoryUser) -> bool {
        let role = match (self.admins, self.owners) {
            (false, false) => true,
            (true, false) => user.is_admin && !user.is_owner,
            (false, true) => user.is_owner,
            (true, true) => user.is_admin || user.is_owner,
        };
        let guest = !self.only_guests || user.is_guest();
        let active = user.is_active != Some(false);
        role && guest && active != self.deactivated
    }
}

impl crate::pages::Paged for ListUsers {
    type Item = DirectoryEntry;

    fn start_cursor(&self) -> Option<String> {
        self.cursor.clone()
    }

    fn at(&self, cursor: Option<String>) -> Self {
        ListUsers {
            cursor,
            ..self.clone()
        }
    }

    fn items(output: ListUsersOutput) -> Vec<DirectoryEntry> {
        let unreadable = output
            .unreadable
            .into_iter()
            .map(DirectoryEntry::Unreadable);
        output
            .users
            .into_iter()
            .map(DirectoryEntry::User)
            .chain(unreadable)
            .collect()
    }
}

/// One user of the directory, with the fields an admin selects people by. Slack always
/// sends the flags; the rest may be missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DirectoryUser {
    /// The user's ID.
    pub id: UserId,
    /// Their email; `None` when Slack sends none or an empty one (bots, mostly).
    #[serde(default, deserialize_with = "non_empty")]
    pub email: Option<String>,
    /// An admin of the organisation or workspace.
    pub is_admin: bool,
    /// An owner.
    pub is_owner: bool,
    /// The primary owner: Slack will not reset or invalidate their sessions.
    pub is_primary_owner: bool,
    /// A guest. Slack sets it for multi-channel guests, and not always for
    /// single-channel ones: the admin family's own example has a single-channel guest
    /// with `is_restricted: false` and `is_ultra_restricted: true`. Read it with
    /// `is_ultra_restricted` ([`is_guest`](Self::is_guest)): a multi-channel guest is
    /// restricted and not ultra-restricted.
    pub is_restricted: bool,
    /// A single-channel guest, whatever `is_restricted` says.
    pub is_ultra_restricted: bool,
    /// A bot user.
    pub is_bot: bool,
    /// Whether the account is active; `None` when Slack leaves it out.
    #[serde(default)]
    pub is_active: Option<bool>,
    /// A guest's expiration time, in seconds since the epoch; `None` (or Slack's `0`)
    /// when it has none.
    #[serde(default, deserialize_with = "seconds")]
    pub expiration_ts: Option<u64>,
    /// The IDs of the workspaces the user belongs to.
    #[serde(default, deserialize_with = "or_empty")]
    pub workspaces: Vec<String>,
    /// Their username.
    #[serde(default)]
    pub username: Option<String>,
    /// Their full name.
    #[serde(default)]
    pub full_name: Option<String>,
}

impl DirectoryUser {
    /// A guest of either kind.
    pub fn is_guest(&self) -> bool {
        self.is_restricted || self.is_ultra_restricted
    }
}

/// A string, with an empty one or `null` read as none.
fn non_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

/// A list, with `null` read as empty.
fn or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// A timestamp Slack types as a number: whole seconds, a fraction dropped; `0`, a
/// negative number and `null` are none.
fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let n = Option::<serde_json::Number>::deserialize(d)?;
    Ok(n.and_then(|n| {
        n.as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 1.0).map(|f| f as u64))
    })
    .filter(|s| *s > 0))
}

/// One page of the directory.
///
/// Each entry is read on its own: the reference's schema requires the role flags, but
/// the Node SDK's types make every field optional, and one odd entry (a `null` flag, a
/// `"false"` string, a `B…` ID) must not make the page, and so the whole resolution,
/// unreadable. Such an entry is kept apart, with its ID when it has one and why, and is
/// never taken for a user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ListUsersOutput {
    /// The users of the page, in Slack's order.
    pub users: Vec<DirectoryUser>,
    /// The entries that could not be read.
    pub unreadable: Vec<UnreadableUser>,
}

/// A directory entry that could not be read as a user: never selected, always named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UnreadableUser {
    /// Its `id` as Slack sent it (at most 64 characters), if it had a string one.
    pub id: Option<String>,
    /// Why it could not be read.
    pub reason: String,
}

/// One entry of a directory listing: a user, or an entry that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DirectoryEntry {
    /// A user.
    User(DirectoryUser),
    /// An entry that could not be read.
    Unreadable(UnreadableUser),
}

/// The longest ID text kept of an unreadable entry.
const MAX_UNREADABLE_ID: usize = 64;

impl crate::method::sealed::Fields for ListUsersOutput {
    fn visit_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        if key != "users" {
            return Ok(false);
        }
        let entries: Option<Vec<serde_json::Value>> = map.next_value()?;
        for v in entries.unwrap_or_default() {
            match DirectoryUser::deserialize(&v) {
                Ok(u) => self.users.push(u),
                Err(e) => {
                    let id = v
                        .get("id")
                        .and_then(serde_json::Value::as_str)
                        .map(|s| s.chars().take(MAX_UNREADABLE_ID).collect::<String>());
                    let mut reason = e.to_string();
                    let mut cut = reason.len().min(crate::capped::MAX_TEXT_BYTES);
                    while !reason.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    reason.truncate(cut);
                    self.unreadable.push(UnreadableUser { id, reason });
                }
            }
        }
        Ok(true)
    }
}

impl Output for ListUsersOutput {}

impl crate::method::sealed::Wire for ListUsers {
    fn args(&self) -> Args<'_> {
        let mut args = Args::new();
        if let Some(c) = self.cursor.as_deref().filter(|c| !c.is_empty()) {
            args.push("cursor", ArgValue::Str(c));
        }
        args.push_some("limit", self.limit, |n| ArgValue::Int(u64::from(n)));
        args.push_some("team_id", self.team.as_deref(), ArgValue::Str);
        if self.deactivated {
            args.push("is_active", ArgValue::Bool(false));
        }
        if self.only_guests {
            args.push("only_guests", ArgValue::Bool(true));
        }
        if self.admins {
            args.push("include_admins", ArgValue::Bool(true));
        }
        if self.owners {
            args.push("include_owners", ArgValue::Bool(true));
        }
        if self.deactivated_workspaces {
            args.push("include_deactivated_user_workspaces", ArgValue::Bool(true));
        }
        args
    }
}

impl Method for ListUsers {
    const NAME: &'static str = "admin.users.list";
    const TIER: Tier = Tier::Tier4;
    const SCOPE: &'static str = "admin.users:read";
    const IDEMPOTENT: bool = true;
    type Output = ListUsersOutput;
    const DOCUMENTED: &'static [ErrorCode] = &[
        ErrorCode::FeatureNotEnabled,
        ErrorCode::IncludeDeactivatedUserWorkspacesInvalid,
        ErrorCode::InvalidArguments,
        ErrorCode::InvalidAuth,
        ErrorCode::InvalidCursor,
        ErrorCode::TeamNotFound,
    ];

    fn validate(&self) -> Result<(), InvalidInput> {
        let bad = |name, reason: &str| {
            Err(InvalidInput::Setting {
                name,
                reason: reason.into(),
            })
        };
        if let Some(n) = self.limit {
            if n == 0 || n > MAX_LIMIT {
                return Err(InvalidInput::Setting {
                    name: "limit",
                    reason: format!("{n} is not between 1 and {MAX_LIMIT}"),
                });
            }
        }
        crate::method::check_team("team_id", self.team.as_deref())?;
        if self.only_guests && (self.admins || self.owners) {
            return bad(
                "only_guests",
                "guests are neither admins nor owners: list them apart",
            );
        }
        if self.deactivated_workspaces && self.team.is_some() {
            return bad(
                "include_deactivated_user_workspaces",
                "only applies with no team_id",
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sansio::Endpoint;
    use crate::Token;

    fn body(m: &ListUsers) -> String {
        let ep = Endpoint::new(Token::new("xoxp-1").unwrap());
        String::from_utf8(ep.encode(m).unwrap().into_body()).unwrap()
    }

    #[test]
    fn filters_go_on_the_wire_as_slack_names_them() {
        assert_eq!(body(&ListUsers::new()), "");
        assert_eq!(
            body(&ListUsers::new().admins().owners().limit(50).cursor("c1")),
            "cursor=c1&limit=50&include_admins=true&include_owners=true"
        );
        assert_eq!(
            body(&ListUsers::new().deactivated().only_guests().team("T1")),
            "team_id=T1&is_active=false&only_guests=true"
        );
    }

    #[test]
    fn bad_combinations_are_refused_before_the_network() {
        let ep = Endpoint::new(Token::new("xoxp-1").unwrap());
        for m in [
            ListUsers::new().limit(0),
            ListUsers::new().limit(101),
            ListUsers::new().only_guests().admins(),
            ListUsers::new().only_guests().owners(),
            ListUsers::new().team("T 1"),
            ListUsers::new().team("T1").deactivated_workspaces(),
        ] {
            assert!(ep.encode(&m).is_err(), "{m:?}");
        }
    }

    #[test]
    fn a_user_reads_with_what_slack_may_leave_out() {
        let u: DirectoryUser = serde_json::from_str(
            r#"{"id":"W0L3P31SP","email":"","is_admin":false,"is_owner":false,
                "is_primary_owner":false,"is_restricted":true,"is_ultra_restricted":false,
                "is_bot":false,"expiration_ts":0,"workspaces":null}"#,
        )
        .unwrap();
        assert_eq!(u.email, None);
        assert_eq!(u.expiration_ts, None);
        assert!(u.workspaces.is_empty());
        assert!(u.is_guest());
        let u: DirectoryUser = serde_json::from_str(
            r#"{"id":"U1","email":"a@b.c","is_admin":true,"is_owner":false,
                "is_primary_owner":false,"is_restricted":false,"is_ultra_restricted":false,
                "is_bot":false,"is_active":true,"expiration_ts":1700000000.5}"#,
        )
        .unwrap();
        assert_eq!(u.expiration_ts, Some(1_700_000_000));
        assert_eq!(u.email.as_deref(), Some("a@b.c"));
        // A flag Slack always sends is never guessed.
        assert!(serde_json::from_str::<DirectoryUser>(r#"{"id":"U1","email":"a@b.c"}"#).is_err());
    }

    #[test]
    fn admits_follows_slacks_filters() {
        let mut u: DirectoryUser = serde_json::from_str(
            r#"{"id":"U1","is_admin":true,"is_owner":false,"is_primary_owner":false,
                "is_restricted":false,"is_ultra_restricted":false,"is_bot":false,
                "is_active":true}"#,
        )
        .unwrap();
        assert!(ListUsers::new().admins().admits(&u));
        assert!(!ListUsers::new().owners().admits(&u));
        assert!(!ListUsers::new().deactivated().admits(&u));
        u.is_owner = true;
        assert!(!ListUsers::new().admins().admits(&u));
        assert!(ListUsers::new().admins().owners().admits(&u));
    }
}
