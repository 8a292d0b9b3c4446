//! The two small traits a transport implements: how to send one request, how to wait,
//! and what time it is. Everything else — retries, pacing, paging, bulk runs — is the
//! drivers' business, written once over these.

use std::future::Future;
use std::sync::Arc;
use std::task::{Wake, Waker};
use std::time::Instant;

use http::{Request, Response};
use slack_sessions_core::{CancelToken, TransportFailure};

/// A blocking way to move bytes: ureq's, or an in-memory one for a test.
pub trait BlockingTransport: Send + Sync + 'static {
    /// Sends `request` and reads the whole answer, on the calling thread, within the
    /// client's timeout counted from `started` (the caller's clock reading, so that a
    /// step reads the clock once).
    fn send(
        &self,
        request: Request<Vec<u8>>,
        started: Instant,
    ) -> Result<Response<Vec<u8>>, TransportFailure>;

    /// The time now. A real transport reads the clock; a test's may step virtual time.
    fn now(&self) -> Instant {
        Instant::now()
    }

    /// Waits until `t`, or until `cancel` (when there is one) is cancelled: a cancel
    /// wakes the wait at once. A test's transport may move its virtual clock to `t`
    /// instead.
    fn wait_until(&self, t: Instant, cancel: Option<&CancelToken>) {
        match cancel {
            Some(c) => park_until(t, c),
            None => {
                let now = Instant::now();
                if t > now {
                    std::thread::sleep(t - now);
                }
            }
        }
    }
}

/// An async way to move bytes, on any runtime: hyper's, or another client's.
pub trait AsyncTransport: Send + Sync + 'static {
    /// Sends `request` and reads the whole answer, within the client's timeout.
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportFailure>> + Send;

    /// Sleeps until `t`, on the transport's own timer.
    fn sleep_until(&self, t: Instant) -> impl Future<Output = ()> + Send;

    /// The time now.
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// Wakes a parked thread: how a cancel reaches a blocking wait.
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Parks the thread until `t`, or until `cancel` is cancelled. The thread's waker is
/// registered before the check, so that no cancel is missed.
pub fn park_until(t: Instant, cancel: &CancelToken) {
    cancel.register(&Waker::from(Arc::new(Unpark(std::thread::current()))));
    loop {
        let now = Instant::now();
        if cancel.is_cancelled() || now >= t {
            return;
        }
        std::thread::park_timeout(t - now);
    }
}
