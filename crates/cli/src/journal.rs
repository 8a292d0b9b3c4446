//! The journal of a `set`, `clear` or `sessions reset` run (`--journal PATH`), and
//! reading it back for `--resume PATH`.
//!
//! JSON Lines. The first line is a header: the tool version, the method and every
//! argument that changes what a request does (the settings, the reset scope), the
//! encoding, and for a run that named people (`--emails-file`, `--guests`, …) those
//! flags and how many users they resolved to. The resolved users follow, at most 1,000 a
//! line, so that a resume acts on exactly them without resolving again. Then one line
//! for each answer that settled users, written, flushed and fsynced before the run
//! counts those users as done:
//!
//! ```text
//! {"journal":3,"tool":"slack-sessions-cli 0.2.0","method":"admin.users.session.setSettings","settings":{"duration":43200,"desktop_app_browser_quit":null},"scope":null,"encoding":"form","people":["--guests"],"resolved":2}
//! {"resolved":["U00000007","U00000013"]}
//! {"applied":["U00000001","U00000002"]}
//! {"failed":["U00000007"],"error":"user_not_found"}
//! {"unanswered":["U00000008"],"error":"connect_error"}
//! ```
//!
//! `failed` users are those Slack itself refused; `unanswered` ones got no answer, or
//! Slack kept failing for them. A resume skips the applied users, and with
//! `--skip-failed` the refused ones; it always tries the unanswered ones again.
//!
//! The file is held under an exclusive advisory lock (`flock`) for the whole run, so a
//! second run on the same journal is refused at once. A new run refuses a journal that
//! already holds one.
//!
//! A `kill -9` loses at most the outcome of the requests in flight: their users are not
//! in the journal, so a resume sends them again, which is safe because every method a
//! journal records is idempotent. Each line is written with one write, so a crash can
//! only leave a last line without its line break: that torn line is ignored, and cut
//! off before a resume appends. Every line that ends in a line break is a whole line: if
//! it is not a journal line, the journal is refused with its number, every time. A
//! write that fails (a full disk) is cut back, so the journal stays whole.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use slack_sessions_core::Settled;

use crate::bounded::{next_line, size, Line as Read};

/// The journal format's version, in every header.
pub(crate) const JOURNAL_VERSION: u32 = 3;

/// The longest journal line read back: a line holds at most 1,000 user IDs.
pub(crate) const MAX_LINE: usize = 1 << 20;

/// The first line: what the run applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Header {
    /// [`JOURNAL_VERSION`].
    pub(crate) journal: u32,
    /// `slack-sessions-cli` and its version.
    pub(crate) tool: String,
    /// The Slack method.
    pub(crate) method: String,
    /// The settings sent (setSettings), each `null` when not set; `null` otherwise.
    pub(crate) settings: Option<SettingsLine>,
    /// The reset scope (resetBulk); `null` otherwise. Absent in version 1.
    #[serde(default)]
    pub(crate) scope: Option<ScopeLine>,
    /// `form` or `json`.
    pub(crate) encoding: String,
    /// The people flags of a run that named people, as written (version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) people: Option<Vec<String>>,
    /// How many users they resolved to, on the `resolved` lines after the header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) resolved: Option<u64>,
    /// For an apply: the policy file and every file it names, with their digests. A
    /// resume whose files differ is refused before anything is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) bound: Option<Vec<crate::digest::Bound>>,
}

/// The settings of a journal header or a snapshot group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SettingsLine {
    /// Seconds.
    pub(crate) duration: Option<u64>,
    /// Whether closing the app or browser ends the session.
    pub(crate) desktop_app_browser_quit: Option<bool>,
}

/// Which sessions a reset ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ScopeLine {
    /// Only mobile sessions.
    pub(crate) mobile_only: bool,
    /// Only web sessions.
    pub(crate) web_only: bool,
}

