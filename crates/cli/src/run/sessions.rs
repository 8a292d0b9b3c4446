//! `sessions list`, `sessions reset` and `sessions invalidate`.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};

use slack_sessions_core::limits::DEFAULT_BASE_URL;
use slack_sessions_core::{ActiveSession, Error, InvalidateSession, ListSessions, UserId};

use super::session::{connect, Connection, Transport};
use crate::exit::{Exit, Signal};
use crate::fail::{usage, Fail};
use crate::invocation::{Listing, Settings};
use crate::output::{self, clean};
use crate::report::stop_line;

fn user_id(s: &str) -> Result<UserId, Fail> {
    UserId::new(s).map_err(|e| usage(format!("invalid --user {s:?}: {e}")))
}

/// How a failed call ends, and its `error:` line.
fn failed(e: &Error, method: &str, base_url: &str, scope: &str) -> Fail {
    Fail {
        exit: Exit::for_error(e),
        message: stop_line(e, method, base_url, scope),
    }
}

/// The command that lists on from a cursor.
trait GoOn {
    fn resume_command(&self, cursor: &str) -> String;
}

impl GoOn for Listing {
    /// The command that lists on from `cursor`.
    fn resume_command(&self, cursor: &str) -> String {
        let mut c = String::from("slack-sessions sessions list");
        if let (Some(u), Some(t)) = (&self.user, &self.team) {
            c.push_str(&format!(" --user {} --team {}", clean(u), clean(t)));
        }
        if let Some(n) = self.limit {
            c.push_str(&format!(" --limit {n}"));
        }
        c.push_str(&format!(" --cursor '{}'", clean(cursor)));
        c
    }
}

/// Where a listing stands, as its pages arrive and its rows are written.
#[derive(Default)]
struct Standing {
    /// Sessions received so far, and the cursor after the last page received.
    received: u64,
    next: Option<String>,
    pages: u32,
    /// Sessions written so far.
    written: u64,
    /// Where to go on from: the cursor after the last page whose every row was written
    /// (the listing's own cursor before the first).
    resume: Option<String>,
}

pub(super) fn list(g: &Settings, l: &Listing) -> Result<Exit, Fail> {
    let method = "admin.users.session.list";
    let mut listing = ListSessions::new();
    if let (Some(u), Some(t)) = (&l.user, &l.team) {
        listing = listing.for_user(user_id(u)?, t.as_str());
    }
    if let Some(n) = l.limit {
        listing = listing.limit(n);
    }
    if let Some(c) = &l.cursor {
        listing = listing.cursor(c.as_str());
    }
    if g.dry_run {
        output::println(&format!(
            "would list sessions, {} a page, until the last page",
            l.limit.unwrap_or(1000)
        ))?;
        return Ok(Exit::Ok);
    }
    let c = Connection::open(g)?;
    let (session, interrupts, shown) = (&c.session, &c.interrupts, &c.shown_url);
    // A table for a person; JSON lines for a program, or on request.
    let table = !g.json && std::io::stdout().is_terminal();
    // A running count on stderr, when a person watches it and the rows go elsewhere.
    let counting = !g.quiet && std::io::stderr().is_terminal() && !std::io::stdout().is_terminal();
    let mut out = std::io::stdout().lock();
    if table {
        writeln!(
            out,
            "{:<12} {:<10} {:>12}  {:<8} {:<9} {:<15} {:<15}",
            "USER", "TEAM", "SESSION", "DEVICE", "OS", "IP", "LAST SEEN IP"
        )
        .map_err(|e| output::write_failed(&e))?;
    }
    let standing = Arc::new(Mutex::new(Standing {
        resume: l.cursor.clone(),
        ..Standing::default()
    }));
    let on_page = {
        let standing = Arc::clone(&standing);
        let verbose = g.verbose;
        move |d: &slack_sessions_core::sansio::PagesDone| {
            let mut s = lock(&standing);
            s.received = d.items;
            s.next.clone_from(&d.cursor);
            s.pages = d.pages;
            if verbose {
                eprintln!(
                    "{} {method} page={} sessions={}",
                    super::clients::timestamp(),
                    d.pages,
                    d.items
                );
            }
            if counting {
                eprint!("\r{} sessions, {} pages", d.items, d.pages);
            }
        }
    };
    // Each row is written as its page arrives: memory stays one page, whatever the
    // count. After the last row of a page, the listing may stop on an interrupt.
    let mut write = |s: ActiveSession| -> Result<bool, Fail> {
        let line = if table {
            row(&s)
        } else {
            crate::escape::json_text(&s)
        };
        writeln!(out, "{line}").map_err(|e| output::write_failed(&e))?;
        let mut st = lock(&standing);
        st.written += 1;
        if st.written == st.received {
            st.resume = st.next.clone();
            return Ok(!interrupts.token.is_cancelled());
        }
        Ok(true)
    };
    let invalid = |e: Error| usage(e.to_string());
    let result: Result<(), Stop> = match &session {
        Transport::Blocking(c) => {
            let sessions = c.list_sessions_with(listing, on_page).map_err(invalid)?;
            let mut result = Ok(());
            for s in sessions {
                match s
                    .map_err(Stop::Error)
                    .and_then(|s| write(s).map_err(Stop::Write))
                {
                    Ok(true) => {}
                    Ok(false) => {
                        result = Err(Stop::Interrupted);
                        break;
                    }
                    Err(stop) => {
                        result = Err(stop);
                        break;
                    }
                }
            }
            result
        }
        Transport::Async(on) => {
            use futures_util::StreamExt;
            let stream = on
                .client
                .list_sessions_with(listing, on_page)
                .map_err(invalid)?;
            on.runtime.block_on(async {
                let mut stream = std::pin::pin!(stream);
                while let Some(s) = stream.next().await {
                    let s = s.map_err(Stop::Error)?;
                    if !write(s).map_err(Stop::Write)? {
                        return Err(Stop::Interrupted);
                    }
                }
                Ok(())
            })
        }
    };
    if counting {
        eprintln!();
    }
    let st = lock(&standing);
    let go_on = |what: &str| match &st.resume {
        Some(c) => eprintln!(
            "{what} after {} sessions; to go on from there: {}",
            st.written,
            l.resume_command(c)
        ),
        None => eprintln!(
            "{what} after {} sessions; run the listing again",
            st.written
        ),
    };
    match result {
        Ok(()) => {
            if !g.quiet && !g.json {
                eprintln!("{} active sessions", st.written);
            }
            Ok(Exit::Ok)
        }
        Err(Stop::Write(f)) => Err(f),
        Err(Stop::Interrupted) => {
            go_on("interrupted");
            Ok(Exit::Interrupted(
                interrupts.exit_code().unwrap_or(Signal::Int),
            ))
        }
        Err(Stop::Error(e)) => {
            if g.verbose {
                eprintln!(
                    "{} {method} page={} failed: {} ({})",
                    super::clients::timestamp(),
                    st.pages + 1,
                    e.short_code(),
                    clean(&e.to_string())
                );
            }
            let fail = failed(&e, method, shown, "admin.users:read");
            eprintln!("error: {}", fail.message);
            if e.is_refusal() {
                // Slack refused the listing itself (a bot, an unknown user): the same
                // listing again would be refused again.
                eprintln!(
                    "stopped after {} sessions: running the same listing again would be refused again",
                    st.written
                );
            } else {
                go_on("stopped");
            }
            Err(Fail {
                exit: fail.exit,
                message: String::new(),
            })
        }
    }
}

