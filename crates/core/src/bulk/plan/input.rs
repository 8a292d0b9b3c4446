//! Reading the input a chunk at a time: each text parsed, valid IDs deduplicated,
//! invalid ones reported as they are read.

use super::*;
use crate::bulk::dedupe::pack_copy;
use crate::user::INLINE;

impl<M: UsersMethod> BulkPlan<'_, M> {
    /// Reads input until `want` new distinct valid IDs are found or the input ends;
    /// invalid inputs go to the report as they are read.
    pub(super) fn read_input(&mut self, want: usize) -> Vec<UserId> {
        let mut part = Vec::with_capacity(want.min(MAX_USERS_PER_CALL));
        let Some(feed) = self.input.as_mut() else {
            return part;
        };
        let mut read = 0usize;
        let mut ended = false;
        while part.len() < want {
            // Each input adds at most one user to the part: never more than `want`.
            let left = want - part.len();
            let more = feed(
                &mut |s: &str| {
                    read += 1;
                    classify(
                        s,
                        &mut self.seen_valid,
                        &mut self.seen_invalid,
                        &mut self.report.invalid,
                        &mut part,
                    )
                },
                left,
            );
            if !more {
                ended = true;
                break;
            }
        }
        self.inputs_read += read;
        if ended {
            self.input = None;
        }
        self.total += part.len();
        part
    }

    /// Cuts the next chunk from the input, if any is left.
    pub(super) fn refill(&mut self) -> bool {
        let part = self.read_input(self.options.chunk_size);
        if part.is_empty() {
            return false;
        }
        self.chunks_made += 1;
        let seed = self.options.policy.seed ^ splitmix64(self.chunks_made);
        self.ready.push_back(Chunk::new(
            UserIds::from_distinct(part),
            seed,
            (self.chunks_made, 0),
        ));
        true
    }

    /// Reads all the input left and reports its users as not attempted.
    pub(super) fn drain_input(&mut self) {
        while self.input.is_some() {
            let part = self.read_input(MAX_USERS_PER_CALL);
            self.done += part.len();
            self.report.not_attempted.extend(part);
        }
    }
}

/// Feeds the next inputs, at most as many as asked, to a callback; false once the input
/// is exhausted.
/// The users, read a batch at a time by the plan as it cuts chunks.
pub(super) fn feed<'a, I, S>(users: I) -> Feed<'a>
where
    I: Iterator<Item = S> + Send + 'a,
    S: AsRef<str> + 'a,
{
    let mut users = users;
    Box::new(move |f: &mut dyn FnMut(&str), max: usize| {
        let want = max.clamp(1, FEED_BATCH);
        let mut batch: [Option<S>; FEED_BATCH] = std::array::from_fn(|_| None);
        let mut n = 0;
        for slot in &mut batch[..want] {
            let Some(s) = users.next() else { break };
            *slot = Some(s);
            n += 1;
        }
        // Touch every ID of the batch before reading any: these loads wait on
        // nothing, so a batch's cache misses overlap instead of queuing one behind
        // the other (an input list of 100,000 strings is mostly out of the cache).
        let touched = batch[..n].iter().flatten().fold(0u8, |acc, s| {
            acc ^ s.as_ref().as_bytes().first().copied().unwrap_or(0)
        });
        std::hint::black_box(touched);
        for s in batch[..n].iter().flatten() {
            f(s.as_ref());
        }
        n == want
    })
}

pub(super) type Feed<'a> = Box<dyn FnMut(&mut dyn FnMut(&str), usize) -> bool + Send + 'a>;

/// Inputs a feed reads at a time.
pub(super) const FEED_BATCH: usize = 16;

/// Sorts one input into the valid-distinct list or the invalid bucket; duplicates vanish.
pub(super) fn classify(
    s: &str,
    seen_valid: &mut SeenIds,
    seen_invalid: &mut HashSet<String>,
    invalid: &mut Vec<Invalid>,
    part: &mut Vec<UserId>,
) {
    // The common case: a valid ID Slack's length, checked, packed and copied in one pass.
    let mut copy = [0u8; INLINE];
    if let Some(key) = pack_copy(s, &mut copy) {
        if seen_valid.insert_packed(key) {
            // At most 12 bytes: it fits.
            part.push(UserId::from_inline(s.len() as u8, copy));
        }
        return;
    }
    match crate::user::validate(s) {
        Ok(()) => {
            if seen_valid.insert(s) {
                part.push(UserId::from_valid(s));
            }
        }
        Err(reason) => {
            if seen_invalid.insert(s.to_owned()) {
                invalid.push(Invalid {
                    input: s.to_owned(),
                    reason,
                });
            }
        }
    }
}
