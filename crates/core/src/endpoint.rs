//! [`Endpoint`]: where and how calls are sent, and [`Endpoint::encode`], which turns a
//! [`Method`] into an `http::Request<Vec<u8>>`.

use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, OnceLock};

use http::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{Method as HttpMethod, Request, Uri};

use crate::error::InvalidInput;
use crate::method::sealed::{Arg, ArgValue};
use crate::method::Method;
use crate::token::Token;

/// Slack's Web API base URL.
pub const DEFAULT_BASE_URL: &str = "https://slack.com/api/";

/// The `User-Agent` this crate sends: its name and version.
pub(crate) const USER_AGENT_PREFIX: &str = concat!("slack-sessions/", env!("CARGO_PKG_VERSION"));

/// How the arguments travel in the body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Encoding {
    /// `application/x-www-form-urlencoded`; lists comma-joined, booleans `true`/`false`.
    #[default]
    Form,
    /// `application/json; charset=utf-8`; lists as arrays.
    Json,
}

/// Where the token travels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenPlacement {
    /// `Authorization: Bearer <token>`, as Slack prefers.
    #[default]
    Header,
    /// A `token` field in a form body. Not allowed with JSON, which Slack ignores.
    Body,
}

/// Where calls go, with which token and in which encoding.
///
/// ```
/// use slack_sessions_core::sansio::Endpoint;
/// use slack_sessions_core::{Encoding, Token};
/// let ep = Endpoint::builder(Token::new("xoxp-1").unwrap())
///     .base_url("http://127.0.0.1:8787/api")
///     .encoding(Encoding::Json)
///     .build()
///     .unwrap();
/// assert_eq!(ep.base_url(), "http://127.0.0.1:8787/api/");
/// // Plain http to anything but loopback is refused unless asked for.
/// assert!(Endpoint::builder(Token::new("xoxp-1").unwrap())
///     .base_url("http://example.com/api/")
///     .build()
///     .is_err());
/// ```
#[derive(Clone)]
pub struct Endpoint {
    base_url: String,
    token: Token,
    encoding: Encoding,
    token_placement: TokenPlacement,
    user_agent: HeaderValue,
    /// Each method's URI with the headers, made once (by the method's slot in the one list of methods) and shared by
    /// clones.
    targets: Arc<[OnceLock<Arc<Target>>; TARGET_SLOTS]>,
    /// Every request's headers: content type, user agent and, in the header placement,
    /// the token.
    headers: HeaderMap,
}

/// What every request of one method to one endpoint shares: the URI and the headers.
#[derive(Debug)]
pub(crate) struct Target {
    /// `POST`, the URI and the headers, with no body: each request is a copy with one.
    template: Request<()>,
}

/// A request encoded once, to be sent as many times as it is tried: its own body, and
/// its method's [`Target`], shared. Each [`request`](Encoded::request) copies the body,
/// the URI (reference counts) and the header map, and nothing is parsed or hashed again.
#[derive(Debug, Clone)]
pub(crate) struct Encoded {
    body: Vec<u8>,
    target: Arc<Target>,
}

impl Encoded {
    /// A request to send, leaving this one to send again.
    pub(crate) fn request(&self) -> Request<Vec<u8>> {
        self.target.request(self.body.clone())
    }
}

impl Target {
    fn request(&self, body: Vec<u8>) -> Request<Vec<u8>> {
        // A clone builds no default parts only to drop them.
        self.template.clone().map(|()| body)
    }
}

/// The headers every request of an endpoint carries.
fn request_headers(
    encoding: Encoding,
    placement: TokenPlacement,
    user_agent: &HeaderValue,
    auth: &HeaderValue,
) -> HeaderMap {
    let mut h = HeaderMap::with_capacity(3);
    let content_type = match encoding {
        Encoding::Form => "application/x-www-form-urlencoded",
        Encoding::Json => "application/json; charset=utf-8",
    };
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(USER_AGENT, user_agent.clone());
    if placement == TokenPlacement::Header {
        h.insert(AUTHORIZATION, auth.clone());
    }
    h
}

/// Methods whose [`Target`] an endpoint caches.
const TARGET_SLOTS: usize = crate::methods::METHOD_COUNT;

