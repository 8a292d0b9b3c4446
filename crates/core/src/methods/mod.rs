//! One module per Slack method, its path following the dotted name.

pub mod admin;
