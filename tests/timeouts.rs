//! `timeout` bounds the whole HTTP call on both transports: a server that drips the head
//! and then the body, each within the timeout but not both, must time out. And
//! `connect_timeout` bounds a connect that gets no answer.
//!
//! These are wall-clock tests by nature, the one place the suite reads the time: a
//! timeout is a bound on real time that no count of events can stand in for (the
//! transports' deadlines run on the operating system's clock, not the core's). Each
//! bound is generous (a few times the timeout), so that a slow machine only makes it
//! slower, never wrong.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::*;
use slack_sessions::blocking::Blocking;
use slack_sessions::nonblocking::Async;
use slack_sessions::sansio::ClientConfig;
use slack_sessions::{ClearSettings, Token, TransportKind, UserIds};

const TIMEOUT: Duration = Duration::from_millis(1_000);
/// How long the head takes to arrive, and then the body: each under the timeout, their
/// sum over it.
const PHASE: Duration = Duration::from_millis(700);

/// A server on 127.0.0.1 that answers each request slowly: the head over `PHASE`, then
/// the body over `PHASE`, a few bytes at a time. It serves `connections` connections.
fn dripping_server(connections: usize) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handle = std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(mut s) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let body = br#"{"ok":true}"#;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-padding: {}\r\n\r\n",
                    body.len(),
                    "p".repeat(40)
                );
                for part in [head.as_bytes(), body.as_slice()] {
                    let step = PHASE / part.len() as u32;
                    for b in part {
                        if s.write_all(&[*b]).is_err() {
                            return;
                        }
                        std::thread::sleep(step);
                    }
                }
            });
        }
    });
    (addr, handle)
}

fn clear() -> ClearSettings {
    ClearSettings::new(UserIds::parse(["U00000001"]).expect("ids"))
}

fn token() -> Token {
    Token::new("xoxp-1").expect("token")
}

/// Calls clearSettings once on each transport, with no retry; each must fail with
/// `kind`. Returns how long each took, by transport name.
fn fail_on_both(
    config: ClientConfig,
    rt: &tokio::runtime::Runtime,
    kind: TransportKind,
) -> [(&'static str, Duration); 2] {
    let config = config.retry_policy(fast_retries(0)).pacing(false);
    let c = config
        .clone()
        .with_adapter::<Blocking>()
        .build()
        .expect("client");
    let started = Instant::now();
    let e = c.clear_settings(&clear()).expect_err("a failure");
    let blocking = started.elapsed();
    assert_eq!(e.transport_kind(), Some(kind), "blocking: {e}");

    let started = Instant::now();
    let e = rt
        .block_on(async {
            let c = config.with_adapter::<Async>().build().expect("client");
            c.clear_settings(&clear()).await
        })
        .expect_err("a failure");
    let asynchronous = started.elapsed();
    assert_eq!(e.transport_kind(), Some(kind), "async: {e}");
    [("blocking", blocking), ("async", asynchronous)]
}

#[test]
fn a_dripping_answer_times_out_on_both_transports() {
    let (addr, _server) = dripping_server(2);
    let config = ClientConfig::new(token())
        .base_url(format!("http://{addr}/api/"))
        .timeout(TIMEOUT);
    // Both give up at the timeout; the generous upper bound only catches a hang.
    for (name, took) in fail_on_both(config, &runtime(), TransportKind::Timeout) {
        assert!(
            took >= TIMEOUT && took < 3 * TIMEOUT,
            "{name} took {took:?} for a {TIMEOUT:?} timeout"
        );
    }
}

/// A port whose connection queue is full: a connect to it hangs until the caller gives
/// up (Linux drops the SYN). Keep the listener and the streams while it is used.
fn full_port(
    rt: &tokio::runtime::Runtime,
) -> (
    SocketAddr,
    tokio::net::TcpListener,
    Vec<std::net::TcpStream>,
) {
    let listener = rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind("127.0.0.1:0".parse().expect("addr"))
            .expect("bind");
        socket.listen(1).expect("listen")
    });
    let addr = listener.local_addr().expect("addr");
    let mut queued = Vec::new();
    while let Ok(s) = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
        queued.push(s);
        assert!(queued.len() < 64, "the queue never filled");
    }
    (addr, listener, queued)
}

#[test]
fn a_hanging_connect_gives_up_at_the_connect_timeout_on_both_transports() {
    const CONNECT: Duration = Duration::from_millis(300);
    let rt = runtime();
    let (addr, _listener, _queued) = full_port(&rt);
    let config = ClientConfig::new(token())
        .base_url(format!("http://{addr}/api/"))
        .timeout(Duration::from_secs(20))
        .connect_timeout(CONNECT);
    // Nothing was sent: a connect failure, safe to retry for any method.
    for (name, took) in fail_on_both(config, &rt, TransportKind::Connect) {
        assert!(
            took >= CONNECT && took < Duration::from_secs(5),
            "{name} took {took:?} for a {CONNECT:?} connect timeout"
        );
    }
}
