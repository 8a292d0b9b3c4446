//! The HTTP/1.1 server: routing, body limits, faults, and writing answers.

use std::net::TcpListener as StdListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::faults::{Fault, FaultPlan};
use crate::log::{Log, LogEntry, TokenSource};
use crate::ratelimit::RateLimiter;
use crate::slack::{self, Store, METHODS};
use crate::tls::TlsIdentity;
use crate::wire;

/// The largest request body read; larger ones get HTTP 413 without being read.
pub const MAX_REQUEST_BODY: usize = 1 << 20;
/// The largest request head (request line and headers) accepted.
pub const MAX_HEAD: usize = 64 << 10;

/// hyper's read buffer: heads from [`MAX_HEAD`] up to this get a 431 from `serve`;
/// larger ones get hyper's own 431.
const READ_BUFFER: usize = 4 * MAX_HEAD;

/// Everything the connections share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub store: Store,
    pub limiter: RateLimiter,
    pub log: Log,
    pub faults: Mutex<FaultPlan>,
    pub calls: AtomicU64,
    pub storm_left: AtomicU64,
    /// `Retry-After` of a storm's 429s, in seconds.
    pub storm_retry_after: u64,
    /// Ordinary `U` users in the directory.
    pub users: u32,
    /// TLS handshakes that failed.
    pub tls_failures: AtomicU64,
    /// Sessions ended by reset and invalidate.
    pub ended: crate::sessions::Ended,
    /// Calls to known methods being handled now, and the most at once so far.
    pub in_flight: AtomicU64,
    pub max_in_flight: AtomicU64,
    /// Woken at each call's arrival, for [`Emulator::wait_for_calls`](crate::Emulator::wait_for_calls).
    pub arrivals: (std::sync::Mutex<()>, std::sync::Condvar),
    /// The org-level mode.
    pub enterprise: bool,
}

