//! The async client on a second runtime, smol, with no tokio in its path: a call, a
//! listing and a bulk run of 5,000 users with faults give the same results as on tokio.

#[path = "../examples/async_smol/smol_rt.rs"]
mod smol_rt;

use std::collections::BTreeSet;
use std::sync::Arc;

use futures_util::StreamExt;
use slack_sessions::nonblocking::{Client, ClientBuilder};
use slack_sessions::{
    GetSettings, ListSessions, RetryPolicy, SessionDuration, SessionSettings, SetSettings, Token,
    UserIds,
};
use slack_sessions_emulator::{Emulator, ADMIN_TOKEN};

/// What a runtime's run of the scenario gives: the call's settings, the sessions
/// listed, and where each user of the bulk run ended.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    read_back: Option<i64>,
    listed: Vec<u64>,
    applied: BTreeSet<String>,
    failed: BTreeSet<(String, String)>,
    invalid: BTreeSet<String>,
    not_attempted: usize,
}

fn emulator() -> Emulator {
    Emulator::builder()
        .rate_limit(None)
        .users(6_000)
        .faults("rate=0.15,seed=11".parse().expect("plan"))
        .start()
        .expect("emulator")
}

fn users() -> Vec<String> {
    let mut ids: Vec<String> = (0..5_000).map(|i| format!("U{i:08}")).collect();
    ids.extend(["U09999999", "U90000003", "not-a-user"].map(str::to_owned));
    ids
}

fn config(emu: &Emulator) -> ClientBuilder {
    ClientBuilder::for_adapter(Token::new(ADMIN_TOKEN).expect("token"))
        .base_url(emu.base_url())
        .pacing(false)
        .retry_policy(
            RetryPolicy::default()
                .max_retries(8)
                .base_delay(std::time::Duration::from_millis(1))
                .max_delay(std::time::Duration::from_millis(5)),
        )
}

/// The scenario, on whatever runtime polls it.
async fn scenario<C, Tm>(client: &Client<C, Tm>) -> Outcome
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
    Tm: hyper::rt::Timer + Send + Sync + 'static,
{
    let one = UserIds::parse(["U00000001"]).expect("users");
    let d = SessionDuration::from_secs(43_200).expect("duration");
    client
        .set_settings(&SetSettings::new(one.clone()).duration(d))
        .await
        .expect("a call");
    let got = client
        .get_settings(&GetSettings::new(one))
        .await
        .expect("read");
    let read_back = got.output.session_settings[0].duration.map(|d| d.as_secs());

    let mut listed = Vec::new();
    let mut sessions = client
        .list_sessions(ListSessions::new().limit(200))
        .expect("listing");
    while let Some(s) = sessions.next().await {
        listed.push(s.expect("a session").session_id);
        if listed.len() >= 1_000 {
            break;
        }
    }

    let report = client
        .set_settings_bulk(
            users(),
            SessionSettings::new().desktop_app_browser_quit(true),
            Default::default(),
            |_| {},
        )
        .await
        .expect("the run ends");
    Outcome {
        read_back,
        listed,
        applied: report.applied.iter().map(ToString::to_string).collect(),
        failed: report
            .failed
            .iter()
            .map(|f| (f.user_id.to_string(), f.code().into_owned()))
            .collect(),
        invalid: report.invalid.iter().map(|i| i.input.clone()).collect(),
        not_attempted: report.not_attempted.len(),
    }
}

#[test]
fn the_async_client_runs_on_smol_as_on_tokio() {
    let on_smol = {
        let emu = emulator();
        let executor = Arc::new(smol::Executor::new());
        let outcome = smol::block_on(executor.run(async {
            assert!(
                tokio::runtime::Handle::try_current().is_err(),
                "no tokio runtime on this path"
            );
            let client = Client::with_parts(
                config(&emu),
                smol_rt::http_client(&executor),
                smol_hyper::rt::SmolTimer::new(),
            )
            .expect("client");
            scenario(&client).await
        }));
        assert!(
            emu.count("requests") >= 12,
            "it went over TCP: {:?}",
            emu.counts()
        );
        outcome
    };
    let on_tokio = {
        let emu = emulator();
        let rt = tokio::runtime::Runtime::new().expect("tokio");
        rt.block_on(async {
            let client = config(&emu).build().expect("client");
            scenario(&client).await
        })
    };
    assert_eq!(on_smol.read_back, Some(43_200));
    assert_eq!(on_smol.applied.len(), 5_000);
    assert_eq!(
        on_smol.failed,
        BTreeSet::from([
            ("U09999999".to_owned(), "user_not_found".to_owned()),
            ("U90000003".to_owned(), "bots_not_allowed".to_owned())
        ])
    );
    assert_eq!(on_smol.listed.len(), 1_000);
    assert_eq!(on_smol, on_tokio);
}
