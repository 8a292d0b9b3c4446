//! `timeout` bounds the whole HTTP call on both transports: a server that drips the head
//! and then the body, each within the timeout but not both, must time out.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::*;
use slack_sessions::blocking::Blocking;
use slack_sessions::r#async::Async;
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

#[test]
fn a_dripping_answer_times_out_on_both_transports() {
    let (addr, _server) = dripping_server(2);
    let base = format!("http://{addr}/api/");

    let config = ClientConfig::new(token())
        .base_url(&base)
        .timeout(TIMEOUT)
        .retry_policy(fast_retries(0))
        .pacing(false);
    let c = config
        .clone()
        .with_adapter::<Blocking>()
        .build()
        .expect("client");
    let started = Instant::now();
    let e = c.clear_settings(&clear()).expect_err("whole-call timeout");
    let blocking = started.elapsed();
    assert_eq!(e.transport_kind(), Some(TransportKind::Timeout), "{e}");

    let rt = runtime();
    let started = Instant::now();
    let e = rt
        .block_on(async {
            let c = config.with_adapter::<Async>().build().expect("client");
            c.clear_settings(&clear()).await
        })
        .expect_err("whole-call timeout");
    let asynchronous = started.elapsed();
    assert_eq!(e.transport_kind(), Some(TransportKind::Timeout), "{e}");

    // Both give up at the timeout; the generous upper bound only catches a hang.
    for (name, took) in [("blocking", blocking), ("async", asynchronous)] {
        assert!(
            took >= TIMEOUT && took < 3 * TIMEOUT,
            "{name} took {took:?} for a {TIMEOUT:?} timeout"
        );
    }
}
