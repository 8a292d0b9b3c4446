//! The errors of a call: bad input ([`InvalidInput`]), Slack's answer ([`CallError`]),
//! the transport ([`TransportFailure`]), and the sum of them ([`Error`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;

use crate::duration::InvalidDuration;
use crate::error_code::{ErrorClass, ErrorCode};
use crate::token::InvalidToken;
use crate::user::{InvalidUserId, InvalidUserIds};

/// Input refused before any request exists. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidInput {
    /// A user ID is malformed.
    #[error(transparent)]
    UserId(#[from] InvalidUserId),
    /// The list of users is empty, too long or holds a malformed ID.
    #[error(transparent)]
    UserIds(#[from] InvalidUserIds),
    /// The duration is out of range or unparsable.
    #[error(transparent)]
    Duration(#[from] InvalidDuration),
    /// The token cannot be sent.
    #[error(transparent)]
    Token(#[from] InvalidToken),
    /// An email address is malformed.
    #[error(transparent)]
    Email(#[from] crate::email::InvalidEmail),
    /// A user group ID is malformed.
    #[error(transparent)]
    Usergroup(#[from] crate::methods::usergroups::users::InvalidUsergroupId),
    /// `setSettings` with neither `duration` nor `desktop_app_browser_quit`.
    #[error("no session setting given: set a duration and/or desktop_app_browser_quit")]
    NoSetting,
    /// The base URL is not usable.
    #[error("invalid base url {url:?}: {reason}")]
    BaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A JSON body was asked to carry the token, which Slack ignores.
    #[error("a json body cannot carry the token (slack ignores it); send it in the authorization header")]
    JsonBodyToken,
    /// The user agent suffix cannot go in a header.
    #[error("user agent suffix contains characters not allowed in a header")]
    UserAgent,
    /// The proxy URL is not usable. The password is never shown.
    #[error("invalid proxy url {url}: {reason}")]
    Proxy {
        /// The URL as given, with any password replaced by `***`.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The operating system's certificate store holds no usable certificate (a bare
    /// container has none), or cannot be read: why.
    #[error("cannot load the operating system's certificates: {0}")]
    NativeRoots(String),
    /// A client setting is out of range.
    #[error("invalid setting {name}: {reason}")]
    Setting {
        /// The setting's name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// Slack's `ok:false` answer, with everything it said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The `error` code.
    pub code: ErrorCode,
    /// For `missing_scope`: the scope the method needs.
    pub needed: Option<String>,
    /// For `missing_scope`: the scopes the token has.
    pub provided: Option<String>,
    /// `response_metadata.messages`, e.g. `[ERROR] missing required field: user_ids`.
    pub messages: Vec<String>,
    /// `warning` and `response_metadata.warnings`.
    pub warnings: Vec<String>,
}

impl ApiError {
    /// An `ok:false` answer with `code` and nothing else.
    pub fn from_code(code: ErrorCode) -> Self {
        ApiError {
            code,
            needed: None,
            provided: None,
            messages: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "slack error {}", self.code)?;
        if let Some(needed) = &self.needed {
            write!(f, " (needed {needed}")?;
            if let Some(p) = &self.provided {
                write!(f, ", provided {p}")?;
            }
            f.write_str(")")?;
        }
        if let Some(m) = self.messages.first() {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// An answer that could not be read as Slack's JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("cannot decode answer (http {status}): {reason}; body starts {excerpt:?}")]
pub struct DecodeError {
    /// The HTTP status of the answer.
    pub status: StatusCode,
    /// What was wrong.
    pub reason: String,
    /// A short, lossy, bounded excerpt of the body.
    pub excerpt: String,
    /// The user whose entry alone could not be read, when the rest of the answer was:
    /// that user fails, and another try would read the same (not retried).
    pub user: Option<crate::user::UserId>,
}

impl DecodeError {
    /// Whether the body is a web page (HTML), where Slack's JSON was due: a wrong base
    /// URL, a captive portal or a login page, rather than an answer of Slack's that this
    /// client cannot read.
    pub fn is_web_page(&self) -> bool {
        self.excerpt.trim_start().starts_with('<')
    }
}

/// What Slack's answer to one request says went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// `ok:false` with an error code.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// HTTP 429.
    #[error("rate limited by slack; retry after {}s", retry_after.as_secs())]
    RateLimited {
        /// From `Retry-After`, or a default when it was missing or garbled.
        retry_after: Duration,
    },
    /// Another non-2xx status.
    #[error("http {status} from slack: {excerpt:?}")]
    Http {
        /// The status.
        status: StatusCode,
        /// A short, lossy, bounded excerpt of the body.
        excerpt: String,
        /// `Retry-After`, if the answer carried a valid one.
        retry_after: Option<Duration>,
    },
    /// The body is not Slack's JSON.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A listing that would never end: the server repeated a cursor, or sent page after
    /// empty page with new cursors.
    #[error("the listing does not end: {0}")]
    EndlessListing(String),
}

/// How an adapter failed to get an answer at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// The host name could not be resolved. Nothing was sent.
    Dns,
    /// The connection could not be made (refused, unreachable). Nothing was sent.
    Connect,
    /// A timeout ran out.
    Timeout,
    /// The connection failed while the request or answer was moving.
    Io,
    /// The answer was larger than the body cap; it was not read past the cap.
    BodyTooLarge,
    /// TLS could not be set up: the certificate is not trusted, names another host or
    /// has expired, or the server does not speak TLS (or speaks only TLS to plain http).
    Tls,
    /// The proxy refused the tunnel (e.g. 407) or closed it. Nothing reached the server.
    Proxy,
    /// Anything else the adapter could not classify.
    Other,
}

impl TransportKind {
    /// A short lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Dns => "dns",
            TransportKind::Connect => "connect",
            TransportKind::Timeout => "timeout",
            TransportKind::Io => "io",
            TransportKind::BodyTooLarge => "body too large",
            TransportKind::Tls => "tls",
            TransportKind::Proxy => "proxy",
            TransportKind::Other => "transport",
        }
    }
}

/// The error a [`TransportFailure`] was made from: ureq's, hyper's, io's or rustls's.
pub type TransportSource = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// A transport failure, as an adapter reports it to the core: its kind (the same on
/// every transport for the same fault), a one-line message, and the underlying error as
/// [`source`](std::error::Error::source).
///
/// Adapters must keep the token out of `message` and out of the source. Two failures are
/// equal when their kind and message are; the source is not compared.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
#[error("{} error: {message}", kind.as_str())]
pub struct TransportFailure {
    /// What kind of failure.
    pub kind: TransportKind,
    /// A one-line description that names the cause.
    pub message: String,
    /// The transport's own account of the cause, without the lead that names the
    /// server: `invalid peer certificate: UnknownIssuer`, `connection refused`.
    pub cause: String,
    /// For a [`TransportKind::Tls`] failure, what exactly went wrong, when the
    /// transport can tell: each calls for different advice.
    pub tls: Option<TlsProblem>,
    /// The underlying error, when the adapter had one.
    #[source]
    pub source: Option<TransportSource>,
}

/// What exactly went wrong in a TLS failure, the same on both transports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsProblem {
    /// The certificate's issuer is not trusted: a private CA, or a proxy that inspects
    /// TLS. Trusting that CA fixes it.
    UnknownIssuer,
    /// The certificate is valid, but for another host name: the URL names the wrong
    /// host.
    WrongName,
    /// The certificate has expired or is not valid yet (or this machine's clock is
    /// wrong).
    Expired,
    /// An https URL reached a server that did not speak TLS.
    NotTls,
    /// A plain http URL reached a server that did not answer in HTTP: most often an
    /// https port.
    PlainToTls,
    /// Anything else (a revoked certificate, a handshake failure, …).
    Other,
}

impl PartialEq for TransportFailure {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.message == other.message
    }
}

impl Eq for TransportFailure {}

impl TransportFailure {
    /// A failure of `kind` described by `message`.
    pub fn new(kind: TransportKind, message: impl Into<String>) -> Self {
        let message = message.into();
        TransportFailure {
            kind,
            cause: message.clone(),
            message,
            tls: None,
            source: None,
        }
    }

    /// The same failure, saying what exactly went wrong with TLS.
    pub fn with_tls(mut self, problem: TlsProblem) -> Self {
        self.tls = Some(problem);
        self
    }

    /// A failure of `kind` to reach `target` (the server's `host:port`), in the words
    /// both transports use: e.g. `cannot resolve slack.com: …`, `tls handshake with
    /// slack.com failed: …`. `cause` is the transport's own one-line account.
    pub fn about(kind: TransportKind, target: &str, cause: impl fmt::Display) -> Self {
        let cause = cause.to_string();
        let message = match kind {
            TransportKind::Dns => format!("cannot resolve {target}: {cause}"),
            TransportKind::Connect => format!("cannot connect to {target}: {cause}"),
            TransportKind::Tls => format!("tls with {target} failed: {cause}"),
            TransportKind::Proxy => format!("no tunnel to {target}: {cause}"),
            TransportKind::Timeout => format!("no complete answer from {target}: {cause}"),
            _ => format!("connection to {target} failed: {cause}"),
        };
        TransportFailure {
            cause,
            ..TransportFailure::new(kind, message)
        }
    }

    /// The same failure, keeping `source` as its cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }
}

/// Everything a call can end with instead of a reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input refused before anything was sent.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// Slack answered, with a failure.
    #[error(transparent)]
    Call(#[from] CallError),
    /// No answer came.
    #[error(transparent)]
    Transport(#[from] TransportFailure),
}

macro_rules! input_into_error {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Error {
                Error::Invalid(InvalidInput::from(e))
            }
        }
    )*};
}
input_into_error!(InvalidUserId, InvalidUserIds, InvalidDuration, InvalidToken);

impl Error {
    /// Slack's error code, when Slack gave one (HTTP 429 counts as `ratelimited`).
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Call(CallError::Api(e)) => Some(e.code.clone()),
            Error::Call(CallError::RateLimited { .. }) => Some(ErrorCode::Ratelimited),
            _ => None,
        }
    }

    /// The class of Slack's error code, when there is one.
    pub fn class(&self) -> Option<ErrorClass> {
        self.code().map(|c| c.class())
    }

    /// How long Slack asked to wait, when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Call(CallError::RateLimited { retry_after }) => Some(*retry_after),
            Error::Call(CallError::Http { retry_after, .. }) => *retry_after,
            _ => None,
        }
    }

    /// Whether this is an auth or permission failure (one kind of
    /// [`stops_run`](Self::stops_run)).
    pub fn is_auth(&self) -> bool {
        self.class() == Some(ErrorClass::Auth)
    }

    /// A short, stable name for the failure: Slack's code when it has one, else
    /// `ratelimited`, `http_503`, `decode_error`, `dns_error`, `connect_error`, `timeout`,
    /// `io_error`, `body_too_large`, `tls_error`, `proxy_error`, `transport_error` or
    /// `invalid_input`.
    /// Borrowed from the error except for HTTP statuses, so that naming the code of
    /// many users copies nothing.
    pub fn short_code(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Error::Call(CallError::Api(a)) => Cow::Borrowed(a.code.as_str()),
            Error::Call(CallError::RateLimited { .. }) => "ratelimited".into(),
            Error::Call(CallError::Http { status, .. }) => {
                format!("http_{}", status.as_u16()).into()
            }
            Error::Call(CallError::Decode(_)) => "decode_error".into(),
            Error::Call(CallError::EndlessListing(_)) => "endless_listing".into(),
            Error::Transport(t) => match t.kind {
                TransportKind::Dns => "dns_error",
                TransportKind::Connect => "connect_error",
                TransportKind::Timeout => "timeout",
                TransportKind::Io => "io_error",
                TransportKind::BodyTooLarge => "body_too_large",
                TransportKind::Tls => "tls_error",
                TransportKind::Proxy => "proxy_error",
                _ => "transport_error",
            }
            .into(),
            Error::Invalid(_) => "invalid_input".into(),
        }
    }

    /// The transport failure's kind, when no answer came.
    pub fn transport_kind(&self) -> Option<TransportKind> {
        match self {
            Error::Transport(t) => Some(t.kind),
            _ => None,
        }
    }
}

