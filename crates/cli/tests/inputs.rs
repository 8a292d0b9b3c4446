//! The built `slack-sessions` binary against the emulator on 127.0.0.1: users files and CSVs: the right user changed, bad inputs named by their line and echoed short.

use slack_sessions_emulator::ADMIN_TOKEN;

mod common;
use common::*;

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

/// A quoted comma in an earlier column must never move the user column.
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

/// A huge invalid line is echoed at most 80 characters long.
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
