//! The connection a run makes: the client of the transport asked for (the one place
//! that chooses blocking or async), the token it reads, the interrupts it heeds, and a
//! bulk run over it with its progress bar, `-v` log and journal.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use slack_sessions_core::limits::DEFAULT_BASE_URL;
use slack_sessions_core::{
    BulkRun, CancelToken, ClearSettings, Error, GetSettings, Progress, ResetSessionsBulk,
    SetSettings, Settled, SettledObserver, Token,
};
use slack_sessions_emulator::Emulator;

use super::clients::{build, configure, progress_bar, BulkClient, OnRuntime};
use super::op::Op;
use super::prepare::Prepared;
use crate::fail::{usage, Fail};
use crate::invocation::{Settings, TransportKind};
use crate::journal::Journal;
use crate::report::Outcome;
use crate::signals::Interrupts;
use crate::users::Texts;

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
