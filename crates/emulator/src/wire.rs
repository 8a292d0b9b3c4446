//! Reading a request as Slack does: content type, charset, body, token and arguments.
//! Written independently of the client's encoder.

use http::HeaderMap;
use serde_json::{Map, Value};

/// A request's arguments, as named values: strings from a form, JSON values from JSON.
pub(crate) type Args = Map<String, Value>;

/// The parts of a request the methods need.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub token: Option<String>,
    pub args: Args,
    /// The body was JSON.
    pub json: bool,
}

/// Parses the body by its content type. Errors are Slack codes.
pub(crate) fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Parsed, &'static str> {
    let header_token = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| rest.trim().to_owned())
        });
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let Some(content_type) = content_type else {
        if body.is_empty() {
            return Ok(Parsed {
                token: header_token,
                args: Args::new(),
                json: false,
            });
        }
        return Err("missing_post_type");
    };
    let mut parts = content_type.split(';');
    let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let mut boundary = None;
    for param in parts {
        if let Some((k, v)) = param.split_once('=') {
            if k.trim().eq_ignore_ascii_case("charset") {
                let cs = v.trim().trim_matches('"').to_ascii_lowercase();
                if cs != "utf-8" && cs != "utf8" && cs != "iso-8859-1" {
                    return Err("invalid_charset");
                }
            }
            if k.trim().eq_ignore_ascii_case("boundary") {
                boundary = Some(v.trim().trim_matches('"').to_owned());
            }
        }
    }
    match mime.as_str() {
        "multipart/form-data" => {
            let boundary = boundary.ok_or("invalid_form_data")?;
            let fields = multipart_fields(body, &boundary).ok_or("invalid_form_data")?;
            Ok(form_fields(fields, header_token))
        }
        // Assumption: Slack lists text/plain among the POST types it accepts without
        // saying how it reads one; the emulator reads it as a url-encoded form.
        "application/x-www-form-urlencoded" | "text/plain" => {
            // Malformed: not UTF-8, or a field without `=` (Slack answers invalid_form_data).
            let text = std::str::from_utf8(body).map_err(|_| "invalid_form_data")?;
            if text.split('&').any(|f| !f.is_empty() && !f.contains('=')) {
                return Err("invalid_form_data");
            }
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_bytes(body).map_err(|_| "invalid_form_data")?;
            Ok(form_fields(pairs, header_token))
        }
        "application/json" => {
            let v: Value = serde_json::from_slice(body).map_err(|_| "invalid_json")?;
            let Value::Object(mut args) = v else {
                return Err("invalid_json");
            };
            // Slack ignores a token inside JSON.
            args.remove("token");
            Ok(Parsed {
                token: header_token,
                args,
                json: true,
            })
        }
        _ => Err("invalid_post_type"),
    }
}

/// A form's fields as arguments; a `token` field is the token unless the header gave one.
fn form_fields(fields: Vec<(String, String)>, header_token: Option<String>) -> Parsed {
    let mut args = Args::new();
    let mut body_token = None;
    for (k, v) in fields {
        if k == "token" {
            body_token = Some(v);
        } else {
            args.insert(k, Value::String(v));
        }
    }
    Parsed {
        token: header_token.or(body_token),
        args,
        json: false,
    }
}

/// The text fields of a `multipart/form-data` body (RFC 7578): each part's
/// `Content-Disposition` name and its content. `None` when the body is not well formed.
fn multipart_fields(body: &[u8], boundary: &str) -> Option<Vec<(String, String)>> {
    let text = std::str::from_utf8(body).ok()?;
    let delimiter = format!("--{boundary}");
    let mut fields = Vec::new();
    let mut rest = text.strip_prefix(&delimiter)?;
    loop {
        if rest.starts_with("--") {
            return Some(fields);
        }
        rest = rest.strip_prefix("\r\n")?;
        let end = rest.find(&format!("\r\n{delimiter}"))?;
        let part = &rest[..end];
        rest = &rest[end + 2 + delimiter.len()..];
        let (head, value) = part.split_once("\r\n\r\n")?;
        let name = head.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            if !k.trim().eq_ignore_ascii_case("content-disposition") {
                return None;
            }
            v.split(';').find_map(|p| {
                let (pk, pv) = p.split_once('=')?;
                (pk.trim() == "name").then(|| pv.trim().trim_matches('"').to_owned())
            })
        })?;
        fields.push((name, value.to_owned()));
    }
}

