//! Both transports behind one small trait, so that a command runs the same way over
//! either: settings from the command line, the verbose observer and the progress bar.

use std::io::IsTerminal;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use slack_sessions_core::limits::MAX_USERS_PER_CALL;
use slack_sessions_core::sansio::{Adapter, ClientConfig};
use slack_sessions_core::{
    BulkError, BulkReport, BulkRun, Disposition, Error, InvalidInput, Progress, RequestEvent,
    RequestObserver, Roots, UsersMethod,
};

use crate::fail::{usage, Fail};
use crate::invocation::Settings;
use crate::output::clean;
use crate::users::Texts;

/// A client that can run bulk work to the end, whatever its transport.
pub(super) trait BulkClient {
    /// `M` with `params` over `users`, as the client's `apply_bulk` does.
    fn apply<M: UsersMethod>(
        &self,
        params: M::Params,
        users: &Texts,
        run: BulkRun,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<BulkReport<M::Output>, Error>;
}

impl BulkClient for slack_sessions_ureq::Client {
    fn apply<M: UsersMethod>(
        &self,
        params: M::Params,
        users: &Texts,
        run: BulkRun,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<BulkReport<M::Output>, Error> {
        // The command reports a stopped or cancelled run like any other.
        self.apply_bulk::<M, _, _>(params, users.iter(), run, progress)
            .or_else(BulkError::into_report)
    }
}

/// The async client with the runtime it runs on.
pub(super) struct OnRuntime {
    pub(super) client: slack_sessions_hyper::DefaultClient,
    pub(super) runtime: tokio::runtime::Runtime,
}

impl BulkClient for OnRuntime {
    fn apply<M: UsersMethod>(
        &self,
        params: M::Params,
        users: &Texts,
        run: BulkRun,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<BulkReport<M::Output>, Error> {
        self.runtime
            .block_on(
                self.client
                    .apply_bulk::<M, _, _>(params, users.iter(), run, progress),
            )
            .or_else(BulkError::into_report)
    }
}

/// The command line's settings on either client's builder.
pub(super) fn configure<A>(
    builder: ClientConfig<A>,
    g: &Settings,
    base_url: Option<String>,
) -> Result<ClientConfig<A>, Fail> {
    let mut b = builder
        .encoding(g.encoding)
        .timeout(g.timeout)
        .max_retries(g.max_retries)
        .user_agent_suffix(concat!("slack-sessions-cli/", env!("CARGO_PKG_VERSION")));
    if let Some(u) = base_url {
        b = b.base_url(u);
    }
    // As curl, gh and aws do: the operating system's CAs, the environment's proxy.
    b = b.roots(Roots::Native).proxy_from_env(!g.no_proxy);
    for path in &g.ca_file {
        let pem = crate::bounded::read_small(path, MAX_CA_FILE, "--ca-file").map_err(usage)?;
        b = b.add_root_pem(pem);
    }
    if let Some(p) = &g.proxy {
        b = b.proxy(p);
    }
    if let Some(r) = g.rate {
        b = b.rate(r);
    }
    // `-v`: every request the client handles, bulk or not (a resolution's listings and
    // lookups, a plan's reads, a verification's listings).
    if let Some(o) = observer(g) {
        b = b.on_request(o);
    }
    Ok(b)
}

/// The largest CA file read (a system bundle is a few hundred KiB).
const MAX_CA_FILE: usize = 16 << 20;

/// Builds the client; where the operating system has no CA certificates at all (a bare
/// container), says so once and trusts Mozilla's roots instead.
pub(super) fn build<A: Adapter + Clone>(b: ClientConfig<A>) -> Result<A::Client, Fail> {
    match b.clone().build() {
        Err(Error::Invalid(e @ InvalidInput::NativeRoots(_))) => {
            eprintln!("warning: {e}; trusting Mozilla's roots instead");
            b.roots(Roots::WebPki).build()
        }
        other => other,
    }
    .map_err(|e| usage(e.to_string()))
}

/// The `-v` log: a stderr line per request, with the time, how long the pacer held it,
/// how long it took, and what comes next (a retry names its wait).
pub(super) fn observer(g: &Settings) -> Option<RequestObserver> {
    g.verbose.then(|| {
        Arc::new(|e: &RequestEvent| {
            let status = e.status.map_or("-".to_owned(), |s| s.to_string());
            let next = match e.disposition {
                Disposition::Retry(w) => format!("retry in {}ms", w.as_millis()),
                Disposition::Applied => "done".into(),
                Disposition::Split => "split".into(),
                Disposition::Failed => "failed".into(),
                Disposition::Stopped => "stopped".into(),
                other => format!("{other:?}"),
            };
            let detail = e
                .detail
                .as_deref()
                .map_or(String::new(), |d| format!(" ({})", clean(d)));
            eprintln!(
                "{} {} users={} status={status} code={} attempt={} paced={}ms took={}ms next={next}{detail}",
                timestamp(),
                e.method,
                e.users,
                clean(&e.code),
                e.attempt,
                e.paced.as_millis(),
                e.took.as_millis(),
            );
        }) as RequestObserver
    })
}

/// The time now, UTC, to the millisecond: `2026-12-03T20:35:54.123Z`.
pub(super) fn timestamp() -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    utc(since.as_secs(), since.subsec_millis())
}

/// `secs` after the epoch, as an RFC 3339 UTC time (days to a civil date by Howard
/// Hinnant's algorithm).
fn utc(secs: u64, millis: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rest = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// A progress bar on a terminal, for runs of more than one chunk.
pub(super) fn progress_bar(g: &Settings, valid: usize) -> Option<ProgressBar> {
    let chunks = valid.div_ceil(MAX_USERS_PER_CALL);
    if g.quiet || chunks <= 1 || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = ProgressBar::new(valid as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {pos}/{len} users ({elapsed})")
    {
        pb.set_style(style.progress_chars("=> "));
    }
    Some(pb)
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_utc() {
        assert_eq!(super::utc(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::utc(951_782_400, 7), "2000-02-29T00:00:00.007Z");
        assert_eq!(super::utc(1_796_330_154, 123), "2026-12-03T20:35:54.123Z");
    }
}
