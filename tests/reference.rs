//! The scenarios where Slack's reference differs from the first guesses, over both
//! transports: no success reported as a failure, every answer readable, listings that
//! always end, and codes with the right consequence.

mod common;

use common::*;
use futures_util::StreamExt;
use slack_sessions::{
    ActiveSession, BulkError, Error, GetSettings, GetSettingsOutput, HeldDuration,
    InvalidateSession, ListSessions, ResetSessions, UserId, UserIds,
};
use slack_sessions_emulator::canned::Canned;
use slack_sessions_emulator::{Emulator, TEAM};

fn user(u: &str) -> UserId {
    UserId::new(u).expect("user")
}

/// A retry of invalidate after a lost answer meets `session_not_found`: the session is
/// reported ended (by the first try), not failed.
#[test]
fn an_invalidate_whose_answer_was_lost_is_reported_ended() {
    for t in BOTH {
        let emu = Emulator::builder()
            .rate_limit(None)
            .faults("1=drop_after_apply".parse().expect("plan"))
            .start()
            .expect("emulator");
        let id = emu.active_sessions(Some("U00000001"))[0];
        let m = InvalidateSession::new(id, user("U00000001"));
        let r = match t {
            Transport::Blocking => blocking(&emu, &Setup::default()).invalidate_session(&m),
            Transport::Async => runtime().block_on(async {
                asynchronous(&emu, &Setup::default())
                    .invalidate_session(&m)
                    .await
            }),
        };
        let reply = r.unwrap_or_else(|e| panic!("{t:?}: {e}"));
        assert!(reply.by_earlier_attempt, "{t:?}");
        assert_eq!(emu.calls(), 2, "{t:?}");
        assert!(!emu.active_sessions(Some("U00000001")).contains(&id));
        assert_eq!(emu.count("session_not_found"), 1);
    }
}

/// What Slack holds is read as it is: a 180-second duration, nulls, a user left out, and
/// one malformed entry that fails its user alone.
#[test]
fn a_get_settings_answer_slack_may_give_is_read_whole() {
    let answer = r#"{"ok":true,"session_settings":[
        {"user_id":"U00000001","duration":180,"desktop_app_browser_quit":null},
        {"user_id":"U00000002","duration":null,"desktop_app_browser_quit":true},
        {"user_id":"U00000003","duration":"forever","desktop_app_browser_quit":false}
    ],"no_settings_applied":["U00000004"]}"#;
    let server = Canned::start(200, &[], answer).expect("server");
    let asked = [
        "U00000001",
        "U00000002",
        "U00000003",
        "U00000004",
        "U00000005",
    ];
    for t in BOTH {
        let config = || {
            slack_sessions::sansio::ClientConfig::new(
                slack_sessions::Token::new("xoxp-1").expect("token"),
            )
            .base_url(server.base_url())
            .retry_policy(fast_retries(0))
            .pacing(false)
        };
        let get = GetSettings::new(UserIds::parse(asked).expect("users"));
        let (one, bulk) = match t {
            Transport::Blocking => {
                let c = config()
                    .with_adapter::<slack_sessions::blocking::Blocking>()
                    .build()
                    .expect("client");
                let one = c.get_settings(&get).expect("readable").output;
                let bulk = c
                    .get_settings_bulk(asked, Default::default(), |_| {})
                    .expect("readable");
                (one, bulk)
            }
            Transport::Async => runtime().block_on(async {
                let c = config()
                    .with_adapter::<slack_sessions::nonblocking::Async>()
                    .build()
                    .expect("client");
                let one = c.get_settings(&get).await.expect("readable").output;
                let bulk = c
                    .get_settings_bulk(asked, Default::default(), |_| {})
                    .await
                    .expect("readable");
                (one, bulk)
            }),
        };
        let check = |o: &GetSettingsOutput| {
            assert_eq!(o.session_settings.len(), 2, "{t:?}");
            assert_eq!(
                o.session_settings[0].duration,
                Some(HeldDuration::from_secs(180))
            );
            assert_eq!(o.session_settings[0].desktop_app_browser_quit, None);
            assert_eq!(o.session_settings[1].duration, None);
            assert_eq!(o.session_settings[1].desktop_app_browser_quit, Some(true));
            assert_eq!(o.no_settings_applied, [user("U00000004")]);
            assert_eq!(o.not_returned, [user("U00000005")], "{t:?}");
            assert_eq!(o.malformed.len(), 1);
            assert_eq!(o.malformed[0].user_id, user("U00000003"));
        };
        check(&one);
        check(&bulk.output);
        // In a bulk run, the malformed entry fails its user alone; the rest stand.
        assert_eq!(bulk.failed.len(), 1, "{t:?}");
        assert_eq!(bulk.failed[0].user_id, user("U00000003"));
        assert_eq!(bulk.failed[0].code(), "decode_error");
        assert!(bulk.failed[0]
            .error
            .to_string()
            .contains("duration is a string"));
        assert_eq!(bulk.applied.len(), 3);
        assert_eq!(bulk.not_returned, [user("U00000005")]);
    }
    assert_eq!(server.hits(), 4, "one request a call, never retried");
}

