//! Bulk runs over real TCP with both clients: faults injected, bad IDs mixed in, and the
//! emulator's own state must equal the `applied` bucket exactly.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use slack_sessions::{BulkReport, Empty, SessionDuration, SessionSettings};
use slack_sessions_emulator::{Emulator, FaultPlan};

const BAD: [(&str, &str); 5] = [
    ("U00500000", "user_not_found"),
    ("W00090000", "user_not_found"),
    ("U12345678", "user_not_found"),
    ("U90000001", "bots_not_allowed"),
    ("U90000042", "bots_not_allowed"),
];

fn inputs() -> Vec<String> {
    let mut v: Vec<String> = (0..20_000).map(|i| format!("U{i:08}")).collect();
    for (k, (id, _)) in BAD.iter().enumerate() {
        v.insert(k * 3_777 + 11, (*id).to_owned());
    }
    v.push("not-a-user".into());
    v.push("U00000007".into()); // a duplicate
    v
}

fn faulty_emulator() -> Emulator {
    let emu = emulator();
    let plan: FaultPlan =
        "rate=0.1,seed=11,kinds=internal_error+service_unavailable+http503+drop+drop_after_apply+fatal_error_after_apply"
            .parse()
            .expect("faults");
    emu.set_faults(plan);
    emu
}

fn settings() -> SessionSettings {
    SessionSettings::new()
        .duration(SessionDuration::from_secs(43_200).expect("duration"))
        .desktop_app_browser_quit(true)
}

fn check(report: &BulkReport<Empty>, emu: &Emulator, label: &str) {
    let inputs = inputs();
    // Exactly one bucket each.
    let mut seen = HashSet::new();
    for u in &report.applied {
        assert!(seen.insert(u.to_string()), "{label}: {u} twice");
    }
    for f in &report.failed {
        assert!(
            seen.insert(f.user_id.to_string()),
            "{label}: {} twice",
            f.user_id
        );
    }
    for i in &report.invalid {
        assert!(seen.insert(i.input.clone()), "{label}: {} twice", i.input);
    }
    for u in &report.not_attempted {
        assert!(seen.insert(u.to_string()), "{label}: {u} twice");
    }
    let distinct: HashSet<String> = inputs.into_iter().collect();
    assert_eq!(seen, distinct, "{label}: buckets differ from the inputs");
    assert_eq!(report.applied.len(), 20_000, "{label}");
    assert_eq!(report.invalid.len(), 1, "{label}");
    let mut failed: Vec<(String, String)> = report
        .failed
        .iter()
        .map(|f| (f.user_id.to_string(), f.code().into_owned()))
        .collect();
    failed.sort();
    let mut want: Vec<(String, String)> = BAD
        .iter()
        .map(|(u, c)| ((*u).into(), (*c).into()))
        .collect();
    want.sort();
    assert_eq!(failed, want, "{label}");
    // The server's state is exactly the applied bucket.
    let state: HashSet<String> = emu.state().into_keys().collect();
    let applied: HashSet<String> = report.applied.iter().map(|u| u.to_string()).collect();
    assert_eq!(state, applied, "{label}: server state differs from applied");
    assert!(emu
        .state()
        .values()
        .all(|s| s.duration == Some(43_200) && s.desktop_app_browser_quit == Some(true)));
    assert!(report.retries > 0, "{label}: no fault was retried");
    assert!(
        emu.counts().keys().any(|k| k.starts_with("fault:")),
        "{label}: no fault injected"
    );
}

fn setup() -> Setup {
    Setup {
        max_retries: 8,
        ..Setup::default()
    }
}

#[test]
fn blocking_bulk_loses_no_one() {
    let emu = faulty_emulator();
    let client = blocking(&emu, &setup());
    let settled = AtomicUsize::new(0);
    let run = slack_sessions::blocking::BulkRun::default().concurrency(2);
    let report = client
        .set_settings_bulk(inputs(), settings(), run, |p| {
            // Progress never goes back, even from two threads.
            assert!(settled.swap(p.done, Ordering::Relaxed) <= p.done);
            assert!(p.done <= p.total);
        })
        .expect("bulk");
    assert_eq!(settled.load(Ordering::Relaxed), 20_005);
    check(&report, &emu, "blocking");
}

