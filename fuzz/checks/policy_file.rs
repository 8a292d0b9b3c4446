//! The CLI's policy reader (`policy_file::read`), on any bytes written as a policy file.
//! Invariants: no panic; a refusal is one line naming the file; a policy read says
//! something (a rule or a default), has no rule named `default`, and is bound to the
//! file it was read from.
//!
//! The body of the `policy_file` fuzz target, shared with the test that replays its
//! seeds on stable (`cargo test` runs it, so every seed, and every input that once found
//! a bug, is checked in CI).
use crate::policy_file;

/// Runs the target's invariants on one input; panics on a breach.
pub(crate) fn check(data: &[u8]) {
    let dir = std::env::temp_dir().join(format!(
        "slack-sessions-fuzz-policy-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    // A file rules may name.
    std::fs::write(dir.join("vips.txt"), "U00000001\nada@example.com\n").expect("vips");
    let path = dir.join("p.toml");
    std::fs::write(&path, data).expect("scratch file");
    match policy_file::read(&path) {
        Ok(p) => {
            assert!(!p.policy.rules().is_empty() || p.policy.default_for_others().is_some());
            for r in p.policy.rules() {
                assert!(!r.name.trim().is_empty());
                assert!(
                    !r.name.trim().eq_ignore_ascii_case("default"),
                    "{:?}",
                    r.name
                );
            }
            assert_eq!(p.files[0].path, path.display().to_string());
            assert_eq!(p.files[0].sha256.len(), 64);
        }
        Err(e) => {
            assert!(!e.contains('\n'), "{e:?}");
            assert!(e.starts_with(&path.display().to_string()), "{e:?}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
