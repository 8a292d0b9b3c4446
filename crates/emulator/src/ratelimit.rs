//! Slack-style rate limits: a bucket per (token, method) that refills continuously, at
//! the method's tier's share of the configured rate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Tokens left and when they were last counted, per (token, method).
type Buckets = HashMap<(String, &'static str), (f64, Instant)>;

/// Limits calls per (token, method) to the method's tier's rate, scaled so that Tier 4
/// (100 a minute at Slack) gets `per_minute`, allowing a burst of that size.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_minute: Option<u32>,
    buckets: Mutex<Buckets>,
}

impl RateLimiter {
    pub(crate) fn new(per_minute: Option<u32>) -> Self {
        RateLimiter {
            per_minute: per_minute.filter(|n| *n > 0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `None` when the call may go; else the whole seconds to wait (at least 1). `tier`
    /// is the method's calls a minute at Slack (20, 50, 100).
    pub(crate) fn check(
        &self,
        token: &str,
        method: &'static str,
        tier: u32,
        now: Instant,
    ) -> Option<u64> {
        let limit = (f64::from(self.per_minute?) * f64::from(tier) / 100.0).max(1.0);
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, last) = buckets
            .entry((token.to_owned(), method))
            .or_insert((limit, now));
        let refill = now.saturating_duration_since(*last).as_secs_f64() * limit / 60.0;
        *tokens = (*tokens + refill).min(limit);
        *last = now;
        if *tokens >= 1.0 - 1e-9 {
            *tokens -= 1.0;
            None
        } else {
            let secs = (1.0 - *tokens) * 60.0 / limit;
            Some(Duration::from_secs_f64(secs).as_secs_f64().ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_per_token_and_method() {
        let rl = RateLimiter::new(Some(3));
        let t = Instant::now();
        for _ in 0..3 {
            assert_eq!(rl.check("a", "m", 100, t), None);
        }
        assert_eq!(rl.check("a", "m", 100, t), Some(20));
        assert_eq!(rl.check("b", "m", 100, t), None);
        assert_eq!(rl.check("a", "n", 100, t), None);
        assert_eq!(rl.check("a", "m", 100, t + Duration::from_secs(20)), None);
        assert_eq!(RateLimiter::new(None).check("a", "m", 100, t), None);
    }

    #[test]
    fn each_tier_its_share() {
        let rl = RateLimiter::new(Some(100));
        let t = Instant::now();
        for _ in 0..20 {
            assert_eq!(rl.check("a", "tier2", 20, t), None);
        }
        assert_eq!(rl.check("a", "tier2", 20, t), Some(3));
        for _ in 0..50 {
            assert_eq!(rl.check("a", "tier3", 50, t), None);
        }
        assert!(rl.check("a", "tier3", 50, t).is_some());
    }
}
