//! `POST /api/admin.users.session.list`
//!
//! Tier 2 · scope `admin.users:read` · idempotent.
//!
//! One page of the organisation's active sessions, or of one user's. The next page's
//! cursor comes back as [`Reply::next_cursor`](crate::Reply::next_cursor); an empty or
//! absent cursor means the last page.

use serde::de::MapAccess;
use serde::{Deserialize, Serialize};

use crate::error::InvalidInput;
use crate::error_code::ErrorCode;
use crate::method::sealed::{ArgValue, Args};
use crate::method::{Method, Output, Tier};
use crate::user::UserId;

/// The largest page Slack serves.
pub const MAX_LIMIT: u32 = 1_000;

/// `admin.users.session.list`: one page of active sessions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListSessions {
    cursor: Option<String>,
    limit: Option<u32>,
    user: Option<(UserId, String)>,
}

impl ListSessions {
    /// The first page of every active session of the organisation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the sessions of `user` in `team` (Slack needs both, or neither).
    pub fn for_user(mut self, user: UserId, team: impl Into<String>) -> Self {
        self.user = Some((user, team.into()));
        self
    }

    /// At most `n` sessions a page, 1 to 1,000 (Slack's default is 1,000).
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }

    /// The page after the one that answered this `next_cursor`.
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }
}

impl crate::pages::Paged for ListSessions {
    type Item = ActiveSession;

    fn start_cursor(&self) -> Option<String> {
        self.cursor.clone()
    }

    fn at(&self, cursor: Option<String>) -> Self {
        ListSessions {
            cursor,
            ..self.clone()
        }
    }

    fn items(output: ListSessionsOutput) -> Vec<ActiveSession> {
        output.active_sessions
    }
}

/// Where and with what a session was made, or last seen. Slack may leave out any field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionInfo {
    /// e.g. `Mac`, `iPhone`.
    #[serde(default)]
    pub device_hardware: Option<String>,
    /// e.g. `Mac OS`, `iOS`.
    #[serde(default)]
    pub os: Option<String>,
    /// The operating system's version.
    #[serde(default)]
    pub os_version: Option<String>,
    /// The Slack client's version.
    #[serde(default)]
    pub slack_client_version: Option<String>,
    /// The IP address.
    #[serde(default)]
    pub ip: Option<String>,
}

/// One active session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActiveSession {
    /// Whose session it is.
    pub user_id: UserId,
    /// The team it was made in.
    #[serde(default)]
    pub team_id: String,
    /// Its ID, for `invalidate`.
    pub session_id: u64,
    /// Where it was made.
    #[serde(default)]
    pub created: SessionInfo,
    /// Where it was last seen; absent when nothing changed since it was made.
    #[serde(default)]
    pub recent: Option<SessionInfo>,
}

/// One page of sessions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ListSessionsOutput {
    /// The sessions of the page, in Slack's order.
    pub active_sessions: Vec<ActiveSession>,
}

impl crate::method::sealed::Fields for ListSessionsOutput {
    fn visit_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        crate::method::sealed::one_list(key, "active_sessions", map, &mut self.active_sessions)
    }
}

impl Output for ListSessionsOutput {}

impl crate::method::sealed::Wire for ListSessions {
    fn args(&self) -> Args<'_> {
        let mut args = Args::new();
        if let Some(c) = self.cursor.as_deref().filter(|c| !c.is_empty()) {
            args.push("cursor", ArgValue::Str(c));
        }
        args.push_some("limit", self.limit, |n| ArgValue::Int(u64::from(n)));
        if let Some((user, team)) = &self.user {
            args.push("user_id", ArgValue::Str(user.as_str()));
            args.push("team_id", ArgValue::Str(team));
        }
        args
    }
}

impl Method for ListSessions {
    const NAME: &'static str = "admin.users.session.list";
    const TIER: Tier = Tier::Tier2;
    const SCOPE: &'static str = "admin.users:read";
    const IDEMPOTENT: bool = true;
    type Output = ListSessionsOutput;
    const DOCUMENTED: &'static [ErrorCode] = &[
        ErrorCode::AdminUnauthorized,
        ErrorCode::BotsNotAllowed,
        ErrorCode::FeatureNotEnabled,
        ErrorCode::InvalidAuth,
        ErrorCode::InvalidCursor,
        ErrorCode::MissingTeam,
        ErrorCode::MissingUser,
        ErrorCode::NoActiveSessions,
        ErrorCode::TeamNotFound,
        ErrorCode::NotAnAdmin,
        ErrorCode::UnknownMethod,
        ErrorCode::UserNotFound,
    ];

    /// A listing of one user who has no active session answers `no_active_sessions`:
    /// an empty listing, not a failure.
    fn empty_on(code: &ErrorCode) -> bool {
        *code == ErrorCode::NoActiveSessions
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        if let Some(n) = self.limit {
            if n == 0 || n > MAX_LIMIT {
                return Err(InvalidInput::Setting {
                    name: "limit",
                    reason: format!("{n} is not between 1 and {MAX_LIMIT}"),
                });
            }
        }
        crate::method::check_team("team_id", self.user.as_ref().map(|(_, t)| t.as_str()))
    }
}
