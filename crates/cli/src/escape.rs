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

/// `s` as a CSV cell that neither a terminal nor a spreadsheet will run: controls
/// escaped as [`clean`] does, and a cell that a spreadsheet would read as a formula
/// (starting with `=`, `+`, `-` or `@`) given a leading `'`, which spreadsheets show as
/// text (OWASP's advice for CSV injection). A user ID or an email never starts so.
pub(crate) fn csv_cell(s: &str) -> Cow<'_, str> {
    let cleaned = clean(s);
    if cleaned.starts_with(['=', '+', '-', '@']) {
        return Cow::Owned(format!("'{cleaned}"));
    }
    cleaned
}

/// JSON whose strings carry no character that could drive a terminal: serde escapes the
/// C0 controls, and this formatter also writes C1 controls and the marks that reorder
/// text as JSON escapes (`\u009b`), which mean the same character to any reader.
struct Inert;

impl serde_json::ser::Formatter for Inert {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| unsafe_char(c)) {
            w.write_all(&rest.as_bytes()[..at])?;
            write!(w, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }
}

/// Writes `value` as JSON to `w`, as it is serialized, with no terminal control in it.
pub(crate) fn write_json<W: std::io::Write, T: serde::Serialize + ?Sized>(
    w: W,
    value: &T,
) -> serde_json::Result<()> {
    value.serialize(&mut serde_json::Serializer::with_formatter(w, Inert))
}

/// `value` as one line of JSON with no terminal control in it.
pub(crate) fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::new();
    // Writing to memory fails only for a value that cannot be JSON (a map with keys
    // that are not strings), which no report holds.
    let _ = write_json(&mut out, value);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_carry_no_terminal_controls() {
        let v = serde_json::json!({"email": "a\u{9b}2J\u{1b}b\u{202e}", "n": 1});
        let line = json_text(&v);
        assert!(!line.chars().any(unsafe_char), "{line}");
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn csv_cells_run_nothing() {
        assert!(matches!(csv_cell("ada@example.com"), Cow::Borrowed(_)));
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for f in ["+1", "-1", "@SUM(A1)"] {
            assert_eq!(csv_cell(f), format!("'{f}"));
        }
        assert_eq!(csv_cell("a\u{1b}]0;t\u{7}"), "a\\u{1b}]0;t\\u{7}");
        // A control first is escaped, and the escape starts with a backslash.
        assert_eq!(csv_cell("\t=1"), "\\u{9}=1");
    }

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
