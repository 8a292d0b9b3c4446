//! Deterministic fault injection: which call gets which fault.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// One injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// `ok:false` with this code; nothing is applied. `internal_error`,
    /// `service_unavailable`, `fatal_error` and `request_timeout` by name, any code Slack
    /// documents for the family with `error:CODE` (`error:restricted_action`).
    SlackError(&'static str),
    /// The call is applied, then answered `fatal_error` ("the answer was lost").
    FatalAfterApply,
    /// This HTTP status (500, 502, 503) with an HTML body; a redirect (301, 302, 307,
    /// 308) also carries a `Location` to a login page, as a captive portal or a moved
    /// host would answer.
    Http(u16),
    /// This and the next `n - 1` calls get HTTP 429 with `Retry-After: 1`.
    Storm(u32),
    /// The answer is delayed this long (the call is then handled normally).
    Delay(Duration),
    /// The connection is closed with no answer; nothing is applied.
    Drop,
    /// The call is applied, then the connection is closed with no answer.
    DropAfterApply,
    /// HTTP 200 with a JSON body cut short.
    Truncate,
    /// HTTP 200 with an `internal_error` answer padded to this many bytes; nothing is
    /// applied (an answer that says `ok:true` always applies).
    Huge(usize),
}

/// Why a fault spec could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FaultSpecError {
    /// An item of the spec is malformed.
    #[error("bad fault spec item {0:?}: {1}")]
    Item(String, &'static str),
}

impl FromStr for Fault {
    type Err = FaultSpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why| FaultSpecError::Item(s.to_owned(), why);
        let (name, arg) = match s.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (s, None),
        };
        let num = |default: u64| -> Result<u64, FaultSpecError> {
            arg.map_or(Ok(default), |a| {
                a.parse().map_err(|_| bad("expected a number after ':'"))
            })
        };
        Ok(match name {
            "internal_error" => Fault::SlackError("internal_error"),
            "service_unavailable" => Fault::SlackError("service_unavailable"),
            "fatal_error" => Fault::SlackError("fatal_error"),
            "request_timeout" => Fault::SlackError("request_timeout"),
            "fatal_error_after_apply" => Fault::FatalAfterApply,
            "http500" => Fault::Http(500),
            "http502" => Fault::Http(502),
            "http503" => Fault::Http(503),
            "http301" => Fault::Http(301),
            "http302" => Fault::Http(302),
            "http307" => Fault::Http(307),
            "http308" => Fault::Http(308),
            "storm" => Fault::Storm(num(5)?.clamp(1, 1_000_000) as u32),
            "delay" => Fault::Delay(Duration::from_millis(num(1000)?)),
            "drop" => Fault::Drop,
            "drop_after_apply" => Fault::DropAfterApply,
            "truncate" => Fault::Truncate,
            "huge" => Fault::Huge((num(10)?.clamp(1, 512) as usize) << 20),
            "error" => Fault::SlackError(
                arg.and_then(crate::codes::known)
                    .ok_or_else(|| bad("expected a code Slack documents after 'error:'"))?,
            ),
            _ => return Err(bad("unknown fault kind")),
        })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::SlackError(c)
                if matches!(
                    *c,
                    "internal_error" | "service_unavailable" | "fatal_error" | "request_timeout"
                ) =>
            {
                f.write_str(c)
            }
            Fault::SlackError(c) => write!(f, "error:{c}"),
            Fault::FatalAfterApply => f.write_str("fatal_error_after_apply"),
            Fault::Http(s) => write!(f, "http{s}"),
            Fault::Storm(n) => write!(f, "storm:{n}"),
            Fault::Delay(d) => write!(f, "delay:{}", d.as_millis()),
            Fault::Drop => f.write_str("drop"),
            Fault::DropAfterApply => f.write_str("drop_after_apply"),
            Fault::Truncate => f.write_str("truncate"),
            Fault::Huge(n) => write!(f, "huge:{}", n >> 20),
        }
    }
}

/// Which calls fail, and how: an explicit schedule, a seeded random rate, or both.
///
/// The spec syntax (also used by `--faults`) is a comma-separated list of items:
/// - `N=KIND`: the N-th call (1-based, counted from when the plan was set) gets KIND;
/// - `rate=R`: each call fails with probability R (0 to 1), decided by hashing the seed
///   and the call number, so runs repeat exactly;
/// - `seed=S`: the seed (default 0);
/// - `kinds=KIND+KIND+…`: the kinds `rate` picks from (default
///   `internal_error+service_unavailable+http503`).
///
/// KIND is one of `internal_error`, `service_unavailable`, `fatal_error`,
/// `request_timeout`, `fatal_error_after_apply`, `http500`, `http502`, `http503`,
/// `http301`, `http302`, `http307`, `http308`, `storm:N`, `delay:MS`, `drop`,
/// `drop_after_apply`, `truncate`, `huge:MB`, and `error:CODE` for any code Slack
/// documents for the family (`error:restricted_action`, `error:user_session_reset_failed`).
///
/// ```
/// use slack_sessions_emulator::{Fault, FaultPlan};
/// let plan: FaultPlan = "3=internal_error,7=drop".parse().unwrap();
/// assert_eq!(plan.fault_for(3), Some(Fault::SlackError("internal_error")));
/// assert_eq!(plan.fault_for(4), None);
/// let random: FaultPlan = "rate=0.1,seed=42".parse().unwrap();
/// let hits = (1..=10_000).filter(|n| random.fault_for(*n).is_some()).count();
/// assert!((800..1200).contains(&hits));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultPlan {
    schedule: BTreeMap<u64, Fault>,
    rate: f64,
    seed: u64,
    kinds: Vec<Fault>,
}