fn no_targets() -> Arc<[OnceLock<Arc<Target>>; TARGET_SLOTS]> {
    Arc::new(std::array::from_fn(|_| OnceLock::new()))
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &self.base_url)
            .field("token", &self.token)
            .field("encoding", &self.encoding)
            .field("token_placement", &self.token_placement)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// Builds an [`Endpoint`], checking every setting in [`EndpointBuilder::build`].
#[derive(Debug, Clone)]
pub struct EndpointBuilder {
    base_url: String,
    token: Token,
    encoding: Encoding,
    token_placement: TokenPlacement,
    allow_insecure_http: bool,
    user_agent_suffix: Option<String>,
}

impl EndpointBuilder {
    /// The API base URL; default `https://slack.com/api/`. A trailing slash is optional.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The body encoding; default [`Encoding::Form`].
    pub fn encoding(mut self, e: Encoding) -> Self {
        self.encoding = e;
        self
    }

    /// Where the token goes; default [`TokenPlacement::Header`].
    pub fn token_placement(mut self, p: TokenPlacement) -> Self {
        self.token_placement = p;
        self
    }

    /// Allows plain `http` to hosts that are not loopback (for a proxy you trust).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Text appended to the `User-Agent`, e.g. `my-tool/1.2`.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Checks the settings and builds the endpoint.
    pub fn build(self) -> Result<Endpoint, InvalidInput> {
        if self.encoding == Encoding::Json && self.token_placement == TokenPlacement::Body {
            return Err(InvalidInput::JsonBodyToken);
        }
        let base_url = check_base_url(&self.base_url, self.allow_insecure_http)?;
        let ua = match &self.user_agent_suffix {
            Some(s) => format!("{USER_AGENT_PREFIX} {s}"),
            None => USER_AGENT_PREFIX.to_owned(),
        };
        let user_agent = HeaderValue::try_from(ua).map_err(|_| InvalidInput::UserAgent)?;
        let auth_header = bearer(&self.token)?;
        Ok(Endpoint {
            base_url,
            token: self.token,
            headers: request_headers(
                self.encoding,
                self.token_placement,
                &user_agent,
                &auth_header,
            ),
            encoding: self.encoding,
            token_placement: self.token_placement,
            user_agent,
            targets: no_targets(),
        })
    }
}

/// `Bearer <token>`, marked sensitive so that HTTP libraries keep it out of their logs.
fn bearer(token: &Token) -> Result<HeaderValue, InvalidInput> {
    let mut h = HeaderValue::try_from(format!("Bearer {}", token.expose_secret()))
        .map_err(|_| InvalidInput::Token(crate::token::InvalidToken::BadChar))?;
    h.set_sensitive(true);
    Ok(h)
}

fn check_base_url(url: &str, allow_insecure: bool) -> Result<String, InvalidInput> {
    let bad = |reason| InvalidInput::BaseUrl {
        url: url.to_owned(),
        reason,
    };
    let uri: Uri = url.parse().map_err(|_| bad("not a url"))?;
    let host = uri.host().ok_or_else(|| bad("no host"))?;
    if uri.query().is_some() {
        return Err(bad("a base url takes no query"));
    }
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if allow_insecure || is_loopback(host) => {}
        Some("http") => return Err(bad("plain http is only allowed for loopback hosts")),
        _ => return Err(bad("the scheme must be https (or http for loopback)")),
    }
    let mut base = url.trim_end_matches('/').to_owned();
    base.push('/');
    Ok(base)
}

/// True for `localhost`, 127.0.0.0/8 and `::1`.
pub(crate) fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match h.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => v6 == Ipv6Addr::LOCALHOST,
        Err(_) => false,
    }
}

impl Endpoint {
    /// Slack's public API with `token` in the header and form bodies.
    pub fn new(token: Token) -> Endpoint {
        // `Token::new` admits only visible ASCII, so the header is always valid; the
        // fallback exists only to avoid an unwrap.
        let auth = bearer(&token).unwrap_or_else(|_| HeaderValue::from_static(""));
        let user_agent = HeaderValue::from_static(USER_AGENT_PREFIX);
        Endpoint {
            base_url: DEFAULT_BASE_URL.to_owned(),
            token,
            headers: request_headers(Encoding::Form, TokenPlacement::Header, &user_agent, &auth),
            encoding: Encoding::Form,
            token_placement: TokenPlacement::Header,
            user_agent,
            targets: no_targets(),
        }
    }

