//! The same scenarios over the blocking and the async client, against the emulator on
//! 127.0.0.1; both must give equal results.

mod common;

use std::time::{Duration, Instant};

use common::*;
use slack_sessions::{
    ClearSettings, Encoding, Error, ErrorCode, GetSettings, SessionDuration, SetSettings,
    TokenPlacement, TransportKind, UserIds,
};
use slack_sessions_emulator::{Emulator, FaultPlan, TokenSource};

/// What a scenario ends with, in a form both transports can be compared on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Ok(String),
    Err(String),
}

fn summary(e: &Error) -> Outcome {
    Outcome::Err(e.short_code().into_owned())
}

fn users(ids: &[&str]) -> UserIds {
    UserIds::parse(ids).expect("ids")
}

fn set_call() -> SetSettings {
    SetSettings::new(users(&["U00000001", "W00000002"]))
        .duration(SessionDuration::from_secs(43_200).expect("duration"))
        .desktop_app_browser_quit(true)
}

/// Runs a set → get → clear → get sequence, or just one set, on `transport`.
fn run(transport: Transport, emu: &Emulator, setup: &Setup, full: bool) -> Outcome {
    let get = GetSettings::new(users(&["U00000001", "W00000002", "U00000003"]));
    let clear = ClearSettings::new(users(&["U00000001", "W00000002"]));
    match transport {
        Transport::Blocking => {
            let c = blocking(emu, setup);
            let r = (|| -> Result<String, Error> {
                let set = c.set_settings(&set_call())?;
                if !full {
                    return Ok(format!("{set:?}"));
                }
                let before = c.get_settings(&get)?;
                c.clear_settings(&clear)?;
                let after = c.get_settings(&get)?;
                Ok(format!("{before:?} / {after:?}"))
            })();
            r.map_or_else(|e| summary(&e), Outcome::Ok)
        }
        Transport::Async => {
            let rt = runtime();
            let c = rt.block_on(async { asynchronous(emu, setup) });
            let r = rt.block_on(async {
                let set = c.set_settings(&set_call()).await?;
                if !full {
                    return Ok(format!("{set:?}"));
                }
                let before = c.get_settings(&get).await?;
                c.clear_settings(&clear).await?;
                let after = c.get_settings(&get).await?;
                Ok::<_, Error>(format!("{before:?} / {after:?}"))
            });
            r.map_or_else(|e| summary(&e), Outcome::Ok)
        }
    }
}

struct Scenario {
    name: &'static str,
    setup: Setup,
    faults: &'static str,
    full: bool,
    /// The expected outcome: `ok` (any reply) or an error's short code.
    expect: &'static str,
    /// Requests the emulator must have seen.
    requests: u64,
}

