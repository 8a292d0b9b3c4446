//! [`Pacer`]: a token bucket per method, at its tier's rate, that says how long to wait
//! before the next request. Time is always passed in.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::method::Tier;

/// A rate: calls a minute, and how many may go at once after a quiet spell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rate {
    /// Sustained calls a minute (at least 1).
    pub per_minute: u32,
    /// Calls that may go back to back (at least 1).
    pub burst: u32,
}

impl Rate {
    /// The default for `tier`: its documented calls a minute, with a burst of a tenth of that.
    ///
    /// Assumption: Slack's limiter tolerates short bursts of this size; a burst no larger
    /// than the server's own bucket can never cause a 429 at the same sustained rate.
    pub fn for_tier(tier: Tier) -> Rate {
        let per_minute = tier.per_minute();
        Rate {
            per_minute,
            burst: (per_minute / 10).max(1),
        }
    }

    /// `per_minute` calls a minute with the given burst (both at least 1).
    pub fn new(per_minute: u32, burst: u32) -> Rate {
        Rate {
            per_minute: per_minute.max(1),
            burst: burst.max(1),
        }
    }

    fn interval(self) -> Duration {
        Duration::from_secs(60) / self.per_minute.max(1)
    }
}

/// Paces requests per method at a per-tier rate (a GCRA token bucket).
///
/// `reserve(now, ..)` books the next slot and returns how long to wait for it, so many
/// callers can share one pacer and never exceed the rate together. A 429 moves the
/// method's next slot to `now + Retry-After`.
///
/// ```
/// use std::time::{Duration, Instant};
/// use slack_sessions_core::sansio::Pacer;
/// use slack_sessions_core::{Rate, Tier};
/// let mut pacer = Pacer::new().with_rate(Tier::Tier4, Rate::new(60, 1));
/// let t0 = Instant::now();
/// assert_eq!(pacer.reserve(t0, "m", Tier::Tier4), Duration::ZERO);
/// assert_eq!(pacer.reserve(t0, "m", Tier::Tier4), Duration::from_secs(1));
/// assert_eq!(pacer.reserve(t0, "other", Tier::Tier4), Duration::ZERO);
/// ```
#[derive(Debug, Clone)]
pub struct Pacer {
    enabled: bool,
    rates: [Rate; 4],
    /// Per method: the theoretical arrival time of the next request.
    tat: HashMap<&'static str, Instant>,
}

impl Default for Pacer {
    fn default() -> Self {
        Self::new()
    }
}

fn tier_index(t: Tier) -> usize {
    match t {
        Tier::Tier1 => 0,
        Tier::Tier2 => 1,
        Tier::Tier3 => 2,
        Tier::Tier4 => 3,
    }
}

impl Pacer {
    /// A pacer at every tier's default rate.
    pub fn new() -> Self {
        Pacer {
            enabled: true,
            rates: [Tier::Tier1, Tier::Tier2, Tier::Tier3, Tier::Tier4].map(Rate::for_tier),
            tat: HashMap::new(),
        }
    }

    /// A pacer that never waits (429s still push the next slot back).
    pub fn disabled() -> Self {
        Pacer {
            enabled: false,
            ..Self::new()
        }
    }

    /// Sets the rate of one tier.
    pub fn with_rate(mut self, tier: Tier, rate: Rate) -> Self {
        self.rates[tier_index(tier)] = rate;
        self
    }

    /// Sets the same rate for every tier (e.g. from a `--rate` flag).
    pub fn with_all_rates(mut self, rate: Rate) -> Self {
        self.rates = [rate; 4];
        self
    }

    /// The rate of `tier`.
    pub fn rate(&self, tier: Tier) -> Rate {
        self.rates[tier_index(tier)]
    }

    /// Whether pacing is on.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Books the next slot for `method` and returns how long after `now` it is.
    pub fn reserve(&mut self, now: Instant, method: &'static str, tier: Tier) -> Duration {
        let tat = self.tat.get(method).copied().unwrap_or(now).max(now);
        if !self.enabled {
            // Only a 429 penalty can hold an unpaced caller back.
            return tat.saturating_duration_since(now);
        }
        let rate = self.rate(tier);
        let interval = rate.interval();
        let tolerance = interval.saturating_mul(rate.burst.saturating_sub(1));
        let allowed_at = tat.checked_sub(tolerance).unwrap_or(now).max(now);
        self.tat.insert(method, tat + interval);
        allowed_at - now
    }

    /// Slack answered 429: nothing for `method` goes before `now + retry_after`.
    pub fn penalize(
        &mut self,
        now: Instant,
        method: &'static str,
        tier: Tier,
        retry_after: Duration,
    ) {
        let tolerance = if self.enabled {
            let rate = self.rate(tier);
            rate.interval().saturating_mul(rate.burst.saturating_sub(1))
        } else {
            Duration::ZERO
        };
        // Past what a clock can hold, the slot stays where it is rather than panic.
        let Some(until) = now.checked_add(retry_after.saturating_add(tolerance)) else {
            return;
        };
        let tat = self.tat.entry(method).or_insert(now);
        *tat = (*tat).max(until);
    }
}

/// A [`Pacer`] shared by clones of a client, across threads or tasks.
#[derive(Debug, Clone)]
pub struct SharedPacer(Arc<Shared>);

