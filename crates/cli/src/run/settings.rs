//! `set`, `get` and `clear`: read and check the users, then a dry run or a bulk run over
//! the chosen transport, then the report and the exit code.

use std::path::Path;
use std::time::Instant;

use std::sync::{Arc, Mutex};

use slack_sessions_core::limits::DEFAULT_BASE_URL;
use slack_sessions_core::{
    BulkRun, CancelToken, ClearSettings, Error, GetSettings, Kind, Progress, ResetSessionsBulk,
    Selection, SetSettings, Settled, SettledObserver, Token, UserId,
};
use slack_sessions_emulator::Emulator;

use super::clients::{build, configure, progress_bar, BulkClient, OnRuntime};
use super::{dry_run, usage, Fail, Op};
use crate::exit::Exit;
use crate::invocation::{Record, Settings, TransportKind, UsersSource};
use crate::journal::{self, Header, Journal, ScopeLine, SettingsLine, JOURNAL_VERSION};
use crate::output;
use crate::report::{stop_line, Outcome, Resumed, Skipped};
use crate::signals::Interrupts;
use crate::users::{self, Input, Texts};

/// Validated inputs of a set/get/clear run: the texts to send, packed, and the inputs
/// that are not user IDs, with where they came from.
pub(super) struct Prepared {
    /// Every input with a text, valid or not (the plan reports the invalid ones).
    pub(super) texts: Texts,
    /// The inputs that are not user IDs or emails (and CSV rows without their column),
    /// with why.
    pub(super) bad: Vec<(Input, String)>,
    /// Inputs that hold a valid user ID.
    pub(super) valid: usize,
    /// The people the flags name, to resolve before the run (the user IDs join them
    /// then); `None` when only user IDs are given, or a resume has the resolved set.
    pub(super) people: Option<Selection>,
}

impl Prepared {
    /// Everyone named: the valid user IDs and the people, taken (a resolution holds
    /// them from here on; a file of two million addresses is held once).
    pub(super) fn take_selection(&mut self) -> Selection {
        let ids = self.texts.iter().filter_map(|t| UserId::new(t).ok());
        self.people.take().unwrap_or_default().ids(ids)
    }

    /// Takes the users a resolution found in place of the inputs: those users, then
    /// the inputs that are not user IDs (so that the report still counts them).
    fn resolved(&mut self, found: Texts) {
        let mut texts = found;
        for t in self.texts.iter().filter(|t| UserId::new(t).is_err()) {
            texts.push(t);
        }
        self.valid = texts.len() - (self.texts.len() - self.valid);
        self.texts = texts;
        self.people = None;
    }

    /// The inputs that hold no user ID at all (CSV rows without the user column).
    fn unreadable(&self) -> Vec<Input> {
        self.bad
            .iter()
            .filter(|(i, _)| i.problem.is_some())
            .map(|(i, _)| i.clone())
            .collect()
    }
}

/// Reads the users and refuses, before anything is sent, what cannot be run: with
/// `--strict` any input not understood, and always an exception that cannot be read
/// (unless `--allow-unmatched-exceptions`).
pub(super) fn prepare(g: &Settings, users: &UsersSource) -> Result<Prepared, Fail> {
    let collected = users::collect(&users.ids, users.file.as_deref()).map_err(usage)?;
    let people = match users.people.any() {
        true => Some(crate::people::read(&users.people).map_err(usage)?),
        false => None,
    };
    if collected.count == 0 && !users.people.names_people() {
        return Err(usage(
            "no users given: pass user IDs, --users-file PATH, or people (--emails-file, --email, --guests, --admins, --owners, --usergroup, --all-users)",
        ));
    }
    let id_errors = collected.bad.len();
    let mut bad = collected.bad;
    let people = match people {
        None => None,
        Some(p) => {
            if !p.bad_exceptions.is_empty() && !g.allow_unmatched_exceptions {
                return Err(usage(refuse_exceptions(
                    p.bad_exceptions
                        .iter()
                        .map(|(i, why)| format!("{} ({}): {why}", users::echo(&i.text), i.origin)),
                    "cannot be read",
                )));
            }
            if p.duplicates > 0 && !g.quiet {
                eprintln!(
                    "{} repeated an earlier one (each person is kept once)",
                    plural(p.duplicates, "line", "lines")
                );
            }
            bad.extend(p.bad);
            bad.extend(p.bad_exceptions);
            Some(p.selection)
        }
    };
    if !bad.is_empty() {
        if g.strict {
            let (i, why) = &bad[0];
            return Err(usage(format!(
                "{}{}; nothing was sent",
                describe_bad(i, why),
                if bad.len() > 1 {
                    format!(" (and {} more)", bad.len() - 1)
                } else {
                    String::new()
                }
            )));
        }
        if !g.quiet {
            for (i, why) in &bad {
                eprintln!("skipping {}", describe_bad(i, why));
            }
        }
    }
    let valid = collected.count - id_errors;
    if valid == 0 && !users.people.names_people() {
        return Err(usage("no valid user IDs among the inputs"));
    }
    Ok(Prepared {
        texts: collected.texts,
        bad,
        valid,
        people,
    })
}

