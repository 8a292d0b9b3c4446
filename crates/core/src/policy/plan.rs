//! [`PolicyPlan`]: each user's rule, what they hold, and whether that changes; the
//! changes grouped into as few bulk calls as their targets allow.

use std::collections::HashSet;

use super::{Policy, PolicyError, Target};
use crate::duration::HeldDuration;
use crate::methods::admin::users::session::GetSettingsOutput;
use crate::user::UserId;

/// What a user holds now, as getSettings said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Held {
    /// These settings; both `None` when the user has none.
    Settings {
        /// The session length.
        duration: Option<HeldDuration>,
        /// Whether closing the app or browser ends the session.
        quit_on_close: Option<bool>,
    },
    /// Slack left the user out of its answer (no active session): their settings are
    /// not known.
    NotReturned,
}

impl Held {
    /// No settings.
    pub const NONE: Held = Held::Settings {
        duration: None,
        quit_on_close: None,
    };

    /// What each user of a getSettings answer holds: those with settings, those with
    /// none, and those left out. A user in none of its lists is not in the result.
    pub fn from_answer(out: &GetSettingsOutput) -> std::collections::HashMap<UserId, Held> {
        let mut m = std::collections::HashMap::with_capacity(
            out.session_settings.len() + out.no_settings_applied.len() + out.not_returned.len(),
        );
        for s in &out.session_settings {
            m.insert(
                s.user_id.clone(),
                Held::Settings {
                    duration: s.duration,
                    quit_on_close: s.desktop_app_browser_quit,
                },
            );
        }
        for u in &out.no_settings_applied {
            m.insert(u.clone(), Held::NONE);
        }
        for u in &out.not_returned {
            m.insert(u.clone(), Held::NotReturned);
        }
        m
    }

    /// Whether holding this already meets `target`; `None` when it is not known.
    pub fn meets(&self, target: &Target) -> Option<bool> {
        let Held::Settings {
            duration,
            quit_on_close,
        } = *self
        else {
            return None;
        };
        Some(match target {
            Target::Clear => duration.is_none() && quit_on_close.is_none(),
            Target::Set(s) => {
                let d = s
                    .duration
                    .is_none_or(|want| duration == Some(HeldDuration::from(want)));
                let q = s
                    .desktop_app_browser_quit
                    .is_none_or(|want| quit_on_close == Some(want));
                d && q
            }
        })
    }
}

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Held::NotReturned => f.write_str("unknown (no active session)"),
            Held::Settings {
                duration: None,
                quit_on_close: None,
            } => f.write_str("no settings"),
            Held::Settings {
                duration,
                quit_on_close,
            } => write!(
                f,
                "duration {}, quit on close {}",
                duration.map_or("unset".into(), |d| d.to_string()),
                quit_on_close.map_or("unset".into(), |q| q.to_string())
            ),
        }
    }
}

/// What the plan does for a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Step {
    /// Already right: nothing is sent.
    Keep,
    /// Changes: sent.
    Change,
    /// Not returned by Slack, so not known: sent anyway (every call is idempotent), and
    /// marked.
    Unknown,
}

/// One user of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Assigned {
    /// The user.
    pub user_id: UserId,
    /// The rule that decided (its index), or the default (the number of rules).
    pub rule: u16,
    /// What they hold.
    pub held: Held,
    /// What the plan does.
    pub step: Step,
}

/// The users an apply sends with one target.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApplyGroup {
    /// What they get: one bulk setSettings, or one bulk clearSettings.
    pub target: Target,
    /// Whom.
    pub users: Vec<UserId>,
}

/// One rule's share of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuleSummary {
    /// Its name (`default` for the default).
    pub name: String,
    /// What it sets.
    pub target: Target,
    /// Users already right.
    pub keep: usize,
    /// Users that change.
    pub change: usize,
    /// Users Slack did not return.
    pub unknown: usize,
}

/// A policy compared with what users hold.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyPlan {
    /// The rules' names, then `default`.
    pub names: Vec<String>,
    /// The rules' targets, then the default's (if any).
    pub targets: Vec<Target>,
    /// Every user concerned, each once: rule by rule, in the order each rule found them,
    /// then the default's.
    pub users: Vec<Assigned>,
}

