//! Blocking transport for `slack-sessions`, over ureq 3.
//!
//! A thin driver of the core's [`Call`] and [`BulkPlan`](slack_sessions_core::sansio::BulkPlan)
//! state machines: the core decides every retry and wait; this crate moves bytes and
//! sleeps when told to.
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
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(unreachable_pub)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

#[cfg(feature = "rustls")]
mod anchors;
mod bulk;
mod deadline;
mod resolver;
mod sessions;
mod transport;
mod trust;

use std::sync::Arc;
use std::time::Instant;

use slack_sessions_core::sansio::{
    Action, Adapter, Call, ClientConfig, Endpoint, SharedPacer, ValidConfig,
};
use slack_sessions_core::{
    ClearSettings, Empty, GetSettings, GetSettingsOutput, Method, Reply, RetryPolicy, SetSettings,
    Token, TransportFailure,
};

pub use bulk::BulkResult;
pub use sessions::Sessions;
/// Why a bulk call did not do all its work, with the report inside.
pub use slack_sessions_core::BulkError;
/// How a bulk job runs (`concurrency` is the number of threads here).
pub use slack_sessions_core::BulkRun;
/// Cancels a bulk run from another thread.
pub use slack_sessions_core::CancelToken;
/// Every way a call can fail: bad input, Slack's answer, or the transport.
pub use slack_sessions_core::Error;

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
        Ok(Client {
            inner: Arc::new(Inner {
                agent,
                wire,
                config: valid,
            }),
        })
    }
}

#[derive(Debug)]
struct Inner {
    agent: ureq::Agent,
    wire: transport::Wire,
    config: ValidConfig,
}

/// A blocking Slack session-settings client. Cheap to clone; clones share one connection
/// pool and one pacer, across threads.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    /// Starts configuring a client for `token`.
    pub fn builder(token: Token) -> ClientBuilder {
        ClientConfig::for_adapter(token)
    }

    /// The endpoint requests are encoded for.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.config.endpoint
    }

    /// Calls any method: validated, paced, retried as the core decides.
    pub fn call<M: Method>(&self, method: &M) -> Result<Reply<M::Output>, Error> {
        let mut call = Call::new(self.endpoint(), method, self.next_policy())?
            .with_pacer(self.inner.config.pacer.clone());
        // One clock reading a step: the poll's also starts the request's timeout, and
        // the answer's also serves the poll after it.
        let mut now = Instant::now();
        loop {
            call = match call.poll(now) {
                Action::Send(flight, request) => {
                    let outcome = self.send_from(request, now);
                    now = Instant::now();
                    flight.handle(now, outcome)
                }
                Action::WaitUntil(c, t) => {
                    sleep_until(t);
                    now = Instant::now();
                    c
                }
                Action::Done(result, _) => return result,
            }
        }
    }

    /// `admin.users.session.setSettings`.
    pub fn set_settings(&self, m: &SetSettings) -> Result<Reply<Empty>, Error> {
        self.call(m)
    }

    /// `admin.users.session.getSettings`.
    pub fn get_settings(&self, m: &GetSettings) -> Result<Reply<GetSettingsOutput>, Error> {
        self.call(m)
    }

    /// `admin.users.session.clearSettings`.
    pub fn clear_settings(&self, m: &ClearSettings) -> Result<Reply<Empty>, Error> {
        self.call(m)
    }

    /// Sends one request, reading at most `max_body` bytes of the answer.
    pub fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportFailure> {
        self.send_from(request, Instant::now())
    }

    /// [`send`](Client::send), timed from `started`.
    pub(crate) fn send_from(
        &self,
        request: http::Request<Vec<u8>>,
        started: Instant,
    ) -> Result<http::Response<Vec<u8>>, TransportFailure> {
        transport::send(&self.inner.agent, request, started, &self.inner.wire)
    }

    pub(crate) fn pacer(&self) -> &SharedPacer {
        &self.inner.config.pacer
    }

    /// The retry policy for the next call or bulk run, with a jitter seed of its own.
    pub(crate) fn next_policy(&self) -> RetryPolicy {
        self.inner.config.next_policy()
    }
}

// The client and its error cross threads.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Client>();
    send_sync::<Error>();
    send_sync::<ClientBuilder>();
};

fn sleep_until(t: Instant) {
    let now = Instant::now();
    if t > now {
        std::thread::sleep(t - now);
    }
}
