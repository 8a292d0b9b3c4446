//! The command as an adversary and a newcomer tried it: a resume never skips a user who
//! was not done, undo data and journals are never lost or overwritten, output cannot be
//! forged, nothing runs away, and the advice matches the cause.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command as StdCommand, Stdio};
use std::time::Duration;

use serde_json::Value;
use slack_sessions_emulator::{Emulator, ADMIN_TOKEN};

mod common;
use common::*;

fn path(p: &std::path::Path) -> String {
    p.to_str().expect("path").to_owned()
}

/// Every argument that changes what a request does is in the journal's header: a
/// resume of a mobile-only reset as a web-only one is refused, and sends nothing.
#[test]
fn a_resume_with_another_reset_scope_is_refused() {
    let emu = emulator();
    let dir = temp_dir("scope");
    let journal = path(&dir.join("reset.jsonl"));
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "sessions",
        "reset",
        "--mobile-only",
        "U00000002",
        "--journal",
        &journal,
    ]);
    assert_eq!(run(c).code, 0);
    let calls = emu.calls();
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "sessions",
        "reset",
        "--web-only",
        "U00000002",
        "--resume",
        &journal,
    ]);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("mobile sessions only") && r.stderr.contains("web sessions only"),
        "{}",
        r.stderr
    );
    assert_eq!(emu.calls(), calls, "nothing sent");
    // The same scope resumes.
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "sessions",
        "reset",
        "--mobile-only",
        "U00000002",
        "--resume",
        &journal,
    ]);
    assert_eq!(run(c).code, 0);
}

/// `--skip-failed` skips only the users Slack refused: users a dead server never
/// answered for are sent on resume, and a skipped user never counts as succeeded.
#[test]
fn skip_failed_skips_only_slacks_refusals() {
    let emu = emulator();
    let dir = temp_dir("skip-failed");
    let users = users_file(&dir, 3_000);
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port");
    for t in TRANSPORTS {
        emu.clear_state();
        let journal = path(&dir.join(format!("dead-{t}.jsonl")));
        let mut c = cli_at(&format!("http://{dead}/api/"), ADMIN_TOKEN);
        c.args([
            "set",
            "--duration",
            "8h",
            "--users-file",
            &users,
            "--journal",
            &journal,
        ])
        .args(["--transport", t, "--max-retries", "0"]);
        let r = run(c);
        assert_eq!(r.code, 4, "{t}: {}", r.stderr);
        let text = std::fs::read_to_string(&journal).expect("journal");
        assert!(text.contains("\"unanswered\""), "{t}: {text}");
        assert!(!text.contains("\"failed\""), "{t}: {text}");
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "set",
            "--duration",
            "8h",
            "--users-file",
            &users,
            "--resume",
            &journal,
        ])
        .args(["--skip-failed", "--transport", t, "--json"]);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        assert_eq!(json(&r)["applied"].as_array().map(Vec::len), Some(3_000));
        assert_eq!(json(&r)["resumed"]["skipped_failed"], 0);
        assert_eq!(emu.state().len(), 3_000, "{t}: every user reached Slack");
    }
    // A user Slack refused is skipped, and not counted as succeeded.
    let journal = path(&dir.join("refused.jsonl"));
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "set",
        "--duration",
        "8h",
        "U00000001",
        "U00100000",
        "--journal",
        &journal,
    ]);
    assert_eq!(run(c).code, 1);
    emu.clear_log();
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "set",
        "--duration",
        "8h",
        "U00000001",
        "U00100000",
        "U00000002",
    ])
    .args(["--resume", &journal, "--skip-failed"]);
    let r = run(c);
    // The resume sent only the user nobody tried: not the refused one, nor the applied.
    let sent: Vec<String> = logged_users(&emu)
        .into_iter()
        .flat_map(|(u, _)| u)
        .collect();
    assert_eq!(sent, ["U00000002"], "{}", r.stderr);
    assert_eq!(r.code, 1, "a skipped user is not a success: {}", r.stdout);
    assert!(
        r.stdout
            .starts_with("setSettings: 2 of 3 users succeeded (1 of them by the earlier run)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("skipped: 1 refused by slack"),
        "{}",
        r.stdout
    );
}

