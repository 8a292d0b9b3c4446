//! Executing a command: validation first, then the emulator, a dry run or a real bulk run.
//! One file a command: [`settings`] (set, get, clear), [`dry_run`], [`demo`] and
//! [`emulator`]; [`clients`] drives either transport.

mod clients;
mod demo;
mod dry_run;
mod emulator;
mod help;
mod restore;
mod sessions;
mod settings;
mod verify;

use slack_sessions_core::{
    ClearSettings, GetSettings, Method, ResetScope, ResetSessionsBulk, SessionDuration,
    SessionSettings, SetSettings,
};

use crate::args::{Cli, Command};
use crate::exit::Exit;

/// A run that ends this way and, unless empty, with this one-line message on stderr.
#[derive(Debug)]
pub struct Fail {
    pub exit: Exit,
    pub message: String,
}

/// A usage or validation error: exit 2, nothing sent.
fn usage(message: impl Into<String>) -> Fail {
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

/// Runs the command line; returns the exit code.
pub fn execute(cli: Cli) -> Result<Exit, Fail> {
    let g = &cli.global;
    match &cli.command {
        Command::Emulator {
            port,
            rate_limit,
            faults,
            users,
            tls_cert,
            tls_key,
        } => {
            let tls = tls_cert.as_deref().zip(tls_key.as_deref());
            emulator::serve(*port, *rate_limit, faults.as_deref(), *users, tls)
        }
        Command::Demo => demo::run(g),
        Command::Completions { shell } => help::completions(*shell),
        Command::Man => help::man_page(),
        Command::Set {
            duration,
            quit_on_close,
            users,
            record,
        } => {
            let mut settings = SessionSettings::new();
            if let Some(d) = duration {
                let d: SessionDuration = d
                    .parse()
                    .map_err(|e| usage(format!("invalid --duration {d:?}: {e}")))?;
                settings = settings.duration(d);
            }
            if let Some(q) = quit_on_close {
                settings = settings.desktop_app_browser_quit(*q);
            }
            if settings.is_empty() {
                return Err(usage(
                    "set needs --duration DUR and/or --quit-on-close true|false",
                ));
            }
            settings::run(g, Op::Set(settings), users, Some(record))
        }
        Command::Get { users } => settings::run(g, Op::Get, users, None),
        Command::Clear { users, record } => settings::run(g, Op::Clear, users, Some(record)),
        Command::Restore { snapshot } => restore::run(g, snapshot),
        Command::Sessions { command } => sessions::run(g, command),
    }
}
