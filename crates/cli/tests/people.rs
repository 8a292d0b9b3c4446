//! People as admins hold them, through the built binary against the emulator: emails
//! (few looked up, many matched in one directory pass), guests, user groups, exceptions,
//! a resumed run that acts on the journal's resolved set, and an incident sign-out that
//! confirms it worked.

use std::collections::BTreeSet;

use serde_json::Value;
use slack_sessions_emulator::{people, usergroup_members, Emulator, ADMIN_TOKEN};

mod common;
use common::*;

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .expect("an array")
        .iter()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

#[test]
fn five_thousand_emails_from_a_csv_cost_one_directory_pass() {
    let dir = temp_dir("emails-5000");
    let file = dir.join("hr.csv");
    let mut csv = String::from("name,email,team\n");
    for i in 0..5_000 {
        csv.push_str(&format!("Person {i},U{i:08}@Example.com,ops\n"));
    }
    std::fs::write(&file, csv).expect("write");
    for t in TRANSPORTS {
        let emu = emulator_of(5_000);
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["set", "--duration", "12h", "--emails-file"])
            .arg(&file)
            .args(["--json", "--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 1, "{t}: {}", r.stderr);
        // 15,000 active users at 100 a page, then one page of the 100 deactivated.
        assert_eq!(calls_of(&emu, "admin.users.list"), 151, "{t}");
        assert_eq!(calls_of(&emu, "users.lookupByEmail"), 0, "{t}");
        let v = json(&r);
        assert_eq!(v["applied"].as_array().map(Vec::len), Some(4_900), "{t}");
        let why = invalid(&v);
        assert_eq!(why.len(), 100);
        assert!(why.iter().all(|(_, r)| r == "deactivated"), "{why:?}");
        assert_eq!(why[0].0, "U00000049@Example.com");
        assert_eq!(emu.state().len(), 4_900);
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn five_emails_are_looked_up_and_the_unmatched_named_with_reasons() {
    for t in TRANSPORTS {
        let emu = emulator_of(1_000);
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["get", "--json", "--transport", t, "--encoding", "json"]);
        for e in [
            "u00000001@example.com",
            "U00000003@EXAMPLE.COM",
            "u00000049@example.com",
            "bot-90000000@example.com",
            "nobody@example.com",
        ] {
            c.args(["--email", e]);
        }
        let r = run(c);
        assert_eq!(r.code, 1, "{t}: {}", r.stderr);
        assert_eq!(calls_of(&emu, "users.lookupByEmail"), 5, "{t}");
        assert_eq!(calls_of(&emu, "admin.users.list"), 0, "{t}");
        let v = json(&r);
        assert_eq!(v["requested"], 5);
        assert_eq!(
            invalid(&v),
            [
                (
                    "u00000049@example.com".into(),
                    "email_not_found_or_deactivated".into()
                ),
                ("bot-90000000@example.com".into(), "bot".into()),
                (
                    "nobody@example.com".into(),
                    "email_not_found_or_deactivated".into()
                ),
            ],
            "{t}"
        );
        // Listed in the directory instead, a deactivated address is told from an
        // unknown one.
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["get", "--json", "--transport", t, "--directory-size", "100"]);
        for e in [
            "u00000049@example.com",
            "nobody@example.com",
            "u00000001@example.com",
        ] {
            c.args(["--email", e]);
        }
        let v = json(&run(c));
        assert_eq!(
            invalid(&v),
            [
                ("u00000049@example.com".into(), "deactivated".into()),
                ("nobody@example.com".into(), "email_not_found".into()),
            ],
            "{t}"
        );
    }
}

#[test]
fn guests_are_exactly_the_emulators_guests() {
    let want: BTreeSet<String> = people(3_000)
        .filter(|p| p.is_active && p.is_guest())
        .map(|p| p.id)
        .collect();
    for t in TRANSPORTS {
        let emu = emulator_of(3_000);
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "set",
            "--quit-on-close",
            "true",
            "--guests",
            "--transport",
            t,
        ]);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        let held: BTreeSet<String> = emu.state().into_keys().collect();
        assert_eq!(held, want, "{t}");
        assert!(
            r.stderr.contains("admin.users.list for guests"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn a_user_group_resolves_to_its_members_and_exceptions_leave_people_out() {
    let dir = temp_dir("except");
    let except = dir.join("vips.txt");
    let members = usergroup_members("S00000002", 3_000).expect("contractors");
    // One member by ID, one by email (in capitals), and one address nobody has.
    std::fs::write(
        &except,
        format!(
            "{}\n{}\nghost@example.com\n",
            members[0],
            format!("{}@example.com", members[1]).to_uppercase()
        ),
    )
    .expect("write");
    let emu = emulator_of(3_000);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "users",
        "resolve",
        "--usergroup",
        "S00000002",
        "--except-file",
    ])
    .arg(&except)
    .arg("--json");
    let r = run(c);
    assert_eq!(r.code, 1, "the exception that matched nobody: {}", r.stderr);
    let ids: BTreeSet<String> = r
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("a JSON line")["user_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    let want: BTreeSet<String> = members[2..].iter().cloned().collect();
    assert_eq!(ids, want);
    assert!(
        r.stderr.contains("matched nobody: ghost@example.com"),
        "{}",
        r.stderr
    );
    assert_eq!(calls_of(&emu, "usergroups.users.list"), 1);

    // An unknown group is named, not a failure of the run.
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "clear",
        "--usergroup",
        "S00000003",
        "--usergroup",
        "S99999999",
        "--json",
    ]);
    let v = json(&run(c));
    assert_eq!(
        invalid(&v),
        [("S99999999".into(), "usergroup_not_found".into())]
    );
    assert_eq!(
        strings(&v["applied"]),
        usergroup_members("S00000003", 3_000)
            .expect("security")
            .into_iter()
            .collect()
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// A run that stopped is resumed on the users it resolved then, without resolving again,
/// even against a directory that has changed since.
#[test]
fn a_resume_acts_on_the_journals_resolved_set() {
    let dir = temp_dir("resolved-resume");
    let journal = dir.join("run.jsonl");
    let first = emulator_of(30_000);
    // 3,000 guests: 30 directory pages, then chunks of 1,000; the second chunk is
    // refused for the token, which stops the run.
    first.set_faults("32=error:invalid_auth".parse().expect("faults"));
    let mut c = cli(&first, ADMIN_TOKEN);
    c.args(["set", "--duration", "8h", "--guests", "--journal"])
        .arg(&journal)
        .args(["--json", "--transport", "blocking"]);
    let r = run(c);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let v = json(&r);
    let applied = strings(&v["applied"]);
    assert_eq!(applied.len(), 1_000);
    let guests: BTreeSet<String> = people(30_000)
        .filter(|p| p.is_active && p.is_guest())
        .map(|p| p.id)
        .collect();
    assert_eq!(guests.len(), 3_000);

    // The directory is now another: four times the guests.
    let second = emulator_of(40_000);
    let mut c = cli(&second, ADMIN_TOKEN);
    c.args(["set", "--duration", "8h", "--guests", "--resume"])
        .arg(&journal)
        .args(["--json", "--transport", "blocking"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        calls_of(&second, "admin.users.list"),
        0,
        "no resolving again"
    );
    let held: BTreeSet<String> = second.state().into_keys().collect();
    let rest: BTreeSet<String> = guests.difference(&applied).cloned().collect();
    assert_eq!(held, rest, "exactly the journal's users not yet applied");
    assert_eq!(json(&r)["resumed"]["already_applied"], 1_000);

    // Other people flags are refused before anything is sent.
    let mut c = cli(&second, ADMIN_TOKEN);
    c.args(["set", "--duration", "8h", "--admins", "--resume"])
        .arg(&journal);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("for --guests"), "{}", r.stderr);
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// An incident sign-out: emails resolved, reset, then confirmed; the user whose
/// sessions survive is reported with them, the primary owner as such, and the run
/// exits 1.
#[test]
fn incident_sign_out_by_email_confirms_it_worked() {
    let dir = temp_dir("incident");
    let file = dir.join("compromised.txt");
    std::fs::write(
        &file,
        "u00000001@example.com\nu00000002@example.com\nW00000000@example.com\nu00000003@example.com\n",
    )
    .expect("write");
    for t in TRANSPORTS {
        let emu = Emulator::builder()
            .rate_limit(None)
            .users(1_000)
            .sessions_survive_reset("U00000002")
            .start()
            .expect("emulator");
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["sessions", "reset", "--emails-file"])
            .arg(&file)
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
            strings(&v["verify"]["signed_out"]),
            ["U00000001", "U00000003"]
                .map(String::from)
                .into_iter()
                .collect(),
            "{t}"
        );
        assert_eq!(v["verify"]["still_active"][0]["user_id"], "U00000002");
        assert_eq!(
            invalid(&v),
            [("W00000000".into(), "primary_owner".into())],
            "{t}"
        );
        assert_eq!(calls_of(&emu, "users.lookupByEmail"), 4);
        // Only people whose sessions do end: everyone is signed out, and the exit is 0.
        let ended = dir.join(format!("ended-{t}.txt"));
        std::fs::write(&ended, "u00000005@example.com\nu00000006@example.com\n").expect("write");
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["sessions", "reset", "--emails-file"])
            .arg(&ended)
            .args([
                "--verify",
                "--verify-timeout",
                "2s",
                "--json",
                "--transport",
                t,
            ]);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        let v = json(&r);
        assert_eq!(
            strings(&v["verify"]["signed_out"]),
            ["U00000005", "U00000006"]
                .map(String::from)
                .into_iter()
                .collect(),
            "{t}"
        );
        assert!(emu.active_sessions(Some("U00000005")).is_empty(), "{t}");
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn strict_refuses_an_unmatched_email_and_dry_run_shows_the_plan() {
    let emu = emulator_of(1_000);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "--strict",
        "set",
        "--duration",
        "8h",
        "--email",
        "nobody@example.com",
        "--guests",
    ]);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("nobody@example.com"), "{}", r.stderr);
    assert!(emu.state().is_empty(), "nothing was sent");

    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["--dry-run", "set", "--duration", "8h", "--guests"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("resolving users:"), "{}", r.stderr);
    assert!(r.stderr.contains("100 users to act on"), "{}", r.stderr);
    assert!(emu.state().is_empty(), "nothing was changed");
    assert_eq!(calls_of(&emu, "admin.users.session.setSettings"), 0);
}

#[test]
fn users_resolve_writes_a_users_file_set_reads_back() {
    let dir = temp_dir("resolve-out");
    let out = dir.join("guests.csv");
    let emu = emulator_of(1_000);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["users", "resolve", "--guests", "--csv", "--out"])
        .arg(&out);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(
            "user_id,email,kind\nU00000007,u00000007@example.com,multi_channel_guest\n"
        ),
        "{}",
        r.stdout
    );
    let written = std::fs::read_to_string(&out).expect("out");
    assert_eq!(written, r.stdout);
    // An existing file is refused.
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["users", "resolve", "--guests", "--out"]).arg(&out);
    let r = run(c);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    // The file is a users file.
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["set", "--duration", "8h", "--users-file"])
        .arg(&out);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(emu.state().len(), 100);
    std::fs::remove_dir_all(&dir).expect("clean up");
}
