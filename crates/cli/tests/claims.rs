//! What the README claims of the command, each checked where it would break: the reset
//! scopes, the async transport really in flight, the people flags' effect, an exact
//! --max-changes, a user group cleared, a journal that fills up mid-run.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use slack_sessions_emulator::{people, usergroup_members, Emulator, ADMIN_TOKEN};

mod common;
use common::*;

/// Every active session, by ID, with its device.
fn sessions(emu: &Emulator) -> BTreeMap<u64, (String, String)> {
    let mut c = cli(emu, ADMIN_TOKEN);
    c.args(["sessions", "list", "--json"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("a JSON line");
            (
                v["session_id"].as_u64().expect("id"),
                (
                    v["user_id"].as_str().expect("user").to_owned(),
                    v["created"]["device_hardware"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                ),
            )
        })
        .collect()
}

const MOBILE: [&str; 2] = ["iPhone", "Pixel"];

/// `--mobile-only` ends only phones' sessions, `--web-only` only browsers', and both
/// together are refused before anything is sent.
#[test]
fn reset_scopes_end_only_their_sessions() {
    let dir = temp_dir("claims-scopes");
    let users = users_file(&dir, 200);
    let named: BTreeSet<String> = (0..200).map(|i| format!("U{i:08}")).collect();
    for t in TRANSPORTS {
        let emu = emulator_of(1_000);
        let before = sessions(&emu);
        let kinds = |m: &BTreeMap<u64, (String, String)>, want: &dyn Fn(&str) -> bool| {
            m.iter()
                .filter(|(_, (u, d))| named.contains(u) && want(d))
                .map(|(id, _)| *id)
                .collect::<BTreeSet<u64>>()
        };
        let mobile = kinds(&before, &|d| MOBILE.contains(&d));
        let web = kinds(&before, &|d| d == "Browser");
        let desktop = kinds(&before, &|d| !MOBILE.contains(&d) && d != "Browser");
        assert!(!mobile.is_empty() && !web.is_empty() && !desktop.is_empty());
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["sessions", "reset", "--users-file", &users, "--mobile-only"])
            .args(["--transport", t]);
        assert_eq!(run(c).code, 0, "{t}");
        let after = sessions(&emu);
        assert!(
            mobile.iter().all(|s| !after.contains_key(s)),
            "{t}: a phone still in"
        );
        assert!(
            web.iter().all(|s| after.contains_key(s)),
            "{t}: a browser ended"
        );
        assert!(
            desktop.iter().all(|s| after.contains_key(s)),
            "{t}: a desktop ended"
        );
        // The others' sessions, phones too, are untouched.
        let others = |m: &BTreeMap<u64, (String, String)>| {
            m.iter().filter(|(_, (u, _))| !named.contains(u)).count()
        };
        assert_eq!(others(&after), others(&before), "{t}");
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["sessions", "reset", "--users-file", &users, "--web-only"])
            .args(["--transport", t]);
        assert_eq!(run(c).code, 0, "{t}");
        let after = sessions(&emu);
        assert!(
            web.iter().all(|s| !after.contains_key(s)),
            "{t}: a browser still in"
        );
        assert!(
            desktop.iter().all(|s| after.contains_key(s)),
            "{t}: a desktop ended"
        );
        let calls = emu.calls();
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "sessions",
            "reset",
            "U00000001",
            "--mobile-only",
            "--web-only",
        ])
        .args(["--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 2, "{t}: {}", r.stderr);
        assert_eq!(emu.calls(), calls, "{t}: nothing sent");
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// `--transport async` is the async client: it has requests in flight together, which
/// the blocking client never has; the emulator sees it.
#[test]
fn the_async_transport_has_requests_in_flight_together() {
    let dir = temp_dir("claims-async");
    let users = users_file(&dir, 4_000);
    for (t, together) in [("blocking", 1), ("async", 4)] {
        let emu = emulator_of(4_000);
        // Each of the four chunks is held a moment, so that those sent together meet.
        emu.set_faults(
            "1=delay:300,2=delay:300,3=delay:300,4=delay:300"
                .parse()
                .expect("faults"),
        );
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["set", "--duration", "12h", "--users-file", &users])
            .args(["--transport", t, "--concurrency", "4"]);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        assert_eq!(emu.state().len(), 4_000, "{t}");
        assert_eq!(emu.max_in_flight(), together, "{t}");
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// `--workspace`, `--owners` and `--all-users` change whom a run reaches.
#[test]
fn the_people_flags_reach_whom_they_say() {
    for t in TRANSPORTS {
        let emu = emulator_of(10_000);
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["set", "--owners", "--duration", "1d", "--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        let owners: BTreeSet<String> = people(10_000)
            .filter(|p| p.is_active && !p.is_bot && p.is_owner)
            .map(|p| p.id)
            .collect();
        assert!(owners.len() >= 2, "{owners:?}");
        assert_eq!(
            emu.state().keys().cloned().collect::<BTreeSet<_>>(),
            owners,
            "{t}"
        );

        emu.clear_state();
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["set", "--all-users", "--duration", "1d", "--transport", t]);
        assert_eq!(run(c).code, 0, "{t}");
        let everyone: BTreeSet<String> = people(10_000)
            .filter(|p| p.is_active && !p.is_bot)
            .map(|p| p.id)
            .collect();
        assert_eq!(
            emu.state().keys().cloned().collect::<BTreeSet<_>>(),
            everyone,
            "{t}"
        );

        // The emulator's one workspace: the listing is asked with it; another is
        // Slack's `team_not_found`, and nothing is changed.
        emu.clear_state();
        emu.clear_log();
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "set",
            "--owners",
            "--duration",
            "1d",
            "--workspace",
            "T00000001",
        ])
        .args(["--transport", t]);
        assert_eq!(run(c).code, 0, "{t}");
        assert!(
            emu.log()
                .iter()
                .filter(|e| e.method == "admin.users.list")
                .all(|e| e.args["team_id"] == "T00000001"),
            "{t}"
        );
        assert_eq!(emu.state().len(), owners.len(), "{t}");
        emu.clear_state();
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "set",
            "--owners",
            "--duration",
            "1d",
            "--workspace",
            "T09999999",
        ])
        .args(["--transport", t]);
        let r = run(c);
        assert_ne!(r.code, 0, "{t}");
        assert!(r.stderr.contains("team_not_found"), "{t}: {}", r.stderr);
        assert!(emu.state().is_empty(), "{t}");
    }
}

