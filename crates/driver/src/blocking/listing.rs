//! A listing, every page (`admin.users.session.list`, `admin.users.list`): an iterator
//! over its entries, a page fetched as it is read.

use std::collections::VecDeque;

use slack_sessions_core::sansio::{Paged, Pages, PagesAction, PagesDone, PagesStop};
use slack_sessions_core::{Error, ListSessions, ListUsers};

use super::BlockingClient;
use crate::transport::BlockingTransport;

/// Every entry a listing names, page after page, as they arrive: only one page is held
/// at a time. An error ends the iteration with one `Err`; then
/// [`stopped`](Self::stopped) gives the cursor to resume from.
pub struct Listing<'c, T, M: Paged = ListSessions> {
    client: &'c BlockingClient<T>,
    pages: Option<Pages<M>>,
    page: VecDeque<M::Item>,
    stopped: Option<PagesStop>,
    on_page: Box<dyn FnMut(&PagesDone) + 'c>,
}

/// Every active session a [`ListSessions`] names.
pub type Sessions<'c, T> = Listing<'c, T, ListSessions>;

/// Every user of the directory a [`ListUsers`] names.
pub type Users<'c, T> = Listing<'c, T, ListUsers>;

impl<T, M: Paged> std::fmt::Debug for Listing<'_, T, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listing")
            .field("pages", &self.pages.as_ref().map(Pages::progress))
            .finish_non_exhaustive()
    }
}

impl<T, M: Paged> Listing<'_, T, M> {
    /// Why the listing stopped early, how far it got and where to resume, after the
    /// iterator gave its `Err`.
    pub fn stopped(&self) -> Option<&PagesStop> {
        self.stopped.as_ref()
    }
}

impl<T: BlockingTransport, M: Paged> Iterator for Listing<'_, T, M> {
    type Item = Result<M::Item, Error>;

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
                    let mut pages = flight.handle(t.now(), outcome);
                    if let Some(e) = pages.take_event() {
                        self.client.config().on_request.hear(&e);
                    }
                    Some(pages)
                }
                PagesAction::WaitUntil(p, until) => {
                    t.wait_until(until, None);
                    Some(p)
                }
                PagesAction::Page(p, items) => {
                    (self.on_page)(p.progress());
                    self.page.extend(items);
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
        self.listing(listing, on_page)
    }

    /// `admin.users.list`, every page: an iterator over the directory's users, fetched
    /// 100 a page as it is read, each page paced at Tier 4 and retried like any call.
    pub fn list_users(&self, listing: ListUsers) -> Result<Users<'_, T>, Error> {
        self.listing(listing, |_| {})
    }

    /// [`list_users`](Self::list_users), calling `on_page` as each page arrives.
    pub fn list_users_with<'c>(
        &'c self,
        listing: ListUsers,
        on_page: impl FnMut(&PagesDone) + 'c,
    ) -> Result<Users<'c, T>, Error> {
        self.listing(listing, on_page)
    }

    /// Any listing, every page.
    pub fn listing<'c, M: Paged>(
        &'c self,
        listing: M,
        on_page: impl FnMut(&PagesDone) + 'c,
    ) -> Result<Listing<'c, T, M>, Error> {
        let mut pages = Pages::new(self.endpoint(), listing, self.next_policy())?
            .with_pacer(self.config().pacer.clone());
        if self.config().on_request.observer().is_some() {
            pages = pages.with_events();
        }
        Ok(Listing {
            client: self,
            pages: Some(pages),
            page: VecDeque::new(),
            stopped: None,
            on_page: Box::new(on_page),
        })
    }
}
