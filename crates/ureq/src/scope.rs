//! The running call's start and deadline, on the calling thread: [`Scope`] sets them for
//! the length of a call, [`bounded`] cuts every timeout ureq asks of the connection to
//! what is left, and [`started`] lends the call's clock reading to whoever needs the
//! time (the address cache).

use std::cell::Cell;
use std::time::{Duration, Instant};

use ureq::unversioned::transport::NextTimeout;
use ureq::Timeout;

/// The running call's start and deadline.
#[derive(Debug, Clone, Copy)]
struct Times {
    started: Instant,
    deadline: Instant,
}

thread_local! {
    static CALL: Cell<Option<Times>> = const { Cell::new(None) };
}

/// The start and deadline of the call running on this thread, until dropped.
#[must_use = "the deadline holds only while the scope lives"]
pub(crate) struct Scope(Option<Times>);

impl Scope {
    /// Bounds this thread's I/O on the agent's connections by `deadline`, for a call
    /// that started at `started`.
    pub(crate) fn new(started: Instant, deadline: Instant) -> Scope {
        Scope(CALL.replace(Some(Times { started, deadline })))
    }
}

/// When the call running on this thread started: a clock reading to reuse.
pub(crate) fn started() -> Option<Instant> {
    CALL.get().map(|t| t.started)
}

impl Drop for Scope {
    fn drop(&mut self) {
        CALL.set(self.0);
    }
}

/// How finely the time left is handed to the socket.
const GRAIN_NANOS: u32 = 10_000_000;

/// `timeout`, cut to what is left before this thread's deadline, rounded up to
/// [`GRAIN_NANOS`] (10 ms): the socket's timeout is set only when it changes, and at
/// this grain it seldom does between one call and the next, which saves a system call
/// at every step. A timeout so ends at most 10 ms late, never early.
pub(crate) fn bounded(mut timeout: NextTimeout) -> NextTimeout {
    if let Some(Times { deadline, .. }) = CALL.get() {
        let left = deadline.saturating_duration_since(Instant::now());
        let rest = left.subsec_nanos() % GRAIN_NANOS;
        let left = if rest == 0 {
            left
        } else {
            left + Duration::from_nanos(u64::from(GRAIN_NANOS - rest))
        }
        .into();
        if left < timeout.after {
            timeout.after = left;
            timeout.reason = Timeout::Global;
        }
    }
    timeout
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forever() -> NextTimeout {
        NextTimeout::default()
    }

    #[test]
    fn a_scope_bounds_timeouts_and_ends_with_the_scope() {
        assert!(bounded(forever()).after.is_not_happening());
        {
            let _s = Scope::new(Instant::now(), Instant::now() + Duration::from_secs(5));
            let t = bounded(forever());
            assert!(*t.after <= Duration::from_secs(5) && *t.after > Duration::from_secs(4));
            // Rounded up: what is left is never cut short.
            assert!(*t.after > Duration::from_millis(4_990));
            assert_eq!(t.reason, Timeout::Global);
            assert_eq!(t.after.subsec_nanos() % GRAIN_NANOS, 0, "whole grains");
            // A shorter timeout of ureq's own stays.
            let short = NextTimeout {
                after: Duration::from_millis(10).into(),
                reason: Timeout::Connect,
                ..forever()
            };
            let t = bounded(short);
            assert_eq!(
                (*t.after, t.reason),
                (Duration::from_millis(10), Timeout::Connect)
            );
        }
        assert!(bounded(forever()).after.is_not_happening());
    }

    #[test]
    fn a_passed_deadline_leaves_no_time() {
        let _s = Scope::new(Instant::now(), Instant::now());
        assert_eq!(*bounded(forever()).after, Duration::ZERO);
    }
}
