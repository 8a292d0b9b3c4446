//! [`Call`]: one call's whole life as a poll-shaped state machine: encode once, pace,
//! send, decode, retry or finish. Time is an argument; the core never reads a clock.

use std::marker::PhantomData;
use std::time::{Duration, Instant};

use http::{Request, Response};

use crate::attempt::{Attempt, Next};
use crate::bulk::events::{Disposition, RequestEvent};
use crate::decode::{decode_parts, Reply};
use crate::endpoint::{Encoded, Endpoint};
use crate::error::{CallError, Error, TransportFailure};
use crate::method::{Method, Output};
use crate::pacer::SharedPacer;
use crate::retry::RetryPolicy;
use crate::user::UserIds;

/// What the driver must do next. The call travels inside the action, so that a request
/// in flight is a value ([`InFlight`]) and no state is reachable only by misuse.
#[must_use = "an action tells the driver what to do"]
#[allow(clippy::large_enum_variant)] // the request is moved straight to the transport; boxing would only add an allocation
pub enum Action<M: Method> {
    /// Send this request, then pass its outcome to [`InFlight::handle`].
    Send(InFlight<M>, Request<Vec<u8>>),
    /// Sleep until this instant, then poll the call again.
    WaitUntil(Call<M>, Instant),
    /// The call is over, with its counters.
    Done(Result<Reply<M::Output>, Error>, CallStats),
}

/// Counters of one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallStats {
    /// Requests handed out to send, retries included.
    pub requests: u32,
    /// Retries decided.
    pub retries: u32,
    /// Time spent waiting on the retry policy.
    pub retry_wait: Duration,
    /// Time spent waiting on the pacer.
    pub pacing_wait: Duration,
}

/// One call to method `M`, between requests: [`poll`](Call::poll) it for the next
/// [`Action`].
///
/// ```
/// use std::time::Instant;
/// use slack_sessions_core::sansio::{Action, Call};
/// use slack_sessions_core::sansio::Endpoint;
/// use slack_sessions_core::{ClearSettings, RetryPolicy, Token, UserIds};
///
/// let endpoint = Endpoint::new(Token::new("xoxp-1").unwrap());
/// let method = ClearSettings::new(UserIds::parse(["U1"]).unwrap());
/// let call = Call::new(&endpoint, &method, RetryPolicy::default()).unwrap();
/// let now = Instant::now();
/// let Action::Send(in_flight, req) = call.poll(now) else { unreachable!() };
/// assert!(req.uri().path().ends_with("clearSettings"));
/// // The transport answers 200 {"ok":true}.
/// let call = in_flight.handle(now, Ok(http::Response::new(br#"{"ok":true}"#.to_vec())));
/// assert!(matches!(call.poll(now), Action::Done(Ok(_), _)));
/// ```
pub struct Call<M: Method> {
    /// Boxed: a call moves through every poll and every handle, and eight bytes move
    /// faster than the few hundred its state takes.
    s: Box<State<M>>,
}

struct State<M: Method> {
    request: Encoded,
    /// The users the answer lists, when it is checked against them.
    listed: Option<UserIds>,
    policy: RetryPolicy,
    pacer: Option<SharedPacer>,
    attempt: Attempt,
    result: Option<Result<Reply<M::Output>, Error>>,
    stats: CallStats,
    /// Whether each handled answer is kept as a [`RequestEvent`], for a verbose log.
    record_events: bool,
    /// When the request in flight went out.
    sent_at: Option<Instant>,
    /// The event of the answer handled last, until it is taken.
    event: Option<RequestEvent>,
    /// The code and message of the error the last retry was decided on.
    retried_on: Option<(String, String)>,
    _method: PhantomData<fn() -> M>,
}

/// A [`Call`] whose request is out: [`handle`](InFlight::handle) its outcome to get the
/// call back.
#[must_use = "a request in flight must be handled"]
pub struct InFlight<M: Method>(Call<M>);

impl<M: Method> std::fmt::Debug for InFlight<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("InFlight").field(&self.0).finish()
    }
}

impl<M: Method> std::fmt::Debug for Action<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Send(_, r) => write!(f, "Send({} {})", r.method(), r.uri()),
            Action::WaitUntil(_, t) => write!(f, "WaitUntil({t:?})"),
            Action::Done(r, stats) => match r {
                Ok(_) => write!(f, "Done(Ok, {stats:?})"),
                Err(e) => write!(f, "Done(Err({e}), {stats:?})"),
            },
        }
    }
}

