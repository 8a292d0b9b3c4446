//! [`RetryPolicy`]: from a failure and the attempts so far, "retry after this long" or
//! "give up".

use std::time::Duration;

use crate::error::Error;
use crate::verdict::{verdict, Verdict};

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Send again once this long has passed.
    RetryAfter(Duration),
    /// Stop and return the error.
    GiveUp,
}

/// When and how often to retry.
///
/// - HTTP 429, and a 5xx with `Retry-After`: wait `Retry-After`, but never less than the
///   fixed half of the backoff step (the floor), so that `Retry-After: 0` cannot make a
///   client hammer a struggling server.
/// - `ratelimited` in the body, transient codes, 5xx, timeouts, dropped connections and
///   garbled answers: exponential backoff with "equal jitter" (half the step fixed, half
///   random) drawn from `seed`, so that every wait is at least as long as the one before.
/// - `fatal_error`, timeouts, dropped connections and garbled answers only for idempotent
///   methods (the work may have happened); a failed connect is always safe to retry.
/// - An answer larger than the body cap: for idempotent methods. [`Call`](crate::sansio::Call)
///   retries it once; bulk work retries it once, then halves the chunk, whose answer may
///   then fit.
/// - Auth, per-user, request-shape and gone errors: never.
/// - At most `max_retries` retries, and never past `max_total_wait` of waiting in all.
///
/// ```
/// use std::time::Duration;
/// use slack_sessions_core::sansio::RetryDecision;
/// use slack_sessions_core::{CallError, Error, RetryPolicy};
/// let policy = RetryPolicy::default();
/// let e = Error::Call(CallError::RateLimited { retry_after: Duration::from_secs(2) });
/// assert_eq!(policy.decide(&e, 0, Duration::ZERO, true), RetryDecision::RetryAfter(Duration::from_secs(2)));
/// assert_eq!(policy.decide(&e, 5, Duration::ZERO, true), RetryDecision::GiveUp);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 disables retrying.
    pub max_retries: u32,
    /// The first backoff step.
    pub base_delay: Duration,
    /// The largest backoff step.
    pub max_delay: Duration,
    /// The most time one call may spend waiting between attempts.
    pub max_total_wait: Duration,
    /// Seeds the jitter; equal seeds give equal waits. The default is drawn at random,
    /// so that separate clients and processes do not back off in lockstep.
    pub seed: u64,
}

