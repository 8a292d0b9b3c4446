//! Session policy as code: a [`Policy`] (named rules in order, each a [`Selection`] and
//! a [`Target`], and an optional default) and the [`PolicyPlan`] that compares it with
//! what users hold: who is already right, who changes from what to what, and who Slack
//! did not return. The plan is a pure function of the policy, the users each rule
//! selected, and their current settings; the clients do the reads and the apply.
//!
//! ```
//! use slack_sessions_core::policy::{Held, Policy, PolicyPlan, Step, Target};
//! use slack_sessions_core::{Selection, SessionSettings, UserId};
//!
//! let twelve_hours = SessionSettings::new().duration("12h".parse()?);
//! let policy = Policy::new()
//!     .rule("guests", Selection::new().guests(), Target::Set(twelve_hours))
//!     .default_target(Target::Clear);
//! let (ada, bob) = (UserId::new("U1")?, UserId::new("U2")?);
//! // What the resolver found: the guests, and everyone (for the default).
//! let matched = vec![vec![ada.clone()]];
//! let everyone = vec![ada.clone(), bob.clone()];
//! let plan = PolicyPlan::new(&policy, &matched, &everyone, |_| Held::NONE)?;
//! assert_eq!(plan.users[0].step, Step::Change); // ada: unset → 12h
//! assert_eq!(plan.users[1].step, Step::Keep); // bob: nothing to clear
//! assert_eq!(plan.groups().len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod plan;
mod reading;

pub use plan::{explain, ApplyGroup, Assigned, Held, PolicyPlan, RuleSummary, Step};
pub use reading::{PolicyEvent, PolicyReading, PolicyRunError};

/// What an apply did, group by group, in order, each with its target: every group's
/// report, or, for the last one run, the error that stopped it (nothing runs after).
pub type Applied = Vec<(
    Target,
    Result<
        crate::bulk::BulkReport<crate::method::Empty>,
        crate::bulk::BulkError<crate::method::Empty>,
    >,
)>;

use crate::methods::admin::users::session::SessionSettings;
use crate::resolve::Selection;

/// What a rule makes of its users' settings. Exhaustive: every apply matches on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// These settings; one left unset is left as the user holds it.
    Set(SessionSettings),
    /// No settings: back to the organisation's defaults (`clearSettings`).
    Clear,
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Clear => f.write_str("cleared"),
            Target::Set(s) => {
                let mut parts = Vec::new();
                if let Some(d) = s.duration {
                    parts.push(format!("duration {d}"));
                }
                if let Some(q) = s.desktop_app_browser_quit {
                    parts.push(format!("quit on close {q}"));
                }
                f.write_str(&parts.join(", "))
            }
        }
    }
}

/// One named rule: whom it selects, and what they get.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rule {
    /// Its name, unique in the policy.
    pub name: String,
    /// Whom it selects.
    pub selection: Selection,
    /// What they get.
    pub target: Target,
}

/// Why a policy cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Two rules have one name.
    #[error("two rules are named {0:?}")]
    DuplicateName(String),
    /// A rule selects nobody: no user, email, group or kind of user.
    #[error("rule {0:?} selects nobody: name users, emails, a user group or a kind of user")]
    NoSelector(String),
    /// A rule (or the default) sets nothing.
    #[error("rule {0:?} sets nothing: give a duration and/or quit_on_close, or clear")]
    NoSettings(String),
    /// The users each rule selected do not match the rules.
    #[error("{rules} rules, but users for {given}")]
    Mismatch {
        /// Rules in the policy.
        rules: usize,
        /// Sets of users given.
        given: usize,
    },
}

/// A session policy: rules in order (the first that selects a user decides for them),
/// and what everyone else gets, if anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    rules: Vec<Rule>,
    default: Option<Target>,
    /// Whom the default leaves alone: exceptions by ID or email.
    default_except: Selection,
}

impl Policy {
    /// No rules, no default.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a rule after the others.
    pub fn rule(mut self, name: impl Into<String>, selection: Selection, target: Target) -> Self {
        self.rules.push(Rule {
            name: name.into(),
            selection,
            target,
        });
        self
    }

    /// What every active user no rule selects gets. Without it, they are left alone.
    pub fn default_target(mut self, target: Target) -> Self {
        self.default = Some(target);
        self
    }

    /// Leaves these users out of the default: they keep what they hold (the primary
    /// owner, say). Exceptions by ID and by email, matched as a rule's are.
    pub fn default_except(
        mut self,
        ids: impl IntoIterator<Item = crate::user::UserId>,
        emails: impl IntoIterator<Item = crate::email::Email>,
    ) -> Self {
        self.default_except = std::mem::take(&mut self.default_except)
            .except_ids(ids)
            .except_emails(emails);
        self
    }

    /// Whom the default covers: every active user, less its exceptions.
    pub fn default_selection(&self) -> Selection {
        let mut s = self.default_except.clone();
        s.everyone = true;
        s
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// What users no rule selects get, if anything.
    pub fn default_for_others(&self) -> Option<&Target> {
        self.default.as_ref()
    }

    /// Checks what a plan needs: unique names, a selector and settings for every rule,
    /// settings for the default.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let mut names = std::collections::HashSet::new();
        for r in &self.rules {
            if !names.insert(r.name.as_str()) {
                return Err(PolicyError::DuplicateName(r.name.clone()));
            }
            if r.selection.is_empty() {
                return Err(PolicyError::NoSelector(r.name.clone()));
            }
            if matches!(r.target, Target::Set(s) if s.is_empty()) {
                return Err(PolicyError::NoSettings(r.name.clone()));
            }
        }
        if matches!(self.default, Some(Target::Set(s)) if s.is_empty()) {
            return Err(PolicyError::NoSettings("default".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