impl<M: Method> std::fmt::Debug for Call<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("method", &M::NAME)
            .field("stats", &self.s.stats)
            .finish_non_exhaustive()
    }
}

impl<M: Method> Call<M> {
    /// Validates and encodes `method` once. Bad input is refused here, before any request.
    pub fn new(endpoint: &Endpoint, method: &M, policy: RetryPolicy) -> Result<Self, Error> {
        let request = endpoint.prepare(method)?;
        Ok(Call {
            s: Box::new(State {
                request,
                listed: method.listed_users().cloned(),
                attempt: Attempt::new(policy.seed),
                policy,
                pacer: None,
                result: None,
                stats: CallStats::default(),
                record_events: false,
                sent_at: None,
                event: None,
                retried_on: None,
                _method: PhantomData,
            }),
        })
    }

    /// Paces this call's requests through `pacer`.
    #[must_use]
    pub fn with_pacer(mut self, pacer: SharedPacer) -> Self {
        self.s.pacer = Some(pacer);
        self
    }

    /// Keeps a [`RequestEvent`] of each answer handled, to take with
    /// [`take_event`](Self::take_event): for a verbose log (it costs an allocation an
    /// answer, so it is off unless asked for).
    #[must_use]
    pub fn with_events(mut self) -> Self {
        self.s.record_events = true;
        self
    }

    /// The event of the answer handled last, once (with [`with_events`](Self::with_events)).
    pub fn take_event(&mut self) -> Option<RequestEvent> {
        self.s.event.take()
    }

    /// The counters so far.
    pub fn stats(&self) -> CallStats {
        self.s.stats
    }

    /// What to do next, at time `now`.
    pub fn poll(mut self, now: Instant) -> Action<M> {
        if let Some(result) = self.s.result.take() {
            return Action::Done(result, self.s.stats);
        }
        if let Some(t) = self.s.attempt.not_before {
            if now < t {
                return Action::WaitUntil(self, t);
            }
        }
        let stats = &mut self.s.stats;
        if let Err(at) = self
            .s
            .attempt
            .pace::<M>(now, self.s.pacer.as_ref(), |w| stats.pacing_wait += w)
        {
            return Action::WaitUntil(self, at);
        }
        self.s.attempt.sent();
        self.s.stats.requests += 1;
        self.s.sent_at = Some(now);
        let request = self.s.request.request();
        Action::Send(InFlight(self), request)
    }
}

impl<M: Method> InFlight<M> {
    /// The counters so far.
    pub fn stats(&self) -> CallStats {
        self.0.s.stats
    }

    /// Takes the outcome of the request and gives the call back, to poll again.
    #[must_use = "the call goes on: poll it again"]
    pub fn handle(
        self,
        now: Instant,
        outcome: Result<Response<Vec<u8>>, TransportFailure>,
    ) -> Call<M> {
        let status = outcome.as_ref().ok().map(|r| r.status().as_u16());
        let mut call = self.handle_outcome(now, outcome);
        if call.s.record_events {
            call.s.event = Some(call.event(now, status));
        }
        call
    }

    fn handle_outcome(
        self,
        now: Instant,
        outcome: Result<Response<Vec<u8>>, TransportFailure>,
    ) -> Call<M> {
        let mut call = self.0;
        let error = match outcome {
            Ok(resp) => {
                match decode_parts::<M::Output>(resp.status(), resp.headers(), resp.body()) {
                    Ok(mut reply) => {
                        if let Some(asked) = &call.s.listed {
                            let r = reply.output.reconcile(asked);
                            if r.dropped > 0 {
                                reply.warnings.push(dropped_warning(M::NAME, r.dropped));
                            }
                        }
                        call.s.result = Some(Ok(reply));
                        return call;
                    }
                    Err(CallError::Api(a)) if M::empty_on(&a.code) => {
                        call.s.result = Some(Ok(Reply::empty(a.warnings)));
                        return call;
                    }
                    Err(CallError::Api(a))
                        if call.s.attempt.maybe_done && M::done_by_earlier_attempt(&a.code) =>
                    {
                        let mut reply = Reply::empty(a.warnings);
                        reply.by_earlier_attempt = true;
                        call.s.result = Some(Ok(reply));
                        return call;
                    }
                    Err(e) => Error::Call(e),
                }
            }
            Err(t) => Error::Transport(t),
        };
        let next =
            call.s
                .attempt
                .after_failure::<M>(now, &error, &call.s.policy, call.s.pacer.as_ref());
        match next {
            Next::Retry(wait) => {
                call.s.stats.retries += 1;
                call.s.stats.retry_wait += wait;
                if call.s.record_events {
                    call.s.retried_on = Some((error.short_code().into_owned(), error.to_string()));
                }
            }
            Next::StopRun | Next::Isolate | Next::Fail => call.s.result = Some(Err(error)),
        }
        call
    }
}

