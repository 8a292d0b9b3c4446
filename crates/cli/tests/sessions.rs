//! The built `slack-sessions` binary against the emulator on 127.0.0.1: the session family: list, reset and invalidate.

use serde_json::Value;
use slack_sessions_emulator::{Emulator, ADMIN_TOKEN};

mod common;
use common::*;

/// `sessions list` streams every page as JSON lines (the emulator's sessions,
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
