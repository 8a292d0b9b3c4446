//! [`Verification`]: confirming that a reset signed people out. `resetBulk` only
//! enqueues a job (`ok:true` says the job was accepted, not that the sessions are gone),
//! so each user is listed (`list` for that user and their organisation) until none of
//! their sessions is left, or until a deadline passes.
//!
//! Sans-IO like the rest: the machine says which user to list next and when, the driver
//! lists them (every page, through its client, paced at `list`'s tier) and hands back
//! what it found.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::methods::admin::users::session::ListSessions;
use crate::user::UserId;

/// Where one user stands once verification is over.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verified {
    /// Listed with no session left (or `no_active_sessions`).
    SignedOut,
    /// Still had sessions when the deadline passed: these.
    StillActive(Vec<u64>),
    /// Could not be confirmed either way: why (the failure's short code, or that the
    /// deadline came before the user could be listed).
    Unknown(String),
}

/// What the driver of a [`Verification`] does next.
#[derive(Debug)]
#[non_exhaustive]
pub enum VerifyStep {
    /// List this user's sessions (every page), then hand the result to
    /// [`Verification::record`].
    Check(UserId, ListSessions),
    /// Nothing to do before this instant.
    WaitUntil(Instant),
    /// Every user is settled: take the outcome with [`Verification::finish`].
    Done,
}

/// Confirms, user by user, that sessions are gone.
///
/// ```
/// use std::time::{Duration, Instant};
/// use slack_sessions_core::sansio::{Verification, VerifyStep};
/// use slack_sessions_core::{UserId, Verified};
///
/// let t0 = Instant::now();
/// let users = [UserId::new("U1")?, UserId::new("U2")?];
/// let mut v = Verification::new(users, "E1", t0, Duration::from_secs(60));
/// let mut now = t0;
/// loop {
///     match v.next(now) {
///         VerifyStep::Check(user, _listing) => {
///             // U2's sessions are still there the first time, gone the second.
///             let left = if user.as_str() == "U2" && now == t0 { vec![7] } else { vec![] };
///             v.record(user, now, Ok(left));
///         }
///         VerifyStep::WaitUntil(t) => now = t,
///         VerifyStep::Done => break,
///         _ => unreachable!(),
///     }
/// }
/// let out = v.finish();
/// assert_eq!(out[1], (UserId::new("U2")?, Verified::SignedOut));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Verification {
    team: String,
    /// Users to list, each not before its instant, in that order.
    queue: VecDeque<(UserId, Instant)>,
    deadline: Instant,
    interval: Duration,
    /// The users in input order, with where they stand.
    order: Vec<UserId>,
    settled: BTreeMap<UserId, Verified>,
}

/// How long to wait before listing again a user whose sessions were still there.
pub const VERIFY_INTERVAL: Duration = Duration::from_secs(5);

impl Verification {
    /// Verifies `users` of organisation (or workspace) `team`, from `now` until `now +
    /// timeout`.
    pub fn new(
        users: impl IntoIterator<Item = UserId>,
        team: impl Into<String>,
        now: Instant,
        timeout: Duration,
    ) -> Self {
        let mut order = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for u in users {
            if seen.insert(u.clone()) {
                order.push(u);
            }
        }
        Verification {
            team: team.into(),
            queue: order.iter().map(|u| (u.clone(), now)).collect(),
            deadline: now + timeout,
            interval: VERIFY_INTERVAL,
            order,
            settled: BTreeMap::new(),
        }
    }

    /// Lists again after `interval` (default [`VERIFY_INTERVAL`]).
    #[must_use]
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// What to do next, at `now`. Past the deadline, users not yet listed are unknown.
    pub fn next(&mut self, now: Instant) -> VerifyStep {
        if now >= self.deadline {
            while let Some((u, _)) = self.queue.pop_front() {
                self.settled.entry(u).or_insert_with(|| {
                    Verified::Unknown("not listed before the verification timeout".into())
                });
            }
        }
        match self.queue.front() {
            None => VerifyStep::Done,
            Some((_, at)) if *at > now => VerifyStep::WaitUntil((*at).min(self.deadline)),
            Some(_) => match self.queue.pop_front() {
                Some((u, _)) => {
                    let listing = ListSessions::new().for_user(u.clone(), self.team.clone());
                    VerifyStep::Check(u, listing)
                }
                None => VerifyStep::Done,
            },
        }
    }

