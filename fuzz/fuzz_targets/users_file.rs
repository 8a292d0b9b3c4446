//! The CLI's users-file reader (plain lists and CSV), on any bytes.
//! Invariants: no panic; every input names a line that exists; memory stays within a
//! small multiple of the file; echoes are bounded; errors are one line.
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
#[path = "../checks/users_file.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::check(data));
