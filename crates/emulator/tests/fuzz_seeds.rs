//! The emulator's fuzz target's seeds (`fuzz/seeds/emulator/`, every input that once
//! found a bug among them), replayed on stable as an ordinary test, through the very
//! check the target runs (`fuzz/checks/emulator.rs`).

#[path = "../../../fuzz/checks/emulator.rs"]
mod emulator;

#[test]
fn emulator_seeds_hold() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/emulator");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = e.expect("a seed").path();
        let data = std::fs::read(&path).expect("a seed");
        let r = std::panic::catch_unwind(|| emulator::check(&data));
        assert!(
            r.is_ok(),
            "emulator seed {} breaks the target's invariants",
            path.display()
        );
        n += 1;
    }
    assert!(n > 0, "no seeds");
}