/// A redirect stops the run like a 404: one request, one `error:` line, exit 4, and no
/// user recorded as refused by Slack.
#[test]
fn a_redirect_stops_the_run() {
    let dir = temp_dir("redirect");
    let users = users_file(&dir, 5_000);
    for kind in ["http307", "http302"] {
        for t in TRANSPORTS {
            let emu = Emulator::builder()
                .rate_limit(None)
                .faults(format!("rate=1,kinds={kind}").parse().expect("plan"))
                .start()
                .expect("emulator");
            let journal = path(&dir.join(format!("{kind}-{t}.jsonl")));
            let mut c = cli(&emu, ADMIN_TOKEN);
            c.args(["set", "--duration", "8h", "--users-file", &users, "--json"])
                .args(["--journal", &journal, "--transport", t]);
            let r = run(c);
            assert_eq!(r.code, 4, "{kind} {t}: {}", r.stderr);
            let errors: Vec<&str> = r
                .stderr
                .lines()
                .filter(|l| l.starts_with("error:"))
                .collect();
            assert_eq!(errors.len(), 1, "{}", r.stderr);
            assert!(errors[0].contains("redirected"), "{}", errors[0]);
            // One request (the async client's first four go out together), not every chunk.
            // (`calls` leaves out the run's preflight, `auth.test`.)
            let most = if t == "blocking" { 1 } else { 4 };
            assert!(emu.calls() <= most, "{kind} {t}: {}", emu.calls());
            let v = json(&r);
            assert_eq!(v["failed"].as_array().map(Vec::len), Some(0));
            assert_eq!(v["not_attempted"].as_array().map(Vec::len), Some(5_000));
            let text = std::fs::read_to_string(&journal).expect("journal");
            assert!(!text.contains("\"failed\""), "{text}");
        }
    }
}

/// An existing snapshot is never overwritten unless asked; a snapshot is never the
/// journal, and never taken on a resume (which would keep only the users left).
#[test]
fn a_snapshot_never_overwrites_undo_data() {
    let emu = emulator();
    let dir = temp_dir("snapshot-guard");
    let snapshot = path(&dir.join("before.json"));
    std::fs::write(&snapshot, "the only undo of an earlier run").expect("write");
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "set",
        "--duration",
        "8h",
        "U00000001",
        "--snapshot",
        &snapshot,
    ]);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("already exists") && r.stderr.contains("--replace-snapshot"));
    assert_eq!(r.stderr.lines().count(), 1);
    assert_eq!(
        std::fs::read_to_string(&snapshot).expect("read"),
        "the only undo of an earlier run"
    );
    assert_eq!(emu.calls(), 0, "nothing sent");

    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "set",
        "--duration",
        "8h",
        "U00000001",
        "--snapshot",
        &snapshot,
        "--replace-snapshot",
    ]);
    assert_eq!(run(c).code, 0);
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(&snapshot).expect("read")).expect("json");
    assert_eq!(v["method"], "admin.users.session.getSettings");

    let same = path(&dir.join("both.json"));
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "set",
        "--duration",
        "8h",
        "U00000001",
        "--snapshot",
        &same,
        "--journal",
        &same,
    ]);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("name one file"), "{}", r.stderr);
    assert!(!dir.join("both.json").exists());

    let journal = path(&dir.join("run.jsonl"));
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "set",
        "--duration",
        "8h",
        "U00000001",
        "--journal",
        &journal,
    ]);
    assert_eq!(run(c).code, 0);
    let fresh = path(&dir.join("fresh.json"));
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "set",
        "--duration",
        "8h",
        "U00000001",
        "--resume",
        &journal,
        "--snapshot",
        &fresh,
    ]);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!dir.join("fresh.json").exists());
}