#[test]
fn async_bulk_loses_no_one() {
    let emu = faulty_emulator();
    let rt = runtime();
    let report = rt.block_on(async {
        let client = asynchronous(&emu, &setup());
        let mut calls = 0;
        let r = client
            .set_settings_bulk(
                inputs(),
                settings(),
                slack_sessions::nonblocking::BulkRun::default(),
                |_| calls += 1,
            )
            .await
            .expect("bulk");
        assert!(calls >= 20);
        r
    });
    check(&report, &emu, "async");
}

#[test]
fn bulk_get_and_clear_over_tcp() {
    let emu = emulator();
    let client = blocking(&emu, &Setup::default());
    let users: Vec<String> = (0..2_500).map(|i| format!("U{i:08}")).collect();
    let events = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = events.clone();
    let run = slack_sessions::blocking::BulkRun::default().on_request(Some(std::sync::Arc::new(
        move |e: &slack_sessions::RequestEvent| {
            assert_eq!((e.status, e.code.as_str()), (Some(200), "ok"));
            seen.fetch_add(1, Ordering::Relaxed);
        },
    )));
    client
        .set_settings_bulk(&users[..1_000], settings(), run.clone(), |_| {})
        .expect("set");
    let got = client
        .get_settings_bulk(&users, run.clone(), |_| {})
        .expect("get");
    assert_eq!(events.load(Ordering::Relaxed), 4);
    // Slack leaves out users with no active session: about a quarter of the emulator's.
    let active = |u: &&String| !emu.active_sessions(Some(u)).is_empty();
    let with = users[..1_000].iter().filter(active).count();
    let none = users[1_000..].iter().filter(active).count();
    assert!(with < 1_000 && with > 600, "{with}");
    assert_eq!(got.output.session_settings.len(), with);
    assert_eq!(got.output.no_settings_applied.len(), none);
    let left_out: Vec<&String> = users.iter().filter(|u| !active(u)).collect();
    assert_eq!(got.not_returned.len(), left_out.len());
    assert_eq!(got.output.not_returned.len(), left_out.len());
    assert!(got
        .not_returned
        .iter()
        .zip(&left_out)
        .all(|(a, b)| a.as_str() == b.as_str()));
    assert_eq!(got.applied.len(), 2_500 - left_out.len());
    let cleared = client
        .clear_settings_bulk(&users, run, |_| {})
        .expect("clear");
    assert_eq!(cleared.applied.len(), 2_500);
    assert!(emu.state().is_empty());
}

/// A stopped run is an `Err` that `?` cannot miss, with the whole report in it.
#[test]
fn an_auth_error_stops_a_bulk_run() {
    let emu = emulator();
    let client = blocking(
        &emu,
        &Setup {
            token: slack_sessions_emulator::REVOKED_TOKEN.into(),
            ..Setup::default()
        },
    );
    let users: Vec<String> = (0..3_000).map(|i| format!("U{i:08}")).collect();
    let err = client
        .set_settings_bulk(
            &users,
            settings(),
            slack_sessions::blocking::BulkRun::default(),
            |_| {},
        )
        .expect_err("a stopped run is an error");
    assert!(
        matches!(err, slack_sessions::BulkError::Stopped(_)),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "bulk run stopped by token_revoked: 0 applied, 3000 not attempted"
    );
    let report = err.into_report().expect("the report");
    assert_eq!(report.not_attempted.len(), 3_000);
    assert_eq!(report.requests, 1);
    assert_eq!(emu.calls(), 1);
    assert!(report.stopped_by.as_ref().is_some_and(|e| e.is_auth()));
}

