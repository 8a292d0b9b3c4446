//! `plan POLICY` and `apply POLICY`: a session policy compared with what users hold,
//! and the differences applied. The core makes the plan; this reads the file, drives
//! the reads over either client, prints the plan, keeps the snapshot and the journal,
//! and runs one bulk step per group of equal targets.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use slack_sessions_core::policy::{
    explain, Held, Policy, PolicyEvent, PolicyReading, PolicyRunError, Step as PlanStep, Target,
};
use slack_sessions_core::{HeldDuration, SessionDuration, SessionSettings, UserId};

use super::clients::progress_bar;
use super::settings::{Connection, Transport};
use super::steps::{self, Step};
use super::{usage, Fail, Op};
use crate::exit::{Exit, Signal};
use crate::invocation::{ApplyArgs, Settings};
use crate::journal::{Header, Journal, JOURNAL_VERSION};
use crate::output::{self, clean, say};
use crate::signals::Interrupts;

/// The `kind` of a saved plan.
const PLAN_KIND: &str = "slack-sessions plan";
/// The version of a saved plan's shape.
const PLAN_VERSION: u32 = 1;
/// The largest saved plan read: about two million users.
const MAX_PLAN: u64 = 512 << 20;
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

/// What a saved plan (and `plan --json`) holds.
#[derive(Debug, Serialize, Deserialize)]
struct SavedPlan {
    kind: String,
    schema_version: u32,
    /// The policy file it was made from.
    policy: String,
    rules: Vec<RuleJson>,
    /// Users that change.
    changes: usize,
    /// Users not returned, sent anyway.
    unknown: usize,
    /// Users already right.
    keep: usize,
    /// Every user the apply sends, with what they held and what they get.
    users: Vec<UserJson>,
    /// Inputs of the rules that matched nobody.
    unmatched: Vec<UnmatchedJson>,
}

#[derive(Debug, Serialize, Deserialize)]
struct RuleJson {
    name: String,
    target: TargetJson,
    keep: usize,
    change: usize,
    unknown: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct TargetJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    duration: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    desktop_app_browser_quit: Option<bool>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    clear: bool,
}

impl TargetJson {
    fn of(t: &Target) -> TargetJson {
        match t {
            Target::Clear => TargetJson {
                duration: None,
                desktop_app_browser_quit: None,
                clear: true,
            },
            Target::Set(s) => TargetJson {
                duration: s.duration.map(|d| d.as_secs()),
                desktop_app_browser_quit: s.desktop_app_browser_quit,
                clear: false,
            },
        }
    }

