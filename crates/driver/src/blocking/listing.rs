//! `list`, every page: an iterator over the sessions, a page fetched as it is read.

use std::collections::VecDeque;

use slack_sessions_core::sansio::{Pages, PagesAction, PagesDone, PagesStop};
use slack_sessions_core::{ActiveSession, Error, ListSessions};

use super::BlockingClient;
use crate::transport::BlockingTransport;

/// Every active session a [`ListSessions`] names, page after page, as they arrive: only
/// one page is held at a time. An error ends the iteration with one `Err`; then
/// [`stopped`](Self::stopped) gives the cursor to resume from.
pub struct Sessions<'c, T> {
    client: &'c BlockingClient<T>,
    pages: Option<Pages>,
    page: VecDeque<ActiveSession>,
    stopped: Option<PagesStop>,
    on_page: Box<dyn FnMut(&PagesDone) + 'c>,
}

impl<T> std::fmt::Debug for Sessions<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("pages", &self.pages.as_ref().map(Pages::progress))
            .finish_non_exhaustive()
    }
}

impl<T> Sessions<'_, T> {
    /// Why the listing stopped early, how far it got and where to resume, after the
    /// iterator gave its `Err`.
    pub fn stopped(&self) -> Option<&PagesStop> {
        self.stopped.as_ref()
    }
}

impl<T: BlockingTransport> Iterator for Sessions<'_, T> {
    type Item = Result<ActiveSession, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let t = self.client.transport();
        loop {
            if let Some(s) = self.page.pop_front() {
                return Some(Ok(s));
            }
            let pages = self.pages.take()?;
            self.pages = match pages.poll(t.now()) {
                PagesAction::Send(flight, request) => {
                    let outcome = t.send(request, t.now());
                    Some(flight.handle(t.now(), outcome))
                }
                PagesAction::WaitUntil(p, until) => {
                    t.wait_until(until, None);
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

impl<T: BlockingTransport> BlockingClient<T> {
    /// `admin.users.session.list`, every page: an iterator over the sessions, fetched a
    /// page at a time as it is read, each page paced and retried like any call.
    pub fn list_sessions(&self, listing: ListSessions) -> Result<Sessions<'_, T>, Error> {
        self.list_sessions_with(listing, |_| {})
    }

    /// [`list_sessions`](Self::list_sessions), calling `on_page` with the pages and
    /// sessions so far, and the cursor to go on from, each time a page arrives.
    pub fn list_sessions_with<'c>(
        &'c self,
        listing: ListSessions,
        on_page: impl FnMut(&PagesDone) + 'c,
    ) -> Result<Sessions<'c, T>, Error> {
        let pages = Pages::new(self.endpoint(), listing, self.next_policy())?
            .with_pacer(self.config().pacer.clone());
        Ok(Sessions {
            client: self,
            pages: Some(pages),
            page: VecDeque::new(),
            stopped: None,
            on_page: Box::new(on_page),
        })
    }
}