impl FaultPlan {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// Call `n` (1-based) gets `fault`.
    pub fn at(mut self, n: u64, fault: Fault) -> Self {
        self.schedule.insert(n, fault);
        self
    }

    /// Each call fails with probability `rate`, with a kind from `kinds`, seeded by `seed`.
    pub fn random(mut self, rate: f64, seed: u64, kinds: Vec<Fault>) -> Self {
        self.rate = rate.clamp(0.0, 1.0);
        self.seed = seed;
        self.kinds = kinds;
        self
    }

    /// True when no call will ever fail.
    pub fn is_empty(&self) -> bool {
        self.schedule.is_empty() && (self.rate <= 0.0 || self.kinds.is_empty())
    }

    /// The fault for call `n` (1-based), if any.
    pub fn fault_for(&self, n: u64) -> Option<Fault> {
        if let Some(f) = self.schedule.get(&n) {
            return Some(*f);
        }
        if self.rate <= 0.0 || self.kinds.is_empty() {
            return None;
        }
        let h = mix(self.seed ^ mix(n));
        let p = (h >> 11) as f64 / (1u64 << 53) as f64;
        (p < self.rate).then(|| self.kinds[(mix(h) % self.kinds.len() as u64) as usize])
    }
}

fn default_kinds() -> Vec<Fault> {
    vec![
        Fault::SlackError("internal_error"),
        Fault::SlackError("service_unavailable"),
        Fault::Http(503),
    ]
}

impl FromStr for FaultPlan {
    type Err = FaultSpecError;
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut plan = FaultPlan {
            kinds: default_kinds(),
            ..FaultPlan::default()
        };
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let bad = |why| FaultSpecError::Item(item.to_owned(), why);
            let (k, v) = item
                .split_once('=')
                .ok_or_else(|| bad("expected KEY=VALUE"))?;
            match k {
                "rate" => {
                    let r: f64 = v.parse().map_err(|_| bad("rate must be a number"))?;
                    if !(0.0..=1.0).contains(&r) {
                        return Err(bad("rate must be between 0 and 1"));
                    }
                    plan.rate = r;
                }
                "seed" => plan.seed = v.parse().map_err(|_| bad("seed must be a whole number"))?,
                "kinds" => {
                    plan.kinds = v.split('+').map(str::parse).collect::<Result<_, _>>()?;
                }
                n => {
                    let n: u64 = n
                        .parse()
                        .map_err(|_| bad("expected rate=, seed=, kinds= or N=KIND"))?;
                    if n == 0 {
                        return Err(bad("calls are counted from 1"));
                    }
                    plan.schedule.insert(n, v.parse()?);
                }
            }
        }
        Ok(plan)
    }
}

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_and_prints_it_back() {
        for k in [
            "internal_error",
            "service_unavailable",
            "fatal_error",
            "request_timeout",
            "fatal_error_after_apply",
            "http500",
            "http502",
            "http503",
            "storm:3",
            "delay:250",
            "drop",
            "drop_after_apply",
            "truncate",
            "huge:10",
        ] {
            let f: Fault = k.parse().unwrap();
            assert_eq!(f.to_string(), k);
        }
        assert!("nope".parse::<Fault>().is_err());
        assert!("delay:x".parse::<Fault>().is_err());
    }

    #[test]
    fn spec_errors_name_the_item() {
        let e = "3=internal_error,rate=2".parse::<FaultPlan>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "bad fault spec item \"rate=2\": rate must be between 0 and 1"
        );
        assert!("0=drop".parse::<FaultPlan>().is_err());
        assert!("x".parse::<FaultPlan>().is_err());
    }

    #[test]
    fn random_plans_repeat() {
        let a: FaultPlan = "rate=0.3,seed=9,kinds=drop+http502".parse().unwrap();
        let b = a.clone();
        let fa: Vec<_> = (1..500).map(|n| a.fault_for(n)).collect();
        let fb: Vec<_> = (1..500).map(|n| b.fault_for(n)).collect();
        assert_eq!(fa, fb);
        assert!(fa
            .iter()
            .flatten()
            .all(|f| matches!(f, Fault::Drop | Fault::Http(502))));
        assert!(FaultPlan::none().is_empty());
    }
}