fn scenarios() -> Vec<Scenario> {
    let s = Setup::default;
    let token = |t: &str| Setup {
        token: t.into(),
        ..Setup::default()
    };
    use slack_sessions_emulator::*;
    vec![
        Scenario {
            name: "form, header token",
            setup: s(),
            faults: "",
            full: true,
            expect: "ok",
            requests: 4,
        },
        Scenario {
            name: "json, header token",
            setup: Setup {
                encoding: Encoding::Json,
                ..s()
            },
            faults: "",
            full: true,
            expect: "ok",
            requests: 4,
        },
        Scenario {
            name: "form, body token",
            setup: Setup {
                placement: TokenPlacement::Body,
                ..s()
            },
            faults: "",
            full: true,
            expect: "ok",
            requests: 4,
        },
        Scenario {
            name: "member",
            setup: token(MEMBER_TOKEN),
            faults: "",
            full: false,
            expect: "not_an_admin",
            requests: 1,
        },
        Scenario {
            name: "read-only",
            setup: token(READONLY_TOKEN),
            faults: "",
            full: false,
            expect: "missing_scope",
            requests: 1,
        },
        Scenario {
            name: "bot",
            setup: token(BOT_TOKEN),
            faults: "",
            full: false,
            expect: "not_allowed_token_type",
            requests: 1,
        },
        Scenario {
            name: "revoked",
            setup: token(REVOKED_TOKEN),
            faults: "",
            full: false,
            expect: "token_revoked",
            requests: 1,
        },
        Scenario {
            name: "free",
            setup: token(FREE_TOKEN),
            faults: "",
            full: false,
            expect: "feature_not_enabled",
            requests: 1,
        },
        Scenario {
            name: "bogus",
            setup: token("xoxp-nobody"),
            faults: "",
            full: false,
            expect: "invalid_auth",
            requests: 1,
        },
        Scenario {
            name: "three transient faults",
            setup: s(),
            faults: "1=internal_error,2=service_unavailable,3=http503",
            full: false,
            expect: "ok",
            requests: 4,
        },
        Scenario {
            name: "dropped connection",
            setup: s(),
            faults: "1=drop",
            full: false,
            expect: "ok",
            requests: 2,
        },
        Scenario {
            name: "truncated answer",
            setup: s(),
            faults: "1=truncate",
            full: false,
            expect: "ok",
            requests: 2,
        },
        Scenario {
            name: "hang past the timeout",
            setup: Setup {
                timeout: Duration::from_millis(500),
                max_retries: 0,
                ..s()
            },
            faults: "1=delay:3000",
            full: false,
            expect: "timeout",
            requests: 1,
        },
        Scenario {
            name: "10 MiB answers, retried once",
            setup: s(),
            faults: "1=huge:10,2=huge:10",
            full: false,
            expect: "body_too_large",
            requests: 2,
        },
        Scenario {
            name: "one 10 MiB answer, then the retry fits",
            setup: s(),
            faults: "1=huge:10",
            full: false,
            expect: "ok",
            requests: 2,
        },
        Scenario {
            name: "html 503 until retries run out",
            setup: Setup {
                max_retries: 2,
                ..s()
            },
            faults: "rate=1,kinds=http503",
            full: false,
            expect: "http_503",
            requests: 3,
        },
    ]
}

#[test]
fn both_transports_agree_on_every_scenario() {
    for sc in scenarios() {
        let mut outcomes = Vec::new();
        for t in BOTH {
            let emu = emulator();
            if !sc.faults.is_empty() {
                emu.set_faults(sc.faults.parse::<FaultPlan>().expect("faults"));
            }
            let out = run(t, &emu, &sc.setup, sc.full);
            match (&out, sc.expect) {
                (Outcome::Ok(_), "ok") => {}
                (Outcome::Err(code), want) => assert_eq!(code, want, "{} over {t:?}", sc.name),
                (other, want) => panic!("{} over {t:?}: {other:?}, wanted {want}", sc.name),
            }
            // A timeout gives up after its attempts, counted (its wall time is
            // tests/timeouts.rs's).
            assert_eq!(emu.calls(), sc.requests, "{} over {t:?}: requests", sc.name);
            if sc.setup.placement == TokenPlacement::Body {
                assert!(emu
                    .log()
                    .iter()
                    .all(|e| e.token_source == TokenSource::Body));
            }
            outcomes.push(out);
        }
        assert_eq!(outcomes[0], outcomes[1], "{}: transports disagree", sc.name);
    }
}

#[test]
fn set_get_clear_shows_the_settings_then_none() {
    let emu = emulator();
    let out = run(Transport::Blocking, &emu, &Setup::default(), true);
    let Outcome::Ok(text) = out else {
        panic!("{out:?}")
    };
    let (before, after) = text.split_once(" / ").expect("two replies");
    assert!(
        before.contains("U00000001") && before.contains("12h"),
        "{before}"
    );
    assert!(
        before.contains("no_settings_applied: [\"U00000003\"]"),
        "{before}"
    );
    assert!(after.contains("session_settings: []"), "{after}");
    assert!(emu.state().is_empty());
}

