//! The network choices both clients share: which certificate authorities to trust
//! ([`Roots`], extra PEM roots) and which proxy to tunnel through ([`ProxyUrl`], read from
//! the environment by [`proxy_from_env_with`]). The core only checks and carries them;
//! each adapter applies them with its own TLS and proxy code.

use std::fmt;
use std::sync::Arc;

use crate::error::InvalidInput;

/// Which certificate authorities a client trusts for https, before any extra PEM roots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Roots {
    /// Mozilla's roots, compiled in (webpki-roots): small and the same on every machine.
    #[default]
    WebPki,
    /// The operating system's store (rustls-native-certs). As OpenSSL does, the
    /// `SSL_CERT_FILE` and `SSL_CERT_DIR` environment variables replace it when set. The
    /// adapters need their `native-roots` feature for it; without it, `build` refuses.
    Native,
}

/// Extra trusted roots, as PEM text: each entry one or more `CERTIFICATE` blocks (a
/// corporate CA, or the proxy that inspects TLS). `Debug` shows only their number.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PemRoots(Vec<Arc<[u8]>>);

impl PemRoots {
    /// Adds one PEM text, after checking that it holds a certificate.
    pub(crate) fn push(&mut self, pem: Vec<u8>) -> Result<(), InvalidInput> {
        if !pem
            .windows(CERT_BEGIN.len())
            .any(|w| w == CERT_BEGIN.as_bytes())
        {
            return Err(InvalidInput::Setting {
                name: "root_pem",
                reason: format!("no {CERT_BEGIN} block in {} bytes", pem.len()),
            });
        }
        self.0.push(pem.into());
        Ok(())
    }

    /// Each PEM text, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.0.iter().map(|p| &p[..])
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for PemRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PemRoots({} pem)", self.0.len())
    }
}

const CERT_BEGIN: &str = "-----BEGIN CERTIFICATE-----";

/// The environment variables [`proxy_from_env_with`] reads for the proxy, first set wins.
pub const PROXY_ENV: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];
/// The environment variables read for the hosts that bypass the proxy, first set wins.
pub const NO_PROXY_ENV: [&str; 2] = ["NO_PROXY", "no_proxy"];

/// An `http://` proxy that requests tunnel through with `CONNECT`, with optional
/// credentials for `Proxy-Authorization: Basic`. Its `Display` and `Debug` never show
/// the credentials, user name included.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    host: String,
    port: u16,
    user: Option<String>,
    password: Option<String>,
}

impl ProxyUrl {
    /// Parses `http://[user[:password]@]host[:port][/]`; a URL without a scheme is
    /// taken as `http://`, and the port defaults to 80. The user and password may be
    /// percent-encoded.
    ///
    /// Only `http://` proxies are supported: `https://` and `socks5://` proxies are
    /// refused, with a message that says so.
    pub fn parse(url: &str) -> Result<ProxyUrl, InvalidInput> {
        let bad = |reason: &'static str| InvalidInput::Proxy {
            url: redact(url),
            reason,
        };
        let url = url.trim();
        let rest = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some(_) => return Err(bad("only http:// proxies are supported")),
            None => url,
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() {
            return Err(bad("no host"));
        }
        if authority.contains(['/', '?', '#']) {
            return Err(bad("a proxy url has no path"));
        }
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport).ok_or_else(|| bad("bad host or port"))?;
        let (user, password) = match userinfo {
            None => (None, None),
            Some(u) => {
                let (user, pass) = match u.split_once(':') {
                    Some((a, b)) => (a, Some(b)),
                    None => (u, None),
                };
                let user = percent_decode(user).ok_or_else(|| bad("bad percent-encoding"))?;
                let pass = pass
                    .map(|p| percent_decode(p).ok_or_else(|| bad("bad percent-encoding")))
                    .transpose()?;
                (Some(user), pass)
            }
        };
        Ok(ProxyUrl {
            host: host.to_owned(),
            port,
            user,
            password,
        })
    }

    /// The proxy's host (an IPv6 address without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The user name, when the URL had credentials.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The password, when the URL had one. Never printed.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// The URL with the credentials, for a library that takes a proxy URL. Keep it out
    /// of logs: print the `ProxyUrl` itself instead.
    pub fn to_url_with_credentials(&self) -> String {
        let mut s = String::from("http://");
        if let Some(u) = &self.user {
            s.push_str(&percent_encode(u));
            if let Some(p) = &self.password {
                s.push(':');
                s.push_str(&percent_encode(p));
            }
            s.push('@');
        }
        self.push_host_port(&mut s);
        s
    }

    fn push_host_port(&self, s: &mut String) {
        if self.host.contains(':') {
            s.push('[');
            s.push_str(&self.host);
            s.push(']');
        } else {
            s.push_str(&self.host);
        }
        s.push(':');
        s.push_str(&self.port.to_string());
    }
}

