//! 40,000 emails resolved against a directory of 100,100 users (90,000 `U…`, 10,000
//! `W…`, 100 bots), pacing off, on both transports: the plan the resolver chose, the
//! calls it made, the time they would take at Slack's documented rates, the wall time
//! here, and the process's peak memory. Against `SLACK_API_URL` when set (a running
//! `slack-sessions emulator --users 90000 --rate-limit 0`, so that the peak is the
//! client's alone: `bash tools/resolve.sh`), else an emulator of its own.
//! `RESOLVE_EMAILS` and `RESOLVE_USERS` change the sizes. Under `cargo test` (no
//! `--bench`) it resolves 400 emails against a small directory and checks the count.
#![allow(missing_docs)]

use std::time::Instant;

use slack_sessions::sansio::{ClientConfig, Resolver};
use slack_sessions::{CancelToken, Email, Selection, Token};
use slack_sessions_emulator::{Emulator, ADMIN_TOKEN};

/// The process's peak resident memory so far, in KiB, from `/proc/self/status`.
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn env_or(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let (emails, users) = if benching {
        (
            env_or("RESOLVE_EMAILS", 40_000),
            env_or("RESOLVE_USERS", 90_000),
        )
    } else {
        (400, 900)
    };
    let url = std::env::var("SLACK_API_URL").ok().filter(|_| benching);
    let own = url.is_none();
    let (_emu, url) = match url {
        Some(url) => (None, url),
        None => {
            let emu = Emulator::builder()
                .rate_limit(None)
                .users(users)
                .start()
                .expect("emulator");
            let url = emu.base_url();
            (Some(emu), url)
        }
    };
    let addresses: Vec<Email> = (0..emails)
        .map(|i| format!("u{i:08}@example.com").parse().expect("email"))
        .collect();
    let config = ClientConfig::new(Token::new(ADMIN_TOKEN).expect("token"))
        .base_url(url)
        .pacing(false);
    let before = peak_kib();
    for transport in ["blocking", "async"] {
        let resolver = Resolver::new(Selection::new().emails(addresses.clone())).expect("resolver");
        if transport == "blocking" {
            println!("plan:\n{}", resolver.plan());
        }
        let started = Instant::now();
        let cancel = CancelToken::new();
        let r = if transport == "blocking" {
            let client = config
                .clone()
                .with_adapter::<slack_sessions::blocking::Blocking>()
                .build()
                .expect("client");
            client.resolve(resolver, &cancel, |_| {})
        } else {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let client = config
                    .clone()
                    .with_adapter::<slack_sessions::nonblocking::Async>()
                    .build()
                    .expect("client");
                client.resolve(resolver, &cancel, |_| {}).await
            })
        }
        .expect("resolved");
        let wall = started.elapsed();
        // Each call at its tier's documented rate: pages at 100 a minute.
        let at_slack = r.calls as f64 * 0.6;
        println!(
            "{transport:>8}: {emails} emails -> {} users, {} unmatched; {} calls ({} directory entries read); {:.2} s here, {:.1} min at Slack's Tier 4 ({emails} lookups: {:.0} min at Tier 3)",
            r.users.len(),
            r.unmatched.len(),
            r.calls,
            r.directory_users,
            wall.as_secs_f64(),
            at_slack / 60.0,
            f64::from(emails) / 50.0
        );
        if !benching {
            // 900 U users: 882 active, 18 deactivated; 10,000 W; 100 bots.
            assert_eq!(r.calls, 110 + 1);
            assert_eq!(r.users.len(), 392);
        }
    }
    if let (Some(b), Some(a)) = (before, peak_kib()) {
        println!(
            "peak RSS {:.1} MiB (before resolving {:.1} MiB){}",
            a as f64 / 1024.0,
            b as f64 / 1024.0,
            if own {
                "; the emulator runs in this process: tools/resolve.sh measures the client alone"
            } else {
                ""
            }
        );
    }
}
