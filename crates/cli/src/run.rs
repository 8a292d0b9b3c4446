//! Executing a command: validation first, then the emulator, a dry run or a real bulk run.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use slack_sessions_core::{
    BulkAction, BulkOptions, BulkPlan, ClearSettings, Encoding, Endpoint, GetSettings, Method,
    Progress, Rate, RequestEvent, RequestObserver, SessionDuration, SessionSettings, SetSettings,
    Token, UsersMethod, MAX_USERS_PER_CALL,
};
use slack_sessions_emulator::{Emulator, FaultPlan};

use crate::args::{Cli, Command, EncodingArg, Global, TransportArg, Users};
use crate::report::{exit, Outcome};
use crate::users::{self, Input};

/// A run that ends with this exit code and, unless empty, this one-line message on stderr.
#[derive(Debug)]
pub struct Fail {
    pub code: u8,
    pub message: String,
}

fn usage(message: impl Into<String>) -> Fail {
    Fail {
        code: exit::USAGE,
        message: message.into(),
    }
}

/// What a set/get/clear run does.
#[derive(Debug, Clone, Copy)]
enum Op {
    Set(SessionSettings),
    Get,
    Clear,
}

/// Runs the command line; returns the exit code.
pub fn execute(cli: Cli) -> Result<u8, Fail> {
    let g = &cli.global;
    match &cli.command {
        Command::Emulator {
            port,
            rate_limit,
            faults,
        } => serve_emulator(*port, *rate_limit, faults.as_deref()),
        Command::Demo => demo(g),
        Command::Set {
            duration,
            quit_on_close,
            users,
        } => {
            let mut settings = SessionSettings::new();
            if let Some(d) = duration {
                let d: SessionDuration = d
                    .parse()
                    .map_err(|e| usage(format!("invalid --duration {d:?}: {e}")))?;
                settings = settings.duration(d);
            }
            if let Some(q) = quit_on_close {
                settings = settings.desktop_app_browser_quit(*q);
            }
            if settings.is_empty() {
                return Err(usage(
                    "set needs --duration DUR and/or --quit-on-close true|false",
                ));
            }
            bulk_command(g, Op::Set(settings), users)
        }
        Command::Get { users } => bulk_command(g, Op::Get, users),
        Command::Clear { users } => bulk_command(g, Op::Clear, users),
    }
}

fn serve_emulator(port: Option<u16>, rate_limit: u32, faults: Option<&str>) -> Result<u8, Fail> {
    let mut b = Emulator::builder().rate_limit((rate_limit > 0).then_some(rate_limit));
    if let Some(p) = port {
        b = b.port(p);
    }
    if let Some(spec) = faults {
        b = b.faults(
            spec.parse::<FaultPlan>()
                .map_err(|e| usage(format!("invalid --faults: {e}")))?,
        );
    }
    let emu = b
        .start()
        .map_err(|e| usage(format!("cannot start the emulator: {e}")))?;
    print!("{}", emu.banner());
    println!("press Ctrl-C to stop");
    emu.serve_until_ctrl_c().map_err(|e| Fail {
        code: exit::UNREACHABLE,
        message: format!("emulator stopped: {e}"),
    })?;
    Ok(exit::OK)
}

/// Validated inputs of a set/get/clear run.
struct Prepared {
    inputs: Vec<Input>,
    valid: usize,
}

