//! Holds the client and the emulator to Slack's reference, code by code.
//!
//! `tests/data/documented_codes.tsv` lists, for each of the seven session methods and
//! the three that name people, every error
//! code Slack documents for it, with the consequence its description calls for. For
//! every line: the client knows the code (never `ErrorCode::Other`) and its method lists
//! it; the one verdict gives that consequence; and the emulator, made to answer the code,
//! drives both real clients to exactly that behaviour over TCP. A code added to the data
//! and not handled by either fails here.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use slack_sessions::sansio::{verdict, Verdict};
use slack_sessions::{
    ApiError, AuthTest, CallError, ClearSettings, Error, ErrorCode, GetSettings, InvalidateSession,
    ListSessions, ListUsergroupUsers, ListUsers, LookupByEmail, Method, ResetSessions,
    ResetSessionsBulk, SessionDuration, SetSettings, UserId, UserIds,
};
use slack_sessions_emulator::Emulator;

/// The data: `(method, code) -> consequence`, with `*` for every method.
fn data() -> BTreeMap<(String, String), String> {
    let text = include_str!("data/documented_codes.tsv");
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 3, "line {}: {line}", n + 1);
        assert!(
            ["stop", "retry", "isolate", "fail", "empty"].contains(&f[2]),
            "line {}: {}",
            n + 1,
            f[2]
        );
        let fresh = out.insert((f[0].to_owned(), f[1].to_owned()), f[2].to_owned());
        assert!(fresh.is_none(), "line {}: listed twice", n + 1);
    }
    out
}

/// The codes of `method` in the data, its own (without `*`).
fn own(data: &BTreeMap<(String, String), String>, method: &str) -> BTreeSet<String> {
    data.keys()
        .filter(|(m, _)| m == method)
        .map(|(_, c)| c.clone())
        .collect()
}

/// The consequence the data gives `code` for `method`: its own line, else the `*` one.
fn expected<'a>(data: &'a BTreeMap<(String, String), String>, method: &str, code: &str) -> &'a str {
    data.get(&(method.to_owned(), code.to_owned()))
        .or_else(|| data.get(&("*".to_owned(), code.to_owned())))
        .map(String::as_str)
        .unwrap_or_else(|| panic!("{method} {code}: not in the data"))
}

/// The consequence the client's one rule gives `code` for method `M`.
fn consequence<M: Method>(code: &ErrorCode) -> &'static str {
    if M::empty_on(code) {
        return "empty";
    }
    let e = Error::Call(CallError::Api(ApiError::from_code(code.clone())));
    match verdict(&e, M::IDEMPOTENT) {
        Verdict::StopRun => "stop",
        Verdict::Backoff | Verdict::RetryAfter(_) => "retry",
        Verdict::Isolate => "isolate",
        _ => "fail",
    }
}

/// Every documented code of `M`, and the common ones, as the data gives them.
fn codes_of<M: Method>(data: &BTreeMap<(String, String), String>) -> Vec<(String, String)> {
    let mut codes: BTreeSet<String> = own(data, M::NAME);
    codes.extend(own(data, "*"));
    codes
        .into_iter()
        .map(|c| {
            let k = expected(data, M::NAME, &c).to_owned();
            (c, k)
        })
        .collect()
}

/// What the client knows agrees with the data, line by line.
fn check_knowledge<M: Method>(data: &BTreeMap<(String, String), String>) {
    let known: BTreeSet<String> = M::DOCUMENTED
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(
        known,
        own(data, M::NAME),
        "{}: its documented codes",
        M::NAME
    );
    for (code, want) in codes_of::<M>(data) {
        let c = ErrorCode::from_wire(&code);
        assert!(
            !matches!(c, ErrorCode::Other(_)),
            "{} {code}: unknown",
            M::NAME
        );
        assert!(M::documents(&c), "{} {code}", M::NAME);
        assert!(!c.description().is_empty());
        assert_eq!(consequence::<M>(&c), want, "{} {code}", M::NAME);
    }
}

