//! Naming people over both transports against the emulator's directory: the plan each
//! selection gets (counted in calls the emulator received), what it selects, and every
//! input that matched nobody, with why.

mod common;

use std::collections::BTreeSet;

use common::*;
use slack_sessions::sansio::Resolver;
use slack_sessions::{
    CancelToken, Email, Encoding, Kind, Resolution, ResolveStop, Selection, UnmatchedReason, UserId,
};
use slack_sessions_emulator::{people, usergroup_members, Emulator};

fn resolve(
    t: Transport,
    emu: &Emulator,
    setup: &Setup,
    s: Selection,
) -> Result<Resolution, ResolveStop> {
    let r = Resolver::new(s).expect("a selection");
    match t {
        Transport::Blocking => blocking(emu, setup).resolve(r, &CancelToken::new(), |_| {}),
        Transport::Async => {
            runtime().block_on(asynchronous(emu, setup).resolve(r, &CancelToken::new(), |_| {}))
        }
    }
}

fn start(users: u32) -> Emulator {
    Emulator::builder()
        .rate_limit(None)
        .users(users)
        .start()
        .expect("emulator")
}

fn email(s: &str) -> Email {
    s.parse().expect("an email")
}

fn ids(r: &Resolution) -> BTreeSet<String> {
    r.users
        .iter()
        .map(|u| u.user_id.as_str().to_owned())
        .collect()
}

#[test]
fn five_thousand_emails_cost_one_pass_over_the_directory() {
    let emu = start(5_000);
    let emails: Vec<Email> = (0..5_000)
        .map(|i| email(&format!("U{i:08}@Example.com")))
        .collect();
    for t in BOTH {
        emu.set_faults(slack_sessions_emulator::FaultPlan::none());
        let r = resolve(
            t,
            &emu,
            &Setup::default(),
            Selection::new().emails(emails.clone()),
        )
        .expect("resolved");
        // 15,000 active users (4,900 U, 10,000 W, 100 bots) at 100 a page, then one page
        // of the 100 deactivated, for the addresses still unmatched.
        assert_eq!((r.calls, emu.calls()), (151, 151), "{t:?}");
        assert_eq!(r.users.len(), 4_900, "{t:?}");
        assert_eq!(r.unmatched.len(), 100);
        assert!(r
            .unmatched
            .iter()
            .all(|u| u.reason == UnmatchedReason::Deactivated));
        assert_eq!(r.directory_users, 15_100);
    }
}

#[test]
fn five_emails_cost_five_lookups_sent_as_forms() {
    let emu = start(1_000);
    let setup = Setup {
        encoding: Encoding::Json,
        ..Setup::default()
    };
    for t in BOTH {
        emu.set_faults(slack_sessions_emulator::FaultPlan::none());
        let s = Selection::new().emails(
            [
                "u00000001@example.com",
                "U00000007@EXAMPLE.COM",
                "w00000000@example.com",
                "u00000049@example.com",
                "nobody@example.com",
            ]
            .map(email),
        );
        let r = resolve(t, &emu, &setup, s).expect("resolved");
        assert_eq!(emu.calls(), 5, "{t:?}");
        let got: Vec<(&str, Kind)> = r
            .users
            .iter()
            .map(|u| (u.user_id.as_str(), u.kind))
            .collect();
        assert_eq!(
            got,
            [
                ("U00000001", Kind::Admin),
                ("U00000007", Kind::MultiChannelGuest),
                ("W00000000", Kind::PrimaryOwner)
            ]
        );
        let why: Vec<(&str, UnmatchedReason)> = r
            .unmatched
            .iter()
            .map(|u| (u.input.as_str(), u.reason))
            .collect();
        assert_eq!(
            why,
            [
                (
                    "u00000049@example.com",
                    UnmatchedReason::EmailNotFoundOrDeactivated
                ),
                (
                    "nobody@example.com",
                    UnmatchedReason::EmailNotFoundOrDeactivated
                )
            ]
        );
    }
}

#[test]
fn unmatched_deactivated_and_bot_emails_are_named_with_their_reasons() {
    let emu = start(1_000);
    let s = Selection::new()
        .emails(
            [
                "u00000049@example.com",
                "bot-90000002@example.com",
                "nobody@example.com",
                "u00000003@example.com",
            ]
            .map(email),
        )
        .lookup_limit(0);
    for t in BOTH {
        let r = resolve(t, &emu, &Setup::default(), s.clone()).expect("resolved");
        assert_eq!(ids(&r), BTreeSet::from(["U00000003".to_owned()]));
        let why: Vec<(&str, &str)> = r
            .unmatched
            .iter()
            .map(|u| (u.input.as_str(), u.reason.code()))
            .collect();
        assert_eq!(
            why,
            [
                ("u00000049@example.com", "deactivated"),
                ("bot-90000002@example.com", "bot"),
                ("nobody@example.com", "email_not_found")
            ],
            "{t:?}"
        );
    }
}

