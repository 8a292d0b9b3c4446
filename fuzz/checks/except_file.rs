//! The CLI's people files (an exceptions file and an emails file, through `people::read`),
//! on any bytes written to a file.
//! Invariants: no panic; nothing read is dropped in silence: in a plain list, each line
//! that is neither blank nor a comment is an exception kept, a line named as not
//! understood, or a repeat of one kept; every exception kept is in the input; every line
//! named exists; errors are one line.
//!
//! The body of the `except_file` fuzz target, shared with the test that replays its seeds
//! on stable (`cargo test` runs it, so every seed, and every input that once found a bug,
//! is checked in CI).
use crate::people::{self, People};

/// Runs the target's invariants on one input; panics on a breach.
pub(crate) fn check(data: &[u8]) {
    let path = std::env::temp_dir().join(format!(
        "slack-sessions-fuzz-people-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&path, data).expect("scratch file");
    let lines = data.split(|b| *b == b'\n').count();
    let origin_ok = |origin: &str| {
        let no: usize = origin
            .strip_prefix("line ")
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("origin {origin:?}"));
        assert!((1..=lines).contains(&no), "line {no} of {lines}");
    };
    let text = String::from_utf8_lossy(data);
    let except = People {
        except_file: Some(path.clone()),
        ..People::default()
    };
    match people::read(&except) {
        Ok(r) => {
            assert!(r.bad.is_empty(), "an except file's lines are exceptions");
            for (i, why) in &r.bad_exceptions {
                origin_ok(&i.origin);
                assert!(i.problem.is_some(), "never sent");
                assert!(!why.is_empty());
            }
            let (ids, emails) = r.selection.exceptions();
            for id in ids {
                assert!(text.contains(id.as_str()), "{id} is not in the file");
            }
            if let Some(content) = plain_content_lines(data) {
                let kept = (ids.len() + emails.len()) as u64;
                assert_eq!(
                    kept + r.bad_exceptions.len() as u64 + r.duplicates,
                    content,
                    "a line was dropped: {} kept, {} named, {} repeats",
                    kept,
                    r.bad_exceptions.len(),
                    r.duplicates
                );
            }
        }
        Err(e) => assert!(!e.contains('\n'), "{e:?}"),
    }
    let emails = People {
        emails_file: Some(path.clone()),
        ..People::default()
    };
    match people::read(&emails) {
        Ok(r) => {
            assert!(r.bad_exceptions.is_empty());
            for (i, _) in &r.bad {
                origin_ok(&i.origin);
                assert!(i.problem.is_some(), "never sent");
            }
        }
        Err(e) => assert!(!e.contains('\n'), "{e:?}"),
    }
    let _ = std::fs::remove_file(&path);
}

/// How many lines of a plain list hold an input (not blank, not a comment), or `None`
/// when the file reads as a CSV or has a line too long to read.
fn plain_content_lines(data: &[u8]) -> Option<u64> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut content = data
        .split(|b| *b == b'\n')
        .map(<[u8]>::trim_ascii)
        .filter(|l| !l.is_empty() && !l.starts_with(b"#"));
    let first = content.next()?;
    let bare = String::from_utf8_lossy(first).to_ascii_lowercase();
    let bare = bare.trim_matches('"');
    if first.contains(&b',') || ["user_id", "email", "id"].contains(&bare) {
        return None;
    }
    if data.split(|b| *b == b'\n').any(|l| l.len() > 64 << 10) {
        return None;
    }
    Some(1 + content.count() as u64)
}
