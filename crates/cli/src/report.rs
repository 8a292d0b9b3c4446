//! Turning a bulk report into the human summary, the JSON report and an exit code.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{json, Value};
use slack_sessions_core::{
    BulkReport, Error, GetSettingsOutput, Method, ResetSessionsBulk, TransportKind, Verified,
};

use crate::exit::{Exit, Signal};
use crate::output::clean;
use crate::users::{echo, Input};

/// The version of the `--json` report's shape; it changes only when a field changes
/// meaning or goes away.
pub(crate) const SCHEMA_VERSION: u32 = 2;

/// A finished run, whatever the method.
pub(crate) struct Outcome {
    pub(crate) method: &'static str,
    pub(crate) report: BulkReport<()>,
    pub(crate) settings: Option<GetSettingsOutput>,
    pub(crate) elapsed: Duration,
    /// Inputs that held no user ID at all (CSV rows without the user column): never
    /// sent, reported as invalid.
    pub(crate) unreadable: Vec<Input>,
    /// The `error:` line printed first, when the run stopped or gave up (see
    /// [`stop_line`]); also the JSON report's `error`.
    pub(crate) error_line: Option<String>,
    /// The signal that interrupted the run.
    pub(crate) interrupted: Option<Signal>,
    /// Why the journal could not be written, when that stopped the run.
    pub(crate) journal_error: Option<String>,
    /// With `--resume`: the users the journal said were done.
    pub(crate) resumed: Option<Resumed>,
    /// With `sessions reset --verify`: where each user whose reset was accepted stands.
    pub(crate) verified: Option<Vec<(slack_sessions_core::UserId, Verified)>>,
    /// Inputs left out before anything was sent: people flags that matched nobody, and
    /// users Slack will not act on (the primary owner, for a reset).
    pub(crate) skipped: Vec<Skipped>,
}

/// An input a run left out before sending anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Skipped {
    /// The input as given: an email, a user group ID, a user ID.
    pub(crate) input: String,
    /// Why, as a code: `email_not_found`, `deactivated`, `bot`, `primary_owner`, …
    pub(crate) reason: &'static str,
    /// Why, in words.
    pub(crate) detail: String,
}

/// The users a `--resume` skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resumed {
    /// Applied by an earlier run.
    pub(crate) already_applied: usize,
    /// Refused by Slack in an earlier run, skipped with `--skip-failed`: not succeeded.
    pub(crate) skipped_failed: usize,
}

impl Outcome {
    /// Keeps everything but the typed payload, which `settings` carries for `get`.
    pub(crate) fn new<O>(
        method: &'static str,
        r: BulkReport<O>,
        settings: Option<GetSettingsOutput>,
        elapsed: Duration,
    ) -> Self {
        Outcome {
            method,
            report: r.map_output(drop),
            settings,
            elapsed,
            unreadable: Vec::new(),
            error_line: None,
            interrupted: None,
            journal_error: None,
            resumed: None,
            verified: None,
            skipped: Vec::new(),
        }
    }

    /// Distinct inputs, valid or not: the same figure in the summary and in JSON.
    pub(crate) fn requested(&self) -> usize {
        self.report.requested + self.unreadable.len() + self.skipped.len()
    }

    /// Whether the run was cancelled by a signal (rather than by a journal that could
    /// not be written).
    fn was_interrupted(&self) -> bool {
        self.interrupted.is_some() || (self.report.cancelled && self.journal_error.is_none())
    }

    /// What stopped the run, or made it give up: `stopped_by`, else the first failure
    /// that says Slack could not be reached or kept failing. The `error:` line is about
    /// it (unless the journal stopped the run: then it is about the journal).
    pub(crate) fn stop_cause(&self) -> Option<&Error> {
        let r = &self.report;
        r.stopped_by
            .as_ref()
            .or_else(|| r.failed.iter().map(|f| &*f.error).find(|e| gave_up(e)))
    }

