//! Host names resolved on the calling thread, and remembered for a while.
//!
//! ureq resolves the host of every request before it looks in its pool, so a client
//! calling `slack.com` would ask the system resolver once a call, even on a kept-alive
//! connection. [`CachingResolver`] keeps the last answer for [`TTL`] instead, and
//! forgets it as soon as a connect fails, so that a moved host is looked up again at
//! the next try. The async client (hyper) resolves only to open a connection.
//!
//! Assumption: Slack's API addresses (a CDN) stay valid far longer than 30 s, and a
//! kept-alive connection goes on using an old address for as long as it lives anyway.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use crate::scope;

/// The system resolver could not resolve the host (its io error).
#[derive(Debug)]
pub(crate) struct DnsFailure(pub(crate) std::io::Error);

impl std::fmt::Display for DnsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for DnsFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// How long an answer is used before the host is looked up again.
pub(crate) const TTL: Duration = Duration::from_secs(30);

/// The last answer: for which scheme and authority, and until when.
#[derive(Debug)]
struct Entry {
    scheme: String,
    authority: String,
    addrs: ResolvedSocketAddrs,
    until: Instant,
}

/// The resolver's memory, shared with the connector, which clears it when a connect
/// fails.
#[derive(Debug, Default)]
pub(crate) struct DnsCache(Mutex<Option<Entry>>);

impl DnsCache {
    /// Forgets the last answer.
    pub(crate) fn forget(&self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// True when no answer is kept.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }

    fn get(&self, scheme: &str, authority: &str, now: Instant) -> Option<ResolvedSocketAddrs> {
        let entry = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match &*entry {
            Some(e) if now < e.until && e.authority == authority && e.scheme == scheme => {
                Some(e.addrs.clone())
            }
            _ => None,
        }
    }

    fn put(&self, scheme: &str, authority: &str, addrs: &ResolvedSocketAddrs, now: Instant) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(Entry {
            scheme: scheme.to_owned(),
            authority: authority.to_owned(),
            addrs: addrs.clone(),
            until: now + TTL,
        });
    }
}

/// ureq's own resolver, run on the calling thread (with a finite timeout, ureq's would
/// start a thread per request to be able to give up on a slow lookup), behind a
/// [`DnsCache`].
#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    inner: DefaultResolver,
    pub(crate) cache: Arc<DnsCache>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            // Not a full URL: ureq's resolver says why.
            return self.lookup(uri, config);
        };
        let now = scope::started().unwrap_or_else(Instant::now);
        if let Some(addrs) = self.cache.get(scheme, authority.as_str(), now) {
            return Ok(addrs);
        }
        let addrs = self.lookup(uri, config)?;
        self.cache.put(scheme, authority.as_str(), &addrs, now);
        Ok(addrs)
    }
}

impl CachingResolver {
    fn lookup(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        // No deadline: ureq then resolves synchronously.
        self.inner
            .resolve(uri, config, NextTimeout::default())
            .map_err(|e| match e {
                ureq::Error::Io(io) => ureq::Error::Other(Box::new(DnsFailure(io))),
                other => other,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(port: u16) -> ResolvedSocketAddrs {
        let r = CachingResolver::default();
        let uri: http::Uri = format!("http://127.0.0.1:{port}/").parse().unwrap();
        r.lookup(&uri, &ureq::config::Config::default()).unwrap()
    }

    #[test]
    fn an_answer_is_kept_for_its_host_until_it_expires_or_is_forgotten() {
        let cache = DnsCache::default();
        let t0 = Instant::now();
        let a = addrs(80);
        cache.put("http", "example.test", &a, t0);
        assert_eq!(
            cache.get("http", "example.test", t0).as_deref(),
            Some(&a[..])
        );
        assert!(cache.get("https", "example.test", t0).is_none(), "scheme");
        assert!(
            cache.get("http", "example.test:81", t0).is_none(),
            "authority"
        );
        assert!(
            cache.get("http", "example.test", t0 + TTL).is_none(),
            "expired"
        );
        cache.forget();
        assert!(cache.get("http", "example.test", t0).is_none(), "forgotten");
    }

    #[test]
    fn the_resolver_answers_from_the_cache() {
        let r = CachingResolver::default();
        let config = ureq::config::Config::default();
        let uri: http::Uri = "http://127.0.0.1:8080/api/".parse().unwrap();
        assert_eq!(
            r.resolve(&uri, &config, NextTimeout::default()).unwrap()[0].port(),
            8080
        );
        // Another answer in the cache (no lookup could give it) is the one used.
        r.cache
            .put("http", "127.0.0.1:8080", &addrs(9999), Instant::now());
        let got = r.resolve(&uri, &config, NextTimeout::default()).unwrap();
        assert_eq!(got[0].port(), 9999);
        r.cache.forget();
        assert_eq!(
            r.resolve(&uri, &config, NextTimeout::default()).unwrap()[0].port(),
            8080
        );
    }
}
