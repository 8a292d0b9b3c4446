//! `list`, every page: a [`Stream`] of the sessions, a page fetched as it is read.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::Stream;
use http::Response;
use slack_sessions_core::sansio::{PageInFlight, Pages, PagesAction, PagesDone, PagesStop};
use slack_sessions_core::{ActiveSession, Error, ListSessions, TransportFailure};

use super::AsyncClient;
use crate::transport::AsyncTransport;

type Sending<'c> =
    Pin<Box<dyn Future<Output = Result<Response<Vec<u8>>, TransportFailure>> + Send + 'c>>;
type Sleeping<'c> = Pin<Box<dyn Future<Output = ()> + Send + 'c>>;

/// Every active session a [`ListSessions`] names, page after page, as they arrive: only
/// one page is held at a time. An error ends the stream with one `Err`; then
/// [`stopped`](Self::stopped) gives the cursor to resume from, as on the blocking
/// client.
pub struct Sessions<'c, T> {
    client: &'c AsyncClient<T>,
    state: State<'c>,
    page: VecDeque<ActiveSession>,
    stopped: Option<PagesStop>,
    on_page: Box<dyn FnMut(&PagesDone) + Send + 'c>,
}

/// What the listing is doing between two items.
enum State<'c> {
    /// Ready to poll the pages for the next action.
    Ready(Pages),
    /// A page's request is out.
    Sending(PageInFlight, Sending<'c>),
    /// Waiting on the pacer or a retry.
    Sleeping(Pages, Sleeping<'c>),
    /// Over.
    Done,
}

impl<T> std::fmt::Debug for Sessions<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("buffered", &self.page.len())
            .field("stopped", &self.stopped)
            .finish_non_exhaustive()
    }
}

impl<T> Sessions<'_, T> {
    /// Why the listing stopped early, how far it got and where to resume, after the
    /// stream gave its `Err`.
    pub fn stopped(&self) -> Option<&PagesStop> {
        self.stopped.as_ref()
    }
}

impl<T: AsyncTransport> Stream for Sessions<'_, T> {
    type Item = Result<ActiveSession, Error>;

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
                    PagesAction::Page(p, sessions) => {
                        (this.on_page)(p.progress());
                        this.page.extend(sessions);
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
                    Poll::Ready(outcome) => State::Ready(flight.handle(t.now(), outcome)),
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
        let pages = Pages::new(self.endpoint(), listing, self.next_policy())?
            .with_pacer(self.config().pacer.clone());
        Ok(Sessions {
            client: self,
            state: State::Ready(pages),
            page: VecDeque::new(),
            stopped: None,
            on_page: Box::new(on_page),
        })
    }
}
