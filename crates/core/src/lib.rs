//! The sans-IO core of `slack-sessions`: Slack's `admin.users.session.*` calls as
//! `http::Request` values, answers as typed results, and the decisions in between.
//!
//! This crate never opens a socket, never reads a clock and never sleeps: time comes in
//! as an argument, requests go out as values, and a transport adapter (blocking `ureq`,
//! async `hyper`, or your own) moves the bytes.
//!
//! ```
//! use std::time::Instant;
//! use slack_sessions_core::{
//!     Action, Call, Endpoint, RetryPolicy, SessionDuration, SetSettings, Token, UserIds,
//! };
//!
//! let endpoint = Endpoint::new(Token::new("xoxp-your-token")?);
//! let users = UserIds::parse(["U012AB3CD", "W0123ABCD"])?;
//! let method = SetSettings::new(users)
//!     .duration("12h".parse::<SessionDuration>()?)
//!     .desktop_app_browser_quit(true);
//! let mut call = Call::new(&endpoint, &method, RetryPolicy::default())?;
//!
//! // A stand-in transport: the first answer is a 503, the second a success.
//! let mut answers = vec![
//!     http::Response::new(br#"{"ok":true}"#.to_vec()),
//!     http::Response::builder().status(503).body(b"<html>busy</html>".to_vec())?,
//! ];
//! let mut now = Instant::now();
//! let reply = loop {
//!     match call.poll(now) {
//!         Action::Send(request) => {
//!             assert_eq!(request.uri(), "https://slack.com/api/admin.users.session.setSettings");
//!             call.handle(now, Ok(answers.pop().expect("one answer per request")));
//!         }
//!         Action::WaitUntil(t) => now = t, // a real driver sleeps until `t`
//!         Action::Done(result) => break result?,
//!         Action::Pending => unreachable!("one request at a time"),
//!     }
//! };
//! assert!(reply.warnings.is_empty());
//! assert_eq!(call.stats().retries, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! In scope: validated argument types, encoding (form or JSON, token in header or body),
//! decoding every answer shape into typed results, error classes, the retry policy, the
//! pacer, and the [`Call`] and [`BulkPlan`] state machines.
//!
//! Out of scope: sockets, TLS, timers, threads, async runtimes — the adapters' business.
#![deny(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod bulk;
mod call;
mod capped;
mod config;
mod decode;
mod duration;
mod endpoint;
mod error;
mod error_code;
mod method;
pub mod methods;
mod pacer;
mod retry;
mod token;
mod user;

pub use bulk::{
    short_code, BulkAction, BulkOptions, BulkPlan, BulkReport, BulkRun, ChunkId, Disposition,
    Failed, Invalid, Progress, RequestEvent, RequestObserver,
};
pub use call::{clone_request, Action, Call, CallStats};
pub use capped::{MAX_CODE_BYTES, MAX_LIST_BYTES, MAX_LIST_ITEMS, MAX_TEXT_BYTES};
pub use config::{
    ClientConfig, ValidConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_TIMEOUT,
    MAX_RATE_PER_MINUTE, MAX_TIMEOUT, MAX_TOTAL_WAIT,
};
pub use decode::{
    decode, decode_parts, parse_retry_after, Reply, DEFAULT_RETRY_AFTER, EXCERPT_CHARS,
    MAX_RETRY_AFTER,
};
pub use duration::{InvalidDuration, SessionDuration};
pub use endpoint::{
    is_loopback, Encoding, Endpoint, EndpointBuilder, TokenPlacement, DEFAULT_BASE_URL,
    USER_AGENT_PREFIX,
};
pub use error::{
    ApiError, CallError, DecodeError, Error, InvalidInput, TransportFailure, TransportKind,
};
pub use error_code::{ErrorClass, ErrorCode};
pub use method::{Arg, ArgValue, Empty, Method, Output, Reconciled, Tier, UsersMethod};
pub use methods::admin::users::session::{
    ClearSettings, GetSettings, GetSettingsOutput, SessionSettings, SetSettings,
    UserSessionSettings,
};
pub use pacer::{Pacer, Rate, SharedPacer};
pub use retry::{RetryDecision, RetryPolicy};
pub use token::{InvalidToken, Token};
pub use user::{InvalidUserId, InvalidUserIds, UserId, UserIds, MAX_USERS_PER_CALL};
