//! The built `slack-sessions` binary against the emulator on 127.0.0.1: set, get and clear: exit codes, validation before anything is sent, the token kept out of every output, a stopped run's error line.

use assert_cmd::Command;
use slack_sessions_emulator::{ADMIN_TOKEN, REVOKED_TOKEN};

mod common;
use common::*;

#[test]
fn set_get_clear_with_exit_code_0() {
    let emu = emulator();
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "set",
        "--duration",
        "30d",
        "--quit-on-close",
        "true",
        "U00000001",
        "W00000002",
    ]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("setSettings: 2 of 2 users succeeded"),
        "{}",
        r.stdout
    );
    assert_eq!(
        emu.settings("W00000002").and_then(|s| s.duration),
        Some(2_592_000)
    );

    // Options after the command, and JSON out.
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["get", "U00000001", "U00000003", "--json"]);
    let r = run(c);
    assert_eq!(r.code, 0);
    let v = json(&r);
    assert_eq!(v["method"], "admin.users.session.getSettings");
    assert_eq!(v["settings"][0]["user_id"], "U00000001");
    assert_eq!(v["settings"][0]["duration"], 2_592_000);
    assert_eq!(v["settings"][0]["desktop_app_browser_quit"], true);
    assert_eq!(v["no_settings_applied"][0], "U00000003");
    assert_eq!(v["requested"], 2);
    assert_eq!(v["requests"], 1);

    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "--json",
        "--transport",
        "async",
        "clear",
        "U00000001",
        "W00000002",
    ]);
    let r = run(c);
    assert_eq!(r.code, 0);
    assert_eq!(json(&r)["applied"].as_array().map(Vec::len), Some(2));
    assert!(emu.state().is_empty());
}

#[test]
fn validation_errors_exit_2_and_send_nothing() {
    let emu = emulator();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["set", "--duration", "7h", "U00000001"],
            "invalid value '7h' for '--duration",
        ),
        (
            vec!["set", "--duration", "soon", "U00000001"],
            "for '--duration",
        ),
        (vec!["set", "U00000001"], "set needs --duration"),
        (vec!["get"], "no users given"),
        (
            vec!["get", "--users-file", "/nonexistent/users.txt"],
            "cannot read users file",
        ),
        (vec!["get", "bad-id", "--strict"], "invalid user id"),
        (vec!["get", "lowercase"], "no valid user IDs"),
        (vec!["get", "U00000001", "--timeout", "0"], "--timeout"),
        (vec!["get", "U00000001", "--rate", "0"], "--rate"),
        (
            vec![
                "get",
                "U00000001",
                "--transport",
                "async",
                "--concurrency",
                "0",
            ],
            "--concurrency",
        ),
        (
            vec!["get", "U00000001", "--base-url", "http://example.com/api/"],
            "plain http",
        ),
    ];
    for (args, needle) in cases {
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(&args);
        let r = run(c);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
        assert_eq!(
            r.stderr.lines().filter(|l| l.starts_with("error:")).count(),
            1,
            "{}",
            r.stderr
        );
    }
    // No token at all.
    let mut c = Command::cargo_bin("slack-sessions").expect("binary");
    c.env_clear()
        .env("SLACK_API_URL", emu.base_url())
        .args(["get", "U00000001"]);
    let r = run(c);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no token"), "{}", r.stderr);
    // Clap's own usage errors are 2 as well.
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["get", "--frobnicate"]);
    assert_eq!(run(c).code, 2);
    assert_eq!(emu.calls(), 0, "a refused run sent something");
}

#[test]
fn auth_errors_exit_3_and_unreachable_exits_4() {
    let emu = emulator();
    let mut c = cli(&emu, REVOKED_TOKEN);
    c.args(["set", "--duration", "8h", "U00000001", "--json"]);
    let r = run(c);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let v = json(&r);
    assert_eq!(v["stopped_by"]["code"], "token_revoked");
    assert_eq!(v["not_attempted"][0], "U00000001");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let url = format!("http://{}/api/", closed.local_addr().expect("addr"));
    drop(closed);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["get", "U00000001", "--max-retries", "1", "--base-url", &url]);
    let r = run(c);
    assert_eq!(r.code, 4, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("connect_error"), "{}", r.stdout);
}

#[test]
fn dry_run_sends_nothing_and_needs_no_token() {
    let emu = emulator();
    let mut c = Command::cargo_bin("slack-sessions").expect("binary");
    c.env_clear().args([
        "--dry-run",
        "set",
        "--duration",
        "2w",
        "U00000001",
        "--base-url",
        &emu.base_url(),
    ]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("POST http://127.0.0.1:"), "{}", r.stdout);
    assert!(r.stdout.contains("authorization: Bearer [redacted]"));
    assert!(r.stdout.contains("user_ids=U00000001&duration=1209600"));
    assert_eq!(emu.count("requests"), 0);
    assert_eq!(emu.calls(), 0);
}

