//! The CLI's users-file reader (plain lists and CSV), on any bytes.
//! Invariants: no panic; every input names a line that exists; memory stays within a
//! small multiple of the file; echoes are bounded; errors are one line.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../crates/cli/src/users.rs"]
mod users;
#[allow(dead_code)]
#[path = "../../crates/cli/src/bounded.rs"]
mod bounded;
#[allow(dead_code)]
#[path = "../../crates/cli/src/escape.rs"]
mod escape;

fuzz_target!(|data: &[u8]| {
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
});
