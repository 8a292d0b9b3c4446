//! `SessionDuration`, `UserId` and `UserIds` parsing from any text.
//! Invariants: no panic; a duration round-trips through `Display`; an accepted ID is the
//! input itself; an accepted list holds 1 to 1,000 distinct IDs from the input, in order.
//!
//! The body of the `parse` fuzz target, shared with the test that replays its seeds on
//! stable (`cargo test` runs it, so every seed, and every input that once found a bug,
//! is checked in CI).
use slack_sessions_core::limits::MAX_USERS_PER_CALL;
use slack_sessions_core::{SessionDuration, UserId, UserIds};

/// Runs the target's invariants on one input; panics on a breach.
pub(crate) fn check(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = s.parse::<SessionDuration>() {
        let text = d.to_string();
        let back: SessionDuration = text.parse().expect("Display parses back");
        assert_eq!(back, d, "{s:?} → {text:?}");
        assert!((28_800..=315_569_520).contains(&d.as_secs()));
        assert_eq!(SessionDuration::from_secs(d.as_secs()), Ok(d));
    }
    if let Ok(u) = UserId::new(s) {
        assert_eq!(u.as_str(), s);
        assert!(u.as_str().starts_with(['U', 'W']));
        assert_eq!(s.parse::<UserId>().ok(), Some(u));
    }
    let parts: Vec<&str> = s.split(',').collect();
    if let Ok(ids) = UserIds::parse(&parts) {
        assert!((1..=MAX_USERS_PER_CALL).contains(&ids.len()));
        let mut kept: Vec<&str> = Vec::new();
        for p in &parts {
            if !kept.contains(p) {
                kept.push(p);
            }
        }
        let got: Vec<&str> = ids.iter().map(UserId::as_str).collect();
        assert_eq!(got, kept);
    }
}
