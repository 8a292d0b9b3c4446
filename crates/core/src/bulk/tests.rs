use std::collections::{HashMap, HashSet};

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{Request, Response};

use super::*;
use crate::endpoint::Endpoint;
use crate::error::InvalidInput;
use crate::error::{Error, TransportFailure, TransportKind};
use crate::pacer::Pacer;
use crate::pacer::SharedPacer;
use crate::retry::RetryPolicy;
use crate::user::{InvalidUserId, UserId};
use crate::UsersMethod;
use crate::{
    ClearSettings, ErrorCode, GetSettings, Method, SessionSettings, SetSettings, Tier, Token,
};

fn endpoint() -> Endpoint {
    Endpoint::new(Token::new("xoxp-test").unwrap())
}

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("U{i:08}")).collect()
}

/// The users named in a form body, read with this test's own code.
fn users_in(req: &Request<Vec<u8>>) -> Vec<String> {
    let body = std::str::from_utf8(req.body()).unwrap();
    let field = body
        .split('&')
        .find_map(|kv| kv.strip_prefix("user_ids="))
        .unwrap();
    field.split("%2C").map(str::to_owned).collect()
}

type Outcome = Result<Response<Vec<u8>>, TransportFailure>;

fn ok() -> Response<Vec<u8>> {
    Response::new(br#"{"ok":true}"#.to_vec())
}

fn slack_error(code: &str) -> Response<Vec<u8>> {
    Response::new(format!(r#"{{"ok":false,"error":"{code}"}}"#).into_bytes())
}

/// Answers like Slack: all or nothing, naming the first bad member's code.
fn fake_slack(bad: &HashMap<String, &'static str>, req: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    match users_in(req).iter().find_map(|u| bad.get(u)) {
        Some(code) => slack_error(code),
        None => ok(),
    }
}

/// Runs a plan to the end in virtual time with `answer` as the server.
fn run<M: UsersMethod>(
    mut plan: BulkPlan<'_, M>,
    mut answer: impl FnMut(Instant, &Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportFailure>,
) -> (BulkReport<M::Output>, Duration) {
    let t0 = Instant::now();
    let mut now = t0;
    let mut pending: VecDeque<(ChunkId, Outcome)> = VecDeque::new();
    loop {
        match plan.poll(now) {
            BulkAction::Send(id, req) => {
                let a = answer(now, &req);
                pending.push_back((id, a));
            }
            BulkAction::WaitUntil(t) => {
                // Answers in flight arrive before the clock moves.
                if let Some((id, a)) = pending.pop_front() {
                    let _ = plan.handle(now, id, a);
                } else {
                    assert!(t > now);
                    now = t;
                }
            }
            BulkAction::Pending => {
                let (id, a) = pending.pop_front().expect("pending with nothing in flight");
                let _ = plan.handle(now, id, a);
            }
            BulkAction::Done => return (plan.finish(), now - t0),
        }
    }
}

/// Like [`run`], with up to `in_flight` answers held back and a cancel after the
/// `cancel_at`-th action (if the run lasts that long); returns the report and the
/// requests handed out after the cancel.
fn run_cancelling<M: UsersMethod>(
    mut plan: BulkPlan<'_, M>,
    cancel_at: Option<usize>,
    mut answer: impl FnMut(&Request<Vec<u8>>) -> Response<Vec<u8>>,
) -> (BulkReport<M::Output>, usize) {
    let mut now = Instant::now();
    let mut pending: VecDeque<(ChunkId, Outcome)> = VecDeque::new();
    let (mut step, mut after) = (0usize, 0usize);
    loop {
        if Some(step) == cancel_at {
            plan.cancel();
        }
        step += 1;
        match plan.poll(now) {
            BulkAction::Send(id, req) => {
                after += usize::from(plan.is_cancelled());
                pending.push_back((id, Ok(answer(&req))));
            }
            BulkAction::WaitUntil(t) => match pending.pop_front() {
                Some((id, a)) => {
                    let _ = plan.handle(now, id, a);
                }
                None => now = t,
            },
            BulkAction::Pending => {
                let (id, a) = pending.pop_front().expect("pending with nothing in flight");
                let _ = plan.handle(now, id, a);
            }
            BulkAction::Done => return (plan.finish(), after),
        }
    }
}

fn assert_every_input_once<O>(report: &BulkReport<O>, inputs: &[String]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for u in &report.applied {
        *seen.entry(u.to_string()).or_default() += 1;
    }
    for f in &report.failed {
        *seen.entry(f.user_id.to_string()).or_default() += 1;
    }
    for u in report.not_attempted.iter().chain(&report.not_returned) {
        *seen.entry(u.to_string()).or_default() += 1;
    }
    for i in &report.invalid {
        *seen.entry(i.input.clone()).or_default() += 1;
    }
    let distinct: HashSet<&String> = inputs.iter().collect();
    assert_eq!(
        seen.len(),
        distinct.len(),
        "buckets hold other users than the inputs"
    );
    for i in distinct {
        assert_eq!(seen.get(i), Some(&1), "{i} is in {:?} buckets", seen.get(i));
    }
    assert_eq!(report.requested, seen.len());
}

fn set_plan(users: &[String], options: BulkOptions) -> BulkPlan<'_, SetSettings> {
    let settings = SessionSettings::new().desktop_app_browser_quit(true);
    BulkPlan::new(&endpoint(), settings, users, options).unwrap()
}

#[test]
fn isolates_unknown_users_and_bots_within_the_call_bound() {
    let mut users = ids(2_495);
    let bad: HashMap<String, &'static str> = [
        ("U77700001", "user_not_found"),
        ("U77700002", "user_not_found"),
        ("W77700003", "user_not_found"),
        ("U90000001", "bots_not_allowed"),
        ("U90000002", "bots_not_allowed"),
    ]
    .into_iter()
    .map(|(u, c)| (u.to_owned(), c))
    .collect();
    // Spread the bad ones across chunks.
    for (i, b) in bad.keys().enumerate() {
        users.insert(i * 500 + 17, b.clone());
    }
    let (report, _) = run(set_plan(&users, BulkOptions::default()), |_, r| {
        Ok(fake_slack(&bad, r))
    });
    assert_eq!(report.applied.len(), 2_495);
    assert_eq!(report.failed.len(), 5);
    for f in &report.failed {
        assert_eq!(f.code(), bad[f.user_id.as_str()], "{}", f.user_id);
    }
    let bound = 2_500usize.div_ceil(1000) + 2 * 5 * 10;
    assert!(
        report.requests as usize <= bound,
        "{} requests > {bound}",
        report.requests
    );
    assert_every_input_once(&report, &users);
}

#[test]
fn an_auth_error_stops_the_run() {
    let users = ids(3_500);
    let mut n = 0;
    let (report, _) = run(set_plan(&users, BulkOptions::default()), |_, _| {
        n += 1;
        Ok(if n == 2 {
            slack_error("invalid_auth")
        } else {
            ok()
        })
    });
    assert_eq!(report.applied.len(), 1000);
    assert_eq!(report.applied[0].as_str(), "U00000000");
    assert_eq!(report.not_attempted.len(), 2_500);
    assert!(report.failed.is_empty());
    assert_eq!(report.requests, 2);
    assert_eq!(
        report.stopped_by.as_ref().and_then(Error::code),
        Some(ErrorCode::InvalidAuth)
    );
    assert_every_input_once(&report, &users);
}

#[test]
fn duplicates_and_invalid_ids() {
    let users: Vec<String> = ["U1", "U1", "bad", "u2", "", "W3", "bad", "U1", "W3"]
        .into_iter()
        .map(String::from)
        .collect();
    let (report, _) = run(set_plan(&users, BulkOptions::default()), |_, r| {
        assert_eq!(users_in(r), ["U1", "W3"]);
        Ok(ok())
    });
    assert_eq!(report.applied.len(), 2);
    let invalid: Vec<_> = report.invalid.iter().map(|i| i.input.as_str()).collect();
    assert_eq!(invalid, ["bad", "u2", ""]);
    assert_eq!(report.invalid[1].reason, InvalidUserId::BadPrefix);
    assert_eq!(report.requested, 5);
    assert_eq!(report.requests, 1);
    assert_every_input_once(&report, &users);
}

#[test]
fn no_valid_users_sends_nothing() {
    let users = vec!["nope".to_owned()];
    let (report, _) = run(set_plan(&users, BulkOptions::default()), |_, _| {
        panic!("sent")
    });
    assert_eq!(report.invalid.len(), 1);
    assert_eq!(report.requests, 0);
}

#[test]
fn bad_params_are_refused_up_front() {
    let err = BulkPlan::<SetSettings>::new(
        &endpoint(),
        SessionSettings::new(),
        ["U1"],
        BulkOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err, InvalidInput::NoSetting);
    let opts = BulkOptions {
        chunk_size: 1001,
        ..BulkOptions::default()
    };
    assert!(BulkPlan::<ClearSettings>::new(&endpoint(), (), ["U1"], opts).is_err());
}

/// A Slack-like limiter: a bucket of `per_minute` that refills continuously.
struct ServerBucket {
    tokens: f64,
    last: Option<Instant>,
    per_minute: f64,
}

impl ServerBucket {
    fn admit(&mut self, now: Instant) -> bool {
        if let Some(last) = self.last {
            let refill = (now - last).as_secs_f64() * self.per_minute / 60.0;
            self.tokens = (self.tokens + refill).min(self.per_minute);
        }
        self.last = Some(now);
        if self.tokens >= 1.0 - 1e-9 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[test]
fn pacing_holds_100_a_minute_over_150_chunks_with_no_429() {
    let users = ids(150_000);
    let pacer = SharedPacer::new(Pacer::new());
    let mut server = ServerBucket {
        tokens: 100.0,
        last: None,
        per_minute: 100.0,
    };
    let mut times = Vec::new();
    let plan = set_plan(
        &users,
        BulkOptions {
            max_in_flight: 4,
            ..BulkOptions::default()
        },
    )
    .with_pacer(pacer);
    let (report, elapsed) = run(plan, |now, _| {
        times.push(now);
        Ok(if server.admit(now) {
            ok()
        } else {
            Response::builder()
                .status(429)
                .header("retry-after", "1")
                .body(Vec::new())
                .unwrap()
        })
    });
    assert_eq!(report.rate_limited, 0);
    assert_eq!(report.applied.len(), 150_000);
    assert_eq!(report.requests, 150);
    // 10 at once, then one every 600 ms.
    assert_eq!(elapsed, Duration::from_millis(600) * 140);
    let t0 = times[0];
    for (i, t) in times.iter().enumerate() {
        let in_minute = times[i..]
            .iter()
            .take_while(|u| **u - *t < Duration::from_secs(60))
            .count();
        assert!(
            in_minute <= 110,
            "{in_minute} calls in the minute from {:?}",
            *t - t0
        );
    }
}

#[test]
fn transient_faults_are_retried_with_many_in_flight() {
    let users = ids(10_000);
    let mut attempts: HashMap<String, u32> = HashMap::new();
    let opts = BulkOptions {
        max_in_flight: 4,
        ..BulkOptions::default()
    };
    let (report, _) = run(set_plan(&users, opts), |_, r| {
        let n = attempts.entry(users_in(r)[0].clone()).or_default();
        *n += 1;
        Ok(match *n {
            1 => slack_error("internal_error"),
            2 => Response::builder()
                .status(503)
                .body(b"<html>".to_vec())
                .unwrap(),
            3 => Err(TransportFailure::new(crate::TransportKind::Io, "reset"))?,
            _ => ok(),
        })
    });
    assert_eq!(report.applied.len(), 10_000);
    assert_eq!(report.retries, 30);
    assert_eq!(report.requests, 40);
    assert_every_input_once(&report, &users);
}

#[test]
fn exhausted_retries_fail_the_chunk_with_the_last_error() {
    let users = ids(1_500);
    let opts = BulkOptions {
        policy: RetryPolicy {
            max_retries: 2,
            ..RetryPolicy::default()
        },
        ..BulkOptions::default()
    };
    let mut n = 0;
    let (report, _) = run(set_plan(&users, opts), |_, _| {
        n += 1;
        Ok(if n == 1 {
            ok()
        } else {
            Response::builder().status(502).body(Vec::new()).unwrap()
        })
    });
    assert_eq!(report.applied.len(), 1000);
    assert_eq!(report.failed.len(), 500);
    assert_eq!(report.failed[0].code(), "http_502");
    assert_eq!(report.requests, 4);
    assert_every_input_once(&report, &users);
}

#[test]
fn get_settings_merges_outputs_across_chunks() {
    let users = ids(2_001);
    let plan =
        BulkPlan::<GetSettings>::new(&endpoint(), (), &users, BulkOptions::default()).unwrap();
    let (report, _) = run(plan, |_, r| {
        let us = users_in(r);
        let (with, without) = us.split_at(us.len() / 2);
        let settings: Vec<String> = with
            .iter()
            .map(|u| {
                format!(r#"{{"user_id":"{u}","desktop_app_browser_quit":true,"duration":28800}}"#)
            })
            .collect();
        let none: Vec<String> = without.iter().map(|u| format!("\"{u}\"")).collect();
        Ok(Response::new(
            format!(
                r#"{{"ok":true,"session_settings":[{}],"no_settings_applied":[{}]}}"#,
                settings.join(","),
                none.join(",")
            )
            .into_bytes(),
        ))
    });
    let out = &report.output;
    assert_eq!(
        out.session_settings.len() + out.no_settings_applied.len(),
        2_001
    );
    assert_eq!(out.session_settings.len(), 500 + 500);
    assert_eq!(report.applied.len(), 2_001);
}

#[test]
fn a_driver_that_quits_early_loses_no_one() {
    let users = ids(5_000);
    let mut plan = set_plan(
        &users,
        BulkOptions {
            max_in_flight: 2,
            ..BulkOptions::default()
        },
    );
    let now = Instant::now();
    let BulkAction::Send(id, _) = plan.poll(now) else {
        panic!()
    };
    let BulkAction::Send(_, _) = plan.poll(now) else {
        panic!()
    };
    assert!(matches!(plan.poll(now), BulkAction::Pending));
    let _ = plan.handle(now, id, Ok(ok()));
    let report = plan.finish();
    assert_eq!(report.applied.len(), 1000);
    assert_eq!(report.not_attempted.len(), 4000);
    assert_every_input_once(&report, &users);
}

#[test]
fn tier_of_the_session_methods_is_4() {
    assert_eq!(SetSettings::TIER, Tier::Tier4);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// The users of a run: `n` good ones, bad ones at the given places (half unknown,
    /// half bots), then the junk that is no ID at all; and Slack's code for each bad one.
    fn inputs(
        n: usize,
        bad_at: &[proptest::sample::Index],
        junk: Vec<String>,
    ) -> (Vec<String>, HashMap<String, &'static str>) {
        let mut users = ids(n);
        let mut bad = HashMap::new();
        for (k, at) in bad_at.iter().enumerate() {
            let id = format!("U9{k:07}");
            let code = if k % 2 == 0 {
                "user_not_found"
            } else {
                "bots_not_allowed"
            };
            bad.insert(id.clone(), code);
            users.insert(at.index(users.len() + 1), id);
        }
        users.extend(junk);
        (users, bad)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
        /// Never cancelled: every input in one bucket, every bad user failed alone, and
        /// the requests within the bound of the halvings.
        #[test]
        fn every_input_in_one_bucket_within_the_bound(
            n in 1usize..4_000,
            bad_at in proptest::collection::vec(any::<proptest::sample::Index>(), 0..12),
            junk in proptest::collection::vec("[a-z ]{0,4}", 0..5),
            in_flight in 1usize..5,
        ) {
            let (users, bad) = inputs(n, &bad_at, junk);
            let options = BulkOptions { max_in_flight: in_flight, ..BulkOptions::default() };
            let (report, _) = run_cancelling(set_plan(&users, options), None, |r| fake_slack(&bad, r));
            assert_every_input_once(&report, &users);
            prop_assert!(!report.cancelled);
            prop_assert_eq!(report.failed.len(), bad.len());
            let valid = n + bad.len();
            let bound = valid.div_ceil(1000) + 2 * bad.len() * 10;
            prop_assert!(report.requests as usize <= bound, "{} > {}", report.requests, bound);
        }

        /// Cancelled at any point: every input still in one bucket, nothing sent after
        /// the cancel, and no user both applied and not attempted.
        #[test]
        fn a_cancel_keeps_every_input_in_one_bucket_and_sends_nothing_more(
            n in 1usize..4_000,
            bad_at in proptest::collection::vec(any::<proptest::sample::Index>(), 0..12),
            cancel_at in 0usize..40,
            in_flight in 1usize..5,
        ) {
            let (users, bad) = inputs(n, &bad_at, Vec::new());
            let options = BulkOptions { max_in_flight: in_flight, ..BulkOptions::default() };
            let (report, sent_after_cancel) =
                run_cancelling(set_plan(&users, options), Some(cancel_at), |r| fake_slack(&bad, r));
            assert_every_input_once(&report, &users);
            prop_assert_eq!(sent_after_cancel, 0);
            // A run that ended before the cancel left nobody unattempted.
            prop_assert!(report.cancelled || report.not_attempted.is_empty());
            if cancel_at == 0 {
                // Cancelled before anything was sent: everyone is not attempted.
                prop_assert!(report.cancelled);
                prop_assert_eq!(report.requests, 0);
                prop_assert_eq!(report.not_attempted.len(), n + bad.len());
            }
            let settled = report.applied.len() + report.failed.len() + report.not_attempted.len();
            prop_assert_eq!(settled, n + bad.len());
        }
    }
}

#[test]
fn events_tell_what_became_of_each_request() {
    let users = ids(2);
    let mut bad = HashMap::new();
    bad.insert("U00000001".to_owned(), "user_not_found");
    let opts = BulkOptions {
        record_events: true,
        ..BulkOptions::default()
    };
    let mut plan = set_plan(&users, opts);
    let now = Instant::now();
    let mut events = Vec::new();
    let mut first = true;
    while let BulkAction::Send(id, req) = plan.poll(now) {
        let answer = if first {
            first = false;
            Ok(Response::builder().status(503).body(Vec::new()).unwrap())
        } else {
            Ok(fake_slack(&bad, &req))
        };
        let _ = plan.handle(now, id, answer);
        events.extend(plan.drain_events());
        if let BulkAction::WaitUntil(_) = plan.poll(now) {
            break;
        }
    }
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].status, Some(503));
    assert_eq!(events[0].code, "http_503");
    assert!(matches!(events[0].disposition, Disposition::Retry(_)));
    let (report, _) = run(set_plan(&users, opts), |_, r| Ok(fake_slack(&bad, r)));
    assert_eq!(report.failed.len(), 1);
}

fn fast(max_retries: u32) -> BulkOptions {
    BulkOptions {
        policy: RetryPolicy {
            max_retries,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(4),
            ..RetryPolicy::default()
        },
        ..BulkOptions::default()
    }
}

/// Users left out of a getSettings answer are `not_returned`, not
/// read; users nobody asked for are dropped with a warning.
#[test]
fn get_settings_checks_the_answer_against_the_chunk() {
    let users = ids(1_500);
    let plan =
        BulkPlan::<GetSettings>::new(&endpoint(), (), &users, BulkOptions::default()).unwrap();
    let (report, _) = run(plan, |_, r| {
        let us = users_in(r);
        // Every tenth user left out; two strangers added.
        let listed: Vec<String> = us
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 10 != 3)
            .map(|(_, u)| format!("\"{u}\""))
            .chain(["\"U99999998\"".to_owned(), "\"W99999999\"".to_owned()])
            .collect();
        Ok(Response::new(
            format!(
                r#"{{"ok":true,"session_settings":[{{"user_id":"U55555555","duration":28800}}],"no_settings_applied":[{}]}}"#,
                listed.join(",")
            )
            .into_bytes(),
        ))
    });
    assert_eq!(report.not_returned.len(), 150);
    assert_eq!(report.not_returned[0].as_str(), "U00000003");
    assert_eq!(report.applied.len(), 1_350);
    assert_eq!(report.output.not_returned.len(), 150);
    let out = &report.output;
    assert!(out.session_settings.is_empty());
    assert_eq!(out.no_settings_applied.len(), 1_350);
    let asked: HashSet<&str> = users.iter().map(String::as_str).collect();
    assert!(out
        .no_settings_applied
        .iter()
        .all(|u| asked.contains(u.as_str())));
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(
        report.warnings[0].contains("dropped 6 entries"),
        "{:?}",
        report.warnings
    );
    assert!(report.is_complete_success());
    assert_every_input_once(&report, &users);
}

/// A server that never answers must not cost 6 × timeout per chunk
/// for every chunk.
#[test]
fn two_unreachable_chunks_in_a_row_stop_the_run() {
    let users = ids(10_000);
    let (report, _) = run(set_plan(&users, fast(5)), |_, _| {
        Err(TransportFailure::new(TransportKind::Timeout, "no answer"))
    });
    assert_eq!(report.failed.len(), 2_000);
    assert_eq!(report.not_attempted.len(), 8_000);
    assert_eq!(report.requests, 2 * 6);
    assert_eq!(
        report.stopped_by.as_ref().and_then(Error::transport_kind),
        Some(TransportKind::Timeout)
    );
    assert_every_input_once(&report, &users);

    // A success between two failed chunks resets the count.
    let mut n = 0;
    let (report, _) = run(set_plan(&users, fast(0)), |_, _| {
        n += 1;
        if n % 2 == 0 {
            Ok(ok())
        } else {
            Err(TransportFailure::new(TransportKind::Connect, "refused"))
        }
    });
    assert!(report.stopped_by.is_none());
    assert_eq!(report.applied.len(), 5_000);
    assert_eq!(report.failed.len(), 5_000);
    assert_every_input_once(&report, &users);
}

/// An oversized answer is retried once, then the chunk is halved.
#[test]
fn an_oversized_answer_halves_the_chunk() {
    let users = ids(1_000);
    let (report, _) = run(set_plan(&users, fast(5)), |_, r| {
        if users_in(r).len() > 250 {
            Err(TransportFailure::new(
                TransportKind::BodyTooLarge,
                "over the cap",
            ))
        } else {
            Ok(ok())
        }
    });
    assert_eq!(report.applied.len(), 1_000);
    assert!(report.failed.is_empty());
    // 1,000 (twice), 500 × 2 (twice each), then 4 × 250.
    assert_eq!(report.requests, 2 + 4 + 4);
    assert_every_input_once(&report, &users);

    // A single user whose answer never fits fails alone.
    let (report, _) = run(set_plan(&ids(2), fast(5)), |_, _| {
        Err(TransportFailure::new(
            TransportKind::BodyTooLarge,
            "over the cap",
        ))
    });
    assert_eq!(report.failed.len(), 2);
    assert_eq!(report.failed[0].code(), "body_too_large");
}

/// The users of one failed request share one error value.
#[test]
fn failed_users_share_one_error() {
    let users = ids(1_000);
    let huge = "e".repeat(4 << 20);
    let (report, _) = run(set_plan(&users, fast(0)), |_, _| {
        Ok(Response::new(
            format!(r#"{{"ok":false,"error":"{huge}"}}"#).into_bytes(),
        ))
    });
    assert_eq!(report.failed.len(), 1_000);
    assert!(report
        .failed
        .iter()
        .all(|f| Arc::ptr_eq(&f.error, &report.failed[0].error)));
    assert!(report.failed[0].code().len() <= crate::limits::MAX_CODE_BYTES);
}

/// GetSettings output comes in input order, whatever order answers arrive in.
#[test]
fn get_settings_output_keeps_input_order() {
    let users = ids(2_500);
    let opts = BulkOptions {
        max_in_flight: 3,
        ..BulkOptions::default()
    };
    let mut plan = BulkPlan::<GetSettings>::new(&endpoint(), (), &users, opts).unwrap();
    let now = Instant::now();
    let mut flying = Vec::new();
    loop {
        match plan.poll(now) {
            BulkAction::Send(id, req) => flying.push((id, users_in(&req))),
            BulkAction::Pending | BulkAction::WaitUntil(_) => {
                // The newest request answers first.
                let (id, us) = flying.pop().expect("something in flight");
                let none: Vec<String> = us.iter().map(|u| format!("\"{u}\"")).collect();
                let body = format!(
                    r#"{{"ok":true,"no_settings_applied":[{}]}}"#,
                    none.join(",")
                );
                let _ = plan.handle(now, id, Ok(Response::new(body.into_bytes())));
            }
            BulkAction::Done => break,
        }
    }
    let report = plan.finish();
    let got: Vec<&str> = report
        .output
        .no_settings_applied
        .iter()
        .map(UserId::as_str)
        .collect();
    assert_eq!(got, users.iter().map(String::as_str).collect::<Vec<_>>());
}

/// Cancellation, in virtual time.
mod cancel {
    use super::*;

    fn opts(in_flight: usize) -> BulkOptions {
        BulkOptions {
            max_in_flight: in_flight,
            ..fast(5)
        }
    }

    /// A cancel with four requests in flight: their answers are still settled, nothing
    /// new goes out, everyone else is not attempted.
    #[test]
    fn answers_in_flight_are_settled_and_nothing_new_is_sent() {
        let users = ids(10_000);
        let mut plan = set_plan(&users, opts(4));
        let now = Instant::now();
        let mut flying = Vec::new();
        while let BulkAction::Send(id, _) = plan.poll(now) {
            flying.push(id);
        }
        assert_eq!(flying.len(), 4);
        plan.cancel();
        assert!(matches!(plan.poll(now), BulkAction::Pending));
        // One in-flight answer asks for a retry: after a cancel, its users are not
        // attempted rather than sent again.
        let retry = Response::builder().status(503).body(Vec::new()).unwrap();
        let _ = plan.handle(now, flying[0], Ok(retry));
        for id in &flying[1..] {
            let _ = plan.handle(now, *id, Ok(ok()));
        }
        assert!(matches!(plan.poll(now), BulkAction::Done));
        let report = plan.finish();
        assert!(report.cancelled && report.stopped_by.is_none());
        assert_eq!(report.requests, 4);
        assert_eq!(report.applied.len(), 3_000);
        assert_eq!(report.not_attempted.len(), 7_000);
        assert_every_input_once(&report, &users);
        assert!(matches!(report.into_result(), Err(BulkError::Cancelled(_))));
    }

    /// A cancel while the pacer holds the next chunk back ends the run at once: no
    /// waiting out the pacer.
    #[test]
    fn a_cancel_during_a_pacer_wait_ends_the_run_without_waiting() {
        let users = ids(3_000);
        let pacer = SharedPacer::new(Pacer::new().with_all_rates(crate::Rate::new(1, 1)));
        let mut plan = set_plan(&users, opts(1)).with_pacer(pacer);
        let now = Instant::now();
        let BulkAction::Send(id, _) = plan.poll(now) else {
            panic!("first request")
        };
        let _ = plan.handle(now, id, Ok(ok()));
        let BulkAction::WaitUntil(t) = plan.poll(now) else {
            panic!("the pacer must hold the second chunk")
        };
        assert!(t >= now + Duration::from_secs(59));
        plan.cancel();
        assert!(matches!(plan.poll(now), BulkAction::Done));
        let report = plan.finish();
        assert_eq!(
            (report.applied.len(), report.not_attempted.len()),
            (1_000, 2_000)
        );
        assert_eq!(report.requests, 1);
        assert_every_input_once(&report, &users);
    }

    /// A cancel during a `Retry-After` wait: the waiting chunk is not attempted, and no
    /// retry is sent.
    #[test]
    fn a_cancel_during_a_retry_after_wait_sends_no_retry() {
        let users = ids(1_000);
        let mut plan = set_plan(&users, opts(1));
        let now = Instant::now();
        let BulkAction::Send(id, _) = plan.poll(now) else {
            panic!("first request")
        };
        let limited = Response::builder()
            .status(429)
            .header("retry-after", "60")
            .body(Vec::new())
            .unwrap();
        let _ = plan.handle(now, id, Ok(limited));
        let BulkAction::WaitUntil(t) = plan.poll(now) else {
            panic!("the chunk must wait for Retry-After")
        };
        assert!(t >= now + Duration::from_secs(60));
        plan.cancel();
        assert!(matches!(plan.poll(now), BulkAction::Done));
        let report = plan.finish();
        assert_eq!(report.requests, 1);
        assert_eq!(report.rate_limited, 1);
        assert_eq!(report.not_attempted.len(), 1_000);
        assert_every_input_once(&report, &users);
    }

    /// The users each answer settles, for a journal, name each user once.
    #[test]
    fn settled_users_are_recorded_for_a_journal() {
        let users = ids(2_500);
        let mut bad = HashMap::new();
        bad.insert("U00000007".to_owned(), "user_not_found");
        let options = BulkOptions {
            record_settled: true,
            ..opts(1)
        };
        let mut plan = set_plan(&users, options);
        let now = Instant::now();
        let mut settled = Vec::new();
        while let BulkAction::Send(id, req) = plan.poll(now) {
            let _ = plan.handle(now, id, Ok(fake_slack(&bad, &req)));
            settled.extend(plan.drain_settled());
        }
        let applied: usize = settled.iter().map(|s| s.applied.len()).sum();
        let failed: Vec<&Settled> = settled.iter().filter(|s| !s.failed.is_empty()).collect();
        assert_eq!(applied, 2_499);
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].failed[0].as_str(), "U00000007");
        assert_eq!(failed[0].code, "user_not_found");
        assert_eq!(plan.finish().applied.len(), 2_499);
    }
}