    /// Starts building an endpoint for `token`.
    pub fn builder(token: Token) -> EndpointBuilder {
        EndpointBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            token,
            encoding: Encoding::Form,
            token_placement: TokenPlacement::Header,
            allow_insecure_http: false,
            user_agent_suffix: None,
        }
    }

    /// The base URL, always ending in `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The body encoding.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Where the token goes.
    pub fn token_placement(&self) -> TokenPlacement {
        self.token_placement
    }

    /// The full URL of method `name`.
    pub fn url_for(&self, name: &str) -> String {
        let mut u = String::with_capacity(self.base_url.len() + name.len());
        u.push_str(&self.base_url);
        u.push_str(name);
        u
    }

    /// Validates `method` and builds its request. Nothing here can reach the network.
    ///
    /// Everything but the body is made once per endpoint and method: the URI is parsed
    /// on first use and cached, and the header values are shared, so a call costs the
    /// body, one header map and the request.
    pub fn encode<M: Method>(&self, method: &M) -> Result<Request<Vec<u8>>, InvalidInput> {
        let body = self.body(method)?;
        // Borrowed from the cache when it is there: no reference count to move.
        if let Some(target) = self.targets.get(M::SLOT).and_then(OnceLock::get) {
            return Ok(target.request(body));
        }
        Ok(self.target::<M>()?.request(body))
    }

    /// Validates `method` and encodes its body, with its [`Target`].
    pub(crate) fn prepare<M: Method>(&self, method: &M) -> Result<Encoded, InvalidInput> {
        Ok(Encoded {
            body: self.body(method)?,
            target: self.target::<M>()?,
        })
    }

    /// Validates `method` and encodes its arguments.
    fn body<M: Method>(&self, method: &M) -> Result<Vec<u8>, InvalidInput> {
        method.validate()?;
        let args = method.args();
        match self.encoding_of::<M>() {
            Encoding::Form => self.form_body(&args),
            Encoding::Json => json_body(&args),
        }
    }

    /// The encoding of `M`'s body: the endpoint's, but a form for a method Slack takes
    /// no JSON body for ([`Method::JSON_BODY`]).
    fn encoding_of<M: Method>(&self) -> Encoding {
        if M::JSON_BODY {
            self.encoding
        } else {
            Encoding::Form
        }
    }

    /// `M`'s URI and headers: made once, then shared (a reference count).
    fn target<M: Method>(&self) -> Result<Arc<Target>, InvalidInput> {
        let make = || {
            let uri = self
                .url_for(M::NAME)
                .parse::<Uri>()
                .map_err(|_| self.bad_uri())?;
            let mut template = Request::new(());
            *template.method_mut() = HttpMethod::POST;
            *template.uri_mut() = uri;
            // A copy of the endpoint's headers: no name is hashed per call.
            *template.headers_mut() = self.headers.clone();
            if self.encoding_of::<M>() != self.encoding {
                template.headers_mut().insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
            }
            Ok(Arc::new(Target { template }))
        };
        match self.targets.get(M::SLOT) {
            Some(cell) => {
                if let Some(t) = cell.get() {
                    return Ok(Arc::clone(t));
                }
                let t = make()?;
                Ok(Arc::clone(cell.get_or_init(|| t)))
            }
            None => make(),
        }
    }

    fn bad_uri(&self) -> InvalidInput {
        InvalidInput::BaseUrl {
            url: self.base_url.clone(),
            reason: "cannot form a request uri",
        }
    }

    fn form_body(&self, args: &[Arg<'_>]) -> Result<Vec<u8>, InvalidInput> {
        let mut out = Vec::with_capacity(64 + body_estimate(args));
        if self.token_placement == TokenPlacement::Body {
            push_field(&mut out, "token", self.token.expose_secret())?;
        }
        for arg in args {
            match arg.value {
                ArgValue::Users(users) => {
                    if !out.is_empty() {
                        out.push(b'&');
                    }
                    out.extend_from_slice(arg.name.as_bytes());
                    out.push(b'=');
                    // IDs are [A-Z0-9] only, so only the comma needs escaping: the hot
                    // path of a 1,000-user body skips the general encoder.
                    for (i, id) in users.iter().enumerate() {
                        if i > 0 {
                            out.extend_from_slice(b"%2C");
                        }
                        out.extend_from_slice(id.as_bytes());
                    }
                }
                ArgValue::Str(s) => push_field(&mut out, arg.name, s)?,
                // Names are this crate's ASCII identifiers, and digits and `true` /
                // `false` need no escaping: no general encoder on the hot path.
                ArgValue::Int(n) => push_plain(&mut out, arg.name, |o| push_digits(o, n)),
                ArgValue::Bool(b) => push_plain(&mut out, arg.name, |o| {
                    o.extend_from_slice(if b { b"true" } else { b"false" })
                }),
            }
        }
        Ok(out)
    }
}

