//! The built `slack-sessions` binary against the emulator on 127.0.0.1: a snapshot, a change and a restore that brings everyone back.

use serde_json::Value;
use slack_sessions_emulator::ADMIN_TOKEN;

mod common;
use common::*;

/// 10,000 users with every kind of settings (both, one of the two, none);
/// snapshot, change them all, restore: getSettings then equals the snapshot exactly, over
/// both transports. `set --snapshot` writes the snapshot before changing anything, and
/// `restore --dry-run` sends nothing.
#[test]
fn restore_brings_back_a_snapshot_exactly_on_both_transports() {
    let dir = temp_dir("restore");
    let users_file = dir.join("users.txt");
    let ids: Vec<String> = (0..10_000).map(|i| format!("U{i:08}")).collect();
    std::fs::write(&users_file, ids.join("\n")).expect("users");
    let users_s = users_file.to_str().expect("path").to_owned();
    for transport in ["blocking", "async"] {
        let emu = emulator();
        // Every kind of starting point, spread by a fixed rule.
        let kinds: [&[&str]; 5] = [
            &["--duration", "8h", "--quit-on-close", "true"],
            &["--duration", "30d", "--quit-on-close", "false"],
            &["--duration", "12h"],
            &["--quit-on-close", "true"],
            &[],
        ];
        for (k, args) in kinds.iter().enumerate() {
            if args.is_empty() {
                continue;
            }
            let mine: Vec<&str> = ids
                .iter()
                .enumerate()
                .filter(|(i, _)| (i * 7 + i / 13) % 5 == k)
                .map(|(_, u)| u.as_str())
                .collect();
            let mut c = cli(&emu, ADMIN_TOKEN);
            c.arg("set").args(*args).args(["--users-file", "-"]);
            c.write_stdin(mine.join("\n"));
            assert_eq!(run(c).code, 0);
        }
        let before = emu.state();
        let snapshot = dir.join(format!("{transport}.json"));
        let snap_s = snapshot.to_str().expect("path").to_owned();
        let with = |args: &[&str]| {
            let mut c = cli(&emu, ADMIN_TOKEN);
            c.args(args).args(["--transport", transport]);
            run(c)
        };
        // Snapshot, and change everyone, in one command.
        let r = with(&[
            "set",
            "--duration",
            "2w",
            "--quit-on-close",
            "false",
            "--users-file",
            &users_s,
            "--snapshot",
            &snap_s,
            "-q",
        ]);
        assert_eq!(r.code, 0, "{transport}: {}", r.stderr);
        let changed = emu.state();
        assert_ne!(changed, before);
        let snap: Value =
            serde_json::from_slice(&std::fs::read(&snapshot).expect("snapshot")).expect("json");
        assert_eq!(snap["schema_version"], 2);
        let had = snap["settings"].as_array().map_or(0, Vec::len);
        let none = snap["no_settings_applied"].as_array().map_or(0, Vec::len);
        let left_out = snap["not_returned"].as_array().map_or(0, Vec::len);
        // Slack leaves out users with no active session: their settings are unknown.
        let active: Vec<&String> = ids
            .iter()
            .filter(|u| !emu.active_sessions(Some(u)).is_empty())
            .collect();
        assert_eq!(left_out, 10_000 - active.len(), "{transport}");
        assert!(left_out > 2_000 && left_out < 3_000, "{left_out}");
        assert_eq!(had + none, active.len(), "{transport}");

        let calls = emu.calls();
        let dry = with(&["restore", &snap_s, "--dry-run"]);
        assert_eq!(dry.code, 0, "{}", dry.stderr);
        // 1,000 users a request, per step.
        let requests: usize = dry
            .stdout
            .lines()
            .filter_map(|l| {
                l.split_whitespace()
                    .rev()
                    .nth(1)
                    .and_then(|n| n.parse::<usize>().ok())
            })
            .map(|n| n.div_ceil(1_000))
            .sum();
        assert!(
            dry.stdout
                .contains(&format!("5 steps, {requests} requests")),
            "{}",
            dry.stdout
        );
        assert_eq!(emu.calls(), calls, "a dry run sends nothing");

        let r = with(&["restore", &snap_s, "--json"]);
        assert_eq!(r.code, 0, "{transport}: {}", r.stderr);
        assert_eq!(json(&r)["steps"].as_array().map(Vec::len), Some(5));
        // Every user whose settings the snapshot knew is back; the others, left out
        // by Slack, were left alone.
        let now = emu.state();
        for u in &active {
            assert_eq!(now.get(*u), before.get(*u), "{transport}: {u}");
        }
        let mut left_alone = 0;
        for u in ids.iter().filter(|u| !active.contains(u)) {
            // As the set made them: 2w, quit-on-close false.
            assert_eq!(now.get(u), changed.get(u), "{transport}: {u}");
            assert_eq!(
                now.get(u).map(|s| (s.duration, s.desktop_app_browser_quit)),
                Some((Some(1_209_600), Some(false))),
                "{transport}: {u}"
            );
            left_alone += 1;
        }
        assert_eq!(left_alone, left_out, "{transport}");
        let after = with(&["get", "--users-file", &users_s, "--json"]);
        let after = json(&after);
        assert_eq!(after["settings"], snap["settings"], "{transport}");
        assert_eq!(
            after["no_settings_applied"], snap["no_settings_applied"],
            "{transport}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
