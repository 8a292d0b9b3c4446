//! [`ClientConfig`]: the settings both clients share, with chainable setters, checked in
//! one place; each adapter's `ClientBuilder` is a `ClientConfig` marked with its
//! [`Adapter`], whose `build` it runs.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::endpoint::{Encoding, Endpoint, TokenPlacement};
use crate::error::Error;
use crate::error::InvalidInput;
use crate::method::Tier;
use crate::network::{PemRoots, ProxyUrl, Roots};
use crate::pacer::{Pacer, Rate, SharedPacer};
use crate::retry::{splitmix64, RetryPolicy};
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

/// Builds a client from checked settings: implemented by each transport adapter for its
/// marker type, so that `ClientConfig<Adapter>` is that adapter's builder.
pub trait Adapter {
    /// The client built.
    type Client;
    /// Builds the client.
    fn build(config: ValidConfig) -> Result<Self::Client, Error>;
}

/// The settings of a client, with chainable setters; `A` is the transport adapter that
/// [`build`](ClientConfig::build) hands them to (each adapter names it `ClientBuilder`).
///
/// ```
/// use std::time::Duration;
/// use slack_sessions_core::sansio::ClientConfig;
/// use slack_sessions_core::{Encoding, Token};
///
/// let config: ClientConfig = ClientConfig::new(Token::new("xoxp-1")?)
///     .base_url("http://127.0.0.1:8787/api/")
///     .encoding(Encoding::Json)
///     .timeout(Duration::from_secs(5))
///     .max_retries(2);
/// let valid = config.validate()?;
/// assert_eq!(valid.timeout, Duration::from_secs(5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
#[must_use = "a configuration does nothing until it is built"]
pub struct ClientConfig<A = ()> {
    token: Token,
    base_url: String,
    encoding: Encoding,
    token_placement: TokenPlacement,
    allow_insecure_http: bool,
    connect_timeout: Duration,
    timeout: Duration,
    max_body: usize,
    retry: RetryPolicy,
    pacer: Option<Pacer>,
    user_agent_suffix: Option<String>,
    proxy_from_env: bool,
    proxy: Option<Result<ProxyUrl, InvalidInput>>,
    no_proxy: Option<String>,
    roots: Roots,
    extra_roots: Result<PemRoots, InvalidInput>,
    on_request: RequestLog,
    adapter: PhantomData<fn() -> A>,
}

/// Who hears each request a client handles, outside its bulk runs (which take their
/// own [`BulkRun::on_request`](crate::BulkRun::on_request), and this one when they have
/// none): single calls, each page of a listing, a resolution, a plan's reads.
#[derive(Clone, Default)]
pub struct RequestLog(Option<crate::bulk::events::RequestObserver>);

impl RequestLog {
    /// The observer, if one is set.
    pub fn observer(&self) -> Option<&crate::bulk::events::RequestObserver> {
        self.0.as_ref()
    }

    /// Tells the observer, if any, of `event`.
    pub fn hear(&self, event: &crate::bulk::events::RequestEvent) {
        if let Some(f) = &self.0 {
            f(event);
        }
    }
}

impl std::fmt::Debug for RequestLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "RequestLog(on)"
        } else {
            "RequestLog(off)"
        })
    }
}

/// A checked [`ClientConfig`]: the endpoint is built and every number is in range.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ValidConfig {
    /// The endpoint requests are encoded for.
    pub endpoint: Endpoint,
    /// Time to open a connection.
    pub connect_timeout: Duration,
    /// Time for one HTTP call, from connect to the last byte of the answer.
    pub timeout: Duration,
    /// Largest answer body read.
    pub max_body: usize,
    /// Retry policy; each call draws its jitter seed from
    /// [`next_policy`](ValidConfig::next_policy).
    pub retry: RetryPolicy,
    /// The pacer every call of the client shares (a disabled one when pacing is off,
    /// so that 429s still hold callers back).
    pub pacer: SharedPacer,
    /// Use the proxy the environment names, when [`proxy`](Self::proxy) is `None`.
    pub proxy_from_env: bool,
    /// The proxy set explicitly.
    pub proxy: Option<ProxyUrl>,
    /// Hosts that bypass the proxy, as `NO_PROXY` spells them; set explicitly.
    pub no_proxy: Option<String>,
    /// The certificate authorities trusted before `extra_roots`.
    pub roots: Roots,
    /// More trusted roots, added to `roots`.
    pub extra_roots: PemRoots,
    /// Who hears each request the client handles, for a verbose log.
    pub on_request: RequestLog,
    /// Calls made so far, mixed into each call's jitter seed.
    calls: Arc<AtomicU64>,
}

