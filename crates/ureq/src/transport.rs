//! Moving one request over ureq and mapping its failures for the core.

use std::io::ErrorKind;

use slack_sessions_core::{TransportFailure, TransportKind};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// ureq's own resolver, always run on the calling thread: with a finite timeout, ureq's
/// resolver starts a thread per request to be able to give up on a slow lookup.
#[derive(Debug, Default)]
pub(crate) struct CallerThreadResolver(DefaultResolver);

impl Resolver for CallerThreadResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        // No deadline: ureq then resolves synchronously.
        self.0.resolve(uri, config, NextTimeout::default())
    }
}

pub(crate) fn send(
    agent: &ureq::Agent,
    request: http::Request<Vec<u8>>,
    max_body: usize,
) -> Result<http::Response<Vec<u8>>, TransportFailure> {
    let plain = request.uri().scheme() == Some(&http::uri::Scheme::HTTP);
    let response = agent.run(request).map_err(|e| failure(e, plain))?;
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
            other => failure(other, plain),
        })?;
    Ok(http::Response::from_parts(parts, bytes))
}

fn too_large(max: usize) -> TransportFailure {
    TransportFailure::new(
        TransportKind::BodyTooLarge,
        format!("answer body is larger than the {max}-byte cap"),
    )
}

/// Classifies a ureq error, keeping it as the source. ureq's messages name hosts, never
/// the token. `plain`: the request went over plain http, where an answer that is not
/// HTTP is most often TLS (an https port).
pub(crate) fn failure(e: ureq::Error, plain: bool) -> TransportFailure {
    let (kind, message) = match &e {
        ureq::Error::Timeout(_) => (TransportKind::Timeout, e.to_string()),
        ureq::Error::HostNotFound => (TransportKind::Dns, e.to_string()),
        ureq::Error::ConnectionFailed => (TransportKind::Connect, e.to_string()),
        ureq::Error::BodyExceedsLimit(_) => (TransportKind::BodyTooLarge, e.to_string()),
        ureq::Error::ConnectProxyFailed(why) => (
            TransportKind::Proxy,
            format!("the proxy did not open a tunnel: {why}"),
        ),
        ureq::Error::Tls(_) | ureq::Error::TlsRequired => (TransportKind::Tls, e.to_string()),
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(r) => (TransportKind::Tls, format!("tls handshake failed: {r}")),
        ureq::Error::Io(io) => io_failure(io),
        // An answer that is not HTTP: most often TLS spoken back to plain http.
        ureq::Error::Protocol(p) if plain => (
            TransportKind::Tls,
            format!("the server did not answer in HTTP (is it https?): {p}"),
        ),
        ureq::Error::Protocol(_) => (TransportKind::Io, e.to_string()),
        _ => (TransportKind::Other, e.to_string()),
    };
    TransportFailure::new(kind, message).with_source(e)
}

fn io_failure(io: &std::io::Error) -> (TransportKind, String) {
    #[cfg(feature = "rustls")]
    if let Some(r) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return (TransportKind::Tls, format!("tls handshake failed: {r}"));
    }
    let kind = match io.kind() {
        ErrorKind::ConnectionRefused | ErrorKind::AddrNotAvailable => TransportKind::Connect,
        ErrorKind::TimedOut | ErrorKind::WouldBlock => TransportKind::Timeout,
        _ => TransportKind::Io,
    };
    (kind, format!("i/o error: {io}"))
}