impl fmt::Display for ProxyUrl {
    /// `http://***@host:port` when the URL had credentials: a user name can be the
    /// secret (`http://TOKEN@proxy`), so no part of them is ever shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::from("http://");
        if self.user.is_some() || self.password.is_some() {
            s.push_str("***@");
        }
        self.push_host_port(&mut s);
        f.write_str(&s)
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
}

/// The proxy, and the hosts that bypass it, that the environment names: the first set
/// of [`PROXY_ENV`] and of [`NO_PROXY_ENV`], read through `var` (pass
/// `|k| std::env::var(k).ok()`). An empty variable counts as unset.
pub fn proxy_from_env_with(
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<(ProxyUrl, Option<String>)>, InvalidInput> {
    let first = |names: &[&str]| {
        names
            .iter()
            .filter_map(|n| var(n))
            .find(|v| !v.trim().is_empty())
    };
    let Some(url) = first(&PROXY_ENV) else {
        return Ok(None);
    };
    Ok(Some((ProxyUrl::parse(&url)?, first(&NO_PROXY_ENV))))
}

/// `url` with any credentials (everything before the host's `@`) replaced by `***`, for
/// messages about a URL that did not parse.
fn redact(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let authority_end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..start], &url[start + at..]),
        None => url.to_owned(),
    }
}

/// The hosts that go direct instead of through the proxy, read as curl reads
/// `NO_PROXY`: a comma-separated list where
/// - `*` alone sends every host direct;
/// - a name matches that host and every host under it (`corp.example` matches
///   `corp.example` and `api.corp.example`), case-insensitively; a leading dot is
///   ignored (`.corp.example` is the same entry), and so is a trailing one;
/// - an IP address matches that address, and `address/bits` every address in that CIDR
///   range (`10.0.0.0/8`, `fd00::/8`); IPv6 addresses are written without brackets;
/// - a host that is an IP address is matched only by addresses and ranges, never by
///   names (`.0.0.1` does not match `127.0.0.1`), and patterns such as `127.0.0.*`
///   match nothing, as in curl.
///
/// Both clients ask this one rule, so that a host goes direct on one exactly when it
/// does on the other.
///
/// ```
/// use slack_sessions_core::NoProxy;
/// let no = NoProxy::parse(".corp.example, 10.0.0.0/8, ::1");
/// assert!(no.matches("corp.example") && no.matches("API.corp.example"));
/// assert!(no.matches("10.1.2.3") && no.matches("[::1]"));
/// assert!(!no.matches("slack.com") && !no.matches("notcorp.example"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy {
    everyone: bool,
    names: Vec<String>,
    nets: Vec<(std::net::IpAddr, u8)>,
}

impl NoProxy {
    /// Reads a `NO_PROXY` list. Entries that are neither names nor addresses are kept as
    /// names, which match nothing that is not spelt the same.
    pub fn parse(list: &str) -> NoProxy {
        let mut out = NoProxy::default();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry == "*" {
                out.everyone = true;
                continue;
            }
            let bare = entry.trim_start_matches('[').trim_end_matches(']');
            if let Some(net) = parse_net(bare) {
                out.nets.push(net);
                continue;
            }
            let name = entry.trim_start_matches('.').trim_end_matches('.');
            if !name.is_empty() {
                out.names.push(name.to_ascii_lowercase());
            }
        }
        out
    }

    /// Whether `host` (a name, or an address, IPv6 with or without brackets) goes
    /// direct.
    pub fn matches(&self, host: &str) -> bool {
        if self.everyone {
            return true;
        }
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
            return self.nets.iter().any(|&(net, bits)| in_net(ip, net, bits));
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.names.iter().any(|n| {
            host == *n
                || (host.len() > n.len()
                    && host.ends_with(n.as_str())
                    && host.as_bytes()[host.len() - n.len() - 1] == b'.')
        })
    }

    /// Whether `*` sends every host direct.
    pub fn is_everyone(&self) -> bool {
        self.everyone
    }
}

/// An address, or `address/bits`, as (network, prefix length).
fn parse_net(s: &str) -> Option<(std::net::IpAddr, u8)> {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b.parse::<u8>().ok()?)),
        None => (s, None),
    };
    let ip: std::net::IpAddr = addr.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let bits = bits.unwrap_or(max);
    (bits <= max).then_some((ip, bits))
}

