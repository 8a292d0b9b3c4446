//! The command line resolved into one typed [`Invocation`] that the commands consume:
//! parse (clap, in `args`), then resolve (here: the checks that span several options,
//! and clap's types turned into the library's), then run (`run`). Nothing past this
//! module sees a clap type.

use std::path::PathBuf;
use std::time::Duration;

use slack_sessions_core::{Encoding, Rate, ResetScope, SessionSettings};

use crate::args::{self, Cli, Command, EncodingArg, SessionsCommand, TransportArg};
use crate::run::{usage, Fail};

/// What to run, and how.
#[derive(Debug)]
pub(crate) struct Invocation {
    /// The settings every command shares.
    pub(crate) settings: Settings,
    /// The command.
    pub(crate) command: Cmd,
}

/// Which client moves the requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransportKind {
    /// ureq, one request at a time (or one a thread).
    Blocking,
    /// hyper on tokio, `concurrency` requests at once.
    Async,
}

/// The settings every command shares, checked.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Read the token from this file (else `$SLACK_TOKEN`).
    pub(crate) token_file: Option<PathBuf>,
    /// The API base URL, when not Slack's.
    pub(crate) base_url: Option<String>,
    /// Run against an in-process emulator.
    pub(crate) emulator: bool,
    /// The body encoding.
    pub(crate) encoding: Encoding,
    /// The client.
    pub(crate) transport: TransportKind,
    /// Requests in flight at once (async).
    pub(crate) concurrency: usize,
    /// Retries after a failed attempt.
    pub(crate) max_retries: u32,
    /// The whole HTTP call's time.
    pub(crate) timeout: Duration,
    /// Client-side pacing, when not the tiers'.
    pub(crate) rate: Option<Rate>,
    /// Print the requests; send nothing.
    pub(crate) dry_run: bool,
    /// One JSON report on stdout.
    pub(crate) json: bool,
    /// A stderr line per request.
    pub(crate) verbose: bool,
    /// Only errors.
    pub(crate) quiet: bool,
    /// Refuse invalid inputs instead of skipping them.
    pub(crate) strict: bool,
    /// More CA certificates to trust.
    pub(crate) ca_file: Vec<PathBuf>,
    /// The proxy, when named.
    pub(crate) proxy: Option<String>,
    /// Ignore the environment's proxy.
    pub(crate) no_proxy: bool,
}

/// Where a command's users come from.
#[derive(Debug, Clone, Default)]
pub(crate) struct UsersSource {
    /// User IDs on the command line.
    pub(crate) ids: Vec<String>,
    /// A users file (`-` for stdin).
    pub(crate) file: Option<PathBuf>,
}

/// What a changing run keeps on disk.
#[derive(Debug, Clone, Default)]
pub(crate) struct Record {
    /// A new journal.
    pub(crate) journal: Option<PathBuf>,
    /// The journal of the run to resume.
    pub(crate) resume: Option<PathBuf>,
    /// With `resume`: skip the users Slack refused.
    pub(crate) skip_failed: bool,
    /// The snapshot to take first.
    pub(crate) snapshot: Option<PathBuf>,
    /// Let `snapshot` replace a file.
    pub(crate) replace_snapshot: bool,
}

/// `sessions reset --verify`.
#[derive(Debug, Clone)]
pub(crate) struct Verify {
    /// The organisation to list users in, when given.
    pub(crate) team: Option<String>,
    /// The time bound.
    pub(crate) timeout: Duration,
}

/// `sessions list`'s choices.
#[derive(Debug, Clone, Default)]
pub(crate) struct Listing {
    /// One user's sessions (with `team`).
    pub(crate) user: Option<String>,
    /// The user's team.
    pub(crate) team: Option<String>,
    /// Sessions a page.
    pub(crate) limit: Option<u32>,
    /// Where to start.
    pub(crate) cursor: Option<String>,
}

