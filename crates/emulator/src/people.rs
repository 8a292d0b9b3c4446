//! Slack's side of the methods that name people — `admin.users.list`,
//! `users.lookupByEmail` and `usergroups.users.list` — over a directory made up from each
//! user's ID, the same on every run:
//! - every person has an email, `u00000042@example.com` for `U00000042` (`w…` for `W…`
//!   users); even-numbered bots have one too (`bot-90000000@example.com`);
//! - `U…` users whose number is 7 modulo 20 are multi-channel guests, 13 modulo 20
//!   single-channel guests (both with `is_restricted`, the latter also
//!   `is_ultra_restricted`; Slack's own admin example has a single-channel guest with
//!   `is_restricted: false`, which a client must read the same); a guest whose number
//!   is below 20 modulo 40 has an `expiration_ts`;
//! - 1 modulo 500 are admins; 2 modulo 5,000 owners (and admins); `W00000000` is the
//!   primary owner;
//! - 49 modulo 50 are deactivated;
//! - `U90000000`–`U90000099` are bots;
//! - user groups ([`USERGROUPS`]): `S00000001` engineering (every active `U…` user whose
//!   number is 3 modulo 10), `S00000002` contractors (the active multi-channel guests
//!   below 2,000), `S00000003` security (the first five admins), `S00000004` empty.
//!
//! As Slack's reference documents: `admin.users.list` pages 100 users at most
//! (`limit` 1–100), active users unless `is_active=false`, filtered by `only_guests`,
//! `include_admins` (admins who are not owners) and `include_owners`, with a cursor
//! tied to its filters (`invalid_cursor` for another's or a made-up one), `team_not_found`
//! for a workspace other than [`WORKSPACE`], and
//! `include_deactivated_user_workspaces_invalid` with a `team_id`; `users.lookupByEmail`
//! answers `users_not_found` for an unknown address and a deactivated user's;
//! `usergroups.users.list` answers `no_such_subteam` for an unknown group. Neither of the
//! last two takes a JSON body: one answers `invalid_arguments`, as Slack does.
//!
//! Assumptions, where the reference is silent: `only_guests` with `include_admins` or
//! `include_owners` is `invalid_arguments`; matching an email ignores case; the session
//! methods do not look at whether a user is deactivated.

use serde_json::{json, Value};

use crate::directory::{user_kind_in, UserKind, MAX_USERS_IN_DIRECTORY, SECOND_WORKSPACE};
use crate::slack::{error, invalid_arguments, Answer};
use crate::wire::{self, Args};

/// The one workspace of the emulated organisation: every user's `workspaces`.
pub const WORKSPACE: &str = "T00000001";

/// The user groups, by ID and handle.
pub const USERGROUPS: &[(&str, &str)] = &[
    ("S00000001", "engineering"),
    ("S00000002", "contractors"),
    ("S00000003", "security"),
    ("S00000004", "empty"),
];

/// The domain of every email.
pub const EMAIL_DOMAIN: &str = "example.com";

/// The largest page of `admin.users.list`.
const MAX_PAGE: u64 = 100;

/// The W users.
const W_USERS: u64 = 10_000;
/// The bots.
const BOTS: u64 = 100;

/// One user of the emulated directory.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Person {
    /// The user ID.
    pub id: String,
    /// The email, if any.
    pub email: Option<String>,
    /// An admin (owners are admins too).
    pub is_admin: bool,
    /// An owner.
    pub is_owner: bool,
    /// The primary owner.
    pub is_primary_owner: bool,
    /// A multi-channel guest.
    pub is_multi_channel_guest: bool,
    /// A single-channel guest.
    pub is_single_channel_guest: bool,
    /// A bot.
    pub is_bot: bool,
    /// Active (not deactivated).
    pub is_active: bool,
    /// A guest's expiration time, if any.
    pub expiration_ts: Option<u64>,
}

impl Person {
    /// A guest of either kind.
    pub fn is_guest(&self) -> bool {
        self.is_multi_channel_guest || self.is_single_channel_guest
    }

    fn json(&self, enterprise: bool) -> Value {
        let mut v = json!({
            "id": self.id,
            "email": self.email.clone().unwrap_or_default(),
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_primary_owner,
            "is_restricted": self.is_guest(),
            "is_ultra_restricted": self.is_single_channel_guest,
            "is_bot": self.is_bot,
            "is_active": self.is_active,
            "username": self.id.to_lowercase(),
            "full_name": format!("User {}", self.id),
            "date_created": 1_600_000_000u64,
            "expiration_ts": self.expiration_ts.unwrap_or(0),
            "workspaces": if enterprise && in_second_workspace(&self.id) {
                json!([WORKSPACE, SECOND_WORKSPACE])
            } else {
                json!([WORKSPACE])
            },
        });
        if !self.is_active {
            v["deactivated_ts"] = json!(1_700_000_000u64);
        }
        v
    }
}