/// The listing's standing, locked briefly by this thread or the runtime's.
fn lock(s: &Mutex<Standing>) -> std::sync::MutexGuard<'_, Standing> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

/// Why a listing ended early.
enum Stop {
    /// Slack's answer, or no answer.
    Error(Error),
    /// Standard output failed (a closed pipe).
    Write(Fail),
    /// A signal, at the end of a page.
    Interrupted,
}

/// One session as a table row, every field from the server escaped.
fn row(s: &ActiveSession) -> String {
    let field = |v: &Option<String>| v.as_deref().map_or("-".into(), |t| clean(t).into_owned());
    format!(
        "{:<12} {:<10} {:>12}  {:<8} {:<9} {:<15} {:<15}",
        s.user_id.as_str(),
        clean(&s.team_id),
        s.session_id,
        field(&s.created.device_hardware),
        field(&s.created.os),
        field(&s.created.ip),
        s.recent.as_ref().map_or("-".into(), |r| field(&r.ip)),
    )
}

pub(super) fn invalidate(g: &Settings, session_id: u64, user: &str) -> Result<Exit, Fail> {
    let call = InvalidateSession::new(session_id, user_id(user)?);
    if g.dry_run {
        output::println(&format!("would invalidate session {session_id} of {user}"))?;
        return Ok(Exit::Ok);
    }
    let (token, base_url, _emulator) = connect(g)?;
    let shown = base_url
        .clone()
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let session = Transport::new(g, token, base_url)?;
    let result = match &session {
        Transport::Blocking(c) => c.invalidate_session(&call),
        Transport::Async(on) => on.runtime.block_on(on.client.invalidate_session(&call)),
    };
    match result {
        Ok(reply) => {
            // A retry after a lost answer that finds the session gone: the first try
            // ended it.
            let earlier = reply.by_earlier_attempt;
            if g.json {
                output::println(
                    &serde_json::json!({"ok": true, "session_id": session_id, "user_id": user, "by_earlier_attempt": earlier})
                        .to_string(),
                )?;
            } else if !g.quiet {
                let how = if earlier {
                    " (by an earlier attempt whose answer was lost)"
                } else {
                    ""
                };
                output::println(&format!("session {session_id} of {user} ended{how}"))?;
            }
            Ok(Exit::Ok)
        }
        Err(e) => Err(failed(
            &e,
            "admin.users.session.invalidate",
            &shown,
            "admin.users:write",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server's escape sequences and line breaks in a session's fields cannot clear
    /// the screen, set the title or forge a row of the table.
    #[test]
    fn table_rows_escape_what_the_server_sent() {
        let s: ActiveSession = serde_json::from_str(
            r#"{"user_id":"U00000001","team_id":"E1\u001b]0;pwned\u0007","session_id":7,
                "created":{"device_hardware":"Mac\u001b[2J","os":"x\nU00000002  E1  8  forged","ip":"10.0.0.1"},
                "recent":{"ip":"\r\u009b31m"}}"#,
        )
        .expect("session");
        let line = row(&s);
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert!(line.contains("E1\\u{1b}]0;pwned\\u{7}"), "{line}");
        assert!(line.contains("x\\u{a}U00000002"), "{line}");
    }
}