    /// How this outcome ends the process.
    pub(crate) fn exit_code(&self) -> Exit {
        let o = self;
        if let Some(signal) = o.interrupted {
            return Exit::Interrupted(signal);
        }
        if o.journal_error.is_some() {
            return Exit::Unreachable;
        }
        let r = &o.report;
        if let Some(e) = &r.stopped_by {
            return if e.is_auth() {
                Exit::Auth
            } else {
                Exit::Unreachable
            };
        }
        if r.failed.iter().any(|f| gave_up(&f.error)) {
            return Exit::Unreachable;
        }
        let unconfirmed = o
            .verified
            .iter()
            .flatten()
            .any(|(_, v)| *v != slack_sessions_core::Verified::SignedOut);
        if !r.failed.is_empty()
            || !r.invalid.is_empty()
            || !r.not_attempted.is_empty()
            || !o.unreadable.is_empty()
            || !o.skipped.is_empty()
            || o.resumed.is_some_and(|p| p.skipped_failed > 0)
            || unconfirmed
        {
            return Exit::Partial;
        }
        Exit::Ok
    }

    /// Writes the one JSON report to standard output, as it is serialized, and
    /// a line break.
    pub(crate) fn print_json(&self, bad: &[(Input, String)]) -> Result<(), crate::fail::Fail> {
        use std::io::Write as _;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        self.write_json(bad, &mut out)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush())
            .map_err(|e| crate::output::write_failed(&e))
    }

    /// The one JSON report, as a value (for a report that holds others: `restore`).
    pub(crate) fn json(&self, bad: &[(Input, String)]) -> Value {
        serde_json::to_value(JsonReport { outcome: self, bad }).unwrap_or(Value::Null)
    }

    /// Writes the one JSON report to `out` as it is serialized: a run of a million users
    /// never holds it whole in memory, only the report's packed user IDs.
    pub(crate) fn write_json(
        &self,
        bad: &[(Input, String)],
        out: impl std::io::Write,
    ) -> serde_json::Result<()> {
        crate::escape::write_json(out, &JsonReport { outcome: self, bad })
    }

    /// The human summary.
    pub(crate) fn summary(&self) -> String {
        let r = &self.report;
        let mut s = String::new();
        let short = self.method.rsplit('.').next().unwrap_or(self.method);
        // resetBulk only enqueues a job, and the users its `failed_for_some_users` does
        // not name are taken as accepted: without --verify, nobody is known signed out.
        let done = if self.method == <ResetSessionsBulk as Method>::NAME && self.verified.is_none()
        {
            "accepted (not confirmed: resetBulk only enqueues the sign-out; --verify confirms it)"
        } else {
            "succeeded"
        };
        match &self.resumed {
            // Counted over the whole journal: users skipped never count as succeeded.
            Some(p) => {
                let _ = writeln!(
                    s,
                    "{short}: {} of {} users {done} ({} of them by the earlier run)",
                    r.applied.len() + p.already_applied,
                    self.requested() + p.already_applied + p.skipped_failed,
                    p.already_applied
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "{short}: {} of {} users {done}",
                    r.applied.len(),
                    self.requested()
                );
            }
        }
        if let Some(g) = &self.settings {
            let _ = writeln!(
                s,
                "  {} with settings, {} with none",
                g.session_settings.len(),
                g.no_settings_applied.len()
            );
            for u in g.session_settings.iter().take(10) {
                let d = u.duration.map_or("-".to_owned(), |d| d.to_string());
                let q = u
                    .desktop_app_browser_quit
                    .map_or("-".to_owned(), |q| q.to_string());
                let _ = writeln!(s, "    {}  duration {d}  quit on close {q}", u.user_id);
            }
            if g.session_settings.len() > 10 {
                let _ = writeln!(
                    s,
                    "    … and {} more (use --json for all)",
                    g.session_settings.len() - 10
                );
            }
        }
        let _ = writeln!(s, "  failed: {}", r.failed.len());
        let mut by_code: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in &r.failed {
            by_code
                .entry(f.code().into_owned())
                .or_default()
                .push(f.user_id.to_string());
        }
        for (code, ids) in &by_code {
            let shown: Vec<&str> = ids.iter().take(3).map(String::as_str).collect();
            let more = if ids.len() > 3 {
                format!(", … {} more", ids.len() - 3)
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "    {} ({}): {}{more}",
                clean(code),
                ids.len(),
                shown.join(", ")
            );
        }
        let _ = writeln!(
            s,
            "  invalid (skipped): {}",
            r.invalid.len() + self.unreadable.len() + self.skipped.len()
        );
        for k in self.skipped.iter().take(10) {
            let _ = writeln!(s, "    {}: {} ({})", echo(&k.input), k.reason, k.detail);
        }
        if self.skipped.len() > 10 {
            let _ = writeln!(
                s,
                "    … and {} more (use --json for all)",
                self.skipped.len() - 10
            );
        }
        let _ = writeln!(s, "  not attempted: {}", r.not_attempted.len());
        if !r.not_returned.is_empty() {
            let _ = writeln!(
                s,
                "  not returned: {} (no active session: Slack leaves such users out of getSettings, so their settings are unknown)",
                r.not_returned.len()
            );
        }
        if let Some(e) = &r.stopped_by {
            let _ = writeln!(s, "  stopped: {}", clean(&e.to_string()));
        }
        if let Some(e) = &self.journal_error {
            let _ = writeln!(s, "  stopped: {}; the rest were not attempted", clean(e));
        } else if self.was_interrupted() {
            let _ = writeln!(
                s,
                "  interrupted: the requests in flight finished; the rest were not attempted"
            );
        }
        if let Some(p) = &self.resumed {
            let _ = writeln!(
                s,
                "  resumed: {} applied by the earlier run (not sent again)",
                p.already_applied
            );
            if p.skipped_failed > 0 {
                let _ = writeln!(
                    s,
                    "  skipped: {} refused by slack in the earlier run (--skip-failed): not succeeded",
                    p.skipped_failed
                );
            }
        }
        for w in &r.warnings {
            let _ = writeln!(s, "  slack warning: {}", clean(w));
        }
        if let Some(verified) = &self.verified {
            let count = |f: fn(&Verified) -> bool| verified.iter().filter(|(_, v)| f(v)).count();
            let _ = writeln!(
                s,
                "  verified: {} signed out, {} still active, {} unknown",
                count(|v| *v == Verified::SignedOut),
                count(|v| matches!(v, Verified::StillActive(_))),
                count(|v| matches!(v, Verified::Unknown(_))),
            );
            for (u, how) in verified
                .iter()
                .filter(|(_, v)| *v != Verified::SignedOut)
                .take(10)
            {
                match how {
                    Verified::StillActive(ids) => {
                        let shown: Vec<String> = ids.iter().take(5).map(u64::to_string).collect();
                        let _ = writeln!(
                            s,
                            "    {u} still active: {} session(s) left ({})",
                            ids.len(),
                            shown.join(", ")
                        );
                    }
                    Verified::Unknown(why) => {
                        let _ = writeln!(s, "    {u} unknown: {}", clean(why));
                    }
                    _ => {}
                }
            }
        }
        let _ = writeln!(
            s,
            "  requests: {} (retries: {}), elapsed {:.2}s",
            r.requests,
            r.retries,
            self.elapsed.as_secs_f64()
        );
        s
    }
}

