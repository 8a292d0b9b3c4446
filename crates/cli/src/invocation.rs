//! The command line resolved into one typed [`Invocation`] that the commands consume:
//! parse (clap, in `args`), then resolve (here: the checks that span several options,
//! and clap's types turned into the library's), then run (`run`). Nothing past this
//! module sees a clap type.

use std::path::PathBuf;
use std::time::Duration;

use slack_sessions_core::{Encoding, Rate, ResetScope, SessionSettings};

use crate::args::{self, Cli, Command, EncodingArg, SessionsCommand, TransportArg, UsersCommand};
use crate::fail::{usage, Fail};
use crate::people::People;

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
    /// Go on when an exception cannot be read or matches nobody.
    pub(crate) allow_unmatched_exceptions: bool,
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
    /// People named as admins hold them, resolved before the run.
    pub(crate) people: People,
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
    /// Change users whose current settings no snapshot could write back.
    pub(crate) force: bool,
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

/// `apply`'s choices.
#[derive(Debug, Clone)]
pub(crate) struct ApplyArgs {
    /// The policy, unless a saved plan is given.
    pub(crate) policy: Option<PathBuf>,
    /// A saved plan.
    pub(crate) plan: Option<PathBuf>,
    /// The most users it may change.
    pub(crate) max_changes: Option<usize>,
    /// Apply without asking.
    pub(crate) yes: bool,
    /// The snapshot, the journal and the resume.
    pub(crate) record: Record,
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
    /// `plan POLICY`.
    Plan {
        policy: PathBuf,
        explain: Vec<String>,
        out: Option<PathBuf>,
        detailed_exitcode: bool,
    },
    /// `apply POLICY` or `apply --plan PLAN`.
    Apply(ApplyArgs),
    /// `auth status`.
    AuthStatus,
    /// `users resolve`.
    Resolve {
        users: UsersSource,
        csv: bool,
        out: Option<PathBuf>,
    },
    /// `emulator`.
    Emulator {
        port: Option<u16>,
        rate_limit: u32,
        faults: Option<String>,
        users: Option<u32>,
        tls: Option<(PathBuf, PathBuf)>,
        enterprise: bool,
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
        allow_unmatched_exceptions: g.allow_unmatched_exceptions,
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
                users: users_source(users)?,
                record: record.into(),
            }
        }
        Command::Get { users } => Cmd::Get {
            users: users_source(users)?,
        },
        Command::Clear { users, record } => Cmd::Clear {
            users: users_source(users)?,
            record: record.into(),
        },
        Command::Plan {
            policy,
            explain,
            out,
            detailed_exitcode,
        } => Cmd::Plan {
            policy,
            explain,
            out,
            detailed_exitcode,
        },
        Command::Apply {
            policy,
            plan,
            max_changes,
            yes,
            snapshot,
            replace_snapshot,
            journal,
            resume,
            force,
        } => Cmd::Apply(ApplyArgs {
            policy,
            plan,
            max_changes,
            yes,
            record: Record {
                journal,
                resume,
                skip_failed: false,
                snapshot,
                replace_snapshot,
                force,
            },
        }),
        Command::Auth {
            command: args::AuthCommand::Status,
        } => Cmd::AuthStatus,
        Command::Users {
            command: UsersCommand::Resolve { users, csv, out },
        } => Cmd::Resolve {
            users: users_source(users)?,
            csv,
            out,
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
                    users: users_source(users)?,
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
            enterprise,
        } => Cmd::Emulator {
            port,
            rate_limit,
            faults,
            users,
            tls: tls_cert.zip(tls_key),
            enterprise,
        },
        Command::Demo => Cmd::Demo,
        Command::Completions { shell } => Cmd::Completions { shell },
        Command::Man => Cmd::Man,
    };
    Ok(Invocation { settings, command })
}

/// The users of a command, the people flags checked: an email, a user group ID or a
/// workspace ID that cannot be one is refused before anything is read or sent.
fn users_source(u: args::Users) -> Result<UsersSource, Fail> {
    let emails = u
        .emails
        .iter()
        .map(|e| {
            e.trim()
                .parse()
                .map_err(|why| usage(format!("--email {:?}: {why}", crate::users::echo(e))))
        })
        .collect::<Result<_, _>>()?;
    let usergroups = u
        .usergroups
        .iter()
        .map(|g| {
            g.trim()
                .parse()
                .map_err(|why| usage(format!("--usergroup: {why}")))
        })
        .collect::<Result<_, _>>()?;
    if let Some(w) = &u.workspace {
        if w.is_empty() || !w.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(usage(format!(
                "--workspace {:?}: a workspace ID is letters and digits, e.g. T0123ABCD",
                crate::users::echo(w)
            )));
        }
    }
    let stdin = [&u.users_file, &u.emails_file, &u.except_file]
        .iter()
        .filter(|f| f.as_deref() == Some(std::path::Path::new("-")))
        .count();
    if stdin > 1 {
        return Err(usage(
            "only one of --users-file, --emails-file and --except-file can read stdin ('-')",
        ));
    }
    let people = People {
        emails_file: u.emails_file,
        emails,
        guests: u.guests,
        admins: u.admins,
        owners: u.owners,
        usergroups,
        all_users: u.all_users,
        except_file: u.except_file,
        workspace: u.workspace,
        directory_size: u.directory_size,
    };
    if !people.any() && (people.workspace.is_some() || people.directory_size.is_some()) {
        return Err(usage(
            "--workspace and --directory-size go with people to resolve: --emails-file, --email, --guests, --admins, --owners, --usergroup or --all-users",
        ));
    }
    Ok(UsersSource {
        ids: u.ids,
        file: u.users_file,
        people,
    })
}

impl From<args::Record> for Record {
    fn from(r: args::Record) -> Self {
        Record {
            journal: r.journal,
            resume: r.resume,
            skip_failed: r.skip_failed,
            snapshot: r.snapshot,
            replace_snapshot: r.replace_snapshot,
            force: r.force,
        }
    }
}