/// `failed_for_some_users` settles the users it names as failed, each with its
/// code, and the rest of the chunk as applied, in one request.
#[test]
fn failed_for_some_users_settles_each_user() {
    use crate::methods::admin::users::session::{ResetScope, ResetSessionsBulk};
    let users = ids(5);
    let options = BulkOptions {
        record_settled: true,
        ..BulkOptions::default()
    };
    let plan = BulkPlan::<ResetSessionsBulk>::new(&endpoint(), ResetScope::all(), &users, options)
        .unwrap();
    let (report, _) = run(plan, |_, _| {
        Ok(Response::new(
            br#"{"ok":false,"error":"failed_for_some_users","response_metadata":{"messages":["[ERROR] U00000001: session_reset_not_allowed","U00000003: cannot_reset_bot"]}}"#
                .to_vec(),
        ))
    });
    assert_eq!(report.requests, 1);
    let mut failed: Vec<(String, String)> = report
        .failed
        .iter()
        .map(|f| (f.user_id.to_string(), f.code().into_owned()))
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        [
            (
                "U00000001".to_owned(),
                "session_reset_not_allowed".to_owned()
            ),
            ("U00000003".to_owned(), "cannot_reset_bot".to_owned())
        ]
    );
    assert_eq!(report.applied.len(), 3);
    assert_every_input_once(&report, &users);
    // Details that name someone outside the chunk are not trusted: the chunk is halved.
    let plan = BulkPlan::<ResetSessionsBulk>::new(
        &endpoint(),
        ResetScope::all(),
        &users,
        BulkOptions::default(),
    )
    .unwrap();
    let (report, _) = run(plan, |_, _| {
        Ok(Response::new(
            br#"{"ok":false,"error":"failed_for_some_users","response_metadata":{"messages":["[ERROR] U99999999: cannot_reset_bot"]}}"#
                .to_vec(),
        ))
    });
    assert!(report.requests > 1);
    assert_eq!(report.failed.len(), 5);
}
