//! `sessions list`, `sessions reset` and `sessions invalidate`.

use std::io::{IsTerminal, Write};

use slack_sessions_core::{
    ActiveSession, Error, InvalidateSession, ListSessions, ResetScope, UserId, DEFAULT_BASE_URL,
};

use super::settings::{self, connect, Session};
use super::{usage, Fail, Op};
use crate::args::{Global, SessionsCommand};
use crate::report::{exit, stop_line};

/// Runs one `sessions` command.
pub(super) fn run(g: &Global, command: &SessionsCommand) -> Result<u8, Fail> {
    match command {
        SessionsCommand::List { user, team, limit } => {
            list(g, user.as_deref(), team.as_deref(), *limit)
        }
        SessionsCommand::Reset {
            users,
            mobile_only,
            web_only,
            record,
        } => {
            let scope = match (mobile_only, web_only) {
                (true, _) => ResetScope::mobile_only(),
                (_, true) => ResetScope::web_only(),
                _ => ResetScope::all(),
            };
            settings::run(g, Op::Reset(scope), users, Some(record))
        }
        SessionsCommand::Invalidate { session_id, user } => invalidate(g, *session_id, user),
    }
}

fn user_id(s: &str) -> Result<UserId, Fail> {
    UserId::new(s).map_err(|e| usage(format!("invalid --user {s:?}: {e}")))
}

/// The exit code and `error:` line of a failed call.
fn failed(e: &Error, method: &str, base_url: &str, scope: &str) -> Fail {
    let code = if e.is_auth() {
        exit::AUTH
    } else if e.transport_kind().is_some() || e.is_retryable() || e.stops_run() {
        exit::UNREACHABLE
    } else {
        exit::PARTIAL
    };
    Fail {
        code,
        message: stop_line(e, method, base_url, scope),
    }
}

fn list(
    g: &Global,
    user: Option<&str>,
    team: Option<&str>,
    limit: Option<u32>,
) -> Result<u8, Fail> {
    let method = "admin.users.session.list";
    let mut listing = ListSessions::new();
    if let (Some(u), Some(t)) = (user, team) {
        listing = listing.for_user(user_id(u)?, t);
    }
    if let Some(n) = limit {
        listing = listing.limit(n);
    }
    if g.dry_run {
        println!(
            "would list sessions, {} a page, until the last page",
            limit.unwrap_or(1000)
        );
        return Ok(exit::OK);
    }
    let (token, base_url, _emulator) = connect(g)?;
    let shown = base_url
        .clone()
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let session = Session::new(g, token, base_url)?;
    let table = !g.json && std::io::stdout().is_terminal();
    let mut out = std::io::stdout().lock();
    if table {
        let _ = writeln!(
            out,
            "{:<12} {:<10} {:>12}  {:<8} {:<9} {:<15} {:<15}",
            "USER", "TEAM", "SESSION", "DEVICE", "OS", "IP", "LAST SEEN IP"
        );
    }
    let mut rows = 0u64;
    // Each row is written as its page arrives: memory stays one page, whatever the count.
    let mut print = |s: ActiveSession| {
        rows += 1;
        let line = if g.json {
            serde_json::to_string(&s).unwrap_or_default()
        } else {
            let dash = || "-".to_owned();
            format!(
                "{:<12} {:<10} {:>12}  {:<8} {:<9} {:<15} {:<15}",
                s.user_id.as_str(),
                s.team_id,
                s.session_id,
                s.created.device_hardware.clone().unwrap_or_else(dash),
                s.created.os.clone().unwrap_or_else(dash),
                s.created.ip.clone().unwrap_or_else(dash),
                s.recent.and_then(|r| r.ip).unwrap_or_else(dash),
            )
        };
        let _ = writeln!(out, "{line}");
    };
    let scope = "admin.users:read";
    let invalid = |e: Error| usage(e.to_string());
    // `-v`: a stderr line a page.
    let verbose = g.verbose;
    let on_page = move |d: &slack_sessions_core::sansio::PagesDone| {
        if verbose {
            eprintln!("{method} page={} sessions={}", d.pages, d.sessions);
        }
    };
    let result: Result<(), Error> = match &session {
        Session::Blocking(c) => {
            let mut sessions = c.list_sessions_with(listing, on_page).map_err(invalid)?;
            sessions.try_for_each(|s| s.map(&mut print))
        }
        Session::Async(on) => {
            use futures_util::StreamExt;
            let stream = on
                .client
                .list_sessions_with(listing, on_page)
                .map_err(invalid)?;
            on.runtime.block_on(async {
                let mut stream = std::pin::pin!(stream);
                while let Some(s) = stream.next().await {
                    print(s?);
                }
                Ok(())
            })
        }
    };
    match result {
        Ok(()) => {
            if !g.quiet && !g.json {
                eprintln!("{rows} active sessions");
            }
            Ok(exit::OK)
        }
        Err(e) => Err(failed(&e, method, &shown, scope)),
    }
}

fn invalidate(g: &Global, session_id: u64, user: &str) -> Result<u8, Fail> {
    let call = InvalidateSession::new(session_id, user_id(user)?);
    if g.dry_run {
        println!("would invalidate session {session_id} of {user}");
        return Ok(exit::OK);
    }
    let (token, base_url, _emulator) = connect(g)?;
    let shown = base_url
        .clone()
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let session = Session::new(g, token, base_url)?;
    let result = match &session {
        Session::Blocking(c) => c.invalidate_session(&call).map(drop),
        Session::Async(on) => on
            .runtime
            .block_on(on.client.invalidate_session(&call))
            .map(drop),
    };
    match result {
        Ok(()) => {
            if g.json {
                println!(
                    "{}",
                    serde_json::json!({"ok": true, "session_id": session_id, "user_id": user})
                );
            } else if !g.quiet {
                println!("session {session_id} of {user} ended");
            }
            Ok(exit::OK)
        }
        Err(e) => Err(failed(
            &e,
            "admin.users.session.invalidate",
            &shown,
            "admin.users:write",
        )),
    }
}
