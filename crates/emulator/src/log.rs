//! The request log tests read: what came in, with the token redacted, and what went out.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use serde_json::Value;

/// One request as the emulator saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// The call number (1-based) among calls to known methods; 0 for others.
    pub call: u64,
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

/// A bounded log plus unbounded counters.
#[derive(Debug)]
pub(crate) struct Log {
    capacity: usize,
    entries: Mutex<VecDeque<LogEntry>>,
    counts: Mutex<BTreeMap<String, u64>>,
}

impl Log {
    pub fn new(capacity: usize) -> Self {
        Log {
            capacity,
            entries: Mutex::new(VecDeque::new()),
            counts: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn wants_entries(&self) -> bool {
        self.capacity > 0
    }

    pub fn record(&self, entry: LogEntry) {
        {
            let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            *c.entry(entry.outcome.clone()).or_default() += 1;
            *c.entry("requests".into()).or_default() += 1;
        }
        if self.capacity == 0 {
            return;
        }
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if e.len() == self.capacity {
            e.pop_front();
        }
        e.push_back(entry);
    }

    pub fn count(&self, outcome: &str) -> u64 {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.get(outcome).copied().unwrap_or(0)
    }

    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn entries(&self) -> Vec<LogEntry> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}
