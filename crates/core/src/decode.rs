//! [`decode`]: an `http::Response` in, a typed [`Reply`] or a [`CallError`] out.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use http::header::RETRY_AFTER;
use http::{HeaderMap, Response, StatusCode};
use serde::de::DeserializeSeed;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::capped::{cap, extend_capped, CappedList, CappedStr, MAX_CODE_BYTES, MAX_TEXT_BYTES};
use crate::error::{excerpt, ApiError, CallError, DecodeError};
use crate::error_code::ErrorCode;
use crate::method::{Method, Output};

/// The wait assumed when a 429 carries no usable `Retry-After` (Slack always sends one;
/// a proxy might not).
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);

/// The longest `Retry-After` honoured; larger values are cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// How many characters of a body an error quotes.
pub(crate) const EXCERPT_CHARS: usize = 200;

/// A successful answer: the method's payload plus Slack's warnings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reply<T> {
    /// The typed payload.
    pub output: T,
    /// `warning` (split at commas), then `response_metadata.warnings`, then
    /// `response_metadata.messages` (which a success may carry too).
    pub warnings: Vec<String>,
    /// The token's scopes, as the answer's `x-oauth-scopes` header lists them (every
    /// Web API answer carries it); `None` when it is absent.
    pub scopes: Option<Vec<String>>,
    /// `response_metadata.next_cursor` of a paginated method (`list`), when the answer
    /// has a next page; `None` on the last page (an empty cursor reads as none).
    pub next_cursor: Option<String>,
    /// The work was done by an earlier attempt whose answer was lost: the answer to the
    /// retry said so in its method's terms (see
    /// [`Method::done_by_earlier_attempt`](crate::Method::done_by_earlier_attempt)).
    pub by_earlier_attempt: bool,
}

impl<T: Default> Reply<T> {
    /// A success with the default (empty) output and these warnings.
    pub(crate) fn empty(warnings: Vec<String>) -> Self {
        Reply {
            output: T::default(),
            warnings,
            scopes: None,
            next_cursor: None,
            by_earlier_attempt: false,
        }
    }
}

/// Decodes Slack's answer to method `M`.
///
/// Free text in the answer is bounded as it is read: an unknown `error` code keeps at
/// most [`MAX_CODE_BYTES`](crate::limits::MAX_CODE_BYTES), each warning likewise, and
/// `response_metadata.messages` at most [`MAX_LIST_ITEMS`](crate::limits::MAX_LIST_ITEMS)
/// entries of [`MAX_TEXT_BYTES`](crate::limits::MAX_TEXT_BYTES) each; a missing or empty `error`
/// with `ok:false` is [`ErrorCode::UnknownError`].
///
/// ```
/// use slack_sessions_core::sansio::decode;
/// use slack_sessions_core::{CallError, ErrorCode, SetSettings};
/// let ok = http::Response::new(br#"{"ok":true}"#.to_vec());
/// assert!(decode::<SetSettings, _>(ok).is_ok());
/// let err = http::Response::new(br#"{"ok":false,"error":"user_not_found"}"#.to_vec());
/// match decode::<SetSettings, _>(err) {
///     Err(CallError::Api(e)) => assert_eq!(e.code, ErrorCode::UserNotFound),
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn decode<M: Method, B: AsRef<[u8]>>(
    response: Response<B>,
) -> Result<Reply<M::Output>, CallError> {
    decode_parts::<M::Output>(
        response.status(),
        response.headers(),
        response.body().as_ref(),
    )
}

