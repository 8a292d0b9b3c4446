//! Moving one request over ureq and mapping its failures for the core.

use std::io::ErrorKind;
use std::time::Instant;

use slack_sessions_core::{TlsProblem, TransportFailure, TransportKind};

use crate::deadline;
use crate::resolver::DnsFailure;
use crate::scope;

/// What a failure message names: the server, the proxy, the timeout.
#[derive(Debug)]
pub(crate) struct Wire {
    /// The server's `host:port`.
    pub(crate) target: String,
    /// The proxy, as printed (no password), when one is used.
    pub(crate) proxy: Option<String>,
    pub(crate) timeout: std::time::Duration,
    pub(crate) connect_timeout: std::time::Duration,
    pub(crate) max_body: usize,
}

/// Sends `request`, started at `started` (the caller's clock reading, to save one): the
/// whole call, body included, ends by `started + timeout`.
pub(crate) fn send(
    agent: &ureq::Agent,
    request: http::Request<Vec<u8>>,
    started: Instant,
    wire: &Wire,
) -> Result<http::Response<Vec<u8>>, TransportFailure> {
    // Until the body is read: the deadline of every write and wait on the connection.
    let _deadline = started
        .checked_add(wire.timeout)
        .map(|deadline| scope::Scope::new(started, deadline));
    let max_body = wire.max_body;
    let plain = request.uri().scheme() == Some(&http::uri::Scheme::HTTP);
    let response = agent.run(request).map_err(|e| failure(e, plain, wire))?;
    let (parts, mut body) = response.into_parts();
    if body.content_length().is_some_and(|n| n > max_body as u64) {
        // Dropping the body without reading it closes the connection.
        return Err(too_large(max_body));
    }
    let bytes = body
        .with_config()
        .limit(max_body as u64)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => too_large(max_body),
            other => failure(other, plain, wire),
        })?;
    Ok(http::Response::from_parts(parts, bytes))
}

fn too_large(max: usize) -> TransportFailure {
    TransportFailure::new(
        TransportKind::BodyTooLarge,
        format!("answer body is larger than the {max}-byte cap"),
    )
}

/// Classifies a ureq error, keeping it as the source, in the words both transports use
/// ([`TransportFailure::about`]). ureq's messages name hosts, never the token. `plain`:
/// the request went over plain http, where an answer that is not HTTP is most often TLS
/// (an https port).
pub(crate) fn failure(e: ureq::Error, plain: bool, wire: &Wire) -> TransportFailure {
    use TransportKind as K;
    let proxy = wire.proxy.as_deref().unwrap_or("(none)");
    let mut tls = None;
    let (kind, cause) = match &e {
        // Nothing was sent: a connect failure, as hyper reports it.
        ureq::Error::Timeout(ureq::Timeout::Connect) => (
            K::Connect,
            format!("no connection within {:?}", wire.connect_timeout),
        ),
        ureq::Error::Timeout(_) => (K::Timeout, format!("none within {:?}", wire.timeout)),
        ureq::Error::HostNotFound => (K::Dns, e.to_string()),
        ureq::Error::ConnectionFailed => (K::Connect, e.to_string()),
        ureq::Error::BodyExceedsLimit(_) => (K::BodyTooLarge, e.to_string()),
        ureq::Error::ConnectProxyFailed(why) => (
            K::Proxy,
            format!("proxy {proxy} did not open a tunnel: {why}"),
        ),
        ureq::Error::Tls(_) | ureq::Error::TlsRequired => (K::Tls, e.to_string()),
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(r) => {
            tls = Some(tls_problem(r));
            (K::Tls, r.to_string())
        }
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(n) => (K::Tls, n.to_string()),
        ureq::Error::Io(io) => {
            let (kind, cause, problem) = io_failure(io);
            tls = problem;
            (kind, cause)
        }
        ureq::Error::Protocol(p) if plain => {
            tls = Some(TlsProblem::PlainToTls);
            (
                K::Tls,
                format!("the server did not answer in HTTP; is it an https port? ({p})"),
            )
        }
        ureq::Error::Protocol(_) => (K::Io, e.to_string()),
        ureq::Error::Other(o) if o.is::<DnsFailure>() => (K::Dns, o.to_string()),
        ureq::Error::Other(o) if o.is::<deadline::ProxyStage>() => {
            (K::Proxy, format!("proxy {proxy} {o}"))
        }
        _ => (K::Other, e.to_string()),
    };
    let failure = TransportFailure::about(kind, &wire.target, cause).with_source(e);
    match (kind, tls) {
        (K::Tls, Some(p)) => failure.with_tls(p),
        (K::Tls, None) => failure.with_tls(TlsProblem::Other),
        _ => failure,
    }
}

/// What rustls's error says went wrong, in the core's terms.
#[cfg(feature = "rustls")]
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

fn io_failure(io: &std::io::Error) -> (TransportKind, String, Option<TlsProblem>) {
    #[cfg(feature = "rustls")]
    if let Some(r) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return (TransportKind::Tls, r.to_string(), Some(tls_problem(r)));
    }
    let kind = match io.kind() {
        ErrorKind::ConnectionRefused | ErrorKind::AddrNotAvailable => TransportKind::Connect,
        ErrorKind::TimedOut | ErrorKind::WouldBlock => TransportKind::Timeout,
        _ => TransportKind::Io,
    };
    (kind, io.to_string(), None)
}
