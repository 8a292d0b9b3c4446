//! Handing out requests and taking their outcomes: chunks due for a retry first, the
//! pacer's slots, splitting a chunk around a bad member, and what a failure calls for.

use super::*;
use crate::bulk::partial::partial_failures;

impl<M: UsersMethod> BulkPlan<'_, M> {
    /// What to do next, at time `now`.
    #[must_use = "an action tells the driver what to do"]
    pub fn poll(&mut self, now: Instant) -> BulkAction {
        // Chunks whose retry time has come go first, in the order they became due.
        if !self.delayed.is_empty() {
            self.delayed
                .sort_by_key(|c| std::cmp::Reverse(c.attempt.not_before));
            while self
                .delayed
                .last()
                .is_some_and(|c| c.attempt.not_before.is_none_or(|t| t <= now))
            {
                if let Some(c) = self.delayed.pop() {
                    self.ready.push_front(c);
                }
            }
        }
        if self.in_flight.len() < self.options.max_in_flight {
            // Read the input lazily, a chunk at a time, so that planning overlaps the
            // requests in flight.
            let holding_back =
                self.unanswered && !(self.delayed.is_empty() && self.in_flight.is_empty());
            if self.ready.is_empty() && !self.halted() && !holding_back {
                self.refill();
            }
            if let Some(chunk) = self.ready.front_mut() {
                let waits = &mut self.report.waits;
                let paced = chunk.attempt.pace::<M>(now, self.pacer.as_ref(), |w| {
                    if !w.is_zero() {
                        *waits += 1;
                    }
                });
                if let Err(at) = paced {
                    let earliest = self.earliest_delayed();
                    return BulkAction::WaitUntil(earliest.map_or(at, |d| d.min(at)));
                }
                if let Some(mut chunk) = self.ready.pop_front() {
                    let request = match &chunk.request {
                        Some(r) => r.request(),
                        None => {
                            // Lend the users to the method and take them back: no copies.
                            let method = M::for_users(chunk.users, &self.params);
                            let encoded = self.endpoint.prepare(&method);
                            chunk.users = method.into_users();
                            match encoded {
                                Ok(r) => {
                                    let out = r.request();
                                    chunk.request = Some(r);
                                    out
                                }
                                Err(e) => {
                                    // Params were validated up front; settle the chunk anyway.
                                    let _ = self.settle_failed(chunk, Error::Invalid(e));
                                    return self.poll(now);
                                }
                            }
                        }
                    };
                    chunk.attempt.sent();
                    chunk.sent_at = Some(now);
                    let id = ChunkId(self.next_id);
                    self.next_id += 1;
                    self.report.requests += 1;
                    self.in_flight.insert(id, chunk);
                    return BulkAction::Send(id, request);
                }
            }
        }
        if let Some(t) = self.earliest_delayed() {
            return BulkAction::WaitUntil(t);
        }
        if self.in_flight.is_empty() && self.ready.is_empty() && self.input.is_none() {
            BulkAction::Done
        } else {
            BulkAction::Pending
        }
    }

    pub(super) fn earliest_delayed(&self) -> Option<Instant> {
        self.delayed
            .iter()
            .filter_map(|c| c.attempt.not_before)
            .min()
    }

    /// Takes the outcome of request `id`. Returns the progress when a chunk was settled
    /// (as opposed to split or scheduled for a retry). Unknown ids are ignored.
    #[must_use = "a settled chunk's progress is for the progress display"]
    pub fn handle(
        &mut self,
        now: Instant,
        id: ChunkId,
        outcome: Result<Response<Vec<u8>>, TransportFailure>,
    ) -> Option<Progress> {
        let chunk = self.in_flight.remove(&id)?;
        let status = outcome.as_ref().ok().map(|r| r.status().as_u16());
        self.unanswered = matches!(&outcome, Err(t) if t.kind != TransportKind::BodyTooLarge);
        let timing = Timing {
            users: chunk.users.len(),
            attempt: chunk.attempt.retries + 1,
            paced: chunk.attempt.paced,
            took: chunk
                .sent_at
                .map_or(Duration::ZERO, |t| now.saturating_duration_since(t)),
        };
        let error = match outcome {
            Ok(resp) => match decode_parts::<M::Output>(resp.status(), resp.headers(), resp.body())
            {
                Ok(mut reply) => {
                    self.record(&timing, status, "ok".into(), Disposition::Applied);
                    self.unreachable_streak = 0;
                    for w in reply.warnings {
                        self.warn(w);
                    }
                    let reconciled = reply.output.reconcile(&chunk.users);
                    self.dropped += reconciled.dropped;
                    // Kept by input order, merged at the end: answers come back in
                    // completion order.
                    self.outputs.insert(chunk.order, reply.output);
                    self.settle_answered(chunk, reconciled);
                    return Some(self.progress());
                }
                Err(CallError::Api(a)) if M::empty_on(&a.code) => {
                    self.record(
                        &timing,
                        status,
                        a.code.as_str().into(),
                        Disposition::Applied,
                    );
                    self.unreachable_streak = 0;
                    self.settle_answered(chunk, crate::method::Reconciled::default());
                    return Some(self.progress());
                }
                Err(e) => Error::Call(e),
            },
            Err(t) => Error::Transport(t),
        };
        if let Some(failures) = partial_failures(&error, &chunk.users) {
            self.record(
                &timing,
                status,
                error.short_code().into_owned(),
                Disposition::Applied,
            );
            self.unreachable_streak = 0;
            return Some(self.settle_partly(chunk, failures));
        }
        let code = error.short_code().into_owned();
        let detail = self.options.record_events.then(|| error.to_string());
        let (progress, disposition) = self.on_error(now, chunk, error);
        self.record(&timing, status, code, disposition);
        if let (Some(e), Some(d)) = (self.events.last_mut(), detail) {
            e.detail = Some(d);
        }
        progress
    }

    pub(super) fn on_error(
        &mut self,
        now: Instant,
        mut chunk: Chunk,
        error: Error,
    ) -> (Option<Progress>, Disposition) {
        if let Error::Call(CallError::RateLimited { .. }) = &error {
            self.report.rate_limited += 1;
        }
        let next = chunk.attempt.after_failure::<M>(
            now,
            &error,
            &self.options.policy,
            self.pacer.as_ref(),
        );
        match next {
            Next::StopRun => {
                self.not_attempted(chunk);
                self.stop(error);
                (Some(self.progress()), Disposition::Stopped)
            }
            Next::Isolate => self.split_or_fail(chunk, error),
            Next::Retry(wait) if !self.halted() => {
                self.report.retries += 1;
                self.report.waits += 1;
                self.delayed.push(chunk);
                (None, Disposition::Retry(wait))
            }
            Next::Retry(_) => {
                self.not_attempted(chunk);
                (Some(self.progress()), Disposition::Stopped)
            }
            Next::Fail => {
                let unreachable = matches!(
                    error.transport_kind(),
                    Some(k) if k != TransportKind::BodyTooLarge
                );
                let progress = self.settle_failed(chunk, Error::clone(&error));
                if unreachable {
                    self.unreachable_streak += 1;
                    if self.unreachable_streak >= UNREACHABLE_AFTER {
                        self.stop(error);
                        return (Some(self.progress()), Disposition::Failed);
                    }
                }
                (progress, Disposition::Failed)
            }
        }
    }

    /// Halves a chunk refused because of one bad member, or settles a single user.
    pub(super) fn split_or_fail(
        &mut self,
        chunk: Chunk,
        error: Error,
    ) -> (Option<Progress>, Disposition) {
        if let Some((a, b)) = chunk.users.split_halves() {
            if self.halted() {
                self.not_attempted(chunk);
                return (Some(self.progress()), Disposition::Stopped);
            }
            let seed = chunk.attempt.seed;
            let (n, at) = chunk.order;
            let second = (n, at + a.len() as u32);
            self.ready
                .push_front(Chunk::new(b, splitmix64(seed ^ 2), second));
            self.ready
                .push_front(Chunk::new(a, splitmix64(seed ^ 1), (n, at)));
            return (None, Disposition::Split);
        }
        (self.settle_failed(chunk, error), Disposition::Failed)
    }

    pub(super) fn record(
        &mut self,
        timing: &Timing,
        status: Option<u16>,
        code: String,
        disposition: Disposition,
    ) {
        if self.options.record_events {
            self.events.push(RequestEvent {
                method: M::NAME,
                users: timing.users,
                status,
                code,
                detail: None,
                attempt: timing.attempt,
                paced: timing.paced,
                took: timing.took,
                disposition,
            });
        }
    }
}

/// One request's place and times, for its [`RequestEvent`].
pub(super) struct Timing {
    users: usize,
    attempt: u32,
    paced: Duration,
    took: Duration,
}
