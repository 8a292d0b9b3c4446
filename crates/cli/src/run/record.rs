//! What a changing run of set, clear or reset keeps on disk: its journal's header, the
//! check that a `--resume` names this very run (and what the journal says is done),
//! and the `--snapshot` read and written before the first change.

use std::path::Path;

use slack_sessions_core::UserId;

use super::op::Op;
use super::prepare::Prepared;
use super::session::{Hooks, Transport};
use crate::exit::Exit;
use crate::fail::{usage, Fail};
use crate::invocation::{Record, Settings, UsersSource};
use crate::journal::{self, Header, ScopeLine, SettingsLine, JOURNAL_VERSION};
use crate::output;
use crate::report::{Resumed, Skipped};
use crate::signals::Interrupts;
use crate::users::Texts;

/// The journal header of this run.
pub(super) fn header(g: &Settings, op: Op) -> Header {
    Header {
        journal: JOURNAL_VERSION,
        tool: concat!("slack-sessions-cli ", env!("CARGO_PKG_VERSION")).to_owned(),
        method: op.method().to_owned(),
        settings: op.settings_line(),
        scope: op.scope_line(),
        encoding: match g.encoding {
            slack_sessions_core::Encoding::Json => "json",
            _ => "form",
        }
        .to_owned(),
        people: None,
        resolved: None,
        bound: None,
    }
}

/// Checks that the journal at `path` records this very run (the same method and every
/// argument that changes what a request does), and drops from `prepared` the users it
/// says are done: applied, and with `--skip-failed` refused by Slack.
pub(super) fn resume_from(
    path: &Path,
    journal: journal::Record,
    op: Op,
    g: &Settings,
    users: &UsersSource,
    prepared: &mut Prepared,
    record: &Record,
) -> Result<Resumed, Fail> {
    let mut want = header(g, op);
    want.people = users.people.any().then(|| users.people.describe());
    let have = journal.header.as_ref();
    let same = have.is_some_and(|h| {
        h.method == want.method
            && h.settings == want.settings
            && h.scope == want.scope
            && h.people == want.people
    });
    if !same {
        let what = |h: Option<&Header>| {
            h.map_or("nothing".to_owned(), |h| {
                let people = match &h.people {
                    Some(p) => format!(" for {}", p.join(" ")),
                    None => String::new(),
                };
                format!(
                    "{} with {}{people}",
                    h.method,
                    describe(h.settings, h.scope)
                )
            })
        };
        return Err(usage(format!(
            "--resume {} records {}, not {}: run it with the same command, settings and scope",
            path.display(),
            what(have),
            what(Some(&want))
        )));
    }
    if let Some(n) = have.and_then(|h| h.resolved) {
        // The run acts on the people it resolved then, whatever the directory says now.
        if journal.resolved.len() as u64 != n {
            return Err(usage(format!(
                "--resume {}: the journal records {} of the {n} users its people resolved to (the run stopped before it began): start a new journal",
                path.display(),
                journal.resolved.len()
            )));
        }
        // A user ID given now that the run did not resolve then would be dropped in
        // silence: refused, named.
        let then: std::collections::HashSet<&str> =
            journal.resolved.iter().map(String::as_str).collect();
        let added: Vec<&str> = prepared
            .texts
            .iter()
            .filter(|t| UserId::new(t).is_ok() && !then.contains(t))
            .collect();
        if let Some(first) = added.first() {
            return Err(usage(format!(
                "--resume {}: {first}{} {} not among the users the journal's run resolved: resume with the same users, or start a new journal for them",
                path.display(),
                match added.len() {
                    1 => String::new(),
                    n => format!(" (and {} more)", n - 1),
                },
                if added.len() == 1 { "is" } else { "are" }
            )));
        }
        let mut texts = Texts::default();
        for t in &journal.resolved {
            texts.push(t);
        }
        prepared.resolved(texts);
    }
    let (mut already_applied, mut skipped_failed) = (0, 0);
    prepared.texts.retain(|t| {
        if journal.applied.contains(t) {
            already_applied += 1;
            return false;
        }
        if record.skip_failed && journal.refused.contains(t) {
            skipped_failed += 1;
            return false;
        }
        true
    });
    prepared.valid = prepared
        .valid
        .saturating_sub(already_applied + skipped_failed);
    Ok(Resumed {
        already_applied,
        skipped_failed,
    })
}