/// Cuts `body` to a one-line, lossy excerpt of at most `max` characters.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    let cut = &body[..body.len().min(max * 4)];
    let text = String::from_utf8_lossy(cut);
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if out.chars().count() == max && body.len() > out.len() {
        out.push('…');
    }
    out
}

/// Errors of every kind, built in one line, for the tests of the rules that read them.
#[cfg(test)]
pub(crate) mod test_errors {
    use std::time::Duration;

    use http::StatusCode;

    use super::{ApiError, CallError, Error, TransportFailure, TransportKind};
    use crate::error_code::ErrorCode;

    pub(crate) fn api(code: &str) -> Error {
        Error::Call(CallError::Api(ApiError {
            code: ErrorCode::from_wire(code),
            needed: None,
            provided: None,
            messages: vec![],
            warnings: vec![],
        }))
    }

    pub(crate) fn http(status: u16, retry_after: Option<u64>) -> Error {
        Error::Call(CallError::Http {
            status: StatusCode::from_u16(status).unwrap(),
            excerpt: String::new(),
            retry_after: retry_after.map(Duration::from_secs),
        })
    }

    pub(crate) fn transport(kind: TransportKind) -> Error {
        Error::Transport(TransportFailure::new(kind, "x"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_bounded_single_line_and_lossy() {
        let body = b"<html>\n<body>\xff\xfe oops</body></html>";
        let e = excerpt(body, 200);
        assert!(!e.contains('\n'));
        assert!(e.contains('\u{fffd}'));
        let big = vec![b'a'; 1 << 20];
        let e = excerpt(&big, 100);
        assert_eq!(e.chars().count(), 101);
        assert!(e.ends_with('…'));
    }

    #[test]
    fn helpers_are_one_step_away() {
        let e = Error::Call(CallError::RateLimited {
            retry_after: Duration::from_secs(3),
        });
        assert_eq!(e.code(), Some(ErrorCode::Ratelimited));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert!(e.is_retryable());
        let auth = Error::Call(CallError::Api(ApiError {
            code: ErrorCode::InvalidAuth,
            needed: None,
            provided: None,
            messages: vec![],
            warnings: vec![],
        }));
        assert!(auth.is_auth() && !auth.is_retryable());
        assert_eq!(auth.to_string(), "slack error invalid_auth");
        let t = Error::Transport(TransportFailure::new(
            TransportKind::BodyTooLarge,
            "over 4 MiB",
        ));
        // Retried once: a smaller answer may fit.
        assert!(t.is_retryable() && !t.stops_run());
        assert_eq!(t.to_string(), "body too large error: over 4 MiB");
        assert!(auth.stops_run());
    }
}
