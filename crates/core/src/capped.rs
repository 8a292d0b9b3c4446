//! Bounds on the free text an answer may carry (`error`, `warning`, `needed`, `provided`,
//! `response_metadata.messages` and `.warnings`), applied while decoding, so that one
//! hostile or broken answer cannot make a report grow with its size.

use std::fmt;

use serde::de::{IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// The longest error code or warning kept, in bytes; longer ones are cut and end in `…`.
/// Slack's codes are under 40 bytes.
pub const MAX_CODE_BYTES: usize = 64;
/// The longest message, scope list (`needed`, `provided`) or whole `warning` string
/// kept, in bytes.
pub const MAX_TEXT_BYTES: usize = 256;
/// The most entries kept of a list (`messages`, `warnings`); the rest are skipped.
pub const MAX_LIST_ITEMS: usize = 16;
/// The most bytes kept of a list in all; entries past it are skipped.
pub const MAX_LIST_BYTES: usize = 4096;

/// `s` on one line (control characters become spaces), cut at a character boundary to
/// at most `max` bytes, the last three of them then an ellipsis.
pub(crate) fn cap(s: &str, max: usize) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    };
    if s.len() <= max {
        // The usual case: a short code with nothing to blank.
        if !s.chars().any(char::is_control) {
            return s.to_owned();
        }
        return clean(s);
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = clean(&s[..end]);
    out.push('…');
    out
}

/// A string cut to `N` bytes as it is read ([`cap`]); `null` reads as absent.
pub(crate) struct CappedStr<const N: usize>(pub(crate) Option<String>);

impl<'de, const N: usize> Deserialize<'de> for CappedStr<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<const N: usize>;
        impl<'de, const N: usize> Visitor<'de> for V<N> {
            type Value = CappedStr<N>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or null")
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CappedStr(Some(cap(v, N))))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(CappedStr(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(CappedStr(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_str(self)
            }
        }
        d.deserialize_option(V::<N>)
    }
}

/// A list of strings, each cut to [`MAX_TEXT_BYTES`], kept up to [`MAX_LIST_ITEMS`]
/// entries and [`MAX_LIST_BYTES`] bytes; `null` reads as empty.
#[derive(Default)]
pub(crate) struct CappedList(pub(crate) Vec<String>);

impl<'de> Deserialize<'de> for CappedList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CappedList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of strings or null")
            }
            fn visit_unit<E>(self) -> Result<CappedList, E> {
                Ok(CappedList::default())
            }
            fn visit_none<E>(self) -> Result<CappedList, E> {
                Ok(CappedList::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<CappedList, D::Error> {
                d.deserialize_seq(self)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CappedList, A::Error> {
                let mut out = Vec::new();
                let mut bytes = 0usize;
                while out.len() < MAX_LIST_ITEMS {
                    let Some(CappedStr(s)) = seq.next_element::<CappedStr<MAX_TEXT_BYTES>>()?
                    else {
                        return Ok(CappedList(out));
                    };
                    let Some(s) = s else { continue };
                    bytes += s.len();
                    if bytes > MAX_LIST_BYTES {
                        break;
                    }
                    out.push(s);
                }
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(CappedList(out))
            }
        }
        d.deserialize_option(V)
    }
}

/// Appends `items` to `list` while it stays within [`MAX_LIST_ITEMS`] and
/// [`MAX_LIST_BYTES`].
pub(crate) fn extend_capped<I: IntoIterator<Item = String>>(list: &mut Vec<String>, items: I) {
    let mut bytes: usize = list.iter().map(String::len).sum();
    for s in items {
        if list.len() >= MAX_LIST_ITEMS || bytes + s.len() > MAX_LIST_BYTES {
            return;
        }
        bytes += s.len();
        list.push(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_cuts_at_a_char_boundary_and_marks_the_cut() {
        assert_eq!(cap("user_not_found", 64), "user_not_found");
        let long = "é".repeat(100);
        let c = cap(&long, 64);
        assert!(c.len() <= 64, "{}", c.len());
        assert!(c.ends_with('…'));
        assert_eq!(cap("a\nb", 64), "a b");
        assert_eq!(cap(&"x".repeat(64), 64), "x".repeat(64));
        assert_eq!(cap(&"x".repeat(65), 64).len(), 64);
    }

    #[test]
    fn lists_are_bounded_in_count_and_bytes() {
        let many = serde_json::to_string(&vec!["m"; 10_000]).unwrap();
        let CappedList(v) = serde_json::from_str(&many).unwrap();
        assert_eq!(v.len(), MAX_LIST_ITEMS);
        let big = serde_json::to_string(&vec!["y".repeat(100_000); 3]).unwrap();
        let CappedList(v) = serde_json::from_str(&big).unwrap();
        assert_eq!(v.len(), 3);
        assert!(v.iter().all(|s| s.len() <= MAX_TEXT_BYTES));
        let wide = serde_json::to_string(&vec!["z".repeat(MAX_TEXT_BYTES); 16]).unwrap();
        let CappedList(v) = serde_json::from_str(&wide).unwrap();
        assert!(v.iter().map(String::len).sum::<usize>() <= MAX_LIST_BYTES);
        let CappedList(v) = serde_json::from_str("null").unwrap();
        assert!(v.is_empty());
        assert!(serde_json::from_str::<CappedList>("[1]").is_err());
    }

    #[test]
    fn extend_stops_at_the_caps() {
        let mut v = Vec::new();
        extend_capped(&mut v, (0..100).map(|i| i.to_string()));
        assert_eq!(v.len(), MAX_LIST_ITEMS);
    }
}