/// One input not understood, for a message: `invalid user id "x" (argument 1): why`
/// for a user ID, `"x" (line 3 of f): not an email: why` for the rest.
fn describe_bad(i: &Input, why: &str) -> String {
    match i.problem {
        Some(_) => format!("{:?} ({}): {why}", users::echo(&i.text), i.origin),
        None => format!(
            "invalid user id {:?} ({}): {why}",
            users::echo(&i.text),
            i.origin
        ),
    }
}

/// `n` and the noun, singular for one.
pub(super) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The one-line refusal of a run whose exceptions `what` (`cannot be read`, `matched
/// nobody`): the first few named, and the way out.
pub(super) fn refuse_exceptions(named: impl Iterator<Item = String>, what: &str) -> String {
    let named: Vec<String> = named.collect();
    let shown = named.iter().take(3).cloned().collect::<Vec<_>>().join("; ");
    let more = match named.len() {
        n if n > 3 => format!(" (and {} more)", n - 3),
        _ => String::new(),
    };
    format!(
        "an exception {what}, so nobody it names could be left out: {shown}{more}; nothing was sent: fix it, or pass --allow-unmatched-exceptions to go on without it"
    )
}

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
        output::json_report(&outcome, &prepared.bad)?;
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

/// Refuses, before anything is read or sent, a snapshot that would overwrite a file or
/// the journal.
pub(super) fn check_paths(record: &Record) -> Result<(), Fail> {
    let Some(snapshot) = &record.snapshot else {
        return Ok(());
    };
    if let Some(journal) = record.journal.as_ref().or(record.resume.as_ref()) {
        if same_file(snapshot, journal) {
            return Err(usage(format!(
                "--snapshot and --journal name one file ({}): each needs its own",
                snapshot.display()
            )));
        }
    }
    if !record.replace_snapshot && std::fs::symlink_metadata(snapshot).is_ok() {
        return Err(usage(crate::snapshot::refuse_existing(snapshot)));
    }
    Ok(())
}

/// Whether two paths name one file: the same file if both exist, else the same name in
/// the same directory.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    let full = |p: &Path| {
        let dir = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
        p.file_name().map(|n| dir.join(n))
    };
    full(a).is_some() && full(a) == full(b)
}

/// A connection for a run: the client of the transport asked for, the interrupts it
/// heeds, and the server's name for messages (with the in-process emulator of
/// `--emulator` kept alive as long as the connection).
pub(super) struct Connection {
    pub(super) session: Transport,
    pub(super) interrupts: Interrupts,
    pub(super) shown_url: String,
    _emulator: Option<Emulator>,
}

impl Connection {
    /// Connects as the command line says, and handles SIGINT and SIGTERM from now on.
    pub(super) fn open(g: &Settings) -> Result<Connection, Fail> {
        let (token, base_url, emulator) = connect(g)?;
        let shown_url = base_url
            .clone()
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let interrupts = Interrupts::install().map_err(usage)?;
        let session = Transport::new(g, token, base_url)?;
        Ok(Connection {
            session,
            interrupts,
            shown_url,
            _emulator: emulator,
        })
    }

    /// Hooks that an interrupt cancels, and no journal yet.
    pub(super) fn hooks(&self) -> Hooks {
        Hooks {
            cancel: self.interrupts.token.clone(),
            ..Hooks::default()
        }
    }
}

