//! `slack-sessions restore SNAPSHOT`: bring users back to the settings a snapshot holds.
//! clearSettings first (users who had none, and users who had one of the two settings),
//! then one setSettings bulk run per group of equal settings.

use std::path::Path;

use serde_json::json;

use super::op::Op;
use super::session::Connection;
use super::steps::{self, label, settings_json, LeftOut, Step};
use crate::exit::Exit;
use crate::fail::{usage, Fail};
use crate::invocation::Settings;
use crate::output::say;
use crate::report::SCHEMA_VERSION;
use crate::snapshot::Snapshot;

/// Runs the restore, or with `--dry-run` prints its groups and request count.
pub(super) fn run(g: &Settings, path: &Path) -> Result<Exit, Fail> {
    let snapshot = Snapshot::read(path).map_err(usage)?;
    let plan = snapshot.plan();
    let left_out: Vec<LeftOut> = plan
        .refused
        .iter()
        .map(|r| LeftOut {
            user_id: r.user_id.to_string(),
            reason: "not_restorable",
            detail: format!(
                "{}: Slack holds it, but would refuse it written back",
                r.reason
            ),
        })
        .collect();
    if !g.quiet {
        for l in &left_out {
            eprintln!("cannot restore {}: {}", l.user_id, l.detail);
        }
    }
    let ids = |v: &[slack_sessions_core::UserId]| v.iter().map(ToString::to_string).collect();
    let mut steps = Vec::new();
    if !plan.clear.is_empty() {
        steps.push(Step {
            op: Op::Clear,
            users: ids(&plan.clear),
        });
    }
    for group in &plan.groups {
        steps.push(Step {
            op: Op::Set(group.settings),
            users: ids(&group.users),
        });
    }
    if snapshot.unknown > 0 && !g.quiet {
        eprintln!(
            "note: {} users had no active session when the snapshot was taken; their settings are unknown and left alone",
            snapshot.unknown
        );
    }
    if g.dry_run {
        return dry_run(g, &steps, plan.requests());
    }
    if steps.is_empty() && left_out.is_empty() {
        return Err(usage(format!("{}: a snapshot of no users", path.display())));
    }
    if steps.is_empty() {
        return Err(Fail {
            exit: Exit::Partial,
            message: format!(
                "{}: no user of the snapshot can be restored; nothing was sent",
                path.display()
            ),
        });
    }
    let c = Connection::open(g)?;
    super::auth::preflight(g, &c, &["admin.users:write"], false)?;
    let done = steps::run(
        g,
        &c.session,
        &steps,
        &c.hooks(),
        &c.interrupts,
        &c.shown_url,
    )?;
    let source = path.display().to_string();
    steps::report(
        g,
        "restore",
        ("snapshot", &source),
        &steps,
        &done,
        &c.interrupts,
        &left_out,
    )?;
    Ok(if left_out.is_empty() {
        done.exit
    } else {
        done.exit.worst(Exit::Partial)
    })
}

/// `--dry-run`: the steps and the request count; nothing is sent.
fn dry_run(g: &Settings, steps: &[Step], requests: usize) -> Result<Exit, Fail> {
    if g.json {
        let v = json!({
            "schema_version": SCHEMA_VERSION,
            "method": "restore",
            "dry_run": true,
            "steps": steps.iter().map(|s| json!({
                "method": s.op.method(),
                "settings": settings_json(s.op),
                "users": s.users.len(),
            })).collect::<Vec<_>>(),
            "requests": requests,
        });
        crate::output::json_line(&v)?;
    } else {
        for s in steps {
            say!("{}", label(s));
        }
        say!(
            "{} steps, {requests} requests (1,000 users a request); nothing sent",
            steps.len()
        );
    }
    Ok(Exit::Ok)
}
