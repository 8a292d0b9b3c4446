//! `admin.*` methods.

pub mod users;
