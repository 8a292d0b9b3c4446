//! [`Email`]: an address as an admin holds it, matched the way Slack's directory is.

use std::fmt;
use std::str::FromStr;

/// The longest address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Why a string is not an [`Email`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidEmail {
    /// The string was empty.
    #[error("email is empty")]
    Empty,
    /// Longer than any deliverable address.
    #[error("email is longer than {MAX_EMAIL_LEN} bytes")]
    TooLong,
    /// No `@`, more than one, or nothing on one side of it.
    #[error("email must be one name, one '@' and one domain")]
    Shape,
    /// A space or control character.
    #[error("email contains a space or control character")]
    BadChar,
}

/// An email address: one `@` with something on each side, no space or control
/// character, at most [`MAX_EMAIL_LEN`] bytes. Two addresses are the same when they are
/// equal ignoring case, and only then: matching never guesses (no trimming, no dropping
/// of `+tags` or dots).
///
/// ```
/// use slack_sessions_core::Email;
/// let a: Email = "Ada.Lovelace@Example.com".parse()?;
/// assert_eq!(a, "ada.lovelace@example.com".parse::<Email>()?);
/// assert_ne!(a, "adalovelace@example.com".parse::<Email>()?);
/// assert_eq!(a.as_str(), "Ada.Lovelace@Example.com");
/// assert!("not an email".parse::<Email>().is_err());
/// # Ok::<(), slack_sessions_core::InvalidEmail>(())
/// ```
#[derive(Clone)]
pub struct Email {
    /// As given.
    text: Box<str>,
    /// Lower-cased, for matching.
    key: Box<str>,
}

impl Email {
    /// Checks `s` and wraps it.
    pub fn new(s: &str) -> Result<Self, InvalidEmail> {
        if s.is_empty() {
            return Err(InvalidEmail::Empty);
        }
        if s.len() > MAX_EMAIL_LEN {
            return Err(InvalidEmail::TooLong);
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(InvalidEmail::BadChar);
        }
        match s.split_once('@') {
            Some((name, domain))
                if !name.is_empty() && !domain.is_empty() && !domain.contains('@') => {}
            _ => return Err(InvalidEmail::Shape),
        }
        Ok(Email {
            text: s.into(),
            key: s.to_lowercase().into(),
        })
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The address lower-cased: what two equal addresses share.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The key `text` would have, for matching an address Slack sent without checking
    /// it as an [`Email`].
    pub fn key_of(text: &str) -> String {
        text.to_lowercase()
    }
}

impl PartialEq for Email {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Email {}

impl std::hash::Hash for Email {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key.hash(state)
    }
}

impl FromStr for Email {
    type Err = InvalidEmail;
    fn from_str(s: &str) -> Result<Self, InvalidEmail> {
        Email::new(s)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.text, f)
    }
}

impl serde::Serialize for Email {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shapes() {
        for bad in ["", "a", "@b", "a@", "a@b@c", "a b@c", "a@b\n", "\u{7}@b"] {
            assert!(Email::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Email::new(&"a".repeat(255)), Err(InvalidEmail::TooLong));
        assert!(Email::new("o'brien+tag@sub.example.co.uk").is_ok());
        assert!(Email::new("Ünïcode@exämple.com").is_ok());
    }

    proptest! {
        /// `b` is `a` with some letters' case flipped (the pairs a matcher meets), or,
        /// with `other`, a letter changed too: equal exactly when they differ only in
        /// case.
        #[test]
        fn equal_exactly_when_equal_ignoring_case(
            a in "[a-zA-Z.+]{1,6}@[a-zA-Z]{1,4}",
            flips in proptest::collection::vec(any::<bool>(), 11),
            other in proptest::option::of(0usize..11),
        ) {
            let mut b: Vec<char> = a
                .chars()
                .zip(flips.iter().chain(std::iter::repeat(&false)))
                .map(|(c, &flip)| match (flip, c.is_ascii_uppercase()) {
                    (false, _) => c,
                    (true, true) => c.to_ascii_lowercase(),
                    (true, false) => c.to_ascii_uppercase(),
                })
                .collect();
            if let Some(i) = other {
                let i = i % b.len();
                if b[i].is_ascii_alphabetic() {
                    b[i] = if b[i].eq_ignore_ascii_case(&'q') { 'z' } else { 'q' };
                }
            }
            let b: String = b.into_iter().collect();
            let (x, y) = (Email::new(&a).unwrap(), Email::new(&b).unwrap());
            prop_assert_eq!(x == y, a.to_lowercase() == b.to_lowercase(), "{} {}", a, b);
            prop_assert_eq!(x.key() == y.key(), x == y);
        }
    }
}
