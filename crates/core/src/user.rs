//! Slack user IDs: [`UserId`] for one, [`UserIds`] for the 1–1,000 a call takes.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The most user IDs Slack accepts in one `admin.users.session.*` call.
pub const MAX_USERS_PER_CALL: usize = 1000;

/// The longest user ID accepted. Slack IDs are 9 to 11 characters today; the bound
/// only stops absurd input.
const MAX_USER_ID_LEN: usize = 32;

/// Why a string is not a valid [`UserId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidUserId {
    /// The string was empty.
    #[error("user id is empty")]
    Empty,
    /// The string is longer than any Slack user ID.
    #[error("user id is longer than {MAX_USER_ID_LEN} characters")]
    TooLong,
    /// The first character is not `U` or `W`.
    #[error("user id must start with 'U' or 'W'")]
    BadPrefix,
    /// Only the prefix was given.
    #[error("user id has nothing after its prefix")]
    NoBody,
    /// A character other than `A`–`Z` or `0`–`9`.
    #[error("user id contains {0:?}; only A-Z and 0-9 are allowed")]
    BadChar(char),
}

/// A Slack user ID: `U` or `W`, then upper-case ASCII letters and digits.
///
/// IDs of up to 22 characters (every Slack ID today) are stored inline, so creating,
/// cloning and dropping one never allocates — bulk runs over 100,000 users rely on it.
///
/// ```
/// use slack_sessions_core::UserId;
/// let id: UserId = "U012AB3CD".parse().unwrap();
/// assert_eq!(id.as_str(), "U012AB3CD");
/// assert!("u012ab3cd".parse::<UserId>().is_err());
/// ```
#[derive(Clone)]
pub struct UserId(Repr);

/// The longest ID kept inline.
pub(crate) const INLINE: usize = 22;

#[derive(Clone)]
enum Repr {
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(Arc<str>),
}

impl UserId {
    /// Checks `s` and wraps it.
    pub fn new(s: &str) -> Result<Self, InvalidUserId> {
        validate(s)?;
        Ok(Self::from_valid(s))
    }

    /// Wraps a string `validate` accepted.
    pub(crate) fn from_valid(s: &str) -> Self {
        if s.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..s.len()].copy_from_slice(s.as_bytes());
            UserId(Repr::Inline {
                // At most 22, so it fits.
                len: s.len() as u8,
                buf,
            })
        } else {
            UserId(Repr::Heap(s.into()))
        }
    }

    /// An ID of at most [`INLINE`] valid bytes, already copied into `buf` (zeros after).
    pub(crate) fn from_inline(len: u8, buf: [u8; INLINE]) -> Self {
        debug_assert!(usize::from(len) <= INLINE && validate_bytes(&buf[..usize::from(len)]));
        UserId(Repr::Inline { len, buf })
    }

    /// The ID's bytes (ASCII), without the UTF-8 check `as_str` makes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, buf } => &buf[..usize::from(*len)],
            Repr::Heap(s) => s.as_bytes(),
        }
    }

    /// The ID as Slack spells it.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Validated ASCII is always UTF-8; the fallback cannot happen.
            Repr::Inline { len, buf } => {
                std::str::from_utf8(&buf[..usize::from(*len)]).unwrap_or_default()
            }
            Repr::Heap(s) => s,
        }
    }
}

impl PartialEq for UserId {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for UserId {}

impl std::hash::Hash for UserId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialOrd for UserId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for UserId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// True for the bytes of a valid ID.
fn validate_bytes(b: &[u8]) -> bool {
    std::str::from_utf8(b).is_ok_and(|s| validate(s).is_ok())
}

pub(crate) fn validate(s: &str) -> Result<(), InvalidUserId> {
    let mut chars = s.chars();
    match chars.next() {
        None => return Err(InvalidUserId::Empty),
        Some('U' | 'W') => {}
        Some(_) => return Err(InvalidUserId::BadPrefix),
    }
    if s.len() > MAX_USER_ID_LEN {
        return Err(InvalidUserId::TooLong);
    }
    if s.len() == 1 {
        return Err(InvalidUserId::NoBody);
    }
    // Bytes first (the common, valid case); decode a char only to name a bad one.
    if s.as_bytes()[1..]
        .iter()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Ok(());
    }
    match chars.find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit())) {
        Some(c) => Err(InvalidUserId::BadChar(c)),
        None => Ok(()),
    }
}

