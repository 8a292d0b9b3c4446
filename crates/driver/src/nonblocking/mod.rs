//! [`AsyncClient`]: the core's state machines driven as futures, over any
//! [`AsyncTransport`], on any runtime.

mod bulk;
mod listing;
mod policy;
mod resolve;

use std::sync::Arc;

use http::{Request, Response};
use slack_sessions_core::sansio::{Action, Call, Endpoint, ValidConfig};
use slack_sessions_core::{Error, Method, Reply, RetryPolicy, TransportFailure};

use crate::transport::AsyncTransport;

pub use listing::{Listing, Sessions, Users};

/// An async client over transport `T`: every method, the listing and bulk runs, with the
/// retries, pacing and waits the core decides, on whatever runtime `T` runs on. Cheap to
/// clone; clones share the transport and the pacer, across tasks.
pub struct AsyncClient<T> {
    inner: Arc<Shared<T>>,
}

struct Shared<T> {
    transport: T,
    config: ValidConfig,
}

impl<T> Clone for AsyncClient<T> {
    fn clone(&self) -> Self {
        AsyncClient {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> std::fmt::Debug for AsyncClient<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.config.endpoint)
            .finish_non_exhaustive()
    }
}

impl<T: AsyncTransport> AsyncClient<T> {
    /// A client that moves its requests over `transport`, with checked `config`.
    pub fn new(transport: T, config: ValidConfig) -> Self {
        AsyncClient {
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
    pub async fn call<M: Method>(&self, method: &M) -> Result<Reply<M::Output>, Error> {
        let t = &self.inner.transport;
        let log = &self.inner.config.on_request;
        let mut call = Call::new(self.endpoint(), method, self.next_policy())?
            .with_pacer(self.inner.config.pacer.clone());
        if log.observer().is_some() {
            call = call.with_events();
        }
        loop {
            call = match call.poll(t.now()) {
                Action::Send(flight, request) => {
                    let outcome = t.send(request).await;
                    let mut call = flight.handle(t.now(), outcome);
                    if let Some(e) = call.take_event() {
                        log.hear(&e);
                    }
                    call
                }
                Action::WaitUntil(c, until) => {
                    t.sleep_until(until).await;
                    c
                }
                Action::Done(result, _) => return result,
            }
        }
    }

    /// Sends one request as it is (no retry, no pacing), within the timeout, reading at
    /// most the client's body cap of the answer.
    pub async fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, TransportFailure> {
        self.inner.transport.send(request).await
    }

    /// The retry policy for the next call or bulk run, with a jitter seed of its own.
    fn next_policy(&self) -> RetryPolicy {
        self.inner.config.next_policy()
    }
}
