//! What binds a journal or a saved plan to the files that made it: each file's SHA-256,
//! recorded when the run starts and checked before a resume or a saved plan writes
//! anything, so that an edited policy (or a file it names) is refused, named.

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One file a run was made from, and its digest when it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Bound {
    /// The file, as named.
    pub(crate) path: String,
    /// Its SHA-256, in lower-case hex.
    pub(crate) sha256: String,
}

/// The SHA-256 of `bytes`, in hex.
pub(crate) fn of_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The SHA-256 of the file at `path`, read in pieces; `-` (stdin) cannot be read twice,
/// and is bound by a mark that never matches a later run.
pub(crate) fn of_file(path: &Path) -> Result<String, String> {
    if path == Path::new("-") {
        return Ok("stdin".into());
    }
    let mut f =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// What differs between the files a run was made from (`was`) and the same files now
/// (`now`), in words; `None` when they are the same.
pub(crate) fn changed(was: &[Bound], now: &[Bound]) -> Option<String> {
    let mut what = Vec::new();
    for b in now {
        match was.iter().find(|w| w.path == b.path) {
            None => what.push(format!("{} is new", b.path)),
            Some(w) if w.sha256 != b.sha256 || b.sha256 == "stdin" => {
                what.push(format!("{} changed", b.path))
            }
            Some(_) => {}
        }
    }
    for w in was {
        if !now.iter().any(|b| b.path == w.path) {
            what.push(format!("{} is no longer named", w.path));
        }
    }
    (!what.is_empty()).then(|| what.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_named() {
        let b = |p: &str, d: &str| Bound {
            path: p.into(),
            sha256: d.into(),
        };
        let was = [b("p.toml", "1"), b("vips.txt", "2")];
        assert_eq!(changed(&was, &was), None);
        assert_eq!(
            changed(&was, &[b("p.toml", "1"), b("vips.txt", "3")]).as_deref(),
            Some("vips.txt changed")
        );
        assert_eq!(
            changed(&was, &[b("p.toml", "9"), b("new.txt", "4")]).as_deref(),
            Some("p.toml changed, new.txt is new, vips.txt is no longer named")
        );
        assert_eq!(
            of_bytes(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
