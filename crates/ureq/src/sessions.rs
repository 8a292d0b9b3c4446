//! The session family beyond settings: list (an iterator over every page), reset,
//! resetBulk and invalidate.

use std::collections::VecDeque;
use std::time::Instant;

use slack_sessions_core::sansio::{Pages, PagesAction, PagesDone, PagesStop};
use slack_sessions_core::{
    ActiveSession, BulkRun, Empty, InvalidateSession, ListSessions, Progress, Reply, ResetScope,
    ResetSessions, ResetSessionsBulk,
};

use crate::bulk::BulkResult;
use crate::{sleep_until, Client, Error};

/// Every active session a [`ListSessions`] names, page after page, as they arrive: only
/// one page is held at a time. An error ends the iteration with one `Err`; then
/// [`stopped`](Self::stopped) gives the cursor to resume from.
pub struct Sessions<'c> {
    client: &'c Client,
    pages: Option<Pages>,
    page: VecDeque<ActiveSession>,
    stopped: Option<PagesStop>,
    on_page: Box<dyn FnMut(&PagesDone) + 'c>,
}

impl std::fmt::Debug for Sessions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("pages", &self.pages.as_ref().map(Pages::progress))
            .finish_non_exhaustive()
    }
}

impl Sessions<'_> {
    /// Why the listing stopped early, how far it got and where to resume, after the
    /// iterator gave its `Err`.
    pub fn stopped(&self) -> Option<&PagesStop> {
        self.stopped.as_ref()
    }
}

impl Iterator for Sessions<'_> {
    type Item = Result<ActiveSession, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(s) = self.page.pop_front() {
                return Some(Ok(s));
            }
            let pages = self.pages.take()?;
            self.pages = match pages.poll(Instant::now()) {
                PagesAction::Send(flight, request) => {
                    let outcome = self.client.send(request);
                    Some(flight.handle(Instant::now(), outcome))
                }
                PagesAction::WaitUntil(p, t) => {
                    sleep_until(t);
                    Some(p)
                }
                PagesAction::Page(p, sessions) => {
                    (self.on_page)(p.progress());
                    self.page.extend(sessions);
                    Some(p)
                }
                PagesAction::Done(Ok(_)) => None,
                PagesAction::Done(Err(stop)) => {
                    let e = stop.error.clone();
                    self.stopped = Some(stop);
                    return Some(Err(e));
                }
            };
        }
    }
}

impl Client {
    /// `admin.users.session.list`, every page: an iterator over the sessions, fetched a
    /// page at a time as it is read, each page paced and retried like any call.
    pub fn list_sessions(&self, listing: ListSessions) -> Result<Sessions<'_>, Error> {
        self.list_sessions_with(listing, |_| {})
    }

    /// [`list_sessions`](Self::list_sessions), calling `on_page` with the pages and
    /// sessions so far each time a page arrives (e.g. for a verbose log).
    pub fn list_sessions_with<'c>(
        &'c self,
        listing: ListSessions,
        on_page: impl FnMut(&PagesDone) + 'c,
    ) -> Result<Sessions<'c>, Error> {
        let pages = Pages::new(self.endpoint(), listing, self.next_policy())?
            .with_pacer(self.pacer().clone());
        Ok(Sessions {
            client: self,
            pages: Some(pages),
            page: VecDeque::new(),
            stopped: None,
            on_page: Box::new(on_page),
        })
    }

    /// `admin.users.session.reset`: end one user's sessions.
    pub fn reset_sessions(&self, m: &ResetSessions) -> Result<Reply<Empty>, Error> {
        self.call(m)
    }

    /// `admin.users.session.invalidate`: end one session.
    pub fn invalidate_session(&self, m: &InvalidateSession) -> Result<Reply<Empty>, Error> {
        self.call(m)
    }

    /// `admin.users.session.resetBulk` for any number of users, split around the users
    /// whose sessions may not be reset.
    pub fn reset_sessions_bulk<I, S>(
        &self,
        users: I,
        scope: ResetScope,
        run: BulkRun,
        progress: impl FnMut(Progress) + Send,
    ) -> BulkResult<Empty>
    where
        I: IntoIterator<Item = S>,
        I::IntoIter: Send,
        S: AsRef<str>,
    {
        self.apply_bulk::<ResetSessionsBulk, _, _>(scope, users, run, progress)
    }
}
