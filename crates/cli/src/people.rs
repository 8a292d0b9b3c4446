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

/// An exceptions file: a `user_id`, `email` or `id` column, by that preference (an HR
/// export's `id` is often its own employee number, never a Slack ID, so an `email`
/// column beside it wins); each value an ID or, with an `@`, an email.
const EXCEPT_COLUMNS: Columns = Columns {
    names: &["user_id", "email", "id"],
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
/// caller adds), the inputs that are neither an email nor an ID, with why, and how many
/// lines repeated an earlier one.
pub(crate) struct Read {
    pub(crate) selection: Selection,
    /// Lines of the emails file that are not emails: reported, exit 1.
    pub(crate) bad: Vec<(Input, String)>,
    /// Lines of the exceptions file that are neither an ID nor an email: an exception
    /// that cannot be read refuses the run, unless the admin allows it.
    pub(crate) bad_exceptions: Vec<(Input, String)>,
    /// Lines that repeated an address or ID read before (kept once).
    pub(crate) duplicates: u64,
}

/// Addresses and IDs read so far, each once: a file of two million copies of one
/// address holds one.
#[derive(Default)]
struct Once {
    seen: std::collections::HashSet<Box<str>>,
    duplicates: u64,
}

impl Once {
    /// Whether `key` is new.
    fn first(&mut self, key: &str) -> bool {
        if self.seen.contains(key) {
            self.duplicates += 1;
            return false;
        }
        self.seen.insert(key.into());
        true
    }
}

/// Reads the emails file and the exceptions file, streamed, into a selection, each
/// address and ID kept once as it is read.
pub(crate) fn read(p: &People) -> Result<Read, String> {
    let mut bad = Vec::new();
    let mut once = Once::default();
    let mut emails = Vec::new();
    for e in &p.emails {
        if once.first(e.key()) {
            emails.push(e.clone());
        }
    }
    if let Some(path) = &p.emails_file {
        users::read_file(
            path,
            "emails file",
            &EMAIL_COLUMNS,
            |text, problem, origin| {
                match (problem, Email::new(text)) {
                    (None, Ok(e)) => {
                        if once.first(e.key()) {
                            emails.push(e);
                        }
                    }
                    (problem, parsed) => {
                        let why = problem.unwrap_or_else(|| match parsed {
                            Err(e) => format!("not an email: {e}"),
                            Ok(_) => String::new(),
                        });
                        bad.push((unread(text, origin(), &why), why));
                    }
                }
                Ok(())
            },
        )?;
    }
    let (mut except_ids, mut except_emails) = (Vec::new(), Vec::new());
    let mut bad_exceptions = Vec::new();
    let mut except_once = Once::default();
    if let Some(path) = &p.except_file {
        users::read_file(
            path,
            "except file",
            &EXCEPT_COLUMNS,
            |text, problem, origin| {
                let parsed = match problem {
                    Some(why) => Err(why),
                    None if text.contains('@') => Email::new(text)
                        .map(|e| {
                            if except_once.first(e.key()) {
                                except_emails.push(e);
                            }
                        })
                        .map_err(|e| format!("not an email: {e}")),
                    None => UserId::new(text)
                        .map(|id| {
                            if except_once.first(id.as_str()) {
                                except_ids.push(id);
                            }
                        })
                        .map_err(|e| format!("not a user ID or an email: {e}")),
                };
                if let Err(why) = parsed {
                    bad_exceptions.push((unread(text, origin(), &why), why));
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
    Ok(Read {
        selection: s,
        bad,
        bad_exceptions,
        duplicates: once.duplicates + except_once.duplicates,
    })
}

/// An input that was read and not understood: never sent, always reported.
fn unread(text: &str, origin: String, why: &str) -> Input {
    Input {
        text: text.to_owned(),
        origin,
        problem: Some(why.to_owned()),
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

    /// The exception emails a selection holds, as keys, in order.
    fn emails(r: &Read) -> Vec<String> {
        let (_, except) = r.selection.exceptions();
        except
            .iter()
            .map(|e| format!("except:{}", e.key()))
            .collect()
    }

    #[test]
    fn emails_come_from_a_list_or_a_csv_email_column() {
        let (_g1, list) = file("a@x.io\n# note\n\nB@X.io\nnot-an-email\na@X.IO\n");
        let (_g2, csv) = file("name,email\nAda,ada@x.io\nBob,\"bob@x.io\"\n");
        let p = People {
            emails_file: Some(list),
            ..People::default()
        };
        let r = read(&p).unwrap();
        assert_eq!(r.bad.len(), 1);
        assert_eq!(r.bad[0].0.text, "not-an-email");
        assert_eq!(
            r.bad[0].0.origin,
            format!("line 5 of {}", p.emails_file.unwrap().display())
        );
        // Reported, never sent: it is an unreadable input.
        assert!(r.bad[0]
            .0
            .problem
            .as_deref()
            .unwrap()
            .starts_with("not an email"));
        // Two distinct addresses; the third line repeats the first in another case.
        assert_eq!(r.duplicates, 1);
        let plan = slack_sessions_core::sansio::ResolvePlan::new(&r.selection);
        assert_eq!(plan.known_calls(), 2, "{plan}");
        let p = People {
            emails_file: Some(csv),
            ..People::default()
        };
        let r = read(&p).unwrap();
        assert!(r.bad.is_empty());
        assert_eq!(
            slack_sessions_core::sansio::ResolvePlan::new(&r.selection).known_calls(),
            2
        );
    }

    #[test]
    fn exceptions_are_ids_or_emails() {
        let (_g, path) =
            file("U00000001\nada@x.io\nnope\nu00000047\nU00000027  # CEO\nU00000001\n");
        let p = People {
            except_file: Some(path),
            guests: true,
            ..People::default()
        };
        let r = read(&p).unwrap();
        assert!(r.bad.is_empty());
        let bad: Vec<&str> = r
            .bad_exceptions
            .iter()
            .map(|(i, _)| i.text.as_str())
            .collect();
        assert_eq!(bad, ["nope", "u00000047"]);
        let (ids, _) = r.selection.exceptions();
        let ids: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
        assert_eq!(ids, ["U00000001", "U00000027"]);
        assert_eq!(emails(&r), ["except:ada@x.io"]);
        assert_eq!(r.duplicates, 1);
        assert!(p.any() && p.names_people());
        assert_eq!(p.describe()[0], "--guests");
    }

    /// An HR export's `id` column holds its own numbers: the `email` column is read.
    #[test]
    fn an_email_column_wins_over_an_id_column_in_exceptions() {
        let (_g, path) = file("id,name,email\n1027,Ada,ada@x.io\n1028,Bob,bob@x.io\n");
        let p = People {
            except_file: Some(path),
            ..People::default()
        };
        let r = read(&p).unwrap();
        assert!(r.bad_exceptions.is_empty(), "{:?}", r.bad_exceptions);
        assert_eq!(emails(&r), ["except:ada@x.io", "except:bob@x.io"]);
        assert!(r.selection.exceptions().0.is_empty());
    }
}
