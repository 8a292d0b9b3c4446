//! Never the wrong person: an exception that cannot be read or matched refuses the run
//! before any write, every input not understood is named and exits 1, and no answer is
//! trusted that does not answer the question, whatever path the resolver took. Each
//! case checks what the emulator holds, or that nothing was sent.

use std::path::Path;

use slack_sessions_emulator::{people, ADMIN_TOKEN};

mod common;
use common::*;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.to_str().expect("path").to_owned()
}

/// The active guests of a directory of `n`.
fn guests(n: u32) -> Vec<String> {
    people(n)
        .filter(|p| p.is_active && !p.is_bot && p.is_guest())
        .map(|p| p.id)
        .collect()
}

/// Item 1: the three except files that used to change the person they named.
#[test]
fn an_exception_is_read_as_written_or_the_run_is_refused() {
    let dir = temp_dir("except-read");
    // U00000027 and U00000047 are multi-channel guests; u00000067@… is another.
    let commented = write(&dir, "vips.txt", "U00000027  # CEO - never touch\n");
    let hr = write(
        &dir,
        "hr.csv",
        "id,name,email\n1027,Grace,u00000067@example.com\n",
    );
    let lower = write(&dir, "lower.txt", "U00000027\nu00000047\n");
    for t in TRANSPORTS {
        let emu = emulator_of(200);
        for (file, excepted) in [(&commented, "U00000027"), (&hr, "U00000067")] {
            emu.clear_state();
            let mut c = cli(&emu, ADMIN_TOKEN);
            c.args([
                "set",
                "--guests",
                "--duration",
                "12h",
                "--except-file",
                file,
            ])
            .args(["--transport", t]);
            let r = run(c);
            assert_eq!(r.code, 0, "{t} {file}: {}", r.stderr);
            let state = emu.state();
            assert!(!state.contains_key(excepted), "{t}: {excepted} was changed");
            // Everyone else the selector names was changed: the exception took out
            // only whom it names.
            for g in guests(200) {
                if g != excepted {
                    assert_eq!(
                        state.get(&g).and_then(|s| s.duration),
                        Some(43_200),
                        "{t}: {g}"
                    );
                }
            }
        }
        // A line that cannot be read refuses the run: nothing is sent.
        emu.clear_state();
        let calls = emu.calls();
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["sessions", "reset", "--guests", "--except-file", &lower])
            .args(["--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 2, "{t}: {}", r.stderr);
        assert!(
            r.stderr.contains("\"u00000047\"") || r.stderr.contains("u00000047 ("),
            "{t}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("--allow-unmatched-exceptions"),
            "{t}: {}",
            r.stderr
        );
        assert_eq!(r.stderr.lines().count(), 1, "{t}: one line: {}", r.stderr);
        assert_eq!(emu.calls(), calls, "{t}: nothing sent");
        // With the admin's say-so it goes on, names the line, and exits 1.
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "set",
            "--guests",
            "--duration",
            "12h",
            "--except-file",
            &lower,
        ])
        .args(["--allow-unmatched-exceptions", "--json", "--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 1, "{t}: {}", r.stderr);
        assert!(
            invalid(&json(&r)).iter().any(|(i, _)| i == "u00000047"),
            "{t}: {}",
            r.stdout
        );
        assert!(!emu.state().contains_key("U00000027"), "{t}");
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// Item 2: an emails file line that is not an email is in the report, and exits 1.
#[test]
fn a_bad_emails_file_line_is_reported_and_exits_1() {
    let dir = temp_dir("emails-bad-line");
    let file = write(
        &dir,
        "emails.txt",
        "u00000001@example.com\nAda Lovelace <u00000002@example.com>\n",
    );
    for t in TRANSPORTS {
        let emu = emulator_of(100);
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["set", "--duration", "12h", "--emails-file", &file, "--json"])
            .args(["--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 1, "{t}: {}", r.stderr);
        let bad = invalid(&json(&r));
        assert_eq!(bad.len(), 1, "{t}: {bad:?}");
        assert_eq!(bad[0].0, "Ada Lovelace <u00000002@example.com>");
        assert!(
            bad[0].1.contains("not an email") && bad[0].1.contains("line 2"),
            "{bad:?}"
        );
        assert!(!r.stderr.contains("invalid user id"), "{t}: {}", r.stderr);
        assert_eq!(emu.state().keys().collect::<Vec<_>>(), ["U00000001"]);
        // --strict refuses it before anything is sent.
        let calls = emu.calls();
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "set",
            "--duration",
            "12h",
            "--emails-file",
            &file,
            "--strict",
        ]);
        let r = run(c);
        assert_eq!(r.code, 2, "{t}: {}", r.stderr);
        assert_eq!(emu.calls(), calls, "nothing sent");
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// Item 3: an exception that matched nobody refuses plan and apply; --strict refuses
/// any input that matched nobody; plan --detailed-exitcode says 1, not 2.
#[test]
fn plan_and_apply_refuse_an_exception_that_matched_nobody() {
    let dir = temp_dir("policy-typo");
    let typo = write(
        &dir,
        "typo.toml",
        "[[rule]]\nname = \"guests\"\nguests = true\nexcept = [\"u00000027@exampel.com\"]\nduration = \"12h\"\n",
    );
    let unmatched = write(
        &dir,
        "unmatched.toml",
        "[[rule]]\nname = \"named\"\nemails = [\"nobody@example.com\", \"u00000001@example.com\"]\nduration = \"12h\"\n",
    );
    let emu = emulator_of(100);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["plan", "--detailed-exitcode", &typo]);
    let r = run(c);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("u00000027@exampel.com"), "{}", r.stderr);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["apply", "--yes", &typo]).current_dir(&dir);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("matched nobody"), "{}", r.stderr);
    assert!(emu.state().is_empty(), "nothing was changed");
    // An input (not an exception) that matched nobody: plan says 1; apply goes on and
    // exits 1, or with --strict refuses.
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["plan", "--detailed-exitcode", &unmatched]);
    assert_eq!(run(c).code, 1);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["apply", "--yes", "--strict", &unmatched])
        .current_dir(&dir);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("--strict: rule \"named\": nobody@example.com"),
        "{}",
        r.stderr
    );
    assert!(emu.state().is_empty());
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["apply", "--yes", &unmatched]).current_dir(&dir);
    let r = run(c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(emu.state().keys().collect::<Vec<_>>(), ["U00000001"]);
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// Items 4 and 5: a lookup's answer must be of the address asked, and with
/// --workspace, in that workspace; otherwise nobody is selected, and nothing is sent.
#[test]
fn an_answer_to_another_question_selects_nobody() {
    let answers = [
        (
            r#"{"ok":true,"user":{"id":"U00000002","is_bot":false,"team_id":"T00000001","profile":{"email":"mallory@example.com"}}}"#,
            "lookup_mismatch",
        ),
        (
            r#"{"ok":true,"user":{"id":"U00000002","is_bot":false,"team_id":"T00000009","profile":{"email":"alice@example.com"}}}"#,
            "outside_workspace",
        ),
        (
            r#"{"ok":true,"user":{"id":"U00000002","is_bot":false,"profile":{"email":"alice@example.com"}}}"#,
            "outside_workspace",
        ),
    ];
    for (answer, reason) in answers {
        let canned = Canned::start(200, &[], answer).expect("server");
        for t in TRANSPORTS {
            let before = canned.hits();
            let mut c = cli_at(&canned.base_url(), ADMIN_TOKEN);
            c.args(["set", "--duration", "12h", "--email", "alice@example.com"])
                .args(["--workspace", "T00000001", "--json", "--transport", t]);
            let r = run(c);
            assert_eq!(r.code, 1, "{t} {reason}: {}", r.stderr);
            let v = json(&r);
            assert_eq!(v["applied"], serde_json::json!([]), "{t}: {v}");
            assert!(
                invalid(&v)
                    .iter()
                    .any(|(i, why)| i == "alice@example.com" && why == reason),
                "{t}: {v}"
            );
            // The preflight (auth.test, which this server cannot answer as such) and
            // the lookup: no setSettings.
            assert_eq!(canned.hits() - before, 2, "{t}: only the lookup was sent");
        }
    }
    // The emulator's own answers are in its one workspace: the user is selected.
    let emu = emulator_of(100);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "set",
        "--duration",
        "12h",
        "--email",
        "u00000003@example.com",
    ])
    .args(["--workspace", "T00000001"]);
    assert_eq!(run(c).code, 0);
    assert_eq!(emu.state().keys().collect::<Vec<_>>(), ["U00000003"]);
}

