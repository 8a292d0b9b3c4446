//! The sans-IO core of `slack-sessions`: Slack's `admin.users.session.*` calls as
//! `http::Request` values, answers as typed results, and the decisions in between.
//!
//! This crate never opens a socket, never reads a clock and never sleeps: time comes in
//! as an argument, requests go out as values, and a transport adapter (blocking `ureq`,
//! async `hyper`, or your own) moves the bytes.
//!
//! ```
//! use std::time::Instant;
//! use slack_sessions_core::sansio::{Action, Call, Endpoint};
//! use slack_sessions_core::{RetryPolicy, SessionDuration, SetSettings, Token, UserIds};
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
//! let (reply, stats) = loop {
//!     call = match call.poll(now) {
//!         Action::Send(in_flight, request) => {
//!             assert_eq!(request.uri(), "https://slack.com/api/admin.users.session.setSettings");
//!             in_flight.handle(now, Ok(answers.pop().expect("one answer per request")))
//!         }
//!         Action::WaitUntil(call, t) => {
//!             now = t; // a real driver sleeps until `t`
//!             call
//!         }
//!         Action::Done(result, stats) => break (result?, stats),
//!     }
//! };
//! assert!(reply.warnings.is_empty());
//! assert_eq!(stats.retries, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A user of the ready-made clients needs only the crate root: the methods, the value
//! types, [`Error`], [`Reply`] and the report types. Adapters are built from [`sansio`].
//!
//! In scope: validated argument types, encoding (form or JSON, token in header or body),
//! decoding every answer shape into typed results, error classes, the retry policy, the
//! pacer, and the [`Call`](sansio::Call), [`BulkPlan`](sansio::BulkPlan),
//! [`Pages`](sansio::Pages), [`Verification`](sansio::Verification) and
//! [`Resolver`](sansio::Resolver) state machines, for all seven `admin.users.session.*`
//! methods and the three that name people (`admin.users.list`, `users.lookupByEmail`,
//! `usergroups.users.list`), each knowing the error codes Slack documents for it. The
//! resolver turns a [`Selection`] — emails, guests, admins, owners, deactivated users,
//! user groups, everyone, minus exceptions — into user IDs by the cheapest
//! [`ResolvePlan`](sansio::ResolvePlan).
//!
//! Out of scope: sockets, TLS, timers, threads, async runtimes — the adapters' business.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod attempt;
mod bulk;
mod call;
mod capped;
mod config;
mod decode;
mod duration;
mod email;
mod endpoint;
mod error;
mod error_code;
mod method;
pub mod methods;
mod network;
mod pacer;
mod pages;
pub mod policy;
mod resolve;
mod restore;
mod retry;
mod token;
mod user;
mod verdict;
mod verify;

pub use bulk::{
    BulkError, BulkReport, BulkRun, CancelToken, Disposition, Failed, Invalid, Progress,
    RequestEvent, RequestObserver, Settled, SettledObserver,
};
pub use config::{ClientConfig, RequestLog};
pub use decode::Reply;
pub use duration::{HeldDuration, InvalidDuration, SessionDuration};
pub use email::{Email, InvalidEmail};
pub use endpoint::{Encoding, TokenPlacement};
pub use error::{
    ApiError, CallError, DecodeError, Error, InvalidInput, TlsProblem, TransportFailure,
    TransportKind, TransportSource,
};
pub use error_code::{ErrorClass, ErrorCode};
pub use method::{Empty, Method, Output, Tier, UsersMethod};
pub use methods::admin::users::session::{
    ActiveSession, ClearSettings, GetSettings, GetSettingsOutput, InvalidateSession, ListSessions,
    ListSessionsOutput, MalformedEntry, ResetScope, ResetSessions, ResetSessionsBulk, SessionInfo,
    SessionOwner, SessionSettings, SetSettings, UserSessionSettings,
};
pub use methods::admin::users::{
    DirectoryEntry, DirectoryUser, ListUsers, ListUsersOutput, UnreadableUser,
};
pub use methods::auth::{AuthTest, AuthTestOutput};
pub use methods::usergroups::users::{
    InvalidUsergroupId, ListUsergroupUsers, ListUsergroupUsersOutput, UsergroupId,
};
pub use methods::users::{LookupByEmail, LookupByEmailOutput};
pub use network::{NoProxy, ProxyUrl, Roots};
pub use pacer::Rate;
pub use resolve::{
    Guests, Kind, Resolution, ResolveProgress, ResolveStop, ResolvedUser, Selection, Unmatched,
    UnmatchedReason, SLACKBOT,
};
pub use restore::{RestoreGroup, RestorePlan, RestoreRefusal};
pub use retry::RetryPolicy;
pub use token::{InvalidToken, Token};
pub use user::{InvalidUserId, InvalidUserIds, UserId, UserIds};
pub use verify::Verified;

/// Every bound and default the crate applies, in one place: what a call may carry, what
/// an answer may hold, how long things may take.
pub mod limits {
    pub use crate::bulk::UNREACHABLE_AFTER;
    pub use crate::capped::{MAX_CODE_BYTES, MAX_LIST_BYTES, MAX_LIST_ITEMS, MAX_TEXT_BYTES};
    pub use crate::config::{
        DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_TIMEOUT, MAX_RATE_PER_MINUTE,
        MAX_TIMEOUT, MAX_TOTAL_WAIT,
    };
    pub use crate::decode::{DEFAULT_RETRY_AFTER, MAX_RETRY_AFTER};
    pub use crate::email::MAX_EMAIL_LEN;
    pub use crate::endpoint::DEFAULT_BASE_URL;
    pub use crate::methods::admin::users::list::MAX_LIMIT as MAX_USERS_LIST_LIMIT;
    pub use crate::methods::admin::users::session::list::MAX_LIMIT as MAX_LIST_LIMIT;
    pub use crate::pages::{MAX_EMPTY_PAGES, MAX_LISTING_WARNINGS};
    pub use crate::resolve::LOOKUP_LIMIT;
    pub use crate::user::MAX_USERS_PER_CALL;
    pub use crate::verify::VERIFY_INTERVAL;
}

/// The plumbing a transport adapter is built from: the [`Call`](sansio::Call) and
/// [`BulkPlan`](sansio::BulkPlan) state machines, the endpoint that encodes requests, the
/// decoder, the pacer, the checked client settings and the one rule for failures
/// ([`verdict`](sansio::verdict)). A user of the ready-made clients needs none of it.
pub mod sansio {
    pub use crate::bulk::{BulkAction, BulkOptions, BulkPlan, ChunkId};
    pub use crate::call::{Action, Call, CallStats, InFlight};
    /// The client settings, also at the crate root.
    #[doc(hidden)]
    pub use crate::config::ClientConfig;
    pub use crate::config::{Adapter, ValidConfig};
    pub use crate::decode::{decode, decode_parts, parse_retry_after};
    pub use crate::endpoint::{Endpoint, EndpointBuilder};
    pub use crate::method::Reconciled;
    pub use crate::network::{proxy_from_env_with, PemRoots, NO_PROXY_ENV, PROXY_ENV};
    pub use crate::pacer::{Pacer, SharedPacer};
    pub use crate::pages::{
        PageInFlight, Paged, Pages, PagesAction, PagesDone, PagesStop, MAX_EMPTY_PAGES,
    };
    pub use crate::resolve::{PlannedStep, ResolvePlan, ResolveStep, Resolver};
    pub use crate::retry::RetryDecision;
    pub use crate::verdict::{outcome_unknown, verdict, Verdict};
    pub use crate::verify::{Verification, VerifyStep};
}
