//! Naming people the way admins hold them: a [`Selection`] (emails, guests, admins,
//! owners, deactivated users, user groups, everyone, minus exceptions) turned into user
//! IDs by a [`Resolver`] at the least API cost ([`ResolvePlan`]), with every input that
//! matched nobody reported by name ([`Unmatched`]).
//!
//! Sans-IO like the rest: the resolver says which call to make, the client makes it.

mod matcher;
mod outcome;
mod plan;
mod resolver;
mod selection;

pub use outcome::{
    Kind, Resolution, ResolveProgress, ResolveStop, ResolvedUser, Unmatched, UnmatchedReason,
    SLACKBOT,
};
pub use plan::{PlannedStep, ResolvePlan};
pub use resolver::{ResolveStep, Resolver};
pub use selection::{Guests, Selection, LOOKUP_LIMIT};

#[cfg(test)]
mod tests;
