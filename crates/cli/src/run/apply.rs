//! `apply POLICY` or `apply --plan PLAN`: the policy planned again (or a saved plan
//! re-derived against it), confirmed, a snapshot of every user it changes written
//! first, then one bulk step per group of equal targets, with the journal, `--resume`
//! and the binding to the policy's files.

use std::io::{BufRead, IsTerminal, Read};
use std::path::{Path, PathBuf};

use slack_sessions_core::policy::Held;
use slack_sessions_core::UserId;

use super::policy::{check_inputs, plan_on, print_plan};
use super::session::Connection;
use super::steps;
use super::to_apply::{from_plan, reconcile};
use crate::exit::Exit;
use crate::fail::{usage, Fail};
use crate::invocation::{ApplyArgs, Settings};
use crate::journal::{Header, Journal, JOURNAL_VERSION};
use crate::output::{plural, say};
use crate::policy_file::PolicyFile;

/// Asks on the terminal, unless `--yes`; refuses without a terminal.
fn confirm(yes: bool, question: &str) -> Result<(), Fail> {
    if yes {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(usage(format!(
            "{question}: pass --yes to apply without a terminal"
        )));
    }
    eprint!("{question}. Apply? [y/N] ");
    let mut answer = String::new();
    stdin
        .lock()
        .take(64)
        .read_line(&mut answer)
        .map_err(|e| usage(format!("cannot read the answer: {e}")))?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(usage("not applied: nothing was changed")),
    }
}

/// The snapshot's default name: `apply-<UTC time>.snapshot.json`.
fn default_snapshot() -> PathBuf {
    let t = super::clients::timestamp().replace([':', '.'], "");
    PathBuf::from(format!("apply-{t}.snapshot.json"))
}