fn prepare(g: &Global, users: &Users) -> Result<Prepared, Fail> {
    let inputs = users::collect(&users.ids, users.users_file.as_deref()).map_err(usage)?;
    if inputs.is_empty() {
        return Err(usage("no users given: pass user IDs or --users-file PATH"));
    }
    let bad = users::invalid(&inputs);
    if !bad.is_empty() {
        if users.strict {
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

fn bulk_command(g: &Global, op: Op, users: &Users) -> Result<u8, Fail> {
    let prepared = prepare(g, users)?;
    if g.dry_run {
        return dry_run(g, op, &prepared.texts());
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
    let outcome = run_op(g, op, &prepared, token, base_url)?;
    print_outcome(g, &outcome, &prepared.inputs);
    Ok(outcome.exit_code())
}

fn print_outcome(g: &Global, outcome: &Outcome, inputs: &[Input]) {
    if g.json {
        println!("{}", outcome.json(inputs));
    } else if !g.quiet || outcome.exit_code() != exit::OK {
        print!("{}", outcome.summary());
    }
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

fn method_name(op: Op) -> &'static str {
    match op {
        Op::Set(_) => SetSettings::NAME,
        Op::Get => GetSettings::NAME,
        Op::Clear => ClearSettings::NAME,
    }
}

/// The requests a run would send first, as the bulk plan itself cuts them (answering each
/// with a synthetic success, so nothing is split or retried).
fn planned_requests<M: UsersMethod>(
    endpoint: &Endpoint,
    params: M::Params,
    texts: &[&str],
) -> Result<Planned, Fail> {
    let mut plan = BulkPlan::<M>::new(endpoint, params, texts, BulkOptions::default())
        .map_err(|e| usage(e.to_string()))?;
    let now = Instant::now();
    let mut requests = Vec::new();
    while let BulkAction::Send(id, req) = plan.poll(now) {
        requests.push(req);
        plan.handle(now, id, Ok(http::Response::new(br#"{"ok":true}"#.to_vec())));
    }
    let users = plan.finish().applied.len();
    Ok(Planned { requests, users })
}

/// What a dry run prints.
struct Planned {
    requests: Vec<http::Request<Vec<u8>>>,
    users: usize,
}

fn dry_run(g: &Global, op: Op, texts: &[&str]) -> Result<u8, Fail> {
    let token = Token::new("xoxp-dry-run").map_err(|e| usage(e.to_string()))?;
    let endpoint = endpoint_for(g, token, g.base_url.clone())?;
    let Planned { requests, users } = match op {
        Op::Set(s) => planned_requests::<SetSettings>(&endpoint, s, texts)?,
        Op::Get => planned_requests::<GetSettings>(&endpoint, (), texts)?,
        Op::Clear => planned_requests::<ClearSettings>(&endpoint, (), texts)?,
    };
    let printed: Vec<_> = requests
        .iter()
        .map(|req| {
            let headers: Vec<(String, String)> = req
                .headers()
                .iter()
                .map(|(k, v)| {
                    let v = if k == "authorization" {
                        "Bearer [redacted]".to_owned()
                    } else {
                        String::from_utf8_lossy(v.as_bytes()).into_owned()
                    };
                    (k.as_str().to_owned(), v)
                })
                .collect();
            let body = String::from_utf8_lossy(req.body()).into_owned();
            (req.uri().to_string(), headers, body)
        })
        .collect();
    if g.json {
        let v: Vec<_> = printed
            .iter()
            .map(|(uri, h, b)| serde_json::json!({"method": "POST", "url": uri, "headers": h.iter().map(|(k, v)| serde_json::json!([k, v])).collect::<Vec<_>>(), "body": b}))
            .collect();
        println!(
            "{}",
            serde_json::json!({"dry_run": true, "method": method_name(op), "requests": v})
        );
    } else {
        for (uri, headers, body) in &printed {
            println!("POST {uri}");
            for (k, v) in headers {
                println!("{k}: {v}");
            }
            println!("\n{body}\n");
        }
        eprintln!(
            "dry run: {} request(s) for {users} user(s); nothing sent",
            printed.len(),
        );
    }
    Ok(exit::OK)
}

fn endpoint_for(g: &Global, token: Token, base_url: Option<String>) -> Result<Endpoint, Fail> {
    let mut b = Endpoint::builder(token).encoding(encoding(g));
    if let Some(u) = base_url {
        b = b.base_url(u);
    }
    b.build().map_err(|e| usage(e.to_string()))
}

fn encoding(g: &Global) -> Encoding {
    match g.encoding {
        EncodingArg::Form => Encoding::Form,
        EncodingArg::Json => Encoding::Json,
    }
}

macro_rules! configure {
    ($builder:expr, $g:expr, $base:expr) => {{
        if $g.timeout == 0 {
            return Err(usage("--timeout must be at least 1 second"));
        }
        let mut b = $builder
            .encoding(encoding($g))
            .timeout(Duration::from_secs($g.timeout))
            .max_retries($g.max_retries)
            .user_agent_suffix(concat!("slack-sessions-cli/", env!("CARGO_PKG_VERSION")));
        if let Some(u) = $base {
            b = b.base_url(u);
        }
        if let Some(r) = $g.rate {
            if r == 0 {
                return Err(usage("--rate must be at least 1 call a minute"));
            }
            b = b.rate(Rate::new(r, (r / 10).max(1)));
        }
        b
    }};
}

/// Runs `op` through `client.apply_bulk`; the last argument is `await` for the async
/// client and absent for the blocking one.
macro_rules! run_bulk {
    ($client:expr, $op:expr, $texts:expr, $run:expr, $progress:expr, $started:expr $(, $aw:tt)?) => {
        match $op {
            Op::Set(s) => {
                let r = $client.apply_bulk::<SetSettings, _, _>(s, $texts, $run, $progress)$(.$aw)??;
                Outcome::new(SetSettings::NAME, r, None, $started.elapsed())
            }
            Op::Clear => {
                let r = $client.apply_bulk::<ClearSettings, _, _>((), $texts, $run, $progress)$(.$aw)??;
                Outcome::new(ClearSettings::NAME, r, None, $started.elapsed())
            }
            Op::Get => {
                let mut settings = None;
                let r = $client.apply_bulk::<GetSettings, _, _>((), $texts, $run, $progress)$(.$aw)??
                    .map_output(|o| settings = Some(o));
                Outcome::new(GetSettings::NAME, r, settings, $started.elapsed())
            }
        }
    };
}

fn observer(g: &Global) -> Option<RequestObserver> {
    g.verbose.then(|| {
        Arc::new(|e: &RequestEvent| {
            let status = e.status.map_or("-".to_owned(), |s| s.to_string());
            let wait = match e.disposition {
                slack_sessions_core::Disposition::Retry(w) => format!("{}ms", w.as_millis()),
                _ => "0ms".into(),
            };
            eprintln!(
                "{} users={} status={status} code={} attempt={} wait={wait} next={:?}",
                e.method, e.users, e.code, e.attempt, e.disposition
            );
        }) as RequestObserver
    })
}

fn progress_bar(g: &Global, valid: usize) -> Option<ProgressBar> {
    let chunks = valid.div_ceil(MAX_USERS_PER_CALL);
    if g.quiet || chunks <= 1 || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = ProgressBar::new(valid as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {pos}/{len} users ({elapsed})")
    {
        pb.set_style(style.progress_chars("=> "));
    }
    Some(pb)
}

fn run_op(
    g: &Global,
    op: Op,
    prepared: &Prepared,
    token: Token,
    base_url: Option<String>,
) -> Result<Outcome, Fail> {
    let texts = prepared.texts();
    let pb = progress_bar(g, prepared.valid);
    if let Some(pb) = &pb {
        pb.set_message(method_name(op).rsplit('.').next().unwrap_or("").to_owned());
    }
    let on_progress = |p: Progress| {
        if let Some(pb) = &pb {
            pb.set_position(p.done as u64);
        }
    };
    let started = Instant::now();
    let outcome = match g.transport {
        TransportArg::Blocking => {
            let client = configure!(slack_sessions_ureq::Client::builder(token), g, base_url)
                .build()
                .map_err(|e| usage(e.to_string()))?;
            let run = slack_sessions_ureq::BulkRun {
                on_request: observer(g),
                ..Default::default()
            };
            (|| -> Result<Outcome, slack_sessions_core::Error> {
                Ok(run_bulk!(client, op, &texts, run, on_progress, started))
            })()
        }
        TransportArg::Async => {
            if g.concurrency == 0 {
                return Err(usage("--concurrency must be at least 1"));
            }
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| usage(format!("cannot start the async runtime: {e}")))?;
            let _guard = rt.enter();
            let client = configure!(slack_sessions_hyper::Client::builder(token), g, base_url)
                .build()
                .map_err(|e| usage(e.to_string()))?;
            let run = slack_sessions_hyper::BulkRun {
                concurrency: Some(g.concurrency),
                on_request: observer(g),
                ..Default::default()
            };
            rt.block_on(async {
                Ok::<_, slack_sessions_core::Error>(run_bulk!(
                    client,
                    op,
                    &texts,
                    run,
                    on_progress,
                    started,
                    await
                ))
            })
        }
    };
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let mut outcome = outcome.map_err(|e: slack_sessions_core::Error| usage(e.to_string()))?;
    outcome.unreadable = prepared.unreadable();
    Ok(outcome)
}

/// Calls a minute the demo's emulator allows and its client paces at, so that the
/// walk-through takes seconds rather than Slack's real Tier 4 minutes.
const DEMO_RATE: u32 = 6_000;

fn demo(g: &Global) -> Result<u8, Fail> {
    let mut g = g.clone();
    g.rate = g.rate.or(Some(DEMO_RATE));
    let g = &g;
    let emu = Emulator::builder()
        .rate_limit(Some(DEMO_RATE))
        .start()
        .map_err(|e| usage(format!("cannot start the emulator: {e}")))?;
    println!(
        "slack-sessions demo: an emulator is serving Slack's API at {}",
        emu.base_url()
    );
    println!("(client and emulator paced at {DEMO_RATE} calls a minute for the demo; Slack's Tier 4 is 100)");
    let mut texts: Vec<String> = (0..2_496).map(|i| format!("U{i:08}")).collect();
    // A few bad apples, to show how they are isolated.
    for (at, id) in [
        (700, "U77700001"),
        (1_400, "U90000007"),
        (2_100, "W77700002"),
    ] {
        texts.insert(at, id.to_owned());
    }
    texts.push("not-a-user".into());
    let inputs: Vec<Input> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Input {
            text: t.clone(),
            origin: format!("demo input {}", i + 1),
            problem: None,
        })
        .collect();
    let prepared = Prepared {
        valid: inputs.len() - 1,
        inputs,
    };
    println!(
        "{} users, 2 unknown, 1 bot and 1 malformed ID among them\n",
        prepared.inputs.len()
    );
    let token = Token::new(emu.admin_token()).map_err(|e| usage(e.to_string()))?;
    let policy = SessionSettings::new()
        .duration(SessionDuration::from_secs(43_200).map_err(|e| usage(e.to_string()))?)
        .desktop_app_browser_quit(true);
    let steps = [
        (
            "1. set: 12-hour sessions that end when the app or browser closes",
            Op::Set(policy),
        ),
        ("2. get: read the settings back", Op::Get),
        ("3. clear: back to the organisation's defaults", Op::Clear),
        ("4. get: nothing is left", Op::Get),
    ];
    for (title, op) in steps {
        println!("== {title}");
        let outcome = run_op(g, op, &prepared, token.clone(), Some(emu.base_url()))?;
        if outcome.report.stopped_by.is_some() {
            return Err(Fail {
                code: outcome.exit_code(),
                message: "the demo stopped unexpectedly".into(),
            });
        }
        if g.json {
            println!("{}", outcome.json(&prepared.inputs));
        } else {
            println!("{}", outcome.summary());
        }
    }
    println!(
        "the emulator now holds settings for {} users",
        emu.state().len()
    );
    println!("run it for real: SLACK_TOKEN=xoxp-… slack-sessions set --duration 12h --users-file users.txt");
    Ok(exit::OK)
}
