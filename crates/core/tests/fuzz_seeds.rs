//! The core's fuzz targets' seeds (`fuzz/seeds/decode/`, `fuzz/seeds/parse/`, every
//! input that once found a bug among them), replayed on stable as ordinary tests,
//! through the very checks the targets run (`fuzz/checks/`).
#![allow(clippy::disallowed_methods)] // the decode check's base instant

#[path = "../../../fuzz/checks/decode.rs"]
mod decode;
#[path = "../../../fuzz/checks/parse.rs"]
mod parse;

/// Runs `check` on every seed of `target`, naming the seed that breaks it.
fn replay(target: &str, check: fn(&[u8])) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/seeds")
        .join(target);
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = e.expect("a seed").path();
        let data = std::fs::read(&path).expect("a seed");
        let r = std::panic::catch_unwind(|| check(&data));
        assert!(
            r.is_ok(),
            "{target} seed {} breaks the target's invariants",
            path.display()
        );
        n += 1;
    }
    assert!(n > 0, "no seeds for {target}");
}

#[test]
fn decode_seeds_hold() {
    replay("decode", decode::check);
}

#[test]
fn parse_seeds_hold() {
    replay("parse", parse::check);
}