/// A journal that records a run is never replaced by a new one.
#[test]
fn a_journal_is_never_replaced() {
    let emu = emulator();
    let dir = temp_dir("journal-guard");
    let journal = path(&dir.join("run.jsonl"));
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "set",
        "--duration",
        "8h",
        "U00000001",
        "U00000002",
        "--journal",
        &journal,
    ]);
    assert_eq!(run(c).code, 0);
    let before = std::fs::read(&journal).expect("journal");
    let calls = emu.calls();
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["clear", "U00000003", "--journal", &journal]);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("already records a run"), "{}", r.stderr);
    assert_eq!(std::fs::read(&journal).expect("journal"), before);
    assert_eq!(emu.calls(), calls);
}

/// Two runs on one journal: the second is refused at once, and the first keeps every
/// record.
#[test]
fn a_second_run_on_a_journal_is_refused_at_once() {
    let emu = Emulator::builder()
        .rate_limit(None)
        .faults("1=delay:4000".parse().expect("plan"))
        .start()
        .expect("emulator");
    let dir = temp_dir("journal-lock");
    let journal = path(&dir.join("run.jsonl"));
    let users = users_file(&dir, 2_000);
    let bin = assert_cmd::cargo::cargo_bin("slack-sessions");
    let first = StdCommand::new(&bin)
        .env_clear()
        .env("SLACK_TOKEN", ADMIN_TOKEN)
        .env("SLACK_API_URL", emu.base_url())
        .args([
            "set",
            "--duration",
            "8h",
            "--users-file",
            &users,
            "--journal",
            &journal,
        ])
        .args(["--rate", "60000", "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut first = first;
    assert!(
        emu.wait_for_calls(1, Duration::from_secs(20)),
        "the first run began"
    );
    for args in [["--resume", &journal], ["--journal", &journal]] {
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["set", "--duration", "8h", "--users-file", &users])
            .args(args);
        let r = run(c);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("in use by another run"), "{}", r.stderr);
        // Refused at once: the first run, held by the server, is still going.
        assert!(
            first.try_wait().expect("first run").is_none(),
            "refused at once"
        );
    }
    let out = first.wait_with_output().expect("first run");
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&journal).expect("journal");
    assert_eq!(text.lines().count(), 3, "a header and both chunks: {text}");
}

/// The snapshot is whole on disk before the first change is sent.
#[test]
fn the_snapshot_is_on_disk_before_the_first_change() {
    // Call 1 reads the settings; call 2, the change, is held by the server.
    let emu = Emulator::builder()
        .rate_limit(None)
        .faults("2=delay:1500".parse().expect("plan"))
        .start()
        .expect("emulator");
    let dir = temp_dir("snapshot-durable");
    let snapshot = dir.join("before.json");
    let bin = assert_cmd::cargo::cargo_bin("slack-sessions");
    let child = StdCommand::new(&bin)
        .env_clear()
        .env("SLACK_TOKEN", ADMIN_TOKEN)
        .env("SLACK_API_URL", emu.base_url())
        .args([
            "set",
            "--duration",
            "8h",
            "U00000001",
            "U00000002",
            "--snapshot",
            &path(&snapshot),
        ])
        .args(["--rate", "60000", "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    assert!(
        emu.wait_for_calls(2, Duration::from_secs(20)),
        "the change was sent"
    );
    // The change is being answered: the snapshot must already be there, whole, alone.
    let text = std::fs::read_to_string(&snapshot).expect("the snapshot exists");
    let v: Value = serde_json::from_str(&text).expect("whole JSON");
    assert_eq!(v["method"], "admin.users.session.getSettings");
    let names: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
    assert_eq!(names.len(), 1, "no temporary file is left");
    assert_eq!(
        child.wait_with_output().expect("wait").status.code(),
        Some(0)
    );
}

/// A journal that cannot be written (a full disk) is said to be what it is: an
/// `error:` line naming it, not an interrupt, and nothing sent.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_named() {
    let emu = emulator();
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "set",
        "--duration",
        "8h",
        "U00000001",
        "--journal",
        "/dev/full",
        "--json",
    ]);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("error: cannot write the journal /dev/full: No space left on device"),
        "{}",
        r.stderr
    );
    assert!(!r.stdout.contains("interrupted"));
    assert_eq!(emu.calls(), 0);
}

