//! The CLI's people files (an exceptions file and an emails file, through `people::read`),
//! on any bytes written to a file.
//! Invariants: no panic; nothing read is dropped in silence: in a plain list, each line
//! that is neither blank nor a comment is an exception kept, a line named as not
//! understood, or a repeat of one kept; every exception kept is in the input; every line
//! named exists; errors are one line.
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
#[path = "../checks/except_file.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::check(data));
