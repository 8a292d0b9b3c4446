//! Snapshots: the JSON report of `get --json` (or of `set --snapshot`), read back by
//! `restore`.
//!
//! The fields `restore` reads (the rest of the report is ignored):
//!
//! ```text
//! {"schema_version": 2,
//!  "method": "admin.users.session.getSettings",
//!  "settings": [{"user_id": "U…", "duration": 43200 | null, "desktop_app_browser_quit": true | null}, …],
//!  "no_settings_applied": ["U…", …],
//!  "not_returned": ["U…", …]}
//! ```
//!
//! Users in `not_returned` had no active session, so Slack did not say what their
//! settings were; a restore leaves them alone, and says how many there were.

use std::path::Path;

use serde::Deserialize;
use slack_sessions_core::{
    GetSettings, Method, RestorePlan, SessionDuration, UserId, UserSessionSettings,
};

/// The newest report shape a snapshot may have.
const NEWEST: u32 = crate::report::SCHEMA_VERSION;

#[derive(Deserialize)]
struct File {
    schema_version: u32,
    method: String,
    #[serde(default)]
    settings: Vec<Entry>,
    #[serde(default)]
    no_settings_applied: Vec<String>,
    #[serde(default)]
    not_returned: Vec<String>,
}

#[derive(Deserialize)]
struct Entry {
    user_id: String,
    duration: Option<u64>,
    desktop_app_browser_quit: Option<bool>,
}

/// A snapshot, read and checked.
#[derive(Debug)]
pub struct Snapshot {
    /// Users who had settings.
    pub settings: Vec<UserSessionSettings>,
    /// Users who had none.
    pub none: Vec<UserId>,
    /// Users whose settings Slack did not report (no active session).
    pub unknown: usize,
}

impl Snapshot {
    /// Reads `path`; every problem is one line that names the file.
    pub fn read(path: &Path) -> Result<Snapshot, String> {
        let name = path.display();
        let text = std::fs::read(path).map_err(|e| format!("cannot read snapshot {name}: {e}"))?;
        let f: File = serde_json::from_slice(&text)
            .map_err(|e| format!("{name} is not a snapshot (the JSON of get --json): {e}"))?;
        if f.method != GetSettings::NAME {
            return Err(format!(
                "{name} is the report of {}, not a snapshot (the JSON of get --json)",
                f.method
            ));
        }
        if f.schema_version == 0 || f.schema_version > NEWEST {
            return Err(format!(
                "{name}: schema_version {} is not one this tool reads (1 to {NEWEST})",
                f.schema_version
            ));
        }
        let user = |u: &str| UserId::new(u).map_err(|e| format!("{name}: user {u:?}: {e}"));
        let mut settings = Vec::with_capacity(f.settings.len());
        for e in &f.settings {
            let mut s = UserSessionSettings::new(user(&e.user_id)?);
            s.desktop_app_browser_quit = e.desktop_app_browser_quit;
            s.duration = e
                .duration
                .map(SessionDuration::from_secs)
                .transpose()
                .map_err(|x| format!("{name}: user {}: {x}", e.user_id))?;
            settings.push(s);
        }
        let none = f
            .no_settings_applied
            .iter()
            .map(|u| user(u))
            .collect::<Result<_, _>>()?;
        Ok(Snapshot {
            settings,
            none,
            unknown: f.not_returned.len(),
        })
    }

    /// The requests that bring the users back to this snapshot.
    pub fn plan(&self) -> RestorePlan {
        RestorePlan::new(&self.settings, &self.none)
    }
}
