//! `POST /api/admin.users.session.getSettings`
//!
//! Tier 4 · scope `admin.users:read` · idempotent.
//!
//! Reads the session settings of up to 1,000 users. Users with settings come back in
//! `session_settings`; the rest in `no_settings_applied`.

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::duration::HeldDuration;
use crate::error_code::ErrorCode;
use crate::method::sealed::{ArgValue, Args};
use crate::method::{Method, Output, Reconciled, Tier, UsersMethod};
use crate::user::{UserId, UserIds};

/// `admin.users.session.getSettings`: read the settings of up to 1,000 users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetSettings {
    users: UserIds,
}

impl GetSettings {
    /// A call reading the settings of `users`.
    pub fn new(users: UserIds) -> Self {
        GetSettings { users }
    }
}

/// One user's settings as `getSettings` reports them: what Slack holds, as it is.
///
/// Slack documents both keys as required, `duration` an integer or null and
/// `desktop_app_browser_quit` a boolean or null, with no bounds on what is read back:
/// `null` (or, assumption, an absent key) means the setting is not set for the user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct UserSessionSettings {
    /// The user.
    pub user_id: UserId,
    /// Whether closing the app or browser ends the user's session.
    #[serde(default)]
    pub desktop_app_browser_quit: Option<bool>,
    /// The user's session length, unbounded: convert it with
    /// [`SessionDuration::try_from`](crate::SessionDuration) to write it back.
    #[serde(default)]
    pub duration: Option<HeldDuration>,
}

impl UserSessionSettings {
    /// `user` with neither setting, to fill in.
    pub fn new(user: UserId) -> Self {
        UserSessionSettings {
            user_id: user,
            desktop_app_browser_quit: None,
            duration: None,
        }
    }
}

/// An entry of a `getSettings` answer that could not be read: its user fails alone,
/// with this reason; the rest of the answer stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct MalformedEntry {
    /// The user the entry names.
    pub user_id: UserId,
    /// What is wrong with it, e.g. `duration is a string, not a whole number or null`.
    pub reason: String,
}

/// What `getSettings` answers, checked against the users asked for.
///
/// Assumptions: a missing list means an empty one. Slack leaves out users with no active
/// session (the `user_ids` argument's own text), so a user missing from both lists is
/// not a failure; such users are listed in `not_returned`. An entry for a user nobody
/// asked for is dropped, with a warning. An entry that cannot be read fails its user
/// alone (`malformed`); one that names no readable user fails every asked user the
/// answer does not otherwise account for, since any of them may be it: a user is never
/// reported as without a session when the answer may have held their settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct GetSettingsOutput {
    /// Users who have settings, with them.
    pub session_settings: Vec<UserSessionSettings>,
    /// Users who have none.
    pub no_settings_applied: Vec<UserId>,
    /// Users asked for that the answer left out (Slack's answer has no such field: the
    /// client fills it in).
    pub not_returned: Vec<UserId>,
    /// Entries that could not be read, by user.
    pub malformed: Vec<MalformedEntry>,
    /// Entries that could not be read and name no readable user.
    #[serde(skip)]
    unattributed: Vec<String>,
}

