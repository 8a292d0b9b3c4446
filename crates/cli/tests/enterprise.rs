//! First contact with a real Enterprise organisation, through the built binary: an
//! org-level token whose lookups are refused, user groups that need their workspace,
//! answers read one user at a time, Slack's warnings kept, Slackbot never a person, and
//! a preflight (`auth status`, and the check a changing run makes first) that says what
//! will fail before anything does.

use serde_json::Value;
use slack_sessions_emulator::{
    usergroup_members, Emulator, ADMIN_TOKEN, ORG_TOKEN, READONLY_TOKEN,
};

mod common;
use common::*;

fn org(users: u32) -> Emulator {
    Emulator::builder()
        .rate_limit(None)
        .users(users)
        .enterprise(true)
        .start()
        .expect("emulator")
}

/// Item 1: lookups refused to an org-level token fall back to the directory: the same
/// users, no stop, and the run says so.
#[test]
fn an_org_token_s_refused_lookups_fall_back_to_the_directory() {
    for t in TRANSPORTS {
        let emu = org(1_000);
        let mut c = cli(&emu, ORG_TOKEN);
        c.args(["set", "--duration", "12h", "--json", "--transport", t])
            .args([
                "--email",
                "u00000003@example.com",
                "--email",
                "U00000005@Example.com",
            ]);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        assert!(
            r.stderr.contains("refused (enterprise_is_restricted"),
            "{t}: {}",
            r.stderr
        );
        let mut set: Vec<String> = emu.state().into_keys().collect();
        set.sort();
        assert_eq!(set, ["U00000003", "U00000005"], "{t}");
        assert_eq!(
            calls_of(&emu, "users.lookupByEmail"),
            1,
            "{t}: one refused lookup"
        );
        assert!(calls_of(&emu, "admin.users.list") >= 1, "{t}");
    }
}

