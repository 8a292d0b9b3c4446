//! The matching a resolution does as answers arrive: directory users against the
//! selectors and the emails, lookups and user groups into the selected set, and at the
//! end the exceptions. Pure: no call is made here.

use std::collections::{HashMap, HashSet};

use super::outcome::{Kind, Resolution, ResolveProgress, ResolvedUser, Unmatched, UnmatchedReason};
use super::selection::{Guests, Selection};
use crate::email::Email;
use crate::methods::admin::users::DirectoryUser;
use crate::user::UserId;

/// A user as far as matching needs them.
#[derive(Debug, Clone)]
struct Seen {
    id: UserId,
    email: Option<String>,
    kind: Kind,
}

impl Seen {
    fn of(u: &DirectoryUser) -> Seen {
        Seen {
            id: u.id.clone(),
            email: u.email.clone(),
            kind: Kind::of(u),
        }
    }
}

/// Who has an address, as far as the answers so far show.
#[derive(Debug, Clone)]
enum Found {
    Nobody,
    One(Seen),
    Many(Vec<UserId>),
}

impl Found {
    fn add(&mut self, s: Seen) {
        *self = match std::mem::replace(self, Found::Nobody) {
            Found::Nobody => Found::One(s),
            Found::One(old) if old.id == s.id => Found::One(s),
            Found::One(old) => Found::Many(vec![old.id, s.id]),
            Found::Many(mut ids) => {
                if !ids.contains(&s.id) {
                    ids.push(s.id);
                }
                Found::Many(ids)
            }
        }
    }
}

/// One distinct address of the selection.
#[derive(Debug)]
pub(super) struct EmailEntry {
    pub(super) email: Email,
    include: bool,
    except: bool,
    found: Found,
    /// What `users.lookupByEmail` answered, once it was asked.
    lookup: Option<Lookup>,
}

/// A lookup's answer, as far as matching needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookup {
    /// The user found (added to `found`).
    Found,
    /// `users_not_found`.
    NotFound,
    /// A user whose email is not the one asked for: not trusted.
    Mismatch,
    /// A user outside the selection's workspace, or of no stated workspace.
    OutsideWorkspace,
}

impl EmailEntry {
    pub(super) fn is_pending(&self) -> bool {
        matches!(self.found, Found::Nobody) && self.lookup.is_none()
    }

    /// Whether the address is pending and only an exception: a lookup after the
    /// directory settles it, so that an exception is never missed because the listing
    /// showed no email for its user.
    pub(super) fn is_pending_exception(&self) -> bool {
        self.is_pending() && self.except && !self.include
    }
}

/// The state of a resolution's matching.
#[derive(Debug)]
pub(super) struct Matcher {
    everyone: bool,
    guests: Option<Guests>,
    admins: bool,
    owners: bool,
    deactivated: bool,
    /// The workspace the selection is limited to: an answer outside it is not trusted.
    workspace: Option<String>,
    pub(super) emails: Vec<EmailEntry>,
    by_key: HashMap<Box<str>, usize>,
    users: Vec<ResolvedUser>,
    index: HashMap<UserId, usize>,
    except_ids: HashSet<UserId>,
    /// Users an answer contradicted (or placed outside the workspace): never selected,
    /// whatever else selects them.
    distrusted: HashSet<UserId>,
    unmatched: Vec<Unmatched>,
    /// Whether deactivated users were listed: an address not seen is then nobody's.
    deactivated_listed: bool,
    /// People a listing showed without an email: only they can hold an address that a
    /// listing did not match and a lookup would.
    pub(super) listed_without_email: u64,
    bots_left_out: u64,
    pub(super) calls: u64,
    directory_users: u64,
}

impl Matcher {
    /// The matching of `s`, which it takes: its emails are moved, not copied (a file
    /// of two million addresses is held once).
    pub(super) fn new(mut s: Selection) -> Matcher {
        let mut m = Matcher {
            everyone: s.everyone,
            guests: s.guests,
            admins: s.admins,
            owners: s.owners,
            deactivated: s.deactivated,
            workspace: s.workspace.clone(),
            emails: Vec::new(),
            by_key: HashMap::new(),
            users: Vec::new(),
            index: HashMap::new(),
            except_ids: s.except_ids.iter().cloned().collect(),
            distrusted: HashSet::new(),
            unmatched: Vec::new(),
            deactivated_listed: false,
            listed_without_email: 0,
            bots_left_out: 0,
            calls: 0,
            directory_users: 0,
        };
        let emails = std::mem::take(&mut s.emails);
        let except_emails = std::mem::take(&mut s.except_emails);
        for (e, except) in emails
            .into_iter()
            .map(|e| (e, false))
            .chain(except_emails.into_iter().map(|e| (e, true)))
        {
            let i = match m.by_key.get(e.key()) {
                Some(&i) => i,
                None => {
                    m.by_key.insert(e.key().into(), m.emails.len());
                    m.emails.push(EmailEntry {
                        email: e,
                        include: false,
                        except: false,
                        found: Found::Nobody,
                        lookup: None,
                    });
                    m.emails.len() - 1
                }
            };
            if except {
                m.emails[i].except = true;
            } else {
                m.emails[i].include = true;
            }
        }
        for id in &s.ids {
            m.select(Seen {
                id: id.clone(),
                email: None,
                kind: Kind::Unknown,
            });
        }
        m
    }