impl FromStr for UserId {
    type Err = InvalidUserId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UserId::new(s)
    }
}

impl TryFrom<&str> for UserId {
    type Error = InvalidUserId;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        UserId::new(s)
    }
}

impl TryFrom<String> for UserId {
    type Error = InvalidUserId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        UserId::new(&s)
    }
}

impl AsRef<str> for UserId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for UserId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for UserId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = UserId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Slack user id")
            }
            // Validates in place and allocates once, borrowed or not.
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<UserId, E> {
                UserId::new(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// Why a list of users cannot be sent in one call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidUserIds {
    /// No users were given.
    #[error("no user ids given; at least one is required")]
    Empty,
    /// More distinct users than one call takes.
    #[error("{0} distinct user ids given; at most {MAX_USERS_PER_CALL} fit in one call")]
    TooMany(usize),
    /// One of the strings is not a user ID.
    #[error("invalid user id {input:?}: {reason}")]
    Invalid {
        /// The offending input, as given.
        input: String,
        /// Why it was refused.
        reason: InvalidUserId,
    },
}

/// 1 to 1,000 distinct user IDs, in the order first given.
///
/// ```
/// use slack_sessions_core::UserIds;
/// let ids = UserIds::parse(["U1", "W2", "U1"]).unwrap();
/// assert_eq!(ids.len(), 2);
/// assert_eq!(ids.to_string(), "U1,W2");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct UserIds(Vec<UserId>);

impl UserIds {
    /// Builds the list from already-valid IDs, removing duplicates.
    pub fn new<I: IntoIterator<Item = UserId>>(ids: I) -> Result<Self, InvalidUserIds> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for id in ids {
            if seen.insert(id.clone()) {
                out.push(id);
            }
        }
        if out.len() > MAX_USERS_PER_CALL {
            return Err(InvalidUserIds::TooMany(out.len()));
        }
        if out.is_empty() {
            return Err(InvalidUserIds::Empty);
        }
        Ok(UserIds(out))
    }

    /// Parses each string as a [`UserId`], then builds the list.
    pub fn parse<I, S>(ids: I) -> Result<Self, InvalidUserIds>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let parsed = ids
            .into_iter()
            .map(|s| {
                let s = s.as_ref();
                UserId::new(s).map_err(|reason| InvalidUserIds::Invalid {
                    input: s.to_owned(),
                    reason,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        UserIds::new(parsed)
    }

    /// Builds a one-user list.
    pub fn one(id: UserId) -> Self {
        UserIds(vec![id])
    }

    /// How many distinct users.
    #[allow(clippy::len_without_is_empty)] // never empty
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The IDs, in order.
    pub fn as_slice(&self) -> &[UserId] {
        &self.0
    }

    /// Iterates over the IDs in order.
    pub fn iter(&self) -> std::slice::Iter<'_, UserId> {
        self.0.iter()
    }

    /// The IDs joined by commas, as the form encoding sends them.
    pub(crate) fn joined(&self) -> String {
        let mut s = String::with_capacity(self.0.len() * 12);
        for (i, id) in self.0.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(id.as_str());
        }
        s
    }

    /// Splits the list in two halves (the first holds the extra one); `None` for one user.
    pub(crate) fn split_halves(&self) -> Option<(UserIds, UserIds)> {
        if self.0.len() < 2 {
            return None;
        }
        let mid = self.0.len().div_ceil(2);
        Some((
            UserIds(self.0[..mid].to_vec()),
            UserIds(self.0[mid..].to_vec()),
        ))
    }

    /// The IDs, in order, by value.
    pub fn into_vec(self) -> Vec<UserId> {
        self.0
    }

    /// Internal: wraps IDs already known to be distinct, 1..=1000 of them.
    pub(crate) fn from_distinct(ids: Vec<UserId>) -> Self {
        debug_assert!(!ids.is_empty() && ids.len() <= MAX_USERS_PER_CALL);
        UserIds(ids)
    }
}

impl fmt::Display for UserIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.joined())
    }
}

