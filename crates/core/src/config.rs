//! [`ClientConfig`]: the settings every transport adapter's client builder shares, checked
//! in one place.

use std::time::Duration;

use crate::endpoint::{Encoding, Endpoint, TokenPlacement};
use crate::error::InvalidInput;
use crate::method::Tier;
use crate::pacer::Pacer;
use crate::retry::RetryPolicy;
use crate::token::Token;

/// The default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default time allowed for one HTTP request, from send to the end of the answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default largest answer body read.
pub const DEFAULT_MAX_BODY: usize = 4 << 20;
/// The longest timeout, and the longest single retry wait, a client accepts.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
/// The longest a call may spend waiting between its attempts in all.
pub const MAX_TOTAL_WAIT: Duration = Duration::from_secs(24 * 3600);
/// The fastest pacing rate a client accepts, in calls a minute (Slack's fastest tier is
/// 100+; this leaves room for emulators and tests).
pub const MAX_RATE_PER_MINUTE: u32 = 1_000_000;

/// What a client is built from. Adapters wrap it in their `ClientBuilder`, whose setters
/// ([`config_setters!`](crate::config_setters)) forward here.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The token.
    pub token: Token,
    /// The API base URL.
    pub base_url: String,
    /// Body encoding.
    pub encoding: Encoding,
    /// Where the token goes.
    pub token_placement: TokenPlacement,
    /// Allow plain http to non-loopback hosts.
    pub allow_insecure_http: bool,
    /// Time to open a connection.
    pub connect_timeout: Duration,
    /// Time for one HTTP request, from send to the end of the answer.
    pub timeout: Duration,
    /// Largest answer body read.
    pub max_body: usize,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// The pacer, or `None` for no client-side pacing.
    pub pacer: Option<Pacer>,
    /// Appended to the `User-Agent`.
    pub user_agent_suffix: Option<String>,
}

/// A checked [`ClientConfig`]: the endpoint is built and every number is in range.
#[derive(Debug, Clone)]
pub struct ValidConfig {
    /// The endpoint requests are encoded for.
    pub endpoint: Endpoint,
    /// Time to open a connection.
    pub connect_timeout: Duration,
    /// Time for one HTTP request.
    pub timeout: Duration,
    /// Largest answer body read.
    pub max_body: usize,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// The pacer (a disabled one when pacing is off, so 429s still hold callers back).
    pub pacer: Pacer,
}

impl ClientConfig {
    /// Defaults for `token`: Slack's API, form bodies, token in the header, connect 10 s,
    /// each request 30 s, bodies up to 4 MiB, default retries, pacing at tier rates.
    pub fn new(token: Token) -> Self {
        ClientConfig {
            token,
            base_url: crate::endpoint::DEFAULT_BASE_URL.to_owned(),
            encoding: Encoding::Form,
            token_placement: TokenPlacement::Header,
            allow_insecure_http: false,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_body: DEFAULT_MAX_BODY,
            retry: RetryPolicy::default(),
            pacer: Some(Pacer::new()),
            user_agent_suffix: None,
        }
    }

