//! [`Resolver`]: a [`Selection`] turned into user IDs, one step at a time. It says which
//! call to make next; the driver makes it (paced and retried by its client) and hands
//! back the answer, a directory page's users one by one so that nothing the size of the
//! directory is ever held.

use std::collections::VecDeque;

use super::matcher::Matcher;
use super::outcome::{Resolution, ResolveProgress, ResolveStop};
use super::plan::{PlannedStep, ResolvePlan};
use super::selection::Selection;
use crate::decode::Reply;
use crate::error::{CallError, Error, InvalidInput};
use crate::error_code::ErrorCode;
use crate::method::Method;
use crate::methods::admin::users::{DirectoryUser, ListUsers};
use crate::methods::usergroups::users::{ListUsergroupUsers, ListUsergroupUsersOutput};
use crate::methods::users::{LookupByEmail, LookupByEmailOutput};

/// What the driver of a [`Resolver`] does next.
#[derive(Debug)]
#[non_exhaustive]
pub enum ResolveStep {
    /// List every page of this listing: each user to [`Resolver::user`], then the end to
    /// [`Resolver::listed`].
    List(ListUsers),
    /// Make this call, and hand its result to [`Resolver::looked_up`].
    Lookup(LookupByEmail),
    /// Make this call, and hand its result to [`Resolver::usergroup_listed`].
    Usergroup(ListUsergroupUsers),
    /// Nothing left: take the outcome with [`Resolver::finish`].
    Done,
}

/// Work left, in order.
#[derive(Debug)]
enum Work {
    Usergroup(ListUsergroupUsers),
    List(ListUsers, String),
    DeactivatedIfNeeded(ListUsers),
    Lookups,
    ExceptionLookups,
    Lookup(usize),
}

/// The step handed out and not yet answered.
#[derive(Debug)]
enum Current {
    Listing { listing: ListUsers, what: String },
    Lookup(usize),
    Usergroup(ListUsergroupUsers),
}

/// Resolves a [`Selection`] into user IDs by the cheapest [`ResolvePlan`].
///
/// ```
/// use slack_sessions_core::sansio::{Resolver, ResolveStep};
/// use slack_sessions_core::{Email, Reply, Selection};
///
/// let ada: Email = "Ada@example.com".parse()?;
/// let mut r = Resolver::new(Selection::new().emails([ada]))?;
/// assert_eq!(r.plan().known_calls(), 1);
/// loop {
///     match r.next_step() {
///         ResolveStep::Lookup(call) => {
///             // What the client's call would return, decoded from Slack's answer.
///             let body = br#"{"ok":true,"user":{"id":"U1","is_bot":false,"profile":{"email":"ada@example.com"}}}"#;
///             let reply = slack_sessions_core::sansio::decode::<slack_sessions_core::LookupByEmail, _>(http::Response::new(body.to_vec()));
///             r.looked_up(reply.map_err(slack_sessions_core::Error::Call));
///             # let _ = call;
///         }
///         ResolveStep::Done => break,
///         _ => unreachable!(),
///     }
/// }
/// let found = r.finish()?;
/// assert_eq!(found.users[0].user_id.as_str(), "U1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Resolver {
    plan: ResolvePlan,
    work: VecDeque<Work>,
    current: Option<Current>,
    matcher: Matcher,
    stop: Option<ResolveStop>,
    /// The last step answered, for a stop between steps.
    last: Option<String>,
    /// The listing of every active user (and its workspace), to match the emails a
    /// lookup was refused for against.
    directory: ListUsers,
    /// Whether the active directory was (or is being) listed whole.
    listed_whole: bool,
    /// The code lookups were refused with, once they were.
    lookups_refused: Option<ErrorCode>,
    /// Slack's warnings so far, each once with its method.
    warnings: Vec<(&'static str, String)>,
}

