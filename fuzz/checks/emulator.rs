//! The emulator's request handling, from raw HTTP request bytes: the head parsed as
//! hyper would (httparse), then the same parsing, checks and store as the server.
//! Invariants: no panic; every answer is Slack's JSON; only known users ever get
//! settings, at most 1,000 at a time, and never from an error answer; answers stay small.
//!
//! The body of the `emulator` fuzz target, shared with the test that replays its seeds on
//! stable (`cargo test` runs it, so every seed, and every input that once found a bug,
//! is checked in CI).
use slack_sessions_emulator::fuzzing::Slack;
use slack_sessions_emulator::{user_kind, UserKind};

/// Runs the target's invariants on one input; panics on a breach.
pub(crate) fn check(data: &[u8]) {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    let Ok(httparse::Status::Complete(head)) = req.parse(data) else {
        return;
    };
    let path = req.path.unwrap_or("");
    let mut map = http::HeaderMap::new();
    for h in req.headers.iter() {
        if let (Ok(k), Ok(v)) = (
            http::HeaderName::from_bytes(h.name.as_bytes()),
            http::HeaderValue::from_bytes(h.value),
        ) {
            map.append(k, v);
        }
    }
    let body = &data[head..];
    let slack = Slack::new(100_000);
    let (status, answer) = slack.answer(path, &map, body);
    assert!(status == 200 || status == 404, "{status}");
    let with = slack.users_with_settings();
    assert!(with.len() <= 1_000);
    for u in &with {
        assert_eq!(user_kind(u), UserKind::Person, "{u} got settings");
    }
    if status == 200 {
        let ok = answer["ok"].as_bool().expect("ok is a boolean");
        if !ok {
            let code = answer["error"].as_str().expect("an error code");
            assert!(!code.is_empty() && code.len() < 64);
            assert!(with.is_empty(), "an error answer changed settings");
        }
        let size = serde_json::to_vec(&answer).expect("json").len();
        assert!(size <= 100 * 1_000 + 200, "{size}-byte answer");
    }
}