/// Bytes the user lists of `args` take, to size the body once.
fn body_estimate(args: &[Arg<'_>]) -> usize {
    args.iter()
        .map(|a| match a.value {
            ArgValue::Users(u) => u.len() * 14,
            _ => 24,
        })
        .sum()
}

/// Appends `name=` and what `value` writes, for values that need no escaping.
fn push_plain(out: &mut Vec<u8>, name: &str, value: impl FnOnce(&mut Vec<u8>)) {
    debug_assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    if !out.is_empty() {
        out.push(b'&');
    }
    out.extend_from_slice(name.as_bytes());
    out.push(b'=');
    value(out);
}

/// Appends `n` in decimal, without an allocation.
fn push_digits(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[at..]);
}

/// Appends `name=value`, form-encoded by `serde_urlencoded`.
fn push_field(out: &mut Vec<u8>, name: &str, value: &str) -> Result<(), InvalidInput> {
    let pair = serde_urlencoded::to_string([(name, value)]).map_err(|e| InvalidInput::Setting {
        name: "form body",
        reason: e.to_string(),
    })?;
    if !out.is_empty() {
        out.push(b'&');
    }
    out.extend_from_slice(pair.as_bytes());
    Ok(())
}

/// Writes the JSON object of `args`. Names and free strings go through `serde_json` for
/// escaping; user IDs ([A-Z0-9]) and numbers need none and are copied straight in.
fn json_body(args: &[Arg<'_>]) -> Result<Vec<u8>, InvalidInput> {
    let bad = |e: serde_json::Error| InvalidInput::Setting {
        name: "json body",
        reason: e.to_string(),
    };
    let mut out = Vec::with_capacity(64 + body_estimate(args));
    out.push(b'{');
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, arg.name).map_err(bad)?;
        out.push(b':');
        match arg.value {
            ArgValue::Users(users) => {
                out.push(b'[');
                for (j, id) in users.iter().enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    out.push(b'"');
                    out.extend_from_slice(id.as_bytes());
                    out.push(b'"');
                }
                out.push(b']');
            }
            ArgValue::Str(s) => serde_json::to_writer(&mut out, s).map_err(bad)?,
            ArgValue::Int(n) => push_digits(&mut out, n),
            ArgValue::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        }
    }
    out.push(b'}');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClearSettings, GetSettings, SessionDuration, SetSettings, UserIds};

    fn token() -> Token {
        Token::new("xoxp-test-secret").unwrap()
    }

    fn users() -> UserIds {
        UserIds::parse(["U012AB3CD", "W0123"]).unwrap()
    }

    fn header<'a>(r: &'a Request<Vec<u8>>, name: &str) -> Option<&'a str> {
        r.headers().get(name).map(|v| v.to_str().unwrap())
    }

    #[test]
    fn golden_form_request() {
        let call = SetSettings::new(users())
            .duration(SessionDuration::from_secs(86_400).unwrap())
            .desktop_app_browser_quit(true);
        let req = Endpoint::new(token()).encode(&call).unwrap();
        assert_eq!(req.method(), "POST");
        assert_eq!(
            req.uri(),
            "https://slack.com/api/admin.users.session.setSettings"
        );
        assert_eq!(
            req.body().as_slice(),
            b"user_ids=U012AB3CD%2CW0123&duration=86400&desktop_app_browser_quit=true"
        );
        assert_eq!(
            header(&req, "content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(
            header(&req, "authorization"),
            Some("Bearer xoxp-test-secret")
        );
        assert!(req.headers()["authorization"].is_sensitive());
        assert_eq!(
            header(&req, "user-agent"),
            Some(concat!("slack-sessions/", env!("CARGO_PKG_VERSION")))
        );
        assert_eq!(req.headers().len(), 3);
    }

    #[test]
    fn golden_json_request() {
        let ep = Endpoint::builder(token())
            .encoding(Encoding::Json)
            .user_agent_suffix("ops-bot/2")
            .build()
            .unwrap();
        let call = SetSettings::new(users()).desktop_app_browser_quit(false);
        let req = ep.encode(&call).unwrap();
        assert_eq!(
            std::str::from_utf8(req.body()).unwrap(),
            r#"{"user_ids":["U012AB3CD","W0123"],"desktop_app_browser_quit":false}"#
        );
        assert_eq!(
            header(&req, "content-type"),
            Some("application/json; charset=utf-8")
        );
        assert!(header(&req, "user-agent").unwrap().ends_with(" ops-bot/2"));
    }

    #[test]
    fn token_in_form_body() {
        let ep = Endpoint::builder(token())
            .token_placement(TokenPlacement::Body)
            .build()
            .unwrap();
        let req = ep.encode(&GetSettings::new(users())).unwrap();
        assert_eq!(
            req.body().as_slice(),
            b"token=xoxp-test-secret&user_ids=U012AB3CD%2CW0123"
        );
        assert!(req.headers().get("authorization").is_none());
        assert!(!format!("{ep:?}").contains("secret"));
    }

    #[test]
    fn json_strings_are_escaped() {
        let args = [Arg {
            name: "note",
            value: ArgValue::Str("a\"b\\c\u{1}"),
        }];
        let body = json_body(&args).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["note"], "a\"b\\c\u{1}");
    }

    #[test]
    fn absent_options_are_left_out() {
        let req = Endpoint::new(token())
            .encode(&ClearSettings::new(users()))
            .unwrap();
        assert_eq!(req.body().as_slice(), b"user_ids=U012AB3CD%2CW0123");
        let req = Endpoint::new(token())
            .encode(&SetSettings::new(users()).duration(SessionDuration::MIN))
            .unwrap();
        assert_eq!(
            req.body().as_slice(),
            b"user_ids=U012AB3CD%2CW0123&duration=28800"
        );
    }

    #[test]
    fn no_setting_is_refused_before_a_request_exists() {
        let err = Endpoint::new(token())
            .encode(&SetSettings::new(users()))
            .unwrap_err();
        assert_eq!(err, InvalidInput::NoSetting);
    }

    #[test]
    fn json_with_body_token_is_refused() {
        let err = Endpoint::builder(token())
            .encoding(Encoding::Json)
            .token_placement(TokenPlacement::Body)
            .build()
            .unwrap_err();
        assert_eq!(err, InvalidInput::JsonBodyToken);
    }

    #[test]
    fn base_url_rules() {
        let build = |u: &str| Endpoint::builder(token()).base_url(u).build();
        assert_eq!(
            build("https://slack-gov.com/api").unwrap().base_url(),
            "https://slack-gov.com/api/"
        );
        assert_eq!(
            build("https://slack.com/api/").unwrap().base_url(),
            "https://slack.com/api/"
        );
        for ok in [
            "http://127.0.0.1:9/api",
            "http://127.9.9.9/api/",
            "http://localhost:8080/api",
            "http://[::1]:8080/api/",
        ] {
            assert!(build(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/api/",
            "http://10.0.0.1/api/",
            "ftp://slack.com/api/",
            "slack.com/api",
            "https://slack.com/api/?x=1",
            "",
        ] {
            assert!(
                matches!(build(bad), Err(InvalidInput::BaseUrl { .. })),
                "{bad}"
            );
        }
        assert!(Endpoint::builder(token())
            .base_url("http://proxy.internal/api")
            .allow_insecure_http(true)
            .build()
            .is_ok());
        let req = build("http://127.0.0.1:9/api")
            .unwrap()
            .encode(&GetSettings::new(users()))
            .unwrap();
        assert_eq!(
            req.uri(),
            "http://127.0.0.1:9/api/admin.users.session.getSettings"
        );
    }

    #[test]
    fn form_fields_are_escaped() {
        let mut s = Vec::new();
        push_field(&mut s, "token", "a b&c=d/é*-._").unwrap();
        push_field(&mut s, "x", "1").unwrap();
        assert_eq!(s, b"token=a+b%26c%3Dd%2F%C3%A9*-._&x=1");
    }
}
