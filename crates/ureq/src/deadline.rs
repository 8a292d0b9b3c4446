//! The whole-call timeout, held by the connection rather than by ureq's timers.
//!
//! ureq's `timeout_global` and `timeout_connect` would do the same job, but with any
//! timeout configured ureq recomputes them at each step of every call (about 1,500
//! instructions a call, a third of the client's cost over a bare agent). Instead, the
//! agent has no timeout of its own: [`send`](crate::transport::send) opens a [`Scope`]
//! that puts the call's deadline in a thread-local, [`DeadlineConnector`] connects
//! (TCP, a proxy's CONNECT, TLS) within the connect timeout or what is left before
//! the deadline, whichever is shorter, and wraps the connection in [`Bounded`], which
//! shortens the timeout of each write and each wait for input to what is left before
//! the deadline. A blocking call runs its whole exchange, body included, on the calling
//! thread, so the thread-local is the call's own.

use std::sync::Arc;
use std::time::Duration;

use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, NextTimeout, TcpConnector,
    Transport,
};
use ureq::Timeout;

use crate::resolver::DnsCache;
use crate::scope::bounded;

/// ureq's own connectors, bounded by the connect timeout and the call's deadline, their
/// connections wrapped in [`Bounded`]. A failed connect clears the resolver's cache.
///
/// The chain runs in two stages, so that a failure says which hop failed: first the
/// tunnel (the proxy's `CONNECT`, whose own connection to the proxy comes back through
/// this connector, and the TCP connection), then TLS with the server. With a proxy, any
/// failure of the first stage is the proxy's ([`ProxyStage`]): the proxy could not be
/// reached, refused, or did not answer in HTTP.
#[derive(Debug)]
pub(crate) struct DeadlineConnector {
    tunnel: Stage<()>,
    tls: Stage<Box<dyn Transport>>,
    connect_timeout: Duration,
    dns: Arc<DnsCache>,
}

/// One stage of the chain, its transport boxed.
type Stage<In> = Box<dyn Connector<In, Out = Box<dyn Transport>>>;

impl DeadlineConnector {
    pub(crate) fn new(connect_timeout: Duration, dns: Arc<DnsCache>) -> Self {
        let tunnel = ().chain(ConnectProxyConnector::default()).chain(TcpConnector::default());
        #[cfg(feature = "rustls")]
        let tls = Boxed(ureq::unversioned::transport::RustlsConnector::default());
        #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
        let tls = Boxed(ureq::unversioned::transport::NativeTlsConnector::default());
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        let tls = Boxed(NoTls);
        DeadlineConnector {
            tunnel: Box::new(Boxed(tunnel)),
            tls: Box::new(tls),
            connect_timeout,
            dns,
        }
    }
}

/// A failure of the first stage of a connection through a proxy: the proxy's, not the
/// server's.
#[derive(Debug)]
pub(crate) struct ProxyStage(pub(crate) ureq::Error);

impl std::fmt::Display for ProxyStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            ureq::Error::ConnectProxyFailed(why) => write!(f, "did not open a tunnel: {why}"),
            ureq::Error::Timeout(_) => f.write_str("no answer in time"),
            ureq::Error::Protocol(p) => write!(f, "did not answer in HTTP ({p})"),
            ureq::Error::ConnectionFailed | ureq::Error::Io(_) => {
                write!(f, "cannot be reached: {}", self.0)
            }
            other => write!(f, "{other}"),
        }
    }
}

impl std::error::Error for ProxyStage {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// No TLS compiled in: the connection goes on as it is (an `https` URL then fails in
/// ureq, which says why).
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
#[derive(Debug)]
struct NoTls;

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
impl<In: Transport> Connector<In> for NoTls {
    type Out = In;

