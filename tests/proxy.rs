//! Both clients through a `CONNECT` proxy on loopback to the TLS emulator: the tunnel is
//! used, the proxy never sees the token, credentials go in `Proxy-Authorization` and are
//! never printed, `no_proxy` bypasses it, and a refusing proxy is kind `Proxy`.

mod common;

use common::pki::{Leaf, TestCa};
use common::*;
use slack_sessions::sansio::ClientConfig;
use slack_sessions::{Error, SessionDuration, SetSettings, Token, TransportKind, UserIds};
use slack_sessions_emulator::proxy::{ConnectProxy, ProxyMode};
use slack_sessions_emulator::{Emulator, ADMIN_TOKEN};

fn config(emu: &Emulator, ca: &TestCa) -> ClientConfig {
    ClientConfig::new(Token::new(ADMIN_TOKEN).expect("token"))
        .base_url(emu.base_url())
        .add_root_pem(ca.pem())
        .retry_policy(fast_retries(0))
        .pacing(false)
}

fn set(t: Transport, c: ClientConfig) -> Result<(), Error> {
    let m = SetSettings::new(UserIds::parse(["U00000001"])?)
        .duration(SessionDuration::from_secs(28_800)?);
    match t {
        Transport::Blocking => {
            let client = c
                .with_adapter::<slack_sessions::blocking::Blocking>()
                .build()?;
            client.set_settings(&m).map(drop)
        }
        Transport::Async => runtime().block_on(async {
            let client = c
                .with_adapter::<slack_sessions::nonblocking::Async>()
                .build()?;
            client.set_settings(&m).await.map(drop)
        }),
    }
}

#[test]
fn both_clients_tunnel_to_tls_and_the_proxy_never_sees_the_token() {
    let ca = TestCa::new("proxy test ca");
    let emu = ca.emulator(Leaf::Good);
    let proxy =
        ConnectProxy::start(ProxyMode::RequireAuth("alice:s3cret pass".into())).expect("proxy");
    let url = proxy.url_with_credentials("alice:s3cret%20pass");
    let blocking = config(&emu, &ca)
        .proxy(&url)
        .with_adapter::<slack_sessions::blocking::Blocking>()
        .build()
        .expect("client");
    assert!(!format!("{blocking:?}").contains("s3cret"), "{blocking:?}");
    runtime().block_on(async {
        let c = config(&emu, &ca)
            .proxy(&url)
            .with_adapter::<slack_sessions::nonblocking::Async>()
            .build()
            .expect("client");
        assert!(!format!("{c:?}").contains("s3cret"), "{c:?}");
    });
    for (n, t) in BOTH.into_iter().enumerate() {
        let c = config(&emu, &ca).proxy(&url);
        assert!(!format!("{c:?}").contains("s3cret"), "config Debug");
        set(t, c).unwrap_or_else(|e| panic!("{t:?}: {e}"));
        assert!(proxy.tunnels() > n as u64, "{t:?} did not tunnel");
    }
    assert_eq!((proxy.requests(), proxy.refused()), (0, 0));
    assert_eq!(emu.log().len(), 2);
    let port = emu.addr().port();
    for head in proxy.heads() {
        assert!(
            head.starts_with(&format!("CONNECT 127.0.0.1:{port} HTTP/1.1")),
            "{head}"
        );
        assert!(head
            .to_ascii_lowercase()
            .contains("proxy-authorization: basic "));
        assert!(!head.contains(ADMIN_TOKEN));
    }
    // What went through the tunnels was TLS, not the request in clear.
    let seen = proxy.seen();
    assert!(seen.len() > 1000, "{} bytes", seen.len());
    assert_eq!(seen[0], 0x16, "a TLS handshake record first");
    let token = ADMIN_TOKEN.as_bytes();
    assert!(!seen.windows(token.len()).any(|w| w == token));
    assert!(!seen.windows(4).any(|w| w == b"POST"));
}