/// Control characters from the server never reach the terminal raw: not in the
/// summary, not in the `error:` line, not in `-v`.
#[test]
fn the_server_cannot_forge_output() {
    let evil = r#"{"ok":true,"warning":"x\u001b]0;pwned\u0007\u001b[2J\nforged: line"}"#;
    let canned = Canned::start(200, &[], evil).expect("server");
    for t in TRANSPORTS {
        let mut c = cli_at(&canned.base_url(), ADMIN_TOKEN);
        c.args([
            "set",
            "--duration",
            "8h",
            "U00000001",
            "-v",
            "--transport",
            t,
        ]);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        for text in [&r.stdout, &r.stderr] {
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "{t}: {text:?}"
            );
            assert!(
                !text.lines().any(|l| l.starts_with("forged")),
                "{t}: {text}"
            );
        }
        assert!(
            r.stdout.contains("slack warning: x"),
            "{t}: still shown: {}",
            r.stdout
        );
    }
    let evil_list = r#"{"ok":false,"error":"internal_error","response_metadata":{"messages":["[ERROR] \u001b[2J\nforged"]}}"#;
    let canned = Canned::start(200, &[], evil_list).expect("server");
    for t in TRANSPORTS {
        let mut c = cli_at(&canned.base_url(), ADMIN_TOKEN);
        c.args([
            "sessions",
            "list",
            "--max-retries",
            "0",
            "-v",
            "--transport",
            t,
        ]);
        let r = run(c);
        assert_eq!(r.code, 4, "{t}: {}", r.stderr);
        assert!(!r.stderr.contains('\u{1b}'), "{t}: {:?}", r.stderr);
        assert!(
            !r.stderr.lines().any(|l| l.starts_with("forged")),
            "{t}: {}",
            r.stderr
        );
    }
}

/// `sessions list --json | head -1`: the first closed pipe ends the listing, quietly,
/// with the exit of a process a SIGPIPE ended.
#[test]
fn a_closed_pipe_ends_the_listing() {
    let emu = Emulator::builder()
        .rate_limit(None)
        .users(5_000)
        .start()
        .expect("emulator");
    let bin = assert_cmd::cargo::cargo_bin("slack-sessions");
    for t in TRANSPORTS {
        emu.clear_log();
        let mut child = StdCommand::new(&bin)
            .env_clear()
            .env("SLACK_TOKEN", ADMIN_TOKEN)
            .env("SLACK_API_URL", emu.base_url())
            .args([
                "sessions", "list", "--json", "--limit", "1", "--rate", "60000",
            ])
            .args(["--transport", t])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        out.read_line(&mut first).expect("a line");
        assert!(first.contains("session_id"), "{first}");
        drop(out);
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(141), "{t}");
        let mut err = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut err)
            .expect("stderr");
        assert!(!err.contains("panicked"), "{t}: {err}");
        assert!(emu.count("requests") < 20, "{t}: it stopped sending");
    }
}

