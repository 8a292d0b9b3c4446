//! The journal of a `set` or `clear` run (`--journal PATH`), and reading it back for
//! `--resume PATH`.
//!
//! JSON Lines. The first line is a header: the tool version, the method, the settings and
//! the encoding. Then one line for each answer that settled users, written, flushed and
//! fsynced before the run counts those users as done:
//!
//! ```text
//! {"journal":1,"tool":"slack-sessions-cli 0.1.0","method":"admin.users.session.setSettings","settings":{"duration":43200,"desktop_app_browser_quit":null},"encoding":"form"}
//! {"applied":["U00000001","U00000002"]}
//! {"failed":["U00000007"],"error":"user_not_found"}
//! ```
//!
//! A `kill -9` loses at most the outcome of the requests in flight: their users are not
//! in the journal, so a resume sends them again, which is safe because setSettings and
//! clearSettings are idempotent. A torn last line (the process died while writing it) is
//! ignored; any other line that is not a journal line is refused with its number.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use slack_sessions_core::Settled;

/// The journal format's version, in every header.
pub const JOURNAL_VERSION: u32 = 1;

/// The first line: what the run applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// [`JOURNAL_VERSION`].
    pub journal: u32,
    /// `slack-sessions-cli` and its version.
    pub tool: String,
    /// The Slack method.
    pub method: String,
    /// The settings sent (setSettings), each `null` when not set; `null` for clear.
    pub settings: Option<SettingsLine>,
    /// `form` or `json`.
    pub encoding: String,
}

/// The settings of a journal header or a snapshot group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsLine {
    /// Seconds.
    pub duration: Option<u64>,
    /// Whether closing the app or browser ends the session.
    pub desktop_app_browser_quit: Option<bool>,
}

/// One settled answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Line {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    applied: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    failed: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    error: String,
}

/// An open journal: each settled answer is one line, flushed and fsynced before it is
/// counted. Shared by the run's threads and the signal handler.
#[derive(Debug)]
pub struct Journal {
    file: Mutex<File>,
}

impl Journal {
    /// Starts a new journal at `path` with `header` (an existing file is replaced).
    pub fn create(path: &Path, header: &Header) -> Result<Journal, String> {
        let file = File::create(path)
            .map_err(|e| format!("cannot create --journal {}: {e}", path.display()))?;
        let j = Journal {
            file: Mutex::new(file),
        };
        j.write(&serde_json::to_string(header).map_err(|e| e.to_string())?)?;
        Ok(j)
    }

    /// Appends to the journal at `path`, which [`read`] has checked. A torn last line
    /// (one without its line break) is cut off first, so that it never ends up in the
    /// middle of the journal.
    pub fn append(path: &Path) -> Result<Journal, String> {
        let cannot = |e: std::io::Error| format!("cannot append to {}: {e}", path.display());
        let text = std::fs::read(path).map_err(cannot)?;
        let whole = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let file = OpenOptions::new().write(true).open(path).map_err(cannot)?;
        if whole < text.len() {
            file.set_len(whole as u64).map_err(cannot)?;
        }
        drop(file);
        let file = OpenOptions::new().append(true).open(path).map_err(cannot)?;
        Ok(Journal {
            file: Mutex::new(file),
        })
    }

    /// Writes the users one answer settled.
    pub fn record(&self, s: &Settled) -> Result<(), String> {
        let line = Line {
            applied: s.applied.iter().map(ToString::to_string).collect(),
            failed: s.failed.iter().map(ToString::to_string).collect(),
            error: s.code.clone(),
        };
        self.write(&serde_json::to_string(&line).map_err(|e| e.to_string())?)
    }

    /// Waits for any line being written, so that the process can exit with the journal
    /// whole.
    pub fn flush(&self) {
        let f = self.lock();
        let _ = f.sync_data();
    }

