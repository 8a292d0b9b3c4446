//! Every method, once, for both clients: a new Slack method is one line here (after its
//! file in the core), and nothing in either adapter.

use slack_sessions_core::{
    AuthTest, AuthTestOutput, BulkRun, ClearSettings, Empty, Error, GetSettings, GetSettingsOutput,
    InvalidateSession, ListUsergroupUsers, ListUsergroupUsersOutput, LookupByEmail,
    LookupByEmailOutput, Progress, Reply, ResetScope, ResetSessions, ResetSessionsBulk,
    SessionSettings, SetSettings,
};

use crate::blocking::BlockingClient;
use crate::nonblocking::AsyncClient;
use crate::outcome::BulkResult;
use crate::transport::{AsyncTransport, BlockingTransport};

/// One call of a method, by name, on both clients.
macro_rules! calls {
    ($( $(#[$doc:meta])* $name:ident($m:ty) -> $out:ty; )*) => {
        impl<T: BlockingTransport> BlockingClient<T> {
            $(
                $(#[$doc])*
                pub fn $name(&self, m: &$m) -> Result<Reply<$out>, Error> {
                    self.call(m)
                }
            )*
        }

        impl<T: AsyncTransport> AsyncClient<T> {
            $(
                $(#[$doc])*
                pub async fn $name(&self, m: &$m) -> Result<Reply<$out>, Error> {
                    self.call(m).await
                }
            )*
        }
    };
}

/// A bulk run of a method over any number of users, by name, on both clients; with the
/// parameters every chunk shares, when the method has any.
macro_rules! bulk_runs {
    ($( $(#[$doc:meta])* $name:ident($m:ty $(, $p:ident: $pt:ty)?) -> $out:ty; )*) => {
        impl<T: BlockingTransport> BlockingClient<T> {
            $(
                $(#[$doc])*
                ///
                /// See [`apply_bulk`](Self::apply_bulk) for what the result holds.
                pub fn $name<I, S>(
                    &self,
                    users: I,
                    $($p: $pt,)?
                    run: BulkRun,
                    progress: impl FnMut(Progress) + Send,
                ) -> BulkResult<$out>
                where
                    I: IntoIterator<Item = S>,
                    I::IntoIter: Send,
                    S: AsRef<str>,
                {
                    self.apply_bulk::<$m, _, _>(bulk_runs!(@params $($p)?), users, run, progress)
                }
            )*
        }

        impl<T: AsyncTransport> AsyncClient<T> {
            $(
                $(#[$doc])*
                ///
                /// See [`apply_bulk`](Self::apply_bulk) for what the result holds.
                pub async fn $name<I, S>(
                    &self,
                    users: I,
                    $($p: $pt,)?
                    run: BulkRun,
                    progress: impl FnMut(Progress),
                ) -> BulkResult<$out>
                where
                    I: IntoIterator<Item = S>,
                    I::IntoIter: Send,
                    S: AsRef<str>,
                {
                    self.apply_bulk::<$m, _, _>(bulk_runs!(@params $($p)?), users, run, progress)
                        .await
                }
            )*
        }
    };
    (@params $p:ident) => { $p };
    (@params) => { () };
}

calls! {
    /// `admin.users.session.setSettings`: how long sessions last and whether closing the
    /// app or browser ends them, for up to 1,000 users.
    set_settings(SetSettings) -> Empty;
    /// `admin.users.session.getSettings`: the settings of up to 1,000 users.
    get_settings(GetSettings) -> GetSettingsOutput;
    /// `admin.users.session.clearSettings`: back to the organisation's defaults.
    clear_settings(ClearSettings) -> Empty;
    /// `admin.users.session.reset`: end one user's sessions.
    reset_sessions(ResetSessions) -> Empty;
    /// `admin.users.session.invalidate`: end one session. When a retry after a lost
    /// answer finds the session gone, the reply says it was ended by that earlier
    /// attempt ([`Reply::by_earlier_attempt`]).
    invalidate_session(InvalidateSession) -> Empty;
    /// `users.lookupByEmail`: the user with an address (`users_not_found` for an unknown
    /// address and for a deactivated user's alike).
    lookup_by_email(LookupByEmail) -> LookupByEmailOutput;
    /// `usergroups.users.list`: the members of a user group.
    list_usergroup_users(ListUsergroupUsers) -> ListUsergroupUsersOutput;
    /// `auth.test`: who the token is (with [`Reply::scopes`], what it may do).
    auth_test(AuthTest) -> AuthTestOutput;
}

bulk_runs! {
    /// `setSettings` for any number of users.
    set_settings_bulk(SetSettings, settings: SessionSettings) -> Empty;
    /// `getSettings` for any number of users, merged in input order.
    get_settings_bulk(GetSettings) -> GetSettingsOutput;
    /// `clearSettings` for any number of users.
    clear_settings_bulk(ClearSettings) -> Empty;
    /// `resetBulk` for any number of users, split around the users whose sessions may
    /// not be reset.
    reset_sessions_bulk(ResetSessionsBulk, scope: ResetScope) -> Empty;
}
