//! The built `slack-sessions` binary against the emulator on 127.0.0.1.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use serde_json::Value;
use slack_sessions_emulator::{Emulator, ADMIN_TOKEN, REVOKED_TOKEN};

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
            "invalid --duration",
        ),
        (
            vec!["set", "--duration", "soon", "U00000001"],
            "invalid --duration",
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
fn a_2500_user_file_with_bad_ids() {
    let emu = emulator();
    let dir = std::env::temp_dir().join(format!("slack-sessions-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("users.txt");
    let mut text = String::from("# contractors\n\n");
    for i in 0..2_494 {
        text.push_str(&format!("U{i:08}\n"));
    }
    text.push_str("U77700001\nU90000001\nnot-an-id\nu00000001\nU00000005\nW00000001\n");
    std::fs::write(&path, &text).expect("write");
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["set", "--duration", "12h", "--users-file"])
        .arg(&path)
        .arg("--json");
    let r = run(c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json(&r);
    assert_eq!(v["requested"], 2_499);
    assert_eq!(v["applied"].as_array().map(Vec::len), Some(2_495));
    let failed: Vec<(String, String)> = v["failed"]
        .as_array()
        .expect("failed")
        .iter()
        .map(|f| {
            (
                f["user_id"].as_str().unwrap_or("").into(),
                f["error"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert!(failed.contains(&("U77700001".into(), "user_not_found".into())));
    assert!(failed.contains(&("U90000001".into(), "bots_not_allowed".into())));
    assert_eq!(v["invalid"].as_array().map(Vec::len), Some(2));
    assert!(
        r.stderr.contains("\"not-an-id\" (line 2499 of"),
        "{}",
        r.stderr
    );
    assert!(v["invalid"][1]["reason"]
        .as_str()
        .unwrap_or("")
        .contains("line 2500"));
    assert_eq!(emu.state().len(), 2_495);
    let requests = v["requests"].as_u64().unwrap_or(0);
    assert!(requests <= 3 + 2 * 2 * 10, "{requests} requests");
    assert_eq!(emu.calls(), requests);
    // The human summary of the same file.
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["get", "--users-file"]).arg(&path);
    let r = run(c);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("failed: 2"), "{}", r.stdout);
    assert!(
        r.stdout.contains("user_not_found (1): U77700001"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("invalid (skipped): 2"), "{}", r.stdout);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn users_from_stdin_and_csv() {
    let emu = emulator();
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "set",
        "--quit-on-close",
        "false",
        "--users-file",
        "-",
        "--json",
    ])
    .write_stdin("name,id\nada,U00000010\nbob,U00000011\n");
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        json(&r)["applied"],
        serde_json::json!(["U00000010", "U00000011"])
    );
    assert_eq!(
        emu.settings("U00000011")
            .and_then(|s| s.desktop_app_browser_quit),
        Some(false)
    );
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

#[test]
fn demo_and_emulator_commands() {
    let r = run({
        let mut c = Command::cargo_bin("slack-sessions").expect("binary");
        c.env_clear().args(["demo", "-q"]);
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("setSettings: 2496 of 2500 users succeeded"),
        "{}",
        r.stdout
    );
    assert!(r
        .stdout
        .contains("the emulator now holds settings for 0 users"));
    // Issue 14: the sessions step signs three users out.
    assert!(
        r.stdout.contains("resetBulk: 3 of 3 users succeeded"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("now: 0"), "{}", r.stdout);

    let bin = assert_cmd::cargo::cargo_bin("slack-sessions");
    let mut child = StdCommand::new(bin)
        .args([
            "emulator",
            "--rate-limit",
            "0",
            "--faults",
            "1=internal_error",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("base url: ").map(str::to_owned))
        .expect("base url line");
    let agent = ureq_free_post(&url);
    child.kill().ok();
    child.wait().ok();
    assert!(agent.contains("internal_error"), "{agent}");
    let mut c = Command::cargo_bin("slack-sessions").expect("binary");
    c.args(["emulator", "--faults", "nonsense"]);
    assert_eq!(run(c).code, 2);
}

/// One raw HTTP/1.1 POST, so this test needs no HTTP client crate.
fn ureq_free_post(base_url: &str) -> String {
    let rest = base_url.trim_start_matches("http://");
    let (host, _) = rest.split_once('/').expect("path");
    let mut s = std::net::TcpStream::connect(host).expect("connect");
    let body = "user_ids=U00000001";
    let req = format!(
        "POST /api/admin.users.session.getSettings HTTP/1.1\r\nhost: {host}\r\nauthorization: Bearer {ADMIN_TOKEN}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).expect("write");
    let mut out = String::new();
    std::io::Read::read_to_string(&mut s, &mut out).ok();
    out
}

/// Issue 9, defect 1: a quoted comma in an earlier column must never move the user column.
#[test]
fn csv_quoted_commas_change_the_right_user() {
    let emu = emulator();
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "set",
        "--strict",
        "--duration",
        "12h",
        "--users-file",
        "-",
        "--json",
    ])
    .write_stdin("name,manager_id,user_id\n\"Doe, Jane\",U00000099,U00000001\n");
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(json(&r)["applied"], serde_json::json!(["U00000001"]));
    assert_eq!(
        emu.settings("U00000001").and_then(|s| s.duration),
        Some(43_200)
    );
    assert_eq!(emu.settings("U00000099"), None);

    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["clear", "--users-file", "-", "--json"])
        .write_stdin("name,user_id\n\"Doe, Jane\",U00000001\n");
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&r);
    assert_eq!(v["applied"], serde_json::json!(["U00000001"]));
    assert_eq!(v["requested"], 1);
    assert_eq!(emu.settings("U00000001"), None);
}

/// A row without the user column is an invalid input with its line number: never sent,
/// refused under --strict.
#[test]
fn csv_row_without_the_user_column_is_invalid() {
    let emu = emulator();
    let file = "name,manager_id,user_id\nAda,U00000099\nBob,U00000098,U00000002\n";
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["set", "--strict", "--duration", "12h", "--users-file", "-"])
        .write_stdin(file);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("line 2 of stdin"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert_eq!(emu.calls(), 0);

    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["set", "--duration", "12h", "--users-file", "-", "--json"])
        .write_stdin(file);
    let r = run(c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json(&r);
    assert_eq!(v["applied"], serde_json::json!(["U00000002"]));
    assert_eq!(v["requested"], 2);
    assert_eq!(v["invalid"].as_array().map(Vec::len), Some(1));
    let reason = v["invalid"][0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("line 2 of stdin"), "{reason}");
    assert_eq!(emu.settings("U00000099"), None);
    assert_eq!(emu.settings("U00000098"), None);
}

/// Issue 9, defect 9: a huge invalid line is echoed at most 80 characters long.
#[test]
fn invalid_inputs_are_echoed_short() {
    let emu = emulator();
    let long = "x".repeat(60_000);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["set", "--duration", "12h", "--users-file", "-", "--json"])
        .write_stdin(format!("U00000001\n{long}\n"));
    let r = run(c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.len() < 400, "{} bytes on stderr", r.stderr.len());
    assert!(r.stderr.contains('…'), "{}", r.stderr);
    assert!(r.stdout.len() < 2_000, "{} bytes on stdout", r.stdout.len());
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["set", "--strict", "--duration", "12h", "--users-file", "-"])
        .write_stdin(format!("{long}\n"));
    let r = run(c);
    assert_eq!(r.code, 2);
    assert!(r.stderr.len() < 400, "{} bytes on stderr", r.stderr.len());
}

/// Issue 9, defect 4: out-of-range durations and rates are refused with one line, exit 2,
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

/// Issue 9, defect 8: against a server that cannot be reached, the run stops after two
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

/// Issue 10: the help names the exit codes and gives examples; completions, a man page,
/// `--timeout` with units and a versioned JSON report.
#[test]
fn help_completions_man_page_and_schema_version() {
    let out = |args: &[&str]| {
        let mut c = Command::cargo_bin("slack-sessions").expect("binary");
        c.env_clear().args(args);
        run(c)
    };
    let help = out(&["--help"]);
    assert_eq!(help.code, 0);
    for needle in [
        "Exit codes:",
        "  4    Slack unreachable",
        "Examples:",
        "--dry-run clear",
    ] {
        assert!(help.stdout.contains(needle), "{needle}: {}", help.stdout);
    }
    let bash = out(&["completions", "bash"]);
    assert_eq!(bash.code, 0);
    assert!(bash.stdout.contains("complete -F"), "{}", bash.stdout);
    let man = out(&["man"]);
    assert_eq!(man.code, 0);
    assert!(
        man.stdout.contains(".TH slack-sessions 1"),
        "{}",
        man.stdout
    );

    let emu = emulator();
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["get", "U00000001", "--timeout", "2m", "--json"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(json(&r)["schema_version"], 2);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["get", "U00000001", "--timeout", "2 weeks"]);
    assert_eq!(run(c).code, 2);
}

/// Issue 10: `emulator --help` lists only the options that apply to it.
#[test]
fn emulator_help_lists_its_own_options() {
    let mut c = Command::cargo_bin("slack-sessions").expect("binary");
    c.env_clear().args(["emulator", "--help"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for needle in ["--port", "--rate-limit", "--faults", "Fault spec"] {
        assert!(r.stdout.contains(needle), "{needle}: {}", r.stdout);
    }
    for global in [
        "--token-file",
        "--json",
        "--transport",
        "--strict",
        "--dry-run",
    ] {
        assert!(!r.stdout.contains(global), "{global}: {}", r.stdout);
    }
}

/// Issue 11 (begun): `--strict` is accepted before the command too, like every option.
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

/// Issue 11 (begun): a stopped run says why in one `error:` line first, with what to do;
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

/// A test CA and an emulator serving https with a certificate it signed for 127.0.0.1,
/// made at run time; the CA's PEM is written to a file of its own.
struct Tls {
    emu: Emulator,
    ca_file: std::path::PathBuf,
    dir: std::path::PathBuf,
}

impl Drop for Tls {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn tls_emulator(name: &str) -> Tls {
    let (ca, cert, key) = test_pki();
    let identity = slack_sessions_emulator::TlsIdentity::from_pem(cert.as_bytes(), key.as_bytes())
        .expect("identity");
    let emu = Emulator::builder()
        .rate_limit(None)
        .tls(identity)
        .start()
        .expect("tls emulator");
    let dir = temp_dir(name);
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca).expect("write ca");
    Tls { emu, ca_file, dir }
}

/// Issue 11: set → get → clear over https on both transports, trusting the test CA by
/// `--ca-file`, `SSL_CERT_FILE` or `SSL_CERT_DIR`; untrusted, the run stops with one line that says
/// what to do, and `-v` and `--json` carry the cause.
#[test]
fn the_cli_runs_over_tls_and_says_what_to_do_when_it_cannot() {
    let tls = tls_emulator("tls");
    let ca = tls.ca_file.to_str().expect("utf-8 path");
    let ca_dir = tls.dir.to_str().expect("utf-8 path");
    for transport in ["blocking", "async"] {
        for trust in ["--ca-file", "SSL_CERT_FILE", "SSL_CERT_DIR"] {
            for step in [
                &["set", "--duration", "12h", "U00000001"][..],
                &["get", "U00000001", "--json"],
                &["clear", "U00000001"],
            ] {
                let mut c = cli(&tls.emu, ADMIN_TOKEN);
                c.args(step).args(["--transport", transport]);
                match trust {
                    "--ca-file" => c.args(["--ca-file", ca]),
                    "SSL_CERT_FILE" => c.env("SSL_CERT_FILE", ca),
                    _ => c.env("SSL_CERT_DIR", ca_dir),
                };
                let r = run(c);
                assert_eq!(r.code, 0, "{transport} {trust} {step:?}: {}", r.stderr);
                if step[0] == "get" {
                    assert_eq!(json(&r)["settings"][0]["duration"], 43_200);
                }
            }
        }
    }
    assert_eq!(tls.emu.tls_failures(), 0);
    assert!(tls.emu.state().is_empty());

    let url = tls.emu.base_url();
    for transport in ["blocking", "async"] {
        let mut c = cli(&tls.emu, ADMIN_TOKEN);
        c.args(["set", "--duration", "8h", "U00000001", "--json", "-v"])
            .args(["--transport", transport, "--max-retries", "0"]);
        let r = run(c);
        assert_eq!(r.code, 4, "{transport}: {}", r.stderr);
        // After the `-v` lines of the run, the first line of its account.
        let first = r
            .stderr
            .lines()
            .find(|l| l.starts_with("error:"))
            .unwrap_or_default();
        assert_eq!(
            first,
            format!("error: cannot verify {url}'s certificate: its issuer is not trusted (invalid peer certificate: UnknownIssuer). If a proxy inspects TLS, or the server has a private CA, pass --ca-file with that CA"),
            "{transport}"
        );
        assert!(
            r.stderr
                .lines()
                .any(|l| l.contains("code=tls_error") && l.contains("UnknownIssuer")),
            "-v: {}",
            r.stderr
        );
        let v = json(&r);
        assert_eq!(v["failed"][0]["error"], "tls_error");
        let detail = v["failed"][0]["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("UnknownIssuer"), "{detail}");
        assert_eq!(v["error"], first.trim_start_matches("error: "));
    }
    // Plain http to the https port: the line says to check the URL.
    let plain = url.replace("https://", "http://");
    let mut c = cli(&tls.emu, ADMIN_TOKEN);
    c.args([
        "get",
        "U00000001",
        "--max-retries",
        "0",
        "--base-url",
        &plain,
    ]);
    let r = run(c);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert_eq!(
        r.stderr.lines().next().unwrap_or_default(),
        format!("error: {plain} did not answer in plain http (is it https?): check --base-url")
    );
    assert!(tls.emu.state().is_empty());
}

/// Issue 11: the CLI honours HTTPS_PROXY and NO_PROXY as curl does, takes `--proxy` and
/// `--no-proxy`, and a refusing proxy stops the run with one line and no password.
#[test]
fn the_cli_honours_proxies_from_the_environment_and_the_command_line() {
    use slack_sessions_emulator::proxy::{ConnectProxy, ProxyMode};
    let tls = tls_emulator("proxy");
    let ca = tls.ca_file.to_str().expect("utf-8 path");
    let proxy = ConnectProxy::start(ProxyMode::Tunnel).expect("proxy");
    let get = |env: &[(&str, &str)], args: &[&str], transport: &str| {
        let mut c = cli(&tls.emu, ADMIN_TOKEN);
        c.args([
            "get",
            "U00000001",
            "--ca-file",
            ca,
            "--transport",
            transport,
        ])
        .args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        run(c)
    };
    for transport in ["blocking", "async"] {
        let before = proxy.tunnels();
        let through = |r: &Run, want: bool, what: &str| {
            assert_eq!(r.code, 0, "{transport} {what}: {}", r.stderr);
            let used = proxy.tunnels() > before;
            assert_eq!(used, want, "{transport} {what}: tunnelled?");
        };
        through(&get(&[], &[], transport), false, "no proxy set");
        let env = [("HTTPS_PROXY", proxy.url())];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let bypass = [env[0], ("NO_PROXY", "localhost,127.0.0.1")];
        through(&get(&bypass, &[], transport), false, "NO_PROXY");
        through(&get(&env, &["--no-proxy"], transport), false, "--no-proxy");
        through(&get(&env, &[], transport), true, "HTTPS_PROXY");
        let before = proxy.tunnels();
        let r = get(&[], &["--proxy", &proxy.url()], transport);
        assert_eq!(r.code, 0, "{transport} --proxy: {}", r.stderr);
        assert!(proxy.tunnels() > before, "{transport} --proxy");
    }
    assert_eq!(proxy.requests(), 0);

    let refusing = ConnectProxy::start(ProxyMode::Refuse407).expect("proxy");
    let with_password = refusing.url_with_credentials("ops:hunter2");
    for transport in ["blocking", "async"] {
        let r = get(
            &[("HTTPS_PROXY", &with_password)],
            &["--max-retries", "0", "--json"],
            transport,
        );
        assert_eq!(r.code, 4, "{transport}: {}", r.stderr);
        let first = r.stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error: no tunnel to 127.0.0.1:")
                && first.contains(&format!("proxy http://***@{}", refusing.addr()))
                && first.ends_with("check --proxy, HTTPS_PROXY and ALL_PROXY (or pass --no-proxy)"),
            "{transport}: {first}"
        );
        assert_eq!(json(&r)["failed"][0]["error"], "proxy_error");
        assert!(!r.stderr.contains("hunter2") && !r.stdout.contains("hunter2"));
    }
    // A proxy URL that is not http:// is refused before anything is sent.
    let r = get(&[], &["--proxy", "socks5://127.0.0.1:1"], "blocking");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("only http:// proxies"), "{}", r.stderr);
}

/// Issue 11: `slack-sessions emulator --tls-cert --tls-key` serves https.
#[test]
fn the_emulator_command_serves_https() {
    let (ca, cert, key) = test_pki();
    let dir = temp_dir("emulator-tls");
    let path = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("utf-8 path").to_owned()
    };
    let (ca, cert, key) = (
        path("ca.pem", &ca),
        path("cert.pem", &cert),
        path("key.pem", &key),
    );
    let bin = assert_cmd::cargo::cargo_bin("slack-sessions");
    let mut child = StdCommand::new(bin)
        .args([
            "emulator",
            "--rate-limit",
            "0",
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let url = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("base url: ").map(str::to_owned))
        .expect("base url line");
    let mut c = Command::cargo_bin("slack-sessions").expect("binary");
    c.env_clear().env("SLACK_TOKEN", ADMIN_TOKEN).args([
        "get",
        "U00000001",
        "--base-url",
        &url,
        "--ca-file",
        &ca,
    ]);
    let r = run(c);
    child.kill().ok();
    child.wait().ok();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Only one of the pair is refused by clap, exit 2.
    let mut c = Command::cargo_bin("slack-sessions").expect("binary");
    c.args(["emulator", "--tls-cert", &cert]);
    assert_eq!(run(c).code, 2);
}

/// Issue 12: SIGINT mid-run finishes the request in flight, prints the whole report with
/// `"interrupted": true` and exits 130; the journal and the emulator agree with the
/// report. A resume from the journal then applies everyone else, sending nobody twice.
#[test]
fn sigint_reports_then_resume_finishes_without_sending_anyone_twice() {
    let emu = emulator();
    let dir = temp_dir("resume");
    let journal = dir.join("run.jsonl");
    let users_file = dir.join("users.txt");
    let ids: Vec<String> = (0..5_000).map(|i| format!("U{i:08}")).collect();
    std::fs::write(&users_file, ids.join("\n")).expect("users");
    let (journal_s, users_s) = (
        journal.to_str().expect("path").to_owned(),
        users_file.to_str().expect("path").to_owned(),
    );
    let bin = assert_cmd::cargo::cargo_bin("slack-sessions");
    let mut child = StdCommand::new(&bin)
        .env_clear()
        .env("SLACK_TOKEN", ADMIN_TOKEN)
        .env("SLACK_API_URL", emu.base_url())
        .args(["set", "--duration", "8h", "--users-file", &users_s])
        .args(["--journal", &journal_s, "--rate", "12", "--json", "-v"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // The first `-v` line: one request has been answered, the next waits 5 s on the pacer.
    let stderr = child.stderr.take().expect("stderr");
    let mut err_lines = BufReader::new(stderr).lines();
    let first = err_lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(first.contains("code=ok"), "{first}");
    let killed = StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let rest: Vec<String> = err_lines.map_while(Result::ok).collect();
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130), "{rest:?}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("a whole JSON report");
    assert_eq!(v["interrupted"], true);
    let applied: HashSet<String> = v["applied"]
        .as_array()
        .expect("applied")
        .iter()
        .filter_map(|u| u.as_str().map(str::to_owned))
        .collect();
    let not_attempted = v["not_attempted"].as_array().map_or(0, Vec::len);
    assert_eq!(applied.len(), 1_000);
    assert_eq!(applied.len() + not_attempted, 5_000);
    let held: HashSet<String> = emu.state().into_keys().collect();
    assert_eq!(
        held, applied,
        "the emulator holds exactly the report's applied"
    );
    let journal_text = std::fs::read_to_string(&journal).expect("journal");
    assert_eq!(
        journal_text.lines().count(),
        2,
        "a header and one settled request"
    );

    // A resume with other settings is refused before anything is sent.
    let calls = emu.calls();
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "set",
        "--duration",
        "9h",
        "--users-file",
        &users_s,
        "--resume",
        &journal_s,
    ]);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("records admin.users.session.setSettings with duration 28800"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1);
    assert_eq!(emu.calls(), calls);

    // A torn last line, as a kill -9 mid-write leaves, is tolerated.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .expect("open");
    f.write_all(br#"{"applied":["U000"#).expect("tear");
    drop(f);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["set", "--duration", "8h", "--users-file", &users_s])
        .args(["--resume", &journal_s, "--json"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&r);
    assert_eq!(v["resumed"]["already_applied"], 1_000);
    assert_eq!(v["applied"].as_array().map(Vec::len), Some(4_000));
    assert_eq!(emu.state().len(), 5_000, "everyone applied");
    // Nobody was sent after they were applied.
    let mut done = HashSet::new();
    for (users, outcome) in logged_users(&emu) {
        for u in &users {
            assert!(!done.contains(u), "{u} sent after it was applied");
        }
        if outcome == "ok" {
            done.extend(users);
        }
    }
    // The journal now records everyone; a bad line that is not the last is refused
    // with its number.
    let record = std::fs::read_to_string(&journal).expect("journal");
    let lines = record.lines().count();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .expect("open");
    f.write_all(b"garbage\n{\"applied\":[]}\n")
        .expect("corrupt");
    drop(f);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "set",
        "--duration",
        "8h",
        "--users-file",
        &users_s,
        "--resume",
        &journal_s,
    ]);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("line {}: not a journal line", lines + 1)),
        "{}",
        r.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 12: 10,000 users with every kind of settings (both, one of the two, none);
/// snapshot, change them all, restore: getSettings then equals the snapshot exactly, over
/// both transports. `set --snapshot` writes the snapshot before changing anything, and
/// `restore --dry-run` sends nothing.
#[test]
fn restore_brings_back_a_snapshot_exactly_on_both_transports() {
    let dir = temp_dir("restore");
    let users_file = dir.join("users.txt");
    let ids: Vec<String> = (0..10_000).map(|i| format!("U{i:08}")).collect();
    std::fs::write(&users_file, ids.join("\n")).expect("users");
    let users_s = users_file.to_str().expect("path").to_owned();
    for transport in ["blocking", "async"] {
        let emu = emulator();
        // Every kind of starting point, spread by a fixed rule.
        let kinds: [&[&str]; 5] = [
            &["--duration", "8h", "--quit-on-close", "true"],
            &["--duration", "30d", "--quit-on-close", "false"],
            &["--duration", "12h"],
            &["--quit-on-close", "true"],
            &[],
        ];
        for (k, args) in kinds.iter().enumerate() {
            if args.is_empty() {
                continue;
            }
            let mine: Vec<&str> = ids
                .iter()
                .enumerate()
                .filter(|(i, _)| (i * 7 + i / 13) % 5 == k)
                .map(|(_, u)| u.as_str())
                .collect();
            let mut c = cli(&emu, ADMIN_TOKEN);
            c.arg("set").args(*args).args(["--users-file", "-"]);
            c.write_stdin(mine.join("\n"));
            assert_eq!(run(c).code, 0);
        }
        let before = emu.state();
        let snapshot = dir.join(format!("{transport}.json"));
        let snap_s = snapshot.to_str().expect("path").to_owned();
        let with = |args: &[&str]| {
            let mut c = cli(&emu, ADMIN_TOKEN);
            c.args(args).args(["--transport", transport]);
            run(c)
        };
        // Snapshot, and change everyone, in one command.
        let r = with(&[
            "set",
            "--duration",
            "2w",
            "--quit-on-close",
            "false",
            "--users-file",
            &users_s,
            "--snapshot",
            &snap_s,
            "-q",
        ]);
        assert_eq!(r.code, 0, "{transport}: {}", r.stderr);
        assert_ne!(emu.state(), before);
        let snap: Value =
            serde_json::from_slice(&std::fs::read(&snapshot).expect("snapshot")).expect("json");
        assert_eq!(snap["schema_version"], 2);
        let had = snap["settings"].as_array().map_or(0, Vec::len);
        let none = snap["no_settings_applied"].as_array().map_or(0, Vec::len);
        let left_out = snap["not_returned"].as_array().map_or(0, Vec::len);
        // Slack leaves out users with no active session: their settings are unknown.
        let active: Vec<&String> = ids
            .iter()
            .filter(|u| !emu.active_sessions(Some(u)).is_empty())
            .collect();
        assert_eq!(left_out, 10_000 - active.len(), "{transport}");
        assert!(left_out > 2_000 && left_out < 3_000, "{left_out}");
        assert_eq!(had + none, active.len(), "{transport}");

        let dry = with(&["restore", &snap_s, "--dry-run"]);
        assert_eq!(dry.code, 0, "{}", dry.stderr);
        // 1,000 users a request, per step.
        let requests: usize = dry
            .stdout
            .lines()
            .filter_map(|l| {
                l.split_whitespace()
                    .rev()
                    .nth(1)
                    .and_then(|n| n.parse::<usize>().ok())
            })
            .map(|n| n.div_ceil(1_000))
            .sum();
        assert!(
            dry.stdout
                .contains(&format!("5 steps, {requests} requests")),
            "{}",
            dry.stdout
        );
        let calls = emu.calls();
        assert_eq!(emu.calls(), calls, "a dry run sends nothing");

        let r = with(&["restore", &snap_s, "--json"]);
        assert_eq!(r.code, 0, "{transport}: {}", r.stderr);
        assert_eq!(json(&r)["steps"].as_array().map(Vec::len), Some(5));
        // Every user whose settings the snapshot knew is back; the others, left out
        // by Slack, were left alone.
        let now = emu.state();
        for u in &active {
            assert_eq!(now.get(*u), before.get(*u), "{transport}: {u}");
        }
        let after = with(&["get", "--users-file", &users_s, "--json"]);
        let after = json(&after);
        assert_eq!(after["settings"], snap["settings"], "{transport}");
        assert_eq!(
            after["no_settings_applied"], snap["no_settings_applied"],
            "{transport}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 12: SIGTERM exits 143; a second signal does not wait for the request in flight.
#[test]
fn sigterm_exits_143_and_a_second_signal_quits_at_once() {
    let emu = emulator();
    emu.set_faults("2=delay:8000".parse().expect("faults"));
    let ids: String = (0..3_000).map(|i| format!("U{i:08}\n")).collect();
    let bin = assert_cmd::cargo::cargo_bin("slack-sessions");
    let mut child = StdCommand::new(&bin)
        .env_clear()
        .env("SLACK_TOKEN", ADMIN_TOKEN)
        .env("SLACK_API_URL", emu.base_url())
        .args([
            "clear",
            "--users-file",
            "-",
            "--rate",
            "60000",
            "-v",
            "--json",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(ids.as_bytes())
        .expect("users");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(first.contains("code=ok"), "{first}");
    // Wait (without sleeping) until the second request has reached the emulator, where
    // it now hangs for 8 s.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while emu.calls() < 2 && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert_eq!(emu.calls(), 2, "the second request never came");
    let started = std::time::Instant::now();
    let term = || {
        StdCommand::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill")
    };
    term();
    let _ = lines.next(); // "interrupted: finishing the requests in flight …"
    term();
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(143));
    assert!(out.stdout.is_empty(), "quit before any report");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(6),
        "did not wait out the hanging request: {:?}",
        started.elapsed()
    );
}

/// Issue 14: `sessions list` streams every page as JSON lines (the emulator's sessions,
/// in order); `sessions reset` ends sessions through resetBulk, isolating the users that
/// cannot be reset; `sessions invalidate` ends one session, and a second time fails.
#[test]
fn sessions_list_reset_and_invalidate() {
    let emu = Emulator::builder()
        .rate_limit(None)
        .users(60)
        .start()
        .expect("emulator");
    for transport in ["blocking", "async"] {
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "sessions",
            "list",
            "--json",
            "--limit",
            "333",
            "-v",
            "--transport",
            transport,
        ]);
        let r = run(c);
        assert_eq!(r.code, 0, "{}", r.stderr);
        // `-v`: a line a page.
        let pages = emu.active_sessions(None).len().div_ceil(333);
        let verbose = r
            .stderr
            .lines()
            .filter(|l| l.contains("Z admin.users.session.list page="))
            .count();
        assert_eq!(verbose, pages, "{transport}: {}", r.stderr);
        let ids: Vec<u64> = r
            .stdout
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).expect("a JSON line")["session_id"]
                    .as_u64()
                    .expect("id")
            })
            .collect();
        assert_eq!(ids, emu.active_sessions(None), "{transport}");
    }
    let with_sessions: Vec<String> = (0..60)
        .map(|i| format!("U{i:08}"))
        .filter(|u| !emu.active_sessions(Some(u)).is_empty())
        .take(3)
        .collect();
    let (a, b, c3) = (&with_sessions[0], &with_sessions[1], &with_sessions[2]);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["sessions", "list", "--user", c3, "--team", "E00000001"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout.lines().count(),
        emu.active_sessions(Some(c3)).len()
    );
    // Not a terminal: JSON lines, as the README promises, never header-less rows.
    assert!(
        r.stdout
            .lines()
            .all(|l| serde_json::from_str::<Value>(l).is_ok_and(|v| v["user_id"] == c3.as_str())),
        "{}",
        r.stdout
    );

    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "sessions",
        "reset",
        a,
        "U90000001",
        b,
        "W00000000",
        "--json",
    ]);
    let r = run(c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json(&r);
    let mut failed: Vec<String> = v["failed"]
        .as_array()
        .expect("failed")
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["user_id"].as_str().unwrap_or(""),
                f["error"].as_str().unwrap_or("")
            )
        })
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        [
            "U90000001 cannot_reset_bot",
            "W00000000 cannot_reset_primary_owner"
        ]
    );
    assert!(emu.active_sessions(Some(a)).is_empty() && emu.active_sessions(Some(b)).is_empty());

    let id = emu.active_sessions(Some(c3))[0].to_string();
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["sessions", "invalidate", &id, "--user", c3]);
    assert_eq!(run(c).code, 0);
    assert!(!emu
        .active_sessions(Some(c3))
        .contains(&id.parse().expect("id")));
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["sessions", "invalidate", &id, "--user", c3]);
    let r = run(c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("session_not_found"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("token"),
        "not about the token: {}",
        r.stderr
    );
}