/// The directory's user `id`, in a directory of `users` ordinary `U` users.
pub fn person(id: &str, users: u32) -> Option<Person> {
    let kind = user_kind_in(id, users);
    let n: u64 = id.get(1..)?.parse().ok()?;
    let mut p = Person {
        id: id.to_owned(),
        email: Some(format!("{}@{EMAIL_DOMAIN}", id.to_lowercase())),
        is_admin: false,
        is_owner: false,
        is_primary_owner: false,
        is_multi_channel_guest: false,
        is_single_channel_guest: false,
        is_bot: false,
        is_active: true,
        expiration_ts: None,
    };
    match (kind, id.get(..1)?) {
        (UserKind::Bot, _) => {
            p.is_bot = true;
            p.email = (n % 2 == 0).then(|| format!("bot-{n}@{EMAIL_DOMAIN}"));
        }
        (UserKind::Person, "W") => {
            if n == 0 {
                (p.is_admin, p.is_owner, p.is_primary_owner) = (true, true, true);
            }
        }
        (UserKind::Person, _) => {
            p.is_multi_channel_guest = n % 20 == 7;
            p.is_single_channel_guest = n % 20 == 13;
            if p.is_guest() && n % 40 < 20 {
                p.expiration_ts = Some(1_900_000_000 + n);
            }
            p.is_owner = n % 5_000 == 2;
            p.is_admin = p.is_owner || n % 500 == 1;
            p.is_active = n % 50 != 49;
        }
        _ => return None,
    }
    Some(p)
}

/// The number of users in the directory's order: `U…` users, then `W…`, then bots.
fn total(users: u32) -> u64 {
    u64::from(users.min(MAX_USERS_IN_DIRECTORY)) + W_USERS + BOTS
}

/// The user at `index` of the directory's order.
fn at(index: u64, users: u32) -> Option<Person> {
    let u = u64::from(users.min(MAX_USERS_IN_DIRECTORY));
    let id = if index < u {
        format!("U{index:08}")
    } else if index < u + W_USERS {
        format!("W{:08}", index - u)
    } else if index < total(users) {
        format!("U{:08}", 90_000_000 + index - u - W_USERS)
    } else {
        return None;
    };
    person(&id, users)
}

/// Every user of the directory, in its order.
pub fn people(users: u32) -> impl Iterator<Item = Person> {
    (0..total(users)).filter_map(move |i| at(i, users))
}

/// The members of user group `id`, or `None` when there is no such group.
pub fn usergroup_members(id: &str, users: u32) -> Option<Vec<String>> {
    let u = u64::from(users.min(MAX_USERS_IN_DIRECTORY));
    let active = |n: u64| at(n, users).filter(|p| p.is_active);
    let members = match id {
        "S00000001" => (0..u)
            .filter(|n| n % 10 == 3)
            .filter_map(active)
            .map(|p| p.id)
            .collect(),
        "S00000002" => (0..u.min(2_000))
            .filter_map(active)
            .filter(|p| p.is_multi_channel_guest)
            .map(|p| p.id)
            .collect(),
        "S00000003" => (0..u)
            .filter(|n| n % 500 == 1)
            .take(5)
            .filter_map(active)
            .map(|p| p.id)
            .collect(),
        "S00000004" => Vec::new(),
        _ => return None,
    };
    Some(members)
}

/// The user with `email`, ignoring case.
fn by_email(email: &str, users: u32) -> Option<Person> {
    let email = email.to_lowercase();
    let name = email.strip_suffix(&format!("@{EMAIL_DOMAIN}"))?;
    let id = match name.strip_prefix("bot-") {
        Some(n) => format!("U{n}"),
        None => name.to_uppercase(),
    };
    person(&id, users).filter(|p| p.email.as_deref() == Some(email.as_str()))
}

/// The filters of a listing, packed: they tie a cursor to its listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Filter {
    deactivated: bool,
    guests: bool,
    admins: bool,
    owners: bool,
}

impl Filter {
    fn bits(self) -> u8 {
        u8::from(self.deactivated)
            | u8::from(self.guests) << 1
            | u8::from(self.admins) << 2
            | u8::from(self.owners) << 3
    }