impl ValidConfig {
    /// The server's `host:port` as the base URL names it, for messages about reaching it.
    pub fn target(&self) -> String {
        let url = self.endpoint.base_url();
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        rest.split('/').next().unwrap_or(rest).to_owned()
    }

    /// The proxy this client's requests tunnel through, or `None` to go direct: the
    /// explicit [`proxy`](ClientConfig::proxy) with [`no_proxy`](ClientConfig::no_proxy);
    /// else, with `proxy_from_env`, what the environment names, read through `var` (see
    /// [`proxy_from_env_with`](crate::network::proxy_from_env_with)), where an explicit
    /// `no_proxy` wins over `NO_PROXY`.
    ///
    /// A client talks to one host, its base URL's, so the route is decided here, once,
    /// by the one [`NoProxy`](crate::NoProxy) rule both transports share.
    pub fn proxy_route(
        &self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<ProxyUrl>, InvalidInput> {
        let route = if let Some(p) = &self.proxy {
            Some((p.clone(), self.no_proxy.clone()))
        } else if self.proxy_from_env {
            crate::network::proxy_from_env_with(var)?
                .map(|(p, env_no)| (p, self.no_proxy.clone().or(env_no)))
        } else {
            None
        };
        let host = self.host();
        Ok(route
            .filter(|(_, no)| {
                !no.as_deref()
                    .is_some_and(|n| crate::network::NoProxy::parse(n).matches(&host))
            })
            .map(|(p, _)| p))
    }

    /// The base URL's host (an IPv6 address in brackets, as in the URL).
    pub fn host(&self) -> String {
        self.endpoint
            .base_url()
            .parse::<http::Uri>()
            .ok()
            .and_then(|u| u.host().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The retry policy for the next call (or bulk run): the client's, with a seed of its
    /// own, so that calls that fail together do not back off in lockstep.
    pub fn next_policy(&self) -> RetryPolicy {
        let n = self.calls.fetch_add(1, Ordering::Relaxed);
        self.retry.with_seed(self.retry.seed ^ splitmix64(n))
    }
}

impl ClientConfig {
    /// Defaults for `token`, with no adapter: see [`ClientConfig::for_adapter`].
    pub fn new(token: Token) -> Self {
        Self::for_adapter(token)
    }
}

impl<A> ClientConfig<A> {
    /// Defaults for `token`: Slack's API, form bodies, token in the header, connect 10 s,
    /// each call 30 s, bodies up to 4 MiB, default retries with a random jitter seed,
    /// pacing at tier rates, no proxy, Mozilla's roots.
    pub fn for_adapter(token: Token) -> Self {
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
            proxy_from_env: false,
            proxy: None,
            no_proxy: None,
            roots: Roots::WebPki,
            extra_roots: Ok(PemRoots::default()),
            on_request: RequestLog::default(),
            adapter: PhantomData,
        }
    }

    /// The API base URL (default `https://slack.com/api/`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The body encoding (default form).
    pub fn encoding(mut self, e: Encoding) -> Self {
        self.encoding = e;
        self
    }

    /// Where the token goes (default the `Authorization` header).
    pub fn token_placement(mut self, p: TokenPlacement) -> Self {
        self.token_placement = p;
        self
    }

    /// Allows plain http to hosts that are not loopback.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Time to open a connection (default 10 s, at most [`MAX_TIMEOUT`]).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Time for one HTTP call, from connect to the last byte of the answer, on both
    /// transports (default 30 s, at most [`MAX_TIMEOUT`]).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// The largest answer body read (default 4 MiB); larger ones fail with
    /// `BodyTooLarge` and are not read past the cap.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The retry policy.
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.retry = p;
        self
    }

    /// Retries after the first attempt (default 5).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.retry.max_retries = n;
        self
    }

    /// A fixed jitter seed, for runs that must repeat exactly (tests); by default each
    /// client draws one at random.
    pub fn seed(mut self, seed: u64) -> Self {
        self.retry.seed = seed;
        self
    }

    /// Turns client-side pacing on (default, at tier rates) or off.
    pub fn pacing(mut self, on: bool) -> Self {
        self.pacer = if on { Some(Pacer::new()) } else { None };
        self
    }

    /// Tells `observer` of every request the client handles: each single call, each
    /// page of a listing, and each request of a bulk run that has no observer of its own
    /// (a verbose log, a metrics counter). Off by default: events cost an allocation
    /// each.
    pub fn on_request(mut self, observer: crate::bulk::events::RequestObserver) -> Self {
        self.on_request = RequestLog(Some(observer));
        self
    }

    /// Paces every tier at `rate` (turns pacing on).
    pub fn rate(mut self, rate: Rate) -> Self {
        let p = self.pacer.take().unwrap_or_default();
        self.pacer = Some(p.with_all_rates(rate));
        self
    }

