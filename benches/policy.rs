//! Planning a session policy for 100,000 users: the pure plan (`PolicyPlan::new` and its
//! grouping, in memory), then the whole plan against an emulator of 100,100 users
//! (90,000 `U…`, 10,000 `W…`, 100 bots), pacing off, on both transports: each rule
//! resolved, every user's settings read, the plan made. Prints the times, the calls and
//! the process's peak memory. Against `SLACK_API_URL` when set (a running
//! `slack-sessions emulator --users 90000 --rate-limit 0`, so that the peak is the
//! client's alone: `bash tools/plan.sh`), else an emulator of its own. Under `cargo
//! test` (no `--bench`) it plans a small directory and checks the counts.
#![allow(missing_docs)]

use std::time::Instant;

use slack_sessions::policy::{Held, Policy, PolicyPlan, Target};
use slack_sessions::{
    CancelToken, HeldDuration, Selection, SessionDuration, SessionSettings, UserId,
};

#[path = "shared/mod.rs"]
mod shared;

fn settings(secs: u64, quit: Option<bool>) -> Target {
    let mut s =
        SessionSettings::new().duration(SessionDuration::from_secs(secs).expect("duration"));
    s.desktop_app_browser_quit = quit;
    Target::Set(s)
}

/// Admins and owners a day, contractors a week, guests 12 hours, everyone else 30 days.
fn policy() -> Policy {
    Policy::new()
        .rule(
            "admins",
            Selection::new().admins().owners(),
            settings(86_400, Some(true)),
        )
        .rule(
            "contractors",
            Selection::new().usergroup("S00000002".parse().expect("group")),
            settings(604_800, Some(true)),
        )
        .rule("guests", Selection::new().guests(), settings(43_200, None))
        .default_target(settings(2_592_000, None))
}

/// The pure plan of `n` users: a tenth to each of three rules, the rest to the default;
/// a third already right.
fn pure(n: u32) -> (f64, usize, usize) {
    let ids: Vec<UserId> = (0..n)
        .map(|i| UserId::new(&format!("U{i:08}")).expect("id"))
        .collect();
    let tenth = ids.len() / 10;
    let matched = vec![
        ids[..tenth].to_vec(),
        ids[tenth..2 * tenth].to_vec(),
        ids[2 * tenth..3 * tenth].to_vec(),
    ];
    let right = Held::Settings {
        duration: Some(HeldDuration::from_secs(2_592_000)),
        quit_on_close: None,
    };
    let started = Instant::now();
    let plan = PolicyPlan::new(&policy(), &matched, &ids, |u| {
        if u.as_str().ends_with(['0', '3', '6']) {
            right
        } else {
            Held::NONE
        }
    })
    .expect("plan");
    let groups = plan.groups();
    (
        started.elapsed().as_secs_f64() * 1e3,
        plan.changes(),
        groups.len(),
    )
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let users: u32 = if benching { 90_000 } else { 900 };
    let (ms, changes, groups) = pure(if benching { 100_000 } else { 1_000 });
    println!("pure plan: {ms:.1} ms, {changes} changes in {groups} groups");
    if !benching {
        assert_eq!(groups, 4);
    }
    let (emu, url) = shared::server(benching, users);
    let own = emu.is_some();
    let config = shared::config(url);
    let policy = policy();
    let before = shared::peak_kib();
    for transport in ["blocking", "async"] {
        let started = Instant::now();
        let cancel = CancelToken::new();
        let reading = if transport == "blocking" {
            shared::blocking(&config).plan_policy(&policy, &cancel, |_| {})
        } else {
            let (rt, client) = shared::asynchronous(&config);
            rt.block_on(client.plan_policy(&policy, &cancel, |_| {}))
        }
        .expect("planned");
        let calls: u64 = reading.resolutions.iter().map(|r| r.calls).sum();
        let plan = &reading.plan;
        println!(
            "{transport:>8}: {} users planned ({} to change, {} not returned) in {:.2} s; {calls} resolving calls, then the settings read in chunks of 1,000",
            plan.users.len(),
            plan.changes(),
            plan.unknown(),
            started.elapsed().as_secs_f64()
        );
        if !benching {
            // 900 U users (882 active), 10,000 W, 100 bots: 10,882 people.
            assert_eq!(plan.users.len(), 10_882);
        }
    }
    shared::print_peak(before, own, "planning");
}
