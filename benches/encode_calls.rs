//! Instruction counts of one call's encoding, for callgrind (timings on a shared machine
//! wander; instruction counts repeat): `cargo bench --bench encode_calls --no-run`, then
//! `valgrind --tool=callgrind <the bench binary> 100000` and divide `Ir` by the count.
//! Run plainly, it prints the time per encode.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use slack_sessions::sansio::Endpoint;
use slack_sessions::{SessionDuration, SetSettings, Token, UserIds};

fn main() {
    if std::env::args().any(|a| a == "plan") {
        return plan_100k();
    }
    // Under `cargo test` (no `--bench`), a short run that only shows it works.
    let benching = std::env::args().any(|a| a == "--bench");
    let n: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(if benching { 1_000_000 } else { 1_000 });
    let ep = Endpoint::builder(Token::new("xoxp-bench").expect("token"))
        .build()
        .expect("endpoint");
    let call = SetSettings::new(UserIds::parse(["U00000001"]).expect("ids"))
        .duration(SessionDuration::from_secs(86_400).expect("duration"))
        .desktop_app_browser_quit(true);
    let started = Instant::now();
    for _ in 0..n {
        black_box(ep.encode(black_box(&call)).expect("encode"));
    }
    let ns = started.elapsed().as_nanos() as f64 / f64::from(n);
    println!("encode setSettings, 1 user, form: {ns:.0} ns per call over {n} calls");
}

/// `plan`: the core's whole share of a 100,000-user setSettings bulk run (parse, dedupe,
/// chunk, encode, decode, account), with every answer `{"ok":true}`: the median of 11
/// runs, each on a cold cache (64 MiB written over first), as in a real run, where the
/// emulator and the network stack pass through the cache between two chunks.
fn plan_100k() {
    use slack_sessions::sansio::{BulkAction, BulkOptions, BulkPlan};
    use slack_sessions::SessionSettings;
    let ids: Vec<String> = (0..100_000).map(|i| format!("U{i:08}")).collect();
    let ep = Endpoint::new(Token::new("xoxp-bench").expect("token"));
    let ok = br#"{"ok":true}"#.to_vec();
    let settings = SessionSettings::new().desktop_app_browser_quit(true);
    let mut flush = vec![0u8; 64 << 20];
    let mut times = Vec::new();
    for round in 0..11u8 {
        flush.iter_mut().for_each(|b| *b = b.wrapping_add(round));
        black_box(&flush);
        let now = Instant::now();
        let started = Instant::now();
        let mut plan = BulkPlan::<SetSettings>::new(&ep, settings, &ids, BulkOptions::default())
            .expect("plan");
        while let BulkAction::Send(id, _req) = plan.poll(now) {
            let _ = plan.handle(now, id, Ok(http::Response::new(ok.clone())));
        }
        let report = black_box(plan.finish());
        times.push(started.elapsed());
        assert_eq!(report.applied.len(), ids.len());
    }
    times.sort();
    println!(
        "bulk plan, 100,000 users, cold cache: {:?} (median of 11)",
        times[5]
    );
}
