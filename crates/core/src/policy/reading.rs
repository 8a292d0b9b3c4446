//! What the clients share when they plan a policy: the events they report, the errors
//! that stop a plan, and the assembly of what they read into a [`PolicyPlan`].

use std::collections::HashSet;

use super::{Held, Policy, PolicyError, PolicyPlan};
use crate::bulk::{BulkReport, Progress};
use crate::error::InvalidInput;
use crate::methods::admin::users::session::GetSettingsOutput;
use crate::resolve::{Resolution, ResolvePlan, ResolveStop, Selection};
use crate::user::UserId;

/// What a client planning a policy is doing, for a progress display.
#[derive(Debug)]
#[non_exhaustive]
pub enum PolicyEvent<'a> {
    /// About to resolve a rule (`default`: everyone, for the default) by this plan.
    Resolving(&'a str, &'a ResolvePlan),
    /// A rule resolved.
    Resolved(&'a str, &'a Resolution),
    /// Reading the current settings of the users concerned.
    Reading(Progress),
}

/// Why a policy could not be planned. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyRunError {
    /// The policy itself.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A rule's selection is not usable.
    #[error("rule {rule:?}: {error}")]
    Selection {
        /// The rule.
        rule: String,
        /// Why.
        error: InvalidInput,
    },
    /// Resolving a rule stopped (an error, or a cancel).
    #[error("rule {rule:?}: {stop}")]
    Resolve {
        /// The rule (`default` for the default's everyone).
        rule: String,
        /// Why and where.
        stop: ResolveStop,
    },
    /// The current settings of every user concerned could not be read: the report of
    /// that read says who and why.
    #[error("reading the current settings failed: {} of {} read", .0.applied.len(), .0.requested)]
    Read(Box<BulkReport<()>>),
}

/// A planned policy, with what the plan was made from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PolicyReading {
    /// The plan.
    pub plan: PolicyPlan,
    /// Each rule's resolution, in order, then (with a default) everyone's.
    pub resolutions: Vec<Resolution>,
    /// Users whose settings Slack refused to read (an ID no user has, a bot): left out
    /// of the plan, never sent, each with Slack's code.
    pub refused: Vec<(UserId, String)>,
    /// What Slack said besides its answers, each once, as `method: warning`: the
    /// resolutions' and the read's.
    pub warnings: Vec<String>,
}

impl PolicyReading {
    /// A reading of `plan`, made from `resolutions` (as [`selections`](Self::selections)
    /// orders them), with no user refused: for a plan made without the clients.
    pub fn new(plan: PolicyPlan, resolutions: Vec<Resolution>) -> Self {
        PolicyReading {
            plan,
            resolutions,
            refused: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// What to resolve, in order: each rule's selection, then (with a default) every
    /// active user's, each with its name.
    pub fn selections(policy: &Policy) -> Vec<(String, Selection)> {
        let mut v: Vec<(String, Selection)> = policy
            .rules()
            .iter()
            .map(|r| (r.name.clone(), r.selection.clone()))
            .collect();
        if policy.default_for_others().is_some() {
            v.push(("default".into(), policy.default_selection()));
        }
        v
    }

    /// The users whose settings to read: everyone the resolutions found, each once.
    pub fn users_to_read(resolutions: &[Resolution]) -> Vec<UserId> {
        let mut seen = HashSet::new();
        resolutions
            .iter()
            .flat_map(|r| r.users.iter())
            .filter(|u| seen.insert(&u.user_id))
            .map(|u| u.user_id.clone())
            .collect()
    }

    /// The plan, from the resolutions (as [`selections`](Self::selections) ordered
    /// them) and the report of the read. A read that did not settle every user refuses
    /// the plan: it would be made from settings nobody read.
    pub fn assemble(
        policy: &Policy,
        resolutions: Vec<Resolution>,
        read: BulkReport<GetSettingsOutput>,
    ) -> Result<PolicyReading, PolicyRunError> {
        // Slack refusing one user (`user_not_found`, `bots_not_allowed`) leaves that user
        // out of the plan, named; anything else unread refuses the plan.
        let whole = read.stopped_by.is_none()
            && !read.cancelled
            && read.failed.iter().all(|f| f.error.is_refusal())
            && read.not_attempted.is_empty()
            && read.invalid.is_empty()
            && read.output.malformed.is_empty();
        if !whole {
            return Err(PolicyRunError::Read(Box::new(read.map_output(drop))));
        }
        let refused: Vec<(UserId, String)> = read
            .failed
            .iter()
            .map(|f| (f.user_id.clone(), f.code().into_owned()))
            .collect();
        let left_out: HashSet<&UserId> = refused.iter().map(|(u, _)| u).collect();
        let held = Held::from_answer(&read.output);
        let ids = |r: &Resolution| {
            r.users
                .iter()
                .filter(|u| !left_out.contains(&u.user_id))
                .map(|u| u.user_id.clone())
                .collect()
        };
        let rules = policy.rules().len();
        let matched: Vec<Vec<UserId>> = resolutions.iter().take(rules).map(ids).collect();
        let everyone: Vec<UserId> = resolutions.get(rules).map(ids).unwrap_or_default();
        // A user the read settled but whose entry is in none of the answer's lists was
        // left out of it: not known.
        let plan = PolicyPlan::new(policy, &matched, &everyone, |u| {
            held.get(u).copied().unwrap_or(Held::NotReturned)
        })?;
        let mut warnings: Vec<String> = Vec::new();
        let said = resolutions
            .iter()
            .flat_map(|r| r.warnings.iter().map(|(m, w)| format!("{m}: {w}")))
            .chain(read.warnings.iter().map(|w| {
                format!(
                    "{}: {w}",
                    <crate::GetSettings as crate::method::Method>::NAME
                )
            }));
        for w in said {
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
        Ok(PolicyReading {
            plan,
            resolutions,
            refused,
            warnings,
        })
    }
}
