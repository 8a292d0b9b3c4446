//! Session policy as code, through the built binary against the emulator: a plan lists
//! exactly the changes, apply converges (a second plan has none), a saved plan refuses
//! users who drifted, --max-changes refuses, an interrupted apply resumes to the same
//! end state, and restoring the apply's snapshot brings back the state before.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use slack_sessions_emulator::{people, Emulator, Settings, ADMIN_TOKEN};

mod common;
use common::*;

const POLICY: &str = r#"
# Admins and owners: a day. Guests: 12 hours, ended when the app closes.
[[rule]]
name = "admins"
admins = true
owners = true
duration = "1d"

[[rule]]
name = "guests"
guests = true
duration = "12h"
quit_on_close = true
"#;

fn policy_file(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("policy.toml");
    std::fs::write(&p, text).expect("policy");
    p
}

/// The state as a sorted map.
fn state(emu: &Emulator) -> BTreeMap<String, Settings> {
    emu.state().into_iter().collect()
}

fn set(emu: &Emulator, args: &[&str]) {
    let mut c = cli(emu, ADMIN_TOKEN);
    c.arg("set").args(args);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// Whom the policy selects in a directory of `users`, with their target:
/// (duration, quit_on_close).
fn expected(users: u32) -> BTreeMap<String, (u64, Option<bool>)> {
    let mut m = BTreeMap::new();
    for p in people(users).filter(|p| p.is_active && !p.is_bot) {
        if p.is_admin || p.is_owner {
            m.insert(p.id, (86_400, None));
        } else if p.is_guest() {
            m.insert(p.id, (43_200, Some(true)));
        }
    }
    m
}

#[test]
fn a_plan_lists_exactly_the_changes_and_apply_converges() {
    let dir = temp_dir("policy-plan");
    let policy = policy_file(&dir, POLICY);
    for t in TRANSPORTS {
        let emu = emulator_of(1_000);
        // Already right: one guest; wrong: another guest and an admin.
        set(
            &emu,
            &["--duration", "12h", "--quit-on-close", "true", "U00000007"],
        );
        set(&emu, &["--duration", "8h", "U00000013", "U00000001"]);
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["plan", "--json", "--detailed-exitcode", "--transport", t])
            .arg(&policy);
        let r = run(c);
        assert_eq!(r.code, 2, "{t}: changes pending: {}", r.stderr);
        let v = json(&r);
        let want = expected(1_000);
        let without_session: BTreeSet<String> = want
            .keys()
            .filter(|u| emu.active_sessions(Some(u)).is_empty())
            .cloned()
            .collect();
        let mut change = BTreeSet::new();
        let mut unknown = BTreeSet::new();
        for u in v["users"].as_array().expect("users") {
            let id = u["user_id"].as_str().expect("id").to_owned();
            match u["step"].as_str() {
                Some("change") => change.insert(id.clone()),
                Some("unknown") => unknown.insert(id.clone()),
                other => panic!("{other:?}"),
            };
            let (d, q) = want[&id];
            assert_eq!(u["to"]["duration"], d);
            assert_eq!(u["to"]["desktop_app_browser_quit"].as_bool(), q);
        }
        assert_eq!(unknown, without_session, "{t}");
        let with_session: BTreeSet<String> = want
            .keys()
            .filter(|u| !without_session.contains(*u) && *u != "U00000007")
            .cloned()
            .collect();
        assert_eq!(change, with_session, "{t}");
        assert_eq!(v["keep"], 1);
        let admin = v["users"]
            .as_array()
            .and_then(|a| a.iter().find(|u| u["user_id"] == "U00000001"))
            .expect("the admin");
        assert_eq!(admin["from"]["duration"], 28_800);
        assert_eq!(admin["rule"], "admins");

        // Apply, then plan: nothing left to change.
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["apply", "--yes", "--transport", t, "--snapshot"])
            .arg(dir.join(format!("snap-{t}.json")))
            .arg(&policy);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        for (u, (d, q)) in &want {
            let s = emu.settings(u).expect("applied");
            assert_eq!(s.duration, Some(*d), "{u}");
            if q.is_some() {
                assert_eq!(s.desktop_app_browser_quit, *q, "{u}");
            }
        }
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["plan", "--detailed-exitcode", "--transport", t])
            .arg(&policy);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("0 to change"), "{}", r.stdout);
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn a_saved_plan_refuses_users_who_drifted() {
    let dir = temp_dir("policy-drift");
    let policy = policy_file(&dir, POLICY);
    let saved = dir.join("plan.json");
    let emu = emulator_of(1_000);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["plan", "--out"]).arg(&saved).arg(&policy);
    assert_eq!(run(c).code, 0);
    // A hand change between the plan and the apply.
    set(&emu, &["--duration", "10d", "U00000027"]);
    let before = state(&emu);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["apply", "--yes", "--plan"]).arg(&saved);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("1 users changed since the plan was made: U00000027 (planned from no settings, now duration 10d"),
        "{}",
        r.stderr
    );
    assert_eq!(state(&emu), before, "nothing was changed");
    // Planned again and saved, it applies.
    std::fs::remove_file(&saved).expect("rm");
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["plan", "--out"]).arg(&saved).arg(&policy);
    assert_eq!(run(c).code, 0);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["apply", "--yes", "--plan"])
        .arg(&saved)
        .arg("--snapshot")
        .arg(dir.join("s.json"));
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        emu.settings("U00000027").and_then(|s| s.duration),
        Some(43_200)
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn max_changes_and_a_missing_yes_refuse() {
    let dir = temp_dir("policy-max");
    let policy = policy_file(&dir, POLICY);
    let emu = emulator_of(1_000);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["apply", "--yes", "--max-changes", "10"])
        .arg(&policy);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("over --max-changes 10"), "{}", r.stderr);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.arg("apply").arg(&policy);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("pass --yes"), "{}", r.stderr);
    assert!(emu.state().is_empty(), "nothing was changed");
    let files: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
    assert_eq!(files.len(), 1, "no snapshot written for a refused apply");
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// An apply stopped half-way by a refused token resumes from its journal to the end
/// state a whole apply reaches; the apply's snapshot then restores the state before.
#[test]
fn an_interrupted_apply_resumes_and_its_snapshot_restores() {
    let dir = temp_dir("policy-resume");
    let text = format!("{POLICY}\n[default]\nduration = \"30d\"\n");
    let policy = policy_file(&dir, &text);
    let journal = dir.join("apply.jsonl");
    let snapshot = dir.join("before.json");

    // The end state a whole apply reaches, on a twin.
    let twin = emulator_of(3_000);
    set(&twin, &["--duration", "8h", "U00000001", "U00000100"]);
    let mut c = cli(&twin, ADMIN_TOKEN);
    c.args(["apply", "--yes", "--snapshot"])
        .arg(dir.join("twin.json"))
        .arg(&policy);
    assert_eq!(run(c).code, 0);
    let whole = state(&twin);

    let emu = emulator_of(3_000);
    set(&emu, &["--duration", "8h", "U00000001", "U00000100"]);
    let before = state(&emu);
    // The calls a plan makes; the apply's fourth setSettings after them is refused.
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.arg("plan").arg(&policy);
    assert_eq!(run(c).code, 0);
    let planning = emu.calls();
    emu.set_faults(
        format!("{}=error:invalid_auth", planning + 4)
            .parse()
            .expect("faults"),
    );
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["apply", "--yes", "--transport", "blocking", "--journal"])
        .arg(&journal)
        .arg("--snapshot")
        .arg(&snapshot)
        .arg(&policy);
    let r = run(c);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_ne!(state(&emu), whole, "stopped half-way");
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["apply", "--yes", "--resume"])
        .arg(&journal)
        .arg(&policy);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(state(&emu), whole, "the same end state");

    // Restoring the snapshot brings back every user Slack reported; those it did not
    // (no active session) are named in it and left as the apply made them.
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.arg("restore").arg(&snapshot);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let snap: Value =
        serde_json::from_str(&std::fs::read_to_string(&snapshot).expect("snapshot")).expect("JSON");
    let unknown: BTreeSet<String> = snap["not_returned"]
        .as_array()
        .expect("not_returned")
        .iter()
        .filter_map(|u| u.as_str().map(str::to_owned))
        .collect();
    assert!(!unknown.is_empty());
    let known = |m: BTreeMap<String, Settings>| -> BTreeMap<String, Settings> {
        m.into_iter()
            .filter(|(u, _)| !unknown.contains(u))
            .collect()
    };
    assert_eq!(known(state(&emu)), known(before));
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn explain_names_the_deciding_rule_and_the_others() {
    let dir = temp_dir("policy-explain");
    let text = format!("{POLICY}\n[[rule]]\nname = \"everyone\"\nall_users = true\nclear = true\n");
    let policy = policy_file(&dir, &text);
    let emu = emulator_of(1_000);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["plan", "--explain", "U00000001", "--explain", "U00000003"])
        .arg(&policy);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("U00000001: rule \"admins\" (duration 1d), holds no settings; also selected by \"everyone\""),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("U00000003: rule \"everyone\" (cleared)"),
        "{}",
        r.stdout
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn a_bad_policy_is_one_line_with_its_line_and_column() {
    let dir = temp_dir("policy-bad");
    let policy = policy_file(
        &dir,
        "[[rule]]\nname = \"a\"\nguests = true\nduration = \"2h\"\n",
    );
    let emu = emulator_of(1_000);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.arg("plan").arg(&policy);
    let r = run(c);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("policy.toml:4:12: rule \"a\": duration of 7200 seconds is below"),
        "{}",
        r.stderr
    );
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["plan", "--detailed-exitcode"]).arg(&policy);
    assert_eq!(run(c).code, 1, "an error is 1 with --detailed-exitcode");
    assert_eq!(emu.calls(), 0, "nothing was sent");
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn a_bad_command_line_is_1_with_detailed_exitcode() {
    let mut c = assert_cmd::Command::cargo_bin("slack-sessions").expect("binary");
    c.env_clear()
        .args(["plan", "--detailed-exitcode", "--no-such-flag", "p.toml"]);
    assert_eq!(run(c).code, 1);
}