/// `/dev/zero` as a users file, a journal or a snapshot is refused with one line,
/// quickly, not read until memory runs out.
#[cfg(unix)]
#[test]
fn endless_inputs_are_refused() {
    let emu = emulator();
    let cases: [(&[&str], &str); 4] = [
        (
            &["set", "--duration", "8h", "--users-file", "/dev/zero"],
            "line 1 of /dev/zero is over 64 KiB",
        ),
        (
            &[
                "set",
                "--duration",
                "8h",
                "U00000001",
                "--resume",
                "/dev/zero",
            ],
            "/dev/zero line 1 is over 1 MiB",
        ),
        (&["restore", "/dev/zero"], "/dev/zero is not a snapshot"),
        (
            &["get", "U00000001", "--token-file", "/dev/zero"],
            "token file /dev/zero is over 64 KiB",
        ),
    ];
    for (args, says) in cases {
        let mut c = cli(&emu, ADMIN_TOKEN);
        // A guard against a hang, not a timing claim: a run that reads on is killed,
        // and then exits otherwise than 2.
        c.args(args).timeout(Duration::from_secs(60));
        let r = run(c);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    }
    assert_eq!(emu.calls(), 0);
}

/// A secret in a proxy URL's user name is a secret too; a dead proxy is the proxy's
/// failure, named, on both transports.
#[test]
fn a_dead_proxy_is_named_without_its_secret() {
    let emu = emulator();
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port");
    for t in TRANSPORTS {
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "get",
            "U00000001",
            "--proxy",
            &format!("http://s3cretPW@{dead}"),
        ])
        .args(["--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 4, "{t}: {}", r.stderr);
        assert!(!r.stderr.contains("s3cretPW") && !r.stdout.contains("s3cretPW"));
        let first = r.stderr.lines().next().unwrap_or_default();
        assert!(
            first.contains(&format!("proxy http://***@{dead}"))
                && first.ends_with("check --proxy, HTTPS_PROXY and ALL_PROXY (or pass --no-proxy)"),
            "{t}: {first}"
        );
        assert!(!first.contains("--base-url"), "{t}: {first}");
    }
    assert_eq!(emu.calls(), 0);
}

