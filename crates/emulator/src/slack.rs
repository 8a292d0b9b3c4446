//! Slack's side of the session-settings methods: validation, all-or-nothing updates and
//! the answers, over an in-memory store.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::{json, Value};

use crate::directory::{user_kind_in, Grant, UserKind};
use crate::wire::{self, Args};

/// The shortest session Slack allows (8 hours).
pub const MIN_DURATION: u64 = 28_800;
/// The longest session Slack allows (10 years).
pub const MAX_DURATION: u64 = 315_569_520;
/// The most users in one call.
pub const MAX_USERS: usize = 1000;

/// The methods the emulator serves, with whether they write and their rate-limit tier's
/// calls a minute (Slack's: Tier 2 is 20, Tier 3 50, Tier 4 100).
pub(crate) const METHODS: &[(&str, bool, u32)] = &[
    ("admin.users.session.setSettings", true, 100),
    ("admin.users.session.getSettings", false, 100),
    ("admin.users.session.clearSettings", true, 100),
    ("admin.users.session.list", false, 20),
    ("admin.users.session.reset", true, 20),
    ("admin.users.session.resetBulk", true, 20),
    ("admin.users.session.invalidate", true, 20),
    ("admin.users.list", false, 100),
    ("users.lookupByEmail", false, 50),
    ("usergroups.users.list", false, 20),
    ("auth.test", false, 100),
];

/// The methods [`crate::people`] answers.
pub(crate) fn is_people_method(method: &str) -> bool {
    matches!(
        method,
        "admin.users.list" | "users.lookupByEmail" | "usergroups.users.list"
    )
}

/// The methods [`crate::sessions`] answers.
pub(crate) fn is_session_family(method: &str) -> bool {
    matches!(
        method,
        "admin.users.session.list"
            | "admin.users.session.reset"
            | "admin.users.session.resetBulk"
            | "admin.users.session.invalidate"
    )
}

/// One user's stored settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// Session length in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<u64>,
    /// Whether closing the app or browser ends the session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desktop_app_browser_quit: Option<bool>,
}

/// Settings per user, safe under concurrent requests.
#[derive(Debug, Default)]
pub(crate) struct Store {
    users: Mutex<HashMap<String, Settings>>,
}

