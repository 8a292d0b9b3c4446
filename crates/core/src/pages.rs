//! [`Pages`]: follow a listing's `next_cursor` page after page (`admin.users.session.list`,
//! `admin.users.list`), each page a [`Call`] with its retries and pacing, in the same poll
//! shape.

use std::time::Instant;

use http::{Request, Response};

use crate::call::{Action, Call, InFlight};
use crate::endpoint::Endpoint;
use crate::error::{Error, TransportFailure};
use crate::method::Method;
use crate::methods::admin::users::session::ListSessions;
use crate::pacer::SharedPacer;
use crate::retry::RetryPolicy;

/// A method whose answers come in pages, each naming the cursor of the next: what
/// [`Pages`] follows. The methods are this crate's ([`ListSessions`],
/// [`ListUsers`](crate::ListUsers)).
pub trait Paged: Method + Clone {
    /// One entry of a page: a session, a user.
    type Item;

    /// The cursor the listing starts from (`None`: the first page).
    fn start_cursor(&self) -> Option<String>;

    /// The same listing from another page.
    fn at(&self, cursor: Option<String>) -> Self;

    /// A page's entries, in Slack's order.
    fn items(output: Self::Output) -> Vec<Self::Item>;
}

/// Follows a listing from its first page to its last: each page is a [`Call`], retried
/// and paced as any call; the entries (sessions of [`ListSessions`], users of
/// [`ListUsers`](crate::ListUsers)) come out page by page, in Slack's order. On an error
/// it stops and says how far it got ([`PagesStop`]), so that a caller can resume from
/// the last cursor.
///
/// ```
/// use std::time::Instant;
/// use slack_sessions_core::sansio::{Endpoint, Pages, PagesAction};
/// use slack_sessions_core::{ListSessions, RetryPolicy, Token};
///
/// let ep = Endpoint::new(Token::new("xoxp-1")?);
/// let mut pages = Pages::new(&ep, ListSessions::new().limit(1), RetryPolicy::default())?;
/// let answers = [
///     r#"{"ok":true,"active_sessions":[{"user_id":"U1","team_id":"T1","session_id":7}],"response_metadata":{"next_cursor":"c2"}}"#,
///     r#"{"ok":true,"active_sessions":[{"user_id":"U2","team_id":"T1","session_id":9}],"response_metadata":{"next_cursor":""}}"#,
/// ];
/// let (now, mut seen, mut answer) = (Instant::now(), Vec::new(), answers.iter());
/// loop {
///     pages = match pages.poll(now) {
///         PagesAction::Send(flight, _request) => {
///             let body = answer.next().expect("two pages").as_bytes().to_vec();
///             flight.handle(now, Ok(http::Response::new(body)))
///         }
///         PagesAction::WaitUntil(p, _) => p,
///         PagesAction::Page(p, sessions) => {
///             seen.extend(sessions.into_iter().map(|s| s.session_id));
///             p
///         }
///         PagesAction::Done(end) => break assert_eq!(end?.pages, 2),
///     };
/// }
/// assert_eq!(seen, [7, 9]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Pages<M: Paged = ListSessions> {
    endpoint: Endpoint,
    listing: M,
    policy: RetryPolicy,
    pacer: Option<SharedPacer>,
    call: Option<Call<M>>,
    /// The cursor of the page being fetched (`None` for the first).
    cursor: Option<String>,
    progress: PagesDone,
    /// Every cursor followed so far, hashed: a server that repeats one would list
    /// forever.
    followed: std::collections::HashSet<u64>,
    /// Pages in a row with no entry and a next cursor.
    empty_streak: u32,
    /// Why the listing stopped after its last page, to say once that page is used.
    stopped: Option<PagesStop>,
    /// Whether each page's answers are kept as events ([`Pages::with_events`]).
    record_events: bool,
    /// The event of the answer handled last, until it is taken.
    event: Option<crate::bulk::events::RequestEvent>,
}

/// After this many pages in a row with no entry but a next cursor, a listing stops:
/// the server would otherwise hold it forever.
pub const MAX_EMPTY_PAGES: u32 = 20;

/// How far a listing got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PagesDone {
    /// Pages received.
    pub pages: u32,
    /// Entries (sessions, users) received.
    pub items: u64,
    /// The cursor of the page after the last one received: once that page's entries are
    /// used, the listing's `cursor(c)` goes on from there without losing or repeating
    /// any. `None` before the first page, and after the last.
    pub cursor: Option<String>,
    /// What Slack said besides the entries (`warning`, `response_metadata.warnings` and
    /// `messages`), each once, at most [`MAX_LISTING_WARNINGS`].
    pub warnings: Vec<String>,
}

