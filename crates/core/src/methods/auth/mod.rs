//! `auth.*` methods.

pub mod test;

pub use test::{AuthTest, AuthTestOutput};
