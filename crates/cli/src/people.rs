//! People named the way admins hold them, on the command line: emails (a file, or
//! `--email`), guests, admins, owners, user groups, everyone, and exceptions (a file of
//! IDs or emails), read and checked into the library's [`Selection`].

use std::path::PathBuf;

use slack_sessions_core::{Email, Selection, UserId, UsergroupId};

use crate::users::{self, Columns, Input};

/// An emails file: an `email` column.
const EMAIL_COLUMNS: Columns = Columns {
    names: &["email"],
    what: "emails",
};

/// An exceptions file: a `user_id`, `id` or `email` column; each value an ID or, with an
/// `@`, an email.
const EXCEPT_COLUMNS: Columns = Columns {
    names: &["user_id", "id", "email"],
    what: "user IDs or emails",
};

/// The people flags of one command, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct People {
    /// `--emails-file`.
    pub(crate) emails_file: Option<PathBuf>,
    /// `--email`, each checked.
    pub(crate) emails: Vec<Email>,
    /// `--guests`.
    pub(crate) guests: bool,
    /// `--admins`.
    pub(crate) admins: bool,
    /// `--owners`.
    pub(crate) owners: bool,
    /// `--usergroup`, each checked.
    pub(crate) usergroups: Vec<UsergroupId>,
    /// `--all-users`.
    pub(crate) all_users: bool,
    /// `--except-file`.
    pub(crate) except_file: Option<PathBuf>,
    /// `--workspace`.
    pub(crate) workspace: Option<String>,
    /// `--directory-size`.
    pub(crate) directory_size: Option<u64>,
}

impl People {
    /// Whether any flag names people or exceptions: then the users are resolved.
    pub(crate) fn any(&self) -> bool {
        self.names_people() || self.except_file.is_some()
    }

    /// Whether any flag names people to act on.
    pub(crate) fn names_people(&self) -> bool {
        self.emails_file.is_some()
            || !self.emails.is_empty()
            || self.guests
            || self.admins
            || self.owners
            || !self.usergroups.is_empty()
            || self.all_users
    }

    /// The flags as written, in a fixed order: what a journal records, so that a resume
    /// with other flags is refused.
    pub(crate) fn describe(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(f) = &self.emails_file {
            v.push(format!("--emails-file={}", f.display()));
        }
        v.extend(self.emails.iter().map(|e| format!("--email={e}")));
        for (on, flag) in [
            (self.guests, "--guests"),
            (self.admins, "--admins"),
            (self.owners, "--owners"),
            (self.all_users, "--all-users"),
        ] {
            if on {
                v.push(flag.to_owned());
            }
        }
        v.extend(self.usergroups.iter().map(|g| format!("--usergroup={g}")));
        if let Some(f) = &self.except_file {
            v.push(format!("--except-file={}", f.display()));
        }
        if let Some(w) = &self.workspace {
            v.push(format!("--workspace={w}"));
        }
        v
    }
}

/// What the people flags' files held: the selection (without the user IDs, which the
/// caller adds), and the inputs that are neither an email nor an ID, with why.
pub(crate) struct Read {
    pub(crate) selection: Selection,
    pub(crate) bad: Vec<(Input, String)>,
}

/// Reads the emails file and the exceptions file, streamed, into a selection.
pub(crate) fn read(p: &People) -> Result<Read, String> {
    let mut bad = Vec::new();
    let mut emails = p.emails.clone();
    if let Some(path) = &p.emails_file {
        users::read_file(
            path,
            "emails file",
            &EMAIL_COLUMNS,
            |text, problem, origin| {
                match (problem, Email::new(text)) {
                    (None, Ok(e)) => emails.push(e),
                    (problem, parsed) => {
                        let why = problem.unwrap_or_else(|| match parsed {
                            Err(e) => e.to_string(),
                            Ok(_) => String::new(),
                        });
                        bad.push((input(text, origin()), why));
                    }
                }
                Ok(())
            },
        )?;
    }
    let (mut except_ids, mut except_emails) = (Vec::new(), Vec::new());
    if let Some(path) = &p.except_file {
        users::read_file(
            path,
            "except file",
            &EXCEPT_COLUMNS,
            |text, problem, origin| {
                if let Some(why) = problem {
                    bad.push((input(text, origin()), why));
                } else if text.contains('@') {
                    match Email::new(text) {
                        Ok(e) => except_emails.push(e),
                        Err(e) => bad.push((input(text, origin()), e.to_string())),
                    }
                } else {
                    match UserId::new(text) {
                        Ok(id) => except_ids.push(id),
                        Err(e) => bad.push((input(text, origin()), e.to_string())),
                    }
                }
                Ok(())
            },
        )?;
    }
    let mut s = Selection::new()
        .emails(emails)
        .except_ids(except_ids)
        .except_emails(except_emails);
    if p.guests {
        s = s.guests();
    }
    if p.admins {
        s = s.admins();
    }
    if p.owners {
        s = s.owners();
    }
    if p.all_users {
        s = s.everyone();
    }
    for g in &p.usergroups {
        s = s.usergroup(g.clone());
    }
    if let Some(w) = &p.workspace {
        s = s.workspace(w.clone());
    }
    if let Some(n) = p.directory_size {
        s = s.directory_size(n);
    }
    Ok(Read { selection: s, bad })
}

fn input(text: &str, origin: String) -> Input {
    Input {
        text: text.to_owned(),
        origin,
        problem: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempPath, PathBuf) {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        let path = f.into_temp_path();
        let p = path.to_path_buf();
        (path, p)
    }

    #[test]
    fn emails_come_from_a_list_or_a_csv_email_column() {
        let (_g1, list) = file("a@x.io\n# note\n\nB@X.io\nnot-an-email\n");
        let (_g2, csv) = file("name,email\nAda,ada@x.io\nBob,\"bob@x.io\"\n");
        let p = People {
            emails_file: Some(list),
            ..People::default()
        };
        let r = read(&p).unwrap();
        assert_eq!(r.bad.len(), 1);
        assert_eq!(
            r.bad[0].0.origin,
            format!("line 5 of {}", p.emails_file.unwrap().display())
        );
        assert!(!r.selection.is_empty());
        let p = People {
            emails_file: Some(csv),
            ..People::default()
        };
        assert!(read(&p).unwrap().bad.is_empty());
    }

    #[test]
    fn exceptions_are_ids_or_emails() {
        let (_g, path) = file("U00000001\nada@x.io\nnope\n");
        let p = People {
            except_file: Some(path),
            guests: true,
            ..People::default()
        };
        let r = read(&p).unwrap();
        assert_eq!(r.bad.len(), 1);
        assert_eq!(r.bad[0].0.text, "nope");
        assert!(p.any() && p.names_people());
        assert_eq!(p.describe()[0], "--guests");
    }
}
