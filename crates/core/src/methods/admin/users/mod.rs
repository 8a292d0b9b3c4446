//! `admin.users.*` methods.

pub mod session;
