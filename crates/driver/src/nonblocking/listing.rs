//! A listing, every page (`admin.users.session.list`, `admin.users.list`): a [`Stream`]
//! of its entries, a page fetched as it is read.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::Stream;
use http::Response;
use slack_sessions_core::sansio::{PageInFlight, Paged, Pages, PagesAction, PagesDone, PagesStop};
use slack_sessions_core::{Error, ListSessions, ListUsers, TransportFailure};

use super::AsyncClient;
use crate::transport::AsyncTransport;

type Sending<'c> =
    Pin<Box<dyn Future<Output = Result<Response<Vec<u8>>, TransportFailure>> + Send + 'c>>;
type Sleeping<'c> = Pin<Box<dyn Future<Output = ()> + Send + 'c>>;

/// Every entry a listing names, page after page, as they arrive: only one page is held
/// at a time. An error ends the stream with one `Err`; then [`stopped`](Self::stopped)
/// gives the cursor to resume from, as on the blocking client.
pub struct Listing<'c, T, M: Paged = ListSessions> {
    client: &'c AsyncClient<T>,
    state: State<'c, M>,
    page: VecDeque<M::Item>,
    stopped: Option<PagesStop>,
    on_page: Box<dyn FnMut(&PagesDone) + Send + 'c>,
}

/// Every active session a [`ListSessions`] names.
pub type Sessions<'c, T> = Listing<'c, T, ListSessions>;

/// Every user of the directory a [`ListUsers`] names.
pub type Users<'c, T> = Listing<'c, T, ListUsers>;

/// What the listing is doing between two items.
enum State<'c, M: Paged> {
    /// Ready to poll the pages for the next action.
    Ready(Pages<M>),
    /// A page's request is out.
    Sending(PageInFlight<M>, Sending<'c>),
    /// Waiting on the pacer or a retry.
    Sleeping(Pages<M>, Sleeping<'c>),
    /// Over.
    Done,
}

impl<T, M: Paged> std::fmt::Debug for Listing<'_, T, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listing")
            .field("buffered", &self.page.len())
            .field("stopped", &self.stopped)
            .finish_non_exhaustive()
    }
}

impl<T, M: Paged> Listing<'_, T, M> {
    /// Why the listing stopped early, how far it got and where to resume, after the
    /// stream gave its `Err`.
    pub fn stopped(&self) -> Option<&PagesStop> {
        self.stopped.as_ref()
    }
}

impl<T: AsyncTransport, M: Paged> Stream for Listing<'_, T, M>
where
    M: Unpin,
    M::Item: Unpin,
{
    type Item = Result<M::Item, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let t = this.client.transport();
        loop {
            if let Some(s) = this.page.pop_front() {
                return Poll::Ready(Some(Ok(s)));
            }
            this.state = match std::mem::replace(&mut this.state, State::Done) {
                State::Ready(pages) => match pages.poll(t.now()) {
                    PagesAction::Send(flight, request) => {
                        State::Sending(flight, Box::pin(t.send(request)))
                    }
                    PagesAction::WaitUntil(p, until) => {
                        State::Sleeping(p, Box::pin(t.sleep_until(until)))
                    }
                    PagesAction::Page(p, items) => {
                        (this.on_page)(p.progress());
                        this.page.extend(items);
                        State::Ready(p)
                    }
                    PagesAction::Done(Ok(_)) => return Poll::Ready(None),
                    PagesAction::Done(Err(stop)) => {
                        let e = stop.error.clone();
                        this.stopped = Some(stop);
                        return Poll::Ready(Some(Err(e)));
                    }
                },
                State::Sending(flight, mut sending) => match sending.as_mut().poll(cx) {
                    Poll::Ready(outcome) => {
                        let mut pages = flight.handle(t.now(), outcome);
                        if let Some(e) = pages.take_event() {
                            this.client.config().on_request.hear(&e);
                        }
                        State::Ready(pages)
                    }
                    Poll::Pending => {
                        this.state = State::Sending(flight, sending);
                        return Poll::Pending;
                    }
                },
                State::Sleeping(p, mut sleeping) => match sleeping.as_mut().poll(cx) {
                    Poll::Ready(()) => State::Ready(p),
                    Poll::Pending => {
                        this.state = State::Sleeping(p, sleeping);
                        return Poll::Pending;
                    }
                },
                State::Done => return Poll::Ready(None),
            };
        }
    }
}

impl<T: AsyncTransport> AsyncClient<T> {
    /// `admin.users.session.list`, every page: a stream of the sessions, fetched a page
    /// at a time as it is read, each page paced and retried like any call. An error ends
    /// the stream with one `Err`, and [`Sessions::stopped`] says where to resume.
    pub fn list_sessions(&self, listing: ListSessions) -> Result<Sessions<'_, T>, Error> {
        self.list_sessions_with(listing, |_| {})
    }

    /// [`list_sessions`](Self::list_sessions), calling `on_page` with the pages and
    /// sessions so far, and the cursor to go on from, each time a page arrives.
    pub fn list_sessions_with<'c>(
        &'c self,
        listing: ListSessions,
        on_page: impl FnMut(&PagesDone) + Send + 'c,
    ) -> Result<Sessions<'c, T>, Error> {
        self.listing(listing, on_page)
    }

    /// `admin.users.list`, every page: a stream of the directory's users, fetched 100 a
    /// page as it is read, each page paced at Tier 4 and retried like any call.
    pub fn list_users(&self, listing: ListUsers) -> Result<Users<'_, T>, Error> {
        self.listing(listing, |_| {})
    }

    /// [`list_users`](Self::list_users), calling `on_page` as each page arrives.
    pub fn list_users_with<'c>(
        &'c self,
        listing: ListUsers,
        on_page: impl FnMut(&PagesDone) + Send + 'c,
    ) -> Result<Users<'c, T>, Error> {
        self.listing(listing, on_page)
    }

    /// Any listing, every page.
    pub fn listing<'c, M: Paged>(
        &'c self,
        listing: M,
        on_page: impl FnMut(&PagesDone) + Send + 'c,
    ) -> Result<Listing<'c, T, M>, Error> {
        let mut pages = Pages::new(self.endpoint(), listing, self.next_policy())?
            .with_pacer(self.config().pacer.clone());
        if self.config().on_request.observer().is_some() {
            pages = pages.with_events();
        }
        Ok(Listing {
            client: self,
            state: State::Ready(pages),
            page: VecDeque::new(),
            stopped: None,
            on_page: Box::new(on_page),
        })
    }
}
