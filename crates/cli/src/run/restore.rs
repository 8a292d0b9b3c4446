//! `slack-sessions restore SNAPSHOT`: bring users back to the settings a snapshot holds.
//! clearSettings first (users who had none, and users who had one of the two settings),
//! then one setSettings bulk run per group of equal settings.

use crate::exit::Exit;
use crate::output::say;
use std::path::Path;

use serde_json::json;
use slack_sessions_core::limits::DEFAULT_BASE_URL;
use slack_sessions_core::SessionSettings;

use super::settings::{connect, Hooks, Transport};
use super::{usage, Fail, Op};
use crate::invocation::Settings;
use crate::report::{stop_line, Outcome, SCHEMA_VERSION};
use crate::signals::Interrupts;
use crate::snapshot::Snapshot;
use crate::users::Texts;

/// One step of a restore: clear these users, or set them to these settings.
struct Step {
    op: Op,
    users: Vec<String>,
}

/// Runs the restore, or with `--dry-run` prints its groups and request count.
pub(super) fn run(g: &Settings, path: &Path) -> Result<Exit, Fail> {
    let snapshot = Snapshot::read(path).map_err(usage)?;
    let plan = snapshot.plan().map_err(usage)?;
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
    if steps.is_empty() {
        return Err(usage(format!("{}: a snapshot of no users", path.display())));
    }
    let (token, base_url, _emulator) = connect(g)?;
    let shown_url = base_url
        .clone()
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let interrupts = Interrupts::install().map_err(usage)?;
    let hooks = Hooks {
        cancel: interrupts.token.clone(),
        ..Hooks::default()
    };
    let session = Transport::new(g, token, base_url)?;
    let mut done: Vec<(&Step, Outcome)> = Vec::new();
    let mut skipped = 0;
    let mut error_line = None;
    for step in &steps {
        let stopped = done
            .last()
            .is_some_and(|(_, o)| o.report.stopped_by.is_some() || o.report.cancelled);
        if stopped {
            // Nothing more goes out after a stop or an interrupt.
            skipped += step.users.len();
            continue;
        }
        let texts: Texts = step.users.iter().map(String::as_str).collect();
        let mut outcome = session.run(g, step.op, &texts, &hooks)?;
        outcome.interrupted = interrupts.exit_code();
        if error_line.is_none() {
            error_line = outcome
                .stop_cause()
                .map(|e| stop_line(e, step.op.method(), &shown_url, step.op.scope()));
        }
        done.push((step, outcome));
    }
    if let Some(line) = &error_line {
        eprintln!("error: {line}");
    }
    // The worst outcome decides.
    let code = done
        .iter()
        .map(|(_, o)| o.exit_code())
        .fold(Exit::Ok, Exit::worst);
    let code = if skipped > 0 && code == Exit::Ok {
        Exit::Partial
    } else {
        code
    };
    let users: usize = steps.iter().map(|s| s.users.len()).sum();
    let failed: usize = done.iter().map(|(_, o)| o.report.failed.len()).sum();
    if g.json {
        let v = json!({
            "schema_version": SCHEMA_VERSION,
            "method": "restore",
            "snapshot": path.display().to_string(),
            "steps": done.iter().map(|(s, o)| {
                let mut v = o.json(&[]);
                v["settings"] = settings_json(s.op);
                v
            }).collect::<Vec<_>>(),
            "not_attempted": skipped,
            "failed": failed,
            "requests": done.iter().map(|(_, o)| o.report.requests).sum::<u64>(),
            "interrupted": interrupts.exit_code().is_some(),
            "error": error_line,
        });
        say!("{v}");
    } else if !g.quiet || code != Exit::Ok {
        for (step, o) in &done {
            say!("{}", label(step));
            crate::output::print(&o.summary())?;
        }
        say!(
            "restore: {} steps for {users} users; {failed} failed, {skipped} not attempted",
            steps.len()
        );
    }
    Ok(code)
}

/// One line for a step: what it sends to how many users.
fn label(step: &Step) -> String {
    match step.op {
        Op::Set(s) => format!("set {} for {} users", words(s), step.users.len()),
        _ => format!("clear {} users", step.users.len()),
    }
}

fn words(s: SessionSettings) -> String {
    let mut parts = Vec::new();
    if let Some(d) = s.duration {
        parts.push(format!("--duration {}", d.as_secs()));
    }
    if let Some(q) = s.desktop_app_browser_quit {
        parts.push(format!("--quit-on-close {q}"));
    }
    parts.join(" ")
}

fn settings_json(op: Op) -> serde_json::Value {
    match op {
        Op::Set(s) => json!({
            "duration": s.duration.map(|d| d.as_secs()),
            "desktop_app_browser_quit": s.desktop_app_browser_quit,
        }),
        _ => serde_json::Value::Null,
    }
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
        say!("{v}");
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
