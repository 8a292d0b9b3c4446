//! [`verdict`]: the one rule that says what a failure means — retry, stop the run,
//! isolate a bad member, or fail these users. [`RetryPolicy`](crate::RetryPolicy),
//! [`Error::is_retryable`], [`Error::stops_run`], bulk work and the CLI's exit codes
//! all ask it.

use std::time::Duration;

use http::StatusCode;

use crate::error::{CallError, Error, TransportKind};
use crate::error_code::{ErrorClass, ErrorCode};

/// What a failed attempt calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Another try may succeed: after exponential backoff.
    Backoff,
    /// Another try may succeed: after the server's `Retry-After` (never less than the
    /// policy's floor).
    RetryAfter(Duration),
    /// Nothing else will succeed either (auth, permission, the method is gone, or the
    /// answer shows the base URL is not Slack's API): stop the whole run; users not yet
    /// tried are not attempted.
    StopRun,
    /// One member of the list spoils the call (an unknown user, a bot, or an argument
    /// Slack refused): split the list to find it; a single user fails.
    Isolate,
    /// These users fail; others may still succeed.
    Fail,
}

impl Verdict {
    /// Whether another try may succeed.
    pub fn retries(self) -> bool {
        matches!(self, Verdict::Backoff | Verdict::RetryAfter(_))
    }
}

/// The verdict on `error` for a method that is (or is not) idempotent: only an
/// idempotent call may be sent again when Slack may already have acted on it
/// (`fatal_error`, no answer, an unreadable answer).
///
/// ```
/// use slack_sessions_core::sansio::{verdict, Verdict};
/// use slack_sessions_core::{CallError, Error};
/// let e = Error::Call(CallError::Http { status: http::StatusCode::BAD_GATEWAY, excerpt: String::new(), retry_after: None });
/// assert_eq!(verdict(&e, true), Verdict::Backoff);
/// assert_eq!(verdict(&e, false), Verdict::Fail);
/// ```
pub fn verdict(error: &Error, idempotent: bool) -> Verdict {
    let if_idempotent = |v: Verdict| if idempotent { v } else { Verdict::Fail };
    match error {
        Error::Invalid(_) => Verdict::Fail,
        Error::Call(CallError::RateLimited { retry_after }) => Verdict::RetryAfter(*retry_after),
        Error::Call(CallError::Api(api)) => match api.code.class() {
            ErrorClass::RateLimit => Verdict::Backoff,
            ErrorClass::Transient if api.code == ErrorCode::FatalError => {
                if_idempotent(Verdict::Backoff)
            }
            ErrorClass::Transient => Verdict::Backoff,
            ErrorClass::Auth | ErrorClass::Gone => Verdict::StopRun,
            ErrorClass::PerUser => Verdict::Isolate,
            _ if api.code == ErrorCode::InvalidArguments => Verdict::Isolate,
            _ => Verdict::Fail,
        },
        // Not Slack's API at all: a path that does not exist, a redirect (Slack's API
        // never redirects; a login page or a moved host does), or a web page where JSON
        // was due. Every other request would get the same.
        Error::Call(CallError::Http { status, .. })
            if status.is_redirection()
                || matches!(
                    *status,
                    StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED | StatusCode::GONE
                ) =>
        {
            Verdict::StopRun
        }
        Error::Call(CallError::Decode(d)) if d.is_web_page() => Verdict::StopRun,
        // One entry of an answer otherwise read: its user fails, and another try would
        // read the same.
        Error::Call(CallError::Decode(d)) if d.user.is_some() => Verdict::Fail,
        Error::Call(CallError::EndlessListing(_)) => Verdict::StopRun,
        Error::Call(CallError::Http {
            status,
            retry_after,
            ..
        }) => {
            let transient = matches!(
                *status,
                StatusCode::INTERNAL_SERVER_ERROR
                    | StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
                    | StatusCode::REQUEST_TIMEOUT
            );
            match (transient, retry_after) {
                (false, _) => Verdict::Fail,
                (true, Some(d)) => if_idempotent(Verdict::RetryAfter(*d)),
                (true, None) => if_idempotent(Verdict::Backoff),
            }
        }
        Error::Call(CallError::Decode(_)) => if_idempotent(Verdict::Backoff),
        Error::Transport(t) => match t.kind {
            // Nothing was sent.
            TransportKind::Dns | TransportKind::Connect => Verdict::Backoff,
            TransportKind::Timeout | TransportKind::Io | TransportKind::BodyTooLarge => {
                if_idempotent(Verdict::Backoff)
            }
            _ => Verdict::Fail,
        },
    }
}

