//! Async transport for `slack-sessions`, over hyper 1 and hyper-util's client.
//!
//! Generic over the connector and over [`hyper::rt::Timer`], so it runs on any runtime;
//! with the default `tokio` feature, [`Client::builder`] sets up a tokio executor and
//! timer and a rustls HTTPS connector (which also speaks plain HTTP, for loopback).
//! Every retry and wait is decided by the core and carried out by
//! `slack-sessions-driver`, whose [`AsyncClient`] gives [`Client`] every method; this
//! crate is the transport: hyper's pooled client, its connector, TLS and proxy, and the
//! timer it sleeps on.
//!
//! ```
//! use slack_sessions_core::{ClearSettings, Token, UserIds};
//! use slack_sessions_hyper::Client;
//! # let emu = slack_sessions_emulator::Emulator::builder().start()?;
//! # let base_url = emu.base_url();
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let client = Client::builder(Token::new("xoxp-emulator-admin")?)
//!     .base_url(base_url) // omit for https://slack.com/api/
//!     .build()?;
//! client.clear_settings(&ClearSettings::new(UserIds::parse(["U00000001"])?)).await?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "tokio")]
mod connector;
mod transport;

use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper::rt::Timer;
use hyper_util::client::legacy::connect::Connect;
use slack_sessions_core::sansio::ValidConfig;
use slack_sessions_core::{ClientConfig, TransportFailure, TransportKind};
use slack_sessions_driver::{AsyncClient, AsyncTransport};

/// hyper-util's pooled client, which this crate drives.
pub use hyper_util::client::legacy::Client as HttpClient;
/// Why a bulk call did not do all its work, with the report inside.
pub use slack_sessions_core::BulkError;
/// How a bulk job runs (default concurrency 4).
pub use slack_sessions_core::BulkRun;
/// Cancels a bulk run from another task or thread.
pub use slack_sessions_core::CancelToken;
/// Every way a call can fail: bad input, Slack's answer, or the transport.
pub use slack_sessions_core::Error;
/// The result of a bulk call: the report, or the report inside the error that says why
/// the run stopped early.
pub use slack_sessions_driver::BulkResult;

/// Every active session a listing names, page after page, as a `Stream` (see
/// [`AsyncClient::list_sessions`]); `stopped()` says where to resume after an error.
pub type Sessions<'c, C, Tm> = slack_sessions_driver::nonblocking::Sessions<'c, Hyper<C, Tm>>;

#[cfg(all(
    feature = "tokio",
    not(any(feature = "webpki-roots", feature = "native-roots"))
))]
compile_error!("slack-sessions-hyper: the `tokio` feature needs `webpki-roots` or `native-roots`");

/// The default connector: rustls with the client's roots, over a direct connection or
/// the proxy's `CONNECT` tunnel.
#[cfg(feature = "tokio")]
pub type DefaultConnector = hyper_rustls::HttpsConnector<ProxyConnector>;

#[cfg(feature = "tokio")]
pub use connector::{ProxyConnector, ProxyFailure};

/// The default timer: tokio's, through hyper-util.
#[cfg(feature = "tokio")]
pub use hyper_util::rt::TokioTimer;

/// The client [`Client::builder`] builds: tokio, rustls. Store this one in a struct.
#[cfg(feature = "tokio")]
pub type DefaultClient = Client<DefaultConnector, TokioTimer>;

/// The async transport on tokio with rustls, as the [`Adapter`](slack_sessions_core::sansio::Adapter) that [`ClientBuilder`]
/// builds with. On another runtime, finish the same settings with [`Client::with_parts`].
#[derive(Debug, Clone, Copy)]
pub struct Async;

/// Configures a [`Client`]: the shared [`ClientConfig`] setters (`base_url`, `timeout`,
/// `retry_policy`, `rate`, …), then `build()` (tokio) or [`Client::with_parts`] (any
/// runtime); both check every setting.
pub type ClientBuilder = ClientConfig<Async>;

#[cfg(feature = "tokio")]
impl slack_sessions_core::sansio::Adapter for Async {
    type Client = DefaultClient;

    fn build(valid: ValidConfig) -> Result<DefaultClient, Error> {
        let connector = connector::build(&valid)?;
        let client = HttpClient::builder(hyper_util::rt::TokioExecutor::new())
            .timer(hyper_util::rt::TokioTimer::new())
            .pool_timer(hyper_util::rt::TokioTimer::new())
            .build(connector);
        Ok(Client::from_valid(
            client,
            hyper_util::rt::TokioTimer::new(),
            valid,
        ))
    }
}

// The client and its error cross tasks and threads, and so do the futures it returns.
#[cfg(feature = "tokio")]
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<DefaultClient>();
    send_sync::<Error>();
    send_sync::<ClientBuilder>();
};

/// Never called: it compiles only if the futures of the default client are `Send`.
#[cfg(feature = "tokio")]
#[allow(dead_code)]
fn futures_are_send(
    c: &DefaultClient,
    s: &slack_sessions_core::SetSettings,
    g: &slack_sessions_core::GetSettings,
    x: &slack_sessions_core::ClearSettings,
) {
    fn send<T: Send>(_: &T) {}
    send(&c.set_settings(s));
    send(&c.get_settings(g));
    send(&c.clear_settings(x));
    send(&c.apply_bulk::<slack_sessions_core::SetSettings, _, _>(
        slack_sessions_core::SessionSettings::new(),
        ["U1"],
        BulkRun::default(),
        |_| {},
    ));
}