    fn connect(
        &self,
        _: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<In>, ureq::Error> {
        Ok(chained)
    }
}

/// A connector whose transport is boxed, so that stages of different types chain.
#[derive(Debug)]
struct Boxed<C>(C);

impl<In: Transport, C: Connector<In>> Connector<In> for Boxed<C> {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Box<dyn Transport>>, ureq::Error> {
        Ok(self.0.connect(details, chained)?.map(Transport::boxed))
    }
}

impl Connector for DeadlineConnector {
    type Out = Bounded<Box<dyn Transport>>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let mut timeout = bounded(details.timeout);
        if self.connect_timeout < *timeout.after {
            timeout.after = self.connect_timeout.into();
            timeout.reason = Timeout::Connect;
        }
        let details = ConnectionDetails {
            uri: details.uri,
            addrs: details.addrs.clone(),
            config: details.config,
            request_level: details.request_level,
            resolver: details.resolver,
            now: details.now,
            timeout,
            current_time: details.current_time.clone(),
            run_connector: details.run_connector.clone(),
            register_shutdown: details.register_shutdown.clone(),
        };
        // The agent's proxy is set only when the core routed this client through one.
        let proxied = details.config.proxy().is_some();
        let connected = self
            .tunnel
            .connect(&details, chained)
            .map_err(|e| match e {
                e if proxied => ureq::Error::Other(Box::new(ProxyStage(e))),
                e => e,
            })
            .and_then(|t| self.tls.connect(&details, t));
        match connected {
            Ok(transport) => Ok(transport.map(Bounded)),
            Err(e) => {
                self.dns.forget();
                Err(e)
            }
        }
    }
}

/// A transport whose writes and waits end at the running call's deadline.
#[derive(Debug)]
pub(crate) struct Bounded<T>(T);

impl<T: Transport> Transport for Bounded<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.0.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.0.transmit_output(amount, bounded(timeout))
    }

    fn maybe_await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        // Input at hand needs no clock reading; otherwise the inner transport decides.
        if self.0.buffers().can_use_input() {
            return Ok(true);
        }
        self.0.maybe_await_input(bounded(timeout))
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.0.await_input(bounded(timeout))
    }

    fn is_open(&mut self) -> bool {
        self.0.is_open()
    }

    fn is_tls(&self) -> bool {
        self.0.is_tls()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_connect_forgets_the_address() {
        // A port nobody listens on any more: the connect is refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let resolver = crate::resolver::CachingResolver::default();
        let cache = Arc::clone(&resolver.cache);
        let connector = DeadlineConnector::new(Duration::from_secs(2), Arc::clone(&cache));
        let agent = ureq::Agent::with_parts(ureq::config::Config::default(), connector, resolver);
        let started = std::time::Instant::now();
        let _scope = crate::scope::Scope::new(started, started + Duration::from_secs(5));
        assert!(agent
            .get(&format!("http://127.0.0.1:{port}/"))
            .call()
            .is_err());
        // The resolver kept the address before the connect; the failure dropped it.
        assert!(cache.is_empty());
    }

    /// A host that answered once is remembered; once it stops answering, the failed
    /// connect forgets it, so that the next try looks it up again.
    #[test]
    fn an_address_that_answered_is_kept_until_a_connect_fails() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut head = [0u8; 1024];
            let _ = conn.read(&mut head);
            conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                .unwrap();
            // The listener is dropped here: the port refuses from now on.
        });
        let resolver = crate::resolver::CachingResolver::default();
        let cache = Arc::clone(&resolver.cache);
        let connector = DeadlineConnector::new(Duration::from_secs(2), Arc::clone(&cache));
        let agent = ureq::Agent::with_parts(ureq::config::Config::default(), connector, resolver);
        let started = std::time::Instant::now();
        let _scope = crate::scope::Scope::new(started, started + Duration::from_secs(5));
        let url = format!("http://127.0.0.1:{port}/");
        assert!(agent.get(&url).call().is_ok());
        server.join().unwrap();
        assert!(!cache.is_empty(), "the answer is kept");
        assert!(agent.get(&url).call().is_err());
        assert!(cache.is_empty(), "the failed connect forgot it");
    }
}