/// A seed no other client is likely to share: std's randomly keyed hasher, with no new
/// dependency.
fn random_seed() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64)
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_total_wait: Duration::from_secs(300),
            seed: random_seed(),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The same policy with another jitter seed (bulk work gives each chunk its own).
    #[must_use]
    pub fn with_seed(self, seed: u64) -> Self {
        RetryPolicy { seed, ..self }
    }

    /// Retries after the first attempt; 0 disables retrying.
    #[must_use]
    pub fn max_retries(self, n: u32) -> Self {
        RetryPolicy {
            max_retries: n,
            ..self
        }
    }

    /// The first backoff step.
    #[must_use]
    pub fn base_delay(self, d: Duration) -> Self {
        RetryPolicy {
            base_delay: d,
            ..self
        }
    }

    /// The largest backoff step.
    #[must_use]
    pub fn max_delay(self, d: Duration) -> Self {
        RetryPolicy {
            max_delay: d,
            ..self
        }
    }

    /// The most time one call may spend waiting between attempts.
    #[must_use]
    pub fn max_total_wait(self, d: Duration) -> Self {
        RetryPolicy {
            max_total_wait: d,
            ..self
        }
    }

    /// Decides after a failure, given the retries already made and the time already waited.
    pub fn decide(
        &self,
        error: &Error,
        retries_so_far: u32,
        waited_so_far: Duration,
        idempotent: bool,
    ) -> RetryDecision {
        if retries_so_far >= self.max_retries {
            return RetryDecision::GiveUp;
        }
        let wait = match verdict(error, idempotent) {
            Verdict::RetryAfter(d) => d.max(self.floor(retries_so_far)),
            Verdict::Backoff => self.backoff(retries_so_far),
            _ => return RetryDecision::GiveUp,
        };
        if waited_so_far.saturating_add(wait) > self.max_total_wait {
            return RetryDecision::GiveUp;
        }
        RetryDecision::RetryAfter(wait)
    }

    /// The backoff before retry number `n` (0-based): a step of `base·2ⁿ` capped at
    /// `max_delay`, of which the upper half is jittered.
    pub fn backoff(&self, n: u32) -> Duration {
        let half = self.floor(n);
        let r = splitmix64(self.seed ^ u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        // Scale the upper half by r / 2^64.
        let nanos = half.as_nanos() as u64;
        let jitter = ((u128::from(nanos) * u128::from(r)) >> 64) as u64;
        half + Duration::from_nanos(jitter)
    }

    /// The shortest wait before retry number `n`, whatever the server asked: the fixed
    /// half of the backoff step.
    pub fn floor(&self, n: u32) -> Duration {
        let step = self
            .base_delay
            .saturating_mul(1u32.checked_shl(n.min(31)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        step / 2
    }
}

/// A well-mixed 64-bit hash; enough for jitter, and deterministic.
pub(crate) fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::test_errors::{api, http, transport};
    use crate::error::{CallError, DecodeError, InvalidInput, TransportKind};
    use http::StatusCode;

    fn retries(p: &RetryPolicy, e: &Error, idempotent: bool) -> bool {
        matches!(
            p.decide(e, 0, Duration::ZERO, idempotent),
            RetryDecision::RetryAfter(_)
        )
    }

    #[test]
    fn what_is_retried() {
        let p = RetryPolicy::default();
        for e in [
            api("internal_error"),
            api("service_unavailable"),
            api("request_timeout"),
            api("ratelimited"),
            http(500, None),
            http(502, None),
            http(503, None),
            transport(TransportKind::Connect),
        ] {
            assert!(retries(&p, &e, true), "{e:?}");
            assert!(
                retries(&p, &e, false) || matches!(e, Error::Call(CallError::Http { .. })),
                "{e:?}"
            );
        }
        // fatal_error and lost answers only when idempotent.
        for e in [
            api("fatal_error"),
            transport(TransportKind::Timeout),
            transport(TransportKind::Io),
            Error::Call(CallError::Decode(DecodeError {
                status: StatusCode::OK,
                reason: "eof".into(),
                excerpt: String::new(),
                user: None,
            })),
        ] {
            assert!(retries(&p, &e, true), "{e:?}");
            assert!(!retries(&p, &e, false), "{e:?}");
        }
        for e in [
            api("invalid_auth"),
            api("missing_scope"),
            api("not_an_admin"),
            api("user_not_found"),
            api("bots_not_allowed"),
            api("invalid_arguments"),
            api("at_least_one_session_setting_required"),
            api("unknown_method"),
            api("something_new"),
            http(400, None),
            http(404, None),
            transport(TransportKind::Tls),
            Error::Invalid(InvalidInput::NoSetting),
        ] {
            assert!(!retries(&p, &e, true), "{e:?}");
        }
    }

    #[test]
    fn retry_after_is_exact_and_backoff_grows() {
        let p = RetryPolicy::default();
        let e = Error::Call(CallError::RateLimited {
            retry_after: Duration::from_secs(9),
        });
        assert_eq!(
            p.decide(&e, 2, Duration::ZERO, true),
            RetryDecision::RetryAfter(Duration::from_secs(9))
        );
        let mut last = Duration::ZERO;
        for n in 0..12 {
            let d = p.backoff(n);
            let step = (p.base_delay * 2u32.pow(n.min(20))).min(p.max_delay);
            // Each uncapped step starts where the last one ended.
            if step < p.max_delay {
                assert!(d >= last, "retry {n}: {d:?} < {last:?}");
            }
            assert!(
                d >= step / 2 && d <= step,
                "retry {n}: {d:?} outside {step:?}"
            );
            last = d;
        }
        assert_eq!(p.backoff(40), p.backoff(40));
        assert_ne!(p.backoff(3), p.with_seed(99).backoff(3));
    }

    /// A 503 with `Retry-After: 0` is not retried in a tight loop: the policy's floor holds.
    #[test]
    fn retry_after_zero_waits_at_least_the_floor() {
        let p = RetryPolicy::default();
        let e = Error::Call(CallError::Http {
            status: StatusCode::SERVICE_UNAVAILABLE,
            excerpt: String::new(),
            retry_after: Some(Duration::ZERO),
        });
        let mut total = Duration::ZERO;
        for n in 0..5 {
            let RetryDecision::RetryAfter(w) = p.decide(&e, n, total, true) else {
                panic!("retry {n} given up")
            };
            assert!(w >= p.floor(n) && w > Duration::ZERO, "retry {n}: {w:?}");
            total += w;
        }
        assert!(total >= Duration::from_millis(7_750), "{total:?}");
        let zero = Error::Call(CallError::RateLimited {
            retry_after: Duration::ZERO,
        });
        assert_eq!(
            p.decide(&zero, 0, Duration::ZERO, true),
            RetryDecision::RetryAfter(p.floor(0))
        );
    }

    #[test]
    fn an_oversized_answer_is_retried_when_idempotent() {
        let p = RetryPolicy::default();
        let e = transport(TransportKind::BodyTooLarge);
        assert!(matches!(
            p.decide(&e, 0, Duration::ZERO, true),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            p.decide(&e, 0, Duration::ZERO, false),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn caps_on_attempts_and_total_wait() {
        let p = RetryPolicy {
            max_retries: 3,
            max_total_wait: Duration::from_secs(10),
            ..RetryPolicy::default()
        };
        let e = api("internal_error");
        assert!(matches!(
            p.decide(&e, 2, Duration::ZERO, true),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(p.decide(&e, 3, Duration::ZERO, true), RetryDecision::GiveUp);
        assert_eq!(
            p.decide(&e, 0, Duration::from_secs(10), true),
            RetryDecision::GiveUp
        );
        let long = Error::Call(CallError::RateLimited {
            retry_after: Duration::from_secs(11),
        });
        assert_eq!(
            p.decide(&long, 0, Duration::ZERO, true),
            RetryDecision::GiveUp
        );
        assert_eq!(
            RetryPolicy::never().decide(&e, 0, Duration::ZERO, true),
            RetryDecision::GiveUp
        );
    }
}
