//! `plan POLICY` and `apply POLICY`: a session policy compared with what users hold,
//! and the differences applied. The core makes the plan; this reads the file, drives
//! the reads over either client, prints the plan, keeps the snapshot and the journal,
//! and runs one bulk step per group of equal targets.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;
use slack_sessions_core::policy::{
    explain, Held, Policy, PolicyEvent, PolicyReading, PolicyRunError, Step as PlanStep, Target,
};
use slack_sessions_core::{HeldDuration, UserId};

use super::clients::progress_bar;
use super::op::Op;
use super::session::{Connection, Transport};
use super::steps::{self, LeftOut, Step};
use crate::exit::{Exit, Signal};
use crate::fail::{usage, Fail};
use crate::invocation::{ApplyArgs, Settings};
use crate::journal::{Header, Journal, JOURNAL_VERSION};
use crate::output::{self, clean, plural, say};
use crate::policy_file::PolicyFile;
use crate::saved_plan::{PlanJson, SavedPlan};
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
fn check_inputs(g: &Settings, reading: &PolicyReading) -> Result<bool, Fail> {
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

/// `plan POLICY`.
pub(super) fn plan(
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

/// The users an apply sends, in steps, and what each held (for the snapshot).
pub(super) struct ToApply {
    /// What the journal names: `policy=PATH` or `plan=PATH`.
    source: String,
    pub(super) steps: Vec<Step>,
    held: HashMap<UserId, Held>,
    changes: usize,
    unknown: usize,
    /// Users the apply leaves out, with why (settings a snapshot could not undo).
    left_out: Vec<LeftOut>,
    /// Users outside a saved plan that the policy would now change.
    outside_plan: usize,
}

impl ToApply {
    /// Users sent.
    fn sending(&self) -> usize {
        self.steps.iter().map(|s| s.users.len()).sum()
    }

    /// Groups `users` (each with its step's op) into one step per op, in first-seen
    /// order.
    fn push(&mut self, op: Op, user: String) {
        match self.steps.iter_mut().find(|s| same_op(s.op, op)) {
            Some(s) => s.users.push(user),
            None => self.steps.push(Step {
                op,
                users: vec![user],
            }),
        }
    }

    /// Leaves out, unless `force`, the users whose current settings a snapshot could
    /// not write back (a duration Slack reports but will not take, such as 180 s): once
    /// changed, nothing could undo it.
    fn leave_out_unrestorable(&mut self, force: bool) {
        if force {
            return;
        }
        let held = &self.held;
        let mut left_out = Vec::new();
        for s in &mut self.steps {
            s.users.retain(|u| {
                let why = UserId::new(u)
                    .ok()
                    .and_then(|id| held.get(&id).copied())
                    .and_then(crate::snapshot::unrestorable);
                match why {
                    Some(detail) => {
                        left_out.push(LeftOut {
                            user_id: u.clone(),
                            reason: "not_restorable",
                            detail,
                        });
                        false
                    }
                    None => true,
                }
            });
        }
        self.steps.retain(|s| !s.users.is_empty());
        self.left_out.extend(left_out);
    }
}

/// The steps of a fresh plan.
pub(super) fn from_plan(policy: &Path, r: &PolicyReading) -> ToApply {
    let plan = &r.plan;
    let mut to = ToApply {
        source: format!("policy={}", policy.display()),
        steps: Vec::new(),
        held: plan
            .users
            .iter()
            .filter(|u| u.step != PlanStep::Keep)
            .map(|u| (u.user_id.clone(), u.held))
            .collect(),
        changes: plan.changes(),
        unknown: plan.unknown(),
        left_out: Vec::new(),
        outside_plan: 0,
    };
    for group in plan.groups() {
        to.steps.push(Step {
            op: op_of(group.target),
            users: group.users.iter().map(ToString::to_string).collect(),
        });
    }
    to
}

/// The target an op gives, for messages.
fn target_of(op: Op) -> Target {
    match op {
        Op::Set(s) => Target::Set(s),
        _ => Target::Clear,
    }
}

fn op_of(t: Target) -> Op {
    match t {
        Target::Set(s) => Op::Set(s),
        Target::Clear => Op::Clear,
    }
}

/// The steps of a saved plan, each change re-derived from the policy as planned now:
/// only what the policy still asks for is applied, and a plan that asks for anything
/// else (a user the policy does not select, another target) is refused, as is one whose
/// users hold other settings than when it was made, unless `done` (the journal of an
/// earlier run of this plan) shows them applied.
fn reconcile(
    path: &Path,
    saved: &SavedPlan,
    fresh: &PolicyReading,
    done: Option<&crate::journal::Record>,
) -> Result<ToApply, Fail> {
    let plan = &fresh.plan;
    let by_id: HashMap<&UserId, &slack_sessions_core::policy::Assigned> =
        plan.users.iter().map(|u| (&u.user_id, u)).collect();
    let refuse = |what: String| {
        usage(format!(
            "--plan {}: {what}; nothing was changed: plan again",
            path.display()
        ))
    };
    let mut to = ToApply {
        source: format!("plan={}", path.display()),
        steps: Vec::new(),
        held: HashMap::new(),
        changes: 0,
        unknown: 0,
        left_out: Vec::new(),
        outside_plan: 0,
    };
    let mut drifted = Vec::new();
    let mut in_plan = std::collections::HashSet::new();
    for u in &saved.users {
        let id = UserId::new(&u.user_id)
            .map_err(|e| refuse(format!("user {:?}: {e}", crate::users::echo(&u.user_id))))?;
        let op =
            u.to.target()
                .map(op_of)
                .map_err(|e| refuse(format!("user {id}: {e}")))?;
        in_plan.insert(id.clone());
        if done.is_some_and(|d| d.applied.contains(u.user_id.as_str())) {
            continue;
        }
        let Some(now) = by_id.get(&id) else {
            return Err(refuse(format!(
                "it changes {id}, whom the policy does not select"
            )));
        };
        let wanted = plan.target(now.rule).copied().map(op_of);
        if !wanted.is_some_and(|w| same_op(w, op)) {
            return Err(refuse(format!(
                "it gives {id} {}, but the policy gives them {}",
                target_of(op),
                plan.target(now.rule)
                    .map_or("nothing".into(), ToString::to_string)
            )));
        }
        let was = u.from.held();
        if now.held != was {
            drifted.push(format!("{id} (planned from {was}, now {})", now.held));
            continue;
        }
        if now.step == PlanStep::Keep {
            continue;
        }
        match now.step {
            PlanStep::Unknown => to.unknown += 1,
            _ => to.changes += 1,
        }
        to.held.insert(id, now.held);
        to.push(op, u.user_id.clone());
    }
    if !drifted.is_empty() {
        let shown: Vec<&str> = drifted.iter().take(10).map(String::as_str).collect();
        let more = match drifted.len() {
            n if n > 10 => format!(", … {} more", n - 10),
            _ => String::new(),
        };
        return Err(usage(format!(
            "{} users changed since the plan was made: {}{more}; nothing was changed: plan again",
            drifted.len(),
            shown.join(", ")
        )));
    }
    to.outside_plan = plan
        .users
        .iter()
        .filter(|u| u.step != PlanStep::Keep && !in_plan.contains(&u.user_id))
        .count();
    Ok(to)
}

fn same_op(a: Op, b: Op) -> bool {
    match (a, b) {
        (Op::Set(x), Op::Set(y)) => x == y,
        (Op::Clear, Op::Clear) => true,
        _ => false,
    }
}

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

/// Writes what the users to change hold, as a snapshot `restore` reads.
fn write_snapshot(path: &Path, replace: bool, held: &[(UserId, Held)]) -> Result<(), String> {
    #[derive(Serialize)]
    struct Entry<'a> {
        user_id: &'a str,
        duration: Option<i64>,
        desktop_app_browser_quit: Option<bool>,
    }
    #[derive(Serialize)]
    struct Shape<'a> {
        schema_version: u32,
        method: &'static str,
        settings: Vec<Entry<'a>>,
        no_settings_applied: Vec<&'a str>,
        not_returned: Vec<&'a str>,
    }
    let mut s = Shape {
        schema_version: crate::report::SCHEMA_VERSION,
        method: "admin.users.session.getSettings",
        settings: Vec::new(),
        no_settings_applied: Vec::new(),
        not_returned: Vec::new(),
    };
    for (id, h) in held {
        match *h {
            Held::NotReturned => s.not_returned.push(id.as_str()),
            Held::Settings {
                duration: None,
                quit_on_close: None,
            } => s.no_settings_applied.push(id.as_str()),
            Held::Settings {
                duration,
                quit_on_close,
            } => s.settings.push(Entry {
                user_id: id.as_str(),
                duration: duration.map(HeldDuration::as_secs),
                desktop_app_browser_quit: quit_on_close,
            }),
            _ => s.not_returned.push(id.as_str()),
        }
    }
    crate::snapshot::write_durably(path, replace, |w| {
        serde_json::to_writer(&mut *w, &s).map_err(std::io::Error::from)?;
        w.write_all(b"\n")
    })
}

/// `apply POLICY` or `apply --plan PLAN`.
pub(super) fn apply(g: &Settings, a: &ApplyArgs) -> Result<Exit, Fail> {
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
    write_snapshot(&snapshot, record.replace_snapshot, &held).map_err(usage)?;
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
