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
    let n: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
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
