//! Executing a command: one module a command — [`settings`] (set, get, clear, sessions
//! reset), [`plan`], [`apply`], [`restore`], [`sessions`], [`resolve`] (users resolve),
//! [`auth`] (auth status), [`dry_run`], [`demo`], [`emulator`], [`help`] — over what they
//! share: [`session`] (the client, blocking or async, and a bulk run over it),
//! [`prepare`] (the inputs checked before the network), [`policy`] (planning and the
//! human plan), [`record`] (a run's journal header, resume and snapshot), [`to_apply`], [`steps`], [`verify`], [`clients`] and [`op`]. Nothing here
//! points back to this module: it only dispatches.

mod apply;
mod auth;
mod clients;
mod demo;
mod dry_run;
mod emulator;
mod help;
mod op;
mod plan;
mod policy;
mod prepare;
mod record;
mod resolve;
mod restore;
mod session;
mod sessions;
mod settings;
mod steps;
mod to_apply;
mod verify;

use crate::exit::Exit;
use crate::fail::Fail;
use crate::invocation::{Cmd, Invocation};
use op::Op;

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
            let result = plan::run(g, policy, explain, out.as_deref());
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
        Cmd::Apply(args) => apply::run(g, args),
    }
}
