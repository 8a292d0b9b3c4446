//! One harness over both transports, so that every scenario runs on each.
#![allow(dead_code)]

use std::time::Duration;

use slack_sessions::blocking as bl;
use slack_sessions::nonblocking as hy;
use slack_sessions::sansio::ClientConfig;
use slack_sessions::{Encoding, RetryPolicy, Token, TokenPlacement};
use slack_sessions_emulator::Emulator;

/// Which client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    Blocking,
    Async,
}

pub(crate) const BOTH: [Transport; 2] = [Transport::Blocking, Transport::Async];

/// Client settings a scenario may change.
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    pub(crate) token: String,
    pub(crate) encoding: Encoding,
    pub(crate) placement: TokenPlacement,
    pub(crate) timeout: Duration,
    pub(crate) max_retries: u32,
    pub(crate) pacing: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            token: slack_sessions_emulator::ADMIN_TOKEN.into(),
            encoding: Encoding::Form,
            placement: TokenPlacement::Header,
            timeout: Duration::from_secs(10),
            max_retries: 5,
            pacing: false,
        }
    }
}

/// Fast retries so tests never wait on backoff.
pub(crate) fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(max_retries)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
}

pub(crate) fn emulator() -> Emulator {
    Emulator::builder()
        .rate_limit(None)
        .start()
        .expect("emulator")
}

/// The same settings on either client's builder: both are a `ClientConfig`.
fn configured<A>(b: ClientConfig<A>, emu: &Emulator, s: &Setup) -> ClientConfig<A> {
    b.base_url(emu.base_url())
        .encoding(s.encoding)
        .token_placement(s.placement)
        .timeout(s.timeout)
        .retry_policy(fast_retries(s.max_retries))
        .pacing(s.pacing)
}

pub(crate) fn blocking(emu: &Emulator, s: &Setup) -> bl::Client {
    let b = bl::Client::builder(Token::new(&s.token).expect("token"));
    configured(b, emu, s).build().expect("blocking client")
}

pub(crate) fn asynchronous(emu: &Emulator, s: &Setup) -> hy::DefaultClient {
    let b = hy::Client::builder(Token::new(&s.token).expect("token"));
    configured(b, emu, s).build().expect("async client")
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}
pub(crate) mod pki;
pub(crate) mod soak;
