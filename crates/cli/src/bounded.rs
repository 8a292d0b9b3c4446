//! Reading files that a person or another program hands us, with a bound on every line
//! and every whole-file read: `/dev/zero`, a file with no line breaks or a journal with
//! a gigabyte line is refused with one line, never read until memory runs out.

use std::io::{BufRead, Read};
use std::path::Path;

/// One line as [`next_line`] reads it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// The input has ended.
    End,
    /// A line, in the buffer, without its `\n` (and without a `\r` before it).
    /// `complete` is false for a last line with no line break after it; `read` counts
    /// the bytes it took, line break included.
    Text { complete: bool, read: usize },
    /// The line is longer than the bound; nothing more is read.
    TooLong,
}

/// Reads the next line of `reader` into `buf` (cleared first), at most `max` bytes of it.
pub(crate) fn next_line(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Line> {
    buf.clear();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let n = reader.by_ref().take(limit).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(Line::End);
    }
    let complete = buf.last() == Some(&b'\n');
    if complete {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
    if buf.len() > max {
        return Ok(Line::TooLong);
    }
    Ok(Line::Text { complete, read: n })
}

/// Reads all of a small file (a token, a PEM bundle), refusing one over `max` bytes
/// with a message that names `what` and the path.
pub(crate) fn read_small(path: &Path, max: usize, what: &str) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path)
        .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    if bytes.len() > max {
        return Err(format!(
            "{what} {} is over {}: not a {what}",
            path.display(),
            size(max)
        ));
    }
    Ok(bytes)
}

/// A byte count in words: `64 KiB`, `16 MiB`.
pub(crate) fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<(Line, Vec<u8>)> {
        let mut r = std::io::BufReader::with_capacity(4, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            let l = next_line(&mut r, &mut buf, max).unwrap();
            let stop = matches!(l, Line::End | Line::TooLong);
            out.push((l, buf.clone()));
            if stop {
                return out;
            }
        }
    }

    #[test]
    fn lines_are_bounded_and_say_whether_they_ended() {
        let got = lines(b"ab\r\ncd\nef", 8);
        let text = |complete, read| Line::Text { complete, read };
        assert_eq!(got[0], (text(true, 4), b"ab".to_vec()));
        assert_eq!(got[1], (text(true, 3), b"cd".to_vec()));
        assert_eq!(got[2], (text(false, 2), b"ef".to_vec()));
        assert_eq!(got[3].0, Line::End);
        let got = lines(b"12345678\n123456789\nx\n", 8);
        assert_eq!(got[0], (text(true, 9), b"12345678".to_vec()));
        assert_eq!(got[1].0, Line::TooLong);
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn an_endless_input_is_refused_after_the_bound() {
        let mut zero = std::io::BufReader::new(std::io::repeat(0));
        let mut buf = Vec::new();
        assert_eq!(
            next_line(&mut zero, &mut buf, 1 << 16).unwrap(),
            Line::TooLong
        );
        assert!(buf.len() <= (1 << 16) + 1);
    }

    #[test]
    fn small_files_are_bounded() {
        let dir = std::env::temp_dir().join(format!("bounded-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("t");
        std::fs::write(&p, b"xoxp-1").unwrap();
        assert_eq!(read_small(&p, 6, "token file").unwrap(), b"xoxp-1");
        let e = read_small(&p, 5, "token file").unwrap_err();
        assert!(e.ends_with("is over 5 bytes: not a token file"), "{e}");
        #[cfg(unix)]
        {
            let e = read_small(Path::new("/dev/zero"), 64 << 10, "token file").unwrap_err();
            assert_eq!(e, "token file /dev/zero is over 64 KiB: not a token file");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
