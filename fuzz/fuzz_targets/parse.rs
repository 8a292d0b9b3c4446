//! `SessionDuration`, `UserId` and `UserIds` parsing from any text.
//! Invariants: no panic; a duration round-trips through `Display`; an accepted ID is the
//! input itself; an accepted list holds 1 to 1,000 distinct IDs from the input, in order.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/parse.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::check(data));
