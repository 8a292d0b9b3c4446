//! The CI soak: 20,000 users plus bad IDs, every fault kind at 20% with 429 storms, over
//! both transports. No user is lost, and the emulator holds exactly the users reported
//! applied. `cargo bench --bench soak` runs the same with 1,000,000 users.

mod common;

use common::soak::soak;
use common::BOTH;

#[test]
fn soak_20000_users_with_every_fault_over_both_transports() {
    let mut kinds = std::collections::BTreeSet::new();
    for seed in [2026, 7, 11] {
        for transport in BOTH {
            // Chunks of 50 users: 400 chunks, so that 20% of faults is a hundred or more.
            let s = soak(transport, 20_000, 50, seed);
            eprintln!(
                "soak {transport:?} seed {seed}: {} users, {} requests, {} faults, {} retries, {} 429s, {} applied, {} failed, {} invalid, 0 lost, {:?}",
                s.users, s.requests, s.faults, s.retries, s.rate_limited, s.applied, s.failed, s.invalid, s.elapsed
            );
            // The faults really happened, and were survived.
            assert!(s.faults > 80, "{s:?}");
            assert!(s.retries > 80, "{s:?}");
            assert!(s.rate_limited > 0, "{s:?}");
            assert!(s.applied > 19_900, "{s:?}");
            kinds.extend(s.outcomes.into_keys().filter(|k| k.starts_with("fault:")));
        }
    }
    // Every fault kind was injected: twelve are counted as `fault:…`; storms are the
    // 429s above, and a delay is answered normally after it, so it has no count.
    assert_eq!(kinds.len(), 12, "{kinds:?}");
}