    pub(super) fn progress(&self) -> ResolveProgress {
        ResolveProgress {
            calls: self.calls,
            directory_users: self.directory_users,
            selected: self.users.len() as u64,
        }
    }

    /// Whether some address is not matched yet and was not looked up.
    pub(super) fn pending(&self) -> bool {
        self.emails.iter().any(EmailEntry::is_pending)
    }

    /// Adds `s` to the selected users, or tells what is known of one already there.
    fn select(&mut self, s: Seen) {
        match self.index.get(&s.id) {
            Some(&i) => self.learn(i, &s),
            None => {
                self.index.insert(s.id.clone(), self.users.len());
                self.users.push(ResolvedUser {
                    user_id: s.id,
                    email: s.email,
                    kind: s.kind,
                });
            }
        }
    }

    fn learn(&mut self, i: usize, s: &Seen) {
        let u = &mut self.users[i];
        if u.kind == Kind::Unknown {
            u.kind = s.kind;
        }
        if u.email.is_none() {
            u.email.clone_from(&s.email);
        }
    }

    /// Whether the selectors take `u` (a bot never).
    fn takes(&self, u: &DirectoryUser, kind: Kind) -> bool {
        let active = kind != Kind::Deactivated;
        let guest = match self.guests {
            None => false,
            Some(Guests::Both) => u.is_guest(),
            Some(Guests::MultiChannel) => u.is_restricted && !u.is_ultra_restricted,
            Some(Guests::SingleChannel) => u.is_ultra_restricted,
        };
        let role = match (self.admins, self.owners) {
            (false, false) => false,
            (true, false) => u.is_admin && !u.is_owner,
            (false, true) => u.is_owner,
            (true, true) => u.is_admin || u.is_owner,
        };
        kind != Kind::Bot
            && ((active && (self.everyone || guest || role)) || (!active && self.deactivated))
    }

    /// A user of a directory listing; `deactivated_listing` says which kind of listing,
    /// for a user whose `is_active` Slack left out.
    pub(super) fn listed(&mut self, mut u: DirectoryUser, deactivated_listing: bool) {
        self.directory_users += 1;
        if u.is_active.is_none() {
            u.is_active = Some(!deactivated_listing);
        }
        // An entry that contradicts the listing's own filter, or names workspaces
        // without the one asked for, is not trusted: named, never selected.
        let why = if u.is_active == Some(deactivated_listing) {
            Some(UnmatchedReason::Contradictory)
        } else if self.outside_workspace(&u, true) {
            Some(UnmatchedReason::OutsideWorkspace)
        } else {
            None
        };
        if let Some(reason) = why {
            self.distrust(u.id, reason);
            return;
        }
        let seen = Seen::of(&u);
        if u.email.is_none() && seen.kind != Kind::Bot {
            self.listed_without_email += 1;
        }
        if let Some(email) = &u.email {
            if let Some(&i) = self.by_key.get(Email::key_of(email).as_str()) {
                self.emails[i].found.add(seen.clone());
            }
        }
        if seen.kind == Kind::Bot {
            let broad = if deactivated_listing {
                self.deactivated
            } else {
                self.everyone
            };
            if broad && u.is_active == Some(!deactivated_listing) {
                self.bots_left_out += 1;
            }
        }
        if self.takes(&u, seen.kind) {
            self.select(seen);
        } else if let Some(&i) = self.index.get(&seen.id) {
            self.learn(i, &seen);
        }
    }

    /// An entry of a listing that could not be read: never selected (by its ID, when it
    /// has one, whatever else names it), and named with why.
    pub(super) fn unreadable(&mut self, entry: crate::methods::admin::users::UnreadableUser) {
        self.directory_users += 1;
        let id = entry.id.as_deref().and_then(|s| UserId::new(s).ok());
        if let Some(id) = &id {
            if !self.distrusted.insert(id.clone()) {
                return;
            }
        }
        self.unmatched.push(Unmatched {
            input: entry
                .id
                .clone()
                .unwrap_or_else(|| "(an entry without an ID)".into()),
            reason: UnmatchedReason::Unreadable,
            exception: false,
            detail: Some(entry.reason),
        });
    }

