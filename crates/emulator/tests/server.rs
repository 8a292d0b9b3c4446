//! The emulator over real TCP, driven by a minimal ureq client of the test's own.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use slack_sessions_emulator::*;

const SET: &str = "admin.users.session.setSettings";
const GET: &str = "admin.users.session.getSettings";
const CLEAR: &str = "admin.users.session.clearSettings";
const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json; charset=utf-8";

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .http_status_as_error(false)
            .build(),
    )
}

struct Answer {
    status: u16,
    retry_after: Option<String>,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("json body")
    }
    fn error(&self) -> Option<String> {
        self.json()["error"].as_str().map(String::from)
    }
    fn is_ok(&self) -> bool {
        self.status == 200 && self.json()["ok"] == json!(true)
    }
}

fn call(
    emu: &Emulator,
    method: &str,
    content_type: Option<&str>,
    token: Option<&str>,
    body: &str,
) -> Result<Answer, ureq::Error> {
    let mut req = http::Request::post(format!("{}{method}", emu.base_url()));
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = req.body(body.as_bytes().to_vec()).expect("request");
    let mut resp = agent().run(req)?;
    let retry_after = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap_or("").to_owned());
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("").to_owned())
        .unwrap_or_default();
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()?;
    Ok(Answer {
        status,
        retry_after,
        content_type,
        body,
    })
}

fn form(emu: &Emulator, method: &str, body: &str) -> Answer {
    call(emu, method, Some(FORM), Some(ADMIN_TOKEN), body).expect("answer")
}

fn start() -> Emulator {
    Emulator::builder().rate_limit(None).start().expect("start")
}

#[test]
fn set_get_clear_round_trip_with_every_spelling() {
    let emu = start();
    // Python/Java spelling: comma list, 1/0.
    assert!(form(
        &emu,
        SET,
        "user_ids=U00000001%2CU00000002&duration=28800&desktop_app_browser_quit=1"
    )
    .is_ok());
    // Node spelling: JSON array string, true/false.
    assert!(form(
        &emu,
        SET,
        r#"user_ids=%5B%22W00000003%22%5D&desktop_app_browser_quit=false"#
    )
    .is_ok());
    // JSON body.
    let a = call(
        &emu,
        SET,
        Some(JSON),
        Some(ADMIN_TOKEN),
        r#"{"user_ids":["U00000004"],"duration":86400,"desktop_app_browser_quit":true}"#,
    )
    .expect("well-formed test data");
    assert!(a.is_ok());
    assert_eq!(
        emu.settings("U00000001"),
        Some(Settings {
            duration: Some(28_800),
            desktop_app_browser_quit: Some(true)
        })
    );
    assert_eq!(
        emu.settings("W00000003"),
        Some(Settings {
            duration: None,
            desktop_app_browser_quit: Some(false)
        })
    );
    assert_eq!(
        emu.settings("U00000004").and_then(|s| s.duration),
        Some(86_400)
    );
    // A setting not given keeps its value.
    assert!(form(
        &emu,
        SET,
        "user_ids=U00000001&desktop_app_browser_quit=false"
    )
    .is_ok());
    assert_eq!(
        emu.settings("U00000001"),
        Some(Settings {
            duration: Some(28_800),
            desktop_app_browser_quit: Some(false)
        })
    );

    // U00000009 has no active session: Slack leaves such users out.
    let got = form(
        &emu,
        GET,
        "user_ids=U00000001,U00000008,U00000009,W00000003",
    )
    .json();
    assert_eq!(
        got["session_settings"],
        json!([
            {"user_id":"U00000001","desktop_app_browser_quit":false,"duration":28800},
            {"user_id":"W00000003","desktop_app_browser_quit":false,"duration":null}
        ])
    );
    assert_eq!(got["no_settings_applied"], json!(["U00000008"]));

    assert!(form(&emu, CLEAR, "user_ids=U00000001").is_ok());
    assert_eq!(emu.settings("U00000001"), None);
    let got = form(&emu, GET, "user_ids=U00000001").json();
    assert_eq!(got["session_settings"], json!([]));
    assert_eq!(got["no_settings_applied"], json!(["U00000001"]));
}

