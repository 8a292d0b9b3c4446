//! Slack's side of `list`, `reset`, `resetBulk` and `invalidate`: every person in the
//! directory has 0 to 3 active sessions, made up from their ID (the same on every run),
//! each on its own device, OS and IP; bots have none. Resetting or invalidating a session
//! ends it, and later `list` answers leave it out.
//!
//! As Slack's reference documents:
//! - `list` names the organisation's `E…` ID as each session's `team_id` ([`TEAM`]), as
//!   the reference's example and the recorded answer do; a one-user listing needs
//!   `user_id` and `team_id` together (`missing_team`, `missing_user`), of a known team
//!   (`team_not_found`) and an existing person (`user_not_found`, `bots_not_allowed`),
//!   and answers `no_active_sessions` for a person who has none;
//! - `invalidate` takes exactly `session_id` and `user_id` (the team form was retired in
//!   January 2025, so `team_id` is refused); a session that does not exist, has ended or
//!   is not that user's is `session_not_found`; the primary owner's is
//!   `cannot_invalidate_primary_owner`;
//! - a person with no active session (about a quarter of the directory, fixed by the ID,
//!   and anyone whose sessions all ended) is left out of getSettings.
//!
//! Assumptions, where Slack's documentation is silent:
//! - `W00000000` is the primary owner (`cannot_reset_primary_owner`) and `W00000001` a
//!   user whose sessions may not be reset (`session_reset_not_allowed`);
//! - `reset`/`resetBulk` with both `mobile_only` and `web_only` is `invalid_arguments`;
//! - `resetBulk` refuses the whole call for an unknown user, a bot or the primary owner
//!   (the first one names the error, nothing changes); users whose sessions may not be
//!   reset are left out of a job that runs for the others, and the answer is
//!   `failed_for_some_users` with one `response_metadata.messages` entry each,
//!   `[ERROR] <user>: session_reset_not_allowed`.

use std::collections::HashSet;
use std::sync::Mutex;

use serde_json::{json, Value};

use crate::directory::{user_kind_in, UserKind};
use crate::slack::{error, Answer, MAX_USERS};
use crate::wire::{self, Args};

/// The organisation every emulated session belongs to: its `E…` ID is the `team_id` of
/// every listed session, and the `team_id` a one-user listing takes.
pub const TEAM: &str = crate::directory::ORGANISATION;
/// The primary owner, whose sessions cannot be reset.
pub const PRIMARY_OWNER: &str = "W00000000";
/// A user whose sessions may not be reset.
pub const RESET_NOT_ALLOWED: &str = "W00000001";

/// The largest `limit` of `list`.
const MAX_LIMIT: u64 = 1_000;

/// Sessions ended by reset or invalidate, and the users whose sessions a reset leaves
/// alive (a fault: `EmulatorBuilder::sessions_survive_reset`).
#[derive(Debug, Default)]
pub(crate) struct Ended {
    ended: Mutex<HashSet<u64>>,
    pub(crate) sticky: HashSet<String>,
}