/// Refuses the settings that only a connector can apply, for [`Client::with_parts`].
fn refuse_connector_settings(valid: &ValidConfig) -> Result<(), Error> {
    let refuse = |name: &'static str| {
        Err(Error::Invalid(slack_sessions_core::InvalidInput::Setting {
            name,
            reason: "with_parts uses your connector, which must apply it: set it there".into(),
        }))
    };
    if valid.proxy.is_some() || valid.no_proxy.is_some() {
        return refuse("proxy");
    }
    if valid.proxy_from_env {
        return refuse("proxy_from_env");
    }
    if !valid.extra_roots.is_empty() {
        return refuse("root_pem");
    }
    if valid.roots != slack_sessions_core::Roots::default() {
        return refuse("roots");
    }
    Ok(())
}

/// hyper, as an [`AsyncTransport`]: its pooled client (your connector and executor, or
/// the tokio + rustls default), its timer, and what failure messages name.
pub struct Hyper<C, Tm> {
    http: HttpClient<C, Full<Bytes>>,
    timer: Tm,
    /// The server's `host:port`, for failure messages.
    target: String,
    timeout: std::time::Duration,
    max_body: usize,
}

impl<C, Tm> std::fmt::Debug for Hyper<C, Tm> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hyper")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl<C, Tm> AsyncTransport for Hyper<C, Tm>
where
    C: Connect + Clone + Send + Sync + 'static,
    Tm: Timer + Send + Sync + 'static,
{
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportFailure> {
        let work = transport::send(&self.http, request, self.max_body, &self.target);
        match transport::with_timeout(work, self.timer.sleep(self.timeout)).await {
            Some(r) => r,
            None => {
                let cause = format!("none within {:?}", self.timeout);
                let source = std::io::Error::new(std::io::ErrorKind::TimedOut, cause.clone());
                Err(
                    TransportFailure::about(TransportKind::Timeout, &self.target, cause)
                        .with_source(source),
                )
            }
        }
    }

    async fn sleep_until(&self, t: Instant) {
        let now = Instant::now();
        if t > now {
            self.timer.sleep(t - now).await;
        }
    }
}

/// An async Slack session-settings client: every method, `list_sessions` and the bulk
/// runs of [`AsyncClient`], over hyper. Cheap to clone; clones share one connection pool
/// and one pacer, across tasks. With the default `tokio` feature, name it
/// [`DefaultClient`].
pub struct Client<C, Tm>(AsyncClient<Hyper<C, Tm>>);

impl<C, Tm> Clone for Client<C, Tm> {
    fn clone(&self) -> Self {
        Client(self.0.clone())
    }
}

impl<C, Tm> std::fmt::Debug for Client<C, Tm> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<C, Tm> std::ops::Deref for Client<C, Tm> {
    type Target = AsyncClient<Hyper<C, Tm>>;

    fn deref(&self) -> &AsyncClient<Hyper<C, Tm>> {
        &self.0
    }
}

#[cfg(feature = "tokio")]
impl DefaultClient {
    /// Starts configuring a client for `token`. On another runtime, finish the same
    /// settings with [`Client::with_parts`].
    pub fn builder(token: slack_sessions_core::Token) -> ClientBuilder {
        ClientConfig::for_adapter(token)
    }
}

impl<C, Tm> Client<C, Tm>
where
    C: Connect + Clone + Send + Sync + 'static,
    Tm: Timer + Send + Sync + 'static,
{
    /// Builds a client on any runtime from `config` (start it with
    /// `ClientBuilder::for_adapter(token)`), your pooled `HttpClient` (with your
    /// connector and executor) and your `Timer`.
    ///
    /// The connector is yours, and so is everything it does: the connect timeout, TLS
    /// and its trusted roots, and any proxy. Settings of `config` that only a connector
    /// can apply ([`proxy`](ClientConfig::proxy), [`proxy_from_env`](ClientConfig::proxy_from_env),
    /// [`no_proxy`](ClientConfig::no_proxy), [`add_root_pem`](ClientConfig::add_root_pem)
    /// and [`roots`](ClientConfig::roots) other than the default) are refused with
    /// [`InvalidInput::Setting`](slack_sessions_core::InvalidInput::Setting), rather
    /// than silently ignored: traffic you believe goes through a proxy must not go
    /// direct.
    pub fn with_parts(
        config: ClientBuilder,
        http: HttpClient<C, Full<Bytes>>,
        timer: Tm,
    ) -> Result<Self, Error> {
        let valid = config.validate()?;
        refuse_connector_settings(&valid)?;
        Ok(Self::from_valid(http, timer, valid))
    }

    fn from_valid(http: HttpClient<C, Full<Bytes>>, timer: Tm, config: ValidConfig) -> Self {
        let transport = Hyper {
            http,
            timer,
            target: config.target(),
            timeout: config.timeout,
            max_body: config.max_body,
        };
        Client(AsyncClient::new(transport, config))
    }
}
