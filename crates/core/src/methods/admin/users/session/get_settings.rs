//! `POST /api/admin.users.session.getSettings`
//!
//! Tier 4 · scope `admin.users:read` · idempotent.
//!
//! Reads the session settings of up to 1,000 users. Users with settings come back in
//! `session_settings`; the rest in `no_settings_applied`.

use serde::de::MapAccess;
use serde::{Deserialize, Serialize};

use crate::duration::SessionDuration;
use crate::method::{Arg, ArgValue, Method, Output, Tier, UsersMethod};
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

/// What `getSettings` answers.
///
/// Assumption: a missing list means an empty one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GetSettingsOutput {
    /// Users who have settings, with them.
    pub session_settings: Vec<UserSessionSettings>,
    /// Users who have none.
    pub no_settings_applied: Vec<UserId>,
}

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
}

impl Method for GetSettings {
    const NAME: &'static str = "admin.users.session.getSettings";
    const TIER: Tier = Tier::Tier4;
    const SCOPE: &'static str = "admin.users:read";
    const IDEMPOTENT: bool = true;
    type Output = GetSettingsOutput;

    fn args(&self) -> Vec<Arg<'_>> {
        vec![Arg {
            name: "user_ids",
            value: ArgValue::Users(&self.users),
        }]
    }
}

impl UsersMethod for GetSettings {
    type Params = ();
    fn for_users(users: UserIds, _: &()) -> Self {
        GetSettings { users }
    }
    fn users(&self) -> &UserIds {
        &self.users
    }
    fn into_users(self) -> UserIds {
        self.users
    }
    fn merge_output(total: &mut GetSettingsOutput, part: GetSettingsOutput) {
        total.session_settings.extend(part.session_settings);
        total.no_settings_applied.extend(part.no_settings_applied);
    }
}
