//! `auth status`, and the preflight a changing run makes first: who the token is
//! (`auth.test`) and whether it holds the scopes the run needs (the answer's
//! `x-oauth-scopes`), said before anything is changed, as `gh auth status` does.

use serde_json::json;
use slack_sessions_core::{AuthTest, AuthTestOutput, Error, Reply};

use super::session::{Connection, Transport};
use crate::exit::Exit;
use crate::fail::{usage, Fail};
use crate::invocation::Settings;
use crate::output::{self, clean, say};

/// The scopes this tool uses, and what each one's absence costs.
pub(super) const SCOPES: [(&str, &str); 4] = [
    (
        "admin.users:write",
        "set, clear, apply, restore, sessions reset and sessions invalidate",
    ),
    (
        "admin.users:read",
        "get, plan, apply, sessions list, users resolve, people flags, --snapshot and --verify",
    ),
    (
        "users:read.email",
        "looking up emails one by one (without it they are matched against the directory: slower, never wrong)",
    ),
    (
        "usergroups:read",
        "--usergroup, and a policy's usergroup rules",
    ),
];

/// Who the token is, and the scopes it holds (`None` when the answer did not say).
pub(super) struct Who {
    pub(super) output: AuthTestOutput,
    pub(super) scopes: Option<Vec<String>>,
}

impl Who {
    /// The scopes of `needs` the token lacks; none when its scopes are not known.
    fn missing<'a>(&self, needs: &[&'a str]) -> Vec<&'a str> {
        match &self.scopes {
            None => Vec::new(),
            Some(have) => needs
                .iter()
                .filter(|n| !have.iter().any(|h| h == *n))
                .copied()
                .collect(),
        }
    }
}

/// Asks `auth.test` over either client, once: no retry and no pacing (a preflight that
/// cannot be answered at once is not worth a wait), and not in the `-v` log of the run.
pub(super) fn ask(session: &Transport) -> Result<Who, Error> {
    let mut request = match session {
        Transport::Blocking(c) => c.endpoint().encode(&AuthTest::new()),
        Transport::Async(on) => on.client.endpoint().encode(&AuthTest::new()),
    }?;
    // Its connection is not kept for the run: a connection going back to the pool while
    // the run's first request opens another leaves that one half made when the process
    // ends, which the server sees as a failed handshake.
    request.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    let response = match session {
        Transport::Blocking(c) => c.send(request),
        Transport::Async(on) => on.runtime.block_on(on.client.send(request)),
    }
    .map_err(Error::Transport)?;
    let reply: Reply<AuthTestOutput> =
        slack_sessions_core::sansio::decode::<AuthTest, _>(response).map_err(Error::Call)?;
    Ok(Who {
        output: reply.output,
        scopes: reply.scopes,
    })
}

/// `auth status`: who the token is and what it may do; exit 1 when a scope this tool
/// uses is missing.
pub(super) fn status(g: &Settings) -> Result<Exit, Fail> {
    let c = Connection::open(g)?;
    let who = ask(&c.session).map_err(|e| Fail {
        exit: Exit::for_error(&e),
        message: format!("auth.test: {}", clean(&e.to_string())),
    })?;
    let all: Vec<&str> = SCOPES.iter().map(|(s, _)| *s).collect();
    let missing = who.missing(&all);
    let o = &who.output;
    if g.json {
        output::json_line(&json!({
            "team": o.team,
            "team_id": o.team_id,
            "url": o.url,
            "user": o.user,
            "user_id": o.user_id,
            "enterprise_id": o.enterprise_id,
            "org_level": o.is_org_level(),
            "scopes": who.scopes,
            "missing": missing.iter().map(|m| json!({
                "scope": m,
                "blocks": SCOPES.iter().find(|(s, _)| s == m).map(|(_, b)| *b),
            })).collect::<Vec<_>>(),
        }))?;
    } else {
        say!(
            "{} ({}){}",
            clean(&o.team),
            clean(&o.team_id),
            if o.is_org_level() {
                ": an org-level token, for the whole organisation"
            } else {
                ": a workspace token"
            }
        );
        say!("  user: {} ({})", clean(&o.user), clean(&o.user_id));
        match &who.scopes {
            None => say!("  scopes: not said (the answer had no x-oauth-scopes header)"),
            Some(s) => say!("  scopes: {}", clean(&s.join(", "))),
        }
        for (scope, blocks) in SCOPES {
            let mark = if missing.contains(&scope) {
                "missing"
            } else {
                "ok"
            };
            say!("  {mark:<7} {scope}: {blocks}");
        }
    }
    Ok(if missing.is_empty() {
        Exit::Ok
    } else {
        Exit::Partial
    })
}

/// The preflight of a changing run: one `auth.test`. A scope of `needs` the token lacks
/// refuses the run before any write, naming it; so does a user group named without a
/// workspace on an org-level token (Slack needs `team_id` then). It refuses only on what
/// it learns: scopes an answer does not list are not held against the run, and an
/// `auth.test` that fails (a refused token, a server that cannot be reached) leaves the
/// run to meet the same failure its own way, with its own report and advice.
pub(super) fn preflight(
    g: &Settings,
    c: &Connection,
    needs: &[&str],
    usergroups_without_workspace: bool,
) -> Result<(), Fail> {
    let who = match ask(&c.session) {
        Ok(who) => who,
        Err(e) => {
            if g.verbose {
                eprintln!(
                    "note: the preflight (auth.test) failed ({}): the run goes on unchecked",
                    clean(&e.short_code())
                );
            }
            return Ok(());
        }
    };
    let missing = who.missing(needs);
    if let Some(first) = missing.first() {
        let blocks = SCOPES
            .iter()
            .find(|(s, _)| s == first)
            .map_or("", |(_, b)| b);
        return Err(Fail {
            exit: Exit::Auth,
            message: format!(
                "the token lacks the {first} scope this run needs ({blocks}){}; nothing was changed: `slack-sessions auth status` lists what it holds",
                match missing.len() {
                    1 => String::new(),
                    n => format!(", and {} more", n - 1),
                }
            ),
        });
    }
    if usergroups_without_workspace && who.output.is_org_level() {
        return Err(usage(
            "a user group on an org-level token needs its workspace (Slack requires team_id then): pass --workspace T…, or give the rule a workspace key; nothing was changed",
        ));
    }
    if g.verbose && who.scopes.is_none() {
        eprintln!("note: the token's scopes were not said (no x-oauth-scopes): not checked");
    }
    Ok(())
}
