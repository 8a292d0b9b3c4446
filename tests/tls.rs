//! https end to end: both clients against the emulator serving TLS with certificates made
//! at run time, trusted through an extra PEM root; and each TLS fault, with the same kind
//! and a message that names the cause, on both transports.

mod common;

use common::pki::{Leaf, TestCa};
use common::*;
use slack_sessions::sansio::ClientConfig;
use slack_sessions::{
    ClearSettings, Error, GetSettings, SessionDuration, SetSettings, Token, TransportKind, UserIds,
};
use slack_sessions_emulator::{Emulator, ADMIN_TOKEN};

fn users() -> UserIds {
    UserIds::parse(["U00000001", "W00000002"]).expect("ids")
}

fn config(base_url: &str, ca: Option<&TestCa>) -> ClientConfig {
    let c = ClientConfig::new(Token::new(ADMIN_TOKEN).expect("token"))
        .base_url(base_url)
        .retry_policy(fast_retries(1))
        .pacing(false);
    match ca {
        Some(ca) => c.add_root_pem(ca.pem()),
        None => c,
    }
}

/// set → get → clear → get on `transport`, returning what get saw before and after.
fn round_trip(t: Transport, c: ClientConfig) -> Result<(Option<i64>, Option<i64>), Error> {
    let set = SetSettings::new(users()).duration(SessionDuration::from_secs(43_200)?);
    let get = GetSettings::new(users());
    let clear = ClearSettings::new(users());
    let first = |o: &slack_sessions::GetSettingsOutput| {
        o.session_settings
            .first()
            .and_then(|s| s.duration)
            .map(|d| d.as_secs())
    };
    match t {
        Transport::Blocking => {
            let client = c
                .with_adapter::<slack_sessions::blocking::Blocking>()
                .build()?;
            client.set_settings(&set)?;
            let before = first(&client.get_settings(&get)?.output);
            client.clear_settings(&clear)?;
            Ok((before, first(&client.get_settings(&get)?.output)))
        }
        Transport::Async => runtime().block_on(async {
            let client = c
                .with_adapter::<slack_sessions::nonblocking::Async>()
                .build()?;
            client.set_settings(&set).await?;
            let before = first(&client.get_settings(&get).await?.output);
            client.clear_settings(&clear).await?;
            Ok((before, first(&client.get_settings(&get).await?.output)))
        }),
    }
}

#[test]
fn set_get_clear_over_tls_on_both_clients() {
    let ca = TestCa::new("slack-sessions test ca");
    let emu = ca.emulator(Leaf::Good);
    assert!(emu.base_url().starts_with("https://127.0.0.1:"));
    for t in BOTH {
        for url in [emu.base_url(), emu.base_url_for("localhost")] {
            let got = round_trip(t, config(&url, Some(&ca)));
            assert_eq!(got, Ok((Some(43_200), None)), "{t:?} {url}");
        }
    }
    assert_eq!(emu.tls_failures(), 0);
    assert!(emu.settings("U00000001").is_none());
}

/// Each fault, on both clients: kind `Tls`, and a message that names the cause.
#[test]
fn tls_faults_have_one_kind_and_name_their_cause() {
    let ca = TestCa::new("slack-sessions test ca");
    let stranger = TestCa::new("someone else's ca");
    let good = ca.emulator(Leaf::Good);
    let wrong_host = ca.emulator(Leaf::WrongHost);
    let expired = ca.emulator(Leaf::Expired);
    let plain_to_tls = good.base_url().replace("https://", "http://");
    let cases: [(&str, &Emulator, String, Option<&TestCa>, &str); 5] = [
        (
            "untrusted issuer",
            &good,
            good.base_url(),
            None,
            "UnknownIssuer",
        ),
        (
            "another ca",
            &good,
            good.base_url(),
            Some(&stranger),
            "UnknownIssuer",
        ),
        (
            "wrong host",
            &wrong_host,
            wrong_host.base_url(),
            Some(&ca),
            "not valid for name",
        ),
        (
            "expired",
            &expired,
            expired.base_url(),
            Some(&ca),
            "expired",
        ),
        (
            "plain http to a tls port",
            &good,
            plain_to_tls,
            Some(&ca),
            "did not answer in HTTP",
        ),
    ];
    for (name, emu, url, trust, cause) in cases {
        for t in BOTH {
            let e = round_trip(t, config(&url, trust)).expect_err(name);
            let Error::Transport(f) = &e else {
                panic!("{name} {t:?}: {e:?}")
            };
            assert_eq!(f.kind, TransportKind::Tls, "{name} {t:?}: {e}");
            assert!(f.message.contains(cause), "{name} {t:?}: {e}");
            assert!(std::error::Error::source(&e).is_some(), "{name} {t:?}");
            assert_eq!(e.short_code(), "tls_error");
            // Not retried: a certificate does not fix itself.
            assert!(!e.is_retryable(), "{name}");
            assert!(!e.to_string().contains(ADMIN_TOKEN));
        }
        assert!(emu.state().is_empty(), "{name}: nothing applied");
    }
}
