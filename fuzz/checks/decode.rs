//! Response decoding for each method, from any status, `Retry-After` and body bytes,
//! through a real `Call` (which checks getSettings answers against the users asked for).
//! Invariants: no panic; no user that was not asked for; every free text bounded.
//!
//! The body of the `decode` fuzz target, shared with the test that replays its seeds on
//! stable (`cargo test` runs it, so every seed, and every input that once found a bug,
//! is checked in CI).
use std::time::Instant;

use slack_sessions_core::limits::{MAX_CODE_BYTES, MAX_LIST_BYTES, MAX_LIST_ITEMS, MAX_TEXT_BYTES};
use slack_sessions_core::sansio::{Action, Call, Endpoint};
use slack_sessions_core::{
    CallError, ClearSettings, Error, GetSettings, Method, Reply, RetryPolicy, SetSettings, Token,
    UserIds,
};

const ASKED: [&str; 3] = ["U00000001", "U00000002", "W00000003"];

fn respond<M: Method>(
    method: &M,
    response: http::Response<Vec<u8>>,
) -> Result<Reply<M::Output>, Error> {
    let endpoint = Endpoint::new(Token::new("xoxp-fuzz").expect("token"));
    let call = Call::new(&endpoint, method, RetryPolicy::never()).expect("call");
    let now = Instant::now();
    let Action::Send(in_flight, _) = call.poll(now) else {
        panic!("the first poll sends")
    };
    let call = in_flight.handle(now, Ok(response));
    match call.poll(now) {
        Action::Done(r, _) => r,
        _ => panic!("a call that never retries is done after one answer"),
    }
}

fn bounded_list(list: &[String], each: usize) {
    assert!(list.len() <= MAX_LIST_ITEMS + 1, "{} entries", list.len());
    assert!(list.iter().all(|s| s.len() <= each));
    assert!(list.iter().map(String::len).sum::<usize>() <= MAX_LIST_BYTES + 200);
}

fn bounded_error(e: &Error) {
    match e {
        Error::Call(CallError::Api(a)) => {
            assert!(!a.code.as_str().is_empty());
            assert!(a.code.as_str().len() <= MAX_CODE_BYTES);
            assert!(a.needed.as_ref().is_none_or(|s| s.len() <= MAX_TEXT_BYTES));
            assert!(a
                .provided
                .as_ref()
                .is_none_or(|s| s.len() <= MAX_TEXT_BYTES));
            bounded_list(&a.messages, MAX_TEXT_BYTES);
            bounded_list(&a.warnings, MAX_TEXT_BYTES);
        }
        Error::Call(CallError::Http { excerpt, .. }) => assert!(excerpt.chars().count() <= 201),
        Error::Call(CallError::Decode(d)) => assert!(d.excerpt.chars().count() <= 201),
        _ => {}
    }
    assert!(e.to_string().len() < 4_096);
}

/// Runs the target's invariants on one input; panics on a breach.
pub(crate) fn check(data: &[u8]) {
    if data.len() < 3 {
        return;
    }
    let status = 100 + u16::from_le_bytes([data[0], data[1]]) % 500;
    let mut builder = http::Response::builder().status(status);
    if data[2] & 1 == 1 {
        builder = builder.header("retry-after", (data[2] >> 1).to_string());
    }
    let body = data[3..].to_vec();
    let Ok(response) = builder.body(body) else {
        return;
    };
    let again = || {
        let mut r = http::Response::new(response.body().clone());
        *r.status_mut() = response.status();
        *r.headers_mut() = response.headers().clone();
        r
    };
    let asked = UserIds::parse(ASKED).expect("ids");
    for r in [
        respond(
            &SetSettings::new(asked.clone()).desktop_app_browser_quit(true),
            again(),
        )
        .map(|r| r.warnings),
        respond(&ClearSettings::new(asked.clone()), again()).map(|r| r.warnings),
    ] {
        match r {
            Ok(w) => bounded_list(&w, MAX_TEXT_BYTES),
            Err(e) => bounded_error(&e),
        }
    }
    match respond(&GetSettings::new(asked), again()) {
        Ok(reply) => {
            bounded_list(&reply.warnings, MAX_TEXT_BYTES);
            let out = reply.output;
            let listed: Vec<&str> = out
                .session_settings
                .iter()
                .map(|s| s.user_id.as_str())
                .chain(out.no_settings_applied.iter().map(|u| u.as_str()))
                .collect();
            // Only users asked for, each once, and every one accounted for.
            assert!(listed.iter().all(|u| ASKED.contains(u)), "{listed:?}");
            let mut seen = listed.clone();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), listed.len(), "{listed:?}");
            assert_eq!(listed.len() + out.not_returned.len(), ASKED.len());
            assert!(out
                .not_returned
                .iter()
                .all(|u| !listed.contains(&u.as_str())));
        }
        Err(e) => bounded_error(&e),
    }
}
