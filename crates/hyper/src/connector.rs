//! The default connector: rustls with the client's roots, over a direct TCP connection
//! or a `CONNECT` tunnel through hyper-util's `Tunnel`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::Matcher;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use slack_sessions_core::sansio::ValidConfig;
use slack_sessions_core::{InvalidInput, ProxyUrl, Roots};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A TCP connection, made directly or through the proxy's `CONNECT` tunnel; the default
/// client wraps it in rustls. Tunnel failures come out as [`ProxyFailure`].
#[derive(Clone, Debug)]
pub struct ProxyConnector(Route);

#[derive(Clone, Debug)]
enum Route {
    Direct(HttpConnector),
    /// The tunnel, and the proxy as printed (no password).
    Tunnel(Tunnel<HttpConnector>, Arc<str>),
}

/// Why the proxy did not open a tunnel (it refused with 407, closed the connection, or
/// could not be reached); the source is hyper-util's tunnel error.
#[derive(Debug, thiserror::Error)]
#[error("proxy {proxy} did not open a tunnel")]
pub struct ProxyFailure {
    proxy: String,
    #[source]
    source: BoxError,
}

impl tower_service::Service<http::Uri> for ProxyConnector {
    type Response = <HttpConnector as tower_service::Service<http::Uri>>::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        match &mut self.0 {
            Route::Direct(c) => c.poll_ready(cx).map_err(Into::into),
            Route::Tunnel(t, _) => t.poll_ready(cx).map_err(Into::into),
        }
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        match &mut self.0 {
            Route::Direct(c) => {
                let f = c.call(dst);
                Box::pin(async move { f.await.map_err(Into::into) })
            }
            Route::Tunnel(t, proxy) => {
                let (f, proxy) = (t.call(dst), Arc::clone(proxy));
                Box::pin(async move {
                    f.await.map_err(|e| {
                        let failure = ProxyFailure {
                            proxy: proxy.to_string(),
                            source: e.into(),
                        };
                        BoxError::from(failure)
                    })
                })
            }
        }
    }
}

/// The rustls connector for `valid`: its roots, its proxy route (as the core decides it),
/// its connect timeout.
pub(crate) fn build(
    valid: &ValidConfig,
) -> Result<hyper_rustls::HttpsConnector<ProxyConnector>, InvalidInput> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(valid.connect_timeout));
    // The client talks to one host: the core decided the route for it, with the one
    // `NO_PROXY` rule both transports share.
    let route = match valid.proxy_route(|k| std::env::var(k).ok())? {
        None => Route::Direct(http),
        Some(proxy) => {
            let uri: http::Uri = format!("http://{}:{}", bracketed(proxy.host()), proxy.port())
                .parse()
                .map_err(|_| setting("proxy", format!("{proxy}: not a uri")))?;
            let mut tunnel = Tunnel::new(uri, http);
            if let Some(auth) = basic_auth(&proxy) {
                tunnel = tunnel.with_auth(auth);
            }
            Route::Tunnel(tunnel, proxy.to_string().into())
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| setting("tls", e.to_string()))?
        .with_root_certificates(root_store(valid)?)
        .with_no_client_auth();
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(ProxyConnector(route)))
}

/// An IPv6 host in brackets, for a URI.
fn bracketed(host: &str) -> std::borrow::Cow<'_, str> {
    if host.contains(':') {
        format!("[{host}]").into()
    } else {
        host.into()
    }
}

/// `Proxy-Authorization: Basic …` for the proxy's credentials, marked sensitive; hyper-util's
/// `Matcher` encodes them (it is given only the proxy, so it intercepts every request).
fn basic_auth(proxy: &ProxyUrl) -> Option<http::HeaderValue> {
    proxy.user()?;
    let matcher = Matcher::builder()
        .http(proxy.to_url_with_credentials())
        .build();
    let probe: http::Uri = "http://probe.invalid/".parse().ok()?;
    matcher.intercept(&probe)?.basic_auth().cloned()
}

fn setting(name: &'static str, reason: impl Into<String>) -> InvalidInput {
    InvalidInput::Setting {
        name,
        reason: reason.into(),
    }
}

/// The client's roots plus its extra roots. A client of a plain-http base URL never
/// speaks TLS, so nothing is loaded for it.
fn root_store(valid: &ValidConfig) -> Result<rustls::RootCertStore, InvalidInput> {
    let (roots, extra) = (valid.roots, &valid.extra_roots);
    let mut store = rustls::RootCertStore::empty();
    if valid.endpoint.base_url().starts_with("http://") {
        return Ok(store);
    }
    match roots {
        Roots::WebPki => add_webpki(&mut store)?,
        Roots::Native => add_native(&mut store)?,
        _ => return Err(setting("roots", "not supported by this transport")),
    }
    for pem in extra.iter() {
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| setting("root_pem", format!("unreadable pem: {e}")))?;
            store
                .add(cert)
                .map_err(|e| setting("root_pem", format!("not a usable root: {e}")))?;
        }
    }
    Ok(store)
}

#[cfg(feature = "webpki-roots")]
fn add_webpki(store: &mut rustls::RootCertStore) -> Result<(), InvalidInput> {
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    Ok(())
}

#[cfg(not(feature = "webpki-roots"))]
fn add_webpki(_: &mut rustls::RootCertStore) -> Result<(), InvalidInput> {
    Err(setting(
        "roots",
        "Mozilla's roots need the `webpki-roots` feature",
    ))
}

#[cfg(feature = "native-roots")]
fn add_native(store: &mut rustls::RootCertStore) -> Result<(), InvalidInput> {
    let found = rustls_native_certs::load_native_certs();
    let (added, _) = store.add_parsable_certificates(found.certs);
    if added == 0 {
        let why = found
            .errors
            .first()
            .map_or_else(|| "none found".to_owned(), |e| e.to_string());
        return Err(InvalidInput::NativeRoots(why));
    }
    Ok(())
}

#[cfg(not(feature = "native-roots"))]
fn add_native(_: &mut rustls::RootCertStore) -> Result<(), InvalidInput> {
    Err(setting(
        "roots",
        "the operating system's store needs the `native-roots` feature",
    ))
}
