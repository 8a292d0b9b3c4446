//! [`ErrorCode`]: every `error` string Slack documents for the session methods, classified.

use std::fmt;
use std::sync::Arc;

use crate::capped::{cap, MAX_CODE_BYTES};

/// What kind of failure a code means, which decides what a client does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// Slack had a passing problem; safe to retry an idempotent call.
    Transient,
    /// Too many calls; wait and retry.
    RateLimit,
    /// The token cannot do this; stop everything.
    Auth,
    /// One member of the list spoils the whole call (unknown user, bot, …).
    PerUser,
    /// The request itself is malformed; retrying will not help.
    Request,
    /// The method is gone or unknown.
    Gone,
    /// Anything else, including codes this crate does not know.
    Other,
}

impl ErrorClass {
    /// A short lower-case name for the class.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Transient => "transient",
            ErrorClass::RateLimit => "rate limit",
            ErrorClass::Auth => "auth",
            ErrorClass::PerUser => "per user",
            ErrorClass::Request => "request",
            ErrorClass::Gone => "gone",
            ErrorClass::Other => "other",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! error_codes {
    ($( $(#[$meta:meta])* $variant:ident = $wire:literal, $class:ident, $desc:literal; )*) => {
        /// An `error` code from a Slack `ok:false` answer.
        ///
        /// Every code Slack's reference documents for the `admin.users.session.*` methods
        /// and the three that name people (`admin.users.list`, `users.lookupByEmail`,
        /// `usergroups.users.list`), each method's own and those every method may
        /// answer, is here once; anything
        /// else decodes to [`ErrorCode::Other`], so a new code never breaks decoding.
        /// [`Method::DOCUMENTED`](crate::Method::DOCUMENTED) says which a
        /// method documents.
        ///
        /// ```
        /// use slack_sessions_core::{ErrorClass, ErrorCode};
        /// let code = ErrorCode::from_wire("user_not_found");
        /// assert_eq!(code, ErrorCode::UserNotFound);
        /// assert_eq!(code.class(), ErrorClass::PerUser);
        /// assert_eq!(ErrorCode::from_wire("brand_new").as_str(), "brand_new");
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$meta])* #[doc = $desc] $variant, )*
            /// A code this crate does not know, as Slack sent it, cut to
            /// [`MAX_CODE_BYTES`](crate::limits::MAX_CODE_BYTES) and shared by every clone.
            Other(Arc<str>),
        }

        impl ErrorCode {
            /// Every known code, in wire-string order.
            pub const KNOWN: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )* ];

            /// The code for a wire string. An empty string is
            /// [`ErrorCode::UnknownError`]; other unknown strings give
            /// [`ErrorCode::Other`], cut to [`MAX_CODE_BYTES`](crate::limits::MAX_CODE_BYTES)
            /// bytes (ending in `…` when cut) with control characters blanked.
            pub fn from_wire(s: &str) -> ErrorCode {
                match s {
                    $( $wire => ErrorCode::$variant, )*
                    "" => ErrorCode::UnknownError,
                    other => ErrorCode::Other(Arc::from(cap(other, MAX_CODE_BYTES))),
                }
            }

            /// The string Slack sends.
            pub fn as_str(&self) -> &str {
                match self {
                    $( ErrorCode::$variant => $wire, )*
                    ErrorCode::Other(s) => s,
                }
            }

            /// What the code means, in one line.
            pub fn description(&self) -> &'static str {
                match self {
                    $( ErrorCode::$variant => $desc, )*
                    ErrorCode::Other(_) => "An error code this client does not know.",
                }
            }

            /// Which kind of failure the code is.
            pub fn class(&self) -> ErrorClass {
                match self {
                    $( ErrorCode::$variant => ErrorClass::$class, )*
                    ErrorCode::Other(_) => ErrorClass::Other,
                }
            }
        }
    };
}

