//! `set`, `get`, `clear` and `sessions reset`: the users read and checked
//! ([`prepare`](super::prepare)), people resolved, the journal and the snapshot, then a
//! dry run or a bulk run over the [`session`](super::session), then the report and the
//! exit code.

use std::sync::Arc;

use slack_sessions_core::{Kind, UserId};

use super::dry_run;
use super::op::Op;
use super::prepare::prepare;
use super::record::{header, resume_from, take_snapshot};
use super::session::Connection;
use crate::exit::Exit;
use crate::fail::{usage, Fail};
use crate::invocation::{Record, Settings, UsersSource};
use crate::journal::Journal;
use crate::output;
use crate::report::stop_line;
use crate::snapshot::check_paths;
use crate::users;

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