#[test]
fn the_client_knows_every_documented_code_with_its_consequence() {
    let data = data();
    let common: BTreeSet<String> = ErrorCode::COMMON
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(common, own(&data, "*"), "the codes every method may answer");
    check_knowledge::<SetSettings>(&data);
    check_knowledge::<GetSettings>(&data);
    check_knowledge::<ClearSettings>(&data);
    check_knowledge::<ListSessions>(&data);
    check_knowledge::<ResetSessions>(&data);
    check_knowledge::<ResetSessionsBulk>(&data);
    check_knowledge::<InvalidateSession>(&data);
    check_knowledge::<ListUsers>(&data);
    check_knowledge::<LookupByEmail>(&data);
    check_knowledge::<ListUsergroupUsers>(&data);
    check_knowledge::<AuthTest>(&data);
    let methods: BTreeSet<&str> = data.keys().map(|(m, _)| m.as_str()).collect();
    assert_eq!(methods.len(), 12, "eleven methods and `*`: {methods:?}");
}

/// The emulator lists the same codes for each method (its own copy of the reference).
#[test]
fn the_emulator_documents_the_same_codes() {
    let data = data();
    for (method, codes) in slack_sessions_emulator::codes::BY_METHOD {
        let theirs: BTreeSet<String> = codes.iter().map(|c| (*c).to_owned()).collect();
        assert_eq!(theirs, own(&data, method), "{method}");
    }
    let common: BTreeSet<String> = slack_sessions_emulator::codes::COMMON
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
    assert_eq!(common, own(&data, "*"));
}

/// What the client did when the emulator answered a code once, then as usual: the
/// consequence observed, over real HTTP.
fn observe<M>(t: Transport, emu: &Emulator, m: &M) -> String
where
    M: Method + Sync,
    M::Output: PartialEq,
{
    let setup = Setup {
        max_retries: 3,
        ..Setup::default()
    };
    let result = match t {
        Transport::Blocking => blocking(emu, &setup).call(m),
        Transport::Async => runtime().block_on(asynchronous(emu, &setup).call(m)),
    };
    let calls = emu.calls();
    match result {
        Ok(_) if calls == 2 => "retry".into(),
        Ok(reply) if calls == 1 && reply.output == M::Output::default() => "empty".into(),
        Ok(_) => format!("ok after {calls} calls"),
        Err(e) if calls != 1 => format!("{e} after {calls} calls"),
        Err(e) => match verdict(&e, M::IDEMPOTENT) {
            Verdict::StopRun => "stop".into(),
            Verdict::Isolate => "isolate".into(),
            Verdict::Fail => "fail".into(),
            other => format!("{other:?}"),
        },
    }
}

/// What a bulk run of method `M` did when the emulator answered a code once (to the
/// first of two chunks), then as usual: the consequence observed in the run itself, not
/// in the verdict on the error. Two chunks of users (1,000, then 1), one at a time:
/// - stop: the first chunk stopped the run, and the second was never sent (1 call);
/// - fail: the first chunk's users failed, the second was applied (2 calls);
/// - retry: the first chunk was sent again, and everyone applied (3 calls);
/// - isolate: the first chunk was halved, both halves and the second chunk applied
///   (4 calls).
fn observe_bulk<M>(t: Transport, emu: &Emulator, params: M::Params) -> String
where
    M: slack_sessions::UsersMethod,
    M::Output: Send,
    M::Params: Clone,
{
    let setup = Setup {
        max_retries: 3,
        ..Setup::default()
    };
    let users: Vec<String> = (0..1_001).map(|i| format!("U{i:08}")).collect();
    let run = slack_sessions::BulkRun::default().concurrency(1);
    let result =
        match t {
            Transport::Blocking => {
                blocking(emu, &setup).apply_bulk::<M, _, _>(params, &users, run, |_| {})
            }
            Transport::Async => runtime().block_on(
                asynchronous(emu, &setup).apply_bulk::<M, _, _>(params, &users, run, |_| {}),
            ),
        };
    let r = match result.or_else(|e| e.into_report()) {
        Ok(r) => r,
        Err(e) => return format!("refused: {e}"),
    };
    let calls = emu.calls();
    let done = r.applied.len() + r.not_returned.len();
    match (calls, r.failed.len(), r.not_attempted.len(), done) {
        (1, 0, 1_001, 0) if r.stopped_by.is_some() => "stop".into(),
        (2, 1_000, 0, 1) => "fail".into(),
        (3, 0, 0, 1_001) => "retry".into(),
        (4, 0, 0, 1_001) => "isolate".into(),
        (c, f, n, d) => format!("{c} calls, {f} failed, {n} not attempted, {d} done"),
    }
}

