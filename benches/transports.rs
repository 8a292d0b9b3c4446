//! Calls/s per transport against the emulator, next to the raw floor (pre-encoded requests
//! over a bare ureq agent / hyper client). The bulk target is `benches/bulk.rs`.
//! `cargo bench --bench transports --all-features`.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slack_sessions::sansio::Endpoint;
use slack_sessions::{SetSettings, Token, UserIds};
use slack_sessions_emulator::Emulator;

use slack_sessions::blocking::Client as Blocking;
use slack_sessions::nonblocking::Client as Async;

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
                let mut r = agent.run(request.clone()).expect("send");
                r.body_mut().read_to_vec().expect("body");
            }
        })
    });
    // ureq's own whole-call timeout, which the client does not use (its connector holds
    // the deadline): what ureq's timers cost a call.
    let global = ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .build(),
    );
    g.bench_function("raw_ureq_global_timeout", |b| {
        b.iter(|| {
            for _ in 0..CALLS {
                let mut r = global.run(request.clone()).expect("send");
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
                    client.send(request.clone()).await.expect("send");
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

criterion_group!(benches, single_calls);
criterion_main!(benches);
