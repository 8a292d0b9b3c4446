//! What the end-to-end benches share: the server (a running emulator named by
//! `SLACK_API_URL`, so that the process's peak memory is the client's alone, or one of
//! their own), both clients on it, and the process's peak memory.
#![allow(dead_code)] // each bench uses its own share

use slack_sessions::sansio::ClientConfig;
use slack_sessions::Token;
use slack_sessions_emulator::{Emulator, ADMIN_TOKEN};

/// The process's peak resident memory so far, in KiB, from `/proc/self/status`.
pub(crate) fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The server: `SLACK_API_URL` when benching and set, else an emulator of `users`
/// ordinary users in this process (kept alive by the first value), rate limits off.
pub(crate) fn server(benching: bool, users: u32) -> (Option<Emulator>, String) {
    match std::env::var("SLACK_API_URL").ok().filter(|_| benching) {
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
    }
}

/// The client settings for `url`: the emulator's admin token, pacing off.
pub(crate) fn config(url: String) -> ClientConfig {
    ClientConfig::new(Token::new(ADMIN_TOKEN).expect("token"))
        .base_url(url)
        .pacing(false)
}

/// The blocking client.
pub(crate) fn blocking(config: &ClientConfig) -> slack_sessions::blocking::Client {
    config
        .clone()
        .with_adapter::<slack_sessions::blocking::Blocking>()
        .build()
        .expect("client")
}

/// A runtime of two workers and the async client on it.
pub(crate) fn asynchronous(
    config: &ClientConfig,
) -> (
    tokio::runtime::Runtime,
    slack_sessions::nonblocking::DefaultClient,
) {
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
    (rt, client)
}

/// The peak line of a bench's output, and whether the emulator shared the process.
pub(crate) fn print_peak(before: Option<u64>, own_emulator: bool, what: &str) {
    if let (Some(b), Some(a)) = (before, peak_kib()) {
        println!(
            "peak RSS {:.1} MiB (before {what} {:.1} MiB){}",
            a as f64 / 1024.0,
            b as f64 / 1024.0,
            if own_emulator {
                "; the emulator runs in this process: the tools/ script measures the client alone"
            } else {
                ""
            }
        );
    }
}