error_codes! {
    AccessDenied = "access_denied", Auth, "Access to a resource specified in the request is denied.";
    AccessLimited = "accesslimited", Auth, "Access to this method is limited on the current network.";
    AccountInactive = "account_inactive", Auth, "Authentication token is for a deleted user or workspace when using a bot token.";
    AdminUnauthorized = "admin_unauthorized", Auth, "The token provided doesn't have permission to revoke a session.";
    AtLeastOneSessionSettingRequired = "at_least_one_session_setting_required", Request, "At least one session setting is required.";
    BotsNotAllowed = "bots_not_allowed", PerUser, "Bot sessions are not listed by this method.";
    CannotInvalidatePrimaryOwner = "cannot_invalidate_primary_owner", PerUser, "The primary owner's sessions cannot be invalidated.";
    CannotResetBot = "cannot_reset_bot", PerUser, "A bot user's sessions cannot be reset.";
    CannotResetPrimaryOwner = "cannot_reset_primary_owner", PerUser, "The primary owner's sessions cannot be reset.";
    DeprecatedEndpoint = "deprecated_endpoint", Gone, "The endpoint has been deprecated.";
    EkmAccessDenied = "ekm_access_denied", Auth, "Administrators have suspended the ability to post a message.";
    EnterpriseIsRestricted = "enterprise_is_restricted", Auth, "The method cannot be called from an Enterprise.";
    FailedForSomeUsers = "failed_for_some_users", PerUser, "The job failed for some users; see response_metadata.";
    FatalError = "fatal_error", Transient, "The server hit a catastrophic error; part of the operation may have succeeded.";
    FeatureNotEnabled = "feature_not_enabled", Auth, "This method is only available for Enterprise organizations.";
    IncludeDeactivatedUserWorkspacesInvalid = "include_deactivated_user_workspaces_invalid", Request, "include_deactivated_user_workspaces only applies with an org token and no team_id.";
    InternalError = "internal_error", Transient, "The server hit a transient error; part of the operation may have succeeded.";
    InvalidArgName = "invalid_arg_name", Request, "The method was passed an argument whose name is not accepted.";
    InvalidArguments = "invalid_arguments", Request, "Required arguments either were not provided or contain invalid values.";
    InvalidArrayArg = "invalid_array_arg", Request, "The method was passed an array as an argument where a string was expected.";
    InvalidAuth = "invalid_auth", Auth, "Authentication cannot be validated: the token is invalid or the request's IP address is not allowed.";
    InvalidCharset = "invalid_charset", Request, "The charset in the Content-Type header is invalid; valid ones are utf-8 and iso-8859-1.";
    InvalidCursor = "invalid_cursor", Request, "The cursor passed was invalid.";
    InvalidFormData = "invalid_form_data", Request, "The form data was missing or syntactically invalid.";
    InvalidJson = "invalid_json", Request, "The JSON body was missing or syntactically invalid.";
    InvalidPostType = "invalid_post_type", Request, "The Content-Type of the POST is not one Slack accepts.";
    IsBot = "is_bot", Auth, "This method cannot be called by a bot user.";
    MethodDeprecated = "method_deprecated", Gone, "The method has been deprecated.";
    MissingPostType = "missing_post_type", Request, "The POST carried a body but no Content-Type header.";
    MissingScope = "missing_scope", Auth, "The token is not granted the scope this method requires.";
    MissingTeam = "missing_team", Request, "A team_id must be provided with a user_id.";
    MissingUser = "missing_user", Request, "A user_id must be provided with a team_id.";
    NoActiveSessions = "no_active_sessions", Other, "No active sessions were found.";
    NoPermission = "no_permission", Auth, "The token does not have the permissions needed to complete the request.";
    NoSuchSubteam = "no_such_subteam", Request, "No user group was found with the given ID.";
    NotAllowedTokenType = "not_allowed_token_type", Auth, "The token type used in this request is not allowed.";
    NotAnAdmin = "not_an_admin", Auth, "This method is only accessible by Org Owners and Admins.";
    NotAuthed = "not_authed", Auth, "No authentication token provided.";
    OrgLoginRequired = "org_login_required", Auth, "The workspace is undergoing an enterprise migration.";
    PlanUpgradeRequired = "plan_upgrade_required", Auth, "The workspace's plan does not include user groups.";
    Ratelimited = "ratelimited", RateLimit, "The rate limit for this method has been reached.";
    RequestTimeout = "request_timeout", Transient, "The POST data was missing or truncated.";
    RestrictedAction = "restricted_action", Auth, "The organisation's settings restrict this action for this token.";
    ServiceUnavailable = "service_unavailable", Transient, "The service is temporarily unavailable.";
    SessionInvalidationFailed = "session_invalidation_failed", Transient, "The session could not be invalidated; try again.";
    SessionNotFound = "session_not_found", Other, "The session was not found (it has ended, or is not this user's).";
    SessionResetNotAllowed = "session_reset_not_allowed", PerUser, "This user's sessions may not be reset.";
    TeamAccessNotGranted = "team_access_not_granted", Auth, "The token is not granted access to the workspace this request needs.";
    TeamAddedToOrg = "team_added_to_org", Auth, "The workspace is being migrated to an Enterprise organization.";
    TeamNotFound = "team_not_found", Request, "There was an error finding the requested workspace.";
    TokenExpired = "token_expired", Auth, "Authentication token has expired.";
    TokenRevoked = "token_revoked", Auth, "Authentication token is for a deleted user or workspace, or the app was removed.";
    TwoFactorSetupRequired = "two_factor_setup_required", Auth, "Two factor setup is required.";
    UnableToUpdateExistingSessions = "unable_to_update_existing_sessions", Other, "The session settings could not be applied to users' existing sessions.";
    /// Not a Slack code: this client's name for an `ok:false` answer with a missing or
    /// empty `error`.
    UnknownError = "unknown_error", Other, "Slack answered ok:false without an error code.";
    UnknownMethod = "unknown_method", Gone, "This method is currently not available.";
    UserNotFound = "user_not_found", PerUser, "At least one of the requested users doesn't exist.";
    UserSessionResetFailed = "user_session_reset_failed", Transient, "There was an error starting the session reset; try again.";
    UsersNotFound = "users_not_found", Other, "No active user has this email (Slack answers the same for a deactivated user).";
}

