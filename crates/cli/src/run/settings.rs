//! `set`, `get`, `clear` and `sessions reset`: the users read and checked
//! ([`prepare`](super::prepare)), people resolved, the journal and the snapshot, then a
//! dry run or a bulk run over the [`session`](super::session), then the report and the
//! exit code.

use std::path::Path;

use std::sync::Arc;

use slack_sessions_core::{Kind, UserId};

use super::dry_run;
use super::op::Op;
use super::prepare::{prepare, Prepared};
use super::session::{Connection, Hooks, Transport};
use crate::exit::Exit;
use crate::fail::{usage, Fail};
use crate::invocation::{Record, Settings, UsersSource};
use crate::journal::{self, Header, Journal, ScopeLine, SettingsLine, JOURNAL_VERSION};
use crate::output;
use crate::report::{stop_line, Resumed, Skipped};
use crate::signals::Interrupts;
use crate::snapshot::check_paths;
use crate::users::{self, Texts};

/// `set`, `get`, `clear` or `sessions reset`, with what the changing ones keep on disk.
pub(super) fn run(
    g: &Settings,
    op: Op,
    users: &UsersSource,
    record: Option<&Record>,
) -> Result<Exit, Fail> {
    run_with_verify(g, op, users, record, None)
}

/// [`run`], then (`sessions reset --verify`) a confirmation that the users whose reset
/// was accepted are signed out.
pub(super) fn run_with_verify(
    g: &Settings,
    op: Op,
    users: &UsersSource,
    record: Option<&Record>,
    verify: Option<&crate::invocation::Verify>,
) -> Result<Exit, Fail> {
    let mut prepared = prepare(g, users)?;
    let record = record.cloned().unwrap_or_default();
    check_paths(&record)?;
    // The journal is locked before anything else, so that a second run on it is
    // refused at once; a new one is written from its header on only once the snapshot
    // (if any) is safe.
    let (journal, resumed) = match (&record.journal, &record.resume) {
        (_, Some(path)) => {
            let (journal, done) = Journal::resume(path).map_err(usage)?;
            let resumed = resume_from(path, done, op, g, users, &mut prepared, &record)?;
            (Some(journal), Some(resumed))
        }
        (Some(path), None) if !g.dry_run => (Some(Journal::open_new(path).map_err(usage)?), None),
        _ => (None, None),
    };
    if g.dry_run && prepared.people.is_none() {
        return dry_run::run(g, op, &prepared.texts);
    }
    let c = Connection::open(g)?;
    if op.writes() && !g.dry_run {
        let mut needs = vec!["admin.users:write"];
        if record.snapshot.is_some() || prepared.people.is_some() || verify.is_some() {
            needs.push("admin.users:read");
        }
        if !users.people.usergroups.is_empty() {
            needs.push("usergroups:read");
        }
        let without_workspace =
            !users.people.usergroups.is_empty() && users.people.workspace.is_none();
        super::auth::preflight(g, &c, &needs, without_workspace)?;
    }
    let (session, interrupts, shown_url) = (&c.session, &c.interrupts, &c.shown_url);
    let mut hooks = c.hooks();
    let mut skipped = Vec::new();
    let mut resolution_warnings: Vec<String> = Vec::new();
    let mut resolved_count = None;
    if prepared.people.is_some() {
        let found = super::resolve::resolve(g, session, prepared.take_selection(), interrupts)?;
        super::resolve::check_exceptions(g, &found)?;
        let r = super::resolve::for_run(&found, |kind| leave_out(op, kind));
        if g.strict {
            if let Some(k) = r.skipped.first() {
                return Err(usage(format!(
                    "{} ({}){}: nothing was sent",
                    users::echo(&k.input),
                    k.detail,
                    match r.skipped.len() {
                        1 => String::new(),
                        n => format!(" (and {} more)", n - 1),
                    }
                )));
            }
        }
        resolved_count = Some(r.texts.len() as u64);
        prepared.resolved(r.texts);
        skipped = r.skipped;
        resolution_warnings = found
            .warnings
            .iter()
            .map(|(m, w)| format!("{m}: {w}"))
            .collect();
        if g.dry_run {
            if !g.quiet {
                eprintln!("{} users to act on", resolved_count.unwrap_or(0));
            }
            return dry_run::run(g, op, &prepared.texts);
        }
    }
    if let Some(path) = &record.snapshot {
        match take_snapshot(g, session, &prepared, path, &record, interrupts)? {
            Err(code) => return Ok(code),
            Ok(unrestorable) => {
                let left: std::collections::HashSet<&str> =
                    unrestorable.iter().map(|k| k.input.as_str()).collect();
                prepared.texts.retain(|t| !left.contains(t));
                prepared.valid = prepared.valid.saturating_sub(unrestorable.len());
                skipped.extend(unrestorable);
            }
        }
    }
    if let Some(journal) = journal {
        if resumed.is_none() {
            let mut h = header(g, op);
            if let Some(n) = resolved_count {
                h.people = Some(users.people.describe());
                h.resolved = Some(n);
            }
            journal.start(&h).map_err(usage)?;
            if resolved_count.is_some() {
                let ids = prepared.texts.iter().filter(|t| UserId::new(t).is_ok());
                journal.resolved(ids).map_err(usage)?;
            }
        }
        let journal = Arc::new(journal);
        interrupts.set_journal(Arc::clone(&journal));
        hooks.journal = Some(journal);
    }
    let mut outcome = session.run(g, op, &prepared.texts, &hooks)?;
    outcome.unreadable = prepared.unreadable();
    outcome.skipped = skipped;
    // What Slack said while the people were resolved is said with the run's own.
    for w in resolution_warnings {
        if !outcome.report.warnings.contains(&w) {
            outcome.report.warnings.push(w);
        }
    }
    outcome.resumed = resumed;
    outcome.interrupted = interrupts.exit_code();
    outcome.journal_error = hooks.journal_error();
    outcome.error_line = match &outcome.journal_error {
        Some(e) => Some(journal_line(e, &record)),
        None => outcome
            .stop_cause()
            .map(|e| stop_line(e, op.method(), shown_url, op.scope())),
    };
    if let Some(line) = &outcome.error_line {
        eprintln!("error: {line}");
    }
    if let Some(args) = verify {
        if outcome.error_line.is_none() && outcome.interrupted.is_none() {
            outcome.verified = Some(super::verify::run(
                g,
                session,
                &outcome.report.applied,
                args,
                interrupts,
            )?);
        }
    }
    if g.json {
        outcome.print_json(&prepared.bad)?;
    } else if !g.quiet || outcome.exit_code() != Exit::Ok {
        output::print(&outcome.summary())?;
    }
    Ok(outcome.exit_code())
}

/// The `error:` line of a run the journal stopped: what failed, and that the journal is
/// whole, so the run can go on once there is room.
fn journal_line(error: &str, record: &Record) -> String {
    let path = record.resume.as_ref().or(record.journal.as_ref());
    let resume = path.map_or(String::new(), |p| {
        format!(
            "; the journal is whole up to its last line: make room, then go on with --resume {}",
            p.display()
        )
    });
    format!("{}; the run stopped{resume}", output::clean(error))
}

/// The journal header of this run.
fn header(g: &Settings, op: Op) -> Header {
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

/// Users a run of `op` leaves out whatever selected them, with why: Slack does not
/// reset the primary owner's sessions, so a reset reports them instead of sending them.
fn leave_out(op: Op, kind: Kind) -> Option<(&'static str, &'static str)> {
    match (op, kind) {
        (Op::Reset(_), Kind::PrimaryOwner) => Some((
            "primary_owner",
            "the primary owner: Slack does not reset their sessions",
        )),
        _ => None,
    }
}

/// Checks that the journal at `path` records this very run (the same method and every
/// argument that changes what a request does), and drops from `prepared` the users it
/// says are done: applied, and with `--skip-failed` refused by Slack.
fn resume_from(
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
fn take_snapshot(
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
