//! The CLI's policy reader (`policy_file::read`), on any bytes written as a policy file.
//! Invariants: no panic; a refusal is one line naming the file; a policy read says
//! something (a rule or a default), has no rule named `default`, and is bound to the
//! file it was read from.
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
#[path = "../../crates/cli/src/people.rs"]
mod people;
#[allow(dead_code)]
#[path = "../../crates/cli/src/digest.rs"]
mod digest;
#[allow(dead_code)]
#[path = "../../crates/cli/src/policy_file.rs"]
mod policy_file;
#[path = "../checks/policy_file.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::check(data));
