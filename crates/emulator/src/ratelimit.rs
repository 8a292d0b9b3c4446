//! Slack-style rate limits: a bucket per (token, method) that refills continuously.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Tokens left and when they were last counted, per (token, method).
type Buckets = HashMap<(String, &'static str), (f64, Instant)>;

/// Limits calls per (token, method) to `per_minute`, allowing a burst of that size.
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

    /// `None` when the call may go; else the whole seconds to wait (at least 1).
    pub(crate) fn check(&self, token: &str, method: &'static str, now: Instant) -> Option<u64> {
        let limit = f64::from(self.per_minute?);
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
            assert_eq!(rl.check("a", "m", t), None);
        }
        assert_eq!(rl.check("a", "m", t), Some(20));
        assert_eq!(rl.check("b", "m", t), None);
        assert_eq!(rl.check("a", "n", t), None);
        assert_eq!(rl.check("a", "m", t + Duration::from_secs(20)), None);
        assert_eq!(RateLimiter::new(None).check("a", "m", t), None);
    }
}