impl crate::method::sealed::Fields for GetSettingsOutput {
    fn visit_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "session_settings" => {
                let entries: Option<Vec<Lenient>> = map.next_value()?;
                for e in entries.unwrap_or_default() {
                    match e {
                        Lenient::Read(s) => self.session_settings.push(s),
                        Lenient::Malformed {
                            user: Some(user_id),
                            reason,
                        } => self.malformed.push(MalformedEntry { user_id, reason }),
                        Lenient::Malformed { user: None, reason } => self.unattributed.push(reason),
                    }
                }
                Ok(true)
            }
            "no_settings_applied" => {
                let ids: Option<Vec<Scalar>> = map.next_value()?;
                for id in ids.unwrap_or_default() {
                    match id.user() {
                        Some(u) => self.no_settings_applied.push(u),
                        None => self
                            .unattributed
                            .push(format!("no_settings_applied holds {}", id.kind())),
                    }
                }
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

impl Output for GetSettingsOutput {
    fn reconcile(&mut self, asked: &UserIds) -> Reconciled {
        let wanted: std::collections::HashSet<&str> = asked.iter().map(UserId::as_str).collect();
        let mut seen = std::collections::HashSet::with_capacity(wanted.len());
        let before =
            self.session_settings.len() + self.no_settings_applied.len() + self.malformed.len();
        let mut keep = |u: &UserId| wanted.contains(u.as_str()) && seen.insert(u.clone());
        self.session_settings.retain(|s| keep(&s.user_id));
        self.no_settings_applied.retain(|u| keep(u));
        self.malformed.retain(|m| keep(&m.user_id));
        let dropped = before
            - self.session_settings.len()
            - self.no_settings_applied.len()
            - self.malformed.len();
        let missing = asked.iter().filter(|u| !seen.contains(*u)).cloned();
        let mut failed: Vec<(UserId, String)> = self
            .malformed
            .iter()
            .map(|m| (m.user_id.clone(), m.reason.clone()))
            .collect();
        let not_returned: Vec<UserId> =
            if self.unattributed.is_empty() {
                missing.collect()
            } else {
                // Any user the answer does not account for may be the unreadable entry.
                let why =
                    format!(
                "the answer holds {} entr{} naming no readable user ({}); this user may be one",
                self.unattributed.len(),
                if self.unattributed.len() == 1 { "y" } else { "ies" },
                self.unattributed[0]
            );
                for u in missing {
                    self.malformed.push(MalformedEntry {
                        user_id: u.clone(),
                        reason: why.clone(),
                    });
                    failed.push((u, why.clone()));
                }
                self.unattributed.clear();
                Vec::new()
            };
        self.not_returned.clone_from(&not_returned);
        Reconciled {
            dropped,
            not_returned,
            failed,
        }
    }
}

/// One `session_settings` entry, read field by field so that an odd value fails that
/// entry alone: the whole answer stays readable.
enum Lenient {
    Read(UserSessionSettings),
    Malformed {
        user: Option<UserId>,
        reason: String,
    },
}

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Lenient;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a session_settings entry")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Lenient, A::Error> {
                let (mut user, mut duration, mut quit) = (None, None, None);
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match &*key {
                        "user_id" => user = Some(map.next_value::<Scalar>()?),
                        "duration" => duration = Some(map.next_value::<Scalar>()?),
                        "desktop_app_browser_quit" => quit = Some(map.next_value::<Scalar>()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let Some(user_id) = user.as_ref().and_then(Scalar::user) else {
                    let what = match user {
                        None => "no user_id".to_owned(),
                        Some(Scalar::Str(s)) => format!("user_id {s:?}, not a user ID"),
                        Some(u) => format!("user_id {}", u.kind()),
                    };
                    return Ok(Lenient::Malformed {
                        user: None,
                        reason: format!("an entry with {what}"),
                    });
                };
                let bad = |reason: String| {
                    Ok(Lenient::Malformed {
                        user: Some(user_id.clone()),
                        reason,
                    })
                };
                let duration = match duration.unwrap_or(Scalar::Null) {
                    Scalar::Null => None,
                    Scalar::Int(i) => Some(HeldDuration::from_secs(i)),
                    other => {
                        return bad(format!(
                            "duration is {}, not a whole number of seconds or null",
                            other.kind()
                        ))
                    }
                };
                let quit = match quit.unwrap_or(Scalar::Null) {
                    Scalar::Null => None,
                    Scalar::Bool(b) => Some(b),
                    other => {
                        return bad(format!(
                            "desktop_app_browser_quit is {}, not a boolean or null",
                            other.kind()
                        ))
                    }
                };
                Ok(Lenient::Read(UserSessionSettings {
                    user_id,
                    desktop_app_browser_quit: quit,
                    duration,
                }))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Lenient, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(not_an_object("an array"))
            }
            fn visit_unit<E>(self) -> Result<Lenient, E> {
                Ok(not_an_object("null"))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Lenient, E> {
                Ok(not_an_object("a boolean"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Lenient, E> {
                Ok(not_an_object("a number"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Lenient, E> {
                Ok(not_an_object("a number"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Lenient, E> {
                Ok(not_an_object("a number"))
            }
            fn visit_str<E>(self, _: &str) -> Result<Lenient, E> {
                Ok(not_an_object("a string"))
            }
        }
        d.deserialize_any(V)
    }
}

/// An entry that is not an object: it names no user.
fn not_an_object(what: &str) -> Lenient {
    Lenient::Malformed {
        user: None,
        reason: format!("an entry that is {what}, not an object"),
    }
}

/// Any JSON value, kept only as far as a field of an entry needs it.
enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    /// A number that is not a whole number within `i64`.
    Number,
    /// A string, cut to what a user ID can be.
    Str(String),
    Array,
    Object,
}

impl Scalar {
    /// A user ID, if this is one.
    fn user(&self) -> Option<UserId> {
        match self {
            Scalar::Str(s) => UserId::new(s).ok(),
            _ => None,
        }
    }

    /// What it is, in words, for a reason.
    fn kind(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool(_) => "a boolean",
            Scalar::Int(_) | Scalar::Number => "a number",
            Scalar::Str(_) => "a string",
            Scalar::Array => "an array",
            Scalar::Object => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any value")
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(b))
            }
            fn visit_i64<E>(self, i: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(i))
            }
            fn visit_u64<E>(self, u: u64) -> Result<Scalar, E> {
                Ok(i64::try_from(u).map_or(Scalar::Number, Scalar::Int))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Scalar, E> {
                Ok(Scalar::Number)
            }
            fn visit_str<E>(self, s: &str) -> Result<Scalar, E> {
                // A user ID is a dozen characters: a longer string is none, whatever it is.
                let cut = s.get(..s.len().min(64)).unwrap_or_default();
                Ok(Scalar::Str(cut.to_owned()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Array)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Object)
            }
        }
        d.deserialize_any(V)
    }
}

impl crate::method::sealed::Wire for GetSettings {
    fn args(&self) -> Args<'_> {
        let mut args = Args::new();
        args.push("user_ids", ArgValue::Users(&self.users));
        args
    }

    fn listed_users(&self) -> Option<&UserIds> {
        Some(&self.users)
    }
}

impl Method for GetSettings {
    const NAME: &'static str = "admin.users.session.getSettings";
    const TIER: Tier = Tier::Tier4;
    const SCOPE: &'static str = "admin.users:read";
    const IDEMPOTENT: bool = true;
    type Output = GetSettingsOutput;
    const DOCUMENTED: &'static [ErrorCode] = &[
        ErrorCode::AdminUnauthorized,
        ErrorCode::BotsNotAllowed,
        ErrorCode::FeatureNotEnabled,
        ErrorCode::InternalError,
        ErrorCode::InvalidArguments,
        ErrorCode::InvalidAuth,
        ErrorCode::NotAnAdmin,
        ErrorCode::RestrictedAction,
        ErrorCode::UnknownMethod,
        ErrorCode::UserNotFound,
    ];
}

impl UsersMethod for GetSettings {
    type Params = ();
    fn for_users(users: UserIds, _: &()) -> Self {
        GetSettings { users }
    }
    fn into_users(self) -> UserIds {
        self.users
    }
    fn merge_output(total: &mut GetSettingsOutput, part: GetSettingsOutput) {
        total.session_settings.extend(part.session_settings);
        total.no_settings_applied.extend(part.no_settings_applied);
        total.not_returned.extend(part.not_returned);
        total.malformed.extend(part.malformed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HeldDuration;

    fn decode(body: &str) -> GetSettingsOutput {
        crate::decode::decode::<GetSettings, _>(http::Response::new(body.as_bytes().to_vec()))
            .unwrap()
            .output
    }

    /// An answer is checked against the users asked for: strangers and repeats dropped,
    /// the missing named.
    #[test]
    fn reconcile_drops_strangers_and_names_the_missing() {
        let asked = UserIds::parse(["U1", "U2", "U3", "U4"]).unwrap();
        let mut out = decode(
            r#"{"ok":true,"session_settings":[{"user_id":"U1","duration":28800},{"user_id":"U9","duration":28800},{"user_id":"U1","duration":99999}],"no_settings_applied":["U2","U8","U1"]}"#,
        );
        let r = out.reconcile(&asked);
        assert_eq!(r.dropped, 4);
        let ids = |v: &[UserId]| v.iter().map(UserId::as_str).collect::<Vec<_>>().join(",");
        assert_eq!(ids(&r.not_returned), "U3,U4");
        assert_eq!(ids(&out.not_returned), "U3,U4");
        assert_eq!(out.session_settings.len(), 1);
        assert_eq!(
            out.session_settings[0].duration.map(|d| d.as_secs()),
            Some(28_800)
        );
        assert_eq!(ids(&out.no_settings_applied), "U2");
    }

    /// What Slack holds is read as it is: a duration setSettings' schema allows but this
    /// client would not write, nulls, a user left out; one malformed entry fails its
    /// user alone.
    #[test]
    fn every_answer_is_readable_and_odd_entries_fail_alone() {
        let asked = UserIds::parse(["U1", "U2", "U3", "U4", "U5"]).unwrap();
        let mut out = decode(
            r#"{"ok":true,"session_settings":[
                {"user_id":"U1","duration":180,"desktop_app_browser_quit":null},
                {"user_id":"U2","duration":null,"desktop_app_browser_quit":true},
                {"user_id":"U3","duration":"8h","desktop_app_browser_quit":false},
                {"user_id":"U4","duration":-5,"desktop_app_browser_quit":1}
            ],"no_settings_applied":[]}"#,
        );
        let r = out.reconcile(&asked);
        assert_eq!(out.session_settings.len(), 2);
        assert_eq!(
            out.session_settings[0].duration,
            Some(HeldDuration::from_secs(180))
        );
        assert_eq!(out.session_settings[0].desktop_app_browser_quit, None);
        assert_eq!(out.session_settings[1].duration, None);
        let failed: Vec<(&str, &str)> = r
            .failed
            .iter()
            .map(|(u, w)| (u.as_str(), w.as_str()))
            .collect();
        assert_eq!(
            failed,
            [
                (
                    "U3",
                    "duration is a string, not a whole number of seconds or null"
                ),
                (
                    "U4",
                    "desktop_app_browser_quit is a number, not a boolean or null"
                ),
            ]
        );
        // U5 has no active session: left out, not a failure.
        assert_eq!(r.not_returned, [UserId::new("U5").unwrap()]);
    }

    /// An entry that names no readable user might be anyone's: every user the answer
    /// does not otherwise account for fails, rather than being reported as without a
    /// session.
    #[test]
    fn an_entry_without_a_user_fails_the_unaccounted_users() {
        let asked = UserIds::parse(["U1", "U2", "U3"]).unwrap();
        let mut out = decode(
            r#"{"ok":true,"session_settings":[{"user_id":"U1","duration":28800},{"user_id":7,"duration":28800}],"no_settings_applied":["U2"]}"#,
        );
        let r = out.reconcile(&asked);
        assert!(r.not_returned.is_empty());
        assert_eq!(r.failed.len(), 1);
        assert_eq!(r.failed[0].0.as_str(), "U3");
        assert!(
            r.failed[0].1.contains("user_id a number"),
            "{}",
            r.failed[0].1
        );
        assert_eq!(out.session_settings.len(), 1);
    }
}