impl PolicyPlan {
    /// The plan of `policy`, given the users each rule selected (`matched`, one list a
    /// rule, in order), every active user (`everyone`: read only with a default), and
    /// what a user holds (`held`). The first rule that selects a user decides for them.
    pub fn new(
        policy: &Policy,
        matched: &[Vec<UserId>],
        everyone: &[UserId],
        held: impl Fn(&UserId) -> Held,
    ) -> Result<PolicyPlan, PolicyError> {
        policy.validate()?;
        let rules = policy.rules();
        if matched.len() != rules.len() {
            return Err(PolicyError::Mismatch {
                rules: rules.len(),
                given: matched.len(),
            });
        }
        let mut names: Vec<String> = rules.iter().map(|r| r.name.clone()).collect();
        let mut targets: Vec<Target> = rules.iter().map(|r| r.target).collect();
        names.push("default".into());
        let mut seen: HashSet<&UserId> = HashSet::new();
        let mut users = Vec::new();
        let mut assign = |user: &UserId, rule: usize, target: &Target| {
            let h = held(user);
            let step = match h.meets(target) {
                None => Step::Unknown,
                Some(true) => Step::Keep,
                Some(false) => Step::Change,
            };
            users.push(Assigned {
                user_id: user.clone(),
                rule: u16::try_from(rule).unwrap_or(u16::MAX),
                held: h,
                step,
            });
        };
        for (i, (rule, found)) in rules.iter().zip(matched).enumerate() {
            for u in found {
                if seen.insert(u) {
                    assign(u, i, &rule.target);
                }
            }
        }
        if let Some(d) = policy.default_for_others() {
            targets.push(*d);
            for u in everyone {
                if seen.insert(u) {
                    assign(u, rules.len(), d);
                }
            }
        }
        Ok(PolicyPlan {
            names,
            targets,
            users,
        })
    }

    /// The target of rule `rule` (the default's for the number of rules).
    pub fn target(&self, rule: u16) -> Option<&Target> {
        self.targets.get(usize::from(rule))
    }

    /// The name of rule `rule`.
    pub fn name(&self, rule: u16) -> &str {
        self.names
            .get(usize::from(rule))
            .map_or("?", String::as_str)
    }

    /// Users that change.
    pub fn changes(&self) -> usize {
        self.users.iter().filter(|u| u.step == Step::Change).count()
    }

    /// Users Slack did not return, sent anyway.
    pub fn unknown(&self) -> usize {
        self.users
            .iter()
            .filter(|u| u.step == Step::Unknown)
            .count()
    }

    /// Users the apply sends: those that change, and those not returned.
    pub fn to_send(&self) -> usize {
        self.users.iter().filter(|u| u.step != Step::Keep).count()
    }

    /// Each rule's counts, then the default's (when there is one).
    pub fn summary(&self) -> Vec<RuleSummary> {
        let mut out: Vec<RuleSummary> = self
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| RuleSummary {
                name: self.names.get(i).cloned().unwrap_or_default(),
                target: *t,
                keep: 0,
                change: 0,
                unknown: 0,
            })
            .collect();
        for u in &self.users {
            if let Some(s) = out.get_mut(usize::from(u.rule)) {
                match u.step {
                    Step::Keep => s.keep += 1,
                    Step::Change => s.change += 1,
                    Step::Unknown => s.unknown += 1,
                }
            }
        }
        out
    }

    /// The apply's calls: the users to send, grouped by equal targets (one bulk
    /// setSettings for each distinct setting, one clearSettings), in the order the
    /// targets first appear.
    pub fn groups(&self) -> Vec<ApplyGroup> {
        let mut groups: Vec<ApplyGroup> = Vec::new();
        for u in self.users.iter().filter(|u| u.step != Step::Keep) {
            let Some(target) = self.target(u.rule) else {
                continue;
            };
            match groups.iter_mut().find(|g| g.target == *target) {
                Some(g) => g.users.push(u.user_id.clone()),
                None => groups.push(ApplyGroup {
                    target: *target,
                    users: vec![u.user_id.clone()],
                }),
            }
        }
        groups
    }
}

/// Every rule (by index) that selected `user`, in order: the first decided, the others
/// would have, had it not.
pub fn explain(matched: &[Vec<UserId>], user: &UserId) -> Vec<usize> {
    matched
        .iter()
        .enumerate()
        .filter(|(_, found)| found.contains(user))
        .map(|(i, _)| i)
        .collect()
}