/// The advice matches the cause: a 503 is not a wrong URL, a list page that cannot be
/// read names its field, an oversized page suggests `--limit`, `-v` shows a failed page.
#[test]
fn advice_matches_the_cause() {
    let dir = temp_dir("advice");
    let _ = &dir;
    for t in TRANSPORTS {
        let emu = Emulator::builder()
            .rate_limit(None)
            .faults("rate=1,kinds=http503".parse().expect("plan"))
            .start()
            .expect("emulator");
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["get", "U00000001", "--max-retries", "0", "--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 4, "{t}: {}", r.stderr);
        let first = r.stderr.lines().next().unwrap_or_default();
        assert!(
            first.contains("503") && first.contains("try again later"),
            "{t}: {first}"
        );
        assert!(!first.contains("--base-url"), "{t}: {first}");

        let unreadable = r#"{"ok":true,"active_sessions":[{"user_id":"U1","session_id":"seven"}]}"#;
        let canned = Canned::start(200, &[], unreadable).expect("server");
        let mut c = cli_at(&canned.base_url(), ADMIN_TOKEN);
        c.args([
            "sessions",
            "list",
            "--max-retries",
            "0",
            "-v",
            "--transport",
            t,
        ]);
        let r = run(c);
        assert_eq!(r.code, 4, "{t}: {}", r.stderr);
        assert!(
            r.stderr.contains("field `active_sessions`"),
            "{t}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("web page"), "{t}: {}", r.stderr);
        assert!(
            r.stderr.contains("page=1 failed: decode_error"),
            "{t}: -v: {}",
            r.stderr
        );

        let emu = Emulator::builder()
            .rate_limit(None)
            .faults("rate=1,kinds=huge:5".parse().expect("plan"))
            .start()
            .expect("emulator");
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["sessions", "list", "--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 4, "{t}: {}", r.stderr);
        let first = r.stderr.lines().next().unwrap_or_default();
        assert!(
            first.contains("--limit") && !first.contains("cannot reach"),
            "{t}: {first}"
        );
    }
}

/// A certificate for another host, or an expired one, is not fixed by `--ca-file`, and
/// the advice does not say it is.
#[test]
fn tls_advice_matches_the_problem() {
    let (ca, cert, key) = test_pki();
    let identity = slack_sessions_emulator::TlsIdentity::from_pem(cert.as_bytes(), key.as_bytes())
        .expect("identity");
    let emu = Emulator::builder()
        .rate_limit(None)
        .tls(identity)
        .start()
        .expect("tls emulator");
    let dir = temp_dir("tls-advice");
    let ca_file = path(&dir.join("ca.pem"));
    std::fs::write(&ca_file, ca).expect("ca");
    for t in TRANSPORTS {
        // The certificate names 127.0.0.1, not localhost.
        let mut c = cli_at(&emu.base_url_for("localhost"), ADMIN_TOKEN);
        c.args(["get", "U00000001", "--ca-file", &ca_file, "--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 4, "{t}: {}", r.stderr);
        let first = r.stderr.lines().next().unwrap_or_default();
        assert!(
            first.contains("for another host") && first.contains("--base-url"),
            "{t}: {first}"
        );
        assert!(!first.contains("--ca-file"), "{t}: {first}");
    }
    let (ca, cert, key) = expired_pki();
    let identity = slack_sessions_emulator::TlsIdentity::from_pem(cert.as_bytes(), key.as_bytes())
        .expect("identity");
    let emu = Emulator::builder()
        .rate_limit(None)
        .tls(identity)
        .start()
        .expect("tls emulator");
    std::fs::write(&ca_file, ca).expect("ca");
    for t in TRANSPORTS {
        let mut c = cli_at(&emu.base_url(), ADMIN_TOKEN);
        c.args(["get", "U00000001", "--ca-file", &ca_file, "--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 4, "{t}: {}", r.stderr);
        let first = r.stderr.lines().next().unwrap_or_default();
        assert!(first.contains("expired"), "{t}: {first}");
        assert!(!first.contains("--ca-file"), "{t}: {first}");
    }
}

/// A CA, and a certificate it signed for 127.0.0.1 that expired yesterday.
fn expired_pki() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("key")).expect("ca");
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("leaf params");
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    let leaf = params.signed_by(&key, &ca).expect("leaf");
    (ca.pem(), leaf.pem(), key.serialize_pem())
}

/// A token with a typographic dash is not "white space".
#[test]
fn a_non_ascii_token_is_named_as_such() {
    let emu = emulator();
    let mut c = cli(&emu, "xoxp\u{2013}123");
    c.args(["get", "U00000001"]);
    let r = run(c);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not ASCII") && !r.stderr.contains("white space"),
        "{}",
        r.stderr
    );
}

/// Newcomer friction: the dry run counts `get`'s users; `reset --snapshot` is refused;
/// `-v` shows the pacer's real wait and the time.
#[test]
fn newcomer_friction() {
    // No token is needed for a dry run; the base URL is a server on loopback, so that a
    // dry run that sent anything would show, and never leave the machine.
    let emu = emulator();
    let mut c = assert_cmd::Command::cargo_bin("slack-sessions").expect("binary");
    c.env_clear().env("SLACK_API_URL", emu.base_url()).args([
        "--dry-run",
        "get",
        "U00000001",
        "U00000002",
    ]);
    let r = run(c);
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("for 2 user(s)"), "{}", r.stderr);
    assert_eq!(emu.calls(), 0, "a dry run sends nothing");

    let dir = temp_dir("newcomer");
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "sessions",
        "reset",
        "U00000001",
        "--snapshot",
        &path(&dir.join("s.json")),
    ]);
    let r = run(c);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot be undone"), "{}", r.stderr);
    assert_eq!(emu.calls(), 0);

    // 60 calls a minute with a burst of 6: the seventh request waits about a second.
    let users = users_file(&dir, 7_000);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["clear", "--users-file", &users, "-v", "--rate", "60"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("clearSettings users="))
        .collect();
    assert_eq!(lines.len(), 7, "{}", r.stderr);
    let paced = |l: &str| -> u64 {
        l.split("paced=")
            .nth(1)
            .and_then(|x| x.split("ms").next())
            .and_then(|x| x.parse().ok())
            .expect("paced=…ms")
    };
    assert!(paced(lines[6]) >= 500, "{}", lines[6]);
    assert!(
        lines[0].starts_with("20") && lines[0].contains("T") && lines[0].contains("Z "),
        "{}",
        lines[0]
    );
}

fn interrupt(child: &std::process::Child) {
    let killed = StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
}

/// Ctrl-C stops a listing at the end of a page and prints the command that goes on from
/// there; that command lists the rest, none lost and none twice.
#[test]
fn an_interrupted_listing_says_how_to_go_on() {
    let emu = Emulator::builder()
        .rate_limit(None)
        .users(3_000)
        .start()
        .expect("emulator");
    let bin = assert_cmd::cargo::cargo_bin("slack-sessions");
    let ids = |text: &str| -> Vec<u64> {
        text.lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).expect("a JSON line")["session_id"]
                    .as_u64()
                    .expect("id")
            })
            .collect()
    };
    for t in TRANSPORTS {
        let mut child = StdCommand::new(&bin)
            .env_clear()
            .env("SLACK_TOKEN", ADMIN_TOKEN)
            .env("SLACK_API_URL", emu.base_url())
            .args([
                "sessions", "list", "--json", "--limit", "100", "--rate", "60",
            ])
            .args(["--transport", t])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            let mut all = String::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                all.push_str(&line);
                all.push('\n');
                let _ = tx.send(());
            }
            all
        });
        rx.recv_timeout(Duration::from_secs(20))
            .expect("a first row");
        interrupt(&child);
        let first = reader.join().expect("reader");
        let mut err = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut err)
            .expect("stderr");
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(130), "{t}: {err}");
        let cursor = err
            .split("--cursor '")
            .nth(1)
            .and_then(|c| c.split('\'').next())
            .unwrap_or_else(|| panic!("{t}: no cursor in {err}"));
        assert!(
            err.contains("slack-sessions sessions list --limit 100 --cursor"),
            "{err}"
        );
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "sessions",
            "list",
            "--json",
            "--limit",
            "100",
            "--cursor",
            cursor,
            "--transport",
            t,
        ]);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        let (a, b) = (ids(&first), ids(&r.stdout));
        assert!(!a.is_empty() && !b.is_empty(), "{t}: stopped mid-way");
        assert_eq!(a.len() % 100, 0, "{t}: stopped at the end of a page");
        let whole: Vec<u64> = a.into_iter().chain(b).collect();
        assert_eq!(whole, emu.active_sessions(None), "{t}");
    }
}

