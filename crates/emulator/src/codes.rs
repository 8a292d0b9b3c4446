//! The error codes Slack's reference documents, method by method, as the emulator knows
//! them (its own copy, written from the reference, never the client's): what an
//! `error:CODE` fault may answer, and what the README lists.

/// Codes every method may answer: auth and permission, request shape, rate limit,
/// transient, gone, and `is_bot`.
pub const COMMON: &[&str] = &[
    "access_denied",
    "accesslimited",
    "account_inactive",
    "admin_unauthorized",
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
    "is_bot",
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
    "unknown_method",
];

/// Each method's own documented codes (its reference page's), beside [`COMMON`].
pub const BY_METHOD: &[(&str, &[&str])] = &[
    (
        "admin.users.session.setSettings",
        &[
            "admin_unauthorized",
            "at_least_one_session_setting_required",
            "bots_not_allowed",
            "feature_not_enabled",
            "internal_error",
            "invalid_arguments",
            "invalid_auth",
            "not_an_admin",
            "ratelimited",
            "unable_to_update_existing_sessions",
            "unknown_method",
            "user_not_found",
        ],
    ),
    (
        "admin.users.session.getSettings",
        &[
            "admin_unauthorized",
            "bots_not_allowed",
            "feature_not_enabled",
            "internal_error",
            "invalid_arguments",
            "invalid_auth",
            "not_an_admin",
            "restricted_action",
            "unknown_method",
            "user_not_found",
        ],
    ),
    (
        "admin.users.session.clearSettings",
        &[
            "admin_unauthorized",
            "bots_not_allowed",
            "feature_not_enabled",
            "internal_error",
            "invalid_arguments",
            "invalid_auth",
            "not_an_admin",
            "unknown_method",
            "user_not_found",
        ],
    ),
    (
        "admin.users.session.list",
        &[
            "admin_unauthorized",
            "bots_not_allowed",
            "feature_not_enabled",
            "invalid_auth",
            "invalid_cursor",
            "missing_team",
            "missing_user",
            "no_active_sessions",
            "team_not_found",
            "not_an_admin",
            "unknown_method",
            "user_not_found",
        ],
    ),
    (
        "admin.users.session.reset",
        &[
            "cannot_reset_bot",
            "cannot_reset_primary_owner",
            "feature_not_enabled",
            "internal_error",
            "invalid_auth",
            "not_an_admin",
            "unknown_method",
            "user_not_found",
            "user_session_reset_failed",
        ],
    ),
    (
        "admin.users.session.resetBulk",
        &[
            "cannot_reset_bot",
            "cannot_reset_primary_owner",
            "failed_for_some_users",
            "feature_not_enabled",
            "internal_error",
            "invalid_auth",
            "not_an_admin",
            "restricted_action",
            "session_reset_not_allowed",
            "unknown_method",
            "user_not_found",
            "user_session_reset_failed",
        ],
    ),
    (
        "admin.users.session.invalidate",
        &[
            "admin_unauthorized",
            "cannot_invalidate_primary_owner",
            "session_invalidation_failed",
            "session_not_found",
            "feature_not_enabled",
            "invalid_auth",
            "not_an_admin",
            "unknown_method",
            "user_not_found",
        ],
    ),
    (
        "admin.users.list",
        &[
            "feature_not_enabled",
            "include_deactivated_user_workspaces_invalid",
            "invalid_arguments",
            "invalid_auth",
            "invalid_cursor",
            "team_not_found",
        ],
    ),
    (
        "users.lookupByEmail",
        &["enterprise_is_restricted", "users_not_found"],
    ),
    (
        "usergroups.users.list",
        &["invalid_cursor", "no_such_subteam", "plan_upgrade_required"],
    ),
    (
        "auth.test",
        &[
            "account_inactive",
            "invalid_auth",
            "not_authed",
            "token_expired",
            "token_revoked",
        ],
    ),
];

/// `code` as a static string, when some method documents it.
pub fn known(code: &str) -> Option<&'static str> {
    COMMON
        .iter()
        .chain(BY_METHOD.iter().flat_map(|(_, c)| c.iter()))
        .find(|c| **c == code)
        .copied()
}

/// The codes `method` documents: its own, then the common ones it does not list.
pub fn documented(method: &str) -> Vec<&'static str> {
    let own = BY_METHOD
        .iter()
        .find(|(m, _)| *m == method)
        .map_or(&[][..], |(_, c)| c);
    let mut all: Vec<&'static str> = own.to_vec();
    all.extend(COMMON.iter().filter(|c| !own.contains(c)));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_the_emulator_serves_has_its_codes() {
        for (m, _, _) in crate::slack::METHODS {
            assert!(BY_METHOD.iter().any(|(n, _)| n == m), "{m}");
            assert!(documented(m).contains(&"is_bot"));
        }
        assert_eq!(known("no_active_sessions"), Some("no_active_sessions"));
        assert_eq!(known("made_up"), None);
    }
}