#[test]
fn no_proxy_bypasses_the_proxy_on_both_clients() {
    let ca = TestCa::new("proxy test ca");
    let emu = ca.emulator(Leaf::Good);
    let proxy = ConnectProxy::start(ProxyMode::Tunnel).expect("proxy");
    for t in BOTH {
        for hosts in ["127.0.0.1", "localhost, 127.0.0.1", "*"] {
            let c = config(&emu, &ca).proxy(proxy.url()).no_proxy(hosts);
            set(t, c).unwrap_or_else(|e| panic!("{t:?} {hosts}: {e}"));
            assert_eq!(proxy.tunnels(), 0, "{t:?} {hosts:?} went through the proxy");
        }
        // A list that does not name the server leaves the proxy in the way.
    }
    for t in BOTH {
        let c = config(&emu, &ca).proxy(proxy.url()).no_proxy("example.com");
        set(t, c).unwrap_or_else(|e| panic!("{t:?}: {e}"));
    }
    assert_eq!(
        proxy.tunnels(),
        2,
        "only the two calls that were not bypassed"
    );
    assert_eq!(emu.log().len(), 8);
}

#[test]
fn a_refusing_proxy_is_kind_proxy_with_one_line_and_no_password() {
    let ca = TestCa::new("proxy test ca");
    let emu = ca.emulator(Leaf::Good);
    for mode in [
        ProxyMode::RequireAuth("alice:right".into()),
        ProxyMode::Close,
        ProxyMode::Garbage,
        ProxyMode::BadStatus,
    ] {
        let proxy = ConnectProxy::start(mode.clone()).expect("proxy");
        let url = proxy.url_with_credentials("alice:wrong-hunter2");
        for t in BOTH {
            let e = set(t, config(&emu, &ca).proxy(&url)).expect_err("refused");
            assert_eq!(
                e.transport_kind(),
                Some(TransportKind::Proxy),
                "{mode:?} {t:?}: {e}"
            );
            let line = e.to_string();
            assert!(!line.contains('\n') && !line.contains("hunter2"), "{line}");
            let shown = format!("http://***@{}", proxy.addr());
            assert!(line.contains(&shown), "names the proxy: {line}");
            assert_eq!(e.short_code(), "proxy_error");
        }
        assert_eq!(proxy.tunnels(), 0);
        assert!(proxy.refused() >= 2);
    }
    assert!(emu.log().is_empty(), "nothing reached the server");
}

#[test]
fn a_bad_proxy_url_is_refused_before_anything_is_sent() {
    let ca = TestCa::new("proxy test ca");
    let emu = ca.emulator(Leaf::Good);
    for t in BOTH {
        let e = set(
            t,
            config(&emu, &ca).proxy("socks5://bob:hunter2@127.0.0.1:1"),
        )
        .expect_err("refused");
        let line = e.to_string();
        assert!(
            line.contains("only http:// proxies") && !line.contains("hunter2"),
            "{line}"
        );
    }
    assert!(emu.log().is_empty());
}

/// A proxy that is not there is the proxy's failure, named, at once: not "cannot
/// connect to the server" after rounds of retries.
#[test]
fn a_dead_proxy_is_named_on_both_clients() {
    let ca = TestCa::new("proxy test ca");
    let emu = ca.emulator(Leaf::Good);
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port");
    for t in BOTH {
        let url = format!("http://s3cretPW@{dead}");
        let c = config(&emu, &ca).proxy(&url).retry_policy(fast_retries(3));
        let e = set(t, c).expect_err("no proxy there");
        assert_eq!(e.transport_kind(), Some(TransportKind::Proxy), "{t:?}: {e}");
        let line = e.to_string();
        assert!(
            line.contains(&format!("proxy http://***@{dead}")),
            "{t:?}: {line}"
        );
        assert!(!line.contains("s3cretPW"), "{line}");
        // Not retried, though three retries are allowed: a proxy that hangs up is
        // asked once.
        let closing = ConnectProxy::start(ProxyMode::Close).expect("proxy");
        let c = config(&emu, &ca)
            .proxy(closing.url())
            .retry_policy(fast_retries(3));
        let e = set(t, c).expect_err("the proxy hangs up");
        assert_eq!(e.transport_kind(), Some(TransportKind::Proxy), "{t:?}: {e}");
        assert_eq!(closing.refused(), 1, "{t:?}: asked once, not retried");
    }
    assert!(emu.log().is_empty());
}

