//! Who is who: the fixed tokens and user ID ranges the emulator knows.

/// An org admin with `admin.users:read` and `admin.users:write`: everything works.
pub const ADMIN_TOKEN: &str = "xoxp-emulator-admin";
/// A member who is not an admin: `not_an_admin`.
pub const MEMBER_TOKEN: &str = "xoxp-emulator-member";
/// An admin with only `admin.users:read`: `missing_scope` on writes.
pub const READONLY_TOKEN: &str = "xoxp-emulator-readonly";
/// A bot token: `not_allowed_token_type`.
pub const BOT_TOKEN: &str = "xoxb-emulator-bot";
/// A revoked token: `token_revoked`.
pub const REVOKED_TOKEN: &str = "xoxp-emulator-revoked";
/// A workspace without Enterprise: `feature_not_enabled`.
pub const FREE_TOKEN: &str = "xoxp-emulator-free";
/// In the org-level mode ([`EmulatorBuilder::enterprise`](crate::EmulatorBuilder::enterprise)):
/// an org-level admin token, for the whole organisation. `users.lookupByEmail` answers it
/// `enterprise_is_restricted`, and `usergroups.users.list` wants a `team_id` from it.
pub const ORG_TOKEN: &str = "xoxp-emulator-org";
/// The organisation's second workspace in the org-level mode (the first is
/// [`WORKSPACE`](crate::WORKSPACE)): users whose number is a multiple of 3 belong to both.
pub const SECOND_WORKSPACE: &str = "T00000002";

/// The organisation's `E…` ID: every listed session's `team_id`, and the org-level
/// token's `team_id` in `auth.test`.
pub(crate) const ORGANISATION: &str = "E00000001";

/// The scopes each kind of token holds, as `x-oauth-scopes` lists them.
const ADMIN_SCOPES: &str = "admin.users:read,admin.users:write,users:read.email,usergroups:read";
const READONLY_SCOPES: &str = "admin.users:read,users:read.email,usergroups:read";

/// Every fixed token with what it stands for, for printing.
pub const TOKENS: &[(&str, &str)] = &[
    (
        ADMIN_TOKEN,
        "org admin, admin.users:read + admin.users:write: works",
    ),
    (MEMBER_TOKEN, "not an admin: not_an_admin"),
    (
        READONLY_TOKEN,
        "admin with admin.users:read only: missing_scope on writes",
    ),
    (BOT_TOKEN, "bot token: not_allowed_token_type"),
    (REVOKED_TOKEN, "revoked: token_revoked"),
    (
        FREE_TOKEN,
        "workspace without Enterprise: feature_not_enabled",
    ),
    (
        ORG_TOKEN,
        "org-level admin (with --enterprise): every scope; lookups refused (enterprise_is_restricted)",
    ),
];

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    /// Read and write.
    Admin,
    /// Read and write, for the whole organisation (the org-level mode's token).
    Org,
    /// Read only.
    ReadOnly,
    /// Refused with this code.
    Refused(&'static str),
}

impl Grant {
    /// The scopes the token holds, for `x-oauth-scopes`; `None` for a token Slack does
    /// not know (no answer of Slack's carries scopes then).
    pub(crate) fn scopes(self) -> Option<&'static str> {
        match self {
            Grant::Admin | Grant::Org => Some(ADMIN_SCOPES),
            Grant::ReadOnly => Some(READONLY_SCOPES),
            Grant::Refused("not_an_admin" | "feature_not_enabled") => Some("users:read"),
            Grant::Refused("not_allowed_token_type") => Some("chat:write"),
            Grant::Refused(_) => None,
        }
    }

    /// Whether the token holds `scope`.
    pub(crate) fn holds(self, scope: &str) -> bool {
        self.scopes()
            .is_some_and(|s| s.split(',').any(|have| have == scope))
    }
}

/// What `token` may do; the org-level token only in the org-level mode.
pub(crate) fn grant_in(token: Option<&str>, enterprise: bool) -> Grant {
    match token {
        Some(ORG_TOKEN) if enterprise => Grant::Org,
        other => grant(other),
    }
}

