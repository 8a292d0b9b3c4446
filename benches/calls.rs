//! One process making N sequential setSettings calls for one user, for CPU and
//! instruction counts per call against a separate emulator process (`tools/cpu.sh` runs
//! it under callgrind): `calls raw N` sends a pre-encoded request with a bare ureq
//! agent, as a hand-written program would; `calls client N` uses the blocking client;
//! `calls startup` makes one raw call, for the start-up floor. Needs `SLACK_API_URL`.
#![allow(missing_docs)]

use std::time::Instant;

use slack_sessions::blocking::Client;
use slack_sessions::sansio::Endpoint;
use slack_sessions::{SetSettings, Token, UserIds};

fn main() {
    // Under `cargo test` (no `--bench`) there is no emulator to call: nothing to do.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let mode = args.next().unwrap_or_else(|| "client".into());
    let n: u32 = args.next().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let Ok(url) = std::env::var("SLACK_API_URL") else {
        eprintln!(
            "set SLACK_API_URL to a running emulator (slack-sessions emulator --rate-limit 0)"
        );
        return;
    };
    let token = Token::new("xoxp-emulator-admin").expect("token");
    let one = SetSettings::new(UserIds::parse(["U00000001"]).expect("ids"))
        .desktop_app_browser_quit(true);
    let started = Instant::now();
    match mode.as_str() {
        "raw" | "startup" => {
            let request = Endpoint::builder(token)
                .base_url(url)
                .build()
                .expect("endpoint")
                .encode(&one)
                .expect("encode");
            let agent = ureq::Agent::new_with_defaults();
            let n = if mode == "startup" { 1 } else { n };
            for _ in 0..n {
                let mut r = agent.run(request.clone()).expect("send");
                r.body_mut().read_to_vec().expect("body");
            }
        }
        _ => {
            let client = Client::builder(token)
                .base_url(url)
                .pacing(false)
                .build()
                .expect("client");
            for _ in 0..n {
                client.set_settings(&one).expect("call");
            }
        }
    }
    if mode != "startup" {
        println!(
            "{mode}: {n} calls, {:.1} µs each",
            started.elapsed().as_secs_f64() * 1e6 / f64::from(n)
        );
    }
}