#[test]
fn the_token_never_appears() {
    let emu = emulator();
    let dir = std::env::temp_dir().join(format!("slack-sessions-tok-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let token_file = dir.join("token");
    let secret = "xoxp-do-not-print-me-4242";
    std::fs::write(&token_file, format!("{secret}\n")).expect("write");
    let mut outputs = Vec::new();
    for args in [
        vec!["get", "U00000001", "-v"],
        vec!["get", "U00000001", "-v", "--json", "--encoding", "json"],
        vec!["--dry-run", "set", "--duration", "8h", "U00000001"],
        vec!["--dry-run", "--json", "clear", "U00000001"],
        vec![
            "set",
            "--duration",
            "8h",
            "U00000001",
            "--transport",
            "async",
            "-v",
        ],
    ] {
        let mut c = cli(&emu, "unused");
        c.env_remove("SLACK_TOKEN")
            .arg("--token-file")
            .arg(&token_file)
            .args(&args);
        let r = run(c);
        outputs.push((args, r));
    }
    for (args, r) in &outputs {
        assert!(
            !r.stdout.contains(secret) && !r.stderr.contains(secret),
            "{args:?} leaked the token"
        );
        assert!(!r.stdout.contains("do-not-print") && !r.stderr.contains("do-not-print"));
    }
    // The secret is not a known token: the runs that sent got invalid_auth (exit 3).
    assert_eq!(outputs[0].1.code, 3);
    assert!(
        outputs[0]
            .1
            .stderr
            .contains("status=200 code=invalid_auth attempt=1"),
        "{}",
        outputs[0].1.stderr
    );
    assert!(emu.log().iter().all(|e| !format!("{e:?}").contains(secret)));
    std::fs::remove_dir_all(&dir).ok();
}

/// Out-of-range durations and rates are refused with one line, exit 2,
/// never a panic inside a transport.
#[test]
fn out_of_range_settings_exit_2_with_one_line() {
    let emu = emulator();
    for transport in ["blocking", "async"] {
        for (flag, value, names) in [
            ("--timeout", "9223372036854775807", "timeout"),
            ("--timeout", "3601", "timeout"),
            ("--rate", "4294967295", "rate"),
        ] {
            let mut c = cli(&emu, ADMIN_TOKEN);
            c.args(["get", "U00000001", "--transport", transport, flag, value]);
            let r = run(c);
            assert_eq!(r.code, 2, "{transport} {flag} {value}: {}", r.stderr);
            assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
            assert!(r.stderr.contains(names), "{}", r.stderr);
        }
    }
    assert_eq!(emu.calls(), 0);
}

/// Against a server that cannot be reached, the run stops after two
/// chunks fail in a row; the rest is not attempted, exit 4.
#[test]
fn an_unreachable_server_stops_the_run_after_two_chunks() {
    let emu = emulator();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let url = format!("http://{}/api/", closed.local_addr().expect("addr"));
    drop(closed);
    let ids: String = (0..5_000).map(|i| format!("U{i:08}\n")).collect();
    for transport in ["blocking", "async"] {
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "clear",
            "--users-file",
            "-",
            "--json",
            "--max-retries",
            "1",
            "--base-url",
            &url,
            "--transport",
            transport,
        ])
        .write_stdin(ids.clone());
        let r = run(c);
        assert_eq!(r.code, 4, "{transport}: {}", r.stderr);
        let v = json(&r);
        assert_eq!(v["stopped_by"]["code"], "connect_error", "{transport}");
        let count = |k: &str| v[k].as_array().map_or(0, Vec::len);
        let (failed, skipped) = (count("failed"), count("not_attempted"));
        assert_eq!(failed + skipped, 5_000, "{transport}");
        let requests = v["requests"].as_u64().unwrap_or(0);
        if transport == "blocking" {
            // One chunk at a time: two chunks of two attempts, then the stop.
            assert_eq!((failed, skipped, requests), (2_000, 3_000, 4));
        } else {
            // Four chunks go out at once (the default concurrency); the stop comes once
            // two of them have failed their retry, and a retry already due may beat it.
            assert!((2_000..=4_000).contains(&failed), "{failed}");
            assert!((4..=8).contains(&requests), "{requests}");
        }
    }
}

/// `--strict` is accepted before the command too, like every option.
#[test]
fn strict_is_accepted_before_or_after_the_command() {
    let emu = emulator();
    for args in [
        ["--strict", "get", "bad-id", "U00000001"],
        ["get", "bad-id", "U00000001", "--strict"],
    ] {
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(args);
        let r = run(c);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("invalid user id"), "{}", r.stderr);
    }
    assert_eq!(emu.calls(), 0);
}

/// A stopped run says why in one `error:` line first, with what to do;
/// an answer that is not Slack's API (a 404) stops the run at once, exit 4.
#[test]
fn a_stopped_run_says_why_first() {
    let emu = emulator();
    let mut c = cli(&emu, REVOKED_TOKEN);
    c.args(["set", "--duration", "8h", "U00000001", "U00000002"]);
    let r = run(c);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let first = r.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: slack refused the run (token_revoked): check SLACK_TOKEN"),
        "{first}"
    );
    assert!(first.contains("admin.users:write"), "{first}");
    assert!(!r.stderr.contains(REVOKED_TOKEN), "{}", r.stderr);

    let typo = emu.base_url().replace("/api/", "/api-typo/");
    let users: String = (0..3_000).map(|i| format!("U{i:08}\n")).collect();
    for transport in ["blocking", "async"] {
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "clear",
            "--users-file",
            "-",
            "--json",
            "--base-url",
            &typo,
            "--transport",
            transport,
        ])
        .write_stdin(users.clone());
        let r = run(c);
        assert_eq!(r.code, 4, "{transport}: {}", r.stderr);
        let first = r.stderr.lines().next().unwrap_or_default();
        assert_eq!(
            first,
            format!("error: {typo} answered http 404 for admin.users.session.clearSettings: check --base-url (it ends in /api/)"),
            "{transport}"
        );
        let v = json(&r);
        assert_eq!(v["stopped_by"]["code"], "http_404", "{transport}");
        assert!(
            v["failed"].as_array().is_some_and(Vec::is_empty),
            "{transport}"
        );
        assert_eq!(
            v["not_attempted"].as_array().map(Vec::len),
            Some(3_000),
            "{transport}"
        );
    }
}