/// The most distinct warnings a listing keeps.
pub const MAX_LISTING_WARNINGS: usize = 32;

/// A listing that stopped on an error, with what it had done: resume with the listing's
/// `cursor(cursor)` (`None`: from the first page).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("listing stopped after {} pages: {error}", done.pages)]
pub struct PagesStop {
    /// Why.
    pub error: Error,
    /// The cursor of the page that failed.
    pub cursor: Option<String>,
    /// The pages and entries received before.
    pub done: PagesDone,
}

/// What the driver of a listing does next.
#[must_use = "an action tells the driver what to do"]
#[allow(clippy::large_enum_variant)] // the request goes straight to the transport
pub enum PagesAction<M: Paged = ListSessions> {
    /// Send this request; hand its outcome to the [`PageInFlight`].
    Send(PageInFlight<M>, Request<Vec<u8>>),
    /// Wait until then (pacer, retry), then poll again.
    WaitUntil(Pages<M>, Instant),
    /// A page of entries; poll again for the next.
    Page(Pages<M>, Vec<M::Item>),
    /// The last page came (`Ok`), or an error stopped the listing.
    Done(Result<PagesDone, PagesStop>),
}

/// A page's request in flight.
#[must_use = "a request in flight must be handled"]
pub struct PageInFlight<M: Paged = ListSessions> {
    pages: Pages<M>,
    flight: InFlight<M>,
}

impl<M: Paged> PageInFlight<M> {
    /// Takes the request's outcome.
    pub fn handle(
        self,
        now: Instant,
        outcome: Result<Response<Vec<u8>>, TransportFailure>,
    ) -> Pages<M> {
        let mut pages = self.pages;
        let mut call = self.flight.handle(now, outcome);
        pages.event = call.take_event();
        pages.call = Some(call);
        pages
    }
}

impl<M: Paged> std::fmt::Debug for Pages<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("progress", &self.progress)
            .finish_non_exhaustive()
    }
}

impl<M: Paged> Pages<M> {
    /// Lists from the page `listing` names (its cursor, or the first).
    pub fn new(endpoint: &Endpoint, listing: M, policy: RetryPolicy) -> Result<Self, Error> {
        let cursor = listing.start_cursor();
        let call = Call::new(endpoint, &listing, policy)?;
        Ok(Pages {
            endpoint: endpoint.clone(),
            listing,
            policy,
            pacer: None,
            call: Some(call),
            followed: cursor.iter().map(|c| hash(c)).collect(),
            cursor,
            progress: PagesDone::default(),
            empty_streak: 0,
            stopped: None,
            record_events: false,
            event: None,
        })
    }

    /// Keeps a [`RequestEvent`](crate::RequestEvent) of each answer handled, to take
    /// with [`take_event`](Self::take_event), for a verbose log.
    #[must_use]
    pub fn with_events(mut self) -> Self {
        self.call = self.call.map(Call::with_events);
        self.record_events = true;
        self
    }

    /// The event of the answer handled last, once (with [`with_events`](Self::with_events)).
    pub fn take_event(&mut self) -> Option<crate::bulk::events::RequestEvent> {
        self.event.take()
    }

    /// How far the listing got: pages and entries received, and the cursor to go on
    /// from once the last page's entries are used.
    pub fn progress(&self) -> &PagesDone {
        &self.progress
    }

    /// Paces every page through `pacer`.
    pub fn with_pacer(mut self, pacer: SharedPacer) -> Self {
        self.call = self.call.map(|c| c.with_pacer(pacer.clone()));
        self.pacer = Some(pacer);
        self
    }

