//! [`CancelToken`]: a clonable handle that stops a bulk run cleanly.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Waker;

/// Cancels a bulk run from anywhere (another thread, a signal handler's thread, a task).
/// Clones share one state. Once cancelled, a run hands out no new request, settles the
/// answers of the requests already in flight, and reports everyone else as not
/// attempted, with [`BulkReport::cancelled`](crate::BulkReport::cancelled) set.
///
/// ```
/// use slack_sessions_core::BulkRun;
/// let run = BulkRun::default();
/// let token = run.cancel_token();
/// std::thread::spawn(move || token.cancel()).join().unwrap();
/// assert!(run.cancel_token().is_cancelled());
/// ```
#[derive(Clone, Default)]
pub struct CancelToken {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    cancelled: AtomicBool,
    wakers: Mutex<Vec<Waker>>,
}

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels every run that holds this token, and wakes the drivers waiting on it.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        let wakers = std::mem::take(&mut *self.lock());
        for w in wakers {
            w.wake();
        }
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// For drivers: wakes `waker` when the token is cancelled (at once if it already
    /// is). A driver registers before it checks [`is_cancelled`](Self::is_cancelled) and
    /// waits, so that no cancel falls between the check and the wait.
    pub fn register(&self, waker: &Waker) {
        {
            let mut wakers = self.lock();
            if !wakers.iter().any(|w| w.will_wake(waker)) {
                wakers.push(waker.clone());
            }
        }
        if self.is_cancelled() {
            waker.wake_by_ref();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Waker>> {
        self.inner.wakers.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn cancel_wakes_every_registered_waker_once_and_late_ones_at_once() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        let token = CancelToken::new();
        token.register(&waker);
        token.register(&waker); // the same waker is kept once
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
        token.clone().cancel();
        assert!(token.is_cancelled());
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        token.register(&waker);
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
    }
}
