//! The loops that drive `slack-sessions-core`'s sans-IO state machines, written once.
//!
//! The core decides everything (what to send, when to retry, how long to wait, how to
//! split a bulk run); the loops here carry its decisions out — one call, a listing page by
//! page, a bulk run on one thread, on N threads or with N requests in flight — generic over
//! one of two small traits:
//!
//! - [`BlockingTransport`]: send a request on this thread, wait until an instant, say the
//!   time; [`BlockingClient`] drives everything over it.
//! - [`AsyncTransport`]: send a request, sleep until an instant, say the time, as
//!   futures; [`AsyncClient`] drives everything over it, on any runtime.
//!
//! The adapter crates implement one trait each (`slack-sessions-ureq`, blocking, and
//! `slack-sessions-hyper`, async) and keep only their HTTP library, connector, TLS and
//! proxy. A transport of your own — an in-memory one for a test in virtual time, another
//! HTTP library — gets every method.
//!
//! ```
//! use std::sync::Mutex;
//! use std::time::Instant;
//! use slack_sessions_core::{ClientConfig, SessionDuration, SetSettings, Token, TransportFailure, UserIds};
//! use slack_sessions_driver::{BlockingClient, BlockingTransport};
//!
//! /// Answers every request `{"ok":true}` and keeps the bodies it was sent.
//! #[derive(Default)]
//! struct InMemory(Mutex<Vec<Vec<u8>>>);
//!
//! impl BlockingTransport for InMemory {
//!     fn send(&self, req: http::Request<Vec<u8>>, _: Instant) -> Result<http::Response<Vec<u8>>, TransportFailure> {
//!         self.0.lock().unwrap().push(req.into_body());
//!         Ok(http::Response::new(br#"{"ok":true}"#.to_vec()))
//!     }
//! }
//!
//! let config = ClientConfig::new(Token::new("xoxp-1")?).validate()?;
//! let client = BlockingClient::new(InMemory::default(), config);
//! let users = UserIds::parse(["U012AB3CD"])?;
//! client.set_settings(&SetSettings::new(users).duration("12h".parse::<SessionDuration>()?))?;
//! assert_eq!(client.transport().0.lock().unwrap()[0], b"user_ids=U012AB3CD&duration=43200");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Beyond the calls: `list_users` and `list_sessions` follow a listing page by page,
//! `resolve` carries out a [`Resolver`](slack_sessions_core::sansio::Resolver)'s plan
//! (people named as admins hold them), and `plan_policy` plans a session
//! [`Policy`](slack_sessions_core::policy::Policy).
//!
//! In scope: the loops, and every method's wrapper on both clients (one list, in
//! `methods.rs`). Out of scope: sockets, TLS, timers, threads pools of a runtime — a
//! transport's business.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod blocking;
mod methods;
pub mod nonblocking;
mod outcome;
mod transport;

pub use blocking::{BlockingClient, BulkResult};
pub use nonblocking::AsyncClient;
pub use transport::{park_until, AsyncTransport, BlockingTransport};
