//! `users.*` methods.

pub mod lookup_by_email;

pub use lookup_by_email::{LookupByEmail, LookupByEmailOutput};
