//! What a resolution found: [`Resolution`], each [`ResolvedUser`] with their [`Kind`],
//! and each input that matched nobody ([`Unmatched`]).

use std::fmt;

use crate::error::Error;
use crate::methods::admin::users::DirectoryUser;
use crate::user::UserId;

/// What kind of user someone is, as the directory says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Kind {
    /// An active full member.
    Member,
    /// An active admin who is not an owner.
    Admin,
    /// An active owner.
    Owner,
    /// The primary owner: Slack will not reset or invalidate their sessions.
    PrimaryOwner,
    /// An active multi-channel guest.
    MultiChannelGuest,
    /// An active single-channel guest.
    SingleChannelGuest,
    /// A deactivated user.
    Deactivated,
    /// A bot user.
    Bot,
    /// Named by ID or by a user group, and not seen in the directory: the kind is not
    /// known.
    Unknown,
}

/// Slackbot's user ID: listed as a person (`is_bot: false`), never one.
pub const SLACKBOT: &str = "USLACKBOT";

impl Kind {
    /// The kind of a directory entry. A user whose `is_active` Slack left out counts as
    /// active. Slackbot (`USLACKBOT`), which users listings show with `is_bot: false`,
    /// is a bot (the Python SDK's own tests filter it by ID).
    pub fn of(u: &DirectoryUser) -> Kind {
        if u.is_bot || u.id.as_str() == SLACKBOT {
            Kind::Bot
        } else if u.is_active == Some(false) {
            Kind::Deactivated
        } else if u.is_primary_owner {
            Kind::PrimaryOwner
        } else if u.is_owner {
            Kind::Owner
        } else if u.is_admin {
            Kind::Admin
        } else if u.is_ultra_restricted {
            Kind::SingleChannelGuest
        } else if u.is_restricted {
            Kind::MultiChannelGuest
        } else {
            Kind::Member
        }
    }

    /// A short lower-case name: `member`, `admin`, `owner`, `primary_owner`,
    /// `multi_channel_guest`, `single_channel_guest`, `deactivated`, `bot`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Member => "member",
            Kind::Admin => "admin",
            Kind::Owner => "owner",
            Kind::PrimaryOwner => "primary_owner",
            Kind::MultiChannelGuest => "multi_channel_guest",
            Kind::SingleChannelGuest => "single_channel_guest",
            Kind::Deactivated => "deactivated",
            Kind::Bot => "bot",
            Kind::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One user a resolution selected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ResolvedUser {
    /// Their ID.
    pub user_id: UserId,
    /// Their email, when the directory or a lookup gave it.
    pub email: Option<String>,
    /// What kind of user they are.
    pub kind: Kind,
}

/// Why an input matched nobody, or nobody a run may act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnmatchedReason {
    /// No user, active or deactivated, has this email.
    EmailNotFound,
    /// `users.lookupByEmail` answered `users_not_found`, which Slack answers both for an
    /// unknown address and for a deactivated user's.
    EmailNotFoundOrDeactivated,
    /// The email is a deactivated user's.
    Deactivated,
    /// The email is a bot's.
    Bot,
    /// More than one user has this email: none is chosen.
    Ambiguous,
    /// Slack knows no user group with this ID (`no_such_subteam`).
    UsergroupNotFound,
    /// The user group has no members.
    UsergroupEmpty,
    /// `users.lookupByEmail` answered with a user whose email is not the one asked
    /// for: the answer is not trusted, and nobody is selected by it.
    LookupMismatch,
    /// The user is not in the workspace the selection is limited to, or Slack's answer
    /// did not say which workspaces they are in: they are named, never selected.
    OutsideWorkspace,
    /// A directory entry contradicts the listing it came in (an active user in the
    /// listing of deactivated users, or the reverse): not trusted, never selected.
    Contradictory,
    /// A directory entry could not be read (a `null` flag, a `B…` ID): never selected.
    Unreadable,
}