/// The command, typed.
#[derive(Debug)]
pub(crate) enum Cmd {
    /// `set`.
    Set {
        settings: SessionSettings,
        users: UsersSource,
        record: Record,
    },
    /// `get`.
    Get { users: UsersSource },
    /// `clear`.
    Clear { users: UsersSource, record: Record },
    /// `restore SNAPSHOT`.
    Restore { snapshot: PathBuf },
    /// `sessions list`.
    List(Listing),
    /// `sessions reset`.
    Reset {
        users: UsersSource,
        scope: ResetScope,
        record: Record,
        verify: Option<Verify>,
    },
    /// `sessions invalidate`.
    Invalidate { session_id: u64, user: String },
    /// `emulator`.
    Emulator {
        port: Option<u16>,
        rate_limit: u32,
        faults: Option<String>,
        users: Option<u32>,
        tls: Option<(PathBuf, PathBuf)>,
    },
    /// `demo`.
    Demo,
    /// `completions SHELL`.
    Completions { shell: clap_complete::Shell },
    /// `man`.
    Man,
}

/// Resolves the parsed command line; refuses, before anything is read or sent, what
/// the options cannot mean together.
pub(crate) fn resolve(cli: Cli) -> Result<Invocation, Fail> {
    let g = cli.global;
    let settings = Settings {
        token_file: g.token_file,
        base_url: g.base_url,
        emulator: g.emulator,
        encoding: match g.encoding {
            EncodingArg::Form => Encoding::Form,
            EncodingArg::Json => Encoding::Json,
        },
        transport: match g.transport {
            TransportArg::Blocking => TransportKind::Blocking,
            TransportArg::Async => TransportKind::Async,
        },
        concurrency: g.concurrency,
        max_retries: g.max_retries,
        timeout: g.timeout,
        rate: g.rate.map(|r| Rate::new(r, (r / 10).max(1))),
        dry_run: g.dry_run,
        json: g.json,
        verbose: g.verbose,
        quiet: g.quiet,
        strict: g.strict,
        ca_file: g.ca_file,
        proxy: g.proxy,
        no_proxy: g.no_proxy,
    };
    let command = match cli.command {
        Command::Set {
            duration,
            quit_on_close,
            users,
            record,
        } => {
            let mut settings = SessionSettings::new();
            settings.duration = duration;
            settings.desktop_app_browser_quit = quit_on_close;
            if settings.is_empty() {
                return Err(usage(
                    "set needs --duration DUR and/or --quit-on-close true|false",
                ));
            }
            Cmd::Set {
                settings,
                users: users.into(),
                record: record.into(),
            }
        }
        Command::Get { users } => Cmd::Get {
            users: users.into(),
        },
        Command::Clear { users, record } => Cmd::Clear {
            users: users.into(),
            record: record.into(),
        },
        Command::Restore { snapshot } => Cmd::Restore { snapshot },
        Command::Sessions { command } => match command {
            SessionsCommand::List {
                user,
                team,
                limit,
                cursor,
            } => Cmd::List(Listing {
                user,
                team,
                limit,
                cursor,
            }),
            SessionsCommand::Reset {
                users,
                mobile_only,
                web_only,
                record,
                verify,
            } => {
                if record.snapshot.is_some() {
                    return Err(usage(
                        "sessions reset cannot take --snapshot: a snapshot holds settings, and a sign-out cannot be undone",
                    ));
                }
                let scope = match (mobile_only, web_only) {
                    (true, _) => ResetScope::mobile_only(),
                    (_, true) => ResetScope::web_only(),
                    _ => ResetScope::all(),
                };
                Cmd::Reset {
                    users: users.into(),
                    scope,
                    record: record.into(),
                    verify: verify.verify.then_some(Verify {
                        team: verify.team,
                        timeout: verify.verify_timeout,
                    }),
                }
            }
            SessionsCommand::Invalidate { session_id, user } => {
                Cmd::Invalidate { session_id, user }
            }
        },
        Command::Emulator {
            port,
            rate_limit,
            faults,
            users,
            tls_cert,
            tls_key,
        } => Cmd::Emulator {
            port,
            rate_limit,
            faults,
            users,
            tls: tls_cert.zip(tls_key),
        },
        Command::Demo => Cmd::Demo,
        Command::Completions { shell } => Cmd::Completions { shell },
        Command::Man => Cmd::Man,
    };
    Ok(Invocation { settings, command })
}

impl From<args::Users> for UsersSource {
    fn from(u: args::Users) -> Self {
        UsersSource {
            ids: u.ids,
            file: u.users_file,
        }
    }
}

impl From<args::Record> for Record {
    fn from(r: args::Record) -> Self {
        Record {
            journal: r.journal,
            resume: r.resume,
            skip_failed: r.skip_failed,
            snapshot: r.snapshot,
            replace_snapshot: r.replace_snapshot,
        }
    }
}
