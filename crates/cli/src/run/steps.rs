//! Runs made of several bulk steps (`restore`, `apply`): each step a set or clear of
//! some users, one after the other; after a stop or an interrupt nothing more goes out;
//! one `error:` line, and one report of every step.

use serde_json::json;
use slack_sessions_core::SessionSettings;

use super::op::Op;
use super::session::{Hooks, Transport};
use crate::exit::Exit;
use crate::fail::Fail;
use crate::invocation::Settings;
use crate::output::say;
use crate::report::{stop_line, Outcome, SCHEMA_VERSION};
use crate::signals::Interrupts;
use crate::users::Texts;

/// One step: clear these users, or set them to these settings.
pub(super) struct Step {
    pub(super) op: Op,
    pub(super) users: Vec<String>,
}

/// What the steps did.
pub(super) struct Done<'s> {
    /// Each step run, with its outcome.
    pub(super) ran: Vec<(&'s Step, Outcome)>,
    /// Users of the steps never run.
    pub(super) skipped: usize,
    /// The first `error:` line.
    pub(super) error_line: Option<String>,
    /// The worst outcome, and partial when steps were left.
    pub(super) exit: Exit,
}

/// Runs `steps` in order over `session`; `shown_url` names the server in an `error:`
/// line.
pub(super) fn run<'s>(
    g: &Settings,
    session: &Transport,
    steps: &'s [Step],
    hooks: &Hooks,
    interrupts: &Interrupts,
    shown_url: &str,
) -> Result<Done<'s>, Fail> {
    let mut ran: Vec<(&Step, Outcome)> = Vec::new();
    let mut skipped = 0;
    let mut error_line = None;
    for step in steps {
        let stopped = ran.last().is_some_and(|(_, o)| {
            o.report.stopped_by.is_some() || o.report.cancelled || o.journal_error.is_some()
        });
        if stopped {
            // Nothing more goes out after a stop or an interrupt.
            skipped += step.users.len();
            continue;
        }
        let texts: Texts = step.users.iter().map(String::as_str).collect();
        let mut outcome = session.run(g, step.op, &texts, hooks)?;
        outcome.interrupted = interrupts.exit_code();
        outcome.journal_error = hooks.journal_error();
        if error_line.is_none() {
            error_line = match &outcome.journal_error {
                Some(e) => Some(format!("{}; the run stopped", crate::output::clean(e))),
                None => outcome
                    .stop_cause()
                    .map(|e| stop_line(e, step.op.method(), shown_url, step.op.scope())),
            };
        }
        ran.push((step, outcome));
    }
    if let Some(line) = &error_line {
        eprintln!("error: {line}");
    }
    let exit = ran
        .iter()
        .map(|(_, o)| o.exit_code())
        .fold(Exit::Ok, Exit::worst);
    let exit = if skipped > 0 && exit == Exit::Ok {
        Exit::Partial
    } else {
        exit
    };
    Ok(Done {
        ran,
        skipped,
        error_line,
        exit,
    })
}

/// Prints what `done` did: each step's summary and a last line, or one JSON report
/// (`method` names the command: `restore`, `apply`; `source` what it read, under the
/// key `source_key`).
pub(super) fn report(
    g: &Settings,
    method: &str,
    (source_key, source): (&str, &str),
    steps: &[Step],
    done: &Done<'_>,
    interrupts: &Interrupts,
    left_out: &[LeftOut],
) -> Result<(), Fail> {
    let users: usize = steps.iter().map(|s| s.users.len()).sum();
    let failed: usize = done.ran.iter().map(|(_, o)| o.report.failed.len()).sum();
    if g.json {
        let mut v = json!({
            "schema_version": SCHEMA_VERSION,
            "method": method,
            "steps": done.ran.iter().map(|(s, o)| {
                let mut v = o.json(&[]);
                v["settings"] = settings_json(s.op);
                v
            }).collect::<Vec<_>>(),
            "not_attempted": done.skipped,
            "failed": failed,
            "requests": done.ran.iter().map(|(_, o)| o.report.requests).sum::<u64>(),
            "interrupted": interrupts.exit_code().is_some(),
            "error": done.error_line,
            "left_out": left_out.iter().map(|l| json!({
                "user_id": l.user_id,
                "reason": l.reason,
                "detail": l.detail,
            })).collect::<Vec<_>>(),
        });
        v[source_key] = json!(source);
        crate::output::json_line(&v)?;
    } else if !g.quiet || done.exit != Exit::Ok {
        for (step, o) in &done.ran {
            say!("{}", label(step));
            crate::output::print(&o.summary())?;
        }
        for l in left_out {
            say!(
                "left out: {} ({})",
                l.user_id,
                crate::output::clean(&l.detail)
            );
        }
        say!(
            "{method}: {} for {}; {failed} failed, {} not attempted{}",
            crate::output::plural(steps.len() as u64, "step", "steps"),
            crate::output::plural(users as u64, "user", "users"),
            done.skipped,
            match left_out.len() {
                0 => String::new(),
                n => format!(", {n} left out"),
            }
        );
    }
    Ok(())
}

/// A user a run of steps leaves out before sending anything, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LeftOut {
    /// The user.
    pub(super) user_id: String,
    /// Why, as a code: `not_restorable`.
    pub(super) reason: &'static str,
    /// Why, in words.
    pub(super) detail: String,
}

/// One line for a step: what it sends to how many users.
pub(super) fn label(step: &Step) -> String {
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

/// A step's settings in a JSON report.
pub(super) fn settings_json(op: Op) -> serde_json::Value {
    match op {
        Op::Set(s) => json!({
            "duration": s.duration.map(|d| d.as_secs()),
            "desktop_app_browser_quit": s.desktop_app_browser_quit,
        }),
        _ => serde_json::Value::Null,
    }
}