    /// Whether `u` is outside the selection's workspace. A listing asked with the
    /// workspace may leave the user's workspaces out (`listing`: Slack filtered it); a
    /// lookup is not filtered, so its answer must name the workspace.
    fn outside_workspace(&self, u: &DirectoryUser, listing: bool) -> bool {
        match &self.workspace {
            None => false,
            Some(_) if listing && u.workspaces.is_empty() => false,
            Some(t) => !u.workspaces.iter().any(|w| w == t),
        }
    }

    /// Never selects `id`, and names it with `reason` (once).
    fn distrust(&mut self, id: UserId, reason: UnmatchedReason) {
        if self.distrusted.insert(id.clone()) {
            self.unmatched.push(Unmatched {
                input: id.to_string(),
                reason,
                exception: false,
                detail: None,
            });
        }
    }

    /// The answer to a lookup of address `i`: the user, or `None` for `users_not_found`.
    /// The answer must be of the address asked (ignoring case), and for an address to
    /// act on, in the workspace asked; otherwise nobody is selected by it. An exception
    /// takes its user from any workspace: leaving out more is never wrong.
    pub(super) fn looked_up(&mut self, i: usize, user: Option<DirectoryUser>) {
        let outside = user
            .as_ref()
            .is_some_and(|u| self.outside_workspace(u, false));
        let Some(entry) = self.emails.get_mut(i) else {
            return;
        };
        let Some(u) = user else {
            entry.lookup = Some(Lookup::NotFound);
            return;
        };
        let same = u
            .email
            .as_deref()
            .is_some_and(|e| Email::key_of(e) == entry.email.key());
        if !same {
            entry.lookup = Some(Lookup::Mismatch);
            return;
        }
        if outside && entry.include {
            entry.lookup = Some(Lookup::OutsideWorkspace);
            return;
        }
        entry.lookup = Some(Lookup::Found);
        let seen = Seen::of(&u);
        entry.found.add(seen.clone());
        if let Some(&j) = self.index.get(&seen.id) {
            self.learn(j, &seen);
        }
    }

    /// The members of user group `input`, or `None` when Slack knows no such group.
    pub(super) fn usergroup(&mut self, input: &str, members: Option<Vec<UserId>>) {
        let reason = match members {
            None => UnmatchedReason::UsergroupNotFound,
            Some(m) if m.is_empty() => UnmatchedReason::UsergroupEmpty,
            Some(m) => {
                for id in m {
                    self.select(Seen {
                        id,
                        email: None,
                        kind: Kind::Unknown,
                    });
                }
                return;
            }
        };
        self.unmatched.push(Unmatched {
            input: input.to_owned(),
            reason,
            exception: false,
            detail: None,
        });
    }

    pub(super) fn deactivated_were_listed(&mut self) {
        self.deactivated_listed = true;
    }

    /// The emails settled, the exceptions applied: the resolution.
    pub(super) fn finish(mut self) -> Resolution {
        let mut unmatched = std::mem::take(&mut self.unmatched);
        for entry in std::mem::take(&mut self.emails) {
            let reason = match entry.found {
                Found::One(s) => {
                    let usable = !matches!(s.kind, Kind::Bot | Kind::Deactivated);
                    let kind = s.kind;
                    if entry.except {
                        self.except_ids.insert(s.id);
                        continue;
                    }
                    if usable {
                        self.select(s);
                        continue;
                    }
                    if kind == Kind::Bot {
                        UnmatchedReason::Bot
                    } else {
                        UnmatchedReason::Deactivated
                    }
                }
                Found::Many(ids) => {
                    if entry.except {
                        self.except_ids.extend(ids);
                        continue;
                    }
                    UnmatchedReason::Ambiguous
                }
                Found::Nobody => match entry.lookup {
                    Some(Lookup::Mismatch) => UnmatchedReason::LookupMismatch,
                    Some(Lookup::OutsideWorkspace) => UnmatchedReason::OutsideWorkspace,
                    Some(Lookup::NotFound) if !self.deactivated_listed => {
                        UnmatchedReason::EmailNotFoundOrDeactivated
                    }
                    _ => UnmatchedReason::EmailNotFound,
                },
            };
            unmatched.push(Unmatched {
                input: entry.email.as_str().to_owned(),
                reason,
                exception: entry.except && !entry.include,
                detail: None,
            });
        }
        let before = self.users.len();
        let except = &self.except_ids;
        self.users.retain(|u| !except.contains(&u.user_id));
        let excepted = (before - self.users.len()) as u64;
        let distrusted = &self.distrusted;
        self.users.retain(|u| !distrusted.contains(&u.user_id));
        Resolution {
            excepted,
            users: self.users,
            unmatched,
            bots_left_out: self.bots_left_out,
            calls: self.calls,
            directory_users: self.directory_users,
            lookups_refused: None,
            warnings: Vec::new(),
        }
    }
}