/// The one `error:` line for a run that stopped: the cause, and what to do about it,
/// with any control character from the server escaped. `base_url` is where the
/// requests went; `scope` the scope the method needs.
pub(crate) fn stop_line(e: &Error, method: &str, base_url: &str, scope: &str) -> String {
    clean(&advice(e, method, base_url, scope)).into_owned()
}

fn advice(e: &Error, method: &str, base_url: &str, scope: &str) -> String {
    use slack_sessions_core::{CallError, ErrorCode, TlsProblem};
    let admin = format!("a user token (xoxp-) of an org admin or owner with {scope}");
    match e {
        Error::Call(CallError::Http { status, .. }) if status.is_redirection() => format!(
            "{base_url} redirected {method} (http {}); Slack's API never redirects: check --base-url (it ends in /api/)",
            status.as_u16()
        ),
        Error::Call(CallError::Http { status, .. }) if status.is_server_error() => format!(
            "{base_url} kept answering http {} for {method}: Slack or a proxy on the way is having trouble; try again later",
            status.as_u16()
        ),
        Error::Call(CallError::Http { status, .. }) => format!(
            "{base_url} answered http {} for {method}: check --base-url (it ends in /api/)",
            status.as_u16()
        ),
        Error::Call(CallError::RateLimited { retry_after }) => format!(
            "slack kept rate-limiting {method} (retry after {}s): lower --rate, or try again later",
            retry_after.as_secs()
        ),
        Error::Call(CallError::Decode(d)) if d.is_web_page() => format!(
            "{base_url} answered a web page, not Slack's API, for {method}: check --base-url (it ends in /api/)"
        ),
        Error::Call(CallError::Decode(d)) => format!(
            "{base_url} answered {method} with JSON this tool cannot read ({})",
            d.reason
        ),
        Error::Call(CallError::Api(a)) => {
            let hint = match &a.code {
                ErrorCode::MissingScope => {
                    let needed = a.needed.as_deref().unwrap_or(scope);
                    format!("the token lacks a scope; {method} needs a user token (xoxp-) of an org admin or owner with {needed}")
                }
                ErrorCode::NotAllowedTokenType => {
                    format!("bot tokens cannot call {method}; use {admin}")
                }
                ErrorCode::NotAuthed
                | ErrorCode::InvalidAuth
                | ErrorCode::TokenRevoked
                | ErrorCode::TokenExpired
                | ErrorCode::AccountInactive => {
                    format!("check SLACK_TOKEN or --token-file: {method} needs {admin}")
                }
                ErrorCode::FeatureNotEnabled
                | ErrorCode::EnterpriseIsRestricted
                | ErrorCode::TeamAddedToOrg
                | ErrorCode::OrgLoginRequired => {
                    format!("{method} needs an Enterprise organization and {admin}")
                }
                ErrorCode::UnknownMethod
                | ErrorCode::MethodDeprecated
                | ErrorCode::DeprecatedEndpoint => {
                    format!("{base_url} does not offer {method}: check --base-url")
                }
                c if c.class() == slack_sessions_core::ErrorClass::Transient => {
                    format!("slack kept failing ({}); try again later", c.description())
                }
                c if c.class() == slack_sessions_core::ErrorClass::Auth => {
                    format!("{method} needs {admin}")
                }
                // Not about the token: Slack refused this request for what it names.
                c => return format!("slack refused {method} ({c}): {}", c.description()),
            };
            format!("slack refused the run ({}): {hint}", a.code)
        }
        Error::Transport(t) => {
            let cause = &t.cause;
            match (t.kind, t.tls) {
                (TransportKind::Tls, Some(TlsProblem::PlainToTls)) => format!(
                    "{base_url} did not answer in plain http (is it https?): check --base-url"
                ),
                (TransportKind::Tls, Some(TlsProblem::UnknownIssuer)) => format!(
                    "cannot verify {base_url}'s certificate: its issuer is not trusted ({cause}). If a proxy inspects TLS, or the server has a private CA, pass --ca-file with that CA"
                ),
                (TransportKind::Tls, Some(TlsProblem::WrongName)) => format!(
                    "{base_url}'s certificate is for another host ({cause}): check --base-url"
                ),
                (TransportKind::Tls, Some(TlsProblem::Expired)) => format!(
                    "{base_url}'s certificate has expired or is not valid yet ({cause}): check this machine's clock, or tell the server's owner"
                ),
                (TransportKind::Tls, Some(TlsProblem::NotTls)) => format!(
                    "{base_url} did not speak TLS ({cause}): check --base-url (is it http?)"
                ),
                (TransportKind::Tls, _) => format!("tls with {base_url} failed ({cause})"),
                (TransportKind::Proxy, _) => format!(
                    "{}: check --proxy, HTTPS_PROXY and ALL_PROXY (or pass --no-proxy)",
                    t.message
                ),
                (TransportKind::Dns, _) => format!(
                    "cannot reach {base_url}: {}; check --base-url and the network",
                    t.message
                ),
                (TransportKind::Timeout, _) => format!(
                    "{base_url} did not answer in time ({}): check the network, or raise --timeout",
                    t.message
                ),
                (TransportKind::BodyTooLarge, _) => format!(
                    "{base_url} sent an answer to {method} over the size cap ({}); for sessions list, pass a smaller --limit",
                    t.message
                ),
                _ => format!(
                    "cannot reach {base_url}: {}; check the network and --base-url",
                    t.message
                ),
            }
        }
        other => format!("{base_url} kept failing for {method}: {other}"),
    }
}