/// Item 2: a user group on an org-level token needs its workspace: refused before any
/// write without it, on the command line and in a policy; it works with it.
#[test]
fn a_user_group_on_an_org_token_needs_its_workspace() {
    let dir = temp_dir("enterprise-usergroup");
    let members = usergroup_members("S00000003", 1_000).expect("security");
    for t in TRANSPORTS {
        let emu = org(1_000);
        let mut c = cli(&emu, ORG_TOKEN);
        c.args([
            "set",
            "--duration",
            "12h",
            "--usergroup",
            "S00000003",
            "--transport",
            t,
        ]);
        let r = run(c);
        assert_eq!(r.code, 2, "{t}: {}", r.stderr);
        assert!(r.stderr.contains("--workspace"), "{t}: {}", r.stderr);
        assert_eq!(emu.calls(), 0, "{t}: nothing but the preflight");
        let mut c = cli(&emu, ORG_TOKEN);
        c.args(["set", "--duration", "12h", "--usergroup", "S00000003"])
            .args(["--workspace", "T00000001", "--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        assert_eq!(emu.state().len(), members.len(), "{t}");
        // The same in a policy: refused without a workspace key, applied with one.
        emu.clear_state();
        for (name, workspace) in [("without", ""), ("with", "workspace = \"T00000001\"\n")] {
            let policy = dir.join(format!("{name}-{t}.toml"));
            std::fs::write(
                &policy,
                format!("[[rule]]\nname = \"security\"\nusergroup = \"S00000003\"\n{workspace}duration = \"1d\"\n"),
            )
            .expect("policy");
            let mut c = cli(&emu, ORG_TOKEN);
            c.args(["apply", "--yes", "--transport", t])
                .arg(&policy)
                .current_dir(&dir);
            let r = run(c);
            if workspace.is_empty() {
                assert_eq!(r.code, 2, "{t}: {}", r.stderr);
                assert!(r.stderr.contains("workspace"), "{t}: {}", r.stderr);
                assert!(emu.state().is_empty(), "{t}");
            } else {
                assert_eq!(r.code, 0, "{t}: {}", r.stderr);
                assert_eq!(emu.state().len(), members.len(), "{t}");
            }
        }
        // A workspace token needs none: Slack answers it as it is.
        emu.clear_state();
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "set",
            "--duration",
            "12h",
            "--usergroup",
            "S00000003",
            "--transport",
            t,
        ]);
        assert_eq!(run(c).code, 0, "{t}");
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// The second workspace lists only its own people.
#[test]
fn the_second_workspace_lists_its_own_people() {
    let emu = org(300);
    let mut c = cli(&emu, ORG_TOKEN);
    c.args([
        "users",
        "resolve",
        "--all-users",
        "--workspace",
        "T00000002",
        "--json",
    ]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ids: Vec<String> = r
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("a line")["user_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(!ids.is_empty());
    for id in &ids {
        let n: u64 = id[1..].parse().expect("a number");
        assert_eq!(n % 3, 0, "{id} is not in the second workspace");
    }
}

/// Items 3 and 4, and Slackbot: one odd entry of a page is named by ID with why and
/// never selected, the others go on, the exit is 1; Slack's warnings are said once
/// each and carried in --json; Slackbot is never selected by --all-users.
#[test]
fn a_page_is_read_one_user_at_a_time_and_its_warnings_kept() {
    let person = |id: &str| {
        serde_json::json!({"id": id, "email": format!("{}@example.com", id.to_lowercase()),
            "is_admin": false, "is_owner": false, "is_primary_owner": false,
            "is_restricted": false, "is_ultra_restricted": false, "is_bot": false,
            "is_active": true})
    };
    let mut odd = person("U00000002");
    odd["is_bot"] = Value::Null;
    let mut string_flag = person("U00000004");
    string_flag["is_admin"] = "false".into();
    let mut no_owner_flag = person("U00000006");
    no_owner_flag
        .as_object_mut()
        .expect("an object")
        .remove("is_primary_owner");
    let page = serde_json::json!({
        "ok": true,
        "warning": "superfluous_charset",
        "users": [person("U00000001"), odd, string_flag, no_owner_flag, person("B00000003"), person("USLACKBOT")],
        "response_metadata": {"next_cursor": "", "warnings": ["superfluous_charset"], "messages": ["[WARN] a field is deprecated"]},
    })
    .to_string();
    let canned = Canned::start(200, &[], &page).expect("server");
    for t in TRANSPORTS {
        let mut c = cli_at(&canned.base_url(), ADMIN_TOKEN);
        c.args([
            "set",
            "--all-users",
            "--duration",
            "12h",
            "--json",
            "--transport",
            t,
        ]);
        let r = run(c);
        assert_eq!(r.code, 1, "{t}: {}", r.stderr);
        let v = json(&r);
        assert_eq!(v["applied"], serde_json::json!(["U00000001"]), "{t}: {v}");
        let named = invalid(&v);
        for id in ["U00000002", "U00000004", "U00000006", "B00000003"] {
            assert!(
                named
                    .iter()
                    .any(|(i, why)| i == id && why == "unreadable_entry"),
                "{t}: {id} in {named:?}"
            );
        }
        assert!(
            !named.iter().any(|(i, _)| i == "USLACKBOT"),
            "{t}: Slackbot is a bot"
        );
        let warnings = v["warnings"].as_array().expect("warnings");
        let text: Vec<&str> = warnings.iter().filter_map(Value::as_str).collect();
        assert!(
            text.iter()
                .any(|w| w.contains("admin.users.list: superfluous_charset")),
            "{t}: {text:?}"
        );
        assert!(
            text.iter()
                .any(|w| w.contains("[WARN] a field is deprecated")),
            "{t}: {text:?}"
        );
        // Said once each on stderr, for a person.
        let mut c = cli_at(&canned.base_url(), ADMIN_TOKEN);
        c.args(["users", "resolve", "--all-users", "--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 1, "{t}: {}", r.stderr);
        assert_eq!(
            r.stderr
                .matches("slack warning (admin.users.list): superfluous_charset")
                .count(),
            1,
            "{t}: {}",
            r.stderr
        );
        assert!(!r.stdout.contains("USLACKBOT"), "{t}: {}", r.stdout);
    }
}

/// One unreadable getSettings entry fails its user alone, with exit 1 (not "Slack
/// unreachable").
#[test]
fn an_unreadable_get_settings_entry_exits_1() {
    let answer = r#"{"ok":true,"session_settings":[{"user_id":"U00000001","duration":"x","desktop_app_browser_quit":false},{"user_id":"U00000002","duration":28800,"desktop_app_browser_quit":false}],"no_settings_applied":[]}"#;
    let canned = Canned::start(200, &[], answer).expect("server");
    for t in TRANSPORTS {
        let mut c = cli_at(&canned.base_url(), ADMIN_TOKEN);
        c.args(["get", "U00000001", "U00000002", "--json", "--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 1, "{t}: {}", r.stderr);
        let v = json(&r);
        assert_eq!(v["failed"][0]["user_id"], "U00000001", "{t}: {v}");
        assert!(v.get("error").is_none(), "{t}: no error line: {v}");
    }
}

/// `auth status`: who the token is and what it may do; exit 0 with every scope, 1 with
/// one missing, naming what it blocks; the same as data with --json.
#[test]
fn auth_status_says_what_the_token_can_do() {
    let emu = org(100);
    for t in TRANSPORTS {
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["auth", "status", "--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        assert!(
            r.stdout.contains("(T00000001): a workspace token"),
            "{t}: {}",
            r.stdout
        );
        assert!(!r.stdout.contains("missing"), "{t}: {}", r.stdout);

        let mut c = cli(&emu, ORG_TOKEN);
        c.args(["auth", "status", "--json", "--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        let v = json(&r);
        assert_eq!(v["org_level"], true, "{t}: {v}");
        assert_eq!(v["team_id"], "E00000001", "{t}: {v}");
        assert_eq!(v["missing"], serde_json::json!([]), "{t}: {v}");

        let mut c = cli(&emu, READONLY_TOKEN);
        c.args(["auth", "status", "--transport", t]);
        let r = run(c);
        assert_eq!(r.code, 1, "{t}: {}", r.stderr);
        assert!(
            r.stdout
                .contains("missing admin.users:write: set, clear, apply"),
            "{t}: {}",
            r.stdout
        );
        let mut c = cli(&emu, READONLY_TOKEN);
        c.args(["auth", "status", "--json", "--transport", t]);
        let v = json(&run(c));
        assert_eq!(v["missing"][0]["scope"], "admin.users:write", "{t}: {v}");
    }
    // The token is never shown.
    let mut c = cli(&emu, ORG_TOKEN);
    c.args(["auth", "status", "-v"]);
    let r = run(c);
    assert!(!r.stdout.contains(ORG_TOKEN) && !r.stderr.contains(ORG_TOKEN));
}

/// The preflight: a run whose token lacks a scope it needs is refused before any
/// write, naming the scope, instead of failing chunk by chunk.
#[test]
fn a_missing_scope_refuses_the_run_before_any_write() {
    let dir = temp_dir("enterprise-preflight");
    let users = users_file(&dir, 3_000);
    for t in TRANSPORTS {
        let emu = org(3_000);
        for args in [
            vec!["set", "--duration", "12h", "--users-file", users.as_str()],
            vec!["clear", "--users-file", users.as_str()],
            vec!["sessions", "reset", "U00000001"],
        ] {
            let mut c = cli(&emu, READONLY_TOKEN);
            c.args(&args).args(["--transport", t]);
            let r = run(c);
            assert_eq!(r.code, 3, "{t} {args:?}: {}", r.stderr);
            assert!(r.stderr.contains("admin.users:write"), "{t}: {}", r.stderr);
            assert_eq!(r.stderr.lines().count(), 1, "{t}: {}", r.stderr);
            assert_eq!(emu.calls(), 0, "{t} {args:?}: only the preflight was sent");
            assert_eq!(calls_of(&emu, "auth.test"), 1, "{t}");
            emu.clear_log();
        }
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// A listing Slack refuses (a bot's sessions) is not worth running again: the advice
/// says so, instead of "run the listing again".
#[test]
fn a_refused_listing_is_not_advised_again() {
    let emu = org(100);
    let mut c = cli(&emu, ADMIN_TOKEN);
    c.args([
        "sessions",
        "list",
        "--user",
        "U90000001",
        "--team",
        "E00000001",
    ]);
    let r = run(c);
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("bots_not_allowed"), "{}", r.stderr);
    assert!(!r.stderr.contains("run the listing again"), "{}", r.stderr);
    assert!(r.stderr.contains("would be refused again"), "{}", r.stderr);
}
