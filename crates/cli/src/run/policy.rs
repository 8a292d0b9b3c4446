//! What `plan` and `apply` share: a session policy planned over either client (the
//! core makes the plan; this drives the reads, with a progress bar), the inputs that
//! matched nobody checked before anything is written, and the human plan.

use std::path::Path;

use slack_sessions_core::policy::{
    Policy, PolicyEvent, PolicyReading, PolicyRunError, Step as PlanStep,
};

use super::clients::progress_bar;
use super::session::Transport;
use crate::exit::{Exit, Signal};
use crate::fail::{usage, Fail};
use crate::invocation::Settings;
use crate::output::{clean, say};
use crate::signals::Interrupts;

/// Changes shown per rule in the human plan.
const SHOWN: usize = 10;

/// Plans `policy` over `session`, telling stderr each rule resolved and showing the read
/// on a terminal.
pub(super) fn plan_on(
    g: &Settings,
    session: &Transport,
    interrupts: &Interrupts,
    policy: &Policy,
) -> Result<PolicyReading, Fail> {
    let mut bar = None;
    let on = |e: PolicyEvent<'_>| match e {
        PolicyEvent::Resolving(rule, plan) if g.verbose => {
            eprintln!("rule {:?}: resolving:\n{plan}", clean(rule))
        }
        PolicyEvent::Resolved(rule, r) if !g.quiet => eprintln!(
            "{}: {} users ({} call{})",
            rule_label(rule),
            r.users.len(),
            r.calls,
            if r.calls == 1 { "" } else { "s" }
        ),
        PolicyEvent::Reading(p) => {
            let pb = bar.get_or_insert_with(|| progress_bar(g, p.total));
            if let Some(pb) = pb {
                pb.set_length(p.total as u64);
                pb.set_position(p.done as u64);
            }
        }
        _ => {}
    };
    let token = &interrupts.token;
    let result = match session {
        Transport::Blocking(client) => client.plan_policy(policy, token, on),
        Transport::Async(rt) => rt
            .runtime
            .block_on(rt.client.plan_policy(policy, token, on)),
    };
    result.map_err(|e| failed(&e, interrupts))
}

/// `rule "NAME"`, or `the default` for the default's everyone.
fn rule_label(name: &str) -> String {
    if name == "default" {
        "the default (every active user)".into()
    } else {
        format!("rule {:?}", clean(name))
    }
}

/// How a plan that could not be made ends.
fn failed(e: &PolicyRunError, interrupts: &Interrupts) -> Fail {
    let exit = match e {
        PolicyRunError::Policy(_) | PolicyRunError::Selection { .. } => Exit::Usage,
        PolicyRunError::Resolve { stop, .. } => match &stop.error {
            None => Exit::Interrupted(interrupts.exit_code().unwrap_or(Signal::Int)),
            Some(e) => Exit::for_error(e),
        },
        PolicyRunError::Read(r) => match (&r.stopped_by, interrupts.exit_code()) {
            (_, Some(signal)) => Exit::Interrupted(signal),
            (Some(e), _) => Exit::for_error(e),
            (None, _) => r
                .failed
                .first()
                .map_or(Exit::Unreachable, |f| Exit::for_error(&f.error)),
        },
        _ => Exit::Unreachable,
    };
    let detail = match e {
        PolicyRunError::Read(r) => r
            .stopped_by
            .as_ref()
            .or(r.failed.first().map(|f| &*f.error))
            .map_or(String::new(), |e| format!(" ({})", e.short_code())),
        _ => String::new(),
    };
    Fail {
        exit,
        message: format!("{}{detail}; nothing was changed", clean(&e.to_string())),
    }
}

/// The human plan: per rule, its counts and its first changes; the inputs that matched
/// nobody; the totals.
pub(super) fn print_plan(policy: &Path, r: &PolicyReading) -> Result<(), Fail> {
    let plan = &r.plan;
    say!("plan of {}:", policy.display());
    let summary = plan.summary();
    for (i, s) in summary.iter().enumerate() {
        let label = if i + 1 == summary.len() && plan.names.len() == summary.len() {
            "default".to_owned()
        } else {
            format!("rule {:?}", clean(&s.name))
        };
        say!(
            "  {label} ({}): {} right, {} to change, {} not returned",
            s.target,
            s.keep,
            s.change,
            s.unknown
        );
        // Real changes first: a user Slack did not return is only "sent anyway".
        let of_rule = |step: PlanStep| {
            plan.users
                .iter()
                .filter(move |u| usize::from(u.rule) == i && u.step == step)
        };
        let changes = of_rule(PlanStep::Change).chain(of_rule(PlanStep::Unknown));
        for u in changes.clone().take(SHOWN) {
            let mark = if u.step == PlanStep::Unknown {
                " (not returned: sent anyway)"
            } else {
                ""
            };
            say!("    {}  {} → {}{mark}", u.user_id, u.held, s.target);
        }
        let more = changes.count().saturating_sub(SHOWN);
        if more > 0 {
            say!("    … and {more} more (--json for all)");
        }
    }
    for (res, name) in r.resolutions.iter().zip(&plan.names) {
        for u in &res.unmatched {
            say!(
                "  {}: {} matched nobody ({}{})",
                rule_label(name),
                crate::users::echo(&u.input),
                u.reason,
                if u.exception { ", an exception" } else { "" }
            );
        }
    }
    for (u, code) in &r.refused {
        say!("  {u}: Slack refused to read their settings ({code}): left out of the plan");
    }
    for w in &r.warnings {
        say!("  slack warning ({})", clean(w));
    }
    say!(
        "{} to change, {} not returned (sent anyway: Slack does not say what they hold), {} already right",
        plan.changes(),
        plan.unknown(),
        plan.users.len() - plan.to_send()
    );
    Ok(())
}

/// The inputs of a policy's rules that were not understood or matched nobody, checked
/// before anything is written: an exception that matched nobody refuses the run (unless
/// `--allow-unmatched-exceptions`), and with `--strict` so does any input. Returns
/// whether any was found, for an exit of 1.
pub(super) fn check_inputs(g: &Settings, reading: &PolicyReading) -> Result<bool, Fail> {
    for r in &reading.resolutions {
        super::resolve::check_exceptions(g, r)?;
    }
    let named: Vec<String> = reading
        .resolutions
        .iter()
        .zip(&reading.plan.names)
        .flat_map(|(res, name)| {
            res.unmatched.iter().map(move |u| {
                format!(
                    "rule {:?}: {} ({})",
                    clean(name),
                    crate::users::echo(&u.input),
                    u.reason
                )
            })
        })
        .chain(
            reading
                .refused
                .iter()
                .map(|(u, code)| format!("{u}: Slack refused to read their settings ({code})")),
        )
        .collect();
    if g.strict && !named.is_empty() {
        return Err(usage(format!(
            "--strict: {}{}; nothing was sent",
            named[0],
            match named.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            }
        )));
    }
    Ok(!named.is_empty())
}