    fn write(&self, line: &str) -> Result<(), String> {
        let mut f = self.lock();
        // One write per line, so that a crash tears at most the last one.
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        f.write_all(&bytes)
            .and_then(|()| f.flush())
            .and_then(|()| f.sync_data())
            .map_err(|e| format!("cannot write the journal: {e}"))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, File> {
        self.file.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What a journal says: its header, the users applied, and the users failed (a user
/// applied later is only applied).
#[derive(Debug, Default)]
pub struct Record {
    /// The header.
    pub header: Option<Header>,
    /// Users applied.
    pub applied: HashSet<String>,
    /// Users failed and never applied since.
    pub failed: HashSet<String>,
}

/// Reads the journal at `path`. A torn last line is ignored; another bad line is an
/// error that names its number.
pub fn read(path: &Path) -> Result<Record, String> {
    let file =
        File::open(path).map_err(|e| format!("cannot read --resume {}: {e}", path.display()))?;
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (i, l) in BufReader::new(file).lines().enumerate() {
        let l = l.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if !l.trim().is_empty() {
            lines.push((i + 1, l));
        }
    }
    let mut record = Record::default();
    let last = lines.len();
    for (k, (n, text)) in lines.iter().enumerate() {
        let torn_ok = k + 1 == last;
        if k == 0 {
            let h: Header = serde_json::from_str(text)
                .map_err(|_| format!("{} line {n}: not a journal header", path.display()))?;
            if h.journal != JOURNAL_VERSION {
                return Err(format!(
                    "{} line {n}: journal version {} is not {JOURNAL_VERSION}",
                    path.display(),
                    h.journal
                ));
            }
            record.header = Some(h);
            continue;
        }
        let line: Line = match serde_json::from_str(text) {
            Ok(l) => l,
            Err(_) if torn_ok => break,
            Err(_) => return Err(format!("{} line {n}: not a journal line", path.display())),
        };
        for u in line.applied {
            record.failed.remove(&u);
            record.applied.insert(u);
        }
        for u in line.failed {
            if !record.applied.contains(&u) {
                record.failed.insert(u);
            }
        }
    }
    if record.header.is_none() {
        return Err(format!("{}: an empty journal", path.display()));
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use slack_sessions_core::UserId;

    fn header() -> Header {
        Header {
            journal: JOURNAL_VERSION,
            tool: "slack-sessions-cli test".into(),
            method: "admin.users.session.setSettings".into(),
            settings: Some(SettingsLine {
                duration: Some(28_800),
                desktop_app_browser_quit: None,
            }),
            encoding: "form".into(),
        }
    }

    fn settled(applied: &[&str], failed: &[&str], code: &str) -> Settled {
        let mut s = Settled::default();
        s.applied = applied.iter().map(|u| UserId::new(u).unwrap()).collect();
        s.failed = failed.iter().map(|u| UserId::new(u).unwrap()).collect();
        s.code = code.into();
        s
    }

    #[test]
    fn a_journal_reads_back_with_a_torn_last_line() {
        let dir = std::env::temp_dir().join(format!("journal-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("j.jsonl");
        let j = Journal::create(&path, &header()).unwrap();
        j.record(&settled(&["U00000001", "U00000002"], &[], ""))
            .unwrap();
        j.record(&settled(&[], &["U00000003"], "user_not_found"))
            .unwrap();
        j.record(&settled(&[], &["U00000004"], "internal_error"))
            .unwrap();
        drop(j);
        // A run that died mid-line, then a resume that applied U00000004 (the torn line
        // is cut off when the resume appends), then died mid-line again.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"applied":["U0000"#).unwrap();
        drop(f);
        assert!(read(&path).is_ok());
        let j = Journal::append(&path).unwrap();
        j.record(&settled(&["U00000004"], &[], "")).unwrap();
        drop(j);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"applied":["U0000"#).unwrap();
        drop(f);
        let r = read(&path).unwrap();
        assert_eq!(r.header, Some(header()));
        let mut applied: Vec<&String> = r.applied.iter().collect();
        applied.sort();
        assert_eq!(applied, ["U00000001", "U00000002", "U00000004"]);
        assert_eq!(r.failed, HashSet::from(["U00000003".to_owned()]));

        // A bad line that is not the last is refused with its number.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"\n{\"applied\":[\"U00000009\"]}\n").unwrap();
        drop(f);
        let e = read(&path).unwrap_err();
        assert!(e.ends_with("line 6: not a journal line"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
