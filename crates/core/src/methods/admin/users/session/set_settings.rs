//! `POST /api/admin.users.session.setSettings`
//!
//! Tier 4 · scope `admin.users:write` · idempotent.
//!
//! Sets how long the sessions of up to 1,000 users last and whether closing the desktop
//! app or browser ends them. At least one of the two settings is required; the call
//! applies to every listed user or, if one of them is unknown or a bot, to none.

use crate::duration::SessionDuration;
use crate::error::InvalidInput;
use crate::error_code::ErrorCode;
use crate::method::sealed::{ArgValue, Args};
use crate::method::{Empty, Method, Tier, UsersMethod};
use crate::user::UserIds;

/// The settings `setSettings` applies. At least one must be set before it is sent.
///
/// ```
/// use slack_sessions_core::{SessionDuration, SessionSettings};
/// let s = SessionSettings::new().duration(SessionDuration::MIN).desktop_app_browser_quit(true);
/// assert!(!s.is_empty());
/// assert!(SessionSettings::new().is_empty());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SessionSettings {
    /// How long a session lasts.
    pub duration: Option<SessionDuration>,
    /// Whether closing the desktop app or browser ends the session.
    pub desktop_app_browser_quit: Option<bool>,
}

impl SessionSettings {
    /// No settings yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the session length.
    pub fn duration(mut self, d: SessionDuration) -> Self {
        self.duration = Some(d);
        self
    }

    /// Sets whether closing the app or browser ends the session.
    pub fn desktop_app_browser_quit(mut self, quit: bool) -> Self {
        self.desktop_app_browser_quit = Some(quit);
        self
    }

    /// True when neither setting is given; Slack would refuse such a call.
    pub fn is_empty(&self) -> bool {
        self.duration.is_none() && self.desktop_app_browser_quit.is_none()
    }
}

/// `admin.users.session.setSettings`: apply [`SessionSettings`] to up to 1,000 users.
///
/// ```
/// use slack_sessions_core::sansio::Endpoint;
/// use slack_sessions_core::{SessionDuration, SetSettings, Token, UserIds};
/// let users = UserIds::parse(["U012AB3CD"]).unwrap();
/// let call = SetSettings::new(users).duration("12h".parse::<SessionDuration>().unwrap());
/// let endpoint = Endpoint::new(Token::new("xoxp-1").unwrap());
/// let req = endpoint.encode(&call).unwrap();
/// assert_eq!(req.body(), b"user_ids=U012AB3CD&duration=43200");
/// // With no setting the request is refused before it exists.
/// let empty = SetSettings::new(UserIds::parse(["U1"]).unwrap());
/// assert!(endpoint.encode(&empty).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetSettings {
    users: UserIds,
    settings: SessionSettings,
}

impl SetSettings {
    /// A call for `users` with no settings yet; add at least one.
    pub fn new(users: UserIds) -> Self {
        SetSettings {
            users,
            settings: SessionSettings::new(),
        }
    }

    /// A call applying `settings` to `users`.
    pub fn with_settings(users: UserIds, settings: SessionSettings) -> Self {
        SetSettings { users, settings }
    }

    /// Sets the session length.
    pub fn duration(mut self, d: SessionDuration) -> Self {
        self.settings.duration = Some(d);
        self
    }

    /// Sets whether closing the app or browser ends the session.
    pub fn desktop_app_browser_quit(mut self, quit: bool) -> Self {
        self.settings.desktop_app_browser_quit = Some(quit);
        self
    }

    /// The settings this call applies.
    pub fn settings(&self) -> &SessionSettings {
        &self.settings
    }
}

impl crate::method::sealed::Wire for SetSettings {
    fn args(&self) -> Args<'_> {
        let mut args = Args::new();
        args.push("user_ids", ArgValue::Users(&self.users));
        args.push_some("duration", self.settings.duration, |d| {
            ArgValue::Int(d.as_secs())
        });
        args.push_some(
            "desktop_app_browser_quit",
            self.settings.desktop_app_browser_quit,
            ArgValue::Bool,
        );
        args
    }
}

impl Method for SetSettings {
    const NAME: &'static str = "admin.users.session.setSettings";
    const TIER: Tier = Tier::Tier4;
    const SCOPE: &'static str = "admin.users:write";
    const IDEMPOTENT: bool = true;
    type Output = Empty;
    const DOCUMENTED: &'static [ErrorCode] = &[
        ErrorCode::AdminUnauthorized,
        ErrorCode::AtLeastOneSessionSettingRequired,
        ErrorCode::BotsNotAllowed,
        ErrorCode::FeatureNotEnabled,
        ErrorCode::InternalError,
        ErrorCode::InvalidArguments,
        ErrorCode::InvalidAuth,
        ErrorCode::NotAnAdmin,
        ErrorCode::Ratelimited,
        ErrorCode::UnableToUpdateExistingSessions,
        ErrorCode::UnknownMethod,
        ErrorCode::UserNotFound,
    ];

    fn validate(&self) -> Result<(), InvalidInput> {
        Self::validate_params(&self.settings)
    }
}

impl UsersMethod for SetSettings {
    type Params = SessionSettings;
    fn validate_params(params: &SessionSettings) -> Result<(), InvalidInput> {
        if params.is_empty() {
            return Err(InvalidInput::NoSetting);
        }
        Ok(())
    }
    fn for_users(users: UserIds, params: &SessionSettings) -> Self {
        SetSettings::with_settings(users, *params)
    }
    fn into_users(self) -> UserIds {
        self.users
    }
    fn merge_output(_: &mut Empty, _: Empty) {}
}