    /// What to do next, at `now`.
    pub fn poll(mut self, now: Instant) -> PagesAction<M> {
        let Some(call) = self.call.take() else {
            return PagesAction::Done(match self.stopped.take() {
                Some(stop) => Err(stop),
                None => Ok(self.progress),
            });
        };
        match call.poll(now) {
            Action::Send(flight, request) => PagesAction::Send(
                PageInFlight {
                    pages: self,
                    flight,
                },
                request,
            ),
            Action::WaitUntil(call, t) => {
                self.call = Some(call);
                PagesAction::WaitUntil(self, t)
            }
            Action::Done(Err(error), _) => PagesAction::Done(Err(PagesStop {
                error,
                cursor: self.cursor,
                done: self.progress,
            })),
            Action::Done(Ok(reply), _) => {
                self.progress.pages += 1;
                for w in &reply.warnings {
                    if self.progress.warnings.len() < MAX_LISTING_WARNINGS
                        && !self.progress.warnings.contains(w)
                    {
                        self.progress.warnings.push(w.clone());
                    }
                }
                let items = M::items(reply.output);
                self.progress.items += items.len() as u64;
                self.progress.cursor.clone_from(&reply.next_cursor);
                if let Some(next) = reply.next_cursor {
                    self.empty_streak = if items.is_empty() {
                        self.empty_streak + 1
                    } else {
                        0
                    };
                    let endless = if !self.followed.insert(hash(&next)) {
                        Some(format!(
                            "the server repeated cursor {:?}",
                            crate::capped::cap(&next, 64)
                        ))
                    } else if self.empty_streak >= MAX_EMPTY_PAGES {
                        Some(format!(
                            "{MAX_EMPTY_PAGES} pages in a row with no entry and a next cursor"
                        ))
                    } else {
                        None
                    };
                    if let Some(reason) = endless {
                        // The entries of this page are whole: the caller keeps them,
                        // and the cursor to go on from is the one that repeated.
                        self.call = None;
                        self.stopped = Some(PagesStop {
                            error: Error::Call(crate::error::CallError::EndlessListing(reason)),
                            cursor: Some(next),
                            done: self.progress.clone(),
                        });
                        return PagesAction::Page(self, items);
                    }
                    let listing = self.listing.at(Some(next.clone()));
                    match Call::new(&self.endpoint, &listing, self.policy) {
                        Ok(c) => {
                            let c = if self.record_events {
                                c.with_events()
                            } else {
                                c
                            };
                            self.call = Some(match &self.pacer {
                                Some(p) => c.with_pacer(p.clone()),
                                None => c,
                            });
                            self.cursor = Some(next);
                        }
                        Err(error) => {
                            return PagesAction::Done(Err(PagesStop {
                                error,
                                cursor: Some(next),
                                done: self.progress,
                            }))
                        }
                    }
                }
                PagesAction::Page(self, items)
            }
        }
    }
}

