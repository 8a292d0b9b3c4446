//! The CLI's saved-plan reader (`saved_plan::parse`), on any bytes.
//! Invariants: no panic; a refusal is one line; every user of a plan read gives a
//! target that is either one Slack takes or a refusal, never a panic.
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
#[allow(dead_code)]
#[path = "../../crates/cli/src/digest.rs"]
mod digest;
#[allow(dead_code)]
#[path = "../../crates/cli/src/saved_plan.rs"]
mod saved_plan;
#[path = "../checks/plan_file.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::check(data));
