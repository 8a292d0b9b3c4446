//! Bulk at the transport's floor. 100,000 users at concurrency 8,
//! pacing off, against the emulator in this process:
//! - the async client's `apply_bulk` against the same requests, pre-encoded, sent raw by
//!   8 tasks over the same hyper client;
//! - the blocking client's `apply_bulk` with 8 threads against 8 threads sending the
//!   pre-encoded requests.
//!
//! The IDs are the emulator's own, in order. Two more rows do the async pair again with
//! the same IDs shuffled, which the planner must deduplicate with a hash set (a sorted
//! input needs none). The six run in turn, in rotating order, for 15 rounds; the medians
//! and their ratios are printed at the end. `cargo bench --bench bulk --all-features`;
//! `-- async` runs only the rows whose name holds "async". Without `--bench` (as `cargo
//! test --all-targets` runs it) it makes one small round and checks it.
#![allow(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use slack_sessions::blocking::Client as Blocking;
use slack_sessions::nonblocking::{BulkRun, Client as Async};
use slack_sessions::sansio::Endpoint;
use slack_sessions::{SessionSettings, SetSettings, Token, UserIds};
use slack_sessions_emulator::Emulator;

const LANES: usize = 8;

fn settings() -> SessionSettings {
    SessionSettings::new().desktop_app_browser_quit(true)
}

