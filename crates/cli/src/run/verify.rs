//! `sessions reset --verify`: after resetBulk accepted the users, list each of them until
//! none of their sessions is left, or the time bound passes. The core's
//! [`Verification`] decides whom to list and when; this drives it over either client.

use std::time::{Duration, Instant};

use slack_sessions_core::sansio::{Verification, VerifyStep};
use slack_sessions_core::{Error, ListSessions, UserId, Verified};

use super::session::Transport;
use crate::exit::Exit;
use crate::fail::{usage, Fail};
use crate::invocation::{Settings, Verify};
use crate::signals::Interrupts;

/// Verifies `users`; every one of them ends in the result, in order.
pub(super) fn run(
    g: &Settings,
    session: &Transport,
    users: &[UserId],
    args: &Verify,
    interrupts: &Interrupts,
) -> Result<Vec<(UserId, Verified)>, Fail> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let started = Instant::now();
    let team = match &args.team {
        Some(t) => t.clone(),
        None => match discover_team(session)? {
            Some(t) => t,
            // Nobody in the organisation has a session left.
            None => {
                return Ok(users
                    .iter()
                    .map(|u| (u.clone(), Verified::SignedOut))
                    .collect())
            }
        },
    };
    if !g.quiet {
        eprintln!(
            "verifying {} users in {team} (at most {}s)…",
            users.len(),
            args.timeout.as_secs()
        );
    }
    let mut v = Verification::new(users.iter().cloned(), team, started, args.timeout);
    loop {
        if interrupts.token.is_cancelled() {
            v.stop("interrupted");
        }
        let now = Instant::now();
        match v.next(now) {
            VerifyStep::Check(user, listing) => {
                let found = sessions_left(session, listing);
                v.record(user, Instant::now(), found);
            }
            VerifyStep::WaitUntil(t) => wait(t, interrupts),
            _ => return Ok(v.finish()),
        }
    }
}

/// The organisation's ID, as its sessions name it: the first session's `team_id`.
fn discover_team(session: &Transport) -> Result<Option<String>, Fail> {
    let first = ListSessions::new().limit(1);
    let found = match session {
        Transport::Blocking(c) => c
            .list_sessions(first)
            .map_err(|e| usage(e.to_string()))?
            .next()
            .transpose(),
        Transport::Async(on) => {
            use futures_util::StreamExt;
            let s = on
                .client
                .list_sessions(first)
                .map_err(|e| usage(e.to_string()))?;
            on.runtime
                .block_on(async { std::pin::pin!(s).next().await })
                .transpose()
        }
    };
    found.map(|s| s.map(|s| s.team_id)).map_err(|e| Fail {
        exit: Exit::Unreachable,
        message: format!(
            "--verify cannot find the organisation's ID ({}): pass --team",
            e.short_code()
        ),
    })
}

/// The IDs of the sessions `listing` finds, every page.
fn sessions_left(session: &Transport, listing: ListSessions) -> Result<Vec<u64>, Error> {
    match session {
        Transport::Blocking(c) => c
            .list_sessions(listing)?
            .map(|s| s.map(|s| s.session_id))
            .collect(),
        Transport::Async(on) => {
            use futures_util::StreamExt;
            let s = on.client.list_sessions(listing)?;
            on.runtime.block_on(async {
                let mut s = std::pin::pin!(s);
                let mut ids = Vec::new();
                while let Some(x) = s.next().await {
                    ids.push(x?.session_id);
                }
                Ok(ids)
            })
        }
    }
}

/// Sleeps until `t`, waking early on an interrupt.
fn wait(t: Instant, interrupts: &Interrupts) {
    while !interrupts.token.is_cancelled() {
        let now = Instant::now();
        if now >= t {
            return;
        }
        std::thread::sleep((t - now).min(Duration::from_millis(100)));
    }
}
