//! A Slack-compatible `admin.users.session.*` server on loopback, with faults on demand.
//!
//! It plays Slack's side of the `admin.users.session.*` methods, and of the three that
//! name people (`admin.users.list`, `users.lookupByEmail`, `usergroups.users.list`, over
//! a deterministic directory: [`people`]), over real HTTP/1.1, so clients, tests,
//! benches and demos run with no Slack account. It reads
//! requests with its own code — never the client's — so a bug in one cannot hide behind
//! the same bug in the other. It never listens on anything but 127.0.0.1.
//!
//! ```
//! use slack_sessions_emulator::{Emulator, ADMIN_TOKEN};
//!
//! let emu = Emulator::builder().start()?;
//! let url = format!("{}admin.users.session.setSettings", emu.base_url());
//! let mut resp = ureq::post(&url)
//!     .header("Authorization", &format!("Bearer {ADMIN_TOKEN}"))
//!     .send_form([("user_ids", "U00000001,W00000002"), ("duration", "28800")])?;
//! assert_eq!(resp.body_mut().read_to_string()?, r#"{"ok":true}"#);
//! assert_eq!(emu.settings("U00000001").and_then(|s| s.duration), Some(28_800));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Fixed tokens ([`TOKENS`]) and user ranges ([`user_kind`]) are documented in the crate
//! README; faults are described by [`FaultPlan`].
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod canned;
pub mod codes;
mod directory;
mod faults;
#[doc(hidden)]
pub mod fuzzing;
mod log;
mod people;
pub mod proxy;
mod ratelimit;
mod server;
mod sessions;
mod slack;
mod tls;
mod wire;

use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

pub use directory::{
    user_kind, user_kind_in, UserKind, ADMIN_TOKEN, BOT_TOKEN, DEFAULT_USERS, FREE_TOKEN,
    MAX_USERS_IN_DIRECTORY, MEMBER_TOKEN, ORG_TOKEN, READONLY_TOKEN, REVOKED_TOKEN,
    SECOND_WORKSPACE, TOKENS,
};
pub use faults::{Fault, FaultPlan, FaultSpecError};
pub use log::{
    LogEntry, TokenSource, MAX_LOGGED_ARG, MAX_LOGGED_HEADER, MAX_LOGGED_HEADERS, MAX_LOG_BYTES,
};
pub use people::{people, person, usergroup_members, Person, EMAIL_DOMAIN, USERGROUPS, WORKSPACE};
pub use server::{MAX_HEAD, MAX_REQUEST_BODY};
pub use sessions::{PRIMARY_OWNER, RESET_NOT_ALLOWED, TEAM};
pub use slack::{Settings, MAX_DURATION, MAX_USERS, MIN_DURATION};
pub use tls::{TlsIdentity, TlsIdentityError};

/// Slack's Tier 4 limit, the emulator's default: calls a minute per token and method.
pub const DEFAULT_RATE_LIMIT: u32 = 100;

/// Configures and starts an [`Emulator`].
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    port: u16,
    rate_limit: Option<u32>,
    faults: FaultPlan,
    log_capacity: usize,
    workers: usize,
    storm_retry_after: u64,
    users: u32,
    tls: Option<TlsIdentity>,
    sticky: std::collections::HashSet<String>,
    enterprise: bool,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        EmulatorBuilder {
            port: 0,
            rate_limit: Some(DEFAULT_RATE_LIMIT),
            faults: FaultPlan::none(),
            log_capacity: 10_000,
            workers: 2,
            storm_retry_after: 1,
            users: DEFAULT_USERS,
            tls: None,
            sticky: std::collections::HashSet::new(),
            enterprise: false,
        }
    }
}

impl EmulatorBuilder {
    /// The port on 127.0.0.1; 0 (the default) lets the OS choose.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Calls a minute per (token, method); `None` or 0 turns limiting off. Default 100.
    pub fn rate_limit(mut self, per_minute: Option<u32>) -> Self {
        self.rate_limit = per_minute;
        self
    }

    /// The faults to inject (none by default).
    pub fn faults(mut self, plan: FaultPlan) -> Self {
        self.faults = plan;
        self
    }