/// Ctrl-C while the snapshot is read: said as an interrupt, no snapshot, no change.
#[test]
fn an_interrupted_snapshot_changes_nothing() {
    let emu = Emulator::builder()
        .rate_limit(None)
        .faults("1=delay:1500".parse().expect("plan"))
        .start()
        .expect("emulator");
    let dir = temp_dir("snapshot-interrupt");
    let snapshot = dir.join("before.json");
    let users = users_file(&dir, 2_000);
    let bin = assert_cmd::cargo::cargo_bin("slack-sessions");
    let child = StdCommand::new(&bin)
        .env_clear()
        .env("SLACK_TOKEN", ADMIN_TOKEN)
        .env("SLACK_API_URL", emu.base_url())
        .args([
            "set",
            "--duration",
            "8h",
            "--users-file",
            &users,
            "--snapshot",
            &path(&snapshot),
        ])
        .args(["--rate", "60000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    assert!(
        emu.wait_for_calls(1, Duration::from_secs(20)),
        "the read began"
    );
    interrupt(&child);
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains("interrupted while reading the settings for --snapshot"),
        "{err}"
    );
    assert!(!err.contains("could not read every user"), "{err}");
    assert!(!snapshot.exists());
    assert!(emu.state().is_empty(), "nothing changed");
    assert_eq!(emu.calls(), 1, "only the read of the settings was sent");
}