impl<M: Method> Call<M> {
    /// The event of the answer just handled: a result set is the end (applied, or
    /// failed or stopped by its error), none a retry after the wait booked.
    fn event(&mut self, now: Instant, status: Option<u16>) -> RequestEvent {
        let retried_on = self.s.retried_on.take();
        let s = &self.s;
        let (code, detail, disposition) = match &s.result {
            Some(Ok(_)) => ("ok".to_owned(), None, Disposition::Applied),
            Some(Err(e)) => (
                e.short_code().into_owned(),
                Some(e.to_string()),
                match crate::verdict::verdict(e, false) {
                    crate::verdict::Verdict::StopRun => Disposition::Stopped,
                    _ => Disposition::Failed,
                },
            ),
            None => (
                retried_on
                    .as_ref()
                    .map_or_else(|| "retry".to_owned(), |(c, _)| c.clone()),
                retried_on.map(|(_, d)| d),
                Disposition::Retry(
                    s.attempt
                        .not_before
                        .map_or(Duration::ZERO, |t| t.saturating_duration_since(now)),
                ),
            ),
        };
        RequestEvent {
            method: M::NAME,
            users: s.listed.as_ref().map_or(0, UserIds::len),
            status,
            code,
            detail,
            attempt: s.stats.requests,
            paced: s.attempt.paced,
            took: s
                .sent_at
                .map_or(Duration::ZERO, |t| now.saturating_duration_since(t)),
            disposition,
        }
    }
}

