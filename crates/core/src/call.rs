//! [`Call`]: one call's whole life as a poll-shaped state machine: encode once, pace,
//! send, decode, retry or finish. Time is an argument; the core never reads a clock.

use std::marker::PhantomData;
use std::time::{Duration, Instant};

use http::{Request, Response};

use crate::decode::{decode_parts, Reply};
use crate::endpoint::Endpoint;
use crate::error::{CallError, Error, TransportFailure, TransportKind};
use crate::method::{Method, Output, Tier};
use crate::pacer::SharedPacer;
use crate::retry::{RetryDecision, RetryPolicy};
use crate::user::UserIds;

/// What the driver must do next.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // the request is moved straight to the transport; boxing would only add an allocation
pub enum Action<T> {
    /// Send this request, then pass the outcome to `handle`.
    Send(Request<Vec<u8>>),
    /// Sleep until this instant, then poll again.
    WaitUntil(Instant),
    /// The call is over.
    Done(Result<Reply<T>, Error>),
    /// A request is in flight (or the result was already taken): wait for `handle`.
    Pending,
}

/// Counters of one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
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

enum State<T> {
    Ready {
        not_before: Option<Instant>,
        slot: Option<Instant>,
    },
    InFlight,
    Finished(Option<Result<Reply<T>, Error>>),
}

/// One call to method `M`, driven by `poll` and `handle`.
///
/// ```
/// use std::time::Instant;
/// use slack_sessions_core::{Action, Call, ClearSettings, Endpoint, RetryPolicy, Token, UserIds};
///
/// let endpoint = Endpoint::new(Token::new("xoxp-1").unwrap());
/// let method = ClearSettings::new(UserIds::parse(["U1"]).unwrap());
/// let mut call = Call::new(&endpoint, &method, RetryPolicy::default()).unwrap();
/// let now = Instant::now();
/// let Action::Send(req) = call.poll(now) else { unreachable!() };
/// assert!(req.uri().path().ends_with("clearSettings"));
/// // The transport answers 200 {"ok":true}.
/// call.handle(now, Ok(http::Response::new(br#"{"ok":true}"#.to_vec())));
/// assert!(matches!(call.poll(now), Action::Done(Ok(_))));
/// ```
pub struct Call<M: Method> {
    request: Request<Vec<u8>>,
    /// The users the answer lists, when it is checked against them.
    listed: Option<UserIds>,
    policy: RetryPolicy,
    pacer: Option<SharedPacer>,
    state: State<M::Output>,
    stats: CallStats,
    /// An answer was already too large to read: the next one gives up.
    oversized: bool,
    _method: PhantomData<fn() -> M>,
}

impl<M: Method> std::fmt::Debug for Call<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("method", &M::NAME)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<M: Method> Call<M> {
    /// Validates and encodes `method` once. Bad input is refused here, before any request.
    pub fn new(endpoint: &Endpoint, method: &M, policy: RetryPolicy) -> Result<Self, Error> {
        let request = endpoint.encode(method)?;
        let mut call = Self::from_request(request, policy);
        call.listed = method.listed_users().cloned();
        Ok(call)
    }

    /// Wraps a request already encoded for `M`.
    pub fn from_request(request: Request<Vec<u8>>, policy: RetryPolicy) -> Self {
        Call {
            request,
            listed: None,
            policy,
            pacer: None,
            state: State::Ready {
                not_before: None,
                slot: None,
            },
            stats: CallStats::default(),
            oversized: false,
            _method: PhantomData,
        }
    }

    /// Paces this call's requests through `pacer`.
    pub fn with_pacer(mut self, pacer: SharedPacer) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// The counters so far.
    pub fn stats(&self) -> CallStats {
        self.stats
    }

    /// The method's tier.
    pub fn tier(&self) -> Tier {
        M::TIER
    }

    /// What to do next, at time `now`.
    pub fn poll(&mut self, now: Instant) -> Action<M::Output> {
        match &mut self.state {
            State::Ready { not_before, slot } => {
                if let Some(t) = *not_before {
                    if now < t {
                        return Action::WaitUntil(t);
                    }
                }
                if let Some(pacer) = &self.pacer {
                    let at = *slot.get_or_insert_with(|| {
                        let wait = pacer.reserve(now, M::NAME, M::TIER);
                        self.stats.pacing_wait += wait;
                        now + wait
                    });
                    if now < at {
                        return Action::WaitUntil(at);
                    }
                }
                self.state = State::InFlight;
                self.stats.requests += 1;
                Action::Send(clone_request(&self.request))
            }
            State::InFlight => Action::Pending,
            State::Finished(result) => match result.take() {
                Some(r) => Action::Done(r),
                None => Action::Pending,
            },
        }
    }

    /// Takes the outcome of the request last handed out by `poll`.
    pub fn handle(&mut self, now: Instant, outcome: Result<Response<Vec<u8>>, TransportFailure>) {
        if !matches!(self.state, State::InFlight) {
            return;
        }
        let error = match outcome {
            Ok(resp) => {
                match decode_parts::<M::Output>(resp.status(), resp.headers(), resp.body()) {
                    Ok(mut reply) => {
                        if let Some(asked) = &self.listed {
                            let r = reply.output.reconcile(asked);
                            if r.dropped > 0 {
                                reply.warnings.push(dropped_warning(M::NAME, r.dropped));
                            }
                        }
                        self.state = State::Finished(Some(Ok(reply)));
                        return;
                    }
                    Err(e) => Error::Call(e),
                }
            }
            Err(t) => Error::Transport(t),
        };
        self.fail(now, error);
    }

