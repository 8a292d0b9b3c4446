//! `slack-sessions demo`: an in-process emulator and set → get → clear → get over about
//! 2,500 users, with a few bad ones to show how they are isolated; then a sign-out, and
//! the guests named as an admin names them, the plan first.

use crate::exit::Exit;
use crate::output::say;
use slack_sessions_core::sansio::ResolvePlan;
use slack_sessions_core::{
    ListSessions, ResetScope, Selection, SessionDuration, SessionSettings, Token, UserId,
};
use slack_sessions_emulator::{Emulator, TEAM};

use super::op::Op;
use super::prepare::Prepared;
use super::session::{run_op, Hooks, Transport};
use crate::fail::{usage, Fail};
use crate::invocation::Settings;
use crate::users::{Input, Texts};

/// Calls a minute the demo's emulator allows and its client paces at, so that the
/// walk-through takes seconds rather than Slack's real Tier 4 minutes.
const DEMO_RATE: u32 = 6_000;

/// The ordinary users of the demo's directory (with its 10,000 `W…` users and 100 bots).
const DEMO_USERS: u32 = 2_500;

/// Runs the walk-through.
pub(super) fn run(g: &Settings) -> Result<Exit, Fail> {
    let mut g = g.clone();
    g.rate = g.rate.or(Some(slack_sessions_core::Rate::new(
        DEMO_RATE,
        DEMO_RATE / 10,
    )));
    let g = &g;
    let emu = Emulator::builder()
        .rate_limit(Some(DEMO_RATE))
        .users(DEMO_USERS)
        .start()
        .map_err(|e| usage(format!("cannot start the emulator: {e}")))?;
    say!(
        "slack-sessions demo: an emulator is serving Slack's API at {}",
        emu.base_url()
    );
    say!("(client and emulator paced at {DEMO_RATE} calls a minute for the demo; Slack's Tier 4 is 100)");
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
    let bad: Vec<(Input, String)> = texts
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let why = UserId::new(t).err()?;
            let input = Input {
                text: t.clone(),
                origin: format!("demo input {}", i + 1),
                problem: None,
            };
            Some((input, why.to_string()))
        })
        .collect();
    let prepared = Prepared {
        valid: texts.len() - bad.len(),
        texts: texts.iter().map(String::as_str).collect(),
        bad,
        people: None,
    };
    say!(
        "{} users, 2 unknown, 1 bot and 1 malformed ID among them\n",
        prepared.texts.len()
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
        say!("== {title}");
        let outcome = run_op(
            g,
            op,
            &prepared,
            token.clone(),
            Some(emu.base_url()),
            &Hooks::default(),
        )?;
        if outcome.report.stopped_by.is_some() {
            return Err(Fail {
                exit: outcome.exit_code(),
                message: "the demo stopped unexpectedly".into(),
            });
        }
        if g.json {
            say!("{}", outcome.json(&prepared.bad));
        } else {
            say!("{}", outcome.summary());
        }
    }
    say!(
        "the emulator now holds settings for {} users",
        emu.state().len()
    );
    sessions_step(g, &emu, &token)?;
    guests_step(g, &emu, &token, policy)?;
    policy_step(g, &emu, &token)?;
    say!("run it for real: SLACK_TOKEN=xoxp-… slack-sessions set --duration 12h --users-file users.txt");
    Ok(Exit::Ok)
}

/// 5. sessions: list a few users' sessions, sign them out (resetBulk), list again.
fn sessions_step(g: &Settings, emu: &Emulator, token: &Token) -> Result<(), Fail> {
    let users: Vec<String> = (0..100)
        .map(|i| format!("U{i:08}"))
        .filter(|u| !emu.active_sessions(Some(u)).is_empty())
        .take(3)
        .collect();
    let count = |users: &[String]| -> Result<usize, Fail> {
        let session = Transport::new(g, token.clone(), Some(emu.base_url()))?;
        let mut n = 0;
        for u in users {
            let user = UserId::new(u).map_err(|e| usage(e.to_string()))?;
            let listing = ListSessions::new().for_user(user, TEAM);
            let found = match &session {
                Transport::Blocking(c) => c
                    .list_sessions(listing)
                    .map_err(|e| usage(e.to_string()))?
                    .filter(Result::is_ok)
                    .count(),
                Transport::Async(on) => {
                    use futures_util::StreamExt;
                    let stream = on
                        .client
                        .list_sessions(listing)
                        .map_err(|e| usage(e.to_string()))?;
                    on.runtime
                        .block_on(stream.filter(|s| std::future::ready(s.is_ok())).count())
                }
            };
            n += found;
        }
        Ok(n)
    };
    say!("== 5. sessions: sign {} users out", users.len());
    say!(
        "   active sessions of {}: {}",
        users.join(", "),
        count(&users)?
    );
    let texts: Texts = users.iter().map(String::as_str).collect();
    let prepared = Prepared {
        valid: texts.len(),
        texts,
        bad: Vec::new(),
        people: None,
    };
    let outcome = run_op(
        g,
        Op::Reset(ResetScope::all()),
        &prepared,
        token.clone(),
        Some(emu.base_url()),
        &Hooks::default(),
    )?;
    say!("{}", outcome.summary());
    say!(
        "   active sessions of {} now: {}",
        users.join(", "),
        count(&users)?
    );
    Ok(())
}