/// Settings and scope in words, for messages.
fn describe(s: Option<SettingsLine>, scope: Option<ScopeLine>) -> String {
    let mut parts = Vec::new();
    if let Some(s) = s {
        parts.push(format!(
            "duration {} and quit-on-close {}",
            s.duration.map_or("unset".into(), |d| d.to_string()),
            s.desktop_app_browser_quit
                .map_or("unset".into(), |q| q.to_string())
        ));
    }
    if let Some(scope) = scope {
        parts.push(
            match (scope.mobile_only, scope.web_only) {
                (true, _) => "mobile sessions only",
                (_, true) => "web sessions only",
                _ => "every session",
            }
            .to_owned(),
        );
    }
    if parts.is_empty() {
        "no settings".into()
    } else {
        parts.join(", ")
    }
}

/// `--snapshot PATH`: reads the target users' settings and writes them to `path`, on
/// disk, before anything changes. Gives the users whose settings the snapshot could not
/// write back (a duration Slack reports but will not take), to leave out unless
/// `--force`; or the exit code when the snapshot is not whole, and nothing may change.
pub(super) fn take_snapshot(
    g: &Settings,
    session: &Transport,
    prepared: &Prepared,
    path: &Path,
    record: &Record,
    interrupts: &Interrupts,
) -> Result<Result<Vec<Skipped>, Exit>, Fail> {
    let read = Hooks {
        cancel: interrupts.token.clone(),
        ..Hooks::default()
    };
    let mut outcome = session.run(g, Op::Get, &prepared.texts, &read)?;
    outcome.interrupted = interrupts.exit_code();
    if let Some(signal) = outcome.interrupted {
        eprintln!(
            "interrupted while reading the settings for --snapshot: no snapshot was written and nothing was changed"
        );
        return Ok(Err(Exit::Interrupted(signal)));
    }
    let whole = outcome.report.stopped_by.is_none()
        && !outcome.report.cancelled
        && outcome.report.failed.is_empty()
        && outcome.report.not_attempted.is_empty();
    if !whole {
        eprintln!(
            "error: the snapshot could not read every user's settings, so nothing was changed"
        );
        output::print(&outcome.summary())?;
        return Ok(Err(outcome.exit_code().worst(Exit::Partial)));
    }
    let unrestorable: Vec<Skipped> = match (&outcome.settings, record.force) {
        (Some(out), false) => out
            .session_settings
            .iter()
            .filter_map(|u| {
                let held = slack_sessions_core::policy::Held::Settings {
                    duration: u.duration,
                    quit_on_close: u.desktop_app_browser_quit,
                };
                crate::snapshot::unrestorable(held).map(|detail| Skipped {
                    input: u.user_id.to_string(),
                    reason: "not_restorable",
                    detail,
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    if !g.quiet {
        for k in &unrestorable {
            eprintln!("leaving out {}: {}", k.input, k.detail);
        }
    }
    crate::snapshot::write_durably(path, record.replace_snapshot, |w| {
        outcome
            .write_json(&prepared.bad, &mut *w)
            .map_err(std::io::Error::from)?;
        w.write_all(b"\n")
    })
    .map_err(usage)?;
    if !g.quiet {
        eprintln!(
            "snapshot of {} users written to {}",
            outcome.report.applied.len() + outcome.report.not_returned.len(),
            path.display()
        );
    }
    Ok(Ok(unrestorable))
}