/// A failure that says Slack could not be reached or kept failing, rather than that it
/// refused some users: no answer came, or the core's one rule (`Error::is_retryable`)
/// says a later try might have succeeded.
pub(crate) fn gave_up(e: &Error) -> bool {
    e.transport_kind().is_some() || e.is_retryable()
}

/// The JSON report of an outcome, serialized field by field from the report itself.
struct JsonReport<'a> {
    outcome: &'a Outcome,
    /// The inputs that are not user IDs, with where they came from.
    bad: &'a [(Input, String)],
}

impl serde::Serialize for JsonReport<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let o = self.outcome;
        let r = &o.report;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schema_version", &SCHEMA_VERSION)?;
        m.serialize_entry("method", o.method)?;
        m.serialize_entry("requested", &o.requested())?;
        m.serialize_entry("applied", &r.applied)?;
        m.serialize_entry("failed", &Each(&r.failed, |f: &slack_sessions_core::Failed| {
            json!({"user_id": f.user_id, "error": f.code(), "refused": f.error.is_refusal(), "detail": f.error.to_string()})
        }))?;
        let origin: BTreeMap<&str, &str> = self
            .bad
            .iter()
            .map(|(i, _)| (i.text.as_str(), i.origin.as_str()))
            .collect();
        let invalid: Vec<Value> =
            r.invalid
                .iter()
                .map(|i| {
                    let reason = match origin.get(i.input.as_str()) {
                        Some(o) => format!("{} ({o})", i.reason),
                        None => i.reason.to_string(),
                    };
                    json!({"input": echo(&i.input), "reason": reason})
                })
                .chain(o.unreadable.iter().map(|i| {
                    let reason = format!(
                        "{} ({})",
                        i.problem.as_deref().unwrap_or("no user id"),
                        i.origin
                    );
                    json!({"input": echo(&i.text), "reason": reason})
                }))
                .chain(o.skipped.iter().map(
                    |k| json!({"input": echo(&k.input), "reason": k.reason, "detail": k.detail}),
                ))
                .collect();
        m.serialize_entry("invalid", &invalid)?;
        m.serialize_entry("not_attempted", &r.not_attempted)?;
        if o.method == <ResetSessionsBulk as Method>::NAME && o.verified.is_none() {
            // `applied` are the users Slack accepted a sign-out for: not confirmed.
            m.serialize_entry("accepted_not_confirmed", &true)?;
        }
        m.serialize_entry("not_returned", &r.not_returned)?;
        m.serialize_entry("requests", &r.requests)?;
        m.serialize_entry("retries", &r.retries)?;
        m.serialize_entry("elapsed_ms", &(o.elapsed.as_millis() as u64))?;
        if let Some(e) = &r.stopped_by {
            m.serialize_entry(
                "stopped_by",
                &json!({"code": e.short_code(), "detail": e.to_string()}),
            )?;
        }
        if let Some(line) = &o.error_line {
            m.serialize_entry("error", line)?;
        }
        if o.was_interrupted() {
            m.serialize_entry("interrupted", &true)?;
        }
        if let Some(e) = &o.journal_error {
            m.serialize_entry("journal_error", e)?;
        }
        if let Some(p) = &o.resumed {
            m.serialize_entry(
                "resumed",
                &json!({"already_applied": p.already_applied, "skipped_failed": p.skipped_failed}),
            )?;
        }
        if !r.warnings.is_empty() {
            m.serialize_entry("warnings", &r.warnings)?;
        }
        if let Some(verified) = &o.verified {
            let mut out = json!({"signed_out": [], "still_active": [], "unknown": []});
            for (u, how) in verified {
                match how {
                    Verified::SignedOut => {
                        out["signed_out"].as_array_mut().map(|a| a.push(json!(u)))
                    }
                    Verified::StillActive(ids) => out["still_active"]
                        .as_array_mut()
                        .map(|a| a.push(json!({"user_id": u, "sessions": ids}))),
                    Verified::Unknown(why) => out["unknown"]
                        .as_array_mut()
                        .map(|a| a.push(json!({"user_id": u, "reason": why}))),
                    _ => None,
                };
            }
            m.serialize_entry("verify", &out)?;
        }
        if let Some(settings) = &o.settings {
            m.serialize_entry(
                "settings",
                &Each(
                    &settings.session_settings,
                    |u: &slack_sessions_core::UserSessionSettings| {
                        json!({
                            "user_id": u.user_id,
                            "duration": u.duration.map(|d| d.as_secs()),
                            "desktop_app_browser_quit": u.desktop_app_browser_quit,
                        })
                    },
                ),
            )?;
            m.serialize_entry("no_settings_applied", &settings.no_settings_applied)?;
        }
        m.end()
    }
}

