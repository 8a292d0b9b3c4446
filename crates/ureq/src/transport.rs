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
    let response = agent.run(request).map_err(failure)?;
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
            other => failure(other),
        })?;
    Ok(http::Response::from_parts(parts, bytes))
}

fn too_large(max: usize) -> TransportFailure {
    TransportFailure::new(
        TransportKind::BodyTooLarge,
        format!("answer body is larger than the {max}-byte cap"),
    )
}

/// Classifies a ureq error. ureq's messages name hosts, never the token.
pub(crate) fn failure(e: ureq::Error) -> TransportFailure {
    let kind = match &e {
        ureq::Error::Timeout(_) => TransportKind::Timeout,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => TransportKind::Connect,
        ureq::Error::BodyExceedsLimit(_) => TransportKind::BodyTooLarge,
        ureq::Error::Tls(_) | ureq::Error::TlsRequired => TransportKind::Tls,
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused | ErrorKind::AddrNotAvailable => TransportKind::Connect,
            ErrorKind::TimedOut | ErrorKind::WouldBlock => TransportKind::Timeout,
            _ => TransportKind::Io,
        },
        ureq::Error::Protocol(_) => TransportKind::Io,
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(_) => TransportKind::Tls,
        _ => TransportKind::Other,
    };
    TransportFailure::new(kind, e.to_string())
}
