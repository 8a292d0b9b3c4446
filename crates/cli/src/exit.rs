//! [`Exit`]: how a run ended, and the one map from that to the process's exit code, as
//! `--help` and the README document it.

use slack_sessions_core::Error;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Every user succeeded (0).
    Ok,
    /// Some users failed at the API, some inputs were invalid and skipped, or some
    /// users could not be confirmed (1).
    Partial,
    /// A usage or validation error; nothing was sent (2).
    Usage,
    /// An auth or permission error; the run stopped (3).
    Auth,
    /// Slack unreachable, still failing after retries, or the journal could not be
    /// written; the rest not attempted (4).
    Unreachable,
    /// Interrupted by SIGINT (130) or SIGTERM (143); the report was printed.
    Interrupted(Signal),
    /// Standard output was closed (`… | head`): the exit of a process a `SIGPIPE`
    /// would have ended (141), with nothing more printed.
    Pipe,
    /// `plan --detailed-exitcode`: changes are pending (2).
    ChangesPending,
    /// `plan --detailed-exitcode`: the plan could not be made (1).
    PlanFailed,
}

/// A signal that interrupts a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// Ctrl-C.
    Int,
    /// A polite kill.
    Term,
}

impl Exit {
    /// The process's exit code.
    pub(crate) fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Partial => 1,
            Exit::Usage => 2,
            Exit::Auth => 3,
            Exit::Unreachable => 4,
            Exit::Interrupted(Signal::Int) => 130,
            Exit::Interrupted(Signal::Term) => 143,
            Exit::Pipe => 141,
            Exit::ChangesPending => 2,
            Exit::PlanFailed => 1,
        }
    }

    /// How bad it is, for [`worst`](Self::worst): an interrupt, then auth, unreachable,
    /// partial.
    fn rank(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::ChangesPending => 1,
            Exit::Usage => 1,
            Exit::PlanFailed => 2,
            Exit::Partial => 2,
            Exit::Unreachable => 3,
            Exit::Auth => 4,
            Exit::Pipe => 5,
            Exit::Interrupted(_) => 6,
        }
    }

    /// The worse of two, for a command made of several runs.
    pub(crate) fn worst(self, other: Exit) -> Exit {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }

    /// How a call that failed with `e` ends: auth is auth; no answer, or a failure that
    /// a later try might fix, or one that stops every run, is unreachable; anything else
    /// (Slack refused what the call named) is partial.
    pub(crate) fn for_error(e: &Error) -> Exit {
        if e.is_auth() {
            Exit::Auth
        } else if e.transport_kind().is_some() || e.is_retryable() || e.stops_run() {
            Exit::Unreachable
        } else {
            Exit::Partial
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_ones() {
        let all = [
            (Exit::Ok, 0),
            (Exit::Partial, 1),
            (Exit::Usage, 2),
            (Exit::Auth, 3),
            (Exit::Unreachable, 4),
            (Exit::Interrupted(Signal::Int), 130),
            (Exit::Interrupted(Signal::Term), 143),
            (Exit::Pipe, 141),
        ];
        for (e, code) in all {
            assert_eq!(e.code(), code);
            assert!(
                crate::args::AFTER_HELP.contains(&format!("  {code} ")),
                "{code}"
            );
        }
        assert_eq!(Exit::Partial.worst(Exit::Auth), Exit::Auth);
        assert_eq!(
            Exit::Interrupted(Signal::Int).worst(Exit::Auth),
            Exit::Interrupted(Signal::Int)
        );
        assert_eq!(Exit::Ok.worst(Exit::Partial), Exit::Partial);
    }
}
