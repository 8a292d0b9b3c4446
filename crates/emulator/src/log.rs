//! The request log tests read: what came in, with the token redacted, and what went out.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use serde_json::Value;

/// The longest header value kept in a log entry, in bytes; longer ones are cut.
pub const MAX_LOGGED_HEADER: usize = 256;
/// The most headers kept in a log entry; the rest are counted in one last pair.
pub const MAX_LOGGED_HEADERS: usize = 32;
/// The longest string argument kept in a log entry, in bytes (room for 1,000 user IDs).
pub const MAX_LOGGED_ARG: usize = 16 << 10;
/// The most bytes the whole log keeps; the oldest entries go first past it.
pub const MAX_LOG_BYTES: usize = 64 << 20;

/// One request as the emulator saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// The call number (1-based) among calls to known methods; 0 for others.
    pub call: u64,
    /// When the request arrived (its head read).
    pub arrived: std::time::Instant,
    /// The method named in the path.
    pub method: String,
    /// The request headers, with `Authorization` redacted.
    pub headers: Vec<(String, String)>,
    /// Whether a token came in the header, the form body, or not at all.
    pub token_source: TokenSource,
    /// The decoded arguments (the token left out), when the body could be read.
    pub args: Value,
    /// The HTTP status answered, or 0 when the connection was dropped.
    pub status: u16,
    /// `ok`, the Slack error code, or the injected fault.
    pub outcome: String,
}

/// Where the token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// `Authorization: Bearer`.
    Header,
    /// A `token` form field.
    Body,
    /// No token.
    None,
}

/// A log bounded in entries and in bytes, plus counters.
#[derive(Debug)]
pub(crate) struct Log {
    capacity: usize,
    entries: Mutex<Entries>,
    counts: Mutex<BTreeMap<String, u64>>,
}

/// The kept entries, each with its size, and their total.
#[derive(Debug, Default)]
struct Entries {
    list: VecDeque<(LogEntry, usize)>,
    bytes: usize,
}

/// `s` cut at a character boundary to at most `max` bytes.
fn cut(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
}

/// Cuts every string in `v` to [`MAX_LOGGED_ARG`] and returns about how many bytes `v`
/// holds.
fn cap_value(v: &mut Value) -> usize {
    match v {
        Value::String(s) => {
            cut(s, MAX_LOGGED_ARG);
            s.len() + 24
        }
        Value::Array(a) => {
            a.truncate(crate::slack::MAX_USERS + 1);
            a.iter_mut().map(cap_value).sum::<usize>() + 24
        }
        Value::Object(m) => {
            m.iter_mut()
                .map(|(k, v)| k.len() + cap_value(v))
                .sum::<usize>()
                + 48
        }
        _ => 16,
    }
}

impl LogEntry {
    /// Cuts the entry to the per-entry bounds and returns about how many bytes it holds.
    fn cap(&mut self) -> usize {
        if self.headers.len() > MAX_LOGGED_HEADERS {
            let more = self.headers.len() - (MAX_LOGGED_HEADERS - 1);
            self.headers.truncate(MAX_LOGGED_HEADERS - 1);
            self.headers
                .push(("…".into(), format!("{more} more headers not kept")));
        }
        let mut bytes = std::mem::size_of::<LogEntry>();
        for (k, v) in &mut self.headers {
            cut(k, MAX_LOGGED_HEADER);
            cut(v, MAX_LOGGED_HEADER);
            bytes += k.len() + v.len() + 48;
        }
        cut(&mut self.method, MAX_LOGGED_HEADER);
        bytes + self.method.len() + self.outcome.len() + cap_value(&mut self.args)
    }
}

impl Log {
    pub(crate) fn new(capacity: usize) -> Self {
        Log {
            capacity,
            entries: Mutex::new(Entries::default()),
            counts: Mutex::new(BTreeMap::new()),
        }
    }

    pub(crate) fn wants_entries(&self) -> bool {
        self.capacity > 0
    }

    /// Counts a request that gets no entry, under `outcome` and `requests`.
    pub(crate) fn count_only(&self, outcome: &str) {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        *c.entry(outcome.to_owned()).or_default() += 1;
        *c.entry("requests".into()).or_default() += 1;
    }

    pub(crate) fn record(&self, mut entry: LogEntry) {
        self.count_only(&entry.outcome);
        if self.capacity == 0 {
            return;
        }
        let size = entry.cap();
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.bytes += size;
        e.list.push_back((entry, size));
        while e.list.len() > self.capacity || e.bytes > MAX_LOG_BYTES {
            match e.list.pop_front() {
                Some((_, n)) => e.bytes -= n,
                None => break,
            }
        }
    }

    /// About how many bytes the kept entries hold.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).bytes
    }

    pub(crate) fn count(&self, outcome: &str) -> u64 {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.get(outcome).copied().unwrap_or(0)
    }

    pub(crate) fn counts(&self) -> BTreeMap<String, u64> {
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn entries(&self) -> Vec<LogEntry> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .list
            .iter()
            .map(|(e, _)| e.clone())
            .collect()
    }

    pub(crate) fn clear(&self) {
        *self.entries.lock().unwrap_or_else(|p| p.into_inner()) = Entries::default();
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(header_bytes: usize, arg_bytes: usize) -> LogEntry {
        LogEntry {
            arrived: std::time::Instant::now(),
            call: 1,
            method: "admin.users.session.getSettings".into(),
            headers: (0..100)
                .map(|i| (format!("x-pad-{i}"), "y".repeat(header_bytes)))
                .collect(),
            token_source: TokenSource::Header,
            args: serde_json::json!({"user_ids": "U".repeat(arg_bytes)}),
            status: 200,
            outcome: "ok".into(),
        }
    }

    /// 10,000 requests with 60 KB of headers each stay within the log's byte bound.
    #[test]
    fn entries_and_the_whole_log_are_bounded() {
        let log = Log::new(10_000);
        log.record(entry(60_000, 1 << 20));
        let kept = &log.entries()[0];
        assert_eq!(kept.headers.len(), MAX_LOGGED_HEADERS);
        assert!(kept
            .headers
            .iter()
            .all(|(k, v)| k.len() <= MAX_LOGGED_HEADER + 3 && v.len() <= MAX_LOGGED_HEADER + 3));
        assert!(kept.args["user_ids"].as_str().unwrap().len() <= MAX_LOGGED_ARG + 3);
        let one = log.bytes();
        assert!(one < 32 << 10, "{one} bytes for one entry");
        for _ in 0..9_999 {
            log.record(entry(600, 20_000));
        }
        assert!(log.bytes() <= MAX_LOG_BYTES);
        assert!(log.entries().len() < 10_000);
        assert_eq!(log.count("requests"), 10_000);
        log.clear();
        assert_eq!(log.bytes(), 0);
    }
}