/// One call being handled: counted in [`Shared::in_flight`] until it is dropped.
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn begin(shared: &'a Shared) -> Self {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The connection is closed with no answer.
#[derive(Debug)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

pub(crate) async fn accept_loop(
    listener: StdListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
    tls: Option<TlsIdentity>,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = TcpListener::from_std(listener)?;
    loop {
        let (stream, _) = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            r = listener.accept() => match r {
                Ok(s) => s,
                // Out of file descriptors and the like: back off, keep serving.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let acceptor = tls.as_ref().map(TlsIdentity::acceptor);
        tokio::spawn(async move {
            match acceptor {
                // A failed handshake (an untrusting client, plain http) just ends here.
                Some(a) => match a.accept(stream).await {
                    Ok(s) => serve_connection(s, shared).await,
                    Err(_) => {
                        shared.tls_failures.fetch_add(1, Ordering::Relaxed);
                    }
                },
                None => serve_connection(stream, shared).await,
            }
        });
    }
}

/// Serves http/1.1 on one connection, plain or TLS, until it closes.
async fn serve_connection<S>(stream: S, shared: Arc<Shared>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| serve(Arc::clone(&shared), req));
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        // Room past MAX_HEAD, so that `serve` sees heads a little over it and answers 431
        // itself, after reading the whole head: a server that closes with the head half
        // read has its 431 lost to a connection reset.
        .max_buf_size(READ_BUFFER)
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

type Resp = Response<Full<Bytes>>;

fn json_response(status: StatusCode, body: &Value) -> Resp {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    raw(status, "application/json; charset=utf-8", bytes)
}

fn raw(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    r
}

fn rate_limited(retry_after: u64) -> Resp {
    let mut r = json_response(
        StatusCode::TOO_MANY_REQUESTS,
        &serde_json::json!({"ok": false, "error": "ratelimited"}),
    );
    r.headers_mut()
        .insert(http::header::RETRY_AFTER, HeaderValue::from(retry_after));
    r
}

fn html(status: u16) -> Resp {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = format!(
        "<!DOCTYPE html>\n<html><head><title>{status}</title></head><body><h1>{status}</h1><p>The server is having a moment.</p></body></html>\n"
    );
    let mut resp = raw(status, "text/html; charset=utf-8", body.into_bytes());
    if status.is_redirection() {
        resp.headers_mut().insert(
            http::header::LOCATION,
            http::HeaderValue::from_static("https://login.example.invalid/sso"),
        );
    }
    resp
}

/// An oversized answer that applies nothing: `internal_error`, padded to `bytes`.
fn huge(bytes: usize) -> Resp {
    let mut body = Vec::with_capacity(bytes);
    body.extend_from_slice(br#"{"ok":false,"error":"internal_error","padding":""#);
    body.resize(bytes.saturating_sub(2).max(body.len()), b'x');
    body.extend_from_slice(br#""}"#);
    raw(StatusCode::OK, "application/json; charset=utf-8", body)
}

struct Record {
    call: u64,
    arrived: std::time::Instant,
    method: String,
    headers: Vec<(String, String)>,
    token_source: TokenSource,
    args: Value,
}

impl Record {
    fn finish(self, shared: &Shared, status: u16, outcome: &str) {
        shared.log.record(LogEntry {
            call: self.call,
            arrived: self.arrived,
            method: self.method,
            headers: self.headers,
            token_source: self.token_source,
            args: self.args,
            status,
            outcome: outcome.to_owned(),
        });
    }
}

fn redacted_headers(req: &http::HeaderMap) -> Vec<(String, String)> {
    req.iter()
        .map(|(k, v)| {
            let v = if k == http::header::AUTHORIZATION {
                "[redacted]".to_owned()
            } else {
                String::from_utf8_lossy(v.as_bytes()).into_owned()
            };
            (k.as_str().to_owned(), v)
        })
        .collect()
}

/// About how many bytes the request line and headers took on the wire.
fn head_len(req: &Request<Incoming>) -> usize {
    let line = req.method().as_str().len()
        + req.uri().path_and_query().map_or(1, |p| p.as_str().len())
        + " HTTP/1.1\r\n".len()
        + 1;
    req.headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum::<usize>()
        + line
        + 2
}

/// One request: its answer, with the token's scopes in `x-oauth-scopes` as Slack sends
/// them on every Web API answer (when the token is one Slack would know).
async fn serve(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Resp, Dropped> {
    let mut scopes = None;
    let mut resp = serve_request(shared, req, &mut scopes).await?;
    if let Some(s) = scopes {
        resp.headers_mut()
            .insert("x-oauth-scopes", HeaderValue::from_static(s));
    }
    Ok(resp)
}

async fn serve_request(
    shared: Arc<Shared>,
    req: Request<Incoming>,
    scopes: &mut Option<&'static str>,
) -> Result<Resp, Dropped> {
    // The head limit is enforced here, on every request of every connection.
    if head_len(&req) > MAX_HEAD {
        shared.log.count_only("request_header_fields_too_large");
        let mut r = raw(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "text/plain",
            b"request head larger than 64 KiB\n".to_vec(),
        );
        r.headers_mut()
            .insert(http::header::CONNECTION, HeaderValue::from_static("close"));
        return Ok(r);
    }
    let path = req.uri().path().to_owned();
    let Some(name) = path.strip_prefix("/api/") else {
        return Ok(raw(
            StatusCode::NOT_FOUND,
            "text/plain",
            b"not found\n".to_vec(),
        ));
    };
    if req.method() != Method::POST {
        return Ok(raw(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            b"use POST\n".to_vec(),
        ));
    }
    let mut rec = Record {
        call: 0,
        arrived: std::time::Instant::now(),
        method: name.to_owned(),
        headers: if shared.log.wants_entries() {
            redacted_headers(req.headers())
        } else {
            Vec::new()
        },
        token_source: TokenSource::None,
        args: Value::Null,
    };
    let Some(&(method, writes, tier)) = METHODS.iter().find(|(m, _, _)| *m == name) else {
        rec.finish(&shared, 200, "unknown_method");
        return Ok(json_response(
            StatusCode::OK,
            &slack::error("unknown_method").body,
        ));
    };
    // `auth.test`, a run's preflight, is answered outside the fault plan's numbering
    // (and `calls`), so that a preflight does not move which call a fault hits.
    let preflight = method == "auth.test";
    if !preflight {
        rec.call = {
            let _held = shared.arrivals.0.lock().unwrap_or_else(|p| p.into_inner());
            let n = shared.calls.fetch_add(1, Ordering::SeqCst) + 1;
            shared.arrivals.1.notify_all();
            n
        };
    }
    let _in_flight = InFlight::begin(&shared);
    let fault = if preflight {
        None
    } else {
        shared
            .faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .fault_for(rec.call)
    };
    let too_large = || {
        json_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            &serde_json::json!({"ok": false, "error": "request_too_large"}),
        )
    };
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_REQUEST_BODY as u64) {
        rec.finish(&shared, 413, "request_too_large");
        return Ok(too_large());
    }
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            rec.finish(&shared, 413, "request_too_large");
            return Ok(too_large());
        }
        Err(_) => return Err(Dropped),
    };

    if let Some(Fault::Delay(d)) = fault {
        tokio::time::sleep(d).await;
    }
    // Faults of the infrastructure come before Slack looks at the request.
    let storming = shared
        .storm_left
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
        .is_ok();
    if storming {
        rec.finish(&shared, 429, "storm");
        return Ok(rate_limited(shared.storm_retry_after));
    }
    match fault {
        Some(Fault::Storm(n)) => {
            shared
                .storm_left
                .store(u64::from(n.saturating_sub(1)), Ordering::Relaxed);
            rec.finish(&shared, 429, "storm");
            return Ok(rate_limited(shared.storm_retry_after));
        }
        Some(Fault::SlackError(code)) => {
            rec.finish(&shared, 200, &format!("fault:{code}"));
            return Ok(json_response(StatusCode::OK, &slack::error(code).body));
        }
        Some(Fault::Http(s)) => {
            rec.finish(&shared, s, &format!("fault:http{s}"));
            return Ok(html(s));
        }
        Some(Fault::Drop) => {
            rec.finish(&shared, 0, "fault:drop");
            return Err(Dropped);
        }
        Some(Fault::Truncate) => {
            rec.finish(&shared, 200, "fault:truncate");
            return Ok(raw(
                StatusCode::OK,
                "application/json; charset=utf-8",
                br#"{"ok":tr"#.to_vec(),
            ));
        }
        Some(Fault::Huge(n)) => {
            // Nothing is applied: only an answer that applies may say ok:true.
            rec.finish(&shared, 200, "fault:huge");
            return Ok(huge(n));
        }
        _ => {}
    }

    let parsed = match wire::parse(&parts.headers, &body) {
        Ok(p) => p,
        Err(code) => {
            rec.finish(&shared, 200, code);
            return Ok(json_response(StatusCode::OK, &slack::error(code).body));
        }
    };
    rec.token_source = match (
        &parsed.token,
        parts.headers.contains_key(http::header::AUTHORIZATION),
    ) {
        (None, _) => TokenSource::None,
        (Some(_), true) => TokenSource::Header,
        (Some(_), false) => TokenSource::Body,
    };
    if shared.log.wants_entries() {
        rec.args = Value::Object(parsed.args.clone());
    }
    let token = parsed.token.as_deref();
    let granted = crate::directory::grant_in(token, shared.enterprise);
    *scopes = granted.scopes();
    if preflight {
        let answer = crate::slack::auth_test(granted);
        rec.finish(&shared, 200, &answer.outcome);
        return Ok(json_response(StatusCode::OK, &answer.body));
    }
    if let (
        Some(t),
        crate::directory::Grant::Admin
        | crate::directory::Grant::ReadOnly
        | crate::directory::Grant::Org,
    ) = (token, granted)
    {
        if let Some(secs) = shared.limiter.check(t, method, tier, Instant::now()) {
            rec.finish(&shared, 429, "ratelimited");
            return Ok(rate_limited(secs));
        }
    }
    let family = if slack::is_session_family(method) {
        Some(slack::refusal(granted, method, writes).unwrap_or_else(|| {
            crate::sessions::answer(method, &parsed.args, &shared.ended, shared.users)
        }))
    } else if slack::is_people_method(method) {
        Some(slack::refusal(granted, method, writes).unwrap_or_else(|| {
            let asker = crate::people::Asker {
                enterprise: shared.enterprise,
                org_token: granted == crate::directory::Grant::Org,
            };
            crate::people::answer(method, &parsed.args, parsed.json, shared.users, asker)
        }))
    } else {
        None
    };
    let (ended, users) = (&shared.ended, shared.users);
    let answer = match family.map_or_else(
        || slack::check(method, writes, granted, &parsed.args, shared.users),
        |a| Ok(slack::Checked::Done(a)),
    ) {
        Err(a) => a,
        Ok(work) => {
            // The session family answered as it acted; the settings methods act now.
            let a = match work {
                slack::Checked::Done(a) => a,
                slack::Checked::Work(w) => {
                    slack::apply(&shared.store, w, |u| ended.has_active(u, users))
                }
            };
            let applied = a.outcome == "ok" && writes;
            match fault {
                Some(Fault::FatalAfterApply) if applied => {
                    rec.finish(&shared, 200, "fault:fatal_error_after_apply");
                    return Ok(json_response(
                        StatusCode::OK,
                        &slack::error("fatal_error").body,
                    ));
                }
                Some(Fault::DropAfterApply) if applied => {
                    rec.finish(&shared, 0, "fault:drop_after_apply");
                    return Err(Dropped);
                }
                _ => a,
            }
        }
    };
    rec.finish(&shared, 200, &answer.outcome);
    Ok(json_response(StatusCode::OK, &answer.body))
}
