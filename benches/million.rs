//! A million users through the library's bulk call, pacing off, on both transports: the
//! wall time the CLI's run of the same IDs is compared with (`tools/million.sh`, which
//! also takes the CLI's peak memory). Against `SLACK_API_URL` when set (a running
//! `slack-sessions emulator --users 1000000 --rate-limit 0`), else an emulator of its own.
#![allow(missing_docs)]

use std::time::Instant;

use slack_sessions::{BulkRun, SessionDuration, SessionSettings};

#[path = "shared/mod.rs"]
mod shared;

fn main() {
    // Under `cargo test` (no `--bench`), a thousand users, to show it works.
    let benching = std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("MILLION_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|_| benching)
        .unwrap_or(if benching { 1_000_000 } else { 1_000 });
    let (_emu, url) = shared::server(benching, n as u32);
    let ids: Vec<String> = (0..n).map(|i| format!("U{i:08}")).collect();
    let settings =
        SessionSettings::new().duration(SessionDuration::from_secs(43_200).expect("12h"));
    let config = shared::config(url);
    for transport in ["blocking", "async"] {
        let started = Instant::now();
        let report = if transport == "blocking" {
            shared::blocking(&config).set_settings_bulk(&ids, settings, BulkRun::default(), |_| {})
        } else {
            let (rt, client) = shared::asynchronous(&config);
            rt.block_on(client.set_settings_bulk(&ids, settings, BulkRun::default(), |_| {}))
        }
        .expect("bulk");
        println!(
            "library {transport:>8}: {} users applied in {:.2} s",
            report.applied.len(),
            started.elapsed().as_secs_f64()
        );
    }
}
