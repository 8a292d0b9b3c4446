//! Bulk runs on a blocking transport: one chunk at a time on the calling thread, or a
//! small pool of threads sharing the plan.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Wake, Waker};

use slack_sessions_core::sansio::{BulkAction, BulkPlan};
use slack_sessions_core::{BulkReport, BulkRun, Progress, UsersMethod};

use crate::outcome::BulkResult;

use super::BlockingClient;
use crate::transport::BlockingTransport;

/// Wakes a parked thread: how a cancel reaches the watcher of a threaded run.
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

impl<T: BlockingTransport> BlockingClient<T> {
    /// Applies `M` with `params` to any number of users, splitting around bad IDs; calls
    /// `progress` after each settled chunk, in order. Every user ends in the report.
    ///
    /// `Ok` means the run did all its work, whatever each user's outcome. A run stopped
    /// early (auth, permission, Slack unreachable, not Slack's API) or cancelled through
    /// [`BulkRun::cancel_token`](slack_sessions_core::BulkRun::cancel_token) is an `Err` that holds the whole report
    /// ([`BulkError::into_report`](slack_sessions_core::BulkError::into_report)), so that `?` never mistakes it for a finished one.
    /// Cancelling wakes the run from any wait (the pacer, a `Retry-After`); the request
    /// in flight still gets its answer, within the timeout.
    ///
    /// `progress` must be `Send` even for one thread: the concurrency is a value known
    /// only at run time, and with more than one thread the callback runs on the worker
    /// threads (one at a time, under the plan's lock).
    pub fn apply_bulk<M, I, S>(
        &self,
        params: M::Params,
        users: I,
        run: BulkRun,
        progress: impl FnMut(Progress) + Send,
    ) -> BulkResult<M::Output>
    where
        M: UsersMethod,
        M::Output: Send,
        I: IntoIterator<Item = S>,
        I::IntoIter: Send,
        S: AsRef<str>,
    {
        // A run without an observer of its own tells the client's, if any.
        let run = match (&run.on_request, self.config().on_request.observer()) {
            (None, Some(o)) => run.on_request(Some(std::sync::Arc::clone(o))),
            _ => run,
        };
        let mut options = run.options(1, self.next_policy());
        options.max_in_flight = options.max_in_flight.clamp(1, 64);
        let threads = options.max_in_flight;
        let plan = BulkPlan::<M>::new(self.endpoint(), params, users, options)?
            .with_pacer(self.config().pacer.clone());
        let report = if threads == 1 {
            self.run_sequential(plan, &run, progress)
        } else {
            self.run_threads(plan, threads, &run, progress)
        };
        report.into_result()
    }

    fn run_sequential<M: UsersMethod>(
        &self,
        mut plan: BulkPlan<'_, M>,
        run: &BulkRun,
        mut progress: impl FnMut(Progress),
    ) -> BulkReport<M::Output> {
        let t = self.transport();
        loop {
            run.observe(&mut plan);
            let now = t.now();
            match plan.poll(now) {
                BulkAction::Send(id, req) => {
                    let outcome = t.send(req, now);
                    let settled = plan.handle(t.now(), id, outcome);
                    run.observe(&mut plan);
                    if let Some(p) = settled {
                        progress(p);
                    }
                }
                BulkAction::WaitUntil(until) => t.wait_until(until, Some(&run.cancel)),
                // Nothing can be pending with one request at a time; finish() accounts
                // for anyone left.
                BulkAction::Pending | BulkAction::Done => return plan.finish(),
            }
        }
    }

    /// N workers share the plan under one lock; a watcher thread, woken by the cancel
    /// token, cancels the plan under that lock and wakes the workers, so that no wait
    /// outlives a cancel.
    fn run_threads<M>(
        &self,
        plan: BulkPlan<'_, M>,
        threads: usize,
        run: &BulkRun,
        progress: impl FnMut(Progress) + Send,
    ) -> BulkReport<M::Output>
    where
        M: UsersMethod,
        M::Output: Send,
    {
        let shared = Mutex::new(plan);
        let changed = Condvar::new();
        let progress = Mutex::new(progress);
        let finished = AtomicBool::new(false);
        let lock = || shared.lock().unwrap_or_else(|p| p.into_inner());
        let t = self.transport();
        std::thread::scope(|s| {
            let watcher = s.spawn(|| {
                run.cancel
                    .register(&Waker::from(Arc::new(Unpark(std::thread::current()))));
                while !finished.load(Ordering::SeqCst) {
                    if run.cancel.is_cancelled() {
                        lock().cancel();
                        changed.notify_all();
                        return;
                    }
                    std::thread::park();
                }
            });
            let watcher = watcher.thread().clone();
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        // One lock a request: the answer is handled and the next
                        // request taken under the same hold.
                        let mut guard = lock();
                        loop {
                            run.observe(&mut guard);
                            let now = t.now();
                            guard = match guard.poll(now) {
                                BulkAction::Send(id, req) => {
                                    drop(guard);
                                    let outcome = t.send(req, now);
                                    let mut plan = lock();
                                    let settled = plan.handle(t.now(), id, outcome);
                                    run.observe(&mut plan);
                                    // Under the plan's lock, so that progress never goes back.
                                    if let Some(p) = settled {
                                        (progress.lock().unwrap_or_else(|p| p.into_inner()))(p);
                                    }
                                    changed.notify_all();
                                    plan
                                }
                                BulkAction::WaitUntil(until) => {
                                    let wait = until.saturating_duration_since(now);
                                    match changed.wait_timeout(guard, wait) {
                                        Ok((g, _)) => g,
                                        Err(p) => p.into_inner().0,
                                    }
                                }
                                BulkAction::Pending => {
                                    changed.wait(guard).unwrap_or_else(|p| p.into_inner())
                                }
                                BulkAction::Done => {
                                    changed.notify_all();
                                    return;
                                }
                            }
                        }
                    })
                })
                .collect();
            for w in workers {
                let _ = w.join();
            }
            finished.store(true, Ordering::SeqCst);
            watcher.unpark();
        });
        shared
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .finish()
    }
}
