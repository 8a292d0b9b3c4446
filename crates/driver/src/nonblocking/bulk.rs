//! Bulk runs on an async transport: up to `concurrency` chunks in flight, on any
//! runtime.

use std::future::Future;
use std::task::Poll;

use futures_util::stream::{FuturesUnordered, StreamExt};
use slack_sessions_core::sansio::{BulkAction, BulkPlan};
use slack_sessions_core::{BulkRun, Progress, UsersMethod};

use super::AsyncClient;
use crate::outcome::BulkResult;
use crate::transport::AsyncTransport;

impl<T: AsyncTransport> AsyncClient<T> {
    /// Applies `M` with `params` to any number of users, splitting around bad IDs; calls
    /// `progress` after each settled chunk. Every user ends in the report.
    ///
    /// `Ok` means the run did all its work, whatever each user's outcome. A run stopped
    /// early (auth, permission, Slack unreachable, not Slack's API) or cancelled through
    /// [`BulkRun::cancel_token`](slack_sessions_core::BulkRun::cancel_token) is an `Err` that holds the whole report
    /// ([`BulkError::into_report`](slack_sessions_core::BulkError::into_report)), so that `?` never mistakes it for a finished one.
    /// A cancel wakes the run from any wait without blocking a runtime thread; the
    /// requests in flight still get their answers, within the timeout.
    pub async fn apply_bulk<M, I, S>(
        &self,
        params: M::Params,
        users: I,
        run: BulkRun,
        mut progress: impl FnMut(Progress),
    ) -> BulkResult<M::Output>
    where
        M: UsersMethod,
        I: IntoIterator<Item = S>,
        I::IntoIter: Send,
        S: AsRef<str>,
    {
        // A run without an observer of its own tells the client's, if any.
        let run = match (&run.on_request, self.config().on_request.observer()) {
            (None, Some(o)) => run.on_request(Some(std::sync::Arc::clone(o))),
            _ => run,
        };
        let mut options = run.options(4, self.next_policy());
        options.max_in_flight = options.max_in_flight.clamp(1, 256);
        let mut plan = BulkPlan::<M>::new(self.endpoint(), params, users, options)?
            .with_pacer(self.config().pacer.clone());
        let t = self.transport();
        let mut in_flight = FuturesUnordered::new();
        loop {
            run.observe(&mut plan);
            let cancelled = plan.is_cancelled();
            // Hand out all the work the plan allows now.
            let wake_at = loop {
                match plan.poll(t.now()) {
                    BulkAction::Send(id, req) => {
                        in_flight.push(async move { (id, t.send(req).await) })
                    }
                    BulkAction::WaitUntil(t) => break Some(t),
                    BulkAction::Pending => break None,
                    BulkAction::Done => return plan.finish().into_result(),
                }
            };
            let mut sleep = wake_at.map(|until| Box::pin(t.sleep_until(until)));
            // Wait for the first request to finish, for the deadline, or for a cancel.
            let finished = std::future::poll_fn(|cx| {
                if let Poll::Ready(Some(done)) = in_flight.poll_next_unpin(cx) {
                    return Poll::Ready(Some(done));
                }
                if !cancelled {
                    run.cancel.register(cx.waker());
                    if run.cancel.is_cancelled() {
                        return Poll::Ready(None);
                    }
                }
                if let Some(s) = sleep.as_mut() {
                    if s.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(None);
                    }
                }
                if in_flight.is_empty() && sleep.is_none() {
                    // Nothing to wait for: poll the plan again.
                    return Poll::Ready(None);
                }
                Poll::Pending
            })
            .await;
            if let Some((id, outcome)) = finished {
                let settled = plan.handle(t.now(), id, outcome);
                run.observe(&mut plan);
                if let Some(p) = settled {
                    progress(p);
                }
            }
        }
    }
}