    /// Checks everything and builds the endpoint. Every duration is bounded, so that no
    /// setting can overflow a clock later: timeouts and retry waits up to
    /// [`MAX_TIMEOUT`], the total retry wait up to [`MAX_TOTAL_WAIT`], pacing rates up to
    /// [`MAX_RATE_PER_MINUTE`].
    pub fn validate(&self) -> Result<ValidConfig, InvalidInput> {
        let setting = |name: &'static str, reason: String| InvalidInput::Setting { name, reason };
        let within = |name: &'static str, d: Duration, max: Duration, zero_ok: bool| {
            if d.is_zero() && !zero_ok {
                Err(setting(name, "must be greater than zero".into()))
            } else if d > max {
                Err(setting(
                    name,
                    format!("{}s is over the limit of {}s", d.as_secs(), max.as_secs()),
                ))
            } else {
                Ok(d)
            }
        };
        within("connect_timeout", self.connect_timeout, MAX_TIMEOUT, false)?;
        within("timeout", self.timeout, MAX_TIMEOUT, false)?;
        within("retry.base_delay", self.retry.base_delay, MAX_TIMEOUT, true)?;
        within("retry.max_delay", self.retry.max_delay, MAX_TIMEOUT, true)?;
        within(
            "retry.max_total_wait",
            self.retry.max_total_wait,
            MAX_TOTAL_WAIT,
            true,
        )?;
        if let Some(p) = &self.pacer {
            for tier in [Tier::Tier1, Tier::Tier2, Tier::Tier3, Tier::Tier4] {
                let r = p.rate(tier);
                if r.per_minute == 0 || r.per_minute > MAX_RATE_PER_MINUTE {
                    return Err(setting(
                        "rate",
                        format!(
                            "{} calls a minute is not between 1 and {MAX_RATE_PER_MINUTE}",
                            r.per_minute
                        ),
                    ));
                }
                if r.burst == 0 || r.burst > r.per_minute {
                    return Err(setting(
                        "rate.burst",
                        format!(
                            "{} is not between 1 and the rate ({})",
                            r.burst, r.per_minute
                        ),
                    ));
                }
            }
        }
        if self.max_body < 1024 {
            return Err(InvalidInput::Setting {
                name: "max_body",
                reason: format!(
                    "{} bytes is too small for any answer; use at least 1024",
                    self.max_body
                ),
            });
        }
        if self.retry.base_delay.is_zero() && self.retry.max_retries > 0 {
            return Err(InvalidInput::Setting {
                name: "retry.base_delay",
                reason: "must be greater than zero when retrying".into(),
            });
        }
        let mut b = Endpoint::builder(self.token.clone())
            .base_url(self.base_url.clone())
            .encoding(self.encoding)
            .token_placement(self.token_placement)
            .allow_insecure_http(self.allow_insecure_http);
        if let Some(s) = &self.user_agent_suffix {
            b = b.user_agent_suffix(s.clone());
        }
        Ok(ValidConfig {
            endpoint: b.build()?,
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            max_body: self.max_body,
            retry: self.retry,
            pacer: self.pacer.clone().unwrap_or_else(Pacer::disabled),
        })
    }
}