#[test]
fn a_429_waits_for_retry_after_then_succeeds() {
    for t in BOTH {
        let emu = emulator();
        emu.set_faults("1=storm:1".parse().expect("faults"));
        let out = run(t, &emu, &Setup::default(), false);
        assert!(matches!(out, Outcome::Ok(_)), "{t:?}: {out:?}");
        // The retry arrived no sooner than the 429's Retry-After (1 s) allowed.
        let arrived: Vec<Instant> = emu.log().iter().map(|e| e.arrived).collect();
        assert_eq!(arrived.len(), 2, "{t:?}");
        let gap = arrived[1] - arrived[0];
        assert!(
            gap >= Duration::from_secs(1),
            "{t:?}: retried after {gap:?}"
        );
        assert_eq!(emu.count("storm"), 1);
        assert_eq!(emu.count("ok"), 1);
    }
}

#[test]
fn errors_are_one_step_from_their_code() {
    let emu = emulator();
    let c = blocking(
        &emu,
        &Setup {
            token: slack_sessions_emulator::READONLY_TOKEN.into(),
            ..Setup::default()
        },
    );
    let e = c.set_settings(&set_call()).expect_err("read-only token");
    assert_eq!(e.code(), Some(ErrorCode::MissingScope));
    assert!(e.is_auth() && !e.is_retryable());
    assert!(!e.to_string().contains("xoxp-emulator"), "{e}");
    let emu2 = emulator();
    emu2.set_faults("1=huge:10,2=huge:10".parse().expect("faults"));
    let c = blocking(&emu2, &Setup::default());
    let e = c.set_settings(&set_call()).expect_err("huge");
    assert_eq!(e.transport_kind(), Some(TransportKind::BodyTooLarge));
}

#[test]
fn clones_share_one_pacer_across_threads() {
    // No limit at the server: only the client's pacer spaces the calls.
    let emu = Emulator::builder()
        .rate_limit(None)
        .start()
        .expect("emulator");
    // 600 a minute with a burst of 1: one call every 100 ms, whoever makes it.
    let c = slack_sessions::blocking::Client::builder(
        slack_sessions::Token::new(slack_sessions_emulator::ADMIN_TOKEN).expect("token"),
    )
    .base_url(emu.base_url())
    .rate(slack_sessions::Rate::new(600, 1))
    .build()
    .expect("client");
    std::thread::scope(|s| {
        for _ in 0..3 {
            let c = c.clone();
            s.spawn(move || {
                for _ in 0..2 {
                    c.get_settings(&GetSettings::new(users(&["U00000001"])))
                        .expect("get");
                }
            });
        }
    });
    assert_eq!(emu.count("ok"), 6);
    // The six arrivals are spaced by one shared pacer: 500 ms from the first to the
    // last (with a pacer per clone the three threads go at once, 100 ms in all; with
    // none, at once). A slow machine only widens the span; 400 leaves room for the
    // first call's own delay on the way.
    let arrived: Vec<std::time::Instant> = emu.log().iter().map(|e| e.arrived).collect();
    let (first, last) = (
        arrived.iter().min().expect("calls"),
        arrived.iter().max().expect("calls"),
    );
    let span = *last - *first;
    assert!(
        span >= std::time::Duration::from_millis(400),
        "six calls within {span:?}: the clones do not share one pacer"
    );
}

#[test]
fn the_async_client_runs_on_a_connector_and_timer_of_ones_choosing() {
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::rt::{TokioExecutor, TokioTimer};
    use slack_sessions::nonblocking::{Client, ClientBuilder, HttpClient};
    let builder = ClientBuilder::for_adapter;

    let emu = emulator();
    let rt = runtime();
    let out = rt.block_on(async {
        // A plain-http connector and an explicit executor and timer: the generic path.
        let http = HttpClient::builder(TokioExecutor::new()).build(HttpConnector::new());
        let config = builder(
            slack_sessions::Token::new(slack_sessions_emulator::ADMIN_TOKEN).expect("token"),
        )
        .base_url(emu.base_url())
        .retry_policy(fast_retries(3));
        let client = Client::with_parts(config, http, TokioTimer::new()).expect("client");
        client.set_settings(&set_call()).await
    });
    assert!(out.is_ok(), "{out:?}");
    assert_eq!(
        emu.settings("W00000002").and_then(|s| s.duration),
        Some(43_200)
    );
}

