//! [`BlockingClient`]: the core's state machines driven on the calling thread (or a few
//! threads of a bulk run), over any [`BlockingTransport`].

mod bulk;
mod listing;
mod policy;
mod resolve;

use std::sync::Arc;

use http::{Request, Response};
use slack_sessions_core::sansio::{Action, Call, Endpoint, ValidConfig};
use slack_sessions_core::{Error, Method, Reply, RetryPolicy, TransportFailure};

use crate::transport::BlockingTransport;

pub use crate::outcome::BulkResult;
pub use listing::{Listing, Sessions, Users};

/// A blocking client over transport `T`: every method, the listing and bulk runs, with
/// the retries, pacing and waits the core decides. Cheap to clone; clones share the
/// transport (its connection pool) and the pacer, across threads.
pub struct BlockingClient<T> {
    inner: Arc<Shared<T>>,
}

struct Shared<T> {
    transport: T,
    config: ValidConfig,
}

impl<T> Clone for BlockingClient<T> {
    fn clone(&self) -> Self {
        BlockingClient {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for BlockingClient<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.inner.transport)
            .field("config", &self.inner.config)
            .finish()
    }
}

impl<T: BlockingTransport> BlockingClient<T> {
    /// A client that moves its requests over `transport`, with checked `config`.
    pub fn new(transport: T, config: ValidConfig) -> Self {
        BlockingClient {
            inner: Arc::new(Shared { transport, config }),
        }
    }

    /// The endpoint requests are encoded for.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.config.endpoint
    }

    /// The checked settings the client runs with.
    pub fn config(&self) -> &ValidConfig {
        &self.inner.config
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.inner.transport
    }

    /// Calls any method: validated, paced, retried as the core decides.
    pub fn call<M: Method>(&self, method: &M) -> Result<Reply<M::Output>, Error> {
        let t = &self.inner.transport;
        let log = &self.inner.config.on_request;
        let mut call = Call::new(self.endpoint(), method, self.next_policy())?
            .with_pacer(self.inner.config.pacer.clone());
        if log.observer().is_some() {
            call = call.with_events();
        }
        // One clock reading a step: the poll's also starts the request's timeout, and
        // the answer's also serves the poll after it.
        let mut now = t.now();
        loop {
            call = match call.poll(now) {
                Action::Send(flight, request) => {
                    let outcome = t.send(request, now);
                    now = t.now();
                    let mut call = flight.handle(now, outcome);
                    if let Some(e) = call.take_event() {
                        log.hear(&e);
                    }
                    call
                }
                Action::WaitUntil(c, until) => {
                    t.wait_until(until, None);
                    now = t.now();
                    c
                }
                Action::Done(result, _) => return result,
            }
        }
    }

    /// Sends one request as it is (no retry, no pacing), reading at most the client's
    /// body cap of the answer.
    pub fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportFailure> {
        let t = &self.inner.transport;
        t.send(request, t.now())
    }

    /// The retry policy for the next call or bulk run, with a jitter seed of its own.
    fn next_policy(&self) -> RetryPolicy {
        self.inner.config.next_policy()
    }
}