    /// How many log entries to keep (the newest); 0 keeps only counters. Default 10,000.
    pub fn log_capacity(mut self, n: usize) -> Self {
        self.log_capacity = n;
        self
    }

    /// The `Retry-After` of the 429s a `storm:N` fault sends, in seconds (default 1;
    /// 0 lets soak tests run storms without waiting).
    pub fn storm_retry_after(mut self, secs: u64) -> Self {
        self.storm_retry_after = secs;
        self
    }

    /// How many ordinary `U` users exist: `U00000000` up to `U{n-1}` (default 100,000,
    /// at most 90,000,000). Memory grows with the users that have settings, not with
    /// this.
    pub fn users(mut self, n: u32) -> Self {
        self.users = n.min(MAX_USERS_IN_DIRECTORY);
        self
    }

    /// A fault: resets of `user` are accepted (`reset` and `resetBulk` answer `ok`) but
    /// end none of their sessions, as when Slack's job fails after it was enqueued.
    /// Shows what `sessions reset --verify` reports.
    pub fn sessions_survive_reset(mut self, user: impl Into<String>) -> Self {
        self.sticky.insert(user.into());
        self
    }

    /// Runtime worker threads (default 2).
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = n.max(1);
        self
    }

    /// The org-level mode: an Enterprise organisation (`E00000001`) of two workspaces
    /// ([`WORKSPACE`] and [`SECOND_WORKSPACE`]), reached with the org-level token
    /// [`ORG_TOKEN`], which `auth.test` answers as an org-level install, which
    /// `users.lookupByEmail` refuses (`enterprise_is_restricted`), and from which
    /// `usergroups.users.list` wants a `team_id`.
    pub fn enterprise(mut self, on: bool) -> Self {
        self.enterprise = on;
        self
    }

    /// Serves https with `identity` instead of plain http; [`Emulator::base_url`] then
    /// starts with `https://127.0.0.1`. Make the certificate valid for `127.0.0.1` (and
    /// `localhost`, for [`Emulator::base_url_for`]).
    pub fn tls(mut self, identity: TlsIdentity) -> Self {
        self.tls = Some(identity);
        self
    }

    /// Binds 127.0.0.1 and starts serving on the emulator's own runtime threads.
    pub fn start(self) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(server::Shared {
            store: slack::Store::default(),
            limiter: ratelimit::RateLimiter::new(self.rate_limit),
            log: log::Log::new(self.log_capacity),
            faults: Mutex::new(self.faults),
            calls: AtomicU64::new(0),
            storm_left: AtomicU64::new(0),
            storm_retry_after: self.storm_retry_after,
            users: self.users,
            tls_failures: AtomicU64::new(0),
            ended: sessions::Ended::new(self.sticky),
            in_flight: AtomicU64::new(0),
            max_in_flight: AtomicU64::new(0),
            arrivals: Default::default(),
            enterprise: self.enterprise,
        });
        let tls = self.tls;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(self.workers)
            .thread_name("slack-emulator")
            .enable_all()
            .build()?;
        let (tx, rx) = oneshot::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let sh = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("slack-emulator-main".into())
            .spawn(move || {
                let result = runtime.block_on(async move {
                    let fut = server::accept_loop(listener, sh, rx, tls);
                    let _ = ready_tx.send(());
                    fut.await
                });
                runtime.shutdown_timeout(std::time::Duration::from_millis(200));
                result
            })?;
        let _ = ready_rx.recv();
        Ok(Emulator {
            addr,
            scheme,
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }
}

