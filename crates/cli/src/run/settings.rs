//! `set`, `get` and `clear`: read and check the users, then a dry run or a bulk run over
//! the chosen transport, then the report and the exit code.

use std::path::Path;
use std::time::Instant;

use slack_sessions_core::{
    BulkRun, ClearSettings, Error, GetSettings, Progress, SetSettings, Token, DEFAULT_BASE_URL,
};
use slack_sessions_emulator::Emulator;

use super::clients::{build, configure, observer, progress_bar, BulkClient, OnRuntime};
use super::{dry_run, usage, Fail, Op};
use crate::args::{Global, TransportArg, Users};
use crate::report::{exit, stop_line, Outcome};
use crate::users::{self, Input};

/// Validated inputs of a set/get/clear run.
pub(super) struct Prepared {
    pub(super) inputs: Vec<Input>,
    pub(super) valid: usize,
}

impl Prepared {
    /// The inputs the bulk plan reads: all but those that hold no user ID at all.
    fn texts(&self) -> Vec<&str> {
        self.inputs
            .iter()
            .filter(|i| i.problem.is_none())
            .map(|i| i.text.as_str())
            .collect()
    }

    /// The inputs that hold no user ID at all (CSV rows without the user column).
    fn unreadable(&self) -> Vec<Input> {
        self.inputs
            .iter()
            .filter(|i| i.problem.is_some())
            .cloned()
            .collect()
    }
}

/// Reads the users and refuses, before anything is sent, what cannot be run.
fn prepare(g: &Global, users: &Users) -> Result<Prepared, Fail> {
    let inputs = users::collect(&users.ids, users.users_file.as_deref()).map_err(usage)?;
    if inputs.is_empty() {
        return Err(usage("no users given: pass user IDs or --users-file PATH"));
    }
    let bad = users::invalid(&inputs);
    if !bad.is_empty() {
        if g.strict {
            let (i, why) = &bad[0];
            return Err(usage(format!(
                "invalid user id {:?} ({}): {why}{}",
                users::echo(&i.text),
                i.origin,
                if bad.len() > 1 {
                    format!(" (and {} more)", bad.len() - 1)
                } else {
                    String::new()
                }
            )));
        }
        if !g.quiet {
            for (i, why) in &bad {
                eprintln!(
                    "skipping invalid user id {:?} ({}): {why}",
                    users::echo(&i.text),
                    i.origin
                );
            }
        }
    }
    let valid = inputs.len() - bad.len();
    if valid == 0 {
        return Err(usage("no valid user IDs among the inputs"));
    }
    Ok(Prepared { inputs, valid })
}

/// `set`, `get` or `clear`.
pub(super) fn run(g: &Global, op: Op, users: &Users) -> Result<u8, Fail> {
    let prepared = prepare(g, users)?;
    if g.dry_run {
        return dry_run::run(g, op, &prepared.texts());
    }
    let (token, base_url, _emulator) = if g.emulator {
        let emu = Emulator::builder()
            .start()
            .map_err(|e| usage(format!("cannot start the emulator: {e}")))?;
        (
            Token::new(emu.admin_token()).map_err(|e| usage(e.to_string()))?,
            Some(emu.base_url()),
            Some(emu),
        )
    } else {
        (
            read_token(g.token_file.as_deref())?,
            g.base_url.clone(),
            None,
        )
    };
    let shown_url = base_url
        .clone()
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let mut outcome = run_op(g, op, &prepared, token, base_url)?;
    outcome.error_line = outcome
        .stop_cause()
        .map(|e| stop_line(e, op.method(), &shown_url, op.scope()));
    if let Some(line) = &outcome.error_line {
        eprintln!("error: {line}");
    }
    if g.json {
        println!("{}", outcome.json(&prepared.inputs));
    } else if !g.quiet || outcome.exit_code() != exit::OK {
        print!("{}", outcome.summary());
    }
    Ok(outcome.exit_code())
}

fn read_token(file: Option<&Path>) -> Result<Token, Fail> {
    let raw = match file {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| usage(format!("cannot read token file {}: {e}", p.display())))?,
        None => std::env::var("SLACK_TOKEN").map_err(|_| {
            usage("no token: set SLACK_TOKEN or pass --token-file PATH (or use --emulator)")
        })?,
    };
    Token::new(raw).map_err(|e| usage(format!("invalid token: {e}")))
}

/// Runs `op` over `client` and keeps what the report needs.
fn run_with(
    client: &impl BulkClient,
    op: Op,
    texts: &[&str],
    run: BulkRun,
    progress: &mut (dyn FnMut(Progress) + Send),
    started: Instant,
) -> Result<Outcome, Error> {
    Ok(match op {
        Op::Set(s) => {
            let r = client.apply::<SetSettings>(s, texts, run, progress)?;
            Outcome::new(op.method(), r, None, started.elapsed())
        }
        Op::Clear => {
            let r = client.apply::<ClearSettings>((), texts, run, progress)?;
            Outcome::new(op.method(), r, None, started.elapsed())
        }
        Op::Get => {
            let mut settings = None;
            let r = client
                .apply::<GetSettings>((), texts, run, progress)?
                .map_output(|o| settings = Some(o));
            Outcome::new(op.method(), r, settings, started.elapsed())
        }
    })
}

/// Builds the client the command line asks for and runs `op` with it.
pub(super) fn run_op(
    g: &Global,
    op: Op,
    prepared: &Prepared,
    token: Token,
    base_url: Option<String>,
) -> Result<Outcome, Fail> {
    let texts = prepared.texts();
    let pb = progress_bar(g, prepared.valid);
    if let Some(pb) = &pb {
        pb.set_message(op.method().rsplit('.').next().unwrap_or("").to_owned());
    }
    let mut on_progress = |p: Progress| {
        if let Some(pb) = &pb {
            pb.set_position(p.done as u64);
        }
    };
    let run = BulkRun::default().on_request(observer(g));
    let started = Instant::now();
    let outcome = match g.transport {
        TransportArg::Blocking => {
            let client = build(configure(
                slack_sessions_ureq::Client::builder(token),
                g,
                base_url,
            )?)?;
            run_with(&client, op, &texts, run, &mut on_progress, started)
        }
        TransportArg::Async => {
            if g.concurrency == 0 {
                return Err(usage("--concurrency must be at least 1"));
            }
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| usage(format!("cannot start the async runtime: {e}")))?;
            let client = {
                let _guard = runtime.enter();
                build(configure(
                    slack_sessions_hyper::Client::builder(token),
                    g,
                    base_url,
                )?)?
            };
            let run = run.concurrency(g.concurrency);
            let on = OnRuntime { client, runtime };
            run_with(&on, op, &texts, run, &mut on_progress, started)
        }
    };
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let mut outcome = outcome.map_err(|e| usage(e.to_string()))?;
    outcome.unreadable = prepared.unreadable();
    Ok(outcome)
}
