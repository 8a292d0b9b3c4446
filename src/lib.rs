//! Slack's `admin.users.session.*` API for Rust: typed, validated, paced and retried.
//!
//! This facade re-exports what a user of the clients needs — the methods, the value
//! types, [`Error`], [`Reply`] and the bulk report types — and, behind features, the
//! clients: [`blocking`] (feature `ureq`, on by default) and [`nonblocking`] (feature
//! `hyper`, or `hyper-core` on a runtime other than tokio). Whoever writes a transport
//! implements one of [`driver`]'s two traits; whoever drives the sans-IO core directly
//! opens [`sansio`].
//!
//! ```
//! # #[cfg(feature = "ureq")] {
//! use slack_sessions::blocking::Client;
//! use slack_sessions::{SessionDuration, SetSettings, Token, UserIds};
//! # let emu = slack_sessions_emulator::Emulator::builder().start()?;
//!
//! let client = Client::builder(Token::new("xoxp-emulator-admin")?)
//!     .base_url(emu.base_url()) // omit for https://slack.com/api/
//!     .build()?;
//! let users = UserIds::parse(["U00000001"])?;
//! client.set_settings(&SetSettings::new(users).duration("30d".parse::<SessionDuration>()?))?;
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Features and trust
//!
//! | feature | blocking client (`ureq`) | async client (`hyper`) |
//! |---|---|---|
//! | `ureq` (default) | on: rustls, Mozilla's roots compiled in | — |
//! | `hyper` | — | on: tokio, rustls, Mozilla's roots compiled in |
//! | `hyper-core` | — | on, without tokio, TLS or roots: your executor, timer and connector through `Client::with_parts` |
//! | `native-roots` | allows [`Roots::Native`] | allows [`Roots::Native`] |
//! | `native-tls` | the platform's TLS library, when ureq's rustls is off | — (always rustls) |
//!
//! Whatever the features, a client trusts [`Roots::WebPki`] unless told otherwise
//! (`.roots(Roots::Native)`), plus any PEM added with `.add_root_pem(..)`. `Roots::Native`
//! reads the operating system's store once, when the client is built; as OpenSSL does,
//! `SSL_CERT_FILE` and `SSL_CERT_DIR` replace it when set. A client of a plain-http base
//! URL (an emulator) loads no roots at all.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use slack_sessions_core::*;

/// The blocking client over ureq (feature `ureq`, on by default).
#[cfg(feature = "ureq")]
#[cfg_attr(docsrs, doc(cfg(feature = "ureq")))]
pub mod blocking {
    pub use slack_sessions_ureq::*;
}

/// The async client over hyper (feature `hyper`, or `hyper-core` without tokio and TLS):
/// runtime-agnostic, tokio + rustls by default.
#[cfg(feature = "hyper-core")]
#[cfg_attr(docsrs, doc(cfg(feature = "hyper-core")))]
pub mod nonblocking {
    pub use slack_sessions_hyper::*;
}

/// The async client's former name, kept for one release: use [`nonblocking`].
#[cfg(feature = "hyper-core")]
#[doc(hidden)]
pub use self::nonblocking as r#async;

/// The loops every client runs, for a transport of your own: `BlockingClient` over a
/// `BlockingTransport`, `AsyncClient` over an `AsyncTransport`.
pub use slack_sessions_driver as driver;
