//! The tier, saturated: the emulator enforces R calls a minute (its bucket holds R), the
//! client paces at R with its default burst (R/10), and runs setSettings for
//! `TIER_SECONDS` (default 30) on each transport. Prints the achieved fraction of R and
//! the 429 count. `cargo bench --bench tier --all-features` (`TIER_RATE`, default 6,000).
#![allow(missing_docs)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use slack_sessions::sansio::ClientConfig;
use slack_sessions::{BulkRun, Rate, RequestEvent, SessionSettings, Tier, Token};
use slack_sessions_emulator::Emulator;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // Under `cargo test` (no `--bench`), one second, to show it works.
    let benching = std::env::args().any(|a| a == "--bench");
    let rate = env("TIER_RATE", 6_000) as u32;
    let seconds = if benching { env("TIER_SECONDS", 30) } else { 1 };
    // One user a request, enough requests to outlast the window at R.
    let requests = (u64::from(rate) * seconds / 60) as usize + u64::from(rate / 10) as usize;
    let ids: Vec<String> = (0..requests).map(|i| format!("U{i:08}")).collect();
    for transport in ["blocking", "async"] {
        let emu = Emulator::builder()
            .rate_limit(Some(rate))
            .users(requests as u32 + 1)
            .start()
            .expect("emulator");
        let config = ClientConfig::new(Token::new(emu.admin_token()).expect("token"))
            .base_url(emu.base_url())
            .tier_rate(Tier::Tier4, Rate::new(rate, (rate / 10).max(1)));
        let limited = Arc::new(AtomicU64::new(0));
        let seen = Arc::clone(&limited);
        let run =
            BulkRun::default()
                .chunk_size(1)
                .on_request(Some(Arc::new(move |e: &RequestEvent| {
                    if e.status == Some(429) {
                        seen.fetch_add(1, Ordering::Relaxed);
                    }
                })));
        let token = run.cancel_token();
        let deadline = Duration::from_secs(seconds);
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(deadline);
            token.cancel();
        });
        let settings = SessionSettings::new().desktop_app_browser_quit(true);
        let started = Instant::now();
        let report = if transport == "blocking" {
            let client = config
                .with_adapter::<slack_sessions::blocking::Blocking>()
                .build()
                .expect("client");
            client.set_settings_bulk(&ids, settings, run, |_| {})
        } else {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async {
                let client = config
                    .with_adapter::<slack_sessions::nonblocking::Async>()
                    .build()
                    .expect("client");
                client.set_settings_bulk(&ids, settings, run, |_| {}).await
            })
        };
        let elapsed = started.elapsed();
        stopper.join().expect("stopper");
        let report = report.or_else(|e| e.into_report()).expect("report");
        let ok = report.applied.len() as f64;
        let per_minute = ok * 60.0 / elapsed.as_secs_f64();
        // The steady rate: the first burst (R/10) is allowed by both buckets at once.
        let steady = (ok - f64::from(rate / 10)) * 60.0 / elapsed.as_secs_f64();
        println!(
            "{transport:>8}: {ok:.0} calls in {:.1} s = {:.3} R overall, {:.3} R after the first burst; {} x 429 (R = {rate}/min)",
            elapsed.as_secs_f64(),
            per_minute / f64::from(rate),
            steady / f64::from(rate),
            limited.load(Ordering::Relaxed)
        );
    }
}