/// The sixth step, people: the guests, named as an admin names them, get 12-hour
/// sessions that end when the app or browser closes; the resolution plan is shown
/// first.
fn guests_step(
    g: &Settings,
    emu: &Emulator,
    token: &Token,
    policy: SessionSettings,
) -> Result<(), Fail> {
    let selection = Selection::new().guests();
    say!("== 6. people: every guest gets the 12-hour, quit-on-close policy (--guests)");
    say!(
        "   the plan, before any call:\n{}",
        ResolvePlan::new(&selection)
    );
    let session = Transport::new(g, token.clone(), Some(emu.base_url()))?;
    let quiet = Settings {
        quiet: true,
        ..g.clone()
    };
    let found = super::resolve::resolve(
        &quiet,
        &session,
        selection,
        &crate::signals::Interrupts::default(),
    )?;
    let resolved = super::resolve::for_run(&found, |_| None);
    say!(
        "   resolved {} guests in {} calls",
        found.users.len(),
        found.calls
    );
    let prepared = Prepared {
        valid: resolved.texts.len(),
        texts: resolved.texts,
        bad: Vec::new(),
        people: None,
    };
    let outcome = run_op(
        g,
        Op::Set(policy),
        &prepared,
        token.clone(),
        Some(emu.base_url()),
        &Hooks::default(),
    )?;
    say!("{}", outcome.summary());
    let held = emu
        .state()
        .values()
        .filter(|s| s.duration == Some(43_200) && s.desktop_app_browser_quit == Some(true))
        .count();
    say!("   the emulator holds the policy for {held} users: the guests");
    Ok(())
}

/// The seventh step, policy as code: a two-rule policy planned, applied, and planned
/// again with nothing left to change.
fn policy_step(g: &Settings, emu: &Emulator, token: &Token) -> Result<(), Fail> {
    use slack_sessions_core::policy::{Policy, Target};
    let day = SessionDuration::from_secs(86_400).map_err(|e| usage(e.to_string()))?;
    let week = SessionDuration::from_secs(604_800).map_err(|e| usage(e.to_string()))?;
    let policy = Policy::new()
        .rule(
            "admins",
            Selection::new().admins().owners(),
            Target::Set(SessionSettings::new().duration(day)),
        )
        .rule(
            "contractors",
            Selection::new().usergroup("S00000002".parse().map_err(|e| usage(format!("{e}")))?),
            Target::Set(
                SessionSettings::new()
                    .duration(week)
                    .desktop_app_browser_quit(true),
            ),
        );
    say!("== 7. policy as code: plan, apply, plan again");
    say!("   [[rule]] name = \"admins\"       admins = true  owners = true   duration = \"1d\"");
    say!("   [[rule]] name = \"contractors\"  usergroup = \"S00000002\"       duration = \"7d\"  quit_on_close = true");
    let quiet = Settings {
        quiet: true,
        ..g.clone()
    };
    let session = Transport::new(g, token.clone(), Some(emu.base_url()))?;
    let interrupts = crate::signals::Interrupts::default();
    let name = std::path::Path::new("demo policy");
    let first = super::policy::plan_on(&quiet, &session, &interrupts, &policy)?;
    super::policy::print_plan(name, &first)?;
    let to = super::to_apply::from_plan(name, &first);
    let done = super::steps::run(
        &quiet,
        &session,
        &to.steps,
        &Hooks::default(),
        &interrupts,
        &emu.base_url(),
    )?;
    let sent: usize = done.ran.iter().map(|(_, o)| o.report.applied.len()).sum();
    say!("   applied: {} steps, {sent} users", done.ran.len());
    let again = super::policy::plan_on(&quiet, &session, &interrupts, &policy)?;
    say!(
        "   planned again: {} to change, {} already right",
        again.plan.changes(),
        again.plan.users.len() - again.plan.to_send()
    );
    Ok(())
}