/// What a failure means, by the one rule.
impl Error {
    /// Whether a later try of an idempotent call may fix the failure (rate limits,
    /// transient codes, 408/500/502/503/504, no answer, an unreadable answer), as
    /// [`verdict`](crate::sansio::verdict) rules. The call that returned it has already used up
    /// its retries.
    pub fn is_retryable(&self) -> bool {
        verdict(self, true).retries()
    }

    /// Whether the failure stops a whole bulk run (auth, permission, a method that is
    /// gone), as [`verdict`](crate::sansio::verdict) rules.
    pub fn stops_run(&self) -> bool {
        verdict(self, true) == Verdict::StopRun
    }

    /// Whether Slack itself answered and refused (`ok:false` with a code that another
    /// try would not change, such as `user_not_found`), as opposed to a failure to get
    /// an answer, a transient error that outlived its retries, or a stop. Only a refusal
    /// says something about the users; anything else says nothing, and a later run
    /// should try them again.
    pub fn is_refusal(&self) -> bool {
        matches!(self, Error::Call(CallError::Api(_)))
            && matches!(verdict(self, true), Verdict::Fail | Verdict::Isolate)
    }
}

/// Whether Slack may have acted on a request that failed with `error`: it was sent, and
/// no answer says it was not (no answer came, the answer could not be read, a 5xx or a
/// 408 from something on the way, or Slack's own `fatal_error` or `internal_error`,
/// which "may have succeeded in part"). A retry after such a failure may meet the work
/// already done: see [`Method::done_by_earlier_attempt`](crate::Method::done_by_earlier_attempt).
pub fn outcome_unknown(error: &Error) -> bool {
    match error {
        Error::Invalid(_) => false,
        Error::Transport(t) => !matches!(
            t.kind,
            TransportKind::Dns | TransportKind::Connect | TransportKind::Proxy | TransportKind::Tls
        ),
        Error::Call(CallError::Decode(_)) => true,
        Error::Call(CallError::Http { status, .. }) => {
            status.is_server_error() || *status == StatusCode::REQUEST_TIMEOUT
        }
        Error::Call(CallError::Api(a)) => {
            matches!(a.code, ErrorCode::FatalError | ErrorCode::InternalError)
        }
        Error::Call(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::test_errors::{api, http, transport};
    use crate::error::{DecodeError, InvalidInput};

    /// Every error class × status × idempotency, in one table: the rule, written out.
    #[test]
    fn the_rule_as_a_table() {
        use Verdict::*;
        let d = Duration::from_secs;
        let decode = Error::Call(CallError::Decode(DecodeError {
            status: StatusCode::OK,
            reason: "eof".into(),
            excerpt: String::new(),
            user: None,
        }));
        let limited = Error::Call(CallError::RateLimited { retry_after: d(7) });
        let html_at_200 = Error::Call(CallError::Decode(DecodeError {
            status: StatusCode::OK,
            reason: "expected value".into(),
            excerpt: "<!DOCTYPE html><html>".into(),
            user: None,
        }));
        // (error, verdict when idempotent, verdict when not)
        let table: Vec<(Error, Verdict, Verdict)> = vec![
            // Slack's classes, through a code of each.
            (api("internal_error"), Backoff, Backoff),
            (api("service_unavailable"), Backoff, Backoff),
            (api("request_timeout"), Backoff, Backoff),
            (api("fatal_error"), Backoff, Fail),
            (api("ratelimited"), Backoff, Backoff),
            (api("invalid_auth"), StopRun, StopRun),
            (api("missing_scope"), StopRun, StopRun),
            (api("not_an_admin"), StopRun, StopRun),
            (api("token_revoked"), StopRun, StopRun),
            (api("unknown_method"), StopRun, StopRun),
            (api("method_deprecated"), StopRun, StopRun),
            (api("user_not_found"), Isolate, Isolate),
            (api("bots_not_allowed"), Isolate, Isolate),
            (api("invalid_arguments"), Isolate, Isolate),
            (api("invalid_form_data"), Fail, Fail),
            (api("at_least_one_session_setting_required"), Fail, Fail),
            (api("unable_to_update_existing_sessions"), Fail, Fail),
            (api("shiny_new_code"), Fail, Fail),
            // Codes Slack's reference documents for some of the family.
            (api("is_bot"), StopRun, StopRun),
            (api("restricted_action"), StopRun, StopRun),
            (api("user_session_reset_failed"), Backoff, Backoff),
            (api("session_invalidation_failed"), Backoff, Backoff),
            (api("cannot_invalidate_primary_owner"), Isolate, Isolate),
            (api("session_not_found"), Fail, Fail),
            (api("no_active_sessions"), Fail, Fail),
            (api("missing_team"), Fail, Fail),
            (api("missing_user"), Fail, Fail),
            (api("team_not_found"), Fail, Fail),
            (api("invalid_cursor"), Fail, Fail),
            (
                Error::Call(CallError::EndlessListing("cursor c repeated".into())),
                StopRun,
                StopRun,
            ),
            (api(""), Fail, Fail),
            // HTTP statuses.
            (limited, RetryAfter(d(7)), RetryAfter(d(7))),
            (http(408, None), Backoff, Fail),
            (http(500, None), Backoff, Fail),
            (http(502, None), Backoff, Fail),
            (http(503, None), Backoff, Fail),
            (http(503, Some(2)), RetryAfter(d(2)), Fail),
            (http(504, None), Backoff, Fail),
            (http(501, None), Fail, Fail),
            (http(400, None), Fail, Fail),
            (http(401, None), Fail, Fail),
            (http(404, Some(1)), StopRun, StopRun),
            (http(405, None), StopRun, StopRun),
            (http(301, None), StopRun, StopRun),
            (http(302, None), StopRun, StopRun),
            (http(307, Some(1)), StopRun, StopRun),
            (http(308, None), StopRun, StopRun),
            (decode, Backoff, Fail),
            (html_at_200, StopRun, StopRun),
            // No answer.
            (transport(TransportKind::Connect), Backoff, Backoff),
            (transport(TransportKind::Timeout), Backoff, Fail),
            (transport(TransportKind::Io), Backoff, Fail),
            (transport(TransportKind::BodyTooLarge), Backoff, Fail),
            (transport(TransportKind::Dns), Backoff, Backoff),
            (transport(TransportKind::Tls), Fail, Fail),
            (transport(TransportKind::Proxy), Fail, Fail),
            (transport(TransportKind::Other), Fail, Fail),
            (Error::Invalid(InvalidInput::NoSetting), Fail, Fail),
        ];
        for (e, idem, not) in &table {
            assert_eq!(verdict(e, true), *idem, "{e:?}, idempotent");
            assert_eq!(verdict(e, false), *not, "{e:?}, not idempotent");
            // The helpers on Error say the same.
            assert_eq!(e.is_retryable(), idem.retries(), "{e:?}");
            assert_eq!(e.stops_run(), *idem == StopRun, "{e:?}");
        }
    }

    #[test]
    fn which_failures_leave_the_outcome_unknown() {
        let unknown = [
            transport(TransportKind::Timeout),
            transport(TransportKind::Io),
            transport(TransportKind::BodyTooLarge),
            http(500, None),
            http(503, None),
            http(408, None),
            api("fatal_error"),
            api("internal_error"),
            Error::Call(CallError::Decode(DecodeError {
                status: StatusCode::OK,
                reason: "eof".into(),
                excerpt: String::new(),
                user: None,
            })),
        ];
        let known = [
            transport(TransportKind::Connect),
            transport(TransportKind::Dns),
            transport(TransportKind::Tls),
            transport(TransportKind::Proxy),
            http(404, None),
            http(400, None),
            api("user_not_found"),
            api("service_unavailable"),
            api("ratelimited"),
            Error::Call(CallError::RateLimited {
                retry_after: Duration::from_secs(1),
            }),
            Error::Invalid(InvalidInput::NoSetting),
        ];
        for e in &unknown {
            assert!(outcome_unknown(e), "{e:?}");
        }
        for e in &known {
            assert!(!outcome_unknown(e), "{e:?}");
        }
    }
}
