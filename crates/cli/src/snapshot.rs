//! Snapshots: the JSON report of `get --json` (or of `set --snapshot`), read back by
//! `restore`.
//!
//! The fields `restore` reads (the rest of the report is ignored):
//!
//! ```text
//! {"schema_version": 2,
//!  "method": "admin.users.session.getSettings",
//!  "settings": [{"user_id": "U…", "duration": 43200 | null, "desktop_app_browser_quit": true | null}, …],
//!  "no_settings_applied": ["U…", …],
//!  "not_returned": ["U…", …]}
//! ```
//!
//! Users in `not_returned` had no active session, so Slack did not say what their
//! settings were; a restore leaves them alone, and says how many there were.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use slack_sessions_core::{
    GetSettings, HeldDuration, Method, RestorePlan, UserId, UserSessionSettings,
};

/// The newest report shape a snapshot may have.
const NEWEST: u32 = crate::report::SCHEMA_VERSION;

/// The largest snapshot read: about ten million users.
pub(crate) const MAX_SNAPSHOT: usize = 1 << 30;

#[derive(Deserialize)]
struct Shape {
    schema_version: u32,
    method: String,
    #[serde(default)]
    settings: Vec<Entry>,
    #[serde(default)]
    no_settings_applied: Vec<String>,
    #[serde(default)]
    not_returned: Vec<String>,
}

#[derive(Deserialize)]
struct Entry {
    user_id: String,
    /// What Slack held, as it reported it: any whole number of seconds.
    duration: Option<i64>,
    desktop_app_browser_quit: Option<bool>,
}

/// A snapshot, read and checked.
#[derive(Debug)]
pub(crate) struct Snapshot {
    /// Users who had settings.
    pub(crate) settings: Vec<UserSessionSettings>,
    /// Users who had none.
    pub(crate) none: Vec<UserId>,
    /// Users whose settings Slack did not report (no active session).
    pub(crate) unknown: usize,
}

impl Snapshot {
    /// Reads `path`; every problem is one line that names the file. The file is read
    /// as it is parsed, and no further than [`MAX_SNAPSHOT`].
    pub(crate) fn read(path: &Path) -> Result<Snapshot, String> {
        let name = path.display();
        let file = File::open(path).map_err(|e| format!("cannot read snapshot {name}: {e}"))?;
        let limit = MAX_SNAPSHOT as u64 + 1;
        let mut reader = BufReader::new(file.take(limit));
        let f: Shape = serde_json::from_reader(&mut reader).map_err(|e| {
            if reader.get_ref().limit() == 0 {
                format!(
                    "{name} is over {}: not a snapshot",
                    crate::bounded::size(MAX_SNAPSHOT)
                )
            } else {
                format!("{name} is not a snapshot (the JSON of get --json): {e}")
            }
        })?;
        if f.method != GetSettings::NAME {
            return Err(format!(
                "{name} is the report of {}, not a snapshot (the JSON of get --json)",
                f.method
            ));
        }
        if f.schema_version == 0 || f.schema_version > NEWEST {
            return Err(format!(
                "{name}: schema_version {} is not one this tool reads (1 to {NEWEST})",
                f.schema_version
            ));
        }
        let user = |u: &str| {
            UserId::new(u).map_err(|e| format!("{name}: user {:?}: {e}", crate::users::echo(u)))
        };
        let mut settings = Vec::with_capacity(f.settings.len());
        for e in &f.settings {
            let mut s = UserSessionSettings::new(user(&e.user_id)?);
            s.desktop_app_browser_quit = e.desktop_app_browser_quit;
            s.duration = e.duration.map(HeldDuration::from_secs);
            settings.push(s);
        }
        let none = f
            .no_settings_applied
            .iter()
            .map(|u| user(u))
            .collect::<Result<_, _>>()?;
        Ok(Snapshot {
            settings,
            none,
            unknown: f.not_returned.len(),
        })
    }

    /// The requests that bring the users back to this snapshot; a user who held a
    /// setting Slack would not take back is left out, in the plan's `refused`.
    pub(crate) fn plan(&self) -> RestorePlan {
        RestorePlan::new(&self.settings, &self.none)
    }
}

/// Writes a snapshot to `path` so that it is on disk before anything changes: into a
/// new file beside it, fsynced, then moved into place, and the directory fsynced. An
/// existing `path` is refused unless `replace`; the check and the move are one step
/// (a hard link fails on an existing name), so a file that appears meanwhile is never
/// overwritten either.
pub(crate) fn write_durably(
    path: &Path,
    replace: bool,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    write_new("--snapshot", path, replace, write)
}

/// [`write_durably`] for the file of option `flag` (`--snapshot`, `--out`), named in its
/// messages.
pub(crate) fn write_new(
    flag: &str,
    path: &Path,
    replace: bool,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    let shown = path.display();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| format!("{flag} {shown} names no file"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| format!("cannot write {flag} {shown}: {e}"))?;
        let mut w = std::io::BufWriter::new(f);
        write(&mut w)
            .and_then(|()| w.flush())
            .and_then(|()| w.get_ref().sync_all())
            .map_err(|e| format!("cannot write {flag} {shown}: {e}"))?;
        drop(w);
        if replace {
            std::fs::rename(&tmp, path)
        } else {
            std::fs::hard_link(&tmp, path)
        }
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists if flag == "--snapshot" => refuse_existing(path),
            std::io::ErrorKind::AlreadyExists => {
                format!("{flag} {shown} already exists: name a new file")
            }
            _ => format!("cannot write {flag} {shown}: {e}"),
        })?;
        // The new name must reach the disk too.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

