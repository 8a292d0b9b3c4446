//! Blocking transport for `slack-sessions`, over ureq 3.
//!
//! The core decides every retry and wait, and `slack-sessions-driver` carries its
//! decisions out; this crate is the transport they run over: ureq's agent, with the
//! connector that holds the timeouts, an address cache, TLS and the proxy. Every method
//! of [`Client`] comes from the driver's [`BlockingClient`].
//!
//! `timeout` bounds each call from connect to the last byte of the answer, and
//! `connect_timeout` the connect; the connection holds both, so ureq runs without timers
//! of its own. A host's addresses are kept for 30 s (forgotten when a connect fails)
//! instead of being looked up at every call; DNS is bounded by the system resolver, not
//! by `timeout`.
//!
//! ```
//! use slack_sessions_core::{SessionDuration, SetSettings, GetSettings, Token, UserIds};
//! use slack_sessions_ureq::Client;
//! # let emu = slack_sessions_emulator::Emulator::builder().start()?;
//! # let base_url = emu.base_url();
//!
//! let client = Client::builder(Token::new("xoxp-emulator-admin")?)
//!     .base_url(base_url) // omit for https://slack.com/api/
//!     .build()?;
//! let users = UserIds::parse(["U00000001"])?;
//! client.set_settings(&SetSettings::new(users.clone()).duration("12h".parse::<SessionDuration>()?))?;
//! let got = client.get_settings(&GetSettings::new(users))?;
//! assert_eq!(got.output.session_settings[0].duration.map(|d| d.as_secs()), Some(43_200));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "rustls")]
mod anchors;
mod deadline;
mod resolver;
mod scope;
mod transport;
mod trust;

use std::time::Instant;

use slack_sessions_core::sansio::{Adapter, ValidConfig};
use slack_sessions_core::{ClientConfig, Token, TransportFailure};
use slack_sessions_driver::{BlockingClient, BlockingTransport};

/// Why a bulk call did not do all its work, with the report inside.
pub use slack_sessions_core::BulkError;
/// How a bulk job runs (`concurrency` is the number of threads here).
pub use slack_sessions_core::BulkRun;
/// Cancels a bulk run from another thread.
pub use slack_sessions_core::CancelToken;
/// Every way a call can fail: bad input, Slack's answer, or the transport.
pub use slack_sessions_core::Error;
/// The result of a bulk call: the report, or the report inside the error that says why
/// the run stopped early.
pub use slack_sessions_driver::BulkResult;

/// Every active session a listing names, page after page (see
/// [`BlockingClient::list_sessions`]).
pub type Sessions<'c> = slack_sessions_driver::blocking::Sessions<'c, Ureq>;

/// The blocking transport, as the [`Adapter`] that [`ClientBuilder`] builds with.
#[derive(Debug, Clone, Copy)]
pub struct Blocking;

/// Configures a [`Client`]: the shared [`ClientConfig`] setters (`base_url`, `timeout`,
/// `retry_policy`, `rate`, …), then `build()`, which checks every setting.
pub type ClientBuilder = ClientConfig<Blocking>;

impl Adapter for Blocking {
    type Client = Client;

    fn build(valid: ValidConfig) -> Result<Client, Error> {
        let (proxy, proxy_shown) = trust::proxy(&valid)?;
        // `timeout` bounds the whole call, from connect to the last byte of the answer,
        // and `connect_timeout` the connect. The connector holds both (`deadline.rs`):
        // ureq's own timers cost much more, so the agent has none. DNS is resolved on
        // the calling thread (ureq would start a thread per request to bound it), so it
        // is bounded by the system resolver's own timeouts, not by `timeout`; and its
        // answer is kept for 30 s (`resolver.rs`), not looked up again at every call.
        let config = ureq::config::Config::builder()
            .http_status_as_error(false)
            .proxy(proxy)
            .max_redirects(0)
            .user_agent(ureq::config::AutoHeaderValue::None)
            .timeout_connect(None);
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        let config = config.tls_config(trust::tls_config(&valid)?);
        let config = config.build();
        let resolver = resolver::CachingResolver::default();
        let connector = deadline::DeadlineConnector::new(
            valid.connect_timeout,
            std::sync::Arc::clone(&resolver.cache),
        );
        let agent = ureq::Agent::with_parts(config, connector, resolver);
        let wire = transport::Wire {
            target: valid.target(),
            proxy: proxy_shown,
            timeout: valid.timeout,
            connect_timeout: valid.connect_timeout,
            max_body: valid.max_body,
        };
        Ok(Client(BlockingClient::new(Ureq { agent, wire }, valid)))
    }
}

/// ureq, as a [`BlockingTransport`]: its agent (the connection pool, the connector that
/// holds the timeouts, the address cache, TLS, the proxy) and what failure messages name.
#[derive(Debug)]
pub struct Ureq {
    agent: ureq::Agent,
    wire: transport::Wire,
}

impl BlockingTransport for Ureq {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        started: Instant,
    ) -> Result<http::Response<Vec<u8>>, TransportFailure> {
        transport::send(&self.agent, request, started, &self.wire)
    }
}

/// A blocking Slack session-settings client: every method, `list_sessions` and the bulk
/// runs of [`BlockingClient`], over ureq. Cheap to clone; clones share one connection
/// pool and one pacer, across threads.
#[derive(Debug, Clone)]
pub struct Client(BlockingClient<Ureq>);

impl Client {
    /// Starts configuring a client for `token`.
    pub fn builder(token: Token) -> ClientBuilder {
        ClientConfig::for_adapter(token)
    }
}

impl std::ops::Deref for Client {
    type Target = BlockingClient<Ureq>;

    fn deref(&self) -> &BlockingClient<Ureq> {
        &self.0
    }
}

// The client and its error cross threads.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Client>();
    send_sync::<Error>();
    send_sync::<ClientBuilder>();
};