    /// Paces one tier at `rate` (turns pacing on).
    pub fn tier_rate(mut self, tier: Tier, rate: Rate) -> Self {
        let p = self.pacer.take().unwrap_or_default();
        self.pacer = Some(p.with_rate(tier, rate));
        self
    }

    /// Text appended to the `User-Agent`, e.g. `my-tool/1.2`.
    pub fn user_agent_suffix(mut self, s: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(s.into());
        self
    }

    /// Uses the proxy the environment names when no [`proxy`](Self::proxy) is set (off
    /// by default; the CLI turns it on): the first of `HTTPS_PROXY`, `https_proxy`,
    /// `ALL_PROXY`, `all_proxy`, bypassed for the hosts in `NO_PROXY` / `no_proxy`.
    pub fn proxy_from_env(mut self, on: bool) -> Self {
        self.proxy_from_env = on;
        self
    }

    /// Tunnels every request through the `http://` proxy at `url` with `CONNECT`; user
    /// and password in the URL go in `Proxy-Authorization` and are never printed. A bad
    /// URL fails `build` with [`InvalidInput::Proxy`].
    pub fn proxy(mut self, url: impl AsRef<str>) -> Self {
        self.proxy = Some(ProxyUrl::parse(url.as_ref()));
        self
    }

    /// Hosts that go direct, bypassing the proxy, as `NO_PROXY` spells them
    /// (`localhost,.corp.example,10.0.0.1`); overrides `NO_PROXY`.
    pub fn no_proxy(mut self, hosts: impl Into<String>) -> Self {
        self.no_proxy = Some(hosts.into());
        self
    }

    /// The certificate authorities trusted for https (default [`Roots::WebPki`]).
    pub fn roots(mut self, roots: Roots) -> Self {
        self.roots = roots;
        self
    }

    /// Also trusts the certificates in `pem` (one or more `CERTIFICATE` blocks), on top
    /// of [`roots`](Self::roots): a corporate CA, or the proxy that inspects TLS. Text
    /// with no certificate fails `build` with a setting error named `root_pem`.
    pub fn add_root_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        if let Ok(roots) = &mut self.extra_roots {
            if let Err(e) = roots.push(pem.into()) {
                self.extra_roots = Err(e);
            }
        }
        self
    }

    /// The same settings for another adapter (e.g. one configuration for both clients).
    pub fn with_adapter<B>(self) -> ClientConfig<B> {
        ClientConfig {
            token: self.token,
            base_url: self.base_url,
            encoding: self.encoding,
            token_placement: self.token_placement,
            allow_insecure_http: self.allow_insecure_http,
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            max_body: self.max_body,
            retry: self.retry,
            pacer: self.pacer,
            user_agent_suffix: self.user_agent_suffix,
            proxy_from_env: self.proxy_from_env,
            proxy: self.proxy,
            no_proxy: self.no_proxy,
            roots: self.roots,
            extra_roots: self.extra_roots,
            on_request: self.on_request,
            adapter: PhantomData,
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
            pacer: SharedPacer::new(self.pacer.clone().unwrap_or_else(Pacer::disabled)),
            proxy_from_env: self.proxy_from_env,
            proxy: self.proxy.clone().transpose()?,
            no_proxy: self.no_proxy.clone(),
            roots: self.roots,
            extra_roots: self.extra_roots.clone()?,
            on_request: self.on_request.clone(),
            calls: Arc::new(AtomicU64::new(0)),
        })
    }
}

impl<A: Adapter> ClientConfig<A> {
    /// Checks every setting and builds the client.
    pub fn build(self) -> Result<A::Client, Error> {
        A::build(self.validate()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pacer::Rate;

    /// A huge timeout is refused here, never handed to a transport that would panic on it.
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

    /// Every client and every call backs off on its own schedule.
    #[test]
    fn each_client_and_each_call_has_its_own_jitter() {
        let t = Token::new("xoxp-1").unwrap();
        let a = ClientConfig::new(t.clone()).validate().unwrap();
        let b = ClientConfig::new(t.clone()).validate().unwrap();
        assert_ne!(a.retry.seed, b.retry.seed);
        let (first, second) = (a.next_policy(), a.next_policy());
        assert_ne!(first.seed, second.seed);
        assert_ne!(first.backoff(2), second.backoff(2));
        // A fixed seed repeats exactly.
        let fixed = || ClientConfig::new(t.clone()).seed(7).validate().unwrap();
        let (x, y) = (fixed(), fixed());
        assert_eq!(x.next_policy(), y.next_policy());
        assert_eq!(x.next_policy(), y.next_policy());
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