/// One user with no active session: an empty listing, not an error.
#[test]
fn listing_a_user_with_no_session_is_empty() {
    let emu = emulator();
    assert!(emu.active_sessions(Some("U00000009")).is_empty());
    let listing = || ListSessions::new().for_user(user("U00000009"), TEAM);
    for t in BOTH {
        let got: Vec<Result<ActiveSession, Error>> = match t {
            Transport::Blocking => blocking(&emu, &Setup::default())
                .list_sessions(listing())
                .expect("listing")
                .collect(),
            Transport::Async => runtime().block_on(async {
                let c = asynchronous(&emu, &Setup::default());
                let s = c.list_sessions(listing()).expect("listing");
                s.collect().await
            }),
        };
        assert!(got.is_empty(), "{t:?}: {got:?}");
    }
    assert_eq!(emu.count("no_active_sessions"), 2);
}

/// A server that repeats a cursor cannot hold a listing forever: it stops with an
/// error, after the sessions it did list.
#[test]
fn a_repeated_cursor_stops_the_listing() {
    let page = r#"{"ok":true,"active_sessions":[{"user_id":"U00000001","team_id":"E1","session_id":7}],"response_metadata":{"next_cursor":"again"}}"#;
    let server = Canned::start(200, &[], page).expect("server");
    let setup = Setup::default();
    for t in BOTH {
        let config = slack_sessions::sansio::ClientConfig::new(
            slack_sessions::Token::new("xoxp-1").expect("token"),
        )
        .base_url(server.base_url())
        .retry_policy(fast_retries(0))
        .pacing(setup.pacing);
        let got: Vec<Result<ActiveSession, Error>> = match t {
            Transport::Blocking => {
                let c = config
                    .with_adapter::<slack_sessions::blocking::Blocking>()
                    .build()
                    .expect("client");
                let mut sessions = c.list_sessions(ListSessions::new()).expect("listing");
                let got: Vec<_> = sessions.by_ref().collect();
                let stop = sessions.stopped().expect("why it stopped");
                assert_eq!(stop.cursor.as_deref(), Some("again"));
                assert_eq!(stop.done.items, 2);
                got
            }
            Transport::Async => runtime().block_on(async {
                let c = config
                    .with_adapter::<slack_sessions::nonblocking::Async>()
                    .build()
                    .expect("client");
                let mut s = c.list_sessions(ListSessions::new()).expect("listing");
                let got: Vec<_> = (&mut s).collect().await;
                // The stream says why it stopped, and where to go on from.
                let stop = s.stopped().expect("why it stopped");
                assert_eq!(stop.cursor.as_deref(), Some("again"));
                assert_eq!(stop.done.items, 2);
                got
            }),
        };
        assert_eq!(got.len(), 3, "{t:?}: two pages, then the error");
        let err = got.last().and_then(|r| r.as_ref().err()).expect("an error");
        assert_eq!(err.short_code(), "endless_listing");
    }
    assert_eq!(server.hits(), 4);
}

/// `restricted_action` stops a run after one request; `user_session_reset_failed` is
/// tried again.
#[test]
fn codes_have_their_consequence() {
    let users: Vec<String> = (0..5_000).map(|i| format!("U{i:08}")).collect();
    for t in BOTH {
        let emu = Emulator::builder()
            .rate_limit(None)
            .faults(
                "rate=1,kinds=error:restricted_action"
                    .parse()
                    .expect("plan"),
            )
            .start()
            .expect("emulator");
        let run = slack_sessions::BulkRun::default().concurrency(1);
        let r = match t {
            Transport::Blocking => {
                blocking(&emu, &Setup::default()).get_settings_bulk(&users, run, |_| {})
            }
            Transport::Async => runtime().block_on(async {
                asynchronous(&emu, &Setup::default())
                    .get_settings_bulk(&users, run, |_| {})
                    .await
            }),
        };
        let Err(BulkError::Stopped(report)) = r else {
            panic!("{t:?}: the run must stop")
        };
        assert_eq!(report.requests, 1, "{t:?}");
        assert_eq!(report.not_attempted.len(), 5_000);
        assert_eq!(emu.calls(), 1);

        let emu = Emulator::builder()
            .rate_limit(None)
            .faults("1=error:user_session_reset_failed".parse().expect("plan"))
            .start()
            .expect("emulator");
        let m = ResetSessions::new(user("U00000001"));
        let r = match t {
            Transport::Blocking => blocking(&emu, &Setup::default()).reset_sessions(&m),
            Transport::Async => runtime().block_on(async {
                asynchronous(&emu, &Setup::default())
                    .reset_sessions(&m)
                    .await
            }),
        };
        assert!(r.is_ok(), "{t:?}: {r:?}");
        assert_eq!(emu.calls(), 2, "{t:?}: tried again");
        assert!(emu.active_sessions(Some("U00000001")).is_empty());
    }
}