/// The warning for answer entries dropped by [`Output::reconcile`](crate::Output::reconcile).
pub(crate) fn dropped_warning(method: &str, n: usize) -> String {
    format!("dropped {n} entries of the {method} answer for users not asked for, or repeated")
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // a base instant for virtual time
mod tests {
    use super::*;
    use crate::method::Tier;
    use crate::pacer::Pacer;
    use crate::{ErrorCode, Rate, SetSettings, Token, TransportKind, UserIds};

    fn call(policy: RetryPolicy) -> Call<SetSettings> {
        let ep = Endpoint::new(Token::new("xoxp-1").unwrap());
        let m = SetSettings::new(UserIds::parse(["U1"]).unwrap()).desktop_app_browser_quit(true);
        Call::new(&ep, &m, policy).unwrap()
    }

    fn answer(status: u16, body: &str, retry_after: Option<&str>) -> Response<Vec<u8>> {
        let mut b = Response::builder().status(status);
        if let Some(r) = retry_after {
            b = b.header("retry-after", r);
        }
        b.body(body.as_bytes().to_vec()).unwrap()
    }

    /// Drives `call` in virtual time, answering from `answers`; returns the result, the
    /// instants at which requests went out, the start and the final clock.
    fn drive(
        mut call: Call<SetSettings>,
        mut answers: Vec<Result<Response<Vec<u8>>, TransportFailure>>,
    ) -> (
        Result<Reply<crate::Empty>, Error>,
        Vec<Instant>,
        Instant,
        Instant,
    ) {
        let t0 = Instant::now();
        let mut now = t0;
        let mut sent = Vec::new();
        answers.reverse();
        loop {
            call = match call.poll(now) {
                Action::Send(flight, req) => {
                    assert_eq!(
                        req.body().as_slice(),
                        b"user_ids=U1&desktop_app_browser_quit=true"
                    );
                    sent.push(now);
                    let a = answers.pop().expect("more requests than answers");
                    flight.handle(now, a)
                }
                Action::WaitUntil(c, t) => {
                    assert!(t > now, "waits must move forward");
                    now = t;
                    c
                }
                Action::Done(r, _) => return (r, sent, t0, now),
            }
        }
    }

    /// With events on, each answer handled is one event: a 429 a retry naming its
    /// code and wait, then the success; without, none is kept.
    #[test]
    fn each_answer_is_an_event_when_asked() {
        let mut c = call(RetryPolicy::default()).with_events();
        let t0 = Instant::now();
        let mut events = Vec::new();
        let mut answers = vec![
            Ok(answer(200, r#"{"ok":true}"#, None)),
            Ok(answer(
                429,
                r#"{"ok":false,"error":"ratelimited"}"#,
                Some("7"),
            )),
        ];
        let mut now = t0;
        loop {
            c = match c.poll(now) {
                Action::Send(flight, _) => {
                    let mut next =
                        flight.handle(now + Duration::from_millis(5), answers.pop().unwrap());
                    events.extend(next.take_event());
                    assert!(next.take_event().is_none(), "each event once");
                    next
                }
                Action::WaitUntil(c, t) => {
                    now = t;
                    c
                }
                Action::Done(r, _) => {
                    assert!(r.is_ok());
                    break;
                }
            }
        }
        let seen: Vec<(Option<u16>, &str, u32, Disposition)> = events
            .iter()
            .map(|e| (e.status, e.code.as_str(), e.attempt, e.disposition))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    Some(429),
                    "ratelimited",
                    1,
                    Disposition::Retry(Duration::from_secs(7))
                ),
                (Some(200), "ok", 2, Disposition::Applied),
            ]
        );
        assert_eq!(events[1].took, Duration::from_millis(5));
        let mut plain = call(RetryPolicy::default());
        let Action::Send(flight, _) = plain.poll(t0) else {
            panic!()
        };
        plain = flight.handle(t0, Ok(answer(200, r#"{"ok":true}"#, None)));
        assert!(plain.take_event().is_none());
    }

    #[test]
    fn a_429_waits_exactly_retry_after_then_succeeds() {
        let (r, sent, t0, _) = drive(
            call(RetryPolicy::default()),
            vec![
                Ok(answer(
                    429,
                    r#"{"ok":false,"error":"ratelimited"}"#,
                    Some("7"),
                )),
                Ok(answer(200, r#"{"ok":true}"#, None)),
            ],
        );
        assert!(r.is_ok());
        assert_eq!(sent, vec![t0, t0 + Duration::from_secs(7)]);
    }

    #[test]
    fn three_transient_errors_then_success_with_growing_waits() {
        let (r, sent, _, _) = drive(
            call(RetryPolicy::default()),
            vec![
                Ok(answer(
                    200,
                    r#"{"ok":false,"error":"internal_error"}"#,
                    None,
                )),
                Ok(answer(503, "<html>down</html>", None)),
                Err(TransportFailure::new(TransportKind::Io, "connection reset")),
                Ok(answer(200, r#"{"ok":true}"#, None)),
            ],
        );
        assert!(r.is_ok());
        assert_eq!(sent.len(), 4);
        let waits: Vec<_> = sent.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(waits[0] > Duration::ZERO);
        assert!(waits[0] <= waits[1] && waits[1] <= waits[2], "{waits:?}");
        assert!(waits[2] > waits[0]);
    }

    #[test]
    fn auth_errors_are_not_retried() {
        let c = call(RetryPolicy::default());
        let now = Instant::now();
        let Action::Send(flight, _) = c.poll(now) else {
            panic!("the first poll sends")
        };
        let c = flight.handle(
            now,
            Ok(answer(200, r#"{"ok":false,"error":"invalid_auth"}"#, None)),
        );
        match c.poll(now) {
            Action::Done(Err(e), stats) => {
                assert_eq!(e.code(), Some(ErrorCode::InvalidAuth));
                assert_eq!(stats.requests, 1);
                assert_eq!(stats.retries, 0);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_last_error_is_returned_when_attempts_run_out() {
        let policy = RetryPolicy {
            max_retries: 2,
            ..RetryPolicy::default()
        };
        let (r, sent, _, _) = drive(
            call(policy),
            vec![
                Ok(answer(
                    200,
                    r#"{"ok":false,"error":"internal_error"}"#,
                    None,
                )),
                Ok(answer(
                    200,
                    r#"{"ok":false,"error":"service_unavailable"}"#,
                    None,
                )),
                Ok(answer(502, "bad gateway", None)),
            ],
        );
        assert_eq!(sent.len(), 3);
        match r {
            Err(Error::Call(CallError::Http { status, .. })) => assert_eq!(status, 502),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_pacer_delays_and_a_429_moves_it() {
        let pacer = SharedPacer::new(Pacer::new().with_rate(Tier::Tier4, Rate::new(60, 1)));
        let now = Instant::now();
        // Another caller has just taken the slot.
        assert_eq!(
            pacer.reserve(now, SetSettings::NAME, Tier::Tier4),
            Duration::ZERO
        );
        let c = call(RetryPolicy::default()).with_pacer(pacer.clone());
        let Action::WaitUntil(c, t) = c.poll(now) else {
            panic!("the pacer holds the call")
        };
        assert_eq!(t - now, Duration::from_secs(1));
        let later = now + Duration::from_secs(1);
        let Action::Send(flight, _) = c.poll(later) else {
            panic!("sent once the slot comes")
        };
        let c = flight.handle(later, Ok(answer(429, "", Some("20"))));
        // Others now wait for the 429 too.
        let w = pacer.reserve(later, SetSettings::NAME, Tier::Tier4);
        assert!(w >= Duration::from_secs(20), "{w:?}");
        assert_eq!(c.stats().pacing_wait, Duration::from_secs(1));
    }

    #[test]
    fn the_request_is_encoded_once_and_reused() {
        let c = call(RetryPolicy::default());
        let now = Instant::now();
        let Action::Send(flight, first) = c.poll(now) else {
            panic!()
        };
        let c = flight.handle(
            now,
            Err(TransportFailure::new(TransportKind::Connect, "refused")),
        );
        let Action::WaitUntil(c, t) = c.poll(now) else {
            panic!()
        };
        let Action::Send(_, second) = c.poll(t) else {
            panic!()
        };
        assert_eq!(first.body(), second.body());
        assert_eq!(first.headers(), second.headers());
        assert_eq!(first.uri(), second.uri());
    }

    /// A retry of invalidate after a lost answer meets `session_not_found` when the
    /// first try ended the session: the session is reported ended, by that try. On a
    /// first attempt, `session_not_found` is a failure.
    #[test]
    fn a_retry_that_finds_the_work_done_is_a_success() {
        use crate::InvalidateSession;
        let ep = Endpoint::new(Token::new("xoxp-1").unwrap());
        let m = InvalidateSession::new(7, crate::UserId::new("U1").unwrap());
        let not_found = || {
            Ok(answer(
                200,
                r#"{"ok":false,"error":"session_not_found"}"#,
                None,
            ))
        };
        let run = |first: Result<Response<Vec<u8>>, TransportFailure>| {
            let mut call = Call::new(&ep, &m, RetryPolicy::default()).unwrap();
            let mut answers = vec![not_found(), first];
            let mut now = Instant::now();
            loop {
                call = match call.poll(now) {
                    Action::Send(f, _) => f.handle(now, answers.pop().expect("an answer")),
                    Action::WaitUntil(c, t) => {
                        now = t;
                        c
                    }
                    Action::Done(r, stats) => return (r, stats.requests),
                }
            }
        };
        // The first answer was lost: the retry's session_not_found is the first try's work.
        let (r, requests) = run(Err(TransportFailure::new(TransportKind::Timeout, "lost")));
        assert_eq!(requests, 2);
        assert!(r.expect("ended").by_earlier_attempt);
        // Nothing was sent the first time: session_not_found is a failure.
        let (r, _) = run(Err(TransportFailure::new(
            TransportKind::Connect,
            "refused",
        )));
        assert_eq!(r.unwrap_err().code(), Some(ErrorCode::SessionNotFound));
        // A first attempt that meets session_not_found fails at once.
        let mut call = Call::new(&ep, &m, RetryPolicy::default()).unwrap();
        let now = Instant::now();
        let Action::Send(f, _) = call.poll(now) else {
            panic!()
        };
        call = f.handle(now, not_found());
        match call.poll(now) {
            Action::Done(Err(e), stats) => {
                assert_eq!(e.code(), Some(ErrorCode::SessionNotFound));
                assert_eq!(stats.requests, 1);
            }
            other => panic!("{other:?}"),
        }
    }

    /// An oversized answer is retried once, and only once.
    #[test]
    fn an_oversized_answer_is_retried_once() {
        let too_large = || {
            Err(TransportFailure::new(
                TransportKind::BodyTooLarge,
                "over the cap",
            ))
        };
        let (r, sent, _, _) = drive(
            call(RetryPolicy::default()),
            vec![Ok(answer(503, "", None)), too_large(), too_large()],
        );
        assert_eq!(
            r.unwrap_err().transport_kind(),
            Some(TransportKind::BodyTooLarge)
        );
        assert_eq!(sent.len(), 3);
        let (r, sent, _, _) = drive(
            call(RetryPolicy::default()),
            vec![too_large(), Ok(answer(200, r#"{"ok":true}"#, None))],
        );
        assert!(r.is_ok());
        assert_eq!(sent.len(), 2);
    }
}