impl Resolver {
    /// A resolver for `selection`, with its plan made. Refuses a selection that names
    /// nobody, or an invalid workspace.
    pub fn new(selection: Selection) -> Result<Resolver, InvalidInput> {
        selection.validate()?;
        if selection.is_empty() {
            return Err(InvalidInput::Setting {
                name: "selection",
                reason: "no user, email, group or kind of user is named".into(),
            });
        }
        let plan = ResolvePlan::new(&selection);
        let team = selection.workspace.clone();
        let work = plan
            .steps
            .iter()
            .map(|s| match s {
                PlannedStep::Usergroup(g) => {
                    let call = ListUsergroupUsers::new(g.clone());
                    Work::Usergroup(match &team {
                        Some(t) => call.team(t.clone()),
                        None => call,
                    })
                }
                PlannedStep::Directory {
                    listing, purpose, ..
                } => Work::List(listing.clone(), purpose.clone()),
                PlannedStep::DeactivatedIfNeeded => {
                    let l = ListUsers::new().deactivated();
                    Work::DeactivatedIfNeeded(match &team {
                        Some(t) => l.team(t.clone()),
                        None => l,
                    })
                }
                PlannedStep::Lookups(_) => Work::Lookups,
                PlannedStep::ExceptionLookupsIfNeeded => Work::ExceptionLookups,
            })
            .collect();
        Ok(Resolver {
            plan,
            work,
            current: None,
            matcher: Matcher::new(selection),
            stop: None,
            last: None,
            directory: match &team {
                Some(t) => ListUsers::new().team(t.clone()),
                None => ListUsers::new(),
            },
            listed_whole: false,
            lookups_refused: None,
            warnings: Vec::new(),
        })
    }

    /// The plan: the calls to be made, with their cost.
    pub fn plan(&self) -> &ResolvePlan {
        &self.plan
    }

    /// How far the resolution got: calls made, directory entries read, users selected.
    pub fn progress(&self) -> ResolveProgress {
        self.matcher.progress()
    }

    /// The step handed out and not yet answered counts `pages` more calls so far, for a
    /// progress report in the middle of a listing.
    pub fn progress_with_pages(&self, pages: u32) -> ResolveProgress {
        let mut p = self.matcher.progress();
        p.calls += u64::from(pages);
        p
    }

    /// What to do next. Until the step handed out is answered, it is handed out again.
    pub fn next_step(&mut self) -> ResolveStep {
        if self.stop.is_some() {
            return ResolveStep::Done;
        }
        if let Some(c) = &self.current {
            return self.again(c);
        }
        while let Some(w) = self.work.pop_front() {
            match w {
                Work::Usergroup(call) => {
                    self.current = Some(Current::Usergroup(call.clone()));
                    return ResolveStep::Usergroup(call);
                }
                Work::List(listing, purpose) => {
                    self.listed_whole |= listing.is_every_active_user();
                    self.current = Some(Current::Listing {
                        listing: listing.clone(),
                        what: purpose,
                    });
                    return ResolveStep::List(listing);
                }
                Work::DeactivatedIfNeeded(listing) if self.matcher.pending() => {
                    self.current = Some(Current::Listing {
                        listing: listing.clone(),
                        what: "deactivated users, for unmatched emails".into(),
                    });
                    return ResolveStep::List(listing);
                }
                Work::DeactivatedIfNeeded(_) => {}
                Work::Lookups | Work::ExceptionLookups => {
                    let only_exceptions = matches!(w, Work::ExceptionLookups);
                    let pending: Vec<usize> = (0..self.matcher.emails.len())
                        .filter(|&i| {
                            let e = &self.matcher.emails[i];
                            if only_exceptions {
                                e.is_pending_exception()
                            } else {
                                e.is_pending()
                            }
                        })
                        .collect();
                    // After a listing, a lookup can only find an address on someone the
                    // listing showed without one; and more than the lookup limit would
                    // take hours. Either way the exceptions left stay unmatched, which
                    // refuses a run that changes anyone (fail closed).
                    if only_exceptions
                        && (self.matcher.listed_without_email == 0
                            || pending.len() > super::selection::LOOKUP_LIMIT)
                    {
                        continue;
                    }
                    for i in pending.into_iter().rev() {
                        self.work.push_front(Work::Lookup(i));
                    }
                }
                Work::Lookup(i) => {
                    if let Some(e) = self.matcher.emails.get(i) {
                        let call = LookupByEmail::new(e.email.clone());
                        self.current = Some(Current::Lookup(i));
                        return ResolveStep::Lookup(call);
                    }
                }
            }
        }
        ResolveStep::Done
    }

