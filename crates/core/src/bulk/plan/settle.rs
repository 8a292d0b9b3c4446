//! Settling users: a chunk's answer puts each of its users in exactly one bucket; a stop
//! or a cancel settles everyone not yet sent as not attempted, by one path.

use super::*;

impl<M: UsersMethod> BulkPlan<'_, M> {
    /// Cancels the run: no new request is handed out; the answers to the requests in
    /// flight are still taken and settled (an answer that asks for a retry or a split
    /// then settles its users as not attempted); every other user is not attempted, and
    /// the report says it was cancelled. `poll` then says `Pending` until the requests in
    /// flight are handled, and `Done` after.
    pub fn cancel(&mut self) {
        if self.report.cancelled {
            return;
        }
        self.report.cancelled = true;
        self.settle_unsent();
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.report.cancelled
    }

    /// Stopped or cancelled: nothing new goes out.
    pub(super) fn halted(&self) -> bool {
        self.report.stopped_by.is_some() || self.report.cancelled
    }

    /// Stops the run: nothing more is sent, and every user not yet sent is not attempted.
    /// Requests in flight are still settled when their answers come.
    pub(super) fn stop(&mut self, error: Error) {
        if self.report.stopped_by.is_none() {
            self.report.stopped_by = Some(error);
        }
        self.settle_unsent();
    }

    /// The one path a stop and a cancel share: every user not yet sent (queued, waiting
    /// for a retry, or still in the input) is not attempted. Requests in flight are
    /// settled by their answers.
    pub(super) fn settle_unsent(&mut self) {
        let rest: Vec<Chunk> = self.ready.drain(..).chain(self.delayed.drain(..)).collect();
        for c in rest {
            self.not_attempted(c);
        }
        self.drain_input();
    }

    /// A successful answer: its users are applied, except those it left out
    /// (`not_returned`) and those whose entries could not be read (failed, each with
    /// why; not Slack's refusal, so a later run tries them again).
    pub(super) fn settle_answered(&mut self, chunk: Chunk, reconciled: crate::method::Reconciled) {
        let crate::method::Reconciled {
            not_returned,
            failed,
            ..
        } = reconciled;
        self.done += chunk.users.len();
        if not_returned.is_empty() && failed.is_empty() {
            if self.options.record_settled {
                self.settled.push(Settled {
                    method: M::NAME,
                    applied: chunk.users.iter().cloned().collect(),
                    ..Settled::default()
                });
            }
            self.report.applied.extend(chunk.users.into_vec());
            return;
        }
        let out: HashSet<&UserId> = not_returned
            .iter()
            .chain(failed.iter().map(|(u, _)| u))
            .collect();
        let applied: Vec<UserId> = chunk
            .users
            .iter()
            .filter(|u| !out.contains(u))
            .cloned()
            .collect();
        if self.options.record_settled {
            self.settled.push(Settled {
                method: M::NAME,
                applied: applied.iter().chain(&not_returned).cloned().collect(),
                ..Settled::default()
            });
            if !failed.is_empty() {
                self.settled.push(Settled {
                    method: M::NAME,
                    failed: failed.iter().map(|(u, _)| u.clone()).collect(),
                    code: "decode_error".into(),
                    ..Settled::default()
                });
            }
        }
        self.report.applied.extend(applied);
        self.report.not_returned.extend(not_returned);
        for (user_id, reason) in failed {
            let error = Error::Call(CallError::Decode(crate::error::DecodeError {
                status: http::StatusCode::OK,
                reason: format!("the entry for {user_id}: {reason}"),
                excerpt: String::new(),
                user: Some(user_id.clone()),
            }));
            self.report.failed.push(Failed {
                user_id,
                error: Arc::new(error),
            });
        }
    }

    /// An answer that applied the call to some users and names the others, each with
    /// its own code (`failed_for_some_users`).
    pub(super) fn settle_partly(
        &mut self,
        chunk: Chunk,
        failures: Vec<(UserId, ErrorCode)>,
    ) -> Progress {
        let failed: HashMap<&UserId, &ErrorCode> = failures.iter().map(|(u, c)| (u, c)).collect();
        // Slack named these users itself, each with its own code: a refusal.
        let mut settled = Settled {
            method: M::NAME,
            refused: true,
            ..Settled::default()
        };
        let mut errors: HashMap<&ErrorCode, Arc<Error>> = HashMap::new();
        for u in chunk.users.iter() {
            match failed.get(u) {
                Some(code) => {
                    let error = errors.entry(code).or_insert_with(|| {
                        Arc::new(Error::Call(CallError::Api(
                            crate::error::ApiError::from_code((*code).clone()),
                        )))
                    });
                    self.report.failed.push(Failed {
                        user_id: u.clone(),
                        error: Arc::clone(error),
                    });
                    settled.failed.push(u.clone());
                }
                None => {
                    self.report.applied.push(u.clone());
                    settled.applied.push(u.clone());
                }
            }
        }
        self.done += chunk.users.len();
        if self.options.record_settled {
            // A journal line per code would lose nothing; one for the applied ones and
            // one for the failed (with the first code) keeps it simple.
            settled.code = failures
                .first()
                .map(|(_, c)| c.as_str().to_owned())
                .unwrap_or_default();
            self.settled.push(settled);
        }
        self.progress()
    }

    pub(super) fn settle_failed(&mut self, chunk: Chunk, error: Error) -> Option<Progress> {
        if self.options.record_settled {
            self.settled.push(Settled {
                method: M::NAME,
                applied: Vec::new(),
                failed: chunk.users.iter().cloned().collect(),
                code: error.short_code().into_owned(),
                refused: error.is_refusal(),
            });
        }
        let error = Arc::new(error);
        self.done += chunk.users.len();
        self.report
            .failed
            .extend(chunk.users.iter().map(|u| Failed {
                user_id: u.clone(),
                error: Arc::clone(&error),
            }));
        Some(self.progress())
    }

    pub(super) fn not_attempted(&mut self, chunk: Chunk) {
        self.done += chunk.users.len();
        self.report.not_attempted.extend(chunk.users.into_vec());
    }
}
