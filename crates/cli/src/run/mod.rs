//! Executing a command: validation first, then the emulator, a dry run or a real bulk run.
//! One file a command: [`settings`] (set, get, clear), [`dry_run`], [`demo`] and
//! [`emulator`]; [`clients`] drives either transport.

mod auth;
mod clients;
mod demo;
mod dry_run;
mod emulator;
mod help;
mod policy;
mod resolve;
mod restore;
mod sessions;
mod settings;
mod steps;
mod verify;

use slack_sessions_core::{
    ClearSettings, GetSettings, Method, ResetScope, ResetSessionsBulk, SessionSettings, SetSettings,
};

use crate::exit::Exit;
use crate::invocation::{Cmd, Invocation};

/// A run that ends this way and, unless empty, with this one-line message on stderr.
#[derive(Debug)]
pub(crate) struct Fail {
    pub(crate) exit: Exit,
    pub(crate) message: String,
}

/// A usage or validation error: exit 2, nothing sent.
pub(crate) fn usage(message: impl Into<String>) -> Fail {
    Fail {
        exit: Exit::Usage,
        message: message.into(),
    }
}

/// What a set/get/clear run does.
#[derive(Debug, Clone, Copy)]
enum Op {
    Set(SessionSettings),
    Get,
    Clear,
    Reset(ResetScope),
}

impl Op {
    /// Whether it changes anything (and so makes a preflight first).
    fn writes(self) -> bool {
        !matches!(self, Op::Get)
    }

    /// The Slack method.
    fn method(self) -> &'static str {
        match self {
            Op::Set(_) => SetSettings::NAME,
            Op::Get => GetSettings::NAME,
            Op::Clear => ClearSettings::NAME,
            Op::Reset(_) => ResetSessionsBulk::NAME,
        }
    }

    /// The settings, as a journal header holds them.
    fn settings_line(self) -> Option<crate::journal::SettingsLine> {
        match self {
            Op::Set(s) => Some(crate::journal::SettingsLine {
                duration: s.duration.map(|d| d.as_secs()),
                desktop_app_browser_quit: s.desktop_app_browser_quit,
            }),
            Op::Get | Op::Clear | Op::Reset(_) => None,
        }
    }

    /// The reset scope, as a journal header holds it.
    fn scope_line(self) -> Option<crate::journal::ScopeLine> {
        match self {
            Op::Reset(s) => Some(crate::journal::ScopeLine {
                mobile_only: s.mobile_only,
                web_only: s.web_only,
            }),
            Op::Set(_) | Op::Get | Op::Clear => None,
        }
    }

    /// The scope the method needs.
    fn scope(self) -> &'static str {
        match self {
            Op::Set(_) => SetSettings::SCOPE,
            Op::Get => GetSettings::SCOPE,
            Op::Clear => ClearSettings::SCOPE,
            Op::Reset(_) => ResetSessionsBulk::SCOPE,
        }
    }
}

/// Runs what the command line asked.
pub(crate) fn execute(inv: Invocation) -> Result<Exit, Fail> {
    let g = &inv.settings;
    match &inv.command {
        Cmd::Emulator {
            port,
            rate_limit,
            faults,
            users,
            tls,
            enterprise,
        } => {
            let tls = tls.as_ref().map(|(c, k)| (c.as_path(), k.as_path()));
            emulator::serve(
                *port,
                *rate_limit,
                faults.as_deref(),
                *users,
                tls,
                *enterprise,
            )
        }
        Cmd::Demo => demo::run(g),
        Cmd::Completions { shell } => help::completions(*shell),
        Cmd::Man => help::man_page(),
        Cmd::Set {
            settings,
            users,
            record,
        } => settings::run(g, Op::Set(*settings), users, Some(record)),
        Cmd::Get { users } => settings::run(g, Op::Get, users, None),
        Cmd::Clear { users, record } => settings::run(g, Op::Clear, users, Some(record)),
        Cmd::Restore { snapshot } => restore::run(g, snapshot),
        Cmd::List(listing) => sessions::list(g, listing),
        Cmd::Reset {
            users,
            scope,
            record,
            verify,
        } => settings::run_with_verify(g, Op::Reset(*scope), users, Some(record), verify.as_ref()),
        Cmd::Invalidate { session_id, user } => sessions::invalidate(g, *session_id, user),
        Cmd::Resolve { users, csv, out } => resolve::users_command(g, users, *csv, out.as_deref()),
        Cmd::AuthStatus => auth::status(g),
        Cmd::Plan {
            policy,
            explain,
            out,
            detailed_exitcode,
        } => {
            let result = policy::plan(g, policy, explain, out.as_deref());
            match (*detailed_exitcode, result) {
                (true, Ok(exit)) => Ok(exit),
                (true, Err(f)) => Err(Fail {
                    exit: Exit::PlanFailed,
                    message: f.message,
                }),
                // Without --detailed-exitcode, pending changes are a success.
                (false, Ok(Exit::ChangesPending)) => Ok(Exit::Ok),
                (false, other) => other,
            }
        }
        Cmd::Apply(args) => policy::apply(g, args),
    }
}
