//! Planning a session policy, as a future: each rule resolved, the current settings
//! read, the plan assembled by the core.

use slack_sessions_core::policy::{
    Applied, Policy, PolicyEvent, PolicyPlan, PolicyReading, PolicyRunError, Target,
};
use slack_sessions_core::sansio::Resolver;
use slack_sessions_core::{BulkRun, CancelToken, Progress};

use super::AsyncClient;
use crate::transport::AsyncTransport;

impl<T: AsyncTransport> AsyncClient<T> {
    /// Plans `policy`: resolves each rule (and, with a default, everyone), reads the
    /// current settings of every user concerned (getSettings in bulk), and compares. Only
    /// reads: nothing is changed. `on` hears each step; a cancel stops at the next call.
    /// Apply the plan with one bulk call per [`groups`](slack_sessions_core::policy::PolicyPlan::groups)
    /// entry.
    pub async fn plan_policy(
        &self,
        policy: &Policy,
        cancel: &CancelToken,
        mut on: impl FnMut(PolicyEvent<'_>),
    ) -> Result<PolicyReading, PolicyRunError> {
        policy.validate()?;
        let mut resolutions = Vec::new();
        for (rule, selection) in PolicyReading::selections(policy) {
            let resolver = Resolver::new(selection).map_err(|error| PolicyRunError::Selection {
                rule: rule.clone(),
                error,
            })?;
            on(PolicyEvent::Resolving(&rule, resolver.plan()));
            let r = self
                .resolve(resolver, cancel, |_| {})
                .await
                .map_err(|stop| PolicyRunError::Resolve {
                    rule: rule.clone(),
                    stop,
                })?;
            on(PolicyEvent::Resolved(&rule, &r));
            resolutions.push(r);
        }
        let users = PolicyReading::users_to_read(&resolutions);
        let run = BulkRun::default().with_cancel_token(cancel.clone());
        let read = self
            .get_settings_bulk(users.iter().map(|u| u.as_str()), run, |p| {
                on(PolicyEvent::Reading(p))
            })
            .await
            .or_else(|e| e.into_report())
            .map_err(|_| PolicyRunError::Read(Box::default()))?;
        PolicyReading::assemble(policy, resolutions, read)
    }

    /// Applies `plan`: one bulk setSettings per group of equal settings and one bulk
    /// clearSettings ([`PolicyPlan::groups`]), in order, each run with `run` (its cancel
    /// token and observers). Stops after the first group that stops or is cancelled:
    /// its error is the last entry. Take a snapshot of the users first
    /// (their `held` settings are in the plan) if the apply is to be undone.
    pub async fn apply_plan(
        &self,
        plan: &PolicyPlan,
        run: BulkRun,
        mut progress: impl FnMut(&Target, Progress),
    ) -> Applied {
        let mut done = Vec::new();
        for group in plan.groups() {
            let target = group.target;
            let users = group.users.iter().map(|u| u.as_str());
            let on = |p: Progress| progress(&target, p);
            let result = match target {
                Target::Set(settings) => {
                    self.set_settings_bulk(users, settings, run.clone(), on)
                        .await
                }
                Target::Clear => self.clear_settings_bulk(users, run.clone(), on).await,
            };
            let stopped = result.is_err();
            done.push((target, result));
            if stopped {
                break;
            }
        }
        done
    }
}