/// Each code of a method that takes users, answered to the first chunk of a bulk run,
/// gives its consequence to the run on both clients.
fn drive_bulk<M>(data: &BTreeMap<(String, String), String>, params: M::Params)
where
    M: slack_sessions::UsersMethod,
    M::Output: Send,
    M::Params: Clone,
{
    let emu = Emulator::builder()
        .rate_limit(None)
        .start()
        .expect("emulator");
    for t in BOTH {
        for (code, want) in codes_of::<M>(data) {
            if want == "empty" {
                continue; // no session method that takes users answers an empty success
            }
            emu.clear_state();
            emu.set_faults(
                format!("1=error:{code}")
                    .parse()
                    .expect("a documented code"),
            );
            let got = observe_bulk::<M>(t, &emu, params.clone());
            assert_eq!(got, want, "{t:?} {} {code} in a bulk run", M::NAME);
        }
    }
}

#[test]
fn every_documented_code_gives_its_consequence_to_a_bulk_run() {
    let data = data();
    drive_bulk::<SetSettings>(
        &data,
        slack_sessions::SessionSettings::new().duration(SessionDuration::MIN),
    );
    drive_bulk::<GetSettings>(&data, ());
    drive_bulk::<ClearSettings>(&data, ());
    drive_bulk::<ResetSessionsBulk>(&data, slack_sessions::ResetScope::default());
}

/// Each code, answered by the emulator through an `error:CODE` fault on the first call,
/// gives its consequence on both clients.
fn drive<M>(data: &BTreeMap<(String, String), String>, mut make: impl FnMut(&Emulator) -> M)
where
    M: Method + Sync,
    M::Output: PartialEq,
{
    let emu = Emulator::builder()
        .rate_limit(None)
        .start()
        .expect("emulator");
    for t in BOTH {
        for (code, want) in codes_of::<M>(data) {
            let m = make(&emu);
            emu.set_faults(
                format!("1=error:{code}")
                    .parse()
                    .expect("a documented code"),
            );
            let got = observe(t, &emu, &m);
            assert_eq!(got, want, "{t:?} {} {code}", M::NAME);
        }
    }
}

fn users(ids: &[&str]) -> UserIds {
    UserIds::parse(ids).expect("users")
}

#[test]
fn the_emulator_answers_every_documented_code_and_both_clients_follow_it() {
    let data = data();
    drive(&data, |_| {
        SetSettings::new(users(&["U00000001"])).duration(SessionDuration::MIN)
    });
    drive(&data, |_| GetSettings::new(users(&["U00000001"])));
    drive(&data, |_| ClearSettings::new(users(&["U00000001"])));
    drive(&data, |_| ListSessions::new().limit(5));
    drive(&data, |_| {
        ResetSessions::new(UserId::new("U00000001").expect("id"))
    });
    drive(&data, |_| ResetSessionsBulk::new(users(&["U00000001"])));
    drive(&data, |_| ListUsers::new().limit(5));
    drive(&data, |_| {
        LookupByEmail::new("u00000001@example.com".parse().expect("an email"))
    });
    drive(&data, |_| {
        ListUsergroupUsers::new("S00000001".parse().expect("a group"))
    });
    // Each invalidate may end a session: take a new one each time.
    let directory = Emulator::builder().start().expect("emulator");
    let mut pairs = (0..400u32)
        .flat_map(|i| {
            let u = format!("U{i:08}");
            directory
                .active_sessions(Some(&u))
                .into_iter()
                .map(move |s| (u.clone(), s))
        })
        .collect::<Vec<_>>()
        .into_iter();
    drive(&data, |_| {
        let (u, s) = pairs.next().expect("sessions enough");
        InvalidateSession::new(s, UserId::new(&u).expect("id"))
    });
}