/// The refusal of a snapshot path that already holds a file.
pub(crate) fn refuse_existing(path: &Path) -> String {
    format!(
        "--snapshot {} already exists: it may be the only way to undo an earlier run; name a new file, or pass --replace-snapshot",
        path.display()
    )
}

/// Refuses, before anything is read or sent, a snapshot that would overwrite a file or
/// the journal.
pub(crate) fn check_paths(record: &crate::invocation::Record) -> Result<(), crate::fail::Fail> {
    let Some(snapshot) = &record.snapshot else {
        return Ok(());
    };
    if let Some(journal) = record.journal.as_ref().or(record.resume.as_ref()) {
        if same_file(snapshot, journal) {
            return Err(crate::fail::usage(format!(
                "--snapshot and --journal name one file ({}): each needs its own",
                snapshot.display()
            )));
        }
    }
    if !record.replace_snapshot && std::fs::symlink_metadata(snapshot).is_ok() {
        return Err(crate::fail::usage(refuse_existing(snapshot)));
    }
    Ok(())
}

/// Whether two paths name one file: the same file if both exist, else the same name in
/// the same directory.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    let full = |p: &Path| {
        let dir = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
        p.file_name().map(|n| dir.join(n))
    };
    full(a).is_some() && full(a) == full(b)
}

/// Why a snapshot of `held` could not be written back, if it could not.
pub(crate) fn unrestorable(held: slack_sessions_core::policy::Held) -> Option<String> {
    let slack_sessions_core::policy::Held::Settings {
        duration: Some(d), ..
    } = held
    else {
        return None;
    };
    slack_sessions_core::SessionDuration::try_from(d).err().map(|e| {
        format!("holds a {e}: Slack reports it but will not take it back, so no snapshot could undo a change; --force changes them anyway")
    })
}

/// Writes what the users an apply changes hold, as a snapshot `restore` reads (the
/// same shape as the getSettings report `set --snapshot` writes).
pub(crate) fn write_held(
    path: &Path,
    replace: bool,
    held: &[(
        slack_sessions_core::UserId,
        slack_sessions_core::policy::Held,
    )],
) -> Result<(), String> {
    use serde::Serialize;
    use slack_sessions_core::policy::Held;
    use slack_sessions_core::HeldDuration;
    #[derive(Serialize)]
    struct Entry<'a> {
        user_id: &'a str,
        duration: Option<i64>,
        desktop_app_browser_quit: Option<bool>,
    }
    #[derive(Serialize)]
    struct Shape<'a> {
        schema_version: u32,
        method: &'static str,
        settings: Vec<Entry<'a>>,
        no_settings_applied: Vec<&'a str>,
        not_returned: Vec<&'a str>,
    }
    let mut s = Shape {
        schema_version: crate::report::SCHEMA_VERSION,
        method: "admin.users.session.getSettings",
        settings: Vec::new(),
        no_settings_applied: Vec::new(),
        not_returned: Vec::new(),
    };
    for (id, h) in held {
        match *h {
            Held::NotReturned => s.not_returned.push(id.as_str()),
            Held::Settings {
                duration: None,
                quit_on_close: None,
            } => s.no_settings_applied.push(id.as_str()),
            Held::Settings {
                duration,
                quit_on_close,
            } => s.settings.push(Entry {
                user_id: id.as_str(),
                duration: duration.map(HeldDuration::as_secs),
                desktop_app_browser_quit: quit_on_close,
            }),
            _ => s.not_returned.push(id.as_str()),
        }
    }
    write_durably(path, replace, |w| {
        serde_json::to_writer(&mut *w, &s).map_err(std::io::Error::from)?;
        w.write_all(b"\n")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("snapshot-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_snapshot_never_overwrites_unless_asked() {
        let d = dir("write");
        let p = d.join("before.json");
        let text = |t: &'static [u8]| move |w: &mut dyn Write| w.write_all(t);
        write_durably(&p, false, text(b"one")).unwrap();
        let e = write_durably(&p, false, text(b"two")).unwrap_err();
        assert!(e.contains("already exists"), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        write_durably(&p, true, text(b"three")).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"three");
        // Nothing is left beside it.
        let names: Vec<_> = std::fs::read_dir(&d).unwrap().collect();
        assert_eq!(names.len(), 1);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_snapshot_is_refused_at_once() {
        let e = Snapshot::read(Path::new("/dev/zero")).unwrap_err();
        assert!(e.starts_with("/dev/zero is not a snapshot"), "{e}");
    }

    #[test]
    fn an_invalid_id_is_echoed_short() {
        let d = dir("echo");
        let p = d.join("s.json");
        let long = "x".repeat(5000);
        std::fs::write(
            &p,
            format!(r#"{{"schema_version":2,"method":"admin.users.session.getSettings","no_settings_applied":["{long}"]}}"#),
        )
        .unwrap();
        let e = Snapshot::read(&p).unwrap_err();
        assert!(e.len() < 400, "{e}");
        assert!(e.contains('…'), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
