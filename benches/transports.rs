//! Calls/s per transport against the emulator, next to the raw floor (pre-encoded requests
//! over a bare ureq agent / hyper client), and the bulk speed target.
//! `cargo bench --bench transports --all-features`.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slack_sessions::sansio::Endpoint;
use slack_sessions::{SessionSettings, SetSettings, Token, UserIds};
use slack_sessions_emulator::Emulator;

use slack_sessions::blocking::Client as Blocking;
use slack_sessions::r#async::{BulkRun, Client as Async};

/// Copies a request (`http::Request` is not `Clone`), so that each raw send gets its own.
fn clone_request(r: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut out = http::Request::new(r.body().clone());
    *out.method_mut() = r.method().clone();
    *out.uri_mut() = r.uri().clone();
    *out.headers_mut() = r.headers().clone();
    out
}

const CALLS: u64 = 200;

fn emulator() -> Emulator {
    Emulator::builder()
        .rate_limit(None)
        .log_capacity(0)
        .start()
        .expect("emulator")
}

fn single_calls(c: &mut Criterion) {
    let emu = emulator();
    let token = Token::new(emu.admin_token()).expect("token");
    let one = SetSettings::new(UserIds::parse(["U00000001"]).expect("ids"))
        .desktop_app_browser_quit(true);
    let request = Endpoint::builder(token.clone())
        .base_url(emu.base_url())
        .build()
        .expect("endpoint")
        .encode(&one)
        .expect("encode");
    let mut g = c.benchmark_group("single_call");
    g.throughput(Throughput::Elements(CALLS));
    g.measurement_time(Duration::from_secs(5));

    let agent = ureq::Agent::new_with_defaults();
    g.bench_function("raw_ureq", |b| {
        b.iter(|| {
            for _ in 0..CALLS {
                let mut r = agent.run(clone_request(&request)).expect("send");
                r.body_mut().read_to_vec().expect("body");
            }
        })
    });
    // ureq's global timeout makes it resolve the host on a new thread per request; the
    // client uses per-phase timeouts instead. This measures the difference.
    let global = ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .build(),
    );
    g.bench_function("raw_ureq_global_timeout", |b| {
        b.iter(|| {
            for _ in 0..CALLS {
                let mut r = global.run(clone_request(&request)).expect("send");
                r.body_mut().read_to_vec().expect("body");
            }
        })
    });
    let blocking = Blocking::builder(token.clone())
        .base_url(emu.base_url())
        .pacing(false)
        .build()
        .expect("client");
    g.bench_function("blocking_client", |b| {
        b.iter(|| {
            for _ in 0..CALLS {
                blocking.set_settings(&one).expect("call");
            }
        })
    });

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let client = rt.block_on(async {
        Async::builder(token.clone())
            .base_url(emu.base_url())
            .pacing(false)
            .build()
            .expect("client")
    });
    g.bench_function("raw_hyper_send", |b| {
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..CALLS {
                    client.send(clone_request(&request)).await.expect("send");
                }
            })
        })
    });
    g.bench_function("async_client", |b| {
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..CALLS {
                    client.set_settings(&one).await.expect("call");
                }
            })
        })
    });
    g.finish();
}

/// The issue-5 target: 100,000 users, pacing off, async at concurrency 8, against the time
/// the emulator needs to serve the same pre-encoded requests at that concurrency.
fn bulk(c: &mut Criterion) {
    const USERS: usize = 100_000;
    let emu = emulator();
    let token = Token::new(emu.admin_token()).expect("token");
    let ids: Vec<String> = (0..USERS).map(|i| format!("U{i:08}")).collect();
    let ep = Endpoint::builder(token.clone())
        .base_url(emu.base_url())
        .build()
        .expect("endpoint");
    let requests: Vec<_> = ids
        .chunks(1000)
        .map(|c| {
            ep.encode(&SetSettings::with_settings(
                UserIds::parse(c).expect("ids"),
                SessionSettings::new().desktop_app_browser_quit(true),
            ))
            .expect("encode")
        })
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("rt");
    let client = rt.block_on(async {
        Async::builder(token.clone())
            .base_url(emu.base_url())
            .pacing(false)
            .build()
            .expect("client")
    });
    let mut g = c.benchmark_group("bulk_100k");
    g.sample_size(10);
    g.throughput(Throughput::Elements(USERS as u64));
    g.bench_function("raw_preencoded_c8", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut handles = Vec::new();
                for lane in 0..8 {
                    let client = client.clone();
                    let mine: Vec<_> = requests
                        .iter()
                        .skip(lane)
                        .step_by(8)
                        .map(clone_request)
                        .collect();
                    handles.push(tokio::spawn(async move {
                        for r in mine {
                            client.send(r).await.expect("send");
                        }
                    }));
                }
                for h in handles {
                    h.await.expect("join");
                }
            })
        })
    });
    // Run on a runtime worker, as the raw lanes are (block_on would poll it from the
    // bench's own thread, a third busy thread on a two-core machine).
    let ids = std::sync::Arc::new(ids);
    g.bench_function("async_apply_bulk_c8", |b| {
        b.iter(|| {
            let (client, ids) = (client.clone(), std::sync::Arc::clone(&ids));
            rt.block_on(async move {
                tokio::spawn(async move {
                    let run = BulkRun::default().concurrency(8);
                    let r = client
                        .set_settings_bulk(
                            ids.iter(),
                            SessionSettings::new().desktop_app_browser_quit(true),
                            run,
                            |_| {},
                        )
                        .await
                        .expect("bulk");
                    assert_eq!(r.applied.len(), USERS);
                })
                .await
                .expect("join")
            })
        })
    });
    // The blocking client with 8 threads, against 8 threads sending the same requests.
    let blocking = Blocking::builder(token.clone())
        .base_url(emu.base_url())
        .pacing(false)
        .build()
        .expect("client");
    g.bench_function("raw_preencoded_threads8", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                for lane in 0..8 {
                    let (blocking, requests) = (&blocking, &requests);
                    s.spawn(move || {
                        for r in requests.iter().skip(lane).step_by(8) {
                            blocking.send(clone_request(r)).expect("send");
                        }
                    });
                }
            })
        })
    });
    g.bench_function("blocking_apply_bulk_threads8", |b| {
        b.iter(|| {
            let run = BulkRun::default().concurrency(8);
            let r = blocking
                .set_settings_bulk(
                    ids.iter(),
                    SessionSettings::new().desktop_app_browser_quit(true),
                    run,
                    |_| {},
                )
                .expect("bulk");
            assert_eq!(r.applied.len(), USERS);
        })
    });
    g.finish();
}

criterion_group!(benches, single_calls, bulk);
criterion_main!(benches);
