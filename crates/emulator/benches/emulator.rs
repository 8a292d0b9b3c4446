//! Emulator throughput: setSettings calls/s over loopback with keep-alive.
//! `cargo bench -p slack-sessions-emulator`.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slack_sessions_emulator::{Emulator, ADMIN_TOKEN};

const CALLS_PER_THREAD: u64 = 250;

fn throughput(c: &mut Criterion) {
    let emu = Emulator::builder()
        .rate_limit(None)
        .log_capacity(0)
        .start()
        .expect("emulator");
    let url = format!("{}admin.users.session.setSettings", emu.base_url());
    let mut group = c.benchmark_group("emulator");
    for threads in [1u64, 4] {
        let agents: Vec<ureq::Agent> = (0..threads)
            .map(|_| ureq::Agent::new_with_defaults())
            .collect();
        group.throughput(Throughput::Elements(threads * CALLS_PER_THREAD));
        group.bench_function(format!("set_settings/{threads}_clients"), |b| {
            b.iter(|| {
                std::thread::scope(|s| {
                    for agent in &agents {
                        let url = &url;
                        s.spawn(move || {
                            for i in 0..CALLS_PER_THREAD {
                                let req = http::Request::post(url)
                                    .header("content-type", "application/x-www-form-urlencoded")
                                    .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
                                    .body(
                                        format!("user_ids=U{:08}&duration=28800", i % 100_000)
                                            .into_bytes(),
                                    )
                                    .expect("request");
                                let mut r = agent.run(req).expect("answer");
                                let _ = r.body_mut().read_to_vec().expect("body");
                            }
                        });
                    }
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