    fn admits(self, p: &Person) -> bool {
        let role = match (self.admins, self.owners) {
            (false, false) => true,
            (true, false) => p.is_admin && !p.is_owner,
            (false, true) => p.is_owner,
            (true, true) => p.is_admin || p.is_owner,
        };
        role && (!self.guests || p.is_guest()) && p.is_active != self.deactivated
    }
}

/// A flag argument: absent is false; anything but a boolean is refused.
fn flag(args: &Args, name: &str) -> Result<bool, Answer> {
    match args.get(name) {
        None => Ok(false),
        Some(v) => wire::boolean(v)
            .ok_or_else(|| invalid_arguments(format!("[ERROR] {name} must be a boolean"))),
    }
}

/// Who asks, as far as the people methods care: the org-level mode, and whether the
/// token is its org-level one.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Asker {
    /// The org-level mode: a second workspace exists.
    pub(crate) enterprise: bool,
    /// The org-level token.
    pub(crate) org_token: bool,
}

/// Answers one of the three methods; `json` says the body was JSON.
pub(crate) fn answer(method: &str, args: &Args, json: bool, users: u32, asker: Asker) -> Answer {
    let result = match method {
        "admin.users.list" => list(args, users, asker),
        "users.lookupByEmail" if json => Err(no_json()),
        // The reference documents `enterprise_is_restricted` ("called with an
        // inappropriate enterprise-level token") without saying which tokens get it:
        // the emulator answers it to the org-level token, always.
        "users.lookupByEmail" if asker.org_token => Err(error("enterprise_is_restricted")),
        "users.lookupByEmail" => lookup(args, users),
        "usergroups.users.list" if json => Err(no_json()),
        // `team_id` is "Required if org token is used"; the code for its absence is not
        // documented: the emulator answers `invalid_arguments`, with a message.
        "usergroups.users.list" if asker.org_token && args.get("team_id").is_none() => Err(
            invalid_arguments("[ERROR] team_id is required when an org-level token is used".into()),
        ),
        _ => usergroup(args, users),
    };
    result.unwrap_or_else(|a| a)
}

/// Whether `id` belongs to the second workspace (the org-level mode): a multiple of 3.
fn in_second_workspace(id: &str) -> bool {
    id.get(1..)
        .and_then(|n| n.parse::<u64>().ok())
        .is_some_and(|n| n % 3 == 0)
}

fn no_json() -> Answer {
    invalid_arguments("[ERROR] this method takes a form, not a JSON body".into())
}

fn ok(body: Value) -> Answer {
    Answer {
        body,
        outcome: "ok".into(),
    }
}

fn list(args: &Args, users: u32, asker: Asker) -> Result<Answer, Answer> {
    let limit = match args.get("limit") {
        None => MAX_PAGE,
        Some(v) => match wire::integer(v) {
            Some(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                return Err(invalid_arguments(format!(
                    "[ERROR] limit must be a whole number from 1 to {MAX_PAGE}"
                )))
            }
        },
    };
    let team = args.get("team_id").and_then(Value::as_str);
    if team.is_some_and(|t| t != WORKSPACE && !(asker.enterprise && t == SECOND_WORKSPACE)) {
        return Err(error("team_not_found"));
    }
    let second = team == Some(SECOND_WORKSPACE);
    let in_team = |p: &Person| !second || in_second_workspace(&p.id);
    if flag(args, "include_deactivated_user_workspaces")? && team.is_some() {
        return Err(error("include_deactivated_user_workspaces_invalid"));
    }
    let active = match args.get("is_active") {
        None => true,
        Some(v) => wire::boolean(v)
            .ok_or_else(|| invalid_arguments("[ERROR] is_active must be a boolean".into()))?,
    };
    let filter = Filter {
        deactivated: !active,
        guests: flag(args, "only_guests")?,
        admins: flag(args, "include_admins")?,
        owners: flag(args, "include_owners")?,
    };
    if filter.guests && (filter.admins || filter.owners) {
        return Err(invalid_arguments(
            "[ERROR] only_guests cannot be combined with include_admins or include_owners".into(),
        ));
    }
    let start = match args.get("cursor").and_then(Value::as_str) {
        None | Some("") => 0,
        Some(c) => read_cursor(c, filter, users).ok_or_else(|| error("invalid_cursor"))?,
    };
    let mut page = Vec::new();
    let mut index = start;
    let end = total(users);
    while index < end && (page.len() as u64) < limit {
        if let Some(p) = at(index, users).filter(|p| filter.admits(p) && in_team(p)) {
            page.push(p.json(asker.enterprise));
        }
        index += 1;
    }
    // The next cursor only when another user of this listing follows.
    let more = (index..end).any(|i| at(i, users).is_some_and(|p| filter.admits(&p) && in_team(&p)));
    let next = if more {
        format!("dXNlcj{:x}.{index:x}", filter.bits())
    } else {
        String::new()
    };
    Ok(ok(json!({
        "ok": true,
        "users": page,
        "response_metadata": {"next_cursor": next},
    })))
}

