//! The built `slack-sessions` binary against the emulator on 127.0.0.1: the commands beside the runs: help, completions, the man page, the demo and the emulator.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use slack_sessions_emulator::ADMIN_TOKEN;

mod common;
use common::*;

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
    // The sessions step signs three users out.
    assert!(
        r.stdout
            .contains("resetBulk: 3 of 3 users accepted (not confirmed"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("now: 0"), "{}", r.stdout);
    // The people step: the plan first, then the guests resolved and set.
    let plan = r
        .stdout
        .find("admin.users.list for guests")
        .expect("the plan");
    let resolved = r
        .stdout
        .find("resolved 250 guests in 3 calls")
        .expect("the guests resolved");
    assert!(plan < resolved, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("the emulator holds the policy for 250 users: the guests"),
        "{}",
        r.stdout
    );
    // The policy step: planned, applied, and planned again with nothing to change.
    assert!(r.stdout.contains("== 7. policy as code"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("planned again: 0 to change, 71 already right"),
        "{}",
        r.stdout
    );

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

/// The help names the exit codes and gives examples; completions, a man page,
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

/// `emulator --help` lists only the options that apply to it.
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

/// `slack-sessions emulator --tls-cert --tls-key` serves https.
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
