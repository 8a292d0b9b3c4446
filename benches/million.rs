//! A million users through the library's bulk call, pacing off, on both transports: the
//! wall time the CLI's run of the same IDs is compared with (`tools/million.sh`, which
//! also takes the CLI's peak memory). Against `SLACK_API_URL` when set (a running
//! `slack-sessions emulator --users 1000000 --rate-limit 0`), else an emulator of its own.
#![allow(missing_docs)]

use std::time::Instant;

use slack_sessions::sansio::ClientConfig;
use slack_sessions::{BulkRun, SessionDuration, SessionSettings, Token};
use slack_sessions_emulator::{Emulator, ADMIN_TOKEN};

fn main() {
    // Under `cargo test` (no `--bench`), a thousand users, to show it works.
    let benching = std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("MILLION_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|_| benching)
        .unwrap_or(if benching { 1_000_000 } else { 1_000 });
    let url = std::env::var("SLACK_API_URL").ok().filter(|_| benching);
    let (_emu, url) = match url.ok_or(()) {
        Ok(url) => (None, url),
        Err(_) => {
            let emu = Emulator::builder()
                .rate_limit(None)
                .users(n as u32)
                .start()
                .expect("emulator");
            let url = emu.base_url();
            (Some(emu), url)
        }
    };
    let ids: Vec<String> = (0..n).map(|i| format!("U{i:08}")).collect();
    let settings =
        SessionSettings::new().duration(SessionDuration::from_secs(43_200).expect("12h"));
    let config = ClientConfig::new(Token::new(ADMIN_TOKEN).expect("token"))
        .base_url(url)
        .pacing(false);
    for transport in ["blocking", "async"] {
        let started = Instant::now();
        let report = if transport == "blocking" {
            let client = config
                .clone()
                .with_adapter::<slack_sessions::blocking::Blocking>()
                .build()
                .expect("client");
            client.set_settings_bulk(&ids, settings, BulkRun::default(), |_| {})
        } else {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            let client = rt.block_on(async {
                config
                    .clone()
                    .with_adapter::<slack_sessions::nonblocking::Async>()
                    .build()
                    .expect("client")
            });
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