/// Whether `ip` is in `net/bits` (an IPv4 address never is in an IPv6 range).
fn in_net(ip: std::net::IpAddr, net: std::net::IpAddr, bits: u8) -> bool {
    use std::net::IpAddr;
    let (a, b, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    if bits == 0 {
        return true;
    }
    let shift = width - u32::from(bits);
    (a >> shift) == (b >> shift)
}

fn split_host_port(s: &str) -> Option<(&str, u16)> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        match after.strip_prefix(':') {
            Some(p) => (host, Some(p)),
            None if after.is_empty() => (host, None),
            None => return None,
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let ok_host = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'));
    if !ok_host {
        return None;
    }
    let port = match port {
        None => 80,
        Some(p) => p.parse().ok().filter(|&p: &u16| p != 0)?,
    };
    Some((host, port))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_parse_and_never_print_the_password() {
        let p = ProxyUrl::parse("http://alice:s%40cret@proxy.corp:3128/").unwrap();
        assert_eq!((p.host(), p.port()), ("proxy.corp", 3128));
        assert_eq!((p.user(), p.password()), (Some("alice"), Some("s@cret")));
        assert_eq!(p.to_string(), "http://***@proxy.corp:3128");
        assert!(!format!("{p:?}").contains("cret"));
        assert_eq!(
            p.to_url_with_credentials(),
            "http://alice:s%40cret@proxy.corp:3128"
        );
        let bare = ProxyUrl::parse("127.0.0.1:8080").unwrap();
        assert_eq!(bare.to_string(), "http://127.0.0.1:8080");
        assert_eq!(
            ProxyUrl::parse("http://[::1]").unwrap().to_string(),
            "http://[::1]:80"
        );
    }

    #[test]
    fn unusable_proxy_urls_are_refused_without_the_password() {
        for (url, why) in [
            ("socks5://bob:hunter2@h:1080", "only http:// proxies"),
            ("https://bob:hunter2@h:443", "only http:// proxies"),
            ("http://bob:hunter2@h:0", "bad host or port"),
            ("http://bob:hunter2@h:99999", "bad host or port"),
            ("http://h:1/path", "no path"),
            ("http://", "no host"),
            ("http://bob:%zz@h", "percent"),
        ] {
            let e = ProxyUrl::parse(url).unwrap_err().to_string();
            assert!(e.contains(why), "{url}: {e}");
            assert!(!e.contains("hunter2"), "{e}");
            assert!(!e.contains("bob"), "{e}");
            assert!(!e.contains('\n'));
        }
    }

    /// A secret in the user-name part alone is a secret too, parsed or not.
    #[test]
    fn a_secret_user_name_is_never_shown() {
        let p = ProxyUrl::parse("http://s3cretPW@proxy.corp:3128").unwrap();
        assert_eq!(p.user(), Some("s3cretPW"));
        for shown in [p.to_string(), format!("{p:?}")] {
            assert!(!shown.contains("s3cretPW"), "{shown}");
        }
        assert_eq!(p.to_string(), "http://***@proxy.corp:3128");
        for bad in [
            "http://s3cretPW@proxy.corp:0",
            "socks5://s3cretPW@proxy.corp",
            "s3cretPW@bad host",
            "http://s3cretPW:pw@h/x@y",
        ] {
            let e = ProxyUrl::parse(bad).unwrap_err().to_string();
            assert!(!e.contains("s3cretPW"), "{bad}: {e}");
            assert!(e.contains("***"), "{bad}: {e}");
        }
    }

    /// The rule, as curl documents it, on the cases the two transports used to read
    /// differently.
    #[test]
    fn no_proxy_follows_curl() {
        let cases: &[(&str, &str, bool)] = &[
            ("127.0.0.0/8", "127.0.0.1", true),
            ("127.0.0.0/8", "128.0.0.1", false),
            ("127.0.0.*", "127.0.0.1", false),
            (".0.0.1", "127.0.0.1", false),
            (".localhost", "localhost", true),
            (".localhost", "api.localhost", true),
            ("localhost", "api.localhost", true),
            ("localhost", "notlocalhost", false),
            ("*", "slack.com", true),
            ("*", "10.0.0.1", true),
            ("slack.com", "SLACK.COM.", true),
            ("slack.com", "api.slack.com", true),
            ("slack.com", "slack.com.evil", false),
            ("example.com, slack.com", "slack.com", true),
            ("127.0.0.1", "127.0.0.1", true),
            ("127.0.0.1", "127.0.0.2", false),
            ("::1", "[::1]", true),
            ("[::1]", "::1", true),
            ("fd00::/8", "fd12::1", true),
            ("fd00::/8", "10.0.0.1", false),
            ("10.0.0.0/33", "10.0.0.1", false),
            ("0.0.0.0/0", "192.0.2.1", true),
            ("", "slack.com", false),
            (" , ", "slack.com", false),
        ];
        for (list, host, direct) in cases {
            assert_eq!(
                NoProxy::parse(list).matches(host),
                *direct,
                "NO_PROXY={list:?} host={host}"
            );
        }
    }

    #[test]
    fn the_environment_is_read_in_order() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(proxy_from_env_with(env(&[])).unwrap(), None);
        let (p, no) = proxy_from_env_with(env(&[
            ("ALL_PROXY", "http://all:1"),
            ("https_proxy", "http://lower:2"),
            ("HTTPS_PROXY", ""),
            ("no_proxy", "localhost,.corp"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(p.host(), "lower");
        assert_eq!(no.as_deref(), Some("localhost,.corp"));
        let (p, no) = proxy_from_env_with(env(&[("all_proxy", "http://all:1")]))
            .unwrap()
            .unwrap();
        assert_eq!((p.host(), no), ("all", None));
        assert!(proxy_from_env_with(env(&[("HTTPS_PROXY", "socks5://x")])).is_err());
    }
}
