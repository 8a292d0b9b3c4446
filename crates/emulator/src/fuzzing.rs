//! Slack's side of one request without a socket, for the fuzz targets in `fuzz/`: the
//! same parsing, checks and store as the server, minus faults, rate limits and the log.
//! Not part of the supported API.

use http::HeaderMap;

use crate::directory::grant;
use crate::slack::{self, Store, METHODS};
use crate::wire;

/// An in-memory Slack: a store and a directory size.
#[derive(Debug, Default)]
pub struct Slack {
    store: Store,
    users: u32,
}

impl Slack {
    /// A Slack with `users` ordinary users and no settings.
    pub fn new(users: u32) -> Self {
        Slack {
            store: Store::default(),
            users,
        }
    }

    /// Answers a request to `path` (`/api/<method>`) as the server would, applying it to
    /// the store: the HTTP status and the JSON body.
    pub fn answer(&self, path: &str, headers: &HeaderMap, body: &[u8]) -> (u16, serde_json::Value) {
        let Some(name) = path.strip_prefix("/api/") else {
            return (404, serde_json::Value::Null);
        };
        let Some(&(method, writes, _)) = METHODS.iter().find(|(m, _, _)| *m == name) else {
            return (200, slack::error("unknown_method").body);
        };
        let parsed = match wire::parse(headers, body) {
            Ok(p) => p,
            Err(code) => return (200, slack::error(code).body),
        };
        let granted = grant(parsed.token.as_deref());
        if method == "auth.test" {
            return (200, slack::auth_test(granted).body);
        }
        if slack::is_people_method(method) {
            let a = slack::refusal(granted, method, writes).unwrap_or_else(|| {
                crate::people::answer(
                    method,
                    &parsed.args,
                    parsed.json,
                    self.users,
                    Default::default(),
                )
            });
            return (200, a.body);
        }
        let answer = match slack::check(method, writes, granted, &parsed.args, self.users) {
            Err(a) => a,
            Ok(slack::Checked::Done(a)) => a,
            // Every person has an active session here: the fuzz target checks the store.
            Ok(slack::Checked::Work(work)) => slack::apply(&self.store, work, |_| true),
        };
        (200, answer.body)
    }

    /// The users that have settings.
    pub fn users_with_settings(&self) -> Vec<String> {
        self.store.snapshot().into_keys().collect()
    }
}
