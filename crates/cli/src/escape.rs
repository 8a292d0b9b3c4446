//! [`clean`]: text from a server or a file, made safe to show on a terminal.

use std::borrow::Cow;

/// Whether `c` could change what a terminal shows beyond printing itself: C0 and C1
/// controls (escape sequences, bell, line breaks, carriage return, backspace), DEL, and
/// the marks that reorder text.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every character that could drive a terminal written as `\u{…}`: a server's
/// `ESC]0;…BEL`, `ESC[2J` or line break cannot set the title, clear the screen or start
/// a forged line. Borrowed when there is nothing to escape.
///
/// ```text
/// clean("U1\u{1b}[2J\nfake row") == r"U1\u{1b}[2J\u{a}fake row"
/// ```
pub(crate) fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_escaped_and_the_rest_is_kept() {
        assert!(matches!(clean("U00000001 café"), Cow::Borrowed(_)));
        assert_eq!(
            clean("T1\u{1b}]0;pwned\u{7}\u{1b}[2J\r\nU9  forged"),
            "T1\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{d}\\u{a}U9  forged"
        );
        assert_eq!(clean("a\u{9b}b\u{7f}"), "a\\u{9b}b\\u{7f}");
        assert_eq!(clean("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert!(!clean("\t\u{0}\u{85}").chars().any(|c| c.is_control()));
    }
}
