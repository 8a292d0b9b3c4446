//! `usergroups.users.*` methods.

pub mod list;

pub use list::{InvalidUsergroupId, ListUsergroupUsers, ListUsergroupUsersOutput, UsergroupId};
