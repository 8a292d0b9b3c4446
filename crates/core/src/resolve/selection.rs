//! [`Selection`]: the people an admin names, as they hold them.

use crate::email::Email;
use crate::error::InvalidInput;
use crate::methods::usergroups::users::UsergroupId;
use crate::user::UserId;

/// Which guests a selection takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Guests {
    /// Multi- and single-channel guests.
    Both,
    /// Multi-channel guests (`is_restricted`).
    MultiChannel,
    /// Single-channel guests (`is_ultra_restricted`).
    SingleChannel,
}

/// Up to this many addresses, a resolution looks each one up (`users.lookupByEmail`, 50
/// a minute) when the directory's size is not given: two minutes of lookups, what
/// listing a directory of 20,000 users costs at 100 pages a minute. Beyond it, the
/// directory is listed once and matched locally.
pub const LOOKUP_LIMIT: usize = 100;

/// The people to act on, as an admin names them: user IDs, emails, guests, admins,
/// owners, deactivated users, user groups, everyone, and any of these minus exceptions
/// (IDs or emails). A [`Resolver`](crate::sansio::Resolver) turns it into user IDs at
/// the least cost.
///
/// ```
/// use slack_sessions_core::{Email, Selection, UserId};
/// let s = Selection::new()
///     .guests()
///     .emails(["ada@example.com".parse::<Email>()?])
///     .except_ids([UserId::new("U012AB3CD")?]);
/// assert!(!s.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub(crate) ids: Vec<UserId>,
    pub(crate) emails: Vec<Email>,
    pub(crate) guests: Option<Guests>,
    pub(crate) admins: bool,
    pub(crate) owners: bool,
    pub(crate) deactivated: bool,
    pub(crate) everyone: bool,
    pub(crate) usergroups: Vec<UsergroupId>,
    pub(crate) except_ids: Vec<UserId>,
    pub(crate) except_emails: Vec<Email>,
    pub(crate) workspace: Option<String>,
    pub(crate) directory_size: Option<u64>,
    pub(crate) lookup_limit: Option<usize>,
}

impl Selection {
    /// Nobody yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// These users, by ID (no call needed).
    pub fn ids(mut self, ids: impl IntoIterator<Item = UserId>) -> Self {
        self.ids.extend(ids);
        self
    }

    /// The users with these addresses (matched ignoring case, and only exactly).
    pub fn emails(mut self, emails: impl IntoIterator<Item = Email>) -> Self {
        self.emails.extend(emails);
        self
    }

    /// Every active guest, of both kinds.
    pub fn guests(self) -> Self {
        self.guests_of(Guests::Both)
    }

    /// The active guests of one kind, or both.
    pub fn guests_of(mut self, kind: Guests) -> Self {
        self.guests = Some(match (self.guests, kind) {
            (Some(a), b) if a != b => Guests::Both,
            _ => kind,
        });
        self
    }

    /// Every active admin who is not an owner (Slack's `include_admins`).
    pub fn admins(mut self) -> Self {
        self.admins = true;
        self
    }

    /// Every active owner, the primary owner among them.
    pub fn owners(mut self) -> Self {
        self.owners = true;
        self
    }

    /// Every deactivated user.
    pub fn deactivated(mut self) -> Self {
        self.deactivated = true;
        self
    }

    /// Every active user who is not a bot.
    pub fn everyone(mut self) -> Self {
        self.everyone = true;
        self
    }

    /// The members of a user group.
    pub fn usergroup(mut self, id: UsergroupId) -> Self {
        if !self.usergroups.contains(&id) {
            self.usergroups.push(id);
        }
        self
    }

    /// Never these users, however else they are selected.
    pub fn except_ids(mut self, ids: impl IntoIterator<Item = UserId>) -> Self {
        self.except_ids.extend(ids);
        self
    }

    /// Never the users with these addresses, however else they are selected.
    pub fn except_emails(mut self, emails: impl IntoIterator<Item = Email>) -> Self {
        self.except_emails.extend(emails);
        self
    }

    /// Lists only workspace `team` (`T…`) and names it for user groups (Slack needs it
    /// with an org token).
    pub fn workspace(mut self, team: impl Into<String>) -> Self {
        self.workspace = Some(team.into());
        self
    }

    /// The directory's size, if known: the plan then compares the two ways to match
    /// emails by their cost, instead of by [`LOOKUP_LIMIT`].
    pub fn directory_size(mut self, users: u64) -> Self {
        self.directory_size = Some(users);
        self
    }

    /// Looks up at most this many addresses one by one (default [`LOOKUP_LIMIT`], or by
    /// cost when the directory's size is given); more are matched by listing the
    /// directory. `0` always lists it.
    pub fn lookup_limit(mut self, n: usize) -> Self {
        self.lookup_limit = Some(n);
        self
    }

    /// Whether nothing selects anybody (exceptions alone select nobody).
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
            && self.emails.is_empty()
            && self.guests.is_none()
            && !self.admins
            && !self.owners
            && !self.deactivated
            && !self.everyone
            && self.usergroups.is_empty()
    }

    /// Whether only user IDs are named (to act on or to leave out): nothing to resolve.
    pub fn is_ids_only(&self) -> bool {
        self.emails.is_empty()
            && self.except_emails.is_empty()
            && self.guests.is_none()
            && !self.admins
            && !self.owners
            && !self.deactivated
            && !self.everyone
            && self.usergroups.is_empty()
    }

    /// Whether it names a user group (whose listing needs a workspace with an org-level
    /// token).
    pub fn has_usergroups(&self) -> bool {
        !self.usergroups.is_empty()
    }

    /// The workspace it is limited to, if any.
    pub fn workspace_id(&self) -> Option<&str> {
        self.workspace.as_deref()
    }

    /// The exceptions: by ID, and by email.
    pub fn exceptions(&self) -> (&[UserId], &[Email]) {
        (&self.except_ids, &self.except_emails)
    }

    /// Checks what the types alone cannot.
    pub(crate) fn validate(&self) -> Result<(), InvalidInput> {
        crate::method::check_team("workspace", self.workspace.as_deref())
    }
}