/// The answers' headers and the token kinds, as the reference documents them: every
/// answer to a token Slack knows carries its scopes (`x-oauth-scopes`), on both clients;
/// `auth.test` tells a workspace token from an org-level one; a token without a scope is
/// refused with `missing_scope`, naming what is needed and what it has.
#[test]
fn answers_carry_the_tokens_scopes_and_auth_test_tells_its_kind() {
    use slack_sessions_emulator::{ADMIN_TOKEN, ORG_TOKEN, READONLY_TOKEN};
    let emu = Emulator::builder()
        .rate_limit(None)
        .enterprise(true)
        .start()
        .expect("emulator");
    let token_kinds: [(&str, bool, &[&str]); 3] = [
        (
            ADMIN_TOKEN,
            false,
            &[
                "admin.users:read",
                "admin.users:write",
                "users:read.email",
                "usergroups:read",
            ],
        ),
        (
            ORG_TOKEN,
            true,
            &[
                "admin.users:read",
                "admin.users:write",
                "users:read.email",
                "usergroups:read",
            ],
        ),
        (
            READONLY_TOKEN,
            false,
            &["admin.users:read", "users:read.email", "usergroups:read"],
        ),
    ];
    for t in BOTH {
        for (token, org, scopes) in token_kinds {
            let setup = Setup {
                token: token.to_owned(),
                ..Setup::default()
            };
            let reply = match t {
                Transport::Blocking => blocking(&emu, &setup).call(&AuthTest::new()),
                Transport::Async => {
                    runtime().block_on(asynchronous(&emu, &setup).call(&AuthTest::new()))
                }
            }
            .expect("auth.test");
            assert_eq!(reply.output.is_org_level(), org, "{t:?} {token}");
            assert_eq!(reply.output.team_id.starts_with('E'), org, "{t:?} {token}");
            let want: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
            assert_eq!(reply.scopes.as_ref(), Some(&want), "{t:?} {token}");
            // Any other answer carries them too.
            let get = match t {
                Transport::Blocking => {
                    blocking(&emu, &setup).call(&GetSettings::new(users(&["U00000001"])))
                }
                Transport::Async => runtime().block_on(
                    asynchronous(&emu, &setup).call(&GetSettings::new(users(&["U00000001"]))),
                ),
            }
            .expect("getSettings");
            assert_eq!(get.scopes.as_ref(), Some(&want), "{t:?} {token}");
        }
        // A token without the write scope: missing_scope, with needed and provided.
        let setup = Setup {
            token: READONLY_TOKEN.to_owned(),
            ..Setup::default()
        };
        let set = SetSettings::new(users(&["U00000001"])).duration(SessionDuration::MIN);
        let e = match t {
            Transport::Blocking => blocking(&emu, &setup).call(&set),
            Transport::Async => runtime().block_on(asynchronous(&emu, &setup).call(&set)),
        }
        .expect_err("no write scope");
        let Error::Call(CallError::Api(ApiError {
            code,
            needed,
            provided,
            ..
        })) = e
        else {
            panic!("{t:?}: {e}")
        };
        assert_eq!(code, ErrorCode::MissingScope);
        assert_eq!(needed.as_deref(), Some("admin.users:write"));
        assert!(provided.is_some_and(|p| p.contains("admin.users:read")));
    }
}