    /// The step `c` again (a driver that polled twice without answering).
    fn again(&self, c: &Current) -> ResolveStep {
        match c {
            Current::Lookup(i) => match self.matcher.emails.get(*i) {
                Some(e) => ResolveStep::Lookup(LookupByEmail::new(e.email.clone())),
                None => ResolveStep::Done,
            },
            Current::Usergroup(call) => ResolveStep::Usergroup(call.clone()),
            Current::Listing { listing, .. } => ResolveStep::List(listing.clone()),
        }
    }

    /// One user of the listing handed out.
    pub fn user(&mut self, user: DirectoryUser) {
        if let Some(Current::Listing { listing, .. }) = &self.current {
            let deactivated = listing.is_deactivated();
            self.matcher.listed(user, deactivated);
        }
    }

    /// One entry of the listing handed out: a user, or one that could not be read
    /// (never selected, and named with why).
    pub fn entry(&mut self, entry: crate::methods::admin::users::DirectoryEntry) {
        use crate::methods::admin::users::DirectoryEntry;
        match entry {
            DirectoryEntry::User(u) => self.user(u),
            DirectoryEntry::Unreadable(u) => {
                if matches!(self.current, Some(Current::Listing { .. })) {
                    self.matcher.unreadable(u);
                }
            }
        }
    }

    /// The listing handed out is over: `pages` received, and `Ok` when it reached its
    /// last page. An error stops the resolution.
    pub fn listed(&mut self, pages: u32, outcome: Result<(), Error>) {
        self.matcher.calls += u64::from(pages);
        if let Some(Current::Listing { listing, what }) = self.current.take() {
            self.last = Some(format!("admin.users.list ({what})"));
            match outcome {
                Ok(()) if listing.is_deactivated() => self.matcher.deactivated_were_listed(),
                Ok(()) => {}
                Err(error) => self.stopped(error, format!("admin.users.list ({what})")),
            }
        }
    }

    /// The answer to the lookup handed out. `users_not_found` matches nobody; another
    /// error stops the resolution.
    pub fn looked_up(&mut self, outcome: Result<Reply<LookupByEmailOutput>, Error>) {
        let Some(Current::Lookup(i)) = self.current.take() else {
            return;
        };
        self.last = Some("users.lookupByEmail".into());
        self.matcher.calls += 1;
        match outcome {
            Ok(reply) => {
                self.warned(LookupByEmail::NAME, reply.warnings);
                self.matcher.looked_up(i, reply.output.user)
            }
            Err(e) if code(&e) == Some(&ErrorCode::UsersNotFound) => {
                self.matcher.looked_up(i, None)
            }
            Err(e) if refused_for_the_token(&e) => self.lookups_refused(&e),
            Err(e) => self.stopped(e, "users.lookupByEmail".into()),
        }
    }

    /// Lookups were refused for the token's kind: the emails not matched yet are matched
    /// against the directory instead (the same users, at a listing's cost), once. If the
    /// directory was listed already, the emails left stay unmatched (which refuses a
    /// run for an exception).
    fn lookups_refused(&mut self, e: &Error) {
        self.lookups_refused = code(e).cloned();
        self.work
            .retain(|w| !matches!(w, Work::Lookup(_) | Work::Lookups | Work::ExceptionLookups));
        if !self.listed_whole && self.matcher.pending() {
            let n = self
                .matcher
                .emails
                .iter()
                .filter(|e| e.is_pending())
                .count();
            let deactivated = match self.directory.team_id() {
                Some(t) => ListUsers::new().deactivated().team(t.to_owned()),
                None => ListUsers::new().deactivated(),
            };
            self.work.push_front(Work::DeactivatedIfNeeded(deactivated));
            self.work.push_front(Work::List(
                self.directory.clone(),
                format!("{n} emails, as lookups were refused"),
            ));
        }
    }

