//! `usergroups.*` methods.

pub mod users;
