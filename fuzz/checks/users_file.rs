//! The CLI's users-file reader (plain lists and CSV), on any bytes.
//! Invariants: no panic; every input names a line that exists; memory stays within a
//! small multiple of the file; echoes are bounded; errors are one line.
//!
//! The body of the `users_file` fuzz target, shared with the test that replays its seeds on
//! stable (`cargo test` runs it, so every seed, and every input that once found a bug,
//! is checked in CI).
use crate::users;

/// Runs the target's invariants on one input; panics on a breach.
pub(crate) fn check(data: &[u8]) {
    // Lines end in `\n` (or `\r\n`); a lone `\r` is no line break.
    let lines = data.split(|b| *b == b'\n').count();
    match users::parse_file("f", data) {
        Ok(inputs) => {
            assert!(inputs.len() <= lines);
            let mut bytes = 0;
            for i in &inputs {
                let no: usize = i
                    .origin
                    .strip_prefix("line ")
                    .and_then(|r| r.strip_suffix(" of f"))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("origin {:?}", i.origin));
                assert!((1..=lines).contains(&no), "line {no} of {lines}");
                bytes += i.text.len();
                // Cut to ECHO_CHARS, then each control character escaped (`\u{10ffff}`).
                assert!(users::echo(&i.text).chars().count() <= (users::ECHO_CHARS + 1) * 10);
                if i.problem.is_none() && !i.text.is_empty() {
                    assert_eq!(i.text, i.text.trim());
                }
            }
            // Lossy UTF-8 turns one bad byte into three; joined rows add commas.
            assert!(
                bytes <= 4 * data.len() + 16,
                "{bytes} bytes from {}",
                data.len()
            );
        }
        Err(e) => assert!(!e.contains('\n'), "{e:?}"),
    }
}