/// `--max-changes` equal to what the plan sends applies; one less refuses.
#[test]
fn max_changes_at_the_exact_count_applies() {
    let dir = temp_dir("claims-max");
    let policy = dir.join("p.toml");
    std::fs::write(
        &policy,
        "[[rule]]\nname = \"a\"\nusers = [\"U00000001\", \"U00000002\", \"U00000003\"]\nduration = \"1d\"\n",
    )
    .expect("policy");
    let emu = emulator_of(100);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["apply", "--yes", "--max-changes", "2"])
        .arg(&policy)
        .current_dir(&dir);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("would send 3 users"), "{}", r.stderr);
    assert!(emu.state().is_empty());
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["apply", "--yes", "--max-changes", "3"])
        .arg(&policy)
        .current_dir(&dir);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(emu.state().len(), 3);
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// `clear --usergroup` clears the group's members, and only them.
#[test]
fn clear_by_user_group_clears_its_members() {
    let members = usergroup_members("S00000003", 3_000).expect("security");
    for t in TRANSPORTS {
        let emu = emulator_of(3_000);
        // The members and one other user hold settings first.
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["set", "--duration", "1d", "U00000002"])
            .args(&members)
            .args(["--transport", t]);
        assert_eq!(run(c).code, 0, "{t}");
        assert_eq!(emu.state().len(), members.len() + 1, "{t}");
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["clear", "--usergroup", "S00000003", "--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        assert_eq!(
            emu.state().keys().collect::<Vec<_>>(),
            ["U00000002"],
            "{t}: only the members cleared"
        );
    }
}

/// A journal that cannot be written mid-run (the file grew past what the system lets
/// it) stops the run at once: exit 4, `journal_error` in the report, and the journal
/// whole up to its last line, so that a resume goes on from there.
#[cfg(target_os = "linux")]
#[test]
fn a_journal_that_fills_up_mid_run_stops_it_whole() {
    let dir = temp_dir("claims-journal-full");
    let users = users_file(&dir, 5_000);
    let journal = dir.join("run.jsonl");
    let emu = emulator_of(5_000);
    let bin = assert_cmd::cargo::cargo_bin("slack-sessions");
    // 16 KiB: the header and one chunk's line (about 12 KB) fit, the second does not.
    // SIGXFSZ is ignored, so that the write fails (EFBIG) instead of killing the run.
    let mut c = assert_cmd::Command::new("bash");
    c.env_clear()
        .env("SLACK_TOKEN", ADMIN_TOKEN)
        .env("SLACK_API_URL", emu.base_url())
        .args(["-c", "trap '' XFSZ; ulimit -f 16; exec \"$@\"", "bash"])
        .arg(&bin)
        .args(["set", "--duration", "8h", "--users-file", &users, "--json"])
        .args(["--rate", "60000", "--transport", "blocking", "--journal"])
        .arg(&journal);
    let r = run(c);
    assert_eq!(r.code, 4, "{}", r.stderr);
    let v = json(&r);
    assert!(v["journal_error"].as_str().is_some(), "{v}");
    assert!(
        r.stderr
            .contains("the journal is whole up to its last line"),
        "{}",
        r.stderr
    );
    // Whole lines only: the header and the first chunk, each a JSON object.
    let text = std::fs::read_to_string(&journal).expect("journal");
    assert!(text.ends_with('\n'), "no torn line");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a whole line"))
        .collect();
    assert_eq!(lines.len(), 2, "{} lines", lines.len());
    assert_eq!(lines[1]["applied"].as_array().map(Vec::len), Some(1_000));
    // The second chunk was answered but not recorded: the run stopped there.
    assert!(emu.state().len() <= 2_000, "{}", emu.state().len());
    // A resume (without the limit) finishes it.
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "set",
        "--duration",
        "8h",
        "--users-file",
        &users,
        "--resume",
    ])
    .arg(&journal);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(emu.state().len(), 5_000);
    std::fs::remove_dir_all(&dir).expect("clean up");
}