/// Two concurrent runs of one client against an always-503 server back off on
/// different schedules (the waits are the ones the core decided, read from the request
/// events, so no clock is involved), and so does another client.
#[test]
fn concurrent_runs_against_an_always_503_server_wait_different_times() {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use slack_sessions::{BulkRun, Disposition, RequestEvent};

    let emu = emulator();
    emu.set_faults("rate=1,kinds=http503".parse().expect("faults"));
    let setup = Setup {
        max_retries: 3,
        ..Setup::default()
    };
    let waits = |client: &slack_sessions::blocking::Client| -> Vec<Duration> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let run = BulkRun::default().on_request(Some(Arc::new(move |e: &RequestEvent| {
            if let Disposition::Retry(w) = e.disposition {
                log.lock().expect("lock").push(w);
            }
        })));
        let report = client
            .set_settings_bulk(["U00000001"], settings(), run, |_| {})
            .expect("bulk");
        assert_eq!(report.failed[0].code(), "http_503");
        let w = seen.lock().expect("lock").clone();
        w
    };
    let client = blocking(&emu, &setup);
    let (a, b) = std::thread::scope(|s| {
        let first = s.spawn(|| waits(&client));
        let second = s.spawn(|| waits(&client));
        (
            first.join().expect("first run"),
            second.join().expect("second run"),
        )
    });
    let other = waits(&blocking(&emu, &setup));
    assert_eq!((a.len(), b.len(), other.len()), (3, 3, 3));
    assert_ne!(a, b, "one client's runs backed off in lockstep");
    assert_ne!(a, other, "two clients backed off in lockstep");
}

/// A cancel wakes a run out of a 60-second `Retry-After` wait, on both clients
/// and with several threads; the run is an `Err` that holds the report, with every user
/// in one bucket and nothing sent after the cancel.
#[test]
fn a_cancel_wakes_a_long_retry_after_wait_on_both_clients() {
    use slack_sessions::{BulkError, BulkRun, RequestEvent};
    use std::sync::mpsc;

    let users: Vec<String> = (0..5_000).map(|i| format!("U{i:08}")).collect();
    for (label, concurrency) in [("blocking", 1), ("blocking x3", 3), ("async", 4)] {
        let emu = slack_sessions_emulator::Emulator::builder()
            .rate_limit(None)
            .storm_retry_after(60)
            .faults("1=storm:1000".parse().expect("faults"))
            .start()
            .expect("emulator");
        let (tx, rx) = mpsc::channel::<()>();
        let tx = std::sync::Mutex::new(tx);
        let run =
            BulkRun::default()
                .concurrency(concurrency)
                .on_request(Some(std::sync::Arc::new(move |_: &RequestEvent| {
                    let _ = tx.lock().map(|t| t.send(()));
                })));
        let token = run.cancel_token();
        let canceller = std::thread::spawn(move || {
            // The first 429 has been answered: the run now waits 60 s to retry.
            let _ = rx.recv();
            token.cancel();
        });
        let result = if label.starts_with("blocking") {
            let client = blocking(&emu, &Setup::default());
            client.set_settings_bulk(&users, settings(), run, |_| {})
        } else {
            let rt = runtime();
            let client = rt.block_on(async { asynchronous(&emu, &Setup::default()) });
            rt.block_on(client.set_settings_bulk(&users, settings(), run, |_| {}))
        };
        canceller.join().expect("canceller");
        // Woken by the cancel, not by the end of the 60 s wait: a retry could not reach
        // the server sooner than 60 s after the first 429, and nothing did.
        let arrived: Vec<std::time::Instant> = emu.log().iter().map(|e| e.arrived).collect();
        let first = *arrived.iter().min().expect("a request");
        let last = *arrived.iter().max().expect("a request");
        assert!(
            last - first < std::time::Duration::from_secs(60),
            "{label}: a retry went out"
        );
        let Err(BulkError::Cancelled(report)) = result else {
            panic!("{label}: not a cancelled run: {result:?}")
        };
        assert!(report.cancelled);
        assert_eq!(
            report.not_attempted.len() + report.applied.len() + report.failed.len(),
            5_000,
            "{label}"
        );
        assert_eq!(report.requests, emu.calls(), "{label}");
        // Each answer before the cancel lands may free a slot for one more request;
        // the core's tests show that nothing is sent after it.
        assert!(
            report.requests <= 2 * concurrency as u64,
            "{label}: {} requests",
            report.requests
        );
        // (Requests that raced the storm's first 429 may have been applied.)
        let held: HashSet<String> = emu.state().into_keys().collect();
        let applied: HashSet<String> = report.applied.iter().map(|u| u.to_string()).collect();
        assert_eq!(held, applied, "{label}");
    }
}