#[test]
fn every_fixed_token() {
    let emu = start();
    let body = "user_ids=U00000001&duration=28800";
    for (token, code) in [
        (MEMBER_TOKEN, "not_an_admin"),
        (BOT_TOKEN, "not_allowed_token_type"),
        (REVOKED_TOKEN, "token_revoked"),
        (FREE_TOKEN, "feature_not_enabled"),
        ("xoxp-made-up", "invalid_auth"),
    ] {
        let a = call(&emu, SET, Some(FORM), Some(token), body).expect("well-formed test data");
        assert_eq!(a.error().as_deref(), Some(code), "{token}");
    }
    let a = call(&emu, SET, Some(FORM), None, body).expect("well-formed test data");
    assert_eq!(a.error().as_deref(), Some("not_authed"));
    let a = call(&emu, SET, Some(FORM), Some(READONLY_TOKEN), body).expect("well-formed test data");
    let j = a.json();
    assert_eq!(j["error"], "missing_scope");
    assert_eq!(j["needed"], "admin.users:write");
    assert_eq!(
        j["provided"],
        "admin.users:read,users:read.email,usergroups:read"
    );
    assert!(call(
        &emu,
        GET,
        Some(FORM),
        Some(READONLY_TOKEN),
        "user_ids=U00000001"
    )
    .expect("well-formed test data")
    .is_ok());
    assert!(emu.state().is_empty(), "a refused call changed state");
    // The token in a form body works; in a JSON body it is ignored.
    let a = call(
        &emu,
        GET,
        Some(FORM),
        None,
        &format!("token={ADMIN_TOKEN}&user_ids=U00000001"),
    )
    .expect("well-formed test data");
    assert!(a.is_ok());
    assert_eq!(
        emu.log()
            .last()
            .expect("well-formed test data")
            .token_source,
        TokenSource::Body
    );
    let a = call(
        &emu,
        GET,
        Some(JSON),
        None,
        &format!(r#"{{"token":"{ADMIN_TOKEN}","user_ids":["U00000001"]}}"#),
    )
    .expect("well-formed test data");
    assert_eq!(a.error().as_deref(), Some("not_authed"));
}

#[test]
fn request_shape_errors() {
    let emu = start();
    let t = Some(ADMIN_TOKEN);
    let cases = [
        (None, "user_ids=U00000001", "missing_post_type"),
        (Some("text/xml"), "<x/>", "invalid_post_type"),
        (Some(FORM), "user_ids", "invalid_form_data"),
        (Some("application/json"), "{not json", "invalid_json"),
        (Some("application/json"), "[1]", "invalid_json"),
        (
            Some("application/x-www-form-urlencoded; charset=ebcdic"),
            "user_ids=U00000001",
            "invalid_charset",
        ),
    ];
    for (ct, body, code) in cases {
        let a = call(&emu, GET, ct, t, body).expect("well-formed test data");
        assert_eq!(a.status, 200);
        assert_eq!(a.error().as_deref(), Some(code), "{ct:?} {body:?}");
    }
    let a =
        call(&emu, "admin.users.session.nope", Some(FORM), t, "").expect("well-formed test data");
    assert_eq!(a.error().as_deref(), Some("unknown_method"));
}

#[test]
fn argument_rules() {
    let emu = start();
    let too_many: Vec<String> = (0..1001).map(|i| format!("U{i:08}")).collect();
    let too_many = format!("user_ids={}&duration=28800", too_many.join(","));
    for body in [
        "duration=28800",
        "user_ids=&duration=28800",
        too_many.as_str(),
    ] {
        let a = form(&emu, SET, body);
        let j = a.json();
        assert_eq!(j["error"], "invalid_arguments", "{body:.40}");
        assert!(j["response_metadata"]["messages"][0]
            .as_str()
            .expect("well-formed test data")
            .starts_with("[ERROR] "));
    }
    for body in [
        "user_ids=U00000001&duration=28799",
        "user_ids=U00000001&duration=315569521",
        "user_ids=U00000001&duration=8h",
        "user_ids=U00000001&duration=86400.5",
        "user_ids=U00000001&desktop_app_browser_quit=yes",
    ] {
        assert_eq!(
            form(&emu, SET, body).error().as_deref(),
            Some("invalid_arguments"),
            "{body}"
        );
    }
    assert_eq!(
        form(&emu, SET, "user_ids=U00000001").error().as_deref(),
        Some("at_least_one_session_setting_required")
    );
    assert!(form(
        &emu,
        SET,
        "user_ids=U00000001&duration=315569520&frobnicate=1"
    )
    .is_ok());
    assert!(form(&emu, SET, "user_ids=U00000002&duration=28800").is_ok());
}

#[test]
fn all_or_nothing() {
    let emu = start();
    let a = form(
        &emu,
        SET,
        "user_ids=U00000001,U77777777,U00000002&duration=28800",
    );
    assert_eq!(a.error().as_deref(), Some("user_not_found"));
    let a = form(&emu, SET, "user_ids=U00000001,U90000005&duration=28800");
    assert_eq!(a.error().as_deref(), Some("bots_not_allowed"));
    assert!(emu.state().is_empty());
    assert_eq!(
        form(&emu, GET, "user_ids=U90000000").error().as_deref(),
        Some("bots_not_allowed")
    );
}

#[test]
fn rate_limit_per_token_and_method() {
    let emu = Emulator::builder()
        .rate_limit(Some(3))
        .start()
        .expect("well-formed test data");
    for _ in 0..3 {
        assert!(form(&emu, GET, "user_ids=U00000001").is_ok());
    }
    let a = form(&emu, GET, "user_ids=U00000001");
    assert_eq!(a.status, 429);
    assert_eq!(a.retry_after.as_deref(), Some("20"));
    assert_eq!(a.error().as_deref(), Some("ratelimited"));
    // Another method, and another token, have their own buckets.
    assert!(form(&emu, CLEAR, "user_ids=U00000001").is_ok());
    assert!(call(
        &emu,
        GET,
        Some(FORM),
        Some(READONLY_TOKEN),
        "user_ids=U00000001"
    )
    .expect("well-formed test data")
    .is_ok());
    assert_eq!(emu.count("ratelimited"), 1);
}

#[test]
fn every_fault_kind() {
    let emu = start();
    let body = "user_ids=U00000001&duration=28800";
    let mut n = 0;
    let mut next = |emu: &Emulator, spec: &str| {
        n += 1;
        emu.set_faults(format!("1={spec}").parse().expect("well-formed test data"));
        emu.clear_state();
    };
    for code in [
        "internal_error",
        "service_unavailable",
        "fatal_error",
        "request_timeout",
    ] {
        next(&emu, code);
        assert_eq!(form(&emu, SET, body).error().as_deref(), Some(code));
        assert!(emu.state().is_empty(), "{code} applied");
    }
    for s in [500u16, 502, 503] {
        next(&emu, &format!("http{s}"));
        let a = form(&emu, SET, body);
        assert_eq!(a.status, s);
        assert!(a.content_type.starts_with("text/html"));
        assert!(String::from_utf8_lossy(&a.body).contains("<html>"));
    }
    next(&emu, "storm:3");
    for _ in 0..3 {
        let a = form(&emu, SET, body);
        assert_eq!((a.status, a.retry_after.as_deref()), (429, Some("1")));
    }
    assert!(form(&emu, SET, body).is_ok());

    next(&emu, "delay:300");
    let t = Instant::now();
    assert!(form(&emu, SET, body).is_ok());
    assert!(t.elapsed() >= Duration::from_millis(300));

    next(&emu, "drop");
    assert!(call(&emu, SET, Some(FORM), Some(ADMIN_TOKEN), body).is_err());
    assert!(emu.state().is_empty());
    next(&emu, "drop_after_apply");
    assert!(call(&emu, SET, Some(FORM), Some(ADMIN_TOKEN), body).is_err());
    assert!(
        emu.settings("U00000001").is_some(),
        "drop_after_apply did not apply"
    );
    next(&emu, "fatal_error_after_apply");
    assert_eq!(
        form(&emu, SET, body).error().as_deref(),
        Some("fatal_error")
    );
    assert!(emu.settings("U00000001").is_some());

    next(&emu, "truncate");
    let a = form(&emu, SET, body);
    assert_eq!(a.status, 200);
    assert!(serde_json::from_slice::<Value>(&a.body).is_err());
    // huge: an oversized error that applies nothing.
    emu.clear_state();
    next(&emu, "huge:10");
    let a = form(&emu, SET, body);
    assert_eq!(a.body.len(), 10 << 20);
    assert_eq!(a.error().as_deref(), Some("internal_error"));
    assert!(emu.settings("U00000001").is_none(), "huge applied");

    // A schedule names the calls; others pass.
    emu.set_faults(
        "2=internal_error,4=http502"
            .parse()
            .expect("well-formed test data"),
    );
    let codes: Vec<u16> = (0..5).map(|_| form(&emu, SET, body).status).collect();
    assert_eq!(codes, [200, 200, 200, 502, 200]);
    assert_eq!(emu.count("fault:internal_error"), 2);
}

#[test]
fn concurrent_updates_are_never_lost() {
    let emu = start();
    std::thread::scope(|s| {
        for t in 0..8u32 {
            let emu = &emu;
            s.spawn(move || {
                let agent = agent();
                for i in 0..500u32 {
                    let user = format!("U{:08}", t * 500 + i);
                    let dur = 28_800 + t * 1000 + i;
                    let req = http::Request::post(format!("{}{SET}", emu.base_url()))
                        .header("content-type", FORM)
                        .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
                        .body(format!("user_ids={user}&duration={dur}").into_bytes())
                        .expect("well-formed test data");
                    let mut r = agent.run(req).expect("well-formed test data");
                    assert_eq!(
                        r.body_mut()
                            .read_to_string()
                            .expect("well-formed test data"),
                        r#"{"ok":true}"#
                    );
                }
            });
        }
    });
    let state = emu.state();
    assert_eq!(state.len(), 4000);
    for t in 0..8u32 {
        for i in 0..500u32 {
            let s = state[&format!("U{:08}", t * 500 + i)];
            assert_eq!(s.duration, Some(u64::from(28_800 + t * 1000 + i)));
        }
    }
    assert_eq!(emu.count("ok"), 4000);
}

fn raw_exchange(emu: &Emulator, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(emu.addr()).expect("well-formed test data");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("well-formed test data");
    let _ = s.write_all(bytes);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    let _ = s.take(1 << 16).read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Sends one whole request on a fresh connection, keeping the write side open (a
/// half-closed connection is closed by the server before it answers), and reads the
/// answer until the server closes.
fn one_request(emu: &Emulator, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(emu.addr()).expect("well-formed test data");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("well-formed test data");
    s.write_all(bytes).expect("well-formed test data");
    let mut out = Vec::new();
    let _ = s.take(1 << 16).read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn bad_input_never_crashes_it() {
    let emu = start();
    // Random bytes.
    let mut x: u64 = 0x1234_5678;
    let junk: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let answer = raw_exchange(&emu, &junk);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "{answer:.80}"
    );
    // Huge headers.
    let mut req = format!("POST /api/{GET} HTTP/1.1\r\nhost: x\r\n");
    for i in 0..2000 {
        req.push_str(&format!("x-pad-{i}: {}\r\n", "y".repeat(64)));
    }
    req.push_str("\r\n");
    let answer = raw_exchange(&emu, req.as_bytes());
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
        "{answer:.80}"
    );
    // A 10 MB body, declared and chunked.
    // Declared: refused from the head alone, without reading the body.
    let head = format!("POST /api/{GET} HTTP/1.1\r\nhost: x\r\ncontent-type: {FORM}\r\ncontent-length: {}\r\n\r\nuser_ids=U", 10 << 20);
    let answer = raw_exchange(&emu, head.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:.80}");
    let head = format!("POST /api/{GET} HTTP/1.1\r\nhost: x\r\ncontent-type: {FORM}\r\ntransfer-encoding: chunked\r\n\r\n");
    let mut chunked = head.into_bytes();
    for _ in 0..10 {
        chunked.extend_from_slice(format!("{:x}\r\n", 1 << 20).as_bytes());
        chunked.extend(std::iter::repeat_n(b'U', 1 << 20));
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let answer = raw_exchange(&emu, &chunked);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 413"),
        "{answer:.80}"
    );
    // And it still serves.
    assert!(form(&emu, GET, "user_ids=U00000001").is_ok());
}

/// A head over 64 KiB gets 431 on every connection, the first
/// request of a fresh one included.
#[test]
fn a_large_head_gets_431_on_a_fresh_connection() {
    let emu = start();
    for (headers, size) in [(1, 100_000), (25, 4_000), (2, 40_000)] {
        let mut req = format!("POST /api/{GET} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: {FORM}\r\ncontent-length: 18\r\n");
        for i in 0..headers {
            req.push_str(&format!("x-pad-{i}: {}\r\n", "y".repeat(size)));
        }
        req.push_str("\r\nuser_ids=U00000001");
        let answer = one_request(&emu, req.as_bytes());
        assert!(
            answer.starts_with("HTTP/1.1 431"),
            "{headers} x {size}: {answer:.80}"
        );
    }
    assert_eq!(emu.count("ok"), 0);
    // A head just under the limit is served.
    let mut req = format!("POST /api/{GET} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: {FORM}\r\nauthorization: Bearer {ADMIN_TOKEN}\r\ncontent-length: 18\r\n");
    req.push_str(&format!("x-pad: {}\r\n", "y".repeat(60_000)));
    req.push_str("\r\nuser_ids=U00000001");
    let answer = one_request(&emu, req.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:.80}");
}

/// A user ID whose first character is more than one byte.
#[test]
fn multi_byte_user_ids_are_not_found() {
    let emu = start();
    for body in [
        "user_ids=%C3%A90000000",
        "user_ids=%C3%A9",
        "user_ids=U0000000%C3%A9",
        "user_ids=%E2%82%AC00000000,U00000001",
    ] {
        let a = form(&emu, GET, body);
        assert_eq!(a.status, 200, "{body}");
        assert_eq!(a.error().as_deref(), Some("user_not_found"), "{body}");
    }
    assert!(form(&emu, GET, "user_ids=U00000001").is_ok());
}

#[test]
fn the_log_redacts_the_token() {
    let emu = start();
    form(&emu, SET, "user_ids=U00000001,U00000002&duration=28800");
    let log = emu.log();
    let e = log.last().expect("well-formed test data");
    assert_eq!(e.method, SET);
    assert_eq!(e.outcome, "ok");
    assert_eq!(e.status, 200);
    assert_eq!(e.args["user_ids"], "U00000001,U00000002");
    assert_eq!(e.token_source, TokenSource::Header);
    let auth = e
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .expect("well-formed test data");
    assert_eq!(auth.1, "[redacted]");
    assert!(!format!("{log:?}").contains(ADMIN_TOKEN));
}

#[test]
fn binds_a_given_port_and_stops_on_drop() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("well-formed test data");
    let port = probe.local_addr().expect("well-formed test data").port();
    drop(probe);
    let emu = Emulator::builder()
        .port(port)
        .start()
        .expect("well-formed test data");
    assert_eq!(emu.base_url(), format!("http://127.0.0.1:{port}/api/"));
    assert!(emu.banner().contains(ADMIN_TOKEN));
    drop(emu);
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

/// Multipart form fields are read for every method; text/plain is read as a
/// url-encoded form (an assumption: Slack accepts the type without saying how).
#[test]
fn multipart_and_text_plain_bodies() {
    let emu = start();
    let t = Some(ADMIN_TOKEN);
    let multipart = |fields: &[(&str, &str)]| {
        let mut body = String::new();
        for (k, v) in fields {
            body.push_str(&format!(
                "--XyZ\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        body.push_str("--XyZ--\r\n");
        body
    };
    let ct = Some("multipart/form-data; boundary=XyZ");
    let set = "admin.users.session.setSettings";
    let a = call(
        &emu,
        set,
        ct,
        t,
        &multipart(&[("user_ids", "U00000001,U00000002"), ("duration", "28800")]),
    )
    .expect("well-formed test data");
    assert!(a.is_ok(), "{:?}", a.error());
    assert_eq!(
        emu.settings("U00000002").and_then(|s| s.duration),
        Some(28_800)
    );
    // The token may come as a field, as in a form.
    let a = call(
        &emu,
        GET,
        ct,
        None,
        &multipart(&[("token", ADMIN_TOKEN), ("user_ids", "U00000001")]),
    )
    .expect("well-formed test data");
    assert!(a.is_ok(), "{:?}", a.error());
    // Every method of the family reads it too.
    let a = call(
        &emu,
        "admin.users.session.list",
        ct,
        t,
        &multipart(&[("limit", "5")]),
    )
    .expect("well-formed test data");
    assert!(a.is_ok(), "{:?}", a.error());
    let a = call(
        &emu,
        GET,
        Some("multipart/form-data; boundary=XyZ"),
        t,
        "garbage",
    )
    .expect("well-formed test data");
    assert_eq!(a.error().as_deref(), Some("invalid_form_data"));
    let a = call(&emu, GET, Some("multipart/form-data"), t, "").expect("well-formed test data");
    assert_eq!(a.error().as_deref(), Some("invalid_form_data"));

    let a = call(
        &emu,
        "admin.users.session.clearSettings",
        Some("text/plain"),
        t,
        "user_ids=U00000001",
    )
    .expect("well-formed test data");
    assert!(a.is_ok(), "{:?}", a.error());
    assert!(emu.settings("U00000001").is_none());
}

const LIST: &str = "admin.users.session.list";
const INVALIDATE: &str = "admin.users.session.invalidate";
const RESET_BULK: &str = "admin.users.session.resetBulk";

/// `list` as Slack documents it: the organisation's `E…` ID on every session, and a
/// one-user listing's own codes.
#[test]
fn list_answers_as_documented() {
    let emu = start();
    let page = form(&emu, LIST, "limit=5").json();
    let sessions = page["active_sessions"].as_array().expect("sessions");
    assert!(!sessions.is_empty());
    assert!(sessions
        .iter()
        .all(|s| s["team_id"] == TEAM && TEAM.starts_with('E')));
    let one = |body: &str| form(&emu, LIST, body).error();
    assert_eq!(one("user_id=U00000001"), Some("missing_team".into()));
    assert_eq!(one("team_id=E00000001"), Some("missing_user".into()));
    assert_eq!(
        one("user_id=U00000001&team_id=E99999999"),
        Some("team_not_found".into())
    );
    assert_eq!(
        one("user_id=U09999999&team_id=E00000001"),
        Some("user_not_found".into())
    );
    assert_eq!(
        one("user_id=U90000001&team_id=E00000001"),
        Some("bots_not_allowed".into())
    );
    // U00000009 has no active session.
    assert_eq!(
        one("user_id=U00000009&team_id=E00000001"),
        Some("no_active_sessions".into())
    );
    assert_eq!(one("cursor=zzz"), Some("invalid_cursor".into()));
    let mine = form(&emu, LIST, "user_id=U00000001&team_id=E00000001").json();
    assert!(mine["ok"] == true && !mine["active_sessions"].as_array().expect("list").is_empty());
}

/// `invalidate` takes exactly `session_id` and `user_id`; a session that is not the
/// user's, or has ended, is `session_not_found`; the primary owner's cannot be ended.
#[test]
fn invalidate_answers_as_documented() {
    let emu = start();
    let theirs = emu.active_sessions(Some("U00000001"));
    let other = emu.active_sessions(Some("U00000002"));
    let id = theirs[0];
    let body = |s: u64, rest: &str| format!("session_id={s}&{rest}");
    assert_eq!(
        form(&emu, INVALIDATE, &body(id, "team_id=E00000001")).error(),
        Some("invalid_arguments".into())
    );
    assert_eq!(
        form(
            &emu,
            INVALIDATE,
            &body(id, "user_id=U00000001&team_id=E00000001")
        )
        .error(),
        Some("invalid_arguments".into())
    );
    assert_eq!(
        form(&emu, INVALIDATE, &body(other[0], "user_id=U00000001")).error(),
        Some("session_not_found".into()),
        "another user's session"
    );
    assert_eq!(
        form(&emu, INVALIDATE, &body(id, "user_id=U09999999")).error(),
        Some("user_not_found".into())
    );
    assert!(form(&emu, INVALIDATE, &body(id, "user_id=U00000001")).is_ok());
    assert_eq!(
        form(&emu, INVALIDATE, &body(id, "user_id=U00000001")).error(),
        Some("session_not_found".into()),
        "an ended session"
    );
    let owner = emu.active_sessions(Some(PRIMARY_OWNER));
    assert_eq!(
        form(
            &emu,
            INVALIDATE,
            &body(owner[0], &format!("user_id={PRIMARY_OWNER}"))
        )
        .error(),
        Some("cannot_invalidate_primary_owner".into())
    );
}

/// Any documented code, on demand, through a fault; and a user whose sessions outlive
/// a reset, through another.
#[test]
fn documented_codes_on_demand() {
    let emu = Emulator::builder()
        .rate_limit(None)
        .sessions_survive_reset("U00000002")
        .faults(
            "1=error:restricted_action,2=error:user_session_reset_failed"
                .parse()
                .expect("plan"),
        )
        .start()
        .expect("emulator");
    assert_eq!(
        form(&emu, GET, "user_ids=U00000001").error(),
        Some("restricted_action".into())
    );
    assert_eq!(
        form(&emu, RESET_BULK, "user_ids=U00000001").error(),
        Some("user_session_reset_failed".into())
    );
    assert!(form(&emu, RESET_BULK, "user_ids=U00000001,U00000002").is_ok());
    assert!(emu.active_sessions(Some("U00000001")).is_empty());
    assert!(
        !emu.active_sessions(Some("U00000002")).is_empty(),
        "survived the reset"
    );
    assert!("1=error:made_up".parse::<FaultPlan>().is_err());
    for (method, own) in slack_sessions_emulator::codes::BY_METHOD {
        let all = slack_sessions_emulator::codes::documented(method);
        assert!(own.iter().all(|c| all.contains(c)));
        for code in all {
            let plan: FaultPlan = format!("1=error:{code}")
                .parse()
                .expect("a fault for every code");
            assert!(
                matches!(plan.fault_for(1), Some(Fault::SlackError(c)) if c == code),
                "{code}"
            );
        }
    }
}