impl UnmatchedReason {
    /// The reason's short code, as the CLI's JSON report gives it: `email_not_found`,
    /// `email_not_found_or_deactivated`, `deactivated`, `bot`, `ambiguous_email`,
    /// `usergroup_not_found`, `usergroup_empty`, `lookup_mismatch`, `outside_workspace`,
    /// `contradictory_entry`, `unreadable_entry`.
    pub fn code(self) -> &'static str {
        match self {
            UnmatchedReason::EmailNotFound => "email_not_found",
            UnmatchedReason::EmailNotFoundOrDeactivated => "email_not_found_or_deactivated",
            UnmatchedReason::Deactivated => "deactivated",
            UnmatchedReason::Bot => "bot",
            UnmatchedReason::Ambiguous => "ambiguous_email",
            UnmatchedReason::UsergroupNotFound => "usergroup_not_found",
            UnmatchedReason::UsergroupEmpty => "usergroup_empty",
            UnmatchedReason::LookupMismatch => "lookup_mismatch",
            UnmatchedReason::OutsideWorkspace => "outside_workspace",
            UnmatchedReason::Contradictory => "contradictory_entry",
            UnmatchedReason::Unreadable => "unreadable_entry",
        }
    }

    /// The reason in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            UnmatchedReason::EmailNotFound => "no user has this email",
            UnmatchedReason::EmailNotFoundOrDeactivated => {
                "no active user has this email; Slack answers the same for a deactivated user's"
            }
            UnmatchedReason::Deactivated => "the user with this email is deactivated",
            UnmatchedReason::Bot => "this email is a bot's",
            UnmatchedReason::Ambiguous => "more than one user has this email",
            UnmatchedReason::UsergroupNotFound => "no user group has this ID",
            UnmatchedReason::UsergroupEmpty => "the user group has no members",
            UnmatchedReason::LookupMismatch => {
                "the lookup answered a user with another email: not trusted"
            }
            UnmatchedReason::OutsideWorkspace => {
                "not in the workspace asked for (or Slack did not say): not selected"
            }
            UnmatchedReason::Contradictory => {
                "the directory's entry contradicts its own listing: not trusted, not selected"
            }
            UnmatchedReason::Unreadable => "the directory's entry could not be read: not selected",
        }
    }
}

impl fmt::Display for UnmatchedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// An input that selected nobody.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unmatched {
    /// The input as given: an email or a user group ID.
    pub input: String,
    /// Why.
    pub reason: UnmatchedReason,
    /// Whether it was an exception (an address to leave out): then nobody was left out
    /// by it.
    pub exception: bool,
    /// More on why, when there is more to say (what made an entry unreadable).
    pub detail: Option<String>,
}

/// The users a [`Selection`](crate::Selection) named, and what matched nobody.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resolution {
    /// The users selected, each once, in the order they were found, minus the
    /// exceptions.
    pub users: Vec<ResolvedUser>,
    /// Every named input that matched nobody a run may act on, with why.
    pub unmatched: Vec<Unmatched>,
    /// Users selected but left out as exceptions.
    pub excepted: u64,
    /// Bots a broad selector (everyone, deactivated) met and left out: their sessions
    /// are not Slack's to set.
    pub bots_left_out: u64,
    /// Calls made: directory pages, lookups and user group listings (retries not
    /// counted).
    pub calls: u64,
    /// Directory entries read.
    pub directory_users: u64,
    /// When lookups were refused for the token's kind, the code: the emails were then
    /// matched against the directory instead.
    pub lookups_refused: Option<crate::error_code::ErrorCode>,
    /// What Slack said besides its answers, each once with the method that said it.
    pub warnings: Vec<(&'static str, String)>,
}

/// How far a resolution got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolveProgress {
    /// Calls made (directory pages, lookups, user groups).
    pub calls: u64,
    /// Directory entries read.
    pub directory_users: u64,
    /// Users selected so far (emails and exceptions are settled at the end).
    pub selected: u64,
}

/// A resolution that stopped on an error, or was cancelled: nothing is selected, since a
/// partial set could leave out someone who was meant, or keep someone who was excepted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolveStop {
    /// Why; `None` when it was cancelled (boxed: the stop travels in a `Result`, and the
    /// error is large).
    pub error: Option<Box<Error>>,
    /// What was being done: `admin.users.list (guests)`, `users.lookupByEmail`, …
    pub step: String,
    /// Calls made before.
    pub calls: u64,
}

impl fmt::Display for ResolveStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "resolving users stopped at {} after {} call{}: ",
            self.step,
            self.calls,
            if self.calls == 1 { "" } else { "s" }
        )?;
        match &self.error {
            Some(e) => write!(f, "{e}"),
            None => f.write_str("cancelled"),
        }
    }
}

impl std::error::Error for ResolveStop {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