/// `apply POLICY` or `apply --plan PLAN`.
pub(super) fn run(g: &Settings, a: &ApplyArgs) -> Result<Exit, Fail> {
    let record = &a.record;
    // Refused at once, not after a plan that takes minutes.
    if !a.yes && !g.dry_run && !std::io::stdin().is_terminal() {
        return Err(usage(
            "apply asks before it changes anything: pass --yes to apply without a terminal",
        ));
    }
    // A resume writes a snapshot of its own beside the journal: the users it sends
    // may not be the first run's (the directory changed since).
    let snapshot = match (&record.snapshot, &record.resume) {
        (Some(p), _) => p.clone(),
        (None, Some(j)) => {
            let mut name = j.file_name().unwrap_or_default().to_os_string();
            name.push(".");
            name.push(default_snapshot());
            j.with_file_name(name)
        }
        (None, None) => default_snapshot(),
    };
    let mut paths = record.clone();
    paths.snapshot = Some(snapshot.clone());
    crate::snapshot::check_paths(&paths)?;
    let saved = match &a.plan {
        Some(p) => Some(crate::saved_plan::read(p).map_err(usage)?),
        None => None,
    };
    let policy_path = match (&a.policy, &saved) {
        (Some(p), _) => p.clone(),
        (None, Some(s)) => PathBuf::from(&s.policy),
        (None, None) => return Err(usage("apply needs a POLICY or --plan PLAN")),
    };
    let file = crate::policy_file::read(&policy_path).map_err(usage)?;
    if let (Some(s), Some(p)) = (&saved, &a.plan) {
        if let Some(what) = crate::digest::changed(&s.bound, &file.files) {
            return Err(usage(format!(
                "--plan {} was made from another policy ({what} since); nothing was changed: plan again",
                p.display()
            )));
        }
    }
    let source = match &a.plan {
        Some(p) => format!("plan={}", p.display()),
        None => format!("policy={}", policy_path.display()),
    };
    // The journal is locked before anything is read, so that a second apply on it is
    // refused at once.
    let (journal, done) = match (&record.journal, &record.resume) {
        (_, Some(path)) => {
            let (j, done) = Journal::resume(path).map_err(usage)?;
            check_resume(path, &done, &source, &file)?;
            (Some(j), Some(done))
        }
        (Some(path), None) if !g.dry_run => (Some(Journal::open_new(path).map_err(usage)?), None),
        _ => (None, None),
    };
    let c = Connection::open(g)?;
    if !g.dry_run {
        let rules = file.policy.rules();
        let groups = rules.iter().any(|r| r.selection.has_usergroups());
        let mut needs = vec!["admin.users:read", "admin.users:write"];
        if groups {
            needs.push("usergroups:read");
        }
        let without_workspace = rules
            .iter()
            .any(|r| r.selection.has_usergroups() && r.selection.workspace_id().is_none());
        super::auth::preflight(g, &c, &needs, without_workspace)?;
    }
    let reading = plan_on(g, &c.session, &c.interrupts, &file.policy)?;
    let flagged = check_inputs(g, &reading)?;
    let mut to = match (&saved, &a.plan) {
        (Some(s), Some(p)) => reconcile(p, s, &reading, done.as_ref())?,
        _ => {
            if !g.quiet && !g.json {
                print_plan(&file.path, &reading)?;
            }
            from_plan(&file.path, &reading)
        }
    };
    if let Some(done) = &done {
        // Applied by the earlier run: not sent again, whatever a re-read says now.
        for s in &mut to.steps {
            s.users.retain(|u| !done.applied.contains(u));
        }
        to.steps.retain(|s| !s.users.is_empty());
    }
    to.leave_out_unrestorable(record.force);
    if !g.quiet {
        for l in &to.left_out {
            eprintln!("leaving out {}: {}", l.user_id, l.detail);
        }
        if to.outside_plan > 0 {
            eprintln!(
                "note: {} outside the saved plan now differ from the policy, and are left alone: run `slack-sessions plan {}` again",
                plural(to.outside_plan as u64, "user", "users"),
                policy_path.display()
            );
        }
    }
    let sending = to.sending();
    let flagged = flagged || !to.left_out.is_empty();
    let end = |exit: Exit| {
        if flagged {
            exit.worst(Exit::Partial)
        } else {
            exit
        }
    };
    if sending == 0 {
        if !g.quiet {
            eprintln!("nothing to change");
        }
        return Ok(end(Exit::Ok));
    }
    let counts = format!(
        "{} ({} that differ, {} not returned: sent anyway)",
        plural(sending as u64, "user", "users"),
        to.changes.min(sending),
        sending.saturating_sub(to.changes.min(sending)),
    );
    if let Some(max) = a.max_changes {
        if sending > max {
            return Err(usage(format!(
                "the plan would send {counts}, over --max-changes {max}: nothing was changed"
            )));
        }
    }
    if g.dry_run {
        for s in &to.steps {
            say!("{}", steps::label(s));
        }
        say!(
            "{} for {}; nothing sent",
            plural(to.steps.len() as u64, "step", "steps"),
            plural(sending as u64, "user", "users")
        );
        return Ok(end(Exit::Ok));
    }
    confirm(
        a.yes,
        &format!(
            "{counts} to change in {}",
            plural(to.steps.len() as u64, "step", "steps")
        ),
    )?;
    let held: Vec<(UserId, Held)> = to
        .steps
        .iter()
        .flat_map(|s| s.users.iter())
        .filter_map(|u| UserId::new(u).ok())
        .map(|id| {
            let h = to.held.get(&id).copied().unwrap_or(Held::NotReturned);
            (id, h)
        })
        .collect();
    crate::snapshot::write_held(&snapshot, record.replace_snapshot, &held).map_err(usage)?;
    if !g.quiet {
        eprintln!(
            "snapshot of {} written to {} (restore puts back what they held; users Slack did not return are left alone by it)",
            plural(held.len() as u64, "user", "users"),
            snapshot.display()
        );
    }
    let mut hooks = c.hooks();
    if let Some(j) = journal {
        if done.is_none() {
            j.start(&header(g, &source, &file)).map_err(usage)?;
        }
        let j = std::sync::Arc::new(j);
        c.interrupts.set_journal(std::sync::Arc::clone(&j));
        hooks.journal = Some(j);
    }
    let ran = steps::run(
        g,
        &c.session,
        &to.steps,
        &hooks,
        &c.interrupts,
        &c.shown_url,
    )?;
    steps::report(
        g,
        "apply",
        ("source", &to.source),
        &to.steps,
        &ran,
        &c.interrupts,
        &to.left_out,
    )?;
    Ok(end(ran.exit))
}

/// The journal header of an apply: its source, and the policy's files with their
/// digests.
fn header(g: &Settings, source: &str, file: &PolicyFile) -> Header {
    Header {
        journal: JOURNAL_VERSION,
        tool: concat!("slack-sessions-cli ", env!("CARGO_PKG_VERSION")).to_owned(),
        method: "apply".into(),
        settings: None,
        scope: None,
        encoding: match g.encoding {
            slack_sessions_core::Encoding::Json => "json",
            _ => "form",
        }
        .to_owned(),
        people: Some(vec![source.to_owned()]),
        resolved: None,
        bound: Some(file.files.clone()),
    }
}

/// Refuses a resume of another run, or of this apply with a policy (or a file it names)
/// that changed since: the resume would apply what the policy no longer says.
fn check_resume(
    path: &Path,
    done: &crate::journal::Record,
    source: &str,
    file: &PolicyFile,
) -> Result<(), Fail> {
    let h = done.header.as_ref();
    let same = h.is_some_and(|h| {
        h.method == "apply" && h.people.as_deref() == Some(std::slice::from_ref(&source.to_owned()))
    });
    if !same {
        return Err(usage(format!(
            "--resume {} records another run, not the apply of {source}",
            path.display()
        )));
    }
    let was = h.and_then(|h| h.bound.as_deref()).unwrap_or_default();
    if let Some(what) = crate::digest::changed(was, &file.files) {
        return Err(usage(format!(
            "--resume {}: the policy changed since the run began ({what}); nothing was changed: start a new apply",
            path.display()
        )));
    }
    Ok(())
}
