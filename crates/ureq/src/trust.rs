//! The client's trust and proxy settings, turned into ureq's.

#[cfg(any(feature = "rustls", feature = "native-tls"))]
use std::sync::Arc;

use slack_sessions_core::sansio::ValidConfig;
use slack_sessions_core::InvalidInput;
#[cfg(any(feature = "rustls", feature = "native-tls"))]
use slack_sessions_core::{sansio::PemRoots, Roots};
#[cfg(any(feature = "rustls", feature = "native-tls"))]
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

fn setting(name: &'static str, reason: impl Into<String>) -> InvalidInput {
    InvalidInput::Setting {
        name,
        reason: reason.into(),
    }
}

/// ureq's TLS settings: the roots below, and the platform's library when it is the only
/// TLS compiled in.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
pub(crate) fn tls_config(valid: &ValidConfig) -> Result<TlsConfig, InvalidInput> {
    let tls = TlsConfig::builder().root_certs(root_certs(valid)?);
    #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
    let tls = tls.provider(ureq::tls::TlsProvider::NativeTls);
    Ok(tls.build())
}

/// ureq's root choice: the client's roots plus its extra roots. With no extra roots,
/// Mozilla's roots are ureq's own (`RootCerts::WebPki`); with extra roots they are listed
/// with them (see [`anchors`](crate::anchors)), since ureq takes either its own roots or
/// a list, not both.
///
/// A client of a plain-http base URL never speaks TLS, so nothing is loaded for it.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn root_certs(valid: &ValidConfig) -> Result<RootCerts, InvalidInput> {
    let (roots, extra) = (valid.roots, &valid.extra_roots);
    if valid.endpoint.base_url().starts_with("http://") {
        return Ok(RootCerts::WebPki);
    }
    let mut certs = extra_certs(extra)?;
    match roots {
        Roots::WebPki if certs.is_empty() => return Ok(RootCerts::WebPki),
        #[cfg(feature = "rustls")]
        Roots::WebPki => certs.extend(
            webpki_roots::TLS_SERVER_ROOTS
                .iter()
                .map(|a| Certificate::from_der(&crate::anchors::certificate_der(a)).to_owned()),
        ),
        // The platform's library needs the roots as real certificates.
        #[cfg(not(feature = "rustls"))]
        Roots::WebPki => certs.extend(
            webpki_root_certs::TLS_SERVER_ROOT_CERTS
                .iter()
                .map(|c| Certificate::from_der(c.as_ref()).to_owned()),
        ),
        // The platform's library trusts the platform's store itself.
        #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
        Roots::Native if certs.is_empty() => return Ok(RootCerts::PlatformVerifier),
        Roots::Native => certs.extend(native_certs()?),
        _ => return Err(setting("roots", "not supported by this transport")),
    }
    Ok(RootCerts::Specific(Arc::new(certs)))
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn extra_certs(extra: &PemRoots) -> Result<Vec<Certificate<'static>>, InvalidInput> {
    let mut certs = Vec::new();
    for pem in extra.iter() {
        for item in ureq::tls::parse_pem(pem) {
            match item {
                Ok(PemItem::Certificate(c)) => certs.push(c),
                Ok(_) => {}
                Err(e) => return Err(setting("root_pem", format!("unreadable pem: {e}"))),
            }
        }
    }
    Ok(certs)
}

#[cfg(all(
    feature = "native-roots",
    any(feature = "rustls", feature = "native-tls")
))]
fn native_certs() -> Result<Vec<Certificate<'static>>, InvalidInput> {
    let found = rustls_native_certs::load_native_certs();
    if found.certs.is_empty() {
        let why = found
            .errors
            .first()
            .map_or_else(|| "none found".to_owned(), |e| e.to_string());
        return Err(InvalidInput::NativeRoots(why));
    }
    Ok(found
        .certs
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect())
}

#[cfg(all(
    not(feature = "native-roots"),
    any(feature = "rustls", feature = "native-tls")
))]
fn native_certs() -> Result<Vec<Certificate<'static>>, InvalidInput> {
    Err(setting(
        "roots",
        "the operating system's store needs the `native-roots` feature",
    ))
}

/// ureq's proxy for the route the core decided (the configured proxy, or the
/// environment's, unless `NO_PROXY` sends the base URL's host direct), always with
/// `CONNECT`; and the proxy as printed, without its credentials.
pub(crate) fn proxy(
    valid: &ValidConfig,
) -> Result<(Option<ureq::Proxy>, Option<String>), InvalidInput> {
    let Some(url) = valid.proxy_route(|k| std::env::var(k).ok())? else {
        return Ok((None, None));
    };
    let mut b = ureq::Proxy::builder(ureq::ProxyProtocol::Http)
        .host(url.host())
        .port(url.port());
    if let Some(u) = url.user() {
        b = b.username(u);
    }
    if let Some(p) = url.password() {
        b = b.password(p);
    }
    let proxy = b
        .build()
        .map_err(|e| setting("proxy", format!("{url}: {e}")))?;
    Ok((Some(proxy), Some(url.to_string())))
}