    /// The step that gives users this target; refused when it is not one.
    fn op(self) -> Result<Op, String> {
        if self.clear {
            return match (self.duration, self.desktop_app_browser_quit) {
                (None, None) => Ok(Op::Clear),
                _ => Err("a target both clears and sets".into()),
            };
        }
        let mut s = SessionSettings::new();
        if let Some(d) = self.duration {
            s.duration = Some(SessionDuration::from_secs(d).map_err(|e| e.to_string())?);
        }
        s.desktop_app_browser_quit = self.desktop_app_browser_quit;
        if s.is_empty() {
            return Err("a target sets nothing".into());
        }
        Ok(Op::Set(s))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct HeldJson {
    #[serde(default)]
    duration: Option<i64>,
    #[serde(default)]
    desktop_app_browser_quit: Option<bool>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    not_returned: bool,
}

impl HeldJson {
    fn of(h: &Held) -> HeldJson {
        match h {
            Held::Settings {
                duration,
                quit_on_close,
            } => HeldJson {
                duration: duration.map(HeldDuration::as_secs),
                desktop_app_browser_quit: *quit_on_close,
                not_returned: false,
            },
            _ => HeldJson {
                duration: None,
                desktop_app_browser_quit: None,
                not_returned: true,
            },
        }
    }

    fn held(self) -> Held {
        if self.not_returned {
            Held::NotReturned
        } else {
            Held::Settings {
                duration: self.duration.map(HeldDuration::from_secs),
                quit_on_close: self.desktop_app_browser_quit,
            }
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct UserJson {
    user_id: String,
    rule: String,
    from: HeldJson,
    to: TargetJson,
    /// `change`, or `unknown` (not returned: sent anyway).
    step: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct UnmatchedJson {
    rule: String,
    input: String,
    reason: String,
}

impl SavedPlan {
    fn of(policy: &Path, r: &PolicyReading) -> SavedPlan {
        let plan = &r.plan;
        let summary = plan.summary();
        SavedPlan {
            kind: PLAN_KIND.into(),
            schema_version: PLAN_VERSION,
            policy: policy.display().to_string(),
            rules: summary
                .iter()
                .map(|s| RuleJson {
                    name: s.name.clone(),
                    target: TargetJson::of(&s.target),
                    keep: s.keep,
                    change: s.change,
                    unknown: s.unknown,
                })
                .collect(),
            changes: plan.changes(),
            unknown: plan.unknown(),
            keep: plan.users.len() - plan.to_send(),
            users: plan
                .users
                .iter()
                .filter(|u| u.step != PlanStep::Keep)
                .map(|u| UserJson {
                    user_id: u.user_id.to_string(),
                    rule: plan.name(u.rule).to_owned(),
                    from: HeldJson::of(&u.held),
                    to: plan.target(u.rule).map_or(
                        TargetJson {
                            duration: None,
                            desktop_app_browser_quit: None,
                            clear: false,
                        },
                        TargetJson::of,
                    ),
                    step: match u.step {
                        PlanStep::Unknown => "unknown",
                        _ => "change",
                    }
                    .into(),
                })
                .collect(),
            unmatched: r
                .resolutions
                .iter()
                .zip(&plan.names)
                .flat_map(|(res, name)| {
                    res.unmatched.iter().map(move |u| UnmatchedJson {
                        rule: name.clone(),
                        input: u.input.clone(),
                        reason: u.reason.code().into(),
                    })
                })
                .collect(),
        }
    }

    fn read(path: &Path) -> Result<SavedPlan, String> {
        let name = path.display();
        let file =
            std::fs::File::open(path).map_err(|e| format!("cannot read --plan {name}: {e}"))?;
        let mut reader = std::io::BufReader::new(file.take(MAX_PLAN + 1));
        let plan: SavedPlan = serde_json::from_reader(&mut reader).map_err(|e| {
            if reader.get_ref().limit() == 0 {
                format!(
                    "--plan {name} is over {}: not a plan",
                    crate::bounded::size(MAX_PLAN as usize)
                )
            } else {
                format!("--plan {name} is not a plan (the JSON of plan --out): {e}")
            }
        })?;
        if plan.kind != PLAN_KIND || plan.schema_version != PLAN_VERSION {
            return Err(format!(
                "--plan {name} is not a plan this tool reads ({:?} version {})",
                crate::users::echo(&plan.kind),
                plan.schema_version
            ));
        }
        Ok(plan)
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
        let changes = plan
            .users
            .iter()
            .filter(|u| usize::from(u.rule) == i && u.step != PlanStep::Keep);
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
                "  rule {:?}: {} matched nobody ({})",
                clean(name),
                crate::users::echo(&u.input),
                u.reason
            );
        }
    }
    say!(
        "{} to change, {} not returned (sent anyway: Slack does not say what they hold), {} already right",
        plan.changes(),
        plan.unknown(),
        plan.users.len() - plan.to_send()
    );
    Ok(())
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
    let saved = (g.json || out.is_some()).then(|| SavedPlan::of(policy, &reading));
    if let (Some(path), Some(saved)) = (out, &saved) {
        crate::snapshot::write_new("--out", path, false, |w| {
            serde_json::to_writer(&mut *w, saved).map_err(std::io::Error::from)?;
            w.write_all(b"\n")
        })
        .map_err(usage)?;
        if !g.quiet {
            eprintln!("plan written to {}", path.display());
        }
    }
    match &saved {
        Some(s) if g.json => say!(
            "{}",
            serde_json::to_string(s).map_err(|e| usage(e.to_string()))?
        ),
        _ => print_plan(policy, &reading)?,
    }
    if !explain_ids.is_empty() {
        let rules = file.policy.rules().len();
        let matched: Vec<Vec<UserId>> = reading.resolutions[..rules]
            .iter()
            .map(|r| r.users.iter().map(|u| u.user_id.clone()).collect())
            .collect();
        for id in &explain_ids {
            let all = explain(&matched, id);
            let decided = reading.plan.users.iter().find(|u| u.user_id == *id);
            let line = match decided {
                None if reading.plan.targets.len() > rules => format!(
                    "{id}: no rule selects them, and the default covers only active users who are not bots: left alone"
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
                    let target = reading.plan.target(u.rule).map_or(String::new(), |t| t.to_string());
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
    }
    Ok(if reading.plan.changes() > 0 {
        Exit::ChangesPending
    } else {
        Exit::Ok
    })
}

/// The users an apply sends, in steps, and what each held (for the snapshot).
pub(super) struct ToApply {
    /// What the journal names: `policy=PATH` or `plan=PATH`.
    source: String,
    pub(super) steps: Vec<Step>,
    held: Vec<(UserId, Held)>,
    changes: usize,
    unknown: usize,
}

/// The steps of a fresh plan.
pub(super) fn from_plan(policy: &Path, r: &PolicyReading) -> ToApply {
    let plan = &r.plan;
    let mut steps: Vec<Step> = Vec::new();
    for group in plan.groups() {
        let op = match group.target {
            Target::Set(s) => Op::Set(s),
            Target::Clear => Op::Clear,
        };
        steps.push(Step {
            op,
            users: group.users.iter().map(ToString::to_string).collect(),
        });
    }
    ToApply {
        source: format!("policy={}", policy.display()),
        steps,
        held: plan
            .users
            .iter()
            .filter(|u| u.step != PlanStep::Keep)
            .map(|u| (u.user_id.clone(), u.held))
            .collect(),
        changes: plan.changes(),
        unknown: plan.unknown(),
    }
}

/// The steps of a saved plan, once its users are read again and found as it says.
fn from_saved(g: &Settings, c: &Connection, path: &Path) -> Result<ToApply, Fail> {
    let saved = SavedPlan::read(path).map_err(usage)?;
    let mut steps: Vec<Step> = Vec::new();
    let mut held = Vec::with_capacity(saved.users.len());
    for u in &saved.users {
        let id = UserId::new(&u.user_id).map_err(|e| {
            usage(format!(
                "--plan {}: user {:?}: {e}",
                path.display(),
                crate::users::echo(&u.user_id)
            ))
        })?;
        let op =
            u.to.op()
                .map_err(|e| usage(format!("--plan {}: {e}", path.display())))?;
        match steps.iter_mut().find(|s| same_op(s.op, op)) {
            Some(s) => s.users.push(u.user_id.clone()),
            None => steps.push(Step {
                op,
                users: vec![u.user_id.clone()],
            }),
        }
        held.push((id, u.from.held()));
    }
    // Read them again: a plan applied over changes made since would undo them.
    let texts: crate::users::Texts = saved.users.iter().map(|u| u.user_id.as_str()).collect();
    let outcome = c.session.run(g, Op::Get, &texts, &c.hooks())?;
    let r = &outcome.report;
    if r.stopped_by.is_some() || r.cancelled || !r.failed.is_empty() || !r.not_attempted.is_empty()
    {
        output::print(&outcome.summary())?;
        return Err(Fail {
            exit: outcome.exit_code().worst(Exit::Partial),
            message: "the plan's users could not all be read again, so nothing was changed".into(),
        });
    }
    let mut now: HashMap<UserId, Held> = outcome
        .settings
        .as_ref()
        .map(Held::from_answer)
        .unwrap_or_default();
    for u in &r.not_returned {
        now.insert(u.clone(), Held::NotReturned);
    }
    let drifted: Vec<String> = held
        .iter()
        .filter_map(|(id, was)| {
            let is = now.get(id).copied().unwrap_or(Held::NotReturned);
            (is != *was).then(|| format!("{id} (planned from {was}, now {is})"))
        })
        .collect();
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
    Ok(ToApply {
        source: format!("plan={}", path.display()),
        steps,
        held,
        changes: saved.changes,
        unknown: saved.unknown,
    })
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
    let snapshot = match (&record.snapshot, &record.resume) {
        (Some(p), _) => Some(p.clone()),
        (None, None) => Some(default_snapshot()),
        (None, Some(_)) => None,
    };
    if let Some(p) = &snapshot {
        if !record.replace_snapshot && std::fs::symlink_metadata(p).is_ok() {
            return Err(usage(crate::snapshot::refuse_existing(p)));
        }
    }
    let file = match &a.policy {
        Some(p) => Some(crate::policy_file::read(p).map_err(usage)?),
        None => None,
    };
    // The journal is locked before anything is read, so that a second apply on it is
    // refused at once.
    let (journal, done) = match (&record.journal, &record.resume) {
        (_, Some(path)) => {
            let (j, done) = Journal::resume(path).map_err(usage)?;
            (Some(j), Some(done))
        }
        (Some(path), None) if !g.dry_run => (Some(Journal::open_new(path).map_err(usage)?), None),
        _ => (None, None),
    };
    let c = Connection::open(g)?;
    let mut to = match (&file, &a.plan) {
        (Some(f), _) => {
            let reading = plan_on(g, &c.session, &c.interrupts, &f.policy)?;
            if !g.quiet && !g.json {
                print_plan(&f.path, &reading)?;
            }
            from_plan(&f.path, &reading)
        }
        (None, Some(p)) => from_saved(g, &c, p)?,
        (None, None) => return Err(usage("apply needs a POLICY or --plan PLAN")),
    };
    let header = Header {
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
        people: Some(vec![to.source.clone()]),
        resolved: None,
    };
    if let (Some(done), Some(path)) = (&done, &record.resume) {
        let same = done
            .header
            .as_ref()
            .is_some_and(|h| h.method == header.method && h.people == header.people);
        if !same {
            return Err(usage(format!(
                "--resume {} records another run, not the apply of {}",
                path.display(),
                to.source
            )));
        }
        // Applied by the earlier run: not sent again, whatever a re-read says now.
        for s in &mut to.steps {
            s.users.retain(|u| !done.applied.contains(u));
        }
        to.steps.retain(|s| !s.users.is_empty());
    }
    let sending: usize = to.steps.iter().map(|s| s.users.len()).sum();
    if sending == 0 {
        if !g.quiet {
            eprintln!("nothing to change");
        }
        return Ok(Exit::Ok);
    }
    if let Some(max) = a.max_changes {
        if sending > max {
            return Err(usage(format!(
                "the plan would change {sending} users, over --max-changes {max}: nothing was changed"
            )));
        }
    }
    if g.dry_run {
        for s in &to.steps {
            say!("{}", steps::label(s));
        }
        say!("{} steps for {sending} users; nothing sent", to.steps.len());
        return Ok(Exit::Ok);
    }
    confirm(
        a.yes,
        &format!(
            "{sending} users to change ({} that differ, {} not returned) in {} steps",
            to.changes,
            to.unknown,
            to.steps.len()
        ),
    )?;
    if let Some(path) = &snapshot {
        let sent: std::collections::HashSet<&str> = to
            .steps
            .iter()
            .flat_map(|s| s.users.iter().map(String::as_str))
            .collect();
        let held: Vec<(UserId, Held)> = to
            .held
            .iter()
            .filter(|(id, _)| sent.contains(id.as_str()))
            .cloned()
            .collect();
        write_snapshot(path, record.replace_snapshot, &held).map_err(usage)?;
        if !g.quiet {
            eprintln!(
                "snapshot of {} users written to {} (restore it to undo)",
                held.len(),
                path.display()
            );
        }
    }
    let mut hooks = c.hooks();
    if let Some(j) = journal {
        if done.is_none() {
            j.start(&header).map_err(usage)?;
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
    )?;
    Ok(ran.exit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_holdings_round_trip_through_a_saved_plan() {
        let t = Target::Set(SessionSettings::new().duration("12h".parse().unwrap()));
        let j = TargetJson::of(&t);
        assert!(
            matches!(j.op(), Ok(Op::Set(s)) if s.duration.map(|d| d.as_secs()) == Some(43_200))
        );
        assert!(matches!(TargetJson::of(&Target::Clear).op(), Ok(Op::Clear)));
        let bad = TargetJson {
            duration: Some(60),
            desktop_app_browser_quit: None,
            clear: false,
        };
        assert!(bad.op().is_err());
        for h in [
            Held::NONE,
            Held::NotReturned,
            Held::Settings {
                duration: Some(HeldDuration::from_secs(180)),
                quit_on_close: Some(true),
            },
        ] {
            assert_eq!(HeldJson::of(&h).held(), h);
        }
    }
}