    /// What Slack said besides the entries of the listing handed out (its pages'
    /// warnings), for the outcome: each kept once.
    pub fn listing_warnings(&mut self, warnings: impl IntoIterator<Item = String>) {
        self.warned(ListUsers::NAME, warnings);
    }

    fn warned(&mut self, method: &'static str, warnings: impl IntoIterator<Item = String>) {
        for w in warnings {
            if self.warnings.len() < crate::pages::MAX_LISTING_WARNINGS
                && !self.warnings.iter().any(|(m, x)| *m == method && *x == w)
            {
                self.warnings.push((method, w));
            }
        }
    }

    /// The code lookups were refused with, when the resolution matched the emails against
    /// the directory instead (`enterprise_is_restricted` to an org-level token, or
    /// `missing_scope` without `users:read.email`).
    pub fn lookups_refused_with(&self) -> Option<&ErrorCode> {
        self.lookups_refused.as_ref()
    }

    /// The answer to the user group listing handed out. `no_such_subteam` matches
    /// nobody; another error stops the resolution.
    pub fn usergroup_listed(&mut self, outcome: Result<Reply<ListUsergroupUsersOutput>, Error>) {
        let Some(Current::Usergroup(call)) = self.current.take() else {
            return;
        };
        let g = call.usergroup().to_string();
        self.last = Some(format!("usergroups.users.list ({g})"));
        self.matcher.calls += 1;
        match outcome {
            Ok(reply) => {
                self.warned(ListUsergroupUsers::NAME, reply.warnings);
                self.matcher.usergroup(&g, Some(reply.output.users))
            }
            Err(e) if code(&e) == Some(&ErrorCode::NoSuchSubteam) => {
                self.matcher.usergroup(&g, None)
            }
            Err(e) => self.stopped(e, format!("usergroups.users.list ({g})")),
        }
    }

    fn stopped(&mut self, error: Error, step: String) {
        self.stop = Some(ResolveStop {
            error: Some(Box::new(error)),
            step,
            calls: self.matcher.calls,
        });
    }

    /// Stops the resolution (a user cancelled it): [`finish`](Self::finish) then says so,
    /// and selects nobody.
    pub fn cancel(&mut self) {
        if self.stop.is_none() {
            let step = match &self.current {
                Some(Current::Listing { what, .. }) => format!("admin.users.list ({what})"),
                Some(Current::Lookup(_)) => "users.lookupByEmail".into(),
                Some(Current::Usergroup(call)) => {
                    format!("usergroups.users.list ({})", call.usergroup())
                }
                None => match &self.last {
                    Some(step) => format!("the end of {step}"),
                    None => "the start".into(),
                },
            };
            self.stop = Some(ResolveStop {
                error: None,
                step,
                calls: self.matcher.calls,
            });
        }
    }

    /// The outcome: every user selected, every input that matched nobody; or why the
    /// resolution stopped, in which case nothing is selected.
    pub fn finish(self) -> Result<Resolution, ResolveStop> {
        match self.stop {
            Some(stop) => Err(stop),
            None => {
                let mut r = self.matcher.finish();
                r.lookups_refused = self.lookups_refused;
                r.warnings = self.warnings;
                Ok(r)
            }
        }
    }
}

/// Whether a lookup was refused for what the token is, not for the address: an
/// org-level token (`enterprise_is_restricted`), or one without `users:read.email`.
fn refused_for_the_token(e: &Error) -> bool {
    match e {
        Error::Call(CallError::Api(api)) => {
            api.code == ErrorCode::EnterpriseIsRestricted
                || (api.code == ErrorCode::MissingScope
                    && api
                        .needed
                        .as_deref()
                        .is_none_or(|n| n.contains("users:read.email")))
        }
        _ => false,
    }
}

/// The Slack code of `e`, if it is Slack's refusal.
fn code(e: &Error) -> Option<&ErrorCode> {
    match e {
        Error::Call(CallError::Api(api)) => Some(&api.code),
        _ => None,
    }
}
