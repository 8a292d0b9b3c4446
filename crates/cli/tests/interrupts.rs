//! The built `slack-sessions` binary against the emulator on 127.0.0.1: SIGINT and SIGTERM: the report still printed, the journal whole, a resume that sends nobody twice.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command as StdCommand, Stdio};

use serde_json::Value;
use slack_sessions_emulator::ADMIN_TOKEN;

mod common;
use common::*;

/// SIGINT mid-run finishes the request in flight, prints the whole report with
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

/// The binary clearing 3,000 users (three chunks) with `-v --json`, its users on stdin,
/// over `transport`.
fn spawn_clear(emu: &slack_sessions_emulator::Emulator, transport: &str) -> std::process::Child {
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
        .args(["--transport", transport, "--concurrency", "1"])
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
    child
}

fn term(child: &std::process::Child) {
    StdCommand::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
}

/// One SIGTERM: the request in flight is finished, nothing new is sent, the report is
/// printed, and the exit is 143; on both transports.
#[test]
fn one_sigterm_finishes_the_request_in_flight_and_exits_143() {
    for t in TRANSPORTS {
        let emu = emulator();
        // The second request is held a while: the signal comes while it is in flight.
        emu.set_faults("2=delay:1500".parse().expect("faults"));
        let child = spawn_clear(&emu, t);
        assert!(
            emu.wait_for_calls(2, std::time::Duration::from_secs(20)),
            "{t}"
        );
        term(&child);
        let out = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(143), "{t}: {err}");
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{t}: {e}: {err}"));
        assert_eq!(v["interrupted"], true, "{t}: {v}");
        // The first two chunks answered (the second finished after the signal), the
        // third never sent.
        assert_eq!(
            v["applied"].as_array().map(Vec::len),
            Some(2_000),
            "{t}: {v}"
        );
        assert_eq!(
            v["not_attempted"].as_array().map(Vec::len),
            Some(1_000),
            "{t}: {v}"
        );
        assert_eq!(emu.calls(), 2, "{t}: nothing sent after the signal");
    }
}

/// A second signal does not wait for the request in flight: the process is gone while
/// the server still holds it.
#[test]
fn a_second_signal_quits_at_once() {
    let emu = emulator();
    emu.set_faults("2=delay:8000".parse().expect("faults"));
    let mut child = spawn_clear(&emu, "blocking");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(first.contains("code=ok"), "{first}");
    assert!(
        emu.wait_for_calls(2, std::time::Duration::from_secs(20)),
        "the second request came"
    );
    term(&child);
    let _ = lines.next(); // "interrupted: finishing the requests in flight …"
    term(&child);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(143));
    assert!(out.stdout.is_empty(), "quit before any report");
    // The server answers (and logs) the held request only after its 8 s: the process
    // did not wait for it.
    assert!(
        !emu.log().iter().any(|e| e.call == 2),
        "the held request was answered before the process quit"
    );
}