/// A running emulator. It stops when dropped.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    scheme: &'static str,
    shared: Arc<server::Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Emulator {
    /// Starts configuring an emulator.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The API base URL, e.g. `http://127.0.0.1:8787/api/`.
    pub fn base_url(&self) -> String {
        format!("{}://{}/api/", self.scheme, self.addr)
    }

    /// The base URL with `host` in place of `127.0.0.1` (e.g. `localhost`, or a name a
    /// test's certificate does not cover); the port is the same.
    pub fn base_url_for(&self, host: &str) -> String {
        format!("{}://{host}:{}/api/", self.scheme, self.addr.port())
    }

    /// The IDs of the active sessions `list` would return, in its order: every user's
    /// (`None`) or one user's. Ended sessions are left out.
    pub fn active_sessions(&self, user: Option<&str>) -> Vec<u64> {
        sessions::all_active(&self.shared.ended, self.shared.users, user)
    }

    /// Sessions ended so far by reset, resetBulk and invalidate.
    pub fn ended_sessions(&self) -> usize {
        self.shared.ended.count()
    }

    /// TLS handshakes that failed so far (a client that does not trust the certificate,
    /// or plain http spoken to the https port).
    pub fn tls_failures(&self) -> u64 {
        self.shared.tls_failures.load(Ordering::Relaxed)
    }

    /// The socket address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The token that can do everything.
    pub fn admin_token(&self) -> &'static str {
        ADMIN_TOKEN
    }

    /// Every fixed token and what it stands for.
    pub fn tokens(&self) -> &'static [(&'static str, &'static str)] {
        TOKENS
    }

    /// The newest log entries, oldest first.
    pub fn log(&self) -> Vec<LogEntry> {
        self.shared.log.entries()
    }

    /// How many requests ended with `outcome` (`ok`, a Slack code, `fault:…`, `storm`,
    /// `ratelimited`), or `requests` for all of them.
    pub fn count(&self, outcome: &str) -> u64 {
        self.shared.log.count(outcome)
    }

    /// Calls to known methods received since the fault plan was last set, counted on
    /// arrival (before any delay).
    pub fn calls(&self) -> u64 {
        self.shared.calls.load(Ordering::Relaxed)
    }

    /// Waits until [`calls`](Self::calls) reaches `n`, woken by each arrival (no
    /// polling), for at most `within`; whether it did.
    pub fn wait_for_calls(&self, n: u64, within: std::time::Duration) -> bool {
        let (lock, arrived) = &self.shared.arrivals;
        let held = lock.lock().unwrap_or_else(|p| p.into_inner());
        let (_held, waited) = arrived
            .wait_timeout_while(held, within, |_| self.calls() < n)
            .unwrap_or_else(|p| p.into_inner());
        !waited.timed_out()
    }

    /// The most calls to known methods it was handling at once, so far: more than one
    /// only for a client with requests in flight together (the async client, or a
    /// bulk run on several threads).
    pub fn max_in_flight(&self) -> u64 {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// Every counter.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.shared.log.counts()
    }

    /// Forgets the log and counters.
    pub fn clear_log(&self) {
        self.shared.log.clear()
    }

    /// One user's settings, if any.
    pub fn settings(&self, user: &str) -> Option<Settings> {
        self.shared.store.get(user)
    }

    /// Every user's settings.
    pub fn state(&self) -> HashMap<String, Settings> {
        self.shared.store.snapshot()
    }

    /// Forgets every user's settings.
    pub fn clear_state(&self) {
        self.shared.store.clear_all()
    }

    /// Replaces the fault plan; calls are counted from 1 again.
    pub fn set_faults(&self, plan: FaultPlan) {
        let mut f = self.shared.faults.lock().unwrap_or_else(|p| p.into_inner());
        *f = plan;
        self.shared.calls.store(0, Ordering::Relaxed);
        self.shared.storm_left.store(0, Ordering::Relaxed);
    }

    /// A text block with the base URL and tokens, as the program prints it.
    pub fn banner(&self) -> String {
        let mut s = format!(
            "slack-sessions emulator listening\nbase url: {}\ntokens:\n",
            self.base_url()
        );
        for (t, what) in TOKENS {
            s.push_str(&format!("  {t:<24} {what}\n"));
        }
        s.push_str(&format!(
            "users: U00000000-U{:08} and W00000000-W00009999 exist; U90000000-U90000099 are bots\n",
            self.shared.users.saturating_sub(1)
        ));
        s.push_str(
            "directory: u00000042@example.com is U00000042's email; guests, admins, owners, deactivated users and user groups S00000001-S00000004 as the emulator's README says\n",
        );
        s
    }

    /// Blocks until Ctrl-C, then stops.
    pub fn serve_until_ctrl_c(self) -> std::io::Result<()> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(tokio::signal::ctrl_c())?;
        drop(self);
        Ok(())
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