    /// What listing `user` found at `now`: the IDs of the sessions left, or the error
    /// the listing ended with. An error that stops a run (auth, permission) leaves
    /// every user not yet settled unknown.
    pub fn record(&mut self, user: UserId, now: Instant, found: Result<Vec<u64>, Error>) {
        match found {
            Ok(left) if left.is_empty() => {
                self.settled.insert(user, Verified::SignedOut);
            }
            Ok(left) => {
                let again = now + self.interval;
                if again < self.deadline {
                    self.queue.push_back((user, again));
                } else {
                    self.settled.insert(user, Verified::StillActive(left));
                }
            }
            Err(e) if e.stops_run() => {
                let why = e.short_code().into_owned();
                self.settled.insert(user, Verified::Unknown(why.clone()));
                while let Some((u, _)) = self.queue.pop_front() {
                    self.settled
                        .entry(u)
                        .or_insert_with(|| Verified::Unknown(why.clone()));
                }
            }
            Err(e) => {
                self.settled
                    .insert(user, Verified::Unknown(e.short_code().into_owned()));
            }
        }
    }

    /// Stops: every user not yet settled is unknown, `why`.
    pub fn stop(&mut self, why: &str) {
        while let Some((u, _)) = self.queue.pop_front() {
            self.settled
                .entry(u)
                .or_insert_with(|| Verified::Unknown(why.to_owned()));
        }
    }

    /// Every user, in input order, with where they stand.
    pub fn finish(mut self) -> Vec<(UserId, Verified)> {
        self.stop("not listed");
        let mut settled = self.settled;
        self.order
            .into_iter()
            .map(|u| {
                let v = settled
                    .remove(&u)
                    .unwrap_or_else(|| Verified::Unknown("not listed".into()));
                (u, v)
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // a base instant for virtual time
mod tests {
    use super::*;
    use crate::error::test_errors::api;

    fn u(s: &str) -> UserId {
        UserId::new(s).unwrap()
    }

    /// Drives a verification in virtual time; `sessions(user, round)` says what a
    /// listing finds.
    fn drive(
        users: &[&str],
        timeout: u64,
        sessions: impl Fn(&str, u32) -> Result<Vec<u64>, Error>,
    ) -> (Vec<(UserId, Verified)>, Duration) {
        let t0 = Instant::now();
        let mut v = Verification::new(
            users.iter().map(|s| u(s)),
            "E1",
            t0,
            Duration::from_secs(timeout),
        );
        let mut now = t0;
        let mut rounds: BTreeMap<UserId, u32> = BTreeMap::new();
        loop {
            match v.next(now) {
                VerifyStep::Check(user, listing) => {
                    assert!(format!("{listing:?}").contains("E1"));
                    let r = rounds.entry(user.clone()).or_default();
                    let found = sessions(user.as_str(), *r);
                    *r += 1;
                    v.record(user, now, found);
                }
                VerifyStep::WaitUntil(t) => {
                    assert!(t > now);
                    now = t;
                }
                VerifyStep::Done => return (v.finish(), now - t0),
            }
        }
    }

    #[test]
    fn users_are_listed_until_signed_out_or_the_deadline() {
        let (out, took) = drive(&["U1", "U2", "U3", "U1"], 30, |user, round| match user {
            "U1" => Ok(vec![]),
            // Gone at the third look.
            "U2" if round < 2 => Ok(vec![11, 12]),
            "U2" => Ok(vec![]),
            // Never gone.
            _ => Ok(vec![31]),
        });
        assert_eq!(
            out,
            [
                (u("U1"), Verified::SignedOut),
                (u("U2"), Verified::SignedOut),
                (u("U3"), Verified::StillActive(vec![31])),
            ]
        );
        assert!(took <= Duration::from_secs(30), "{took:?}");
    }

    #[test]
    fn errors_leave_users_unknown_and_a_stopping_one_leaves_the_rest() {
        let (out, _) = drive(&["U1", "U2", "U3"], 30, |user, _| match user {
            "U1" => Err(api("user_not_found")),
            "U2" => Err(api("invalid_auth")),
            _ => Ok(vec![]),
        });
        assert_eq!(
            out,
            [
                (u("U1"), Verified::Unknown("user_not_found".into())),
                (u("U2"), Verified::Unknown("invalid_auth".into())),
                (u("U3"), Verified::Unknown("invalid_auth".into())),
            ]
        );
    }

    #[test]
    fn a_deadline_that_passes_first_leaves_the_unlisted_unknown() {
        let t0 = Instant::now();
        let mut v = Verification::new([u("U1"), u("U2")], "E1", t0, Duration::from_secs(1));
        let VerifyStep::Check(first, _) = v.next(t0) else {
            panic!("U1 first")
        };
        v.record(first, t0, Ok(vec![]));
        assert!(matches!(
            v.next(t0 + Duration::from_secs(2)),
            VerifyStep::Done
        ));
        let out = v.finish();
        assert_eq!(out[0].1, Verified::SignedOut);
        assert!(matches!(&out[1].1, Verified::Unknown(w) if w.contains("timeout")));
    }
}
