//! One module per Slack method, its path following the dotted name.

pub mod admin;
pub mod auth;
pub mod usergroups;
pub mod users;

/// Every method, once: each one's place in the endpoint's cache of request templates is
/// its place in this list, so that a new method is one more name here and no number is
/// written by hand.
macro_rules! all_methods {
    (@ $n:expr;) => {
        /// How many methods there are.
        pub(crate) const METHOD_COUNT: usize = $n;
    };
    (@ $n:expr; $m:ty $(, $rest:ty)*) => {
        impl crate::method::sealed::Slot for $m {
            const SLOT: usize = $n;
        }
        all_methods!(@ $n + 1; $($rest),*);
    };
    ($($m:ty),+ $(,)?) => {
        all_methods!(@ 0; $($m),+);
    };
}

all_methods!(
    admin::users::session::SetSettings,
    admin::users::session::GetSettings,
    admin::users::session::ClearSettings,
    admin::users::session::ResetSessions,
    admin::users::session::ResetSessionsBulk,
    admin::users::session::InvalidateSession,
    admin::users::session::ListSessions,
    admin::users::ListUsers,
    users::LookupByEmail,
    usergroups::users::ListUsergroupUsers,
    auth::AuthTest,
);
