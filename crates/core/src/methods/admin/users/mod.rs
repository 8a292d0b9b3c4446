//! `admin.users.*` methods.

pub mod list;
pub mod session;

pub use list::{DirectoryUser, ListUsers, ListUsersOutput};