pub(crate) fn grant(token: Option<&str>) -> Grant {
    match token {
        None | Some("") => Grant::Refused("not_authed"),
        Some(ADMIN_TOKEN) => Grant::Admin,
        Some(READONLY_TOKEN) => Grant::ReadOnly,
        Some(MEMBER_TOKEN) => Grant::Refused("not_an_admin"),
        Some(BOT_TOKEN) => Grant::Refused("not_allowed_token_type"),
        Some(REVOKED_TOKEN) => Grant::Refused("token_revoked"),
        Some(FREE_TOKEN) => Grant::Refused("feature_not_enabled"),
        Some(_) => Grant::Refused("invalid_auth"),
    }
}

/// What the emulator knows of a user ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserKind {
    /// `U00000000`–`U00099999` or `W00000000`–`W00009999`.
    Person,
    /// `U90000000`–`U90000099`.
    Bot,
    /// Anything else.
    Unknown,
}

/// The ordinary `U` users a directory holds by default: `U00000000`–`U00099999`.
pub const DEFAULT_USERS: u32 = 100_000;
/// The most ordinary `U` users a directory can hold: they must stay below the bots.
pub const MAX_USERS_IN_DIRECTORY: u32 = 90_000_000;

/// Classifies a user ID by the fixed ranges, with the default directory size.
pub fn user_kind(id: &str) -> UserKind {
    user_kind_in(id, DEFAULT_USERS)
}

/// Classifies a user ID in a directory of `users` ordinary `U` users
/// (`U00000000` up to `U{users-1}`, 8 digits).
pub fn user_kind_in(id: &str, users: u32) -> UserKind {
    // `get`, not `split_at`: the first character may be more than one byte.
    let (Some(prefix), Some(digits)) = (id.get(..1), id.get(1..)) else {
        return UserKind::Unknown;
    };
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return UserKind::Unknown;
    }
    let n: u32 = digits.parse().unwrap_or(u32::MAX);
    match prefix {
        "U" if n < users.min(MAX_USERS_IN_DIRECTORY) => UserKind::Person,
        "U" if (90_000_000..=90_000_099).contains(&n) => UserKind::Bot,
        "W" if n <= 9_999 => UserKind::Person,
        _ => UserKind::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(user_kind("U00000000"), UserKind::Person);
        assert_eq!(user_kind("U00099999"), UserKind::Person);
        assert_eq!(user_kind("U00100000"), UserKind::Unknown);
        assert_eq!(user_kind("W00009999"), UserKind::Person);
        assert_eq!(user_kind("W00010000"), UserKind::Unknown);
        assert_eq!(user_kind("U90000000"), UserKind::Bot);
        assert_eq!(user_kind("U90000099"), UserKind::Bot);
        assert_eq!(user_kind("U90000100"), UserKind::Unknown);
        for odd in [
            "",
            "U",
            "U0000000",
            "U000000000",
            "u00000000",
            "U0000000A",
            "é0000000",
            "\u{e9}00000000",
            "U0000000é",
        ] {
            assert_eq!(user_kind(odd), UserKind::Unknown, "{odd}");
        }
    }

    #[test]
    fn directory_size() {
        assert_eq!(user_kind_in("U00999999", 1_000_000), UserKind::Person);
        assert_eq!(user_kind_in("U01000000", 1_000_000), UserKind::Unknown);
        assert_eq!(user_kind_in("U00000009", 10), UserKind::Person);
        assert_eq!(user_kind_in("U00000010", 10), UserKind::Unknown);
        assert_eq!(user_kind_in("U90000000", u32::MAX), UserKind::Bot);
    }

    #[test]
    fn tokens() {
        assert_eq!(grant(Some(ADMIN_TOKEN)), Grant::Admin);
        assert_eq!(grant(Some(READONLY_TOKEN)), Grant::ReadOnly);
        assert_eq!(grant(None), Grant::Refused("not_authed"));
        assert_eq!(grant(Some("xoxp-other")), Grant::Refused("invalid_auth"));
    }
}
