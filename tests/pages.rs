//! Pagination over real TCP. For any page size and a fault at any page, the
//! sessions a listing yields are exactly the emulator's, in order, with no duplicate, on
//! both clients.

mod common;

use common::*;
use futures_util::StreamExt;
use proptest::prelude::*;
use slack_sessions::ListSessions;
use slack_sessions_emulator::{Emulator, FaultPlan};

fn listed(t: Transport, emu: &Emulator, limit: u32) -> Vec<u64> {
    let setup = Setup::default();
    let listing = ListSessions::new().limit(limit);
    match t {
        Transport::Blocking => blocking(emu, &setup)
            .list_sessions(listing)
            .expect("list")
            .map(|s| s.expect("session").session_id)
            .collect(),
        Transport::Async => {
            let rt = runtime();
            rt.block_on(async {
                let c = asynchronous(emu, &setup);
                c.list_sessions(listing)
                    .expect("list")
                    .map(|s| s.expect("session").session_id)
                    .collect()
                    .await
            })
        }
    }
}

/// Every fault kind, each at a position and page size drawn at random: no kind is ever
/// left out of a run.
const KINDS: [&str; 5] = ["http503", "drop", "truncate", "internal_error", "storm:2"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]
    #[test]
    fn every_session_once_in_order_whatever_the_page_size_and_fault(
        limits in proptest::collection::vec(150u32..1_000, KINDS.len()),
        faults_at in proptest::collection::vec(1u64..12, KINDS.len()),
    ) {
        let emu = Emulator::builder()
            .rate_limit(None)
            .storm_retry_after(0)
            .users(40)
            .start()
            .expect("emulator");
        let want = emu.active_sessions(None);
        for (k, kind) in KINDS.iter().enumerate() {
            let (limit, fault_at) = (limits[k], faults_at[k]);
            for t in BOTH {
                emu.set_faults(format!("{fault_at}={kind}").parse::<FaultPlan>().expect("faults"));
                let got = listed(t, &emu, limit);
                prop_assert_eq!(&got, &want, "{:?} limit {} fault {} at {}", t, limit, kind, fault_at);
            }
        }
    }
}
