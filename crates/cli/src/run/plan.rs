//! `plan POLICY`: the policy compared with what users hold, printed (or saved), with
//! `--explain` for the users asked about. It changes nothing.

use std::path::Path;

use slack_sessions_core::policy::{explain, Policy, PolicyReading};
use slack_sessions_core::UserId;

use super::policy::{check_inputs, plan_on, print_plan};
use super::session::Connection;
use crate::exit::Exit;
use crate::fail::{usage, Fail};
use crate::invocation::Settings;
use crate::output::{self, clean, say};
use crate::saved_plan::PlanJson;

/// `plan POLICY`.
pub(super) fn run(
    g: &Settings,
    policy: &Path,
    explain_users: &[String],
    out: Option<&Path>,
) -> Result<Exit, Fail> {
    if let Some(path) = out {
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(usage(format!(
                "--out {} already exists: name a new file",
                path.display()
            )));
        }
    }
    let explain_ids = explain_users
        .iter()
        .map(|u| {
            UserId::new(u.trim())
                .map_err(|e| usage(format!("--explain {:?}: {e}", crate::users::echo(u))))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let file = crate::policy_file::read(policy).map_err(usage)?;
    if g.dry_run {
        say!("would plan {} ({} rules{}): resolve each rule, read the settings of the users concerned; nothing is sent", policy.display(), file.policy.rules().len(), if file.policy.default_for_others().is_some() { " and a default" } else { "" });
        return Ok(Exit::Ok);
    }
    let c = Connection::open(g)?;
    let reading = plan_on(g, &c.session, &c.interrupts, &file.policy)?;
    let flagged = check_inputs(g, &reading)?;
    let shown = file.path.display().to_string();
    let saved = PlanJson {
        policy: &shown,
        bound: &file.files,
        reading: &reading,
    };
    if let Some(path) = out {
        crate::snapshot::write_new("--out", path, false, |w| {
            serde_json::to_writer(&mut *w, &saved).map_err(std::io::Error::from)?;
            w.write_all(b"\n")
        })
        .map_err(usage)?;
        if !g.quiet {
            eprintln!("plan written to {}", path.display());
        }
    }
    if g.json {
        output::json_line(&saved)?;
    } else {
        print_plan(policy, &reading)?;
    }
    if !explain_ids.is_empty() {
        explain_users_of(&file.policy, &reading, &explain_ids)?;
    }
    Ok(if flagged {
        // An input not understood is an error of the plan, whatever else it says.
        Exit::Partial
    } else if reading.plan.changes() > 0 {
        Exit::ChangesPending
    } else {
        Exit::Ok
    })
}

/// `plan --explain`: for each user, the rule that decides and what they hold.
fn explain_users_of(
    policy: &Policy,
    reading: &PolicyReading,
    explain_ids: &[UserId],
) -> Result<(), Fail> {
    let rules = policy.rules().len();
    let matched: Vec<Vec<UserId>> = reading.resolutions[..rules]
        .iter()
        .map(|r| r.users.iter().map(|u| u.user_id.clone()).collect())
        .collect();
    for id in explain_ids {
        let all = explain(&matched, id);
        let decided = reading.plan.users.iter().find(|u| u.user_id == *id);
        let line = match decided {
            None if reading.plan.targets.len() > rules => format!(
                "{id}: no rule selects them, and the default covers only active users who are not bots and not its exceptions: left alone"
            ),
            None => format!("{id}: no rule selects them, and there is no default: left alone"),
            Some(u) => {
                let others: Vec<String> = all
                    .iter()
                    .filter(|&&i| i != usize::from(u.rule))
                    .map(|&i| format!("{:?}", reading.plan.names[i]))
                    .collect();
                let who = if usize::from(u.rule) == rules {
                    "the default".to_owned()
                } else {
                    format!("rule {:?}", reading.plan.name(u.rule))
                };
                let target = reading
                    .plan
                    .target(u.rule)
                    .map_or(String::new(), |t| t.to_string());
                let also = if others.is_empty() {
                    String::new()
                } else {
                    format!("; also selected by {}", others.join(", "))
                };
                format!("{id}: {who} ({target}), holds {}{also}", u.held)
            }
        };
        say!("{}", clean(&line));
    }
    Ok(())
}
