//! [`RestorePlan`]: the requests that bring users back to the settings a snapshot holds.

use std::collections::BTreeMap;

use crate::duration::SessionDuration;
use crate::methods::admin::users::session::{SessionSettings, UserSessionSettings};
use crate::user::UserId;

/// How to bring users back to a snapshot of their settings, as bulk runs: first
/// clearSettings for `clear`, then one setSettings per group.
///
/// A user who had no settings is cleared. A user who had both settings is set to them.
/// A user who had only one of the two is cleared first, then set to that one, because a
/// setSettings leaves the setting it does not name as it was. A user named twice keeps
/// the first entry.
///
/// ```
/// use slack_sessions_core::{HeldDuration, RestorePlan, UserId, UserSessionSettings};
///
/// let had = |u: &str, d: Option<i64>, q: Option<bool>| {
///     let mut s = UserSessionSettings::new(UserId::new(u).unwrap());
///     s.duration = d.map(HeldDuration::from_secs);
///     s.desktop_app_browser_quit = q;
///     s
/// };
/// let plan = RestorePlan::new(
///     &[had("U1", Some(28_800), Some(true)), had("U2", Some(28_800), Some(true)), had("U3", Some(28_800), None)],
///     &[UserId::new("U4").unwrap()],
/// );
/// assert_eq!(plan.clear.len(), 2); // U4 (none) and U3 (only a duration)
/// assert_eq!(plan.groups.len(), 2); // {8h, true}: U1, U2; {8h}: U3
/// assert_eq!(plan.requests(), 3);
/// // A duration Slack holds but would refuse to be written back is named, and that user
/// // left out; everyone else is restored.
/// let plan = RestorePlan::new(&[had("U5", Some(180), None), had("U6", Some(28_800), Some(true))], &[]);
/// assert_eq!(plan.refused[0].to_string(), "cannot restore U5: duration of 180 seconds is below the minimum of 28800 (8h)");
/// assert_eq!(plan.groups[0].users[0].as_str(), "U6");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RestorePlan {
    /// Users to clear first: those who had no settings, and those who had one of two.
    pub clear: Vec<UserId>,
    /// Users who share exactly the same settings, one setSettings bulk run each, in a
    /// fixed order (by duration, then by the quit setting).
    pub groups: Vec<RestoreGroup>,
    /// Users who held a setting Slack would not take back (a duration outside 8 h–10 y):
    /// left out of every request, each named with why.
    pub refused: Vec<RestoreRefusal>,
}

/// A snapshot that cannot be restored: a user held a setting Slack would not take back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("cannot restore {user_id}: {reason}")]
pub struct RestoreRefusal {
    /// The user.
    pub user_id: UserId,
    /// Why the setting cannot be written.
    pub reason: crate::duration::InvalidDuration,
}

/// Users to set to the same settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RestoreGroup {
    /// The settings.
    pub settings: SessionSettings,
    /// The users, in snapshot order.
    pub users: Vec<UserId>,
}

impl RestorePlan {
    /// The plan for users who had `settings`, and for users who had none. A user who
    /// held a setting that Slack would not take back (a duration outside 8 h–10 y) is
    /// left out, in [`refused`](Self::refused); everyone else is restored.
    pub fn new(settings: &[UserSessionSettings], none: &[UserId]) -> RestorePlan {
        let mut seen = std::collections::HashSet::new();
        let mut plan = RestorePlan::default();
        let mut groups: BTreeMap<(Option<SessionDuration>, Option<bool>), Vec<UserId>> =
            BTreeMap::new();
        for s in settings {
            if !seen.insert(s.user_id.clone()) {
                continue;
            }
            let duration = match s.duration.map(SessionDuration::try_from).transpose() {
                Ok(d) => d,
                Err(reason) => {
                    plan.refused.push(RestoreRefusal {
                        user_id: s.user_id.clone(),
                        reason,
                    });
                    continue;
                }
            };
            match (duration, s.desktop_app_browser_quit) {
                (None, None) => plan.clear.push(s.user_id.clone()),
                (Some(_), Some(_)) => {}
                _ => plan.clear.push(s.user_id.clone()),
            }
            if duration.is_some() || s.desktop_app_browser_quit.is_some() {
                groups
                    .entry((duration, s.desktop_app_browser_quit))
                    .or_default()
                    .push(s.user_id.clone());
            }
        }
        for u in none {
            if seen.insert(u.clone()) {
                plan.clear.push(u.clone());
            }
        }
        plan.groups = groups
            .into_iter()
            .map(|((duration, quit), users)| {
                let mut settings = SessionSettings::new();
                settings.duration = duration;
                settings.desktop_app_browser_quit = quit;
                RestoreGroup { settings, users }
            })
            .collect();
        plan
    }

    /// Requests the plan takes when nothing fails: 1,000 users a request, per run.
    pub fn requests(&self) -> usize {
        let per = |n: usize| n.div_ceil(crate::user::MAX_USERS_PER_CALL);
        per(self.clear.len())
            + self
                .groups
                .iter()
                .map(|g| per(g.users.len()))
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn had(u: &str, d: Option<i64>, q: Option<bool>) -> UserSessionSettings {
        let mut s = UserSessionSettings::new(UserId::new(u).unwrap());
        s.duration = d.map(crate::HeldDuration::from_secs);
        s.desktop_app_browser_quit = q;
        s
    }

    #[test]
    fn groups_by_exact_settings_and_clears_partial_users_first() {
        let plan = RestorePlan::new(
            &[
                had("U1", Some(28_800), Some(true)),
                had("U2", Some(86_400), Some(true)),
                had("U3", Some(28_800), Some(true)),
                had("U4", None, Some(false)),
                had("U5", Some(28_800), None),
                had("U6", None, None),
                had("U1", Some(86_400), Some(false)), // a second entry is ignored
            ],
            &[UserId::new("U7").unwrap(), UserId::new("U3").unwrap()],
        );
        let ids = |v: &[UserId]| v.iter().map(|u| u.as_str().to_owned()).collect::<Vec<_>>();
        assert_eq!(ids(&plan.clear), ["U4", "U5", "U6", "U7"]);
        let groups: Vec<(Option<u64>, Option<bool>, Vec<String>)> = plan
            .groups
            .iter()
            .map(|g| {
                (
                    g.settings.duration.map(|d| d.as_secs()),
                    g.settings.desktop_app_browser_quit,
                    ids(&g.users),
                )
            })
            .collect();
        assert_eq!(
            groups,
            [
                (None, Some(false), vec!["U4".to_owned()]),
                (Some(28_800), None, vec!["U5".to_owned()]),
                (
                    Some(28_800),
                    Some(true),
                    vec!["U1".to_owned(), "U3".to_owned()]
                ),
                (Some(86_400), Some(true), vec!["U2".to_owned()]),
            ]
        );
        assert_eq!(plan.requests(), 5);
        assert!(plan.refused.is_empty());
    }

    #[test]
    fn a_setting_slack_would_refuse_leaves_out_only_its_user() {
        let plan = RestorePlan::new(
            &[
                had("U1", Some(180), Some(true)),
                had("U2", Some(28_800), Some(true)),
                had("U3", Some(999_999_999_999), None),
            ],
            &[UserId::new("U4").unwrap()],
        );
        let refused: Vec<&str> = plan.refused.iter().map(|r| r.user_id.as_str()).collect();
        assert_eq!(refused, ["U1", "U3"]);
        assert_eq!(plan.clear, [UserId::new("U4").unwrap()]);
        assert_eq!(plan.groups.len(), 1);
        assert_eq!(plan.groups[0].users, [UserId::new("U2").unwrap()]);
    }
}