/// A cursor's fingerprint, to know it again without keeping it.
fn hash(cursor: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    cursor.hash(&mut h);
    h.finish()
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // a base instant for virtual time
mod tests {
    use super::*;
    use crate::Token;
    use proptest::prelude::*;

    /// A fake `list`: `total` sessions, pages of the request's `limit`, cursor = the
    /// offset; `fail` answers 503 to the n-th request (counted from 0).
    fn serve(
        total: u64,
        req: &Request<Vec<u8>>,
        n: usize,
        fail: Option<usize>,
    ) -> Response<Vec<u8>> {
        if fail == Some(n) {
            return Response::builder().status(503).body(Vec::new()).unwrap();
        }
        let body = std::str::from_utf8(req.body()).unwrap();
        let field = |k: &str| {
            body.split('&')
                .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                .map(str::to_owned)
        };
        let limit: u64 = field("limit").and_then(|v| v.parse().ok()).unwrap_or(1000);
        let from: u64 = field("cursor").and_then(|v| v.parse().ok()).unwrap_or(0);
        let to = (from + limit).min(total);
        let sessions: Vec<String> = (from..to)
            .map(|i| format!(r#"{{"user_id":"U{i:08}","team_id":"T1","session_id":{i}}}"#))
            .collect();
        let next = if to < total {
            to.to_string()
        } else {
            String::new()
        };
        let json = format!(
            r#"{{"ok":true,"active_sessions":[{}],"response_metadata":{{"next_cursor":"{next}"}}}}"#,
            sessions.join(",")
        );
        Response::new(json.into_bytes())
    }

    fn run(
        total: u64,
        limit: u32,
        fail: Option<usize>,
        retries: u32,
    ) -> (Vec<u64>, Result<PagesDone, PagesStop>) {
        let ep = Endpoint::new(Token::new("xoxp-1").unwrap());
        let policy = RetryPolicy::default()
            .max_retries(retries)
            .base_delay(std::time::Duration::from_millis(1));
        let mut pages = Pages::new(&ep, ListSessions::new().limit(limit), policy).unwrap();
        let (mut now, mut seen, mut n) = (Instant::now(), Vec::new(), 0);
        loop {
            pages = match pages.poll(now) {
                PagesAction::Send(flight, req) => {
                    let answer = serve(total, &req, n, fail);
                    n += 1;
                    flight.handle(now, Ok(answer))
                }
                PagesAction::WaitUntil(p, t) => {
                    now = now.max(t);
                    p
                }
                PagesAction::Page(p, sessions) => {
                    seen.extend(sessions.iter().map(|s| s.session_id));
                    p
                }
                PagesAction::Done(end) => return (seen, end),
            };
        }
    }

    #[test]
    fn an_error_stops_with_the_cursor_to_resume_from() {
        let (seen, end) = run(25, 10, Some(1), 0);
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        let stop = end.unwrap_err();
        assert_eq!(stop.cursor.as_deref(), Some("10"));
        assert_eq!((stop.done.pages, stop.done.items), (1, 10));
        assert_eq!(stop.error.short_code(), "http_503");
    }

    /// Drives a listing over `answer(n, request)`, in virtual time; returns the
    /// sessions seen and how it ended.
    fn drive(answer: impl Fn(usize) -> String) -> (Vec<u64>, Result<PagesDone, PagesStop>) {
        let ep = Endpoint::new(Token::new("xoxp-1").unwrap());
        let mut pages = Pages::new(&ep, ListSessions::new(), RetryPolicy::default()).unwrap();
        let (now, mut seen, mut n) = (Instant::now(), Vec::new(), 0);
        loop {
            pages = match pages.poll(now) {
                PagesAction::Send(flight, _) => {
                    let body = answer(n);
                    n += 1;
                    assert!(n < 1_000, "the listing never ended");
                    flight.handle(now, Ok(Response::new(body.into_bytes())))
                }
                PagesAction::WaitUntil(p, _) => p,
                PagesAction::Page(p, sessions) => {
                    seen.extend(sessions.iter().map(|s| s.session_id));
                    p
                }
                PagesAction::Done(end) => return (seen, end),
            };
        }
    }

    #[test]
    fn a_repeated_cursor_stops_the_listing_with_the_cursor_to_resume() {
        let (seen, end) = drive(|n| {
            format!(
                r#"{{"ok":true,"active_sessions":[{{"user_id":"U1","team_id":"E1","session_id":{n}}}],"response_metadata":{{"next_cursor":"{}"}}}}"#,
                if n == 0 { "a" } else { "b" }
            )
        });
        // Pages 0 ("a" next), 1 ("b" next), 2 ("b" again): the third page's session is
        // kept, and the listing stops.
        assert_eq!(seen, [0, 1, 2]);
        let stop = end.unwrap_err();
        assert_eq!(stop.error.short_code(), "endless_listing");
        assert!(
            stop.error.to_string().contains("repeated cursor \"b\""),
            "{}",
            stop.error
        );
        assert_eq!(stop.cursor.as_deref(), Some("b"));
        assert_eq!(stop.done.pages, 3);
    }

    #[test]
    fn endless_empty_pages_stop_the_listing() {
        let (seen, end) = drive(|n| {
            format!(
                r#"{{"ok":true,"active_sessions":[],"response_metadata":{{"next_cursor":"c{n}"}}}}"#
            )
        });
        assert!(seen.is_empty());
        let stop = end.unwrap_err();
        assert_eq!(stop.error.short_code(), "endless_listing");
        assert_eq!(stop.done.pages, MAX_EMPTY_PAGES);
    }

    #[test]
    fn no_active_sessions_is_an_empty_listing() {
        let (seen, end) = drive(|_| r#"{"ok":false,"error":"no_active_sessions"}"#.into());
        assert!(seen.is_empty());
        let done = end.unwrap();
        assert_eq!((done.pages, done.items), (1, 0));
    }

    proptest! {
        /// Any page size, any transient fault at any page: with retries, every session
        /// comes out once, in order.
        #[test]
        fn every_session_once_in_order(total in 0u64..60, limit in 1u32..12, fail in proptest::option::of(0usize..8)) {
            let (seen, end) = run(total, limit, fail, 2);
            prop_assert_eq!(seen, (0..total).collect::<Vec<_>>());
            let done = end.unwrap();
            prop_assert_eq!(done.items, total);
            prop_assert_eq!(u64::from(done.pages), total.div_ceil(u64::from(limit)).max(1));
        }
    }
}
