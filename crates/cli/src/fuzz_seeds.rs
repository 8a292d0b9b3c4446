//! The CLI's fuzz targets' seeds (`fuzz/seeds/<target>/`, every input that once found a
//! bug among them), replayed on stable as ordinary tests, through the very checks the
//! targets run (`fuzz/checks/`).

#[path = "../../../fuzz/checks/except_file.rs"]
mod except_file;
#[path = "../../../fuzz/checks/plan_file.rs"]
mod plan_file;
#[path = "../../../fuzz/checks/policy_file.rs"]
mod policy_file;
#[path = "../../../fuzz/checks/users_file.rs"]
mod users_file;

/// The seeds of `target`, by name; there is at least one.
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/seeds")
        .join(target);
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no seeds for {target}");
    v
}

/// Runs `check` on every seed of `target`, naming the seed that breaks it.
fn replay(target: &str, check: fn(&[u8])) {
    for (name, data) in seeds(target) {
        let r = std::panic::catch_unwind(|| check(&data));
        assert!(
            r.is_ok(),
            "{target} seed {name} breaks the target's invariants"
        );
    }
}

#[test]
fn users_file_seeds_hold() {
    replay("users_file", users_file::check);
}

#[test]
fn except_file_seeds_hold() {
    replay("except_file", except_file::check);
}

#[test]
fn policy_file_seeds_hold() {
    replay("policy_file", policy_file::check);
}

#[test]
fn plan_file_seeds_hold() {
    replay("plan_file", plan_file::check);
}