/// One settled answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    applied: Vec<String>,
    /// Refused by Slack (version 2); failed in any way (version 1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    failed: Vec<String>,
    /// No answer, or Slack kept failing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unanswered: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    error: String,
    /// Users the run's people resolved to (version 3; right after the header).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    resolved: Vec<String>,
}

/// An open journal, locked for this run: each settled answer is one line, flushed and
/// fsynced before it is counted. Shared by the run's threads and the signal handler.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    file: File,
    /// The bytes of whole lines: a failed write is cut back to here.
    whole: u64,
    /// The first write that failed; every later write fails with it.
    broken: Option<String>,
}

/// What a journal says: its header, the users applied, and the users Slack refused (a
/// user applied later is only applied).
#[derive(Debug, Default)]
pub(crate) struct Record {
    /// The header.
    pub(crate) header: Option<Header>,
    /// Users applied.
    pub(crate) applied: HashSet<String>,
    /// Users Slack refused and that were never applied since.
    pub(crate) refused: HashSet<String>,
    /// The users the run's people resolved to, in order.
    pub(crate) resolved: Vec<String>,
}

impl Journal {
    /// Opens the journal at `path` for a new run, locked: refused when another run holds
    /// it, or when it already records a run. The header is written by [`start`](Self::start).
    pub(crate) fn open_new(path: &Path) -> Result<Journal, String> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| format!("cannot create --journal {}: {e}", path.display()))?;
        lock(&file, path)?;
        let len = file
            .metadata()
            .map_err(|e| format!("cannot read --journal {}: {e}", path.display()))?
            .len();
        if len > 0 {
            return Err(format!(
                "--journal {} already records a run ({len} bytes): pass --resume {0} to go on with it, or name a new file",
                path.display()
            ));
        }
        Ok(Journal::new(path, file, 0))
    }

    /// Writes the header of a new journal.
    pub(crate) fn start(&self, header: &Header) -> Result<(), String> {
        self.write(&serde_json::to_string(header).map_err(|e| e.to_string())?)
    }

    /// Writes the users the run's people resolved to, 1,000 a line, after the header
    /// (which says how many).
    pub(crate) fn resolved<'a>(&self, users: impl Iterator<Item = &'a str>) -> Result<(), String> {
        let mut line = Line::default();
        let flush = |line: &mut Line| -> Result<(), String> {
            if line.resolved.is_empty() {
                return Ok(());
            }
            self.write(&serde_json::to_string(&*line).map_err(|e| e.to_string())?)?;
            line.resolved.clear();
            Ok(())
        };
        for u in users {
            line.resolved.push(u.to_owned());
            if line.resolved.len() == 1_000 {
                flush(&mut line)?;
            }
        }
        flush(&mut line)
    }

    /// Opens the journal at `path` to resume its run, locked, and reads it. A torn last
    /// line is cut off, so that it never ends up in the middle of the journal.
    pub(crate) fn resume(path: &Path) -> Result<(Journal, Record), String> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| format!("cannot read --resume {}: {e}", path.display()))?;
        lock(&file, path)?;
        let (record, whole) = read_from(&path.display().to_string(), &mut file)?;
        let cannot = |e: std::io::Error| format!("cannot append to {}: {e}", path.display());
        file.set_len(whole).map_err(cannot)?;
        file.seek(SeekFrom::End(0)).map_err(cannot)?;
        Ok((Journal::new(path, file, whole), record))
    }

    fn new(path: &Path, file: File, whole: u64) -> Journal {
        Journal {
            path: path.to_owned(),
            state: Mutex::new(State {
                file,
                whole,
                broken: None,
            }),
        }
    }

    /// Writes the users one answer settled.
    pub(crate) fn record(&self, s: &Settled) -> Result<(), String> {
        let ids = |v: &[slack_sessions_core::UserId]| v.iter().map(ToString::to_string).collect();
        let mut line = Line {
            applied: ids(&s.applied),
            error: s.code.clone(),
            ..Line::default()
        };
        if s.refused {
            line.failed = ids(&s.failed);
        } else {
            line.unanswered = ids(&s.failed);
        }
        self.write(&serde_json::to_string(&line).map_err(|e| e.to_string())?)
    }

    /// Waits for any line being written, so that the process can exit with the journal
    /// whole.
    pub(crate) fn flush(&self) {
        let s = self.lock();
        let _ = s.file.sync_data();
    }

    fn write(&self, line: &str) -> Result<(), String> {
        let mut s = self.lock();
        if let Some(e) = &s.broken {
            return Err(e.clone());
        }
        // One write per line, so that a crash tears at most the last one.
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        let written = s
            .file
            .write_all(&bytes)
            .and_then(|()| s.file.flush())
            .and_then(|()| s.file.sync_data());
        match written {
            Ok(()) => {
                s.whole += bytes.len() as u64;
                Ok(())
            }
            Err(e) => {
                // Cut back what part of the line went out, so the journal stays whole.
                let whole = s.whole;
                let _ = s.file.set_len(whole);
                let _ = s.file.seek(SeekFrom::Start(whole));
                let message = format!("cannot write the journal {}: {e}", self.path.display());
                s.broken = Some(message.clone());
                Err(message)
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Takes the exclusive advisory lock of the journal, or says who holds it.
fn lock(file: &File, path: &Path) -> Result<(), String> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "{} is in use by another run (it is locked): wait for that run to end, or name another journal",
            path.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(format!("cannot lock the journal {}: {e}", path.display()))
        }
    }
}