impl Store {
    pub(crate) fn snapshot(&self) -> HashMap<String, Settings> {
        self.users.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn get(&self, user: &str) -> Option<Settings> {
        self.users
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(user)
            .copied()
    }

    pub(crate) fn clear_all(&self) {
        self.users.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// An answer before it is written: HTTP 200 with this JSON.
pub(crate) struct Answer {
    pub body: Value,
    pub outcome: String,
}

pub(crate) fn error(code: &str) -> Answer {
    Answer {
        body: json!({"ok": false, "error": code}),
        outcome: code.to_owned(),
    }
}

pub(crate) fn invalid_arguments(message: String) -> Answer {
    Answer {
        body: json!({
            "ok": false,
            "error": "invalid_arguments",
            "response_metadata": {"messages": [message]},
        }),
        outcome: "invalid_arguments".into(),
    }
}

/// A call checked: the settings methods' work, to apply; or the session family's
/// answer, already acted on.
pub(crate) enum Checked {
    Work(Work),
    Done(Answer),
}

/// The checked work of a call, ready to apply.
pub(crate) enum Work {
    Set(Vec<String>, Settings),
    Get(Vec<String>),
    Clear(Vec<String>),
}

/// `auth.test` for a token: who it is. A token Slack knows answers (an admin's, a
/// member's, the org-level one, …); an unknown, revoked or missing one is refused.
pub(crate) fn auth_test(grant: Grant) -> Answer {
    let (team, team_id, user_id) = match grant {
        Grant::Org => (
            "Emulated Organisation",
            crate::directory::ORGANISATION,
            "W00000002",
        ),
        Grant::Admin | Grant::ReadOnly => ("Emulated", crate::WORKSPACE, "W00000002"),
        Grant::Refused("not_an_admin" | "feature_not_enabled" | "not_allowed_token_type") => {
            ("Emulated", crate::WORKSPACE, "U00000003")
        }
        Grant::Refused(code) => return error(code),
    };
    let mut body = json!({
        "ok": true,
        "url": "https://emulated.slack.test/",
        "team": team,
        "team_id": team_id,
        "user": "emulated-admin",
        "user_id": user_id,
        "is_enterprise_install": grant == Grant::Org,
    });
    if grant == Grant::Org {
        body["enterprise_id"] = json!(crate::directory::ORGANISATION);
    }
    Answer {
        body,
        outcome: "ok".into(),
    }
}

/// The scope `method` needs: `admin.users:write` to write, else its read scope.
pub(crate) fn scope_of(method: &str, writes: bool) -> &'static str {
    match method {
        _ if writes => "admin.users:write",
        "users.lookupByEmail" => "users:read.email",
        "usergroups.users.list" => "usergroups:read",
        _ => "admin.users:read",
    }
}

/// The answer for a token that may not make this call, if it may not: its own refusal,
/// or `missing_scope` with what is `needed` and what the token has (`provided`).
pub(crate) fn refusal(grant: Grant, method: &str, writes: bool) -> Option<Answer> {
    let needed = scope_of(method, writes);
    match grant {
        Grant::Refused(code) => Some(error(code)),
        g if !g.holds(needed) => Some(Answer {
            body: json!({
                "ok": false,
                "error": "missing_scope",
                "needed": needed,
                "provided": g.scopes().unwrap_or_default(),
            }),
            outcome: "missing_scope".into(),
        }),
        _ => None,
    }
}

/// Checks scope and arguments; all errors come before any change.
pub(crate) fn check(
    method: &str,
    writes: bool,
    grant: Grant,
    args: &Args,
    directory: u32,
) -> Result<Checked, Answer> {
    if let Some(refused) = refusal(grant, method, writes) {
        return Err(refused);
    }
    let users = match args.get("user_ids") {
        None => {
            return Err(invalid_arguments(
                "[ERROR] missing required field: user_ids".into(),
            ))
        }
        Some(v) => wire::user_ids(v).map_err(invalid_arguments)?,
    };
    let mut seen = std::collections::HashSet::new();
    let users: Vec<String> = users
        .into_iter()
        .filter(|u| seen.insert(u.clone()))
        .collect();
    if users.is_empty() {
        return Err(invalid_arguments(
            "[ERROR] user_ids must not be empty".into(),
        ));
    }
    if users.len() > MAX_USERS {
        return Err(invalid_arguments(format!(
            "[ERROR] too many user_ids: {} given, at most {MAX_USERS} allowed",
            users.len()
        )));
    }
    let work = match method {
        "admin.users.session.setSettings" => {
            let duration = match args.get("duration") {
                None => None,
                Some(v) => match wire::integer(v) {
                    Some(d) if (MIN_DURATION..=MAX_DURATION).contains(&d) => Some(d),
                    _ => {
                        return Err(invalid_arguments(format!(
                            "[ERROR] duration must be a whole number from {MIN_DURATION} to {MAX_DURATION}"
                        )))
                    }
                },
            };
            let quit = match args.get("desktop_app_browser_quit") {
                None => None,
                Some(v) => Some(wire::boolean(v).ok_or_else(|| {
                    invalid_arguments("[ERROR] desktop_app_browser_quit must be a boolean".into())
                })?),
            };
            if duration.is_none() && quit.is_none() {
                return Err(error("at_least_one_session_setting_required"));
            }
            Work::Set(
                users,
                Settings {
                    duration,
                    desktop_app_browser_quit: quit,
                },
            )
        }
        "admin.users.session.getSettings" => Work::Get(users),
        _ => Work::Clear(users),
    };
    let users = match &work {
        Work::Set(u, _) | Work::Get(u) | Work::Clear(u) => u,
    };
    let kinds: Vec<UserKind> = users.iter().map(|u| user_kind_in(u, directory)).collect();
    if kinds.contains(&UserKind::Unknown) {
        return Err(error("user_not_found"));
    }
    if kinds.contains(&UserKind::Bot) {
        return Err(error("bots_not_allowed"));
    }
    Ok(Checked::Work(work))
}

/// Applies checked work at once, under one lock, and answers. getSettings leaves out the
/// users `has_session` says have no active session, as Slack documents; it sends `null`
/// for a setting that is not set.
pub(crate) fn apply(store: &Store, work: Work, has_session: impl Fn(&str) -> bool) -> Answer {
    let mut users = store.users.lock().unwrap_or_else(|p| p.into_inner());
    let body = match work {
        Work::Set(ids, s) => {
            for id in ids {
                let e = users.entry(id).or_default();
                // Assumption: a setting not given keeps its earlier value.
                if s.duration.is_some() {
                    e.duration = s.duration;
                }
                if s.desktop_app_browser_quit.is_some() {
                    e.desktop_app_browser_quit = s.desktop_app_browser_quit;
                }
            }
            json!({"ok": true})
        }
        Work::Clear(ids) => {
            for id in ids {
                users.remove(&id);
            }
            json!({"ok": true})
        }
        Work::Get(ids) => {
            let mut with = Vec::new();
            let mut without = Vec::new();
            for id in ids.into_iter().filter(|id| has_session(id)) {
                match users.get(&id) {
                    Some(s) => with.push(json!({
                        "user_id": id,
                        "desktop_app_browser_quit": s.desktop_app_browser_quit,
                        "duration": s.duration,
                    })),
                    None => without.push(Value::String(id)),
                }
            }
            json!({"ok": true, "session_settings": with, "no_settings_applied": without})
        }
    };
    Answer {
        body,
        outcome: "ok".into(),
    }
}