    fn fail(&mut self, now: Instant, error: Error) {
        if let (Error::Call(CallError::RateLimited { retry_after }), Some(p)) =
            (&error, &self.pacer)
        {
            p.penalize(now, M::NAME, M::TIER, *retry_after);
        }
        if matches!(&error, Error::Transport(t) if t.kind == TransportKind::BodyTooLarge) {
            if self.oversized {
                self.state = State::Finished(Some(Err(error)));
                return;
            }
            self.oversized = true;
        }
        match self.policy.decide(
            &error,
            self.stats.retries,
            self.stats.retry_wait,
            M::IDEMPOTENT,
        ) {
            RetryDecision::RetryAfter(wait) => {
                self.stats.retries += 1;
                self.stats.retry_wait += wait;
                self.state = State::Ready {
                    not_before: Some(now + wait),
                    slot: None,
                };
            }
            RetryDecision::GiveUp => self.state = State::Finished(Some(Err(error))),
        }
    }
}

/// The warning for answer entries dropped by [`Output::reconcile`](crate::Output::reconcile).
pub(crate) fn dropped_warning(method: &str, n: usize) -> String {
    format!("dropped {n} entries of the {method} answer for users not asked for, or repeated")
}

/// Copies a request; `http::Request` is not `Clone` because of its extensions, which the
/// core never sets.
pub fn clone_request(r: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut out = Request::new(r.body().clone());
    *out.method_mut() = r.method().clone();
    *out.uri_mut() = r.uri().clone();
    *out.version_mut() = r.version();
    *out.headers_mut() = r.headers().clone();
    out
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // a base instant for virtual time
mod tests {
    use super::*;
    use crate::{ErrorCode, SetSettings, Token, TransportKind, UserIds};

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
    /// instants at which requests went out, and the final clock.
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
            match call.poll(now) {
                Action::Send(req) => {
                    assert_eq!(
                        req.body().as_slice(),
                        b"user_ids=U1&desktop_app_browser_quit=true"
                    );
                    sent.push(now);
                    let a = answers.pop().expect("more requests than answers");
                    call.handle(now, a);
                }
                Action::WaitUntil(t) => {
                    assert!(t > now, "waits must move forward");
                    now = t;
                }
                Action::Done(r) => return (r, sent, t0, now),
                Action::Pending => panic!("pending with nothing in flight"),
            }
        }
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
        let mut c = call(RetryPolicy::default());
        let now = Instant::now();
        assert!(matches!(c.poll(now), Action::Send(_)));
        assert!(matches!(c.poll(now), Action::Pending));
        c.handle(
            now,
            Ok(answer(200, r#"{"ok":false,"error":"invalid_auth"}"#, None)),
        );
        match c.poll(now) {
            Action::Done(Err(e)) => assert_eq!(e.code(), Some(ErrorCode::InvalidAuth)),
            other => panic!("{other:?}"),
        }
        assert_eq!(c.stats().requests, 1);
        assert_eq!(c.stats().retries, 0);
        assert!(matches!(c.poll(now), Action::Pending));
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
        let pacer =
            SharedPacer::new(crate::Pacer::new().with_rate(Tier::Tier4, crate::Rate::new(60, 1)));
        let now = Instant::now();
        // Another caller has just taken the slot.
        assert_eq!(
            pacer.reserve(now, SetSettings::NAME, Tier::Tier4),
            Duration::ZERO
        );
        let mut c = call(RetryPolicy::default()).with_pacer(pacer.clone());
        assert_eq!(
            match c.poll(now) {
                Action::WaitUntil(t) => t - now,
                other => panic!("{other:?}"),
            },
            Duration::from_secs(1)
        );
        let later = now + Duration::from_secs(1);
        assert!(matches!(c.poll(later), Action::Send(_)));
        c.handle(later, Ok(answer(429, "", Some("20"))));
        // Others now wait for the 429 too.
        let w = pacer.reserve(later, SetSettings::NAME, Tier::Tier4);
        assert!(w >= Duration::from_secs(20), "{w:?}");
        assert_eq!(c.stats().pacing_wait, Duration::from_secs(1));
    }

    #[test]
    fn the_request_is_encoded_once_and_reused() {
        let mut c = call(RetryPolicy::default());
        let now = Instant::now();
        let Action::Send(first) = c.poll(now) else {
            panic!()
        };
        c.handle(
            now,
            Err(TransportFailure::new(TransportKind::Connect, "refused")),
        );
        let Action::WaitUntil(t) = c.poll(now) else {
            panic!()
        };
        let Action::Send(second) = c.poll(t) else {
            panic!()
        };
        assert_eq!(first.body(), second.body());
        assert_eq!(first.headers(), second.headers());
        assert_eq!(first.uri(), second.uri());
    }

    /// Issue 9, defect 8: an oversized answer is retried once, and only once.
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
