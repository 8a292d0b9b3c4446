//! `--dry-run`: print the requests a run would send first, token redacted; send nothing.

use crate::exit::Exit;
use crate::output::say;
use crate::users::Texts;
use std::time::Instant;

use serde::Serialize;
use slack_sessions_core::sansio::{BulkAction, BulkOptions, BulkPlan, Endpoint};
use slack_sessions_core::{
    ClearSettings, GetSettings, ResetSessionsBulk, SetSettings, Token, UsersMethod,
};

use super::op::Op;
use crate::fail::{usage, Fail};
use crate::invocation::Settings;
use crate::report::SCHEMA_VERSION;

/// What `--dry-run --json` prints.
#[derive(Serialize)]
struct DryRun<'a> {
    schema_version: u32,
    dry_run: bool,
    method: &'static str,
    requests: &'a [PrintedRequest],
}

/// One request, as printed.
#[derive(Serialize)]
struct PrintedRequest {
    method: &'static str,
    url: String,
    headers: Vec<(String, String)>,
    body: String,
}

/// The requests a run would send first, and how many users they carry.
struct Planned {
    requests: Vec<http::Request<Vec<u8>>>,
    users: usize,
}

/// The requests as the bulk plan itself cuts them (answering each with a synthetic
/// success, so nothing is split or retried).
fn planned<M: UsersMethod>(
    endpoint: &Endpoint,
    params: M::Params,
    texts: &Texts,
) -> Result<Planned, Fail> {
    let mut plan = BulkPlan::<M>::new(endpoint, params, texts.iter(), BulkOptions::default())
        .map_err(|e| usage(e.to_string()))?;
    let now = Instant::now();
    let mut requests = Vec::new();
    while let BulkAction::Send(id, req) = plan.poll(now) {
        requests.push(req);
        let _ = plan.handle(now, id, Ok(http::Response::new(br#"{"ok":true}"#.to_vec())));
    }
    // Every user the requests carry: getSettings reports users a synthetic answer
    // leaves out as not returned, not applied.
    let report = plan.finish();
    let users = report.applied.len() + report.not_returned.len();
    Ok(Planned { requests, users })
}

/// Prints the requests for `texts`.
pub(super) fn run(g: &Settings, op: Op, texts: &Texts) -> Result<Exit, Fail> {
    let token = Token::new("xoxp-dry-run").map_err(|e| usage(e.to_string()))?;
    let mut b = Endpoint::builder(token).encoding(g.encoding);
    if let Some(u) = &g.base_url {
        b = b.base_url(u.clone());
    }
    let endpoint = b.build().map_err(|e| usage(e.to_string()))?;
    let Planned { requests, users } = match op {
        Op::Set(s) => planned::<SetSettings>(&endpoint, s, texts)?,
        Op::Get => planned::<GetSettings>(&endpoint, (), texts)?,
        Op::Clear => planned::<ClearSettings>(&endpoint, (), texts)?,
        Op::Reset(scope) => planned::<ResetSessionsBulk>(&endpoint, scope, texts)?,
    };
    let printed: Vec<PrintedRequest> = requests
        .iter()
        .map(|req| PrintedRequest {
            method: "POST",
            url: req.uri().to_string(),
            headers: req
                .headers()
                .iter()
                .map(|(k, v)| {
                    let v = if k == http::header::AUTHORIZATION {
                        "Bearer [redacted]".to_owned()
                    } else {
                        String::from_utf8_lossy(v.as_bytes()).into_owned()
                    };
                    (k.as_str().to_owned(), v)
                })
                .collect(),
            body: String::from_utf8_lossy(req.body()).into_owned(),
        })
        .collect();
    if g.json {
        let report = DryRun {
            schema_version: SCHEMA_VERSION,
            dry_run: true,
            method: op.method(),
            requests: &printed,
        };
        crate::output::json_line(&report)?;
    } else {
        for r in &printed {
            say!("POST {}", r.url);
            for (k, v) in &r.headers {
                say!("{k}: {v}");
            }
            say!("\n{}\n", r.body);
        }
        eprintln!(
            "dry run: {} request(s) for {users} user(s); nothing sent",
            printed.len(),
        );
    }
    Ok(Exit::Ok)
}