/// This process's CPU time so far (user and system), from `/proc/self/stat`, in clock
/// ticks of 10 ms; `None` where that file is not there.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (users, rounds) = if bench { (100_000, 15) } else { (2_000, 1) };
    // With `SLACK_API_URL` set (an emulator in a process of its own, started with
    // `--rate-limit 0`), the CPU figures are the client's alone.
    let (emu, base_url, token) = match std::env::var("SLACK_API_URL") {
        Ok(url) => (None, url, "xoxp-emulator-admin".to_owned()),
        Err(_) => {
            let emu = Emulator::builder()
                .rate_limit(None)
                .log_capacity(0)
                .start()
                .expect("emulator");
            let (url, token) = (emu.base_url(), emu.admin_token().to_owned());
            (Some(emu), url, token)
        }
    };
    let token = Token::new(token).expect("token");
    let ids: Arc<Vec<String>> = Arc::new((0..users).map(|i| format!("U{i:08}")).collect());
    // The same IDs in a shuffled order (Fisher-Yates, xorshift), for the planner's
    // unsorted path: a sorted input is deduplicated without a hash set.
    let shuffled: Arc<Vec<String>> = Arc::new({
        let mut v = ids.to_vec();
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for i in (1..v.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v.swap(i, (x % (i as u64 + 1)) as usize);
        }
        v
    });
    let ep = Endpoint::builder(token.clone())
        .base_url(&base_url)
        .build()
        .expect("endpoint");
    let encode_all = |ids: &[String]| -> Arc<Vec<http::Request<Vec<u8>>>> {
        Arc::new(
            ids.chunks(1000)
                .map(|c| {
                    let users = UserIds::parse(c).expect("ids");
                    ep.encode(&SetSettings::with_settings(users, settings()))
                        .expect("encode")
                })
                .collect(),
        )
    };
    let requests = encode_all(&ids);
    let shuffled_requests = encode_all(&shuffled);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("rt");
    let client = rt.block_on(async {
        Async::builder(token.clone())
            .base_url(&base_url)
            .pacing(false)
            .build()
            .expect("client")
    });
    let blocking = Blocking::builder(token)
        .base_url(&base_url)
        .pacing(false)
        .build()
        .expect("client");

    let raw_async_of = |requests: &Arc<Vec<http::Request<Vec<u8>>>>| {
        rt.block_on(async {
            let lanes: Vec<_> = (0..LANES)
                .map(|lane| {
                    let (client, requests) = (client.clone(), Arc::clone(requests));
                    tokio::spawn(async move {
                        for r in requests.iter().skip(lane).step_by(LANES) {
                            client.send(r.clone()).await.expect("send");
                        }
                    })
                })
                .collect();
            for lane in lanes {
                lane.await.expect("join");
            }
        })
    };
    let raw_async = || raw_async_of(&requests);
    let raw_shuffled = || raw_async_of(&shuffled_requests);
    // On a runtime worker, as the raw lanes run (block_on would poll it from this
    // thread, a third busy thread on a two-core machine).
    let async_bulk_of = |ids: &Arc<Vec<String>>| {
        let (client, ids) = (client.clone(), Arc::clone(ids));
        rt.block_on(async move {
            tokio::spawn(async move {
                let run = BulkRun::default().concurrency(LANES);
                let r = client
                    .set_settings_bulk(ids.iter(), settings(), run, |_| {})
                    .await
                    .expect("bulk");
                assert_eq!(r.applied.len(), ids.len());
                // One request a chunk: no retry, no split.
                assert_eq!(r.requests, ids.len().div_ceil(1000) as u64);
            })
            .await
            .expect("join")
        })
    };
    let async_bulk = || async_bulk_of(&ids);
    let async_shuffled = || async_bulk_of(&shuffled);
    let raw_threads = || {
        std::thread::scope(|s| {
            for lane in 0..LANES {
                let (blocking, requests) = (&blocking, &requests);
                s.spawn(move || {
                    for r in requests.iter().skip(lane).step_by(LANES) {
                        blocking.send(r.clone()).expect("send");
                    }
                });
            }
        })
    };
    let blocking_bulk = || {
        let run = BulkRun::default().concurrency(LANES);
        let r = blocking
            .set_settings_bulk(ids.iter(), settings(), run, |_| {})
            .expect("bulk");
        assert_eq!(r.applied.len(), ids.len());
        assert_eq!(r.requests, ids.len().div_ceil(1000) as u64);
    };

    let runs: [(&str, &dyn Fn()); 6] = [
        ("raw hyper, 8 tasks", &raw_async),
        ("async apply_bulk, concurrency 8", &async_bulk),
        ("raw ureq, 8 threads", &raw_threads),
        ("blocking apply_bulk, 8 threads", &blocking_bulk),
        ("raw hyper, 8 tasks, shuffled", &raw_shuffled),
        ("async apply_bulk, shuffled", &async_shuffled),
    ];
    // `cargo bench --bench bulk -- async` runs only the rows whose name holds "async".
    let only = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let runs: Vec<_> = runs
        .into_iter()
        .filter(|(name, _)| only.as_deref().is_none_or(|o| name.contains(o)))
        .collect();
    // One warm-up of each: connections, the emulator's directory.
    for (_, run) in &runs {
        run();
    }
    let mut times = vec![Vec::new(); runs.len()];
    let mut ticks = vec![0u64; runs.len()];
    for round in 0..rounds {
        for k in 0..runs.len() {
            let i = (round + k) % runs.len();
            let (started, cpu) = (Instant::now(), cpu_ticks());
            (runs[i].1)();
            times[i].push(started.elapsed());
            ticks[i] += cpu_ticks().zip(cpu).map_or(0, |(b, a)| b - a);
        }
    }
    let medians: Vec<Duration> = times.into_iter().map(median).collect();
    let whose = if emu.is_some() {
        "client and emulator"
    } else {
        "the client alone"
    };
    println!("bulk, {users} users, median of {rounds} rounds (wall), and CPU a round ({whose}):");
    for ((name, _), (m, t)) in runs.iter().zip(medians.iter().zip(&ticks)) {
        println!(
            "  {name:34} {:8.1} ms   CPU {:6.1} ms",
            m.as_secs_f64() * 1e3,
            *t as f64 * 10.0 / rounds as f64
        );
    }
    if runs.len() < 6 {
        return;
    }
    for (ours, floor, what) in [(1, 0, "async"), (3, 2, "blocking"), (5, 4, "shuffled")] {
        println!(
            "  ratio {what:8} {:.3}  (target <= 1.15)",
            medians[ours].as_secs_f64() / medians[floor].as_secs_f64()
        );
    }
}
