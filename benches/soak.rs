//! The long soak: 1,000,000 users plus bad IDs, every fault kind at 20% with 429 storms,
//! over both transports, seed after seed for about two minutes (`SOAK_SECONDS` to change
//! it). Each run checks the same invariants as `tests/soak.rs`: no user lost, and the
//! emulator holds exactly the users reported applied.
//!
//! `cargo bench --bench soak --all-features`. Under `cargo test` (no `--bench` argument)
//! it runs one small round instead, so that the test suite stays quick.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::soak::soak;
use common::BOTH;

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let (users, chunk, budget) = if benching {
        let secs = std::env::var("SOAK_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(120);
        (1_000_000, 100, Duration::from_secs(secs))
    } else {
        (2_000, 50, Duration::ZERO)
    };
    let started = Instant::now();
    let mut seed = 1;
    let (mut runs, mut requests, mut faults, mut retries, mut limited) = (0, 0, 0, 0, 0);
    loop {
        for transport in BOTH {
            let s = soak(transport, users, chunk, seed);
            println!(
                "soak {transport:?} seed {seed}: {} users, {} requests, {} faults, {} retries, {} 429s, {} applied, {} failed, {} invalid, 0 lost, {:.1}s",
                s.users, s.requests, s.faults, s.retries, s.rate_limited, s.applied, s.failed, s.invalid, s.elapsed.as_secs_f64()
            );
            runs += 1;
            requests += s.requests;
            faults += s.faults;
            retries += s.retries;
            limited += s.rate_limited;
        }
        seed += 1;
        if started.elapsed() >= budget {
            break;
        }
    }
    println!(
        "soak total: {runs} runs of {users} users in {:.0}s: {requests} requests, {faults} faults, {retries} retries, {limited} 429s, 0 users lost",
        started.elapsed().as_secs_f64()
    );
}