/// Decodes an answer given as its parts, for any [`Output`].
pub fn decode_parts<O: Output>(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Reply<O>, CallError> {
    if status == StatusCode::TOO_MANY_REQUESTS {
        let retry_after = parse_retry_after(headers).unwrap_or(DEFAULT_RETRY_AFTER);
        return Err(CallError::RateLimited { retry_after });
    }
    if !status.is_success() {
        return Err(CallError::Http {
            status,
            excerpt: excerpt(body, EXCERPT_CHARS),
            retry_after: parse_retry_after(headers),
        });
    }
    // The common answer of the methods that return nothing, read without a parser: no
    // field, no warning, so the output is the default one.
    if body == br#"{"ok":true}"# {
        let mut reply = Reply::empty(Vec::new());
        reply.scopes = scopes(headers);
        return Ok(reply);
    }
    let decode_error = |reason: String| {
        CallError::Decode(DecodeError {
            status,
            reason,
            excerpt: excerpt(body, EXCERPT_CHARS),
            user: None,
        })
    };
    // The field being read when the answer turned out unreadable, to name it.
    let field = std::cell::Cell::new(None::<&str>);
    let mut de = serde_json::Deserializer::from_slice(body);
    let env: Envelope<O> = EnvelopeSeed {
        field: &field,
        output: PhantomData,
    }
    .deserialize(&mut de)
    .and_then(|env| de.end().map(|()| env))
    .map_err(|e| match field.take() {
        Some(f) => decode_error(format!("field `{}`: {e}", cap(f, MAX_CODE_BYTES))),
        None => decode_error(e.to_string()),
    })?;
    let mut warnings = Vec::new();
    if let Some(w) = env.warning {
        extend_capped(
            &mut warnings,
            w.split(',')
                .filter(|s| !s.is_empty())
                .map(|s| cap(s, MAX_CODE_BYTES)),
        );
    }
    extend_capped(&mut warnings, env.meta.warnings);
    match env.ok {
        Some(true) => {
            // What a success says besides its payload is a warning too: kept, not lost.
            extend_capped(&mut warnings, env.meta.messages);
            Ok(Reply {
                output: env.output,
                warnings,
                scopes: scopes(headers),
                next_cursor: env.meta.next_cursor.filter(|c| !c.is_empty()),
                by_earlier_attempt: false,
            })
        }
        Some(false) => Err(CallError::Api(ApiError {
            // A missing or empty code reads as `unknown_error`.
            code: ErrorCode::from_wire(env.error.as_deref().unwrap_or("")),
            needed: env.needed,
            provided: env.provided,
            messages: env.meta.messages,
            warnings,
        })),
        None => Err(decode_error("the answer has no \"ok\" field".into())),
    }
}

/// The most scopes read from `x-oauth-scopes` (a token holds a few dozen at most).
const MAX_SCOPES: usize = 256;

/// The scopes an answer's `x-oauth-scopes` header lists (comma-separated), each bounded.
fn scopes(headers: &HeaderMap) -> Option<Vec<String>> {
    let v = headers.get("x-oauth-scopes")?.to_str().ok()?;
    Some(
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .take(MAX_SCOPES)
            .map(|s| cap(s, MAX_CODE_BYTES))
            .collect(),
    )
}

/// Reads `Retry-After` as whole seconds, capped at [`MAX_RETRY_AFTER`]; `None` if absent or garbled.
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let secs: u64 = v.parse().ok()?;
    Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER))
}

struct Envelope<O> {
    ok: Option<bool>,
    error: Option<String>,
    warning: Option<String>,
    needed: Option<String>,
    provided: Option<String>,
    meta: Meta,
    output: O,
}

/// `response_metadata`, each list bounded as it is read.
#[derive(Default, Deserialize)]
struct Meta {
    #[serde(default, deserialize_with = "capped_list")]
    warnings: Vec<String>,
    #[serde(default, deserialize_with = "capped_list")]
    messages: Vec<String>,
    /// The next page's cursor (opaque; bounded by the body cap).
    #[serde(default)]
    next_cursor: Option<String>,
}

fn capped_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(CappedList::deserialize(d)?.0)
}

