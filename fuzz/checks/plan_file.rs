//! The CLI's saved-plan reader (`saved_plan::parse`), on any bytes.
//! Invariants: no panic; a refusal is one line; every user of a plan read gives a
//! target that is either one Slack takes or a refusal, never a panic.
//!
//! The body of the `plan_file` fuzz target, shared with the test that replays its seeds
//! on stable (`cargo test` runs it, so every seed, and every input that once found a
//! bug, is checked in CI).
use crate::saved_plan;

/// Runs the target's invariants on one input; panics on a breach.
pub(crate) fn check(data: &[u8]) {
    match saved_plan::parse("plan", data) {
        Ok(plan) => {
            for u in &plan.users {
                let _ = u.from.held();
                if let Err(e) = u.to.target() {
                    assert!(!e.contains('\n'), "{e:?}");
                }
            }
        }
        Err(e) => assert!(!e.contains('\n'), "{e:?}"),
    }
}