/// The token and base URL of a run: an in-process emulator's with `--emulator` (kept
/// alive by the returned handle), else the user's.
pub(super) fn connect(g: &Settings) -> Result<(Token, Option<String>, Option<Emulator>), Fail> {
    if g.emulator {
        let emu = Emulator::builder()
            .start()
            .map_err(|e| usage(format!("cannot start the emulator: {e}")))?;
        let token = Token::new(emu.admin_token()).map_err(|e| usage(e.to_string()))?;
        return Ok((token, Some(emu.base_url()), Some(emu)));
    }
    Ok((
        read_token(g.token_file.as_deref())?,
        g.base_url.clone(),
        None,
    ))
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
                super::policy::unrestorable(held).map(|detail| Skipped {
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

/// The longest token file read: Slack tokens are under 300 bytes.
const MAX_TOKEN_FILE: usize = 64 << 10;

pub(super) fn read_token(file: Option<&Path>) -> Result<Token, Fail> {
    let raw = match file {
        Some(p) => {
            let bytes =
                crate::bounded::read_small(p, MAX_TOKEN_FILE, "token file").map_err(usage)?;
            String::from_utf8(bytes).map_err(|_| {
                usage(format!(
                    "token file {} is not text: a token is ASCII",
                    p.display()
                ))
            })?
        }
        None => std::env::var("SLACK_TOKEN").map_err(|_| {
            usage("no token: set SLACK_TOKEN or pass --token-file PATH (or use --emulator)")
        })?,
    };
    Token::new(raw).map_err(|e| usage(format!("invalid token: {e}")))
}

/// Runs `op` over `client` and keeps what the report needs.
fn run_with(
    client: &impl BulkClient,
    op: Op,
    texts: &Texts,
    run: BulkRun,
    progress: &mut (dyn FnMut(Progress) + Send),
    started: Instant,
) -> Result<Outcome, Error> {
    Ok(match op {
        Op::Set(s) => {
            let r = client.apply::<SetSettings>(s, texts, run, progress)?;
            Outcome::new(op.method(), r, None, started.elapsed())
        }
        Op::Clear => {
            let r = client.apply::<ClearSettings>((), texts, run, progress)?;
            Outcome::new(op.method(), r, None, started.elapsed())
        }
        Op::Reset(scope) => {
            let r = client.apply::<ResetSessionsBulk>(scope, texts, run, progress)?;
            Outcome::new(op.method(), r, None, started.elapsed())
        }
        Op::Get => {
            let mut settings = None;
            let r = client
                .apply::<GetSettings>((), texts, run, progress)?
                .map_output(|o| settings = Some(o));
            Outcome::new(op.method(), r, settings, started.elapsed())
        }
    })
}

/// What a run shares with the rest of the process: the cancel token the signal handler
/// holds, the journal that records each settled request, and why the journal could not
/// be written, if that stopped the run.
#[derive(Default, Clone)]
pub(super) struct Hooks {
    pub(super) cancel: CancelToken,
    pub(super) journal: Option<Arc<Journal>>,
    pub(super) journal_error: Arc<Mutex<Option<String>>>,
}

impl Hooks {
    /// Why the journal could not be written, once that stopped the run.
    pub(super) fn journal_error(&self) -> Option<String> {
        self.journal_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// A client of the transport the command line asks for, built once for one or more runs.
pub(super) enum Transport {
    Blocking(slack_sessions_ureq::Client),
    Async(OnRuntime),
}

impl Transport {
    /// Builds the client.
    pub(super) fn new(g: &Settings, token: Token, base_url: Option<String>) -> Result<Self, Fail> {
        Ok(match g.transport {
            TransportKind::Blocking => Transport::Blocking(build(configure(
                slack_sessions_ureq::Client::builder(token),
                g,
                base_url,
            )?)?),
            TransportKind::Async => {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .map_err(|e| usage(format!("cannot start the async runtime: {e}")))?;
                let client = {
                    let _guard = runtime.enter();
                    build(configure(
                        slack_sessions_hyper::Client::builder(token),
                        g,
                        base_url,
                    )?)?
                };
                Transport::Async(OnRuntime { client, runtime })
            }
        })
    }

    /// Runs `op` over `texts` with a progress bar, the `-v` log, the hooks' cancel token
    /// and journal.
    pub(super) fn run(
        &self,
        g: &Settings,
        op: Op,
        texts: &Texts,
        hooks: &Hooks,
    ) -> Result<Outcome, Fail> {
        let valid = texts.len();
        let pb = progress_bar(g, valid);
        if let Some(pb) = &pb {
            pb.set_message(op.method().rsplit('.').next().unwrap_or("").to_owned());
        }
        let mut on_progress = |p: Progress| {
            if let Some(pb) = &pb {
                // The plan's total counts the distinct valid users, not every text.
                pb.set_length(p.total as u64);
                pb.set_position(p.done as u64);
            }
        };
        let run = BulkRun::default()
            .with_cancel_token(hooks.cancel.clone())
            .on_settled(hooks.journal.as_ref().map(|j| journal_observer(j, hooks)));
        let started = Instant::now();
        let outcome = match self {
            Transport::Blocking(client) => {
                run_with(client, op, texts, run, &mut on_progress, started)
            }
            Transport::Async(on) => {
                let run = run.concurrency(g.concurrency);
                run_with(on, op, texts, run, &mut on_progress, started)
            }
        };
        if let Some(pb) = pb {
            pb.finish_and_clear();
        }
        outcome.map_err(|e| usage(e.to_string()))
    }
}

/// Writes each settled request to `journal` before its users count as done. A journal
/// that cannot be written (a full disk) stops the run, so that no outcome goes
/// unrecorded; the run then reports that, not an interrupt.
fn journal_observer(journal: &Arc<Journal>, hooks: &Hooks) -> SettledObserver {
    let (journal, cancel) = (Arc::clone(journal), hooks.cancel.clone());
    let failed = Arc::clone(&hooks.journal_error);
    Arc::new(move |s: &Settled| {
        if let Err(e) = journal.record(s) {
            let mut first = failed.lock().unwrap_or_else(|p| p.into_inner());
            if first.is_none() {
                *first = Some(e);
            }
            cancel.cancel();
        }
    })
}

/// Builds the client the command line asks for and runs `op` with it.
pub(super) fn run_op(
    g: &Settings,
    op: Op,
    prepared: &Prepared,
    token: Token,
    base_url: Option<String>,
    hooks: &Hooks,
) -> Result<Outcome, Fail> {
    let session = Transport::new(g, token, base_url)?;
    let mut outcome = session.run(g, op, &prepared.texts, hooks)?;
    outcome.unreadable = prepared.unreadable();
    Ok(outcome)
}
