//! `-v` tells every request the client handles, not only those of bulk runs: a
//! resolution's listings and lookups, a plan's reads, a verification's listings.

use slack_sessions_emulator::{Emulator, ADMIN_TOKEN};

mod common;
use common::*;

fn start() -> Emulator {
    Emulator::builder()
        .rate_limit(None)
        .users(1_000)
        .start()
        .expect("emulator")
}

/// The `-v` lines of `stderr` that name `method`.
fn lines<'a>(stderr: &'a str, method: &str) -> Vec<&'a str> {
    stderr
        .lines()
        .filter(|l| l.contains(&format!(" {method} ")) && l.contains(" status="))
        .collect()
}

#[test]
fn every_request_is_told() {
    let emu = start();
    for t in TRANSPORTS {
        // A resolution: the guests' listing (one page of 100) and two lookups.
        let before = emu.log().len();
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["users", "resolve", "--guests", "-v", "--transport", t])
            .args([
                "--email",
                "u00000003@example.com",
                "--email",
                "nobody@example.com",
            ]);
        let r = run(c);
        assert_eq!(r.code, 1, "{t}: {}", r.stderr);
        let listed = emu.log()[before..]
            .iter()
            .filter(|e| e.method == "admin.users.list")
            .count();
        assert!(listed >= 1, "{t}: the guests were listed");
        assert_eq!(
            lines(&r.stderr, "admin.users.list").len(),
            listed,
            "{t}: {}",
            r.stderr
        );
        let lookups = lines(&r.stderr, "users.lookupByEmail");
        assert_eq!(lookups.len(), 2, "{t}: {}", r.stderr);
        assert!(
            lookups.iter().any(|l| l.contains("code=users_not_found")),
            "{lookups:?}"
        );
        assert!(lookups.iter().any(|l| l.contains("code=ok")), "{lookups:?}");
        // A plan: its resolution and its read of the settings.
        let dir = temp_dir(&format!("verbose-{t}"));
        let policy = dir.join("p.toml");
        std::fs::write(
            &policy,
            "[[rule]]\nname = \"g\"\nguests = true\nduration = \"12h\"\n",
        )
        .expect("policy");
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args(["plan", "-v", "--transport", t]).arg(&policy);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        assert!(
            !lines(&r.stderr, "admin.users.list").is_empty(),
            "{t}: {}",
            r.stderr
        );
        assert!(
            !lines(&r.stderr, "admin.users.session.getSettings").is_empty(),
            "{t}: {}",
            r.stderr
        );
        // A verification: its listings of sessions.
        let mut c = cli(&emu, ADMIN_TOKEN);
        c.args([
            "sessions",
            "reset",
            "U00000005",
            "--verify",
            "-v",
            "--transport",
            t,
        ]);
        let r = run(c);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        assert!(
            !lines(&r.stderr, "admin.users.session.list").is_empty(),
            "{t}: {}",
            r.stderr
        );
        // A bulk run still tells each of its requests once.
        assert_eq!(
            lines(&r.stderr, "admin.users.session.resetBulk").len(),
            1,
            "{t}: {}",
            r.stderr
        );
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
