//! Core encode/decode costs. `cargo bench --bench codec`.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use slack_sessions::sansio::{decode, Endpoint};
use slack_sessions::{Encoding, GetSettings, SessionDuration, SetSettings, Token, UserIds};

fn users(n: usize) -> UserIds {
    UserIds::parse((0..n).map(|i| format!("U{i:08}"))).expect("valid ids")
}

fn encode(c: &mut Criterion) {
    let token = Token::new("xoxp-bench").expect("token");
    for (name, enc) in [("form", Encoding::Form), ("json", Encoding::Json)] {
        let ep = Endpoint::builder(token.clone())
            .encoding(enc)
            .build()
            .expect("endpoint");
        for n in [1, 1000] {
            let call = SetSettings::new(users(n))
                .duration(SessionDuration::from_secs(86_400).expect("duration"))
                .desktop_app_browser_quit(true);
            c.bench_function(&format!("encode/set_settings/{name}/{n}"), |b| {
                b.iter(|| ep.encode(black_box(&call)).expect("encode"))
            });
        }
    }
}

fn decoding(c: &mut Criterion) {
    let ok = br#"{"ok":true}"#.to_vec();
    c.bench_function("decode/ok_true", |b| {
        b.iter(|| decode::<SetSettings, _>(http::Response::new(black_box(ok.as_slice()))))
    });
    let err = br#"{"ok":false,"error":"user_not_found","response_metadata":{"messages":["[ERROR] unknown user"]}}"#.to_vec();
    c.bench_function("decode/ok_false", |b| {
        b.iter(|| decode::<SetSettings, _>(http::Response::new(black_box(err.as_slice()))))
    });
    let entries: Vec<String> = (0..1000)
        .map(|i| {
            format!(r#"{{"user_id":"U{i:08}","desktop_app_browser_quit":true,"duration":86400}}"#)
        })
        .collect();
    let big = format!(
        r#"{{"ok":true,"session_settings":[{}],"no_settings_applied":[]}}"#,
        entries.join(",")
    )
    .into_bytes();
    c.bench_function("decode/get_settings_1000", |b| {
        b.iter(|| decode::<GetSettings, _>(http::Response::new(black_box(big.as_slice()))))
    });
}

/// The core's share of a 100,000-user bulk run: planning, encoding every chunk, and
/// settling every answer, with no I/O.
fn bulk_plan(c: &mut Criterion) {
    use slack_sessions::sansio::{BulkAction, BulkOptions, BulkPlan};
    use slack_sessions::SessionSettings;
    let ids: Vec<String> = (0..100_000).map(|i| format!("U{i:08}")).collect();
    let ep = Endpoint::new(Token::new("xoxp-bench").expect("token"));
    let ok = br#"{"ok":true}"#.to_vec();
    let now = std::time::Instant::now();
    c.bench_function("bulk_plan/set_settings_100k", |b| {
        b.iter(|| {
            let settings = SessionSettings::new().desktop_app_browser_quit(true);
            let mut plan =
                BulkPlan::<SetSettings>::new(&ep, settings, &ids, BulkOptions::default())
                    .expect("plan");
            while let BulkAction::Send(id, _req) = plan.poll(now) {
                let _ = plan.handle(now, id, Ok(http::Response::new(ok.clone())));
            }
            plan.finish()
        })
    });
}

criterion_group!(benches, encode, decoding, bulk_plan);
criterion_main!(benches);
