//! [`Token`]: the Slack token, which no output ever shows.

use std::fmt;

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidToken {
    /// The token was empty or only white space.
    #[error("token is empty")]
    Empty,
    /// The token holds white space or a control character, which cannot go in an HTTP
    /// header.
    #[error("token contains white space or a control character")]
    BadChar,
    /// The token holds a character outside ASCII (Slack tokens are ASCII; a copy from a
    /// document may bring a typographic dash or quote).
    #[error("token contains a character that is not ASCII (a typographic dash or quote?)")]
    NotAscii,
}

/// A Slack token (`xoxp-…`). Its `Debug` and `Display` print `xoxp-…redacted`, never the secret.
///
/// ```
/// use slack_sessions_core::Token;
/// let t = Token::new("xoxp-1234-secret").unwrap();
/// assert_eq!(format!("{t:?}"), "Token(xoxp-…redacted)");
/// assert!(!t.to_string().contains("secret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Token(Box<str>);

impl Token {
    /// Wraps a token, refusing one that could not be sent in a header.
    /// Surrounding white space (as left by reading a file) is trimmed.
    pub fn new(secret: impl AsRef<str>) -> Result<Self, InvalidToken> {
        let s = secret.as_ref().trim();
        if s.is_empty() {
            return Err(InvalidToken::Empty);
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(InvalidToken::BadChar);
        }
        if !s.is_ascii() {
            return Err(InvalidToken::NotAscii);
        }
        Ok(Token(s.into()))
    }

    /// The secret itself. Call this only to put it on the wire.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// The token's kind prefix (`xoxp`, `xoxb`, …) when it has one; safe to show.
    pub fn kind(&self) -> Option<&str> {
        let (prefix, _) = self.0.split_once('-')?;
        (prefix.len() <= 5 && prefix.starts_with("xox")).then_some(prefix)
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            Some(k) => write!(f, "{k}-…redacted"),
            None => f.write_str("…redacted"),
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_the_secret() {
        let t = Token::new("xoxp-111-222-supersecret").unwrap();
        for shown in [format!("{t}"), format!("{t:?}"), format!("{t:#?}")] {
            assert!(!shown.contains("supersecret"), "{shown}");
            assert!(!shown.contains("111"), "{shown}");
        }
        assert_eq!(t.expose_secret(), "xoxp-111-222-supersecret");
        let odd = Token::new("plainsecret").unwrap();
        assert_eq!(odd.to_string(), "…redacted");
    }

    #[test]
    fn refuses_unsendable_tokens() {
        assert_eq!(Token::new("  "), Err(InvalidToken::Empty));
        assert_eq!(Token::new("xoxp a"), Err(InvalidToken::BadChar));
        assert_eq!(Token::new("xoxp-\u{7f}"), Err(InvalidToken::BadChar));
        assert_eq!(Token::new("xoxp-1\n").unwrap().expose_secret(), "xoxp-1");
        // A typographic dash pasted from a document is not white space.
        let e = Token::new("xoxp\u{2013}1").unwrap_err();
        assert_eq!(e, InvalidToken::NotAscii);
        assert!(!e.to_string().contains("white space"), "{e}");
    }
}