#[test]
fn guests_are_exactly_the_emulators_guests() {
    let emu = start(3_000);
    let want: BTreeSet<String> = people(3_000)
        .filter(|p| p.is_active && p.is_guest() && !p.is_bot)
        .map(|p| p.id)
        .collect();
    assert_eq!(want.len(), 300);
    for t in BOTH {
        emu.set_faults(slack_sessions_emulator::FaultPlan::none());
        let r = resolve(t, &emu, &Setup::default(), Selection::new().guests()).expect("resolved");
        assert_eq!(ids(&r), want, "{t:?}");
        // Slack filters them: 300 guests are three pages, not a pass over 13,100 users.
        assert_eq!(emu.calls(), 3, "{t:?}");
        assert!(r
            .users
            .iter()
            .all(|u| matches!(u.kind, Kind::MultiChannelGuest | Kind::SingleChannelGuest)));
    }
}

#[test]
fn user_groups_resolve_to_their_members_and_unknown_ones_are_named() {
    let emu = start(3_000);
    let want: BTreeSet<String> = usergroup_members("S00000002", 3_000)
        .expect("contractors")
        .into_iter()
        .collect();
    assert!(!want.is_empty());
    let s = Selection::new()
        .usergroup("S00000002".parse().expect("id"))
        .usergroup("S00000004".parse().expect("id"))
        .usergroup("S99999999".parse().expect("id"));
    for t in BOTH {
        let r = resolve(t, &emu, &Setup::default(), s.clone()).expect("resolved");
        assert_eq!(ids(&r), want, "{t:?}");
        let why: Vec<(&str, UnmatchedReason)> = r
            .unmatched
            .iter()
            .map(|u| (u.input.as_str(), u.reason))
            .collect();
        assert_eq!(
            why,
            [
                ("S00000004", UnmatchedReason::UsergroupEmpty),
                ("S99999999", UnmatchedReason::UsergroupNotFound)
            ]
        );
    }
}

#[test]
fn exceptions_remove_people_by_id_or_email() {
    let emu = start(1_000);
    let s = Selection::new()
        .guests()
        .except_ids([UserId::new("U00000007").expect("id")])
        .except_emails([email("U00000013@example.com"), email("nobody@example.com")]);
    for t in BOTH {
        let r = resolve(t, &emu, &Setup::default(), s.clone()).expect("resolved");
        assert_eq!(r.users.len(), 98, "{t:?}");
        assert_eq!(r.excepted, 2);
        assert!(!ids(&r).contains("U00000007") && !ids(&r).contains("U00000013"));
        assert_eq!(r.unmatched.len(), 1);
        assert!(r.unmatched[0].exception);
    }
}

#[test]
fn everyone_leaves_out_bots_and_deactivated_users_and_says_so() {
    let emu = start(1_000);
    for t in BOTH {
        let r = resolve(t, &emu, &Setup::default(), Selection::new().everyone()).expect("resolved");
        assert_eq!(r.users.len(), 980 + 10_000, "{t:?}");
        assert_eq!(r.bots_left_out, 100);
    }
}

#[test]
fn a_refusal_stops_the_resolution_with_nothing_selected() {
    let emu = start(1_000);
    let setup = Setup {
        token: slack_sessions_emulator::MEMBER_TOKEN.into(),
        ..Setup::default()
    };
    for t in BOTH {
        let stop = resolve(t, &emu, &setup, Selection::new().admins()).expect_err("refused");
        let error = stop.error.expect("an error, not a cancel");
        assert_eq!(error.short_code(), "not_an_admin", "{t:?}");
        assert_eq!(stop.calls, 0);
    }
}

#[test]
fn a_cancel_stops_the_resolution_before_the_next_call() {
    let emu = start(1_000);
    let cancel = CancelToken::new();
    cancel.cancel();
    let r = Resolver::new(Selection::new().everyone()).expect("a selection");
    let stop = blocking(&emu, &Setup::default())
        .resolve(r, &cancel, |_| {})
        .expect_err("cancelled");
    assert!(stop.error.is_none());
    assert_eq!(emu.calls(), 0);
    let r = Resolver::new(Selection::new().everyone()).expect("a selection");
    let stop = runtime()
        .block_on(asynchronous(&emu, &Setup::default()).resolve(r, &cancel, |_| {}))
        .expect_err("cancelled");
    assert!(stop.error.is_none());
    assert_eq!(emu.calls(), 0);
}
