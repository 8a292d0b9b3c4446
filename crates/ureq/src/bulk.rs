//! Bulk work over the blocking client: one chunk at a time, or a small pool of threads.

use std::sync::{Condvar, Mutex};
use std::time::Instant;

use slack_sessions_core::sansio::{BulkAction, BulkPlan};
use slack_sessions_core::{
    BulkReport, BulkRun, ClearSettings, Empty, GetSettings, GetSettingsOutput, Progress,
    SessionSettings, SetSettings, UsersMethod,
};

use crate::{sleep_until, Client, Error};

impl Client {
    /// Applies `M` with `params` to any number of users, splitting around bad IDs; calls
    /// `progress` after each settled chunk, in order. Fails only on bad params or options:
    /// every user ends in the report.
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
    ) -> Result<BulkReport<M::Output>, Error>
    where
        M: UsersMethod,
        M::Output: Send,
        I: IntoIterator<Item = S>,
        I::IntoIter: Send,
        S: AsRef<str>,
    {
        let mut options = run.options(1, self.next_policy());
        options.max_in_flight = options.max_in_flight.clamp(1, 64);
        let threads = options.max_in_flight;
        let plan = BulkPlan::<M>::new(self.endpoint(), params, users, options)?
            .with_pacer(self.pacer().clone());
        let observe = |plan: &mut BulkPlan<'_, M>| run.observe(plan);
        if threads == 1 {
            return Ok(self.run_sequential(plan, progress, observe));
        }
        Ok(self.run_threads(plan, threads, progress, observe))
    }

    /// `setSettings` for any number of users.
    pub fn set_settings_bulk<I, S>(
        &self,
        users: I,
        settings: SessionSettings,
        run: BulkRun,
        progress: impl FnMut(Progress) + Send,
    ) -> Result<BulkReport<Empty>, Error>
    where
        I: IntoIterator<Item = S>,
        I::IntoIter: Send,
        S: AsRef<str>,
    {
        self.apply_bulk::<SetSettings, _, _>(settings, users, run, progress)
    }

    /// `getSettings` for any number of users, merged.
    pub fn get_settings_bulk<I, S>(
        &self,
        users: I,
        run: BulkRun,
        progress: impl FnMut(Progress) + Send,
    ) -> Result<BulkReport<GetSettingsOutput>, Error>
    where
        I: IntoIterator<Item = S>,
        I::IntoIter: Send,
        S: AsRef<str>,
    {
        self.apply_bulk::<GetSettings, _, _>((), users, run, progress)
    }

    /// `clearSettings` for any number of users.
    pub fn clear_settings_bulk<I, S>(
        &self,
        users: I,
        run: BulkRun,
        progress: impl FnMut(Progress) + Send,
    ) -> Result<BulkReport<Empty>, Error>
    where
        I: IntoIterator<Item = S>,
        I::IntoIter: Send,
        S: AsRef<str>,
    {
        self.apply_bulk::<ClearSettings, _, _>((), users, run, progress)
    }

    fn run_sequential<M: UsersMethod>(
        &self,
        mut plan: BulkPlan<'_, M>,
        mut progress: impl FnMut(Progress),
        observe: impl Fn(&mut BulkPlan<'_, M>),
    ) -> BulkReport<M::Output> {
        loop {
            match plan.poll(Instant::now()) {
                BulkAction::Send(id, req) => {
                    let outcome = self.send(req);
                    let settled = plan.handle(Instant::now(), id, outcome);
                    observe(&mut plan);
                    if let Some(p) = settled {
                        progress(p);
                    }
                }
                BulkAction::WaitUntil(t) => sleep_until(t),
                // Nothing can be pending with one request at a time; finish() accounts
                // for anyone left.
                BulkAction::Pending | BulkAction::Done => return plan.finish(),
            }
        }
    }

    fn run_threads<M>(
        &self,
        plan: BulkPlan<'_, M>,
        threads: usize,
        progress: impl FnMut(Progress) + Send,
        observe: impl Fn(&mut BulkPlan<'_, M>) + Sync,
    ) -> BulkReport<M::Output>
    where
        M: UsersMethod,
        M::Output: Send,
    {
        let shared = Mutex::new(plan);
        let changed = Condvar::new();
        let progress = Mutex::new(progress);
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| loop {
                    let mut guard = shared.lock().unwrap_or_else(|p| p.into_inner());
                    match guard.poll(Instant::now()) {
                        BulkAction::Send(id, req) => {
                            drop(guard);
                            let outcome = self.send(req);
                            {
                                let mut plan = shared.lock().unwrap_or_else(|p| p.into_inner());
                                let settled = plan.handle(Instant::now(), id, outcome);
                                observe(&mut plan);
                                // Under the plan's lock, so that progress never goes back.
                                if let Some(p) = settled {
                                    (progress.lock().unwrap_or_else(|p| p.into_inner()))(p);
                                }
                            }
                            changed.notify_all();
                        }
                        BulkAction::WaitUntil(t) => {
                            let wait = t.saturating_duration_since(Instant::now());
                            drop(changed.wait_timeout(guard, wait));
                        }
                        BulkAction::Pending => {
                            drop(changed.wait(guard));
                        }
                        BulkAction::Done => {
                            changed.notify_all();
                            return;
                        }
                    }
                });
            }
        });
        shared
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .finish()
    }
}