/// A list serialized one entry at a time, each made by `F` only as it is written.
struct Each<'a, T, F>(&'a [T], F);

impl<T, F: Fn(&T) -> Value> serde::Serialize for Each<'_, T, F> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for item in self.0 {
            seq.serialize_element(&(self.1)(item))?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slack_sessions_core::{BulkReport, UserId};

    /// A run stopped by a journal that could not be written says so, and is not an
    /// interrupt: exit 4, no `"interrupted"`, the journal's error in the report.
    #[test]
    fn a_journal_failure_is_not_an_interrupt() {
        let mut r = BulkReport::<()>::default();
        r.applied = vec![UserId::new("U00000001").unwrap()];
        r.not_attempted = vec![UserId::new("U00000002").unwrap()];
        r.cancelled = true;
        r.requested = 2;
        let mut o = Outcome::new("admin.users.session.setSettings", r, None, Duration::ZERO);
        o.journal_error = Some("cannot write the journal j: No space left on device".into());
        assert_eq!(o.exit_code(), Exit::Unreachable);
        let v = o.json(&[]);
        assert!(v.get("interrupted").is_none(), "{v}");
        assert_eq!(
            v["journal_error"],
            "cannot write the journal j: No space left on device"
        );
        let s = o.summary();
        assert!(s.contains("stopped: cannot write the journal j"), "{s}");
        assert!(!s.contains("interrupted"), "{s}");
        // The same report cancelled by a signal is an interrupt.
        o.journal_error = None;
        o.interrupted = Some(Signal::Int);
        assert_eq!(o.exit_code(), Exit::Interrupted(Signal::Int));
        assert_eq!(o.json(&[])["interrupted"], true);
    }
}
