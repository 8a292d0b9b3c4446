//! The soak shared by `tests/soak.rs` (20,000 users, in CI) and `benches/soak.rs`
//! (1,000,000 users): every fault kind at 20% with 429 storms, bad IDs mixed in, over
//! both transports; every input must end in exactly one bucket and the emulator must
//! hold exactly the users reported applied.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use slack_sessions::blocking::Blocking;
use slack_sessions::nonblocking::Async;
use slack_sessions::sansio::ClientConfig;
use slack_sessions::{
    BulkReport, BulkRun, Empty, RetryPolicy, SessionDuration, SessionSettings, Token,
};
use slack_sessions_emulator::{Emulator, FaultPlan};

use super::{runtime, Transport};

/// Every fault kind the emulator has, storms included.
pub(crate) const EVERY_FAULT: &str = "internal_error+service_unavailable+fatal_error+request_timeout+fatal_error_after_apply+http500+http502+http503+storm:3+delay:5+drop+drop_after_apply+truncate+huge:1";

/// Users the emulator does not know, and bots: each must fail with its code.
pub(crate) const BAD: [(&str, &str); 8] = [
    ("U77700001", "user_not_found"),
    ("U77700002", "user_not_found"),
    ("W77700003", "user_not_found"),
    ("U77700004", "user_not_found"),
    ("U77700005", "user_not_found"),
    ("U90000001", "bots_not_allowed"),
    ("U90000002", "bots_not_allowed"),
    ("U90000003", "bots_not_allowed"),
];

/// Inputs that are not user IDs.
pub(crate) const MALFORMED: [&str; 4] = ["not-a-user", "u00000001", "", "U0000000é"];

/// What one soak run did.
#[derive(Debug)]
pub(crate) struct Soak {
    pub(crate) transport: Transport,
    pub(crate) users: usize,
    pub(crate) requests: u64,
    pub(crate) retries: u64,
    pub(crate) rate_limited: u64,
    pub(crate) faults: u64,
    /// The outcomes the emulator counted (`fault:drop`, `storm`, `ok`, …).
    pub(crate) outcomes: std::collections::BTreeMap<String, u64>,
    pub(crate) applied: usize,
    pub(crate) failed: usize,
    pub(crate) invalid: usize,
    pub(crate) elapsed: Duration,
}

/// `n` good users with the bad and malformed inputs spread among them, and duplicates.
pub(crate) fn inputs(n: usize) -> Vec<String> {
    let mut v: Vec<String> = (0..n).map(|i| format!("U{i:08}")).collect();
    let step = (n / (BAD.len() + MALFORMED.len() + 1)).max(1);
    for (k, id) in BAD.iter().map(|(id, _)| *id).chain(MALFORMED).enumerate() {
        v.insert(((k + 1) * step).min(v.len()), id.to_owned());
    }
    v.push("U00000007".into());
    v.push(BAD[0].0.into());
    v
}