/// Where a cursor made for `filter` points; `None` for any other.
fn read_cursor(c: &str, filter: Filter, users: u32) -> Option<u64> {
    let (bits, index) = c.strip_prefix("dXNlcj")?.split_once('.')?;
    let bits = u8::from_str_radix(bits, 16).ok()?;
    let index = u64::from_str_radix(index, 16).ok()?;
    (bits == filter.bits() && index <= total(users)).then_some(index)
}

fn lookup(args: &Args, users: u32) -> Result<Answer, Answer> {
    let Some(email) = args.get("email").and_then(Value::as_str) else {
        return Err(invalid_arguments(
            "[ERROR] missing required field: email".into(),
        ));
    };
    match by_email(email, users).filter(|p| p.is_active) {
        None => Err(error("users_not_found")),
        Some(p) => Ok(ok(json!({"ok": true, "user": {
            "id": p.id,
            "team_id": WORKSPACE,
            "name": p.id.to_lowercase(),
            "deleted": false,
            "real_name": format!("User {}", p.id),
            "profile": {"email": p.email, "real_name": format!("User {}", p.id)},
            "is_admin": p.is_admin,
            "is_owner": p.is_owner,
            "is_primary_owner": p.is_primary_owner,
            "is_restricted": p.is_guest(),
            "is_ultra_restricted": p.is_single_channel_guest,
            "is_bot": p.is_bot,
        }}))),
    }
}

fn usergroup(args: &Args, users: u32) -> Result<Answer, Answer> {
    let Some(id) = args.get("usergroup").and_then(Value::as_str) else {
        return Err(invalid_arguments(
            "[ERROR] missing required field: usergroup".into(),
        ));
    };
    match usergroup_members(id, users) {
        None => Err(error("no_such_subteam")),
        Some(m) => Ok(ok(json!({"ok": true, "users": m}))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_is_what_the_docs_say() {
        let p = person("U00000007", 100).unwrap();
        assert!(p.is_multi_channel_guest && p.expiration_ts.is_some());
        let p = person("U00000013", 100).unwrap();
        assert!(p.is_single_channel_guest && p.expiration_ts.is_some());
        assert!(person("U00000027", 100).unwrap().expiration_ts.is_none());
        assert!(person("U00000001", 100).unwrap().is_admin);
        assert!(person("U00000002", 100).unwrap().is_owner);
        assert!(!person("U00000049", 100).unwrap().is_active);
        assert!(person("W00000000", 100).unwrap().is_primary_owner);
        assert!(person("U90000001", 100).unwrap().email.is_none());
        assert_eq!(
            by_email("U00000042@EXAMPLE.com", 100).unwrap().id,
            "U00000042"
        );
        assert_eq!(
            by_email("bot-90000000@example.com", 100).unwrap().id,
            "U90000000"
        );
        assert!(by_email("u00000200@example.com", 100).is_none());
        assert_eq!(people(100).count(), 10_200);
    }

    fn call(args: Value) -> Value {
        let Value::Object(args) = args else { panic!() };
        answer("admin.users.list", &args, false, 1_000, Asker::default()).body
    }

    #[test]
    fn cursors_page_a_filter_and_only_it() {
        // 1,000 users: 100 guests, 60 on the first page and 40 on the last.
        let first = call(json!({"only_guests": "true", "limit": "60"}));
        assert_eq!(first["users"].as_array().unwrap().len(), 60);
        let next = first["response_metadata"]["next_cursor"].as_str().unwrap();
        let second = call(json!({"only_guests": "true", "limit": "60", "cursor": next}));
        assert_eq!(second["users"].as_array().unwrap().len(), 40);
        assert_eq!(second["response_metadata"]["next_cursor"], "");
        let wrong = call(json!({"cursor": next}));
        assert_eq!(wrong["error"], "invalid_cursor");
        assert_eq!(
            call(json!({"cursor": "made-up"}))["error"],
            "invalid_cursor"
        );
        assert_eq!(call(json!({"limit": "101"}))["error"], "invalid_arguments");
        assert_eq!(call(json!({"team_id": "T9"}))["error"], "team_not_found");
        assert_eq!(
            call(json!({"only_guests": "true", "include_admins": "true"}))["error"],
            "invalid_arguments"
        );
    }
}