impl Ended {
    /// No session ended yet; resets of the `sticky` users end none of theirs.
    pub(crate) fn new(sticky: HashSet<String>) -> Ended {
        Ended {
            ended: Mutex::default(),
            sticky,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<u64>> {
        self.ended.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn count(&self) -> usize {
        self.lock().len()
    }

    /// Whether `user` has a session that has not ended.
    pub(crate) fn has_active(&self, user: &str, directory: u32) -> bool {
        let ended = self.lock();
        sessions_of(user, directory)
            .iter()
            .any(|s| !ended.contains(&s.id))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Desktop,
    Mobile,
    Web,
}

/// (device, OS, OS version, kind)
const DEVICES: [(&str, &str, &str, Kind); 5] = [
    ("Mac", "Mac OS", "14.5", Kind::Desktop),
    ("PC", "Windows", "11", Kind::Desktop),
    ("iPhone", "iOS", "17.5", Kind::Mobile),
    ("Pixel", "Android", "14", Kind::Mobile),
    ("Browser", "Linux", "6.8", Kind::Web),
];

struct Session {
    id: u64,
    device: usize,
    ip: String,
    recent: bool,
}

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A person's number in the directory's order: U users first, then W users.
fn base(user: &str) -> Option<u64> {
    let n: u64 = user.get(1..)?.parse().ok()?;
    match user.get(..1)? {
        "U" => Some(n),
        "W" => Some(100_000_000 + n),
        _ => None,
    }
}

/// The sessions `user` was given, ended or not. People have 0 to 3; bots none.
fn sessions_of(user: &str, directory: u32) -> Vec<Session> {
    if user_kind_in(user, directory) != UserKind::Person {
        return Vec::new();
    }
    let Some(b) = base(user) else {
        return Vec::new();
    };
    let h = mix(b);
    (0..(h % 4))
        .map(|k| {
            let device = ((h >> 8) + k) as usize % DEVICES.len();
            let ip_bits = mix(h ^ k);
            Session {
                id: b * 4 + k + 1,
                device,
                ip: format!(
                    "10.{}.{}.{}",
                    ip_bits & 0xff,
                    (ip_bits >> 8) & 0xff,
                    (ip_bits >> 16) & 0xff
                ),
                recent: (h >> (16 + k)) & 1 == 1,
            }
        })
        .collect()
}

fn session_json(user: &str, s: &Session) -> Value {
    let (device, os, version, _) = DEVICES[s.device];
    let info = |ip: &str| {
        json!({
            "device_hardware": device,
            "os": os,
            "os_version": version,
            "slack_client_version": "4.41.97",
            "ip": ip,
        })
    };
    let mut v = json!({
        "user_id": user,
        "team_id": TEAM,
        "session_id": s.id,
        "created": info(&s.ip),
    });
    if s.recent {
        v["recent"] = info("10.255.0.1");
    }
    v
}

/// The directory's people in order: U00000000 up to the directory's size, then W
/// users.
fn person(index: u64, directory: u32) -> Option<String> {
    let u = u64::from(directory.min(crate::directory::MAX_USERS_IN_DIRECTORY));
    if index < u {
        Some(format!("U{index:08}"))
    } else if index < u + 10_000 {
        Some(format!("W{:08}", index - u))
    } else {
        None
    }
}

/// A cursor: where the next page starts, tied to its filter.
fn cursor(filter: u64, index: u64, k: u64) -> String {
    format!("{:x}", (filter & 0xffff) << 48 | (index << 8) | k)
}

fn parse_cursor(c: &str, filter: u64) -> Option<(u64, u64)> {
    let v = u64::from_str_radix(c, 16).ok()?;
    if v >> 48 != filter & 0xffff {
        return None;
    }
    Some(((v >> 8) & 0xff_ffff_ffff, v & 0xff))
}

fn invalid(message: &str) -> Answer {
    Answer {
        body: json!({
            "ok": false,
            "error": "invalid_arguments",
            "response_metadata": {"messages": [format!("[ERROR] {message}")]},
        }),
        outcome: "invalid_arguments".into(),
    }
}

fn flags(args: &Args) -> Result<(bool, bool), Answer> {
    let flag = |name: &str| match args.get(name) {
        None => Ok(false),
        Some(v) => wire::boolean(v).ok_or_else(|| invalid(&format!("{name} must be a boolean"))),
    };
    let (m, w) = (flag("mobile_only")?, flag("web_only")?);
    if m && w {
        return Err(invalid("mobile_only and web_only cannot both be true"));
    }
    Ok((m, w))
}

/// Why `user`'s sessions cannot be reset, if they cannot.
fn cannot_reset(user: &str, directory: u32) -> Option<&'static str> {
    match user_kind_in(user, directory) {
        UserKind::Unknown => Some("user_not_found"),
        UserKind::Bot => Some("cannot_reset_bot"),
        UserKind::Person if user == PRIMARY_OWNER => Some("cannot_reset_primary_owner"),
        UserKind::Person if user == RESET_NOT_ALLOWED => Some("session_reset_not_allowed"),
        UserKind::Person => None,
    }
}

fn ok() -> Answer {
    Answer {
        body: json!({"ok": true}),
        outcome: "ok".into(),
    }
}

/// Answers one call of the session family (the caller has checked the token's grant).
pub(crate) fn answer(method: &str, args: &Args, ended: &Ended, directory: u32) -> Answer {
    match method {
        "admin.users.session.list" => list(args, ended, directory),
        "admin.users.session.reset" => {
            let Some(user) = args.get("user_id").and_then(Value::as_str) else {
                return invalid("missing required field: user_id");
            };
            let (m, w) = match flags(args) {
                Ok(f) => f,
                Err(a) => return a,
            };
            if let Some(code) = cannot_reset(user, directory) {
                return error(code);
            }
            end(user, m, w, ended, directory);
            ok()
        }
        "admin.users.session.resetBulk" => {
            let users = match args.get("user_ids").map(wire::user_ids) {
                None => return invalid("missing required field: user_ids"),
                Some(Err(e)) => return invalid(e.trim_start_matches("[ERROR] ")),
                Some(Ok(u)) => u,
            };
            if users.is_empty() || users.len() > MAX_USERS {
                return invalid("user_ids must hold 1 to 1000 users");
            }
            let (m, w) = match flags(args) {
                Ok(f) => f,
                Err(a) => return a,
            };
            // Unknown users, bots and the primary owner refuse the whole call; users whose
            // sessions may not be reset are left out of a job that runs for the others.
            let mut refused = Vec::new();
            for u in &users {
                match cannot_reset(u, directory) {
                    Some("session_reset_not_allowed") => refused.push(u),
                    Some(code) => return error(code),
                    None => {}
                }
            }
            for u in users.iter().filter(|u| !refused.contains(u)) {
                end(u, m, w, ended, directory);
            }
            if refused.is_empty() {
                return ok();
            }
            let messages: Vec<String> = refused
                .iter()
                .map(|u| format!("[ERROR] {u}: session_reset_not_allowed"))
                .collect();
            Answer {
                body: json!({
                    "ok": false,
                    "error": "failed_for_some_users",
                    "response_metadata": {"messages": messages},
                }),
                outcome: "failed_for_some_users".into(),
            }
        }
        _ => invalidate(args, ended, directory),
    }
}

fn end(user: &str, mobile_only: bool, web_only: bool, ended: &Ended, directory: u32) {
    if ended.sticky.contains(user) {
        return;
    }
    let mut e = ended.lock();
    for s in sessions_of(user, directory) {
        let kind = DEVICES[s.device].3;
        let hit = (!mobile_only && !web_only)
            || (mobile_only && kind == Kind::Mobile)
            || (web_only && kind == Kind::Web);
        if hit {
            e.insert(s.id);
        }
    }
}

fn invalidate(args: &Args, ended: &Ended, directory: u32) -> Answer {
    let Some(id) = args.get("session_id").and_then(wire::integer) else {
        return invalid("missing required field: session_id");
    };
    if args.get("team_id").is_some() {
        return invalid("team_id is no longer accepted: pass the session's user_id");
    }
    let Some(user) = args.get("user_id").and_then(Value::as_str) else {
        return invalid("missing required field: user_id");
    };
    match user_kind_in(user, directory) {
        UserKind::Person => {}
        UserKind::Bot | UserKind::Unknown => return error("user_not_found"),
    }
    let mine = sessions_of(user, directory).iter().any(|s| s.id == id);
    let mut e = ended.lock();
    if !mine || e.contains(&id) {
        return error("session_not_found");
    }
    if user == PRIMARY_OWNER {
        return error("cannot_invalidate_primary_owner");
    }
    e.insert(id);
    ok()
}

fn list(args: &Args, ended: &Ended, directory: u32) -> Answer {
    let limit = match args.get("limit") {
        None => MAX_LIMIT,
        Some(v) => match wire::integer(v) {
            Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => return invalid("limit must be a whole number from 1 to 1000"),
        },
    };
    let user = args.get("user_id").and_then(Value::as_str);
    let team = args.get("team_id").and_then(Value::as_str);
    let filter = match (user, team) {
        (None, None) => 0,
        (Some(_), None) => return error("missing_team"),
        (None, Some(_)) => return error("missing_user"),
        (Some(u), Some(t)) => {
            if t != TEAM {
                return error("team_not_found");
            }
            match user_kind_in(u, directory) {
                UserKind::Unknown => return error("user_not_found"),
                UserKind::Bot => return error("bots_not_allowed"),
                UserKind::Person if !ended.has_active(u, directory) => {
                    return error("no_active_sessions")
                }
                UserKind::Person => {}
            }
            mix(u
                .bytes()
                .chain(t.bytes())
                .fold(7, |a, b| a.wrapping_mul(31).wrapping_add(u64::from(b))))
                | 1
        }
    };
    let (mut index, mut k) = match args.get("cursor").and_then(Value::as_str) {
        None | Some("") => (0, 0),
        Some(c) => match parse_cursor(c, filter) {
            Some(p) => p,
            None => return error("invalid_cursor"),
        },
    };
    let ended = ended.lock();
    let mut page = Vec::new();
    let mut next = String::new();
    // One user's listing walks only that user (index 0), in team TEAM.
    let walk = |i: u64| match user {
        Some(u) => (i == 0).then(|| u.to_owned()),
        None => person(i, directory),
    };
    'users: while let Some(u) = walk(index) {
        let sessions = sessions_of(&u, directory);
        while (k as usize) < sessions.len() {
            if page.len() as u64 == limit {
                next = cursor(filter, index, k);
                break 'users;
            }
            let s = &sessions[k as usize];
            if !ended.contains(&s.id) {
                page.push(session_json(&u, s));
            }
            k += 1;
        }
        index += 1;
        k = 0;
    }
    Answer {
        body: json!({
            "ok": true,
            "active_sessions": page,
            "response_metadata": {"next_cursor": next},
        }),
        outcome: "ok".into(),
    }
}

/// Every active session, in `list`'s order, for tests that check a listing.
pub(crate) fn all_active(ended: &Ended, directory: u32, user: Option<&str>) -> Vec<u64> {
    let ended = ended.lock();
    let users: Vec<String> = match user {
        Some(u) => vec![u.to_owned()],
        None => (0..).map_while(|i| person(i, directory)).collect(),
    };
    users
        .iter()
        .flat_map(|u| sessions_of(u, directory))
        .map(|s| s.id)
        .filter(|id| !ended.contains(id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_fixed_by_the_user_and_differ_between_users() {
        let counts: Vec<usize> = (0..40)
            .map(|i| sessions_of(&format!("U{i:08}"), 100).len())
            .collect();
        assert!(counts.contains(&0) && counts.contains(&3));
        let a = sessions_of("U00000007", 100);
        let b = sessions_of("U00000007", 100);
        assert_eq!(
            a.iter().map(|s| (s.id, s.device)).collect::<Vec<_>>(),
            b.iter().map(|s| (s.id, s.device)).collect::<Vec<_>>()
        );
        assert!(sessions_of("U90000001", 100).is_empty(), "bots have none");
    }

    #[test]
    fn cursors_are_tied_to_their_filter() {
        let c = cursor(5, 1234, 2);
        assert_eq!(parse_cursor(&c, 5), Some((1234, 2)));
        assert_eq!(parse_cursor(&c, 6), None);
        assert_eq!(parse_cursor("zz", 0), None);
    }
}
