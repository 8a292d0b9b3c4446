//! The command as Slack's reference has it: a reset confirmed with `--verify`, users with
//! no active session reported as not returned, a lost invalidate answer reported as
//! ended, and a held setting Slack would not take back refused before a restore sends
//! anything.

use serde_json::Value;
use slack_sessions_emulator::{Emulator, ADMIN_TOKEN};

mod common;
use common::*;

/// `--verify` lists each reset user until their sessions are gone: a user whose
/// sessions outlive the reset is reported still active, with them, and the run exits 1.
#[test]
fn verify_reports_who_is_still_signed_in() {
    for t in TRANSPORTS {
        let emu = Emulator::builder()
            .rate_limit(None)
            .sessions_survive_reset("U00000002")
            .start()
            .expect("emulator");
        let left = emu.active_sessions(Some("U00000002"));
        assert!(!left.is_empty());
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "sessions",
            "reset",
            "U00000001",
            "U00000002",
            "U00000003",
            "W00000000",
        ])
        .args([
            "--verify",
            "--verify-timeout",
            "2s",
            "--json",
            "--transport",
            t,
        ]);
        let r = run(c);
        assert_eq!(r.code, 1, "{t}: {}", r.stderr);
        let v = json(&r);
        assert_eq!(
            v["verify"]["signed_out"],
            serde_json::json!(["U00000001", "U00000003"]),
            "{t}"
        );
        assert_eq!(v["verify"]["still_active"][0]["user_id"], "U00000002");
        let ids: Vec<u64> = v["verify"]["still_active"][0]["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .filter_map(Value::as_u64)
            .collect();
        assert_eq!(ids, left, "{t}");
        // --verify-timeout bounds it: the survivor is listed at once and not again (the
        // next listing is 5 s on; without the bound, 2 minutes would list it 24 times).
        let listings = emu
            .log()
            .iter()
            .filter(|e| e.method == "admin.users.session.list" && e.args["user_id"] == "U00000002")
            .count();
        assert!((1..=2).contains(&listings), "{t}: listed {listings} times");
        // The primary owner, whom Slack will not reset, is a failure, never skipped.
        assert_eq!(v["failed"][0]["user_id"], "W00000000");
        assert_eq!(v["failed"][0]["error"], "cannot_reset_primary_owner");

        // Everyone signed out: exit 0, and the summary says so.
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "sessions",
            "reset",
            "U00000004",
            "U00000005",
            "--verify",
            "--transport",
            t,
        ]);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stdout
                .contains("verified: 2 signed out, 0 still active, 0 unknown"),
            "{t}: {}",
            r.stdout
        );
    }
}

/// `get` reports users Slack left out (no active session) as not returned, and says why.
#[test]
fn get_reports_users_without_a_session_as_not_returned() {
    let emu = emulator();
    assert!(emu.active_sessions(Some("U00000009")).is_empty());
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["get", "U00000001", "U00000009"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("not returned: 1 (no active session: Slack leaves such users out"),
        "{}",
        r.stdout
    );
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["get", "U00000001", "U00000009", "--json"]);
    let v = json(&run(c));
    assert_eq!(v["not_returned"], serde_json::json!(["U00000009"]));
}

/// An invalidate whose first answer was lost is reported ended, not failed.
#[test]
fn a_lost_invalidate_answer_is_reported_ended() {
    for t in TRANSPORTS {
        let emu = Emulator::builder()
            .rate_limit(None)
            .faults("1=drop_after_apply".parse().expect("plan"))
            .start()
            .expect("emulator");
        let id = emu.active_sessions(Some("U00000001"))[0].to_string();
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "sessions",
            "invalidate",
            &id,
            "--user",
            "U00000001",
            "--transport",
            t,
        ]);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        assert!(r.stdout.contains("ended"), "{t}: {}", r.stdout);
        assert!(r.stdout.contains("earlier attempt"), "{t}: {}", r.stdout);
    }
}

/// A snapshot holding a duration Slack would not take back: every other user is put
/// back, that one is named, and the exit is 1.
#[test]
fn restore_puts_back_everyone_it_can_and_names_the_rest() {
    let emu = emulator();
    let dir = temp_dir("restore-refusal");
    let snap = dir.join("held.json");
    std::fs::write(
        &snap,
        r#"{"schema_version":2,"method":"admin.users.session.getSettings",
            "settings":[{"user_id":"U00000001","duration":28800,"desktop_app_browser_quit":true},
                        {"user_id":"U00000002","duration":180,"desktop_app_browser_quit":null}],
            "no_settings_applied":[],"not_returned":[]}"#,
    )
    .expect("snapshot");
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["restore", snap.to_str().expect("path"), "--json"]);
    let r = run(c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("cannot restore U00000002: duration of 180 seconds is below the minimum"),
        "{}",
        r.stderr
    );
    let v = json(&r);
    assert_eq!(v["left_out"][0]["user_id"], "U00000002", "{v}");
    assert_eq!(v["left_out"][0]["reason"], "not_restorable", "{v}");
    let one = emu.settings("U00000001").expect("U00000001 restored");
    assert_eq!(one.duration, Some(28_800));
    assert_eq!(one.desktop_app_browser_quit, Some(true));
    assert_eq!(emu.settings("U00000002"), None, "U00000002 never sent");
    let sent: Vec<String> = logged_users(&emu)
        .into_iter()
        .flat_map(|(u, _)| u)
        .collect();
    assert!(!sent.iter().any(|u| u == "U00000002"), "{sent:?}");
}
