//! Slack's `admin.users.session.*` API for Rust: typed, validated, paced and retried.
//!
//! This facade re-exports the sans-IO core ([`slack_sessions_core`]) and, behind
//! features, the transports: [`blocking`] (feature `ureq`, on by default) and
//! [`r#async`](async/index.html) (feature `hyper`).
//!
//! ```
//! use slack_sessions::{Endpoint, SessionDuration, SetSettings, Token, UserIds};
//!
//! let users = UserIds::parse(["U012AB3CD"])?;
//! let call = SetSettings::new(users).duration("30d".parse::<SessionDuration>()?);
//! let request = Endpoint::new(Token::new("xoxp-example")?).encode(&call)?;
//! assert_eq!(request.body(), b"user_ids=U012AB3CD&duration=2592000");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub use slack_sessions_core::*;

/// The blocking client over ureq (feature `ureq`, on by default).
#[cfg(feature = "ureq")]
pub mod blocking {
    pub use slack_sessions_ureq::*;
}

/// The async client over hyper (feature `hyper`): runtime-agnostic, tokio + rustls by default.
#[cfg(feature = "hyper")]
pub mod r#async {
    pub use slack_sessions_hyper::*;
}
