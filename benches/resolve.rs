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

use slack_sessions::sansio::Resolver;
use slack_sessions::{CancelToken, Email, Selection};

#[path = "shared/mod.rs"]
mod shared;

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
    let (emu, url) = shared::server(benching, users);
    let own = emu.is_some();
    let addresses: Vec<Email> = (0..emails)
        .map(|i| format!("u{i:08}@example.com").parse().expect("email"))
        .collect();
    let config = shared::config(url);
    let before = shared::peak_kib();
    for transport in ["blocking", "async"] {
        let resolver = Resolver::new(Selection::new().emails(addresses.clone())).expect("resolver");
        if transport == "blocking" {
            println!("plan:\n{}", resolver.plan());
        }
        let started = Instant::now();
        let cancel = CancelToken::new();
        let r = if transport == "blocking" {
            shared::blocking(&config).resolve(resolver, &cancel, |_| {})
        } else {
            let (rt, client) = shared::asynchronous(&config);
            rt.block_on(client.resolve(resolver, &cancel, |_| {}))
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
    shared::print_peak(before, own, "resolving");
}