impl fmt::Debug for UserIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a UserIds {
    type Item = &'a UserId;
    type IntoIter = std::slice::Iter<'a, UserId>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<UserId> for UserIds {
    fn from(id: UserId) -> Self {
        UserIds::one(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_slack_shaped_ids() {
        for s in ["U012AB3CD", "W0123", "U1", "UABCDEFGHIJ"] {
            assert_eq!(UserId::new(s).unwrap().as_str(), s);
        }
    }

    #[test]
    fn refuses_malformed_ids_with_a_reason() {
        assert_eq!(UserId::new(""), Err(InvalidUserId::Empty));
        assert_eq!(UserId::new("u123"), Err(InvalidUserId::BadPrefix));
        assert_eq!(UserId::new("X123"), Err(InvalidUserId::BadPrefix));
        assert_eq!(UserId::new("U"), Err(InvalidUserId::NoBody));
        assert_eq!(UserId::new("Uabc"), Err(InvalidUserId::BadChar('a')));
        assert_eq!(UserId::new("U12 3"), Err(InvalidUserId::BadChar(' ')));
        assert_eq!(UserId::new("U12É"), Err(InvalidUserId::BadChar('É')));
        assert_eq!(UserId::new(" U123"), Err(InvalidUserId::BadPrefix));
        assert_eq!(
            UserId::new(&format!("U{}", "1".repeat(40))),
            Err(InvalidUserId::TooLong)
        );
    }

    #[test]
    fn long_ids_are_stored_too() {
        let long = format!("U{}", "A".repeat(30));
        let id = UserId::new(&long).unwrap();
        assert_eq!(id.as_str(), long);
        assert_eq!(id.clone(), id);
        assert_ne!(id, UserId::new("U1").unwrap());
        assert!(UserId::new("U1").unwrap() < UserId::new("U2").unwrap());
        assert_eq!(std::mem::size_of::<UserId>(), 24);
    }

    #[test]
    fn user_ids_dedupe_and_keep_order() {
        let ids = UserIds::parse(["W2", "U1", "W2", "U3", "U1"]).unwrap();
        assert_eq!(ids.joined(), "W2,U1,U3");
    }

    #[test]
    fn user_ids_bounds() {
        assert_eq!(
            UserIds::parse(Vec::<String>::new()),
            Err(InvalidUserIds::Empty)
        );
        let ok: Vec<String> = (0..1000).map(|i| format!("U{i:08}")).collect();
        assert_eq!(UserIds::parse(&ok).unwrap().len(), 1000);
        let mut too_many = ok.clone();
        too_many.push("U99999999".into());
        assert!(matches!(
            UserIds::parse(&too_many),
            Err(InvalidUserIds::TooMany(1001))
        ));
        // 1,000 distinct plus duplicates is still fine.
        let mut dups = ok.clone();
        dups.extend(ok.iter().take(10).cloned());
        assert_eq!(UserIds::parse(&dups).unwrap().len(), 1000);
        let err = UserIds::parse(["U1", "bad"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid user id \"bad\": user id must start with 'U' or 'W'"
        );
    }

    #[test]
    fn split_halves_covers_everything() {
        let ids = UserIds::parse(["U1", "U2", "U3"]).unwrap();
        let (a, b) = ids.split_halves().unwrap();
        assert_eq!((a.joined().as_str(), b.joined().as_str()), ("U1,U2", "U3"));
        assert!(UserIds::parse(["U1"]).unwrap().split_halves().is_none());
    }
}