/// Reads a journal from `reader` (named `name` in messages): what it records, and the
/// length of its whole lines (a torn last line is left out).
pub(crate) fn read_from(name: &str, reader: impl std::io::Read) -> Result<(Record, u64), String> {
    let mut r = BufReader::new(reader);
    let mut buf = Vec::new();
    let mut record = Record::default();
    let mut version = JOURNAL_VERSION;
    let (mut whole, mut n) = (0u64, 0usize);
    loop {
        n += 1;
        let read = next_line(&mut r, &mut buf, MAX_LINE)
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        match read {
            Read::End
            | Read::Text {
                complete: false, ..
            } => break,
            Read::TooLong => {
                return Err(format!(
                    "{name} line {n} is over {}: not a journal",
                    size(MAX_LINE)
                ))
            }
            Read::Text { read, .. } => whole += read as u64,
        }
        if buf.trim_ascii().is_empty() {
            continue;
        }
        if record.header.is_none() {
            let h: Header = serde_json::from_slice(&buf)
                .map_err(|_| format!("{name} line {n}: not a journal header"))?;
            if h.journal == 0 || h.journal > JOURNAL_VERSION {
                return Err(format!(
                    "{name} line {n}: journal version {} is not one this tool reads (1 to {JOURNAL_VERSION})",
                    h.journal
                ));
            }
            if h.journal == 1 && h.method == "admin.users.session.resetBulk" {
                return Err(format!(
                    "{name}: a version 1 journal does not record which sessions its reset ended; start a new journal"
                ));
            }
            version = h.journal;
            record.header = Some(h);
            continue;
        }
        let line: Line = serde_json::from_slice(&buf)
            .map_err(|_| format!("{name} line {n}: not a journal line"))?;
        record.resolved.extend(line.resolved);
        for u in line.applied {
            record.refused.remove(&u);
            record.applied.insert(u);
        }
        // Version 1 did not say whether Slack refused its failed users: they are tried
        // again, like unanswered ones.
        if version >= 2 {
            for u in line.failed {
                if !record.applied.contains(&u) {
                    record.refused.insert(u);
                }
            }
        }
    }
    if record.header.is_none() {
        return Err(format!("{name}: an empty journal"));
    }
    Ok((record, whole))
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
            scope: None,
            encoding: "form".into(),
            people: None,
            resolved: None,
            bound: None,
        }
    }

    fn settled(applied: &[&str], failed: &[&str], code: &str, refused: bool) -> Settled {
        let mut s = Settled::default();
        s.applied = applied.iter().map(|u| UserId::new(u).unwrap()).collect();
        s.failed = failed.iter().map(|u| UserId::new(u).unwrap()).collect();
        s.code = code.into();
        s.refused = refused;
        s
    }

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn append(path: &Path, bytes: &[u8]) {
        let mut f = OpenOptions::new().append(true).open(path).unwrap();
        f.write_all(bytes).unwrap();
    }

    fn read(path: &Path) -> Result<Record, String> {
        read_from("j", File::open(path).unwrap()).map(|(r, _)| r)
    }

    fn sorted(s: &HashSet<String>) -> Vec<&str> {
        let mut v: Vec<&str> = s.iter().map(String::as_str).collect();
        v.sort();
        v
    }

    #[test]
    fn a_journal_reads_back_with_a_torn_last_line() {
        let d = dir("torn");
        let path = d.join("j.jsonl");
        let j = Journal::open_new(&path).unwrap();
        j.start(&header()).unwrap();
        j.record(&settled(&["U00000001", "U00000002"], &[], "", false))
            .unwrap();
        j.record(&settled(&[], &["U00000003"], "user_not_found", true))
            .unwrap();
        j.record(&settled(&[], &["U00000004"], "internal_error", false))
            .unwrap();
        drop(j);
        // A run that died mid-line, then a resume that applied U00000004 (the torn line
        // is cut off when the resume appends), then died mid-line again.
        append(&path, br#"{"applied":["U0000"#);
        assert!(read(&path).is_ok());
        let (j, r) = Journal::resume(&path).unwrap();
        assert_eq!(sorted(&r.refused), ["U00000003"], "only Slack's refusals");
        j.record(&settled(&["U00000004"], &[], "", false)).unwrap();
        drop(j);
        append(&path, br#"{"applied":["U0000"#);
        let r = read(&path).unwrap();
        assert_eq!(r.header, Some(header()));
        assert_eq!(sorted(&r.applied), ["U00000001", "U00000002", "U00000004"]);
        assert_eq!(sorted(&r.refused), ["U00000003"]);

        // A bad line that is not the last is refused with its number.
        append(&path, b"\n{\"applied\":[\"U00000009\"]}\n");
        let e = read(&path).unwrap_err();
        assert!(e.ends_with("line 6: not a journal line"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// The users a run's people resolved to read back in order, 1,000 a line.
    #[test]
    fn a_resolved_set_reads_back_whole_and_in_order() {
        let d = dir("resolved");
        let path = d.join("j.jsonl");
        let j = Journal::open_new(&path).unwrap();
        let ids: Vec<String> = (0..2_500).rev().map(|i| format!("U{i:08}")).collect();
        j.start(&Header {
            people: Some(vec!["--guests".into()]),
            resolved: Some(2_500),
            ..header()
        })
        .unwrap();
        j.resolved(ids.iter().map(String::as_str)).unwrap();
        j.record(&settled(&["U00002499"], &[], "", false)).unwrap();
        drop(j);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 1 + 3 + 1);
        let r = read(&path).unwrap();
        assert_eq!(r.resolved, ids);
        assert_eq!(r.header.unwrap().resolved, Some(2_500));
        assert_eq!(sorted(&r.applied), ["U00002499"]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// A torn line cut inside a multi-byte character is cut like any torn line.
    #[test]
    fn a_torn_line_inside_a_character_is_cut() {
        let d = dir("utf8");
        let path = d.join("j.jsonl");
        let j = Journal::open_new(&path).unwrap();
        j.start(&header()).unwrap();
        drop(j);
        append(&path, b"{\"applied\":[\"U1\"],\"error\":\"\xc3");
        let (j, r) = Journal::resume(&path).unwrap();
        assert!(r.applied.is_empty());
        j.record(&settled(&["U00000001"], &[], "", false)).unwrap();
        drop(j);
        let r = read(&path).unwrap();
        assert_eq!(sorted(&r.applied), ["U00000001"]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// A bad last line that ends in a line break is a whole line that is not a journal
    /// line: refused the first time and every time after.
    #[test]
    fn a_bad_whole_last_line_is_refused_every_time() {
        let d = dir("bad-last");
        let path = d.join("j.jsonl");
        let j = Journal::open_new(&path).unwrap();
        j.start(&header()).unwrap();
        drop(j);
        append(&path, b"garbage\n");
        for _ in 0..2 {
            let e = Journal::resume(&path).unwrap_err();
            assert!(e.ends_with("line 2: not a journal line"), "{e}");
        }
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_journal_that_records_a_run_is_never_replaced() {
        let d = dir("replace");
        let path = d.join("j.jsonl");
        let j = Journal::open_new(&path).unwrap();
        j.start(&header()).unwrap();
        j.record(&settled(&["U00000001"], &[], "", false)).unwrap();
        drop(j);
        let before = std::fs::read(&path).unwrap();
        let e = Journal::open_new(&path).unwrap_err();
        assert!(
            e.contains("already records a run") && e.contains("--resume"),
            "{e}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), before);
        // An empty file is no run: it may be used.
        let empty = d.join("empty.jsonl");
        std::fs::write(&empty, b"").unwrap();
        assert!(Journal::open_new(&empty).is_ok());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_second_run_on_one_journal_is_refused_at_once() {
        let d = dir("lock");
        let path = d.join("j.jsonl");
        let first = Journal::open_new(&path).unwrap();
        first.start(&header()).unwrap();
        let e = Journal::resume(&path).unwrap_err();
        assert!(e.contains("in use by another run"), "{e}");
        let e = Journal::open_new(&path).unwrap_err();
        assert!(e.contains("in use by another run"), "{e}");
        drop(first);
        assert!(Journal::resume(&path).is_ok(), "the lock ends with the run");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn lines_are_bounded() {
        let mut big = serde_json::to_vec(&header()).unwrap();
        big.push(b'\n');
        big.extend(std::iter::repeat_n(b' ', MAX_LINE + 10));
        big.push(b'\n');
        let e = read_from("j", &big[..]).map(|_| ()).unwrap_err();
        assert_eq!(e, "j line 2 is over 1 MiB: not a journal");
        let e = read_from("/dev/zero", std::io::repeat(0))
            .map(|_| ())
            .unwrap_err();
        assert_eq!(e, "/dev/zero line 1 is over 1 MiB: not a journal");
    }

    /// A failed write (a full disk) is cut back: the journal stays whole, and every
    /// later write fails with the first error instead of leaving a fragment.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_leaves_the_journal_whole() {
        let j = Journal::open_new(Path::new("/dev/full")).unwrap();
        let e = j.start(&header()).unwrap_err();
        assert!(e.starts_with("cannot write the journal /dev/full: "), "{e}");
        assert!(e.contains("No space left on device"), "{e}");
        let again = j
            .record(&settled(&["U00000001"], &[], "", false))
            .unwrap_err();
        assert_eq!(again, e);
    }

    #[test]
    fn version_1_failures_are_tried_again() {
        let v1 = concat!(
            r#"{"journal":1,"tool":"t","method":"admin.users.session.setSettings","settings":null,"encoding":"form"}"#,
            "\n",
            r#"{"failed":["U00000001"],"error":"connect_error"}"#,
            "\n",
            r#"{"applied":["U00000002"]}"#,
            "\n"
        );
        let (r, whole) = read_from("j", v1.as_bytes()).unwrap();
        assert!(r.refused.is_empty());
        assert_eq!(sorted(&r.applied), ["U00000002"]);
        assert_eq!(whole, v1.len() as u64);
        let reset = v1.replace("setSettings", "resetBulk");
        let e = read_from("j", reset.as_bytes()).map(|_| ()).unwrap_err();
        assert!(e.contains("does not record which sessions"), "{e}");
    }
}