/// One set call on `t` with `config`, returning its transport failure.
fn transport_failure(
    t: Transport,
    config: slack_sessions::sansio::ClientConfig,
) -> slack_sessions::TransportFailure {
    let e = match t {
        Transport::Blocking => config
            .with_adapter::<slack_sessions::blocking::Blocking>()
            .build()
            .expect("client")
            .set_settings(&set_call())
            .expect_err("must fail"),
        Transport::Async => runtime().block_on(async {
            config
                .with_adapter::<slack_sessions::nonblocking::Async>()
                .build()
                .expect("client")
                .set_settings(&set_call())
                .await
                .expect_err("must fail")
        }),
    };
    match e {
        Error::Transport(f) => f,
        other => panic!("{t:?}: not a transport failure: {other:?}"),
    }
}

/// The same fault gives the same kind on both transports, with a one-line
/// message and the underlying error as its source: Dns, Connect, Tls, Proxy, Timeout, Io.
#[test]
fn each_transport_fault_has_one_kind_on_both_transports() {
    use slack_sessions::sansio::ClientConfig;
    use slack_sessions::Token;
    use slack_sessions_emulator::proxy::{ConnectProxy, ProxyMode};

    let base = |url: &str| {
        ClientConfig::new(Token::new(slack_sessions_emulator::ADMIN_TOKEN).expect("token"))
            .base_url(url)
            .retry_policy(fast_retries(0))
            .timeout(Duration::from_millis(500))
            .pacing(false)
    };
    // A 64-letter label: the system resolver refuses it without asking anyone, since
    // no DNS query can carry a label over 63 bytes (RFC 1035), so nothing leaves the
    // machine. (Plain http, so that it reaches the resolver: rustls refuses such a
    // name before DNS.) A DNS failure cannot be had from 127.0.0.1 itself; the label's
    // length is what keeps this case on the machine, and it is checked here.
    let label = "a".repeat(64);
    assert!(
        label.len() > 63,
        "a label a DNS query could carry would be sent"
    );
    let no_such_host = format!("http://{label}.invalid/api/");
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        drop(l);
        format!("http://127.0.0.1:{port}/api/")
    };
    let hang = emulator();
    hang.set_faults("1=delay:3000".parse().expect("faults"));
    let drop = emulator();
    drop.set_faults("1=drop".parse().expect("faults"));
    let ca = common::pki::TestCa::new("kinds ca");
    let tls = ca.emulator(common::pki::Leaf::Good);
    let refusing = ConnectProxy::start(ProxyMode::Refuse407).expect("proxy");
    let closing = ConnectProxy::start(ProxyMode::Close).expect("proxy");
    let cases = [
        (
            "dns",
            base(&no_such_host).allow_insecure_http(true),
            TransportKind::Dns,
        ),
        ("refused", base(&closed_port), TransportKind::Connect),
        ("untrusted", base(&tls.base_url()), TransportKind::Tls),
        (
            "proxy 407",
            base(&tls.base_url())
                .add_root_pem(ca.pem())
                .proxy(refusing.url()),
            TransportKind::Proxy,
        ),
        (
            "proxy closes",
            base(&tls.base_url())
                .add_root_pem(ca.pem())
                .proxy(closing.url()),
            TransportKind::Proxy,
        ),
        ("hang", base(&hang.base_url()), TransportKind::Timeout),
        ("dropped", base(&drop.base_url()), TransportKind::Io),
    ];
    for (name, config, kind) in cases {
        for t in BOTH {
            // Each fault anew for each transport.
            hang.set_faults("1=delay:3000".parse().expect("faults"));
            drop.set_faults("1=drop".parse().expect("faults"));
            let f = transport_failure(t, config.clone());
            assert_eq!(f.kind, kind, "{name} over {t:?}: {f}");
            assert!(f.source.is_some(), "{name} over {t:?}: no source");
            assert!(!f.message.contains('\n'), "{name} over {t:?}: {f}");
            // The same words on both transports, naming the server.
            let words = match kind {
                TransportKind::Dns => "cannot resolve ",
                TransportKind::Connect => "cannot connect to 127.0.0.1:",
                TransportKind::Tls => "tls with 127.0.0.1:",
                TransportKind::Proxy => "no tunnel to 127.0.0.1:",
                TransportKind::Timeout => "no complete answer from 127.0.0.1:",
                _ => "connection to 127.0.0.1:",
            };
            assert!(f.message.starts_with(words), "{name} over {t:?}: {f}");
            assert!(
                !f.to_string().contains(slack_sessions_emulator::ADMIN_TOKEN),
                "{name}"
            );
        }
    }
    assert_eq!(refusing.tunnels() + closing.tunnels(), 0);
    assert!(refusing.refused() >= 2 && closing.refused() >= 2);
}

