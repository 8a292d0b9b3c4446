//! Moving one request over hyper-util's client, with a body cap and a timer-driven timeout.

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::Poll;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::Connect;
use hyper_util::client::legacy::Client;
use slack_sessions_core::{TlsProblem, TransportFailure, TransportKind};

pub(crate) async fn send<C>(
    client: &Client<C, Full<Bytes>>,
    request: http::Request<Vec<u8>>,
    max_body: usize,
    target: &str,
) -> Result<http::Response<Vec<u8>>, TransportFailure>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    let plain = request.uri().scheme() == Some(&http::uri::Scheme::HTTP);
    let (parts, body) = request.into_parts();
    let request = http::Request::from_parts(parts, Full::new(Bytes::from(body)));
    let response = client
        .request(request)
        .await
        .map_err(|e| client_failure(e, plain, target))?;
    let (parts, body) = response.into_parts();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_body as u64) {
        // Dropping the body unread closes the connection.
        return Err(too_large(max_body));
    }
    let bytes = Limited::new(body, max_body)
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                too_large(max_body)
            } else {
                let kind = e
                    .downcast_ref::<hyper::Error>()
                    .map_or(TransportKind::Io, hyper_kind);
                TransportFailure::new(kind, chain(&*e))
            }
        })?
        .to_bytes();
    Ok(http::Response::from_parts(parts, bytes.to_vec()))
}

fn too_large(max: usize) -> TransportFailure {
    TransportFailure::new(
        TransportKind::BodyTooLarge,
        format!("answer body is larger than the {max}-byte cap"),
    )
}

fn hyper_kind(e: &hyper::Error) -> TransportKind {
    if e.is_timeout() {
        TransportKind::Timeout
    } else {
        TransportKind::Io
    }
}

/// Classifies a failure of the client, keeping it as the source, in the words both
/// transports use ([`TransportFailure::about`]). `plain`: the request went over plain
/// http, where an answer that is not HTTP is most often TLS.
fn client_failure(
    e: hyper_util::client::legacy::Error,
    plain: bool,
    target: &str,
) -> TransportFailure {
    let kind = classify(&e, plain);
    // hyper-util's own words ("client error (Connect)") add nothing to the cause's.
    let cause = std::error::Error::source(&e).unwrap_or(&e);
    let (cause, problem) = match kind {
        TransportKind::Tls => tls_cause(&e),
        _ => (chain(cause), None),
    };
    let failure = TransportFailure::about(kind, target, cause).with_source(e);
    match problem {
        Some(p) => failure.with_tls(p),
        None => failure,
    }
}

/// The kind of a failure, from the first cause in its chain that names one.
fn classify(e: &hyper_util::client::legacy::Error, plain: bool) -> TransportKind {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        #[cfg(feature = "tokio")]
        {
            if s.is::<crate::connector::ProxyFailure>() {
                return TransportKind::Proxy;
            }
            if rustls_error(s).is_some() {
                return TransportKind::Tls;
            }
        }
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            if h.is_parse() && plain {
                return TransportKind::Tls;
            }
            return hyper_kind(h);
        }
        // hyper-util's `ConnectError` is not public; its message is "dns error".
        if s.to_string() == "dns error" {
            return TransportKind::Dns;
        }
        source = s.source();
    }
    if e.is_connect() {
        TransportKind::Connect
    } else {
        TransportKind::Io
    }
}

/// rustls's error, directly or inside the io errors that carry it (an io error made
/// from another error does not list it among its sources; hyper-rustls nests two).
#[cfg(feature = "tokio")]
fn rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut e = e;
    loop {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        e = e.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

/// A TLS failure in words a person can act on (rustls's account, or that the answer was
/// not HTTP), and what exactly went wrong.
fn tls_cause(e: &hyper_util::client::legacy::Error) -> (String, Option<TlsProblem>) {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        #[cfg(feature = "tokio")]
        if let Some(r) = rustls_error(s) {
            return (r.to_string(), Some(tls_problem(r)));
        }
        source = s.source();
    }
    (
        format!(
            "the server did not answer in HTTP; is it an https port? ({})",
            chain(e)
        ),
        Some(TlsProblem::PlainToTls),
    )
}

/// What rustls's error says went wrong, in the core's terms.
#[cfg(feature = "tokio")]
fn tls_problem(e: &rustls::Error) -> TlsProblem {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => TlsProblem::UnknownIssuer,
            C::NotValidForName | C::NotValidForNameContext { .. } => TlsProblem::WrongName,
            C::Expired
            | C::ExpiredContext { .. }
            | C::NotValidYet
            | C::NotValidYetContext { .. } => TlsProblem::Expired,
            _ => TlsProblem::Other,
        },
        rustls::Error::InvalidMessage(_) => TlsProblem::NotTls,
        _ => TlsProblem::Other,
    }
}

/// An error and its sources on one line. Hyper's messages never include headers.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

/// Runs `work` unless `sleep` finishes first; `None` on timeout.
pub(crate) async fn with_timeout<F: Future>(
    work: F,
    sleep: Pin<Box<dyn hyper::rt::Sleep>>,
) -> Option<F::Output> {
    let mut work = pin!(work);
    let mut sleep = sleep;
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        if sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}
