//! `admin.users.*` methods.

pub mod list;
pub mod session;

pub use list::{DirectoryEntry, DirectoryUser, ListUsers, ListUsersOutput, UnreadableUser};
