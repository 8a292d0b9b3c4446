//! The session family beyond settings: list (a `Stream` over every page), reset,
//! resetBulk and invalidate.

use std::collections::VecDeque;
use std::time::Instant;

use futures_util::stream::{self, Stream};
use hyper::rt::Timer;
use hyper_util::client::legacy::connect::Connect;
use slack_sessions_core::sansio::{Pages, PagesAction, PagesDone};
use slack_sessions_core::{
    ActiveSession, BulkRun, Empty, InvalidateSession, ListSessions, Progress, Reply, ResetScope,
    ResetSessions, ResetSessionsBulk,
};

use crate::bulk::BulkResult;
use crate::{Client, Error};

/// Where a listing stream stands.
struct State<'c, C, T, F> {
    client: &'c Client<C, T>,
    pages: Option<Pages>,
    page: VecDeque<ActiveSession>,
    on_page: F,
}

impl<C, T> Client<C, T>
where
    C: Connect + Clone + Send + Sync + 'static,
    T: Timer + Send + Sync + 'static,
{
    /// `admin.users.session.list`, every page: a stream of the sessions, fetched a page
    /// at a time as it is read, each page paced and retried like any call. An error ends
    /// the stream with one `Err`.
    pub fn list_sessions(
        &self,
        listing: ListSessions,
    ) -> Result<impl Stream<Item = Result<ActiveSession, Error>> + Send + '_, Error> {
        self.list_sessions_with(listing, |_| {})
    }

    /// [`list_sessions`](Self::list_sessions), calling `on_page` with the pages and
    /// sessions so far each time a page arrives (e.g. for a verbose log).
    pub fn list_sessions_with<'c>(
        &'c self,
        listing: ListSessions,
        on_page: impl FnMut(&PagesDone) + Send + 'c,
    ) -> Result<impl Stream<Item = Result<ActiveSession, Error>> + Send + 'c, Error> {
        let pages = Pages::new(self.endpoint(), listing, self.next_policy())?
            .with_pacer(self.pacer().clone());
        let state = State {
            client: self,
            pages: Some(pages),
            page: VecDeque::new(),
            on_page,
        };
        Ok(stream::unfold(state, |mut st| async move {
            loop {
                if let Some(s) = st.page.pop_front() {
                    return Some((Ok(s), st));
                }
                let pages = st.pages.take()?;
                st.pages = match pages.poll(Instant::now()) {
                    PagesAction::Send(flight, request) => {
                        let outcome = st.client.send(request).await;
                        Some(flight.handle(Instant::now(), outcome))
                    }
                    PagesAction::WaitUntil(p, t) => {
                        st.client.sleep_until(t).await;
                        Some(p)
                    }
                    PagesAction::Page(p, sessions) => {
                        (st.on_page)(p.progress());
                        st.page.extend(sessions);
                        Some(p)
                    }
                    PagesAction::Done(Ok(_)) => None,
                    PagesAction::Done(Err(stop)) => return Some((Err(stop.error), st)),
                };
            }
        }))
    }

    /// `admin.users.session.reset`: end one user's sessions.
    pub async fn reset_sessions(&self, m: &ResetSessions) -> Result<Reply<Empty>, Error> {
        self.call(m).await
    }

    /// `admin.users.session.invalidate`: end one session.
    pub async fn invalidate_session(&self, m: &InvalidateSession) -> Result<Reply<Empty>, Error> {
        self.call(m).await
    }

    /// `admin.users.session.resetBulk` for any number of users, split around the users
    /// whose sessions may not be reset.
    pub async fn reset_sessions_bulk<I, S>(
        &self,
        users: I,
        scope: ResetScope,
        run: BulkRun,
        progress: impl FnMut(Progress),
    ) -> BulkResult<Empty>
    where
        I: IntoIterator<Item = S>,
        I::IntoIter: Send,
        S: AsRef<str>,
    {
        self.apply_bulk::<ResetSessionsBulk, _, _>(scope, users, run, progress)
            .await
    }
}