/// List (every page, in order), reset, resetBulk and invalidate over both
/// transports against the emulator; the same outcome on each.
#[test]
fn the_session_family_over_both_transports() {
    use futures_util::StreamExt;
    use slack_sessions::{
        ActiveSession, InvalidateSession, ListSessions, ResetScope, ResetSessions, UserId,
    };
    use slack_sessions_emulator::TEAM;

    let user = |u: &str| UserId::new(u).expect("user id");
    let mut outcomes = Vec::new();
    for t in BOTH {
        let emu = Emulator::builder()
            .rate_limit(None)
            .users(300)
            .start()
            .expect("emulator");
        let setup = Setup::default();
        let mut listed: Vec<u64> = Vec::new();
        let mut errors = Vec::new();
        // A user with sessions, to sign out.
        let victim = (0..300)
            .map(|i| format!("U{i:08}"))
            .find(|u| !emu.active_sessions(Some(u)).is_empty())
            .expect("a user with sessions");
        let list_ids = |sessions: Vec<Result<ActiveSession, Error>>| -> Vec<u64> {
            sessions
                .into_iter()
                .map(|s| s.expect("session").session_id)
                .collect()
        };
        match t {
            Transport::Blocking => {
                let c = blocking(&emu, &setup);
                let all = c
                    .list_sessions(ListSessions::new().limit(97))
                    .expect("list");
                listed = list_ids(all.collect());
                c.reset_sessions(&ResetSessions::new(user(&victim)))
                    .expect("reset");
                let some = emu.active_sessions(None)[0];
                let owner = c
                    .list_sessions(ListSessions::new().limit(1))
                    .expect("list")
                    .next()
                    .expect("one")
                    .expect("session");
                c.invalidate_session(&InvalidateSession::new(some, owner.user_id.clone()))
                    .expect("invalidate");
                errors.push(
                    c.invalidate_session(&InvalidateSession::new(some, owner.user_id))
                        .expect_err("gone")
                        .short_code()
                        .into_owned(),
                );
                errors.push(
                    c.reset_sessions(&ResetSessions::new(user("W00000000")))
                        .expect_err("owner")
                        .short_code()
                        .into_owned(),
                );
                let bulk = c
                    .reset_sessions_bulk(
                        ["U00000010", "U90000001", "U00000011", "W00000001"],
                        ResetScope::mobile_only(),
                        slack_sessions::BulkRun::default(),
                        |_| {},
                    )
                    .expect("bulk");
                let mut failed: Vec<String> = bulk
                    .failed
                    .iter()
                    .map(|f| format!("{} {}", f.user_id, f.code()))
                    .collect();
                failed.sort();
                errors.extend(failed);
                let mine = c
                    .list_sessions(ListSessions::new().for_user(user("U00000005"), TEAM))
                    .expect("list");
                errors.push(format!("{}", list_ids(mine.collect()).len()));
                let bad = c
                    .list_sessions(ListSessions::new().cursor("zz"))
                    .expect("list")
                    .next()
                    .expect("an error")
                    .expect_err("invalid cursor");
                errors.push(bad.short_code().into_owned());
            }
            Transport::Async => {
                let rt = runtime();
                let c = rt.block_on(async { asynchronous(&emu, &setup) });
                rt.block_on(async {
                    let all = c
                        .list_sessions(ListSessions::new().limit(97))
                        .expect("list");
                    listed = list_ids(all.collect::<Vec<_>>().await);
                    c.reset_sessions(&ResetSessions::new(user(&victim)))
                        .await
                        .expect("reset");
                    let some = emu.active_sessions(None)[0];
                    let owner = c
                        .list_sessions(ListSessions::new().limit(1))
                        .expect("list")
                        .boxed()
                        .next()
                        .await
                        .expect("one")
                        .expect("session");
                    c.invalidate_session(&InvalidateSession::new(some, owner.user_id.clone()))
                        .await
                        .expect("invalidate");
                    errors.push(
                        c.invalidate_session(&InvalidateSession::new(some, owner.user_id))
                            .await
                            .expect_err("gone")
                            .short_code()
                            .into_owned(),
                    );
                    errors.push(
                        c.reset_sessions(&ResetSessions::new(user("W00000000")))
                            .await
                            .expect_err("owner")
                            .short_code()
                            .into_owned(),
                    );
                    let bulk = c
                        .reset_sessions_bulk(
                            ["U00000010", "U90000001", "U00000011", "W00000001"],
                            ResetScope::mobile_only(),
                            slack_sessions::BulkRun::default(),
                            |_| {},
                        )
                        .await
                        .expect("bulk");
                    let mut failed: Vec<String> = bulk
                        .failed
                        .iter()
                        .map(|f| format!("{} {}", f.user_id, f.code()))
                        .collect();
                    failed.sort();
                    errors.extend(failed);
                    let mine = c
                        .list_sessions(ListSessions::new().for_user(user("U00000005"), TEAM))
                        .expect("list");
                    errors.push(format!(
                        "{}",
                        list_ids(mine.collect::<Vec<_>>().await).len()
                    ));
                    let bad = c
                        .list_sessions(ListSessions::new().cursor("zz"))
                        .expect("list")
                        .boxed()
                        .next()
                        .await
                        .expect("an error")
                        .expect_err("invalid cursor");
                    errors.push(bad.short_code().into_owned());
                });
            }
        }
        // Every page, in order, no duplicate: exactly the emulator's sessions before
        // anything was ended.
        let fresh = Emulator::builder().users(300).start().expect("emulator");
        assert_eq!(listed, fresh.active_sessions(None), "{t:?}");
        assert!(listed.len() > 300, "{t:?}: {} sessions", listed.len());
        assert!(
            emu.active_sessions(Some(&victim)).is_empty(),
            "{t:?}: reset"
        );
        assert!(emu.ended_sessions() > 0);
        outcomes.push((errors, emu.active_sessions(None)));
    }
    assert_eq!(outcomes[0], outcomes[1], "the transports disagree");
    let errors = &outcomes[0].0;
    assert_eq!(errors[0], "session_not_found");
    assert_eq!(errors[1], "cannot_reset_primary_owner");
    assert_eq!(
        errors[2..4],
        [
            "U90000001 cannot_reset_bot".to_owned(),
            "W00000001 session_reset_not_allowed".to_owned()
        ]
    );
    assert_eq!(errors.last().map(String::as_str), Some("invalid_cursor"));
    // A limit out of range is refused before anything is sent.
    let emu = emulator();
    let c = blocking(&emu, &Setup::default());
    assert!(matches!(
        c.list_sessions(ListSessions::new().limit(0)),
        Err(Error::Invalid(_))
    ));
    assert!(emu.log().is_empty());
}

/// The async module's former name still names the same client, for one release.
#[test]
fn the_former_async_name_is_the_same_module() {
    fn same<T: 'static, U: 'static>() -> bool {
        std::any::TypeId::of::<T>() == std::any::TypeId::of::<U>()
    }
    assert!(same::<
        slack_sessions::r#async::DefaultClient,
        slack_sessions::nonblocking::DefaultClient,
    >());
}