/// Item 6: an entry of the deactivated listing that says it is active is never
/// selected; here the one listing answer serves both listings, so U00000005 is both
/// listed active and contradicts the deactivated listing: it is named, not changed.
#[test]
fn an_entry_contradicting_its_listing_is_never_changed() {
    let listing = r#"{"ok":true,"users":[{"id":"U00000005","email":"u00000005@example.com","is_admin":false,"is_owner":false,"is_primary_owner":false,"is_restricted":false,"is_ultra_restricted":false,"is_bot":false,"is_active":true}],"response_metadata":{"next_cursor":""}}"#;
    let canned = Canned::start(200, &[], listing).expect("server");
    for t in TRANSPORTS {
        let before = canned.hits();
        let mut c = cli_at(&canned.base_url(), ADMIN_TOKEN);
        c.args([
            "sessions",
            "reset",
            "--all-users",
            "--email",
            "ghost@example.com",
        ])
        .args(["--directory-size", "100000", "--json", "--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 1, "{t}: {}", r.stderr);
        let v = json(&r);
        assert_eq!(v["applied"], serde_json::json!([]), "{t}: {v}");
        assert!(
            invalid(&v)
                .iter()
                .any(|(i, why)| i == "U00000005" && why == "contradictory_entry"),
            "{t}: {v}"
        );
        // The preflight, the two listings, and no reset.
        assert_eq!(canned.hits() - before, 3, "{t}");
    }
}

/// Item 7: with --all-users, an exception by email that the listing shows without an
/// email is looked up; one that cannot be found refuses the run.
#[test]
fn an_exception_the_listing_cannot_match_is_looked_up_or_refuses() {
    let dir = temp_dir("except-all-users");
    let vips = write(&dir, "vips.txt", "u00000005@example.com\nU00000010\n");
    for t in TRANSPORTS {
        let emu = emulator_of(100);
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "set",
            "--all-users",
            "--duration",
            "12h",
            "--except-file",
            &vips,
        ])
        .args(["--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        let state = emu.state();
        let everyone: Vec<String> = people(100)
            .filter(|p| p.is_active && !p.is_bot)
            .map(|p| p.id)
            .collect();
        for id in &everyone {
            let excepted = id == "U00000005" || id == "U00000010";
            assert_eq!(state.contains_key(id), !excepted, "{t}: {id}");
        }
    }
    // A listing that shows nobody's email, and a lookup that finds no user: refused.
    let listing = r#"{"ok":true,"users":[{"id":"U00000005","is_admin":false,"is_owner":false,"is_primary_owner":false,"is_restricted":false,"is_ultra_restricted":false,"is_bot":false}],"response_metadata":{"next_cursor":""}}"#;
    let canned = Canned::start(200, &[], listing).expect("server");
    let only_email = write(&dir, "ceo.txt", "u00000005@example.com\n");
    for t in TRANSPORTS {
        let mut c = cli_at(&canned.base_url(), ADMIN_TOKEN);
        c.args([
            "set",
            "--all-users",
            "--duration",
            "12h",
            "--except-file",
            &only_email,
        ])
        .args(["--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 2, "{t}: {}", r.stderr);
        assert!(
            r.stderr.contains("an exception matched nobody"),
            "{t}: {}",
            r.stderr
        );
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// Item 8: the example policy leaves the primary owner alone, as its comment says.
#[test]
fn the_example_policy_leaves_the_primary_owner_alone() {
    let emu = emulator_of(1_000);
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policy.toml");
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.arg("plan").arg(&example).args(["--explain", "W00000000"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("W00000000: no rule selects them") && r.stdout.contains("left alone"),
        "{}",
        r.stdout
    );
    let dir = temp_dir("example-apply");
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args(["apply", "--yes"]).arg(&example).current_dir(&dir);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !emu.state().contains_key("W00000000"),
        "the primary owner was changed"
    );
    assert_eq!(
        emu.settings("U00000000").and_then(|s| s.duration),
        Some(30 * 86_400),
        "everyone else gets the default"
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// Item 15: what the server sends cannot drive a terminal or run in a spreadsheet.
#[test]
fn users_resolve_writes_inert_csv() {
    let listing = "{\"ok\":true,\"users\":[{\"id\":\"U00000005\",\"email\":\"=HYPERLINK(\\\"http://x\\\")\\u001b]0;pwned\\u0007\\u009b2J@example.com\",\"is_admin\":false,\"is_owner\":false,\"is_primary_owner\":false,\"is_restricted\":true,\"is_ultra_restricted\":false,\"is_bot\":false,\"is_active\":true}],\"response_metadata\":{\"next_cursor\":\"\"}}";
    let canned = Canned::start(200, &[], listing).expect("server");
    let dir = temp_dir("resolve-csv");
    let out = dir.join("guests.csv");
    let mut c = cli_at(&canned.base_url(), ADMIN_TOKEN);
    c.args(["users", "resolve", "--guests", "--csv", "--out"])
        .arg(&out);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let written = std::fs::read_to_string(&out).expect("out");
    for text in [&r.stdout, &written] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{9b}'),
            "{text:?}"
        );
        let row = text.lines().nth(1).expect("a row");
        let email = row.split(',').nth(1).expect("email cell");
        assert!(email.starts_with("\"'=HYPERLINK"), "{row}");
    }
    // JSON lines escape them too.
    let mut c = cli_at(&canned.base_url(), ADMIN_TOKEN);
    c.args(["users", "resolve", "--guests", "--json"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // C1 controls too, which serde writes as they are: here as a JSON escape.
    assert!(r.stdout.contains("\\u009b"), "{:?}", r.stdout);
    assert!(
        !r.stdout.contains('\u{1b}') && !r.stdout.contains('\u{9b}'),
        "{:?}",
        r.stdout
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// A bot or an unknown ID in a rule does not refuse the whole policy: Slack's refusal
/// to read that user names them, the exit is 1, and the rest is planned and applied.
#[test]
fn one_bot_in_a_rule_is_named_and_the_rest_planned() {
    let dir = temp_dir("policy-bot");
    let policy = write(
        &dir,
        "bot.toml",
        "[[rule]]\nname = \"named\"\nusers = [\"U00000001\", \"U90000001\", \"U00000002\"]\nduration = \"1d\"\n",
    );
    for t in TRANSPORTS {
        let emu = emulator_of(100);
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["plan", "--detailed-exitcode", "--transport", t, &policy]);
        let r = run(c);
        assert_eq!(r.code, 1, "{t}: {}", r.stderr);
        assert!(
            r.stdout
                .contains("U90000001: Slack refused to read their settings (bots_not_allowed)"),
            "{t}: {}",
            r.stdout
        );
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["apply", "--yes", "--transport", t, &policy])
            .current_dir(&dir);
        let r = run(c);
        assert_eq!(r.code, 1, "{t}: {}", r.stderr);
        let mut set: Vec<String> = emu.state().into_keys().collect();
        set.sort();
        assert_eq!(set, ["U00000001", "U00000002"], "{t}");
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}