impl ErrorCode {
    /// The codes every method may answer, whatever its own reference page lists: auth
    /// and permission, request shape, rate limit, transient and gone codes, and `is_bot`
    /// (the `methods/…` files of Slack's reference).
    pub const COMMON: &'static [ErrorCode] = &[
        ErrorCode::AccessDenied,
        ErrorCode::AccessLimited,
        ErrorCode::AccountInactive,
        ErrorCode::AdminUnauthorized,
        ErrorCode::DeprecatedEndpoint,
        ErrorCode::EkmAccessDenied,
        ErrorCode::EnterpriseIsRestricted,
        ErrorCode::FatalError,
        ErrorCode::FeatureNotEnabled,
        ErrorCode::InternalError,
        ErrorCode::InvalidArgName,
        ErrorCode::InvalidArguments,
        ErrorCode::InvalidArrayArg,
        ErrorCode::InvalidAuth,
        ErrorCode::InvalidCharset,
        ErrorCode::InvalidFormData,
        ErrorCode::InvalidPostType,
        ErrorCode::IsBot,
        ErrorCode::MethodDeprecated,
        ErrorCode::MissingPostType,
        ErrorCode::MissingScope,
        ErrorCode::NoPermission,
        ErrorCode::NotAllowedTokenType,
        ErrorCode::NotAnAdmin,
        ErrorCode::NotAuthed,
        ErrorCode::OrgLoginRequired,
        ErrorCode::Ratelimited,
        ErrorCode::RequestTimeout,
        ErrorCode::ServiceUnavailable,
        ErrorCode::TeamAccessNotGranted,
        ErrorCode::TeamAddedToOrg,
        ErrorCode::TokenExpired,
        ErrorCode::TokenRevoked,
        ErrorCode::TwoFactorSetupRequired,
        ErrorCode::UnknownMethod,
    ];
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The codes on the setSettings reference page, in its order, as the spec lists them.
    const SET_SETTINGS_PAGE: &[&str] = &[
        "access_denied",
        "accesslimited",
        "account_inactive",
        "admin_unauthorized",
        "at_least_one_session_setting_required",
        "bots_not_allowed",
        "deprecated_endpoint",
        "ekm_access_denied",
        "enterprise_is_restricted",
        "fatal_error",
        "feature_not_enabled",
        "internal_error",
        "invalid_arg_name",
        "invalid_arguments",
        "invalid_array_arg",
        "invalid_auth",
        "invalid_charset",
        "invalid_form_data",
        "invalid_post_type",
        "method_deprecated",
        "missing_post_type",
        "missing_scope",
        "no_permission",
        "not_allowed_token_type",
        "not_an_admin",
        "not_authed",
        "org_login_required",
        "ratelimited",
        "request_timeout",
        "service_unavailable",
        "team_access_not_granted",
        "team_added_to_org",
        "token_expired",
        "token_revoked",
        "two_factor_setup_required",
        "unable_to_update_existing_sessions",
        "unknown_method",
        "user_not_found",
    ];

    #[test]
    fn every_documented_code_is_known_and_round_trips() {
        for wire in SET_SETTINGS_PAGE {
            let code = ErrorCode::from_wire(wire);
            assert!(!matches!(code, ErrorCode::Other(_)), "{wire} unknown");
            assert_eq!(code.as_str(), *wire);
            assert!(!code.description().is_empty());
        }
    }

    #[test]
    fn each_known_code_is_listed_once() {
        let wires: HashSet<&str> = ErrorCode::KNOWN.iter().map(|c| c.as_str()).collect();
        assert_eq!(wires.len(), ErrorCode::KNOWN.len());
        for c in ErrorCode::KNOWN {
            assert_eq!(&ErrorCode::from_wire(c.as_str()), c);
        }
    }

    #[test]
    fn unknown_codes_are_bounded_and_shared() {
        let huge = "e".repeat(4 << 20);
        let code = ErrorCode::from_wire(&huge);
        assert!(code.as_str().len() <= MAX_CODE_BYTES);
        assert!(code.as_str().ends_with('…'));
        let copy = code.clone();
        match (&code, &copy) {
            (ErrorCode::Other(a), ErrorCode::Other(b)) => assert!(Arc::ptr_eq(a, b)),
            other => panic!("{other:?}"),
        }
        assert_eq!(ErrorCode::from_wire(""), ErrorCode::UnknownError);
        assert_eq!(ErrorCode::UnknownError.as_str(), "unknown_error");
    }

    #[test]
    fn classes_follow_the_spec() {
        use ErrorClass::*;
        let table = [
            ("internal_error", Transient),
            ("service_unavailable", Transient),
            ("request_timeout", Transient),
            ("fatal_error", Transient),
            ("ratelimited", RateLimit),
            ("not_authed", Auth),
            ("invalid_auth", Auth),
            ("account_inactive", Auth),
            ("token_revoked", Auth),
            ("token_expired", Auth),
            ("no_permission", Auth),
            ("missing_scope", Auth),
            ("not_an_admin", Auth),
            ("admin_unauthorized", Auth),
            ("not_allowed_token_type", Auth),
            ("feature_not_enabled", Auth),
            ("team_access_not_granted", Auth),
            ("access_denied", Auth),
            ("ekm_access_denied", Auth),
            ("two_factor_setup_required", Auth),
            ("enterprise_is_restricted", Auth),
            ("org_login_required", Auth),
            ("team_added_to_org", Auth),
            ("accesslimited", Auth),
            ("user_not_found", PerUser),
            ("bots_not_allowed", PerUser),
            ("cannot_reset_bot", PerUser),
            ("cannot_reset_primary_owner", PerUser),
            ("session_reset_not_allowed", PerUser),
            ("invalid_arguments", Request),
            ("invalid_arg_name", Request),
            ("invalid_array_arg", Request),
            ("invalid_charset", Request),
            ("invalid_form_data", Request),
            ("invalid_post_type", Request),
            ("missing_post_type", Request),
            ("at_least_one_session_setting_required", Request),
            ("unknown_method", Gone),
            ("method_deprecated", Gone),
            ("deprecated_endpoint", Gone),
            ("something_new", Other),
        ];
        for (wire, class) in table {
            assert_eq!(ErrorCode::from_wire(wire).class(), class, "{wire}");
        }
    }
}