/// Runs the soak over `transport` with `n` good users and checks every invariant.
///
/// Chunks hold `chunk` users: smaller chunks mean more requests, so more faults.
pub(crate) fn soak(transport: Transport, n: usize, chunk: usize, seed: u64) -> Soak {
    let emu = Emulator::builder()
        .rate_limit(None)
        .log_capacity(0)
        .storm_retry_after(0)
        .users(u32::try_from(n).expect("users"))
        .start()
        .expect("emulator");
    let plan: FaultPlan = format!("rate=0.2,seed={seed},kinds={EVERY_FAULT}")
        .parse()
        .expect("faults");
    emu.set_faults(plan);
    let inputs = inputs(n);
    let policy = RetryPolicy::default()
        .max_retries(12)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(8));
    let token = Token::new(emu.admin_token()).expect("token");
    let settings = SessionSettings::new()
        .duration(SessionDuration::from_secs(43_200).expect("duration"))
        .desktop_app_browser_quit(true);
    let run = BulkRun::default().concurrency(4).chunk_size(chunk);
    // Both builders are a `ClientConfig`: one set of settings for either.
    let config = ClientConfig::new(token)
        .base_url(emu.base_url())
        .retry_policy(policy)
        .pacing(false)
        .max_body(256 << 10)
        .timeout(Duration::from_secs(10));
    let started = Instant::now();
    let report: BulkReport<Empty> = match transport {
        Transport::Blocking => config
            .with_adapter::<Blocking>()
            .build()
            .expect("client")
            .set_settings_bulk(&inputs, settings, run, |_| {})
            .expect("bulk"),
        Transport::Async => runtime().block_on(async {
            config
                .with_adapter::<Async>()
                .build()
                .expect("client")
                .set_settings_bulk(&inputs, settings, run, |_| {})
                .await
                .expect("bulk")
        }),
    };
    let elapsed = started.elapsed();
    let label = format!("{transport:?}");

    // Every distinct input in exactly one bucket.
    let mut buckets: HashMap<String, &str> = HashMap::new();
    let mut put = |id: String, bucket: &'static str| {
        if let Some(other) = buckets.insert(id.clone(), bucket) {
            panic!("{label}: {id} is both {other} and {bucket}");
        }
    };
    report
        .applied
        .iter()
        .for_each(|u| put(u.to_string(), "applied"));
    report
        .failed
        .iter()
        .for_each(|f| put(f.user_id.to_string(), "failed"));
    report
        .invalid
        .iter()
        .for_each(|i| put(i.input.clone(), "invalid"));
    report
        .not_attempted
        .iter()
        .for_each(|u| put(u.to_string(), "not attempted"));
    report
        .not_returned
        .iter()
        .for_each(|u| put(u.to_string(), "not returned"));
    let distinct: HashSet<&String> = inputs.iter().collect();
    assert_eq!(
        buckets.len(),
        distinct.len(),
        "{label}: users lost or invented"
    );
    assert!(
        distinct.iter().all(|i| buckets.contains_key(*i)),
        "{label}: a user was lost"
    );
    assert_eq!(report.requested, distinct.len(), "{label}: requested");
    assert!(
        report.stopped_by.is_none(),
        "{label}: stopped by {:?}",
        report.stopped_by
    );
    assert!(report.not_attempted.is_empty(), "{label}: not attempted");

    // The emulator holds exactly the users reported applied: none reported failed was
    // applied, and none reported applied is missing.
    let state = emu.state();
    let applied: HashSet<String> = report.applied.iter().map(|u| u.to_string()).collect();
    let held: HashSet<String> = state.keys().cloned().collect();
    assert_eq!(
        held.len(),
        applied.len(),
        "{label}: emulator state vs applied"
    );
    assert!(
        held == applied,
        "{label}: emulator state differs from applied"
    );
    for f in &report.failed {
        assert!(
            !state.contains_key(f.user_id.as_str()),
            "{label}: {} reported failed but applied",
            f.user_id
        );
    }
    // Every bad user failed, with its own code unless a fault had the last word (a
    // single user whose answer is oversized twice fails as `body_too_large`); every
    // malformed input is invalid.
    for (id, code) in BAD {
        let f = report.failed.iter().find(|f| f.user_id.as_str() == id);
        let got = f.map(|f| f.code().into_owned());
        assert!(
            got.as_deref() == Some(code) || got.as_deref() == Some("body_too_large"),
            "{label}: {id} ended as {got:?}"
        );
    }
    assert_eq!(report.invalid.len(), MALFORMED.len(), "{label}: invalid");

    let counts = emu.counts();
    let faults = counts
        .iter()
        .filter(|(k, _)| k.starts_with("fault:") || k.as_str() == "storm")
        .map(|(_, v)| v)
        .sum();
    Soak {
        transport,
        users: distinct.len(),
        requests: report.requests,
        retries: report.retries,
        rate_limited: report.rate_limited,
        faults,
        outcomes: counts,
        applied: report.applied.len(),
        failed: report.failed.len(),
        invalid: report.invalid.len(),
        elapsed,
    }
}
