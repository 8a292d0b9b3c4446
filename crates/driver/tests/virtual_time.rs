//! The blocking driver over an in-memory transport in virtual time: no socket, no sleep.
//! The transport plays Slack, and its clock moves only when the driver waits, so that a
//! minute of pacing and `Retry-After` passes in microseconds, exactly.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use http::{Request, Response};
use slack_sessions_core::{
    BulkRun, CancelToken, ClientConfig, ErrorCode, GetSettings, Rate, SessionDuration,
    SessionSettings, Token, TransportFailure, TransportKind, UserIds,
};
use slack_sessions_driver::{BlockingClient, BlockingTransport};

/// What the fake Slack answers to the n-th request (from 0), given its body.
type Script = Box<dyn Fn(usize, &str) -> Result<Response<Vec<u8>>, TransportFailure> + Send + Sync>;

/// A transport whose clock is virtual: a request takes 20 ms of it, a wait moves it.
struct Virtual {
    t0: Instant,
    clock: Mutex<Instant>,
    sent: Mutex<Vec<(Duration, String)>>,
    script: Script,
}

impl Virtual {
    fn new(script: Script) -> Self {
        let t0 = Instant::now();
        Virtual {
            t0,
            clock: Mutex::new(t0),
            sent: Mutex::new(Vec::new()),
            script,
        }
    }

    fn elapsed(&self) -> Duration {
        *self.clock.lock().expect("no test thread panicked") - self.t0
    }
}

impl BlockingTransport for Virtual {
    fn send(
        &self,
        req: Request<Vec<u8>>,
        _: Instant,
    ) -> Result<Response<Vec<u8>>, TransportFailure> {
        let body = String::from_utf8(req.into_body()).expect("well-formed test data");
        let n = {
            let mut sent = self.sent.lock().expect("no test thread panicked");
            sent.push((self.elapsed(), body.clone()));
            sent.len() - 1
        };
        *self.clock.lock().expect("no test thread panicked") += Duration::from_millis(20);
        (self.script)(n, &body)
    }

    fn now(&self) -> Instant {
        *self.clock.lock().expect("no test thread panicked")
    }

    fn wait_until(&self, t: Instant, _: Option<&CancelToken>) {
        let mut clock = self.clock.lock().expect("no test thread panicked");
        assert!(t >= *clock - Duration::from_millis(1), "waits go forward");
        *clock = (*clock).max(t);
    }
}

fn ok() -> Result<Response<Vec<u8>>, TransportFailure> {
    Ok(Response::new(br#"{"ok":true}"#.to_vec()))
}

fn answer(
    status: u16,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Response<Vec<u8>>, TransportFailure> {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    Ok(b.body(body.as_bytes().to_vec())
        .expect("well-formed test data"))
}

fn client(script: Script, rate: Rate) -> BlockingClient<Virtual> {
    let config = ClientConfig::new(Token::new("xoxp-virtual").expect("well-formed test data"))
        .rate(rate)
        .validate()
        .expect("well-formed test data");
    BlockingClient::new(Virtual::new(script), config)
}

/// 10,000 users at 60 calls a minute (a burst of 2), a 429 asking for 30 s on the third
/// request, a transient error on the sixth and a user Slack does not know: every user
/// ends where they should, each wait is exactly what the pacer and `Retry-After` ask,
/// and the whole minute and more passes without the test sleeping.
#[test]
fn a_bulk_run_in_virtual_time() {
    let script: Script = Box::new(|n, body| match n {
        2 => answer(
            429,
            &[("retry-after", "30")],
            r#"{"ok":false,"error":"ratelimited"}"#,
        ),
        5 => answer(200, &[], r#"{"ok":false,"error":"internal_error"}"#),
        _ if body.contains("U09999999") => {
            answer(200, &[], r#"{"ok":false,"error":"user_not_found"}"#)
        }
        _ => ok(),
    });
    let c = client(script, Rate::new(60, 2));
    let mut users: Vec<String> = (0..10_000).map(|i| format!("U{i:08}")).collect();
    users[4_321] = "U09999999".into();
    let report = c
        .set_settings_bulk(
            &users,
            SessionSettings::new().duration(SessionDuration::MIN),
            BulkRun::default(),
            |_| {},
        )
        .expect("well-formed test data");
    assert_eq!(report.applied.len(), 9_999);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].error.code(), Some(ErrorCode::UserNotFound));
    let sent = c
        .transport()
        .sent
        .lock()
        .expect("no test thread panicked")
        .clone();
    // 10 chunks, a retry after the 429, one after the transient error, and the halving
    // of the chunk with the unknown user down to it: both halves at each of the ten
    // levels from 1,000 users to one.
    assert_eq!(sent.len(), 10 + 2 + 2 * 10);
    let at: Vec<Duration> = sent.iter().map(|(t, _)| *t).collect();
    // The 429 at the third request holds everything for 30 s.
    assert!(at[3] - at[2] >= Duration::from_secs(30), "{at:?}");
    // Never faster than the bucket allows: in any stretch of time, at most the burst
    // plus one a second.
    for i in 0..at.len() {
        for j in i + 1..at.len() {
            let allowed = 2 + (at[j] - at[i]).as_millis() / 1_000;
            assert!((j - i + 1) as u128 <= allowed, "{i}..={j}: {at:?}");
        }
    }
    // Every wait went through the transport's clock (a driver that slept on its own
    // would leave it at 20 ms a request): a minute and more of it, and none of the
    // test's own.
    let virtual_time = c.transport().elapsed();
    assert!(
        virtual_time >= Duration::from_secs(30 + 10),
        "{virtual_time:?}"
    );
}

/// One call retried twice, its backoff waits passing in virtual time.
#[test]
fn a_call_retried_in_virtual_time() {
    let script: Script = Box::new(|n, _| {
        match n {
        0 => Err(TransportFailure::new(TransportKind::Io, "reset")),
        1 => answer(503, &[("retry-after", "7")], "<html>busy</html>"),
        _ => Ok(Response::new(
            br#"{"ok":true,"session_settings":[{"user_id":"U1","duration":180,"desktop_app_browser_quit":null}],"no_settings_applied":[]}"#
                .to_vec(),
        )),
    }
    });
    let c = client(script, Rate::new(6_000, 100));
    let got = c
        .get_settings(&GetSettings::new(
            UserIds::parse(["U1"]).expect("well-formed test data"),
        ))
        .expect("well-formed test data");
    assert_eq!(
        got.output.session_settings[0].duration.map(|d| d.as_secs()),
        Some(180)
    );
    let sent = c
        .transport()
        .sent
        .lock()
        .expect("no test thread panicked")
        .clone();
    assert_eq!(sent.len(), 3);
    // The 7 s passed on the transport's clock, not the test's.
    assert!(
        sent[2].0 - sent[1].0 >= Duration::from_secs(7),
        "Retry-After: {sent:?}"
    );
    assert!(c.transport().elapsed() >= Duration::from_secs(7));
}