/// A list of users: a JSON array of strings, or a string `U1,U2` or `["U1","U2"]`.
pub(crate) fn user_ids(v: &Value) -> Result<Vec<String>, String> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.trim().to_owned()),
                other => Err(format!("[ERROR] user_ids must hold strings, got {other}")),
            })
            .collect(),
        Value::String(s) if s.trim_start().starts_with('[') => {
            match serde_json::from_str::<Value>(s) {
                Ok(v @ Value::Array(_)) => user_ids(&v),
                _ => Err("[ERROR] user_ids is not a valid JSON array".into()),
            }
        }
        Value::String(s) => Ok(s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()),
        other => Err(format!("[ERROR] user_ids must be a list, got {other}")),
    }
}

/// A whole number, from JSON or from a form string.
pub(crate) fn integer(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean: `true`/`false`/`1`/`0`, from JSON or a form string.
pub(crate) fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_u64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.trim() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(ct: Option<&str>, auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(ct) = ct {
            h.insert("content-type", HeaderValue::from_str(ct).unwrap());
        }
        if let Some(a) = auth {
            h.insert("authorization", HeaderValue::from_str(a).unwrap());
        }
        h
    }

    #[test]
    fn content_types_and_charsets() {
        let form = Some("application/x-www-form-urlencoded");
        assert!(parse(&headers(form, None), b"a=1").is_ok());
        assert_eq!(
            parse(&headers(None, None), b"a=1").unwrap_err(),
            "missing_post_type"
        );
        assert_eq!(
            parse(&headers(Some("text/xml"), None), b"a").unwrap_err(),
            "invalid_post_type"
        );
        assert_eq!(
            parse(
                &headers(Some("application/json; charset=koi8-r"), None),
                b"{}"
            )
            .unwrap_err(),
            "invalid_charset"
        );
        assert!(parse(
            &headers(Some("application/json; charset=UTF-8"), None),
            b"{}"
        )
        .is_ok());
        assert_eq!(
            parse(&headers(Some("application/json"), None), b"{").unwrap_err(),
            "invalid_json"
        );
        assert_eq!(
            parse(&headers(Some("application/json"), None), b"[]").unwrap_err(),
            "invalid_json"
        );
        assert_eq!(parse(&headers(form, None), b"a=%ZZ&&=").map(|_| ()), Ok(()));
        assert_eq!(
            parse(&headers(form, None), b"user_ids").unwrap_err(),
            "invalid_form_data"
        );
        assert_eq!(
            parse(&headers(form, None), b"a=\xff").unwrap_err(),
            "invalid_form_data"
        );
    }

    #[test]
    fn tokens_from_header_or_form_but_not_json() {
        let p = parse(
            &headers(Some("application/x-www-form-urlencoded"), None),
            b"token=xoxp-a&x=1",
        )
        .unwrap();
        assert_eq!(p.token.as_deref(), Some("xoxp-a"));
        assert!(!p.args.contains_key("token"));
        let p = parse(
            &headers(Some("application/json"), None),
            br#"{"token":"xoxp-a"}"#,
        )
        .unwrap();
        assert_eq!(p.token, None);
        let p = parse(
            &headers(Some("application/json"), Some("Bearer xoxp-b")),
            b"{}",
        )
        .unwrap();
        assert_eq!(p.token.as_deref(), Some("xoxp-b"));
    }

    #[test]
    fn user_id_spellings() {
        let want = vec!["U1".to_owned(), "U2".to_owned()];
        assert_eq!(user_ids(&Value::String("U1,U2".into())).unwrap(), want);
        assert_eq!(
            user_ids(&Value::String(r#"["U1","U2"]"#.into())).unwrap(),
            want
        );
        assert_eq!(user_ids(&serde_json::json!(["U1", "U2"])).unwrap(), want);
        assert!(user_ids(&serde_json::json!([1])).is_err());
        assert!(user_ids(&Value::String("[oops".into())).is_err());
        assert!(user_ids(&Value::String(String::new())).unwrap().is_empty());
    }

    #[test]
    fn scalar_spellings() {
        for (v, b) in [("true", true), ("1", true), ("false", false), ("0", false)] {
            assert_eq!(boolean(&Value::String(v.into())), Some(b));
        }
        assert_eq!(boolean(&Value::String("yes".into())), None);
        assert_eq!(boolean(&serde_json::json!(true)), Some(true));
        assert_eq!(integer(&Value::String("86400".into())), Some(86_400));
        assert_eq!(integer(&serde_json::json!(86400)), Some(86_400));
        assert_eq!(integer(&serde_json::json!(1.5)), None);
        assert_eq!(integer(&Value::String("8h".into())), None);
    }
}
