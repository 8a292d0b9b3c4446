//! Response decoding for each method, from any status, `Retry-After` and body bytes,
//! through a real `Call` (which checks getSettings answers against the users asked for).
//! Invariants: no panic; no user that was not asked for; every free text bounded.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/decode.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::check(data));