/// One `NO_PROXY` rule on both transports, as curl reads it: each list sends the
/// emulator's host direct, or through the proxy, on both alike.
#[test]
fn both_clients_read_no_proxy_alike() {
    let ca = TestCa::new("proxy test ca");
    let emu = ca.emulator(Leaf::Good);
    let proxy = ConnectProxy::start(ProxyMode::Tunnel).expect("proxy");
    let cases: &[(&str, &str, bool)] = &[
        ("127.0.0.1", "127.0.0.0/8", true),
        ("127.0.0.1", "127.0.0.1/32", true),
        ("127.0.0.1", "127.0.0.*", false),
        ("127.0.0.1", ".0.0.1", false),
        ("127.0.0.1", "10.0.0.0/8", false),
        ("localhost", ".localhost", true),
        ("localhost", "localhost", true),
        ("localhost", "otherhost,LOCALHOST.", true),
        ("localhost", "host", false),
    ];
    for t in BOTH {
        for &(host, list, direct) in cases {
            let before = proxy.tunnels();
            let c = ClientConfig::new(Token::new(ADMIN_TOKEN).expect("token"))
                .base_url(emu.base_url_for(host))
                .add_root_pem(ca.pem())
                .retry_policy(fast_retries(0))
                .pacing(false)
                .proxy(proxy.url())
                .no_proxy(list);
            set(t, c).unwrap_or_else(|e| panic!("{t:?} {host} {list}: {e}"));
            let tunnelled = proxy.tunnels() > before;
            assert_eq!(tunnelled, !direct, "{t:?}: host {host}, NO_PROXY={list:?}");
        }
    }
}

/// `with_parts` takes the caller's connector: settings only a connector can apply are
/// refused, never silently dropped (a call "through a proxy" must not go direct).
#[test]
fn with_parts_refuses_what_only_a_connector_applies() {
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::rt::{TokioExecutor, TokioTimer};
    use slack_sessions::nonblocking::{Client, ClientBuilder, HttpClient};
    let builder = ClientBuilder::for_adapter;
    use slack_sessions::InvalidInput;

    let ca = TestCa::new("proxy test ca");
    let dead = "http://127.0.0.1:9";
    let cases: Vec<(&str, slack_sessions::nonblocking::ClientBuilder)> = vec![
        (
            "proxy",
            builder(Token::new(ADMIN_TOKEN).expect("token")).proxy(dead),
        ),
        (
            "proxy",
            builder(Token::new(ADMIN_TOKEN).expect("token")).no_proxy("localhost"),
        ),
        (
            "proxy_from_env",
            builder(Token::new(ADMIN_TOKEN).expect("token")).proxy_from_env(true),
        ),
        (
            "root_pem",
            builder(Token::new(ADMIN_TOKEN).expect("token")).add_root_pem(ca.pem()),
        ),
        (
            "roots",
            builder(Token::new(ADMIN_TOKEN).expect("token")).roots(slack_sessions::Roots::Native),
        ),
    ];
    let rt = runtime();
    let _guard = rt.enter();
    for (name, config) in cases {
        let http = HttpClient::builder(TokioExecutor::new()).build(HttpConnector::new());
        match Client::with_parts(config, http, TokioTimer::new()) {
            Err(Error::Invalid(InvalidInput::Setting { name: n, reason })) => {
                assert_eq!(n, name);
                assert!(reason.contains("connector"), "{reason}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}
