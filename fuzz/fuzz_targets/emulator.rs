//! The emulator's request handling, from raw HTTP request bytes: the head parsed as
//! hyper would (httparse), then the same parsing, checks and store as the server.
//! Invariants: no panic; every answer is Slack's JSON; only known users ever get
//! settings, at most 1,000 at a time, and never from an error answer; answers stay small.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/emulator.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::check(data));