/// Generates the chainable setters an adapter's `ClientBuilder` forwards to its
/// `config: ClientConfig` field, so both adapters offer the same names.
#[macro_export]
macro_rules! config_setters {
    () => {
        /// The API base URL (default `https://slack.com/api/`).
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.config.base_url = url.into();
            self
        }
        /// The body encoding (default form).
        pub fn encoding(mut self, e: $crate::Encoding) -> Self {
            self.config.encoding = e;
            self
        }
        /// Where the token goes (default the `Authorization` header).
        pub fn token_placement(mut self, p: $crate::TokenPlacement) -> Self {
            self.config.token_placement = p;
            self
        }
        /// Allows plain http to hosts that are not loopback.
        pub fn allow_insecure_http(mut self, allow: bool) -> Self {
            self.config.allow_insecure_http = allow;
            self
        }
        /// Time to open a connection (default 10 s).
        pub fn connect_timeout(mut self, d: std::time::Duration) -> Self {
            self.config.connect_timeout = d;
            self
        }
        /// Time for one HTTP request, from send to the end of the answer (default 30 s).
        pub fn timeout(mut self, d: std::time::Duration) -> Self {
            self.config.timeout = d;
            self
        }
        /// The largest answer body read (default 4 MiB); larger ones fail with
        /// `BodyTooLarge` and are not read past the cap.
        pub fn max_body(mut self, bytes: usize) -> Self {
            self.config.max_body = bytes;
            self
        }
        /// The retry policy.
        pub fn retry_policy(mut self, p: $crate::RetryPolicy) -> Self {
            self.config.retry = p;
            self
        }
        /// Retries after the first attempt (default 5).
        pub fn max_retries(mut self, n: u32) -> Self {
            self.config.retry.max_retries = n;
            self
        }
        /// Turns client-side pacing on (default, at tier rates) or off.
        pub fn pacing(mut self, on: bool) -> Self {
            self.config.pacer = if on { Some($crate::Pacer::new()) } else { None };
            self
        }
        /// Paces every tier at `rate` (turns pacing on).
        pub fn rate(mut self, rate: $crate::Rate) -> Self {
            let p = self.config.pacer.take().unwrap_or_default();
            self.config.pacer = Some(p.with_all_rates(rate));
            self
        }
        /// Paces one tier at `rate` (turns pacing on).
        pub fn tier_rate(mut self, tier: $crate::Tier, rate: $crate::Rate) -> Self {
            let p = self.config.pacer.take().unwrap_or_default();
            self.config.pacer = Some(p.with_rate(tier, rate));
            self
        }
        /// Text appended to the `User-Agent`, e.g. `my-tool/1.2`.
        pub fn user_agent_suffix(mut self, s: impl Into<String>) -> Self {
            self.config.user_agent_suffix = Some(s.into());
            self
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pacer::Rate;

    /// Issue 9, defect 4: `--timeout 9223372036854775807` panicked inside ureq.
    #[test]
    fn durations_and_rates_are_bounded() {
        let t = Token::new("xoxp-1").unwrap();
        let ok = ClientConfig::new(t);
        const HUGE: Duration = Duration::from_secs(9_223_372_036_854_775_807);
        type Edit = Box<dyn Fn(&mut ClientConfig)>;
        let cases: [(&str, Edit); 7] = [
            ("timeout", Box::new(|c| c.timeout = HUGE)),
            ("connect_timeout", Box::new(|c| c.connect_timeout = HUGE)),
            ("retry.max_delay", Box::new(|c| c.retry.max_delay = HUGE)),
            ("retry.base_delay", Box::new(|c| c.retry.base_delay = HUGE)),
            (
                "retry.max_total_wait",
                Box::new(|c| c.retry.max_total_wait = HUGE),
            ),
            (
                "rate",
                Box::new(|c| {
                    c.pacer = Some(Pacer::new().with_all_rates(Rate {
                        per_minute: u32::MAX,
                        burst: 1,
                    }))
                }),
            ),
            (
                "rate.burst",
                Box::new(|c| {
                    c.pacer = Some(Pacer::new().with_all_rates(Rate {
                        per_minute: 60,
                        burst: 0,
                    }))
                }),
            ),
        ];
        for (name, set) in cases {
            let mut c = ok.clone();
            set(&mut c);
            match c.validate() {
                Err(InvalidInput::Setting { name: n, reason }) => {
                    assert_eq!(n, name);
                    assert!(!reason.contains('\n'));
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        let mut c = ok.clone();
        c.timeout = MAX_TIMEOUT;
        c.retry.max_total_wait = MAX_TOTAL_WAIT;
        c.pacer = Some(Pacer::new().with_all_rates(Rate::new(MAX_RATE_PER_MINUTE, 1000)));
        assert!(c.validate().is_ok());
    }

    #[test]
    fn validation_names_the_setting() {
        let t = Token::new("xoxp-1").unwrap();
        let mut c = ClientConfig::new(t);
        assert!(c.validate().is_ok());
        c.timeout = Duration::ZERO;
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "invalid setting timeout: must be greater than zero"
        );
        c.timeout = DEFAULT_TIMEOUT;
        c.max_body = 10;
        assert!(c.validate().unwrap_err().to_string().contains("max_body"));
        c.max_body = DEFAULT_MAX_BODY;
        c.base_url = "http://example.com/api".into();
        assert!(matches!(c.validate(), Err(InvalidInput::BaseUrl { .. })));
        c.base_url = "http://127.0.0.1:1/api".into();
        assert!(c.validate().is_ok());
        c.pacer = None;
        assert!(!c.validate().unwrap().pacer.is_enabled());
    }
}