impl Default for SharedPacer {
    fn default() -> Self {
        SharedPacer::new(Pacer::new())
    }
}

impl SharedPacer {
    /// Shares `pacer`.
    pub fn new(pacer: Pacer) -> Self {
        let idle = !pacer.is_enabled() && pacer.tat.is_empty();
        SharedPacer(Arc::new(Shared {
            pacer: Mutex::new(pacer),
            idle: AtomicBool::new(idle),
        }))
    }

    fn lock(&self) -> MutexGuard<'_, Pacer> {
        // A panic elsewhere while holding the lock leaves the bucket usable.
        self.0.pacer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether pacing is on (see [`Pacer::is_enabled`]).
    pub fn is_enabled(&self) -> bool {
        self.lock().is_enabled()
    }

    /// See [`Pacer::reserve`]. A disabled pacer that no 429 has touched answers without
    /// taking its lock.
    pub fn reserve(&self, now: Instant, method: &'static str, tier: Tier) -> Duration {
        if self.0.idle.load(Ordering::Acquire) {
            return Duration::ZERO;
        }
        self.lock().reserve(now, method, tier)
    }

    /// See [`Pacer::penalize`].
    pub fn penalize(&self, now: Instant, method: &'static str, tier: Tier, retry_after: Duration) {
        let mut p = self.lock();
        p.penalize(now, method, tier, retry_after);
        self.0.idle.store(false, Ordering::Release);
    }
}

/// The pacer and whether it can be skipped.
#[derive(Debug)]
struct Shared {
    pacer: Mutex<Pacer>,
    /// Disabled and never penalized: every reservation is free.
    idle: AtomicBool,
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // a base instant for virtual time
mod tests {
    use super::*;

    #[test]
    fn holds_the_rate_in_virtual_time() {
        let mut p = Pacer::new();
        let t0 = Instant::now();
        let mut now = t0;
        let mut sent = Vec::new();
        for _ in 0..250 {
            now += p.reserve(now, "m", Tier::Tier4);
            sent.push(now);
        }
        // Burst of 10, then one every 600 ms.
        assert!(sent[..10].iter().all(|t| *t == t0));
        assert_eq!(sent[10] - t0, Duration::from_millis(600));
        // Any 60 s window holds at most the rate plus the burst.
        for (i, t) in sent.iter().enumerate() {
            let in_window = sent[i..]
                .iter()
                .take_while(|u| **u - *t < Duration::from_secs(60))
                .count();
            assert!(in_window <= 110, "window at {i} holds {in_window}");
        }
        assert_eq!(sent[249] - t0, Duration::from_millis(600) * 240);
    }

    /// A disabled pacer skips its lock until a 429 penalizes it; then it holds
    /// callers back like any other.
    #[test]
    fn an_idle_pacer_is_free_until_a_429() {
        let p = SharedPacer::new(Pacer::disabled());
        let t0 = Instant::now();
        assert!(p.0.idle.load(Ordering::Acquire));
        assert_eq!(p.reserve(t0, "m", Tier::Tier4), Duration::ZERO);
        p.penalize(t0, "m", Tier::Tier4, Duration::from_secs(3));
        assert!(!p.0.idle.load(Ordering::Acquire));
        assert_eq!(p.reserve(t0, "m", Tier::Tier4), Duration::from_secs(3));
        assert!(!SharedPacer::new(Pacer::new())
            .0
            .idle
            .load(Ordering::Acquire));
    }

    /// Eight threads reserving at once, at one instant: every slot is handed out once,
    /// 3 s apart, none twice and none skipped, whoever got it.
    #[test]
    fn reservations_from_many_callers_do_not_overlap() {
        let p = SharedPacer::new(Pacer::new().with_rate(Tier::Tier2, Rate::new(20, 1)));
        let t0 = Instant::now();
        let start = std::sync::Barrier::new(8);
        let mut waits: Vec<Duration> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let (p, start) = (p.clone(), &start);
                    s.spawn(move || {
                        start.wait();
                        (0..25)
                            .map(|_| p.reserve(t0, "x", Tier::Tier2))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        waits.sort();
        assert_eq!(
            waits,
            (0..200)
                .map(|i| Duration::from_secs(3) * i)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_429_moves_the_next_slot() {
        let mut p = Pacer::new();
        let t0 = Instant::now();
        assert_eq!(p.reserve(t0, "m", Tier::Tier4), Duration::ZERO);
        p.penalize(t0, "m", Tier::Tier4, Duration::from_secs(30));
        assert_eq!(p.reserve(t0, "m", Tier::Tier4), Duration::from_secs(30));
        assert_eq!(p.reserve(t0, "other", Tier::Tier4), Duration::ZERO);
        let mut off = Pacer::disabled();
        assert_eq!(off.reserve(t0, "m", Tier::Tier4), Duration::ZERO);
        assert_eq!(off.reserve(t0, "m", Tier::Tier4), Duration::ZERO);
        off.penalize(t0, "m", Tier::Tier4, Duration::from_secs(2));
        assert_eq!(off.reserve(t0, "m", Tier::Tier4), Duration::from_secs(2));
        assert_eq!(
            off.reserve(t0 + Duration::from_secs(3), "m", Tier::Tier4),
            Duration::ZERO
        );
    }
}