/// A map key, borrowed when the input allows.
struct Key<'de>(KeyInner<'de>);
enum KeyInner<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match &self.0 {
            KeyInner::Borrowed(s) => s,
            KeyInner::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(KeyInner::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(KeyInner::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// Reads an [`Envelope`], keeping the name of the field being read in `field` (cleared
/// once the whole answer is read), so that an error can name it.
/// Only keys borrowed from the answer are kept (an escaped key, which serde must copy,
/// is not named): nothing is copied on the way.
struct EnvelopeSeed<'a, 'de, O> {
    field: &'a std::cell::Cell<Option<&'de str>>,
    output: PhantomData<O>,
}

impl<'de, O: Output> serde::de::DeserializeSeed<'de> for EnvelopeSeed<'_, 'de, O> {
    type Value = Envelope<O>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Envelope<O>, D::Error> {
        struct V<'a, 'de, O>(&'a std::cell::Cell<Option<&'de str>>, PhantomData<O>);
        impl<'de, O: Output> Visitor<'de> for V<'_, 'de, O> {
            type Value = Envelope<O>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a slack answer object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope<O>, A::Error> {
                let mut env = Envelope {
                    ok: None,
                    error: None,
                    warning: None,
                    needed: None,
                    provided: None,
                    meta: Meta::default(),
                    output: O::default(),
                };
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    if let KeyInner::Borrowed(k) = key.0 {
                        self.0.set(Some(k));
                    }
                    match key.as_str() {
                        "ok" => env.ok = Some(map.next_value()?),
                        "error" => env.error = map.next_value::<CappedStr<MAX_CODE_BYTES>>()?.0,
                        "warning" => env.warning = map.next_value::<CappedStr<MAX_TEXT_BYTES>>()?.0,
                        "needed" => env.needed = map.next_value::<CappedStr<MAX_TEXT_BYTES>>()?.0,
                        "provided" => {
                            env.provided = map.next_value::<CappedStr<MAX_TEXT_BYTES>>()?.0
                        }
                        "response_metadata" => {
                            env.meta = map.next_value::<Option<Meta>>()?.unwrap_or_default()
                        }
                        other => {
                            if !env.output.visit_field(other, &mut map)? {
                                map.next_value::<IgnoredAny>()?;
                            }
                        }
                    }
                    self.0.set(None);
                }
                Ok(env)
            }
        }
        d.deserialize_map(V(self.field, PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GetSettings, SetSettings};

    fn resp(status: u16, body: &str) -> Response<Vec<u8>> {
        Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    fn set(r: Response<Vec<u8>>) -> Result<Reply<crate::Empty>, CallError> {
        decode::<SetSettings, _>(r)
    }

    #[test]
    fn ok_true_with_warnings() {
        let r = set(resp(
            200,
            r#"{"ok":true,"warning":"superfluous_charset,other","response_metadata":{"warnings":["superfluous_charset"]}}"#,
        ))
        .unwrap();
        assert_eq!(
            r.warnings,
            ["superfluous_charset", "other", "superfluous_charset"]
        );
        assert!(set(resp(200, r#"{"ok":true}"#))
            .unwrap()
            .warnings
            .is_empty());
    }

    #[test]
    fn ok_false_carries_everything() {
        let e = set(resp(
            200,
            r#"{"ok":false,"error":"missing_scope","needed":"admin.users:write","provided":"admin.users:read","response_metadata":{"messages":["[ERROR] nope"]}}"#,
        ))
        .unwrap_err();
        let CallError::Api(api) = e else {
            panic!("{e:?}")
        };
        assert_eq!(api.code, ErrorCode::MissingScope);
        assert_eq!(api.needed.as_deref(), Some("admin.users:write"));
        assert_eq!(api.provided.as_deref(), Some("admin.users:read"));
        assert_eq!(api.messages, ["[ERROR] nope"]);
        assert_eq!(
            api.to_string(),
            "slack error missing_scope (needed admin.users:write, provided admin.users:read): [ERROR] nope"
        );
    }

    #[test]
    fn every_documented_code_decodes() {
        for code in ErrorCode::KNOWN {
            let body = format!(r#"{{"ok":false,"error":"{}"}}"#, code.as_str());
            match set(resp(200, &body)) {
                Err(CallError::Api(api)) => assert_eq!(&api.code, code),
                other => panic!("{code}: {other:?}"),
            }
        }
        match set(resp(200, r#"{"ok":false,"error":"shiny_new_code"}"#)) {
            Err(CallError::Api(api)) => {
                assert_eq!(api.code, ErrorCode::Other("shiny_new_code".into()))
            }
            other => panic!("{other:?}"),
        }
    }

    /// One answer with a 4 MB code must not become 4 MB per user.
    #[test]
    fn free_text_is_bounded_at_decode_time() {
        let huge = "e".repeat(4 << 20);
        let body = format!(
            r#"{{"ok":false,"error":"{huge}","needed":"{huge}","warning":"{huge},{huge}","response_metadata":{{"messages":["{huge}","{huge}"],"warnings":{many}}}}}"#,
            many = serde_json::to_string(&vec!["w"; 10_000]).unwrap()
        );
        let Err(CallError::Api(api)) = set(resp(200, &body)) else {
            panic!("not an api error")
        };
        assert!(matches!(api.code, ErrorCode::Other(_)));
        assert!(api.code.as_str().len() <= crate::limits::MAX_CODE_BYTES);
        assert!(api.needed.as_deref().unwrap_or_default().len() <= crate::limits::MAX_TEXT_BYTES);
        assert_eq!(api.messages.len(), 2);
        assert!(api
            .messages
            .iter()
            .all(|m| m.len() <= crate::limits::MAX_TEXT_BYTES));
        assert!(api.warnings.len() <= crate::limits::MAX_LIST_ITEMS);
        assert!(
            api.warnings.iter().map(String::len).sum::<usize>() <= crate::limits::MAX_LIST_BYTES
        );
        assert!(api.to_string().len() < 1_000);
        // The same on a success.
        let body = format!(r#"{{"ok":true,"warning":"{huge}"}}"#);
        let r = set(resp(200, &body)).unwrap();
        assert!(r
            .warnings
            .iter()
            .all(|w| w.len() <= crate::limits::MAX_CODE_BYTES));
    }

    #[test]
    fn a_missing_or_empty_code_is_unknown_error() {
        for body in [
            r#"{"ok":false}"#,
            r#"{"ok":false,"error":""}"#,
            r#"{"ok":false,"error":null}"#,
        ] {
            match set(resp(200, body)) {
                Err(CallError::Api(api)) => assert_eq!(api.code, ErrorCode::UnknownError, "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn rate_limited_with_and_without_header() {
        let mut r = resp(429, r#"{"ok":false,"error":"ratelimited"}"#);
        r.headers_mut().insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(
            set(r),
            Err(CallError::RateLimited {
                retry_after: Duration::from_secs(7)
            })
        );
        assert_eq!(
            set(resp(429, "")),
            Err(CallError::RateLimited {
                retry_after: DEFAULT_RETRY_AFTER
            })
        );
        let mut r = resp(429, "");
        r.headers_mut().insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(
            set(r),
            Err(CallError::RateLimited {
                retry_after: DEFAULT_RETRY_AFTER
            })
        );
        let mut r = resp(429, "");
        r.headers_mut()
            .insert(RETRY_AFTER, "99999999".parse().unwrap());
        assert_eq!(
            set(r),
            Err(CallError::RateLimited {
                retry_after: MAX_RETRY_AFTER
            })
        );
    }

    #[test]
    fn other_statuses_are_http_errors_with_a_bounded_excerpt() {
        let html = format!("<html><body>{}</body></html>", "x".repeat(5000));
        match set(resp(503, &html)) {
            Err(CallError::Http {
                status,
                excerpt,
                retry_after,
            }) => {
                assert_eq!(status, 503);
                assert!(excerpt.starts_with("<html>"));
                assert!(excerpt.chars().count() <= EXCERPT_CHARS + 1);
                assert_eq!(retry_after, None);
            }
            other => panic!("{other:?}"),
        }
    }

    /// An unreadable answer names the field it could not read, so that a person can
    /// tell a web page from a field this client reads wrongly.
    #[test]
    fn a_decode_error_names_its_field() {
        let body = r#"{"ok":true,"active_sessions":[{"user_id":"U1","session_id":"seven"}]}"#;
        match decode::<crate::ListSessions, _>(resp(200, body)) {
            Err(CallError::Decode(d)) => {
                assert!(
                    d.reason.starts_with("field `active_sessions`: "),
                    "{}",
                    d.reason
                )
            }
            other => panic!("{other:?}"),
        }
        match set(resp(200, r#"{"ok":true} trailing"#)) {
            Err(CallError::Decode(d)) => assert!(!d.reason.contains("field"), "{}", d.reason),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn garbled_bodies_are_decode_errors() {
        for body in [
            "<html>oops</html>",
            r#"{"ok":tr"#,
            r#"{"error":"x"}"#,
            "",
            "[1,2]",
            r#"{"ok":"yes"}"#,
        ] {
            match set(resp(200, body)) {
                Err(CallError::Decode(d)) => {
                    assert_eq!(d.status, 200);
                    assert!(body.starts_with(d.excerpt.as_str()), "{d:?}");
                }
                other => panic!("{body:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn get_settings_payload() {
        let r = decode::<GetSettings, _>(resp(
            200,
            r#"{"ok":true,"session_settings":[{"user_id":"U1","desktop_app_browser_quit":true,"duration":86400},{"user_id":"W2","duration":28800}],"no_settings_applied":["U3"]}"#,
        ))
        .unwrap();
        let out = r.output;
        assert_eq!(out.session_settings.len(), 2);
        assert_eq!(out.session_settings[0].user_id.as_str(), "U1");
        assert_eq!(out.session_settings[0].desktop_app_browser_quit, Some(true));
        assert_eq!(
            out.session_settings[0].duration.map(|d| d.as_secs()),
            Some(86_400)
        );
        assert_eq!(out.session_settings[1].desktop_app_browser_quit, None);
        assert_eq!(out.no_settings_applied[0].as_str(), "U3");
        // Key order does not matter, and escaped keys still match.
        let r = decode::<GetSettings, _>(resp(
            200,
            r#"{"no_settings_applied":["U3"],"ok":true,"sess\u0069on_settings":null}"#,
        ))
        .unwrap();
        assert_eq!(r.output.no_settings_applied.len(), 1);
        assert!(r.output.session_settings.is_empty());
    }
}
