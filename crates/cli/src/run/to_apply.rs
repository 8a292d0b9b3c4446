//! [`ToApply`]: the steps an apply sends, from a fresh plan or from a saved plan
//! re-derived against the policy as planned now, with what each user held (for the
//! snapshot) and whom the apply leaves out.

use std::collections::HashMap;
use std::path::Path;

use slack_sessions_core::policy::{Held, PolicyReading, Step as PlanStep, Target};
use slack_sessions_core::UserId;

use super::op::Op;
use super::steps::{LeftOut, Step};
use crate::fail::{usage, Fail};
use crate::saved_plan::SavedPlan;

/// The users an apply sends, in steps, and what each held (for the snapshot).
pub(super) struct ToApply {
    /// What the journal names: `policy=PATH` or `plan=PATH`.
    pub(super) source: String,
    pub(super) steps: Vec<Step>,
    pub(super) held: HashMap<UserId, Held>,
    pub(super) changes: usize,
    pub(super) unknown: usize,
    /// Users the apply leaves out, with why (settings a snapshot could not undo).
    pub(super) left_out: Vec<LeftOut>,
    /// Users outside a saved plan that the policy would now change.
    pub(super) outside_plan: usize,
}

impl ToApply {
    /// Users sent.
    pub(super) fn sending(&self) -> usize {
        self.steps.iter().map(|s| s.users.len()).sum()
    }

    /// Groups `users` (each with its step's op) into one step per op, in first-seen
    /// order.
    fn push(&mut self, op: Op, user: String) {
        match self.steps.iter_mut().find(|s| s.op == op) {
            Some(s) => s.users.push(user),
            None => self.steps.push(Step {
                op,
                users: vec![user],
            }),
        }
    }

    /// Leaves out, unless `force`, the users whose current settings a snapshot could
    /// not write back (a duration Slack reports but will not take, such as 180 s): once
    /// changed, nothing could undo it.
    pub(super) fn leave_out_unrestorable(&mut self, force: bool) {
        if force {
            return;
        }
        let held = &self.held;
        let mut left_out = Vec::new();
        for s in &mut self.steps {
            s.users.retain(|u| {
                let why = UserId::new(u)
                    .ok()
                    .and_then(|id| held.get(&id).copied())
                    .and_then(crate::snapshot::unrestorable);
                match why {
                    Some(detail) => {
                        left_out.push(LeftOut {
                            user_id: u.clone(),
                            reason: "not_restorable",
                            detail,
                        });
                        false
                    }
                    None => true,
                }
            });
        }
        self.steps.retain(|s| !s.users.is_empty());
        self.left_out.extend(left_out);
    }
}

/// The steps of a fresh plan.
pub(super) fn from_plan(policy: &Path, r: &PolicyReading) -> ToApply {
    let plan = &r.plan;
    let mut to = ToApply {
        source: format!("policy={}", policy.display()),
        steps: Vec::new(),
        held: plan
            .users
            .iter()
            .filter(|u| u.step != PlanStep::Keep)
            .map(|u| (u.user_id.clone(), u.held))
            .collect(),
        changes: plan.changes(),
        unknown: plan.unknown(),
        left_out: Vec::new(),
        outside_plan: 0,
    };
    for group in plan.groups() {
        to.steps.push(Step {
            op: op_of(group.target),
            users: group.users.iter().map(ToString::to_string).collect(),
        });
    }
    to
}

/// The target an op gives, for messages.
fn target_of(op: Op) -> Target {
    match op {
        Op::Set(s) => Target::Set(s),
        _ => Target::Clear,
    }
}

fn op_of(t: Target) -> Op {
    match t {
        Target::Set(s) => Op::Set(s),
        Target::Clear => Op::Clear,
    }
}

/// The steps of a saved plan, each change re-derived from the policy as planned now:
/// only what the policy still asks for is applied, and a plan that asks for anything
/// else (a user the policy does not select, another target) is refused, as is one whose
/// users hold other settings than when it was made, unless `done` (the journal of an
/// earlier run of this plan) shows them applied.
pub(super) fn reconcile(
    path: &Path,
    saved: &SavedPlan,
    fresh: &PolicyReading,
    done: Option<&crate::journal::Record>,
) -> Result<ToApply, Fail> {
    let plan = &fresh.plan;
    let by_id: HashMap<&UserId, &slack_sessions_core::policy::Assigned> =
        plan.users.iter().map(|u| (&u.user_id, u)).collect();
    let refuse = |what: String| {
        usage(format!(
            "--plan {}: {what}; nothing was changed: plan again",
            path.display()
        ))
    };
    let mut to = ToApply {
        source: format!("plan={}", path.display()),
        steps: Vec::new(),
        held: HashMap::new(),
        changes: 0,
        unknown: 0,
        left_out: Vec::new(),
        outside_plan: 0,
    };
    let mut drifted = Vec::new();
    let mut in_plan = std::collections::HashSet::new();
    for u in &saved.users {
        let id = UserId::new(&u.user_id)
            .map_err(|e| refuse(format!("user {:?}: {e}", crate::users::echo(&u.user_id))))?;
        let op =
            u.to.target()
                .map(op_of)
                .map_err(|e| refuse(format!("user {id}: {e}")))?;
        in_plan.insert(id.clone());
        if done.is_some_and(|d| d.applied.contains(u.user_id.as_str())) {
            continue;
        }
        let Some(now) = by_id.get(&id) else {
            return Err(refuse(format!(
                "it changes {id}, whom the policy does not select"
            )));
        };
        let wanted = plan.target(now.rule).copied().map(op_of);
        if wanted != Some(op) {
            return Err(refuse(format!(
                "it gives {id} {}, but the policy gives them {}",
                target_of(op),
                plan.target(now.rule)
                    .map_or("nothing".into(), ToString::to_string)
            )));
        }
        let was = u.from.held();
        if now.held != was {
            drifted.push(format!("{id} (planned from {was}, now {})", now.held));
            continue;
        }
        if now.step == PlanStep::Keep {
            continue;
        }
        match now.step {
            PlanStep::Unknown => to.unknown += 1,
            _ => to.changes += 1,
        }
        to.held.insert(id, now.held);
        to.push(op, u.user_id.clone());
    }
    if !drifted.is_empty() {
        let shown: Vec<&str> = drifted.iter().take(10).map(String::as_str).collect();
        let more = match drifted.len() {
            n if n > 10 => format!(", … {} more", n - 10),
            _ => String::new(),
        };
        return Err(usage(format!(
            "{} users changed since the plan was made: {}{more}; nothing was changed: plan again",
            drifted.len(),
            shown.join(", ")
        )));
    }
    to.outside_plan = plan
        .users
        .iter()
        .filter(|u| u.step != PlanStep::Keep && !in_plan.contains(&u.user_id))
        .count();
    Ok(to)
}
