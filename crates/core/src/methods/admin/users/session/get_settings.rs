//! `POST /api/admin.users.session.getSettings`
//!
//! Tier 4 · scope `admin.users:read` · idempotent.
//!
//! Reads the session settings of up to 1,000 users. Users with settings come back in
//! `session_settings`; the rest in `no_settings_applied`.

use serde::de::MapAccess;
use serde::{Deserialize, Serialize};

use crate::duration::SessionDuration;
use crate::method::{ArgValue, Args, Method, Output, Reconciled, Tier, UsersMethod};
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

/// One user's settings as `getSettings` reports them.
///
/// Assumption: Slack may leave out a setting that was never set for the user, so both
/// are optional.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct UserSessionSettings {
    /// The user.
    pub user_id: UserId,
    /// Whether closing the app or browser ends the user's session.
    #[serde(default)]
    pub desktop_app_browser_quit: Option<bool>,
    /// The user's session length.
    #[serde(default)]
    pub duration: Option<SessionDuration>,
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

/// What `getSettings` answers, checked against the users asked for.
///
/// Assumptions: a missing list means an empty one. Slack leaves out users with no active
/// session, so a user missing from both lists is not a failure; such users are listed
/// in `not_returned`. An entry for a user nobody asked for is dropped, with a warning.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GetSettingsOutput {
    /// Users who have settings, with them.
    pub session_settings: Vec<UserSessionSettings>,
    /// Users who have none.
    pub no_settings_applied: Vec<UserId>,
    /// Users asked for that the answer left out (Slack's answer has no such field: the
    /// client fills it in).
    pub not_returned: Vec<UserId>,
}

impl crate::method::sealed::Sealed for GetSettingsOutput {}

impl Output for GetSettingsOutput {
    fn visit_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "session_settings" => {
                self.session_settings = map.next_value::<Option<_>>()?.unwrap_or_default();
                Ok(true)
            }
            "no_settings_applied" => {
                self.no_settings_applied = map.next_value::<Option<_>>()?.unwrap_or_default();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn reconcile(&mut self, asked: &UserIds) -> Reconciled {
        let wanted: std::collections::HashSet<&str> = asked.iter().map(UserId::as_str).collect();
        let mut seen = std::collections::HashSet::with_capacity(wanted.len());
        let before = self.session_settings.len() + self.no_settings_applied.len();
        let mut keep = |u: &UserId| wanted.contains(u.as_str()) && seen.insert(u.clone());
        self.session_settings.retain(|s| keep(&s.user_id));
        self.no_settings_applied.retain(|u| keep(u));
        let dropped = before - self.session_settings.len() - self.no_settings_applied.len();
        let not_returned: Vec<UserId> = asked
            .iter()
            .filter(|u| !seen.contains(*u))
            .cloned()
            .collect();
        self.not_returned.clone_from(&not_returned);
        Reconciled {
            dropped,
            not_returned,
        }
    }
}

impl crate::method::sealed::Sealed for GetSettings {}

impl Method for GetSettings {
    const NAME: &'static str = "admin.users.session.getSettings";
    const TIER: Tier = Tier::Tier4;
    const SCOPE: &'static str = "admin.users:read";
    const IDEMPOTENT: bool = true;
    const SLOT: usize = 1;
    type Output = GetSettingsOutput;

    fn args(&self) -> Args<'_> {
        let mut args = Args::new();
        args.push("user_ids", ArgValue::Users(&self.users));
        args
    }

    fn listed_users(&self) -> Option<&UserIds> {
        Some(&self.users)
    }
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(body: &str) -> GetSettingsOutput {
        crate::decode::decode::<GetSettings, _>(http::Response::new(body.as_bytes().to_vec()))
            .unwrap()
            .output
    }

    /// Issue 9, defect 7: `get` trusted the answer.
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
}
