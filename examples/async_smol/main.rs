//! The async client on smol, with no tokio in the path: smol's executor, timer and TCP
//! (see `smol_rt.rs`), finished with `Client::with_parts`. Against an emulator it starts
//! itself; `SLACK_API_URL` (an `http://` emulator, say `slack-sessions emulator --port
//! 8787`) and `SLACK_TOKEN` point it elsewhere.
//!
//! ```sh
//! cargo run --example async_smol --no-default-features --features hyper-core
//! ```

mod smol_rt;

use std::sync::Arc;

use slack_sessions::nonblocking::{Client, ClientBuilder};
use slack_sessions::{ListSessions, SessionDuration, SessionSettings, SetSettings, Token, UserIds};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (_emulator, base_url, token) = match std::env::var("SLACK_API_URL") {
        Ok(url) => (None, url, std::env::var("SLACK_TOKEN")?),
        Err(_) => {
            let emu = slack_sessions_emulator::Emulator::builder()
                .users(3_000)
                .start()?;
            let url = emu.base_url();
            (Some(emu), url, emu_token())
        }
    };
    let executor = Arc::new(smol::Executor::new());
    smol::block_on(executor.run(async {
        let config = ClientBuilder::for_adapter(Token::new(token)?).base_url(base_url);
        let http = smol_rt::http_client(&executor);
        let client = Client::with_parts(config, http, smol_hyper::rt::SmolTimer::new())?;

        let users = UserIds::parse(["U00000001", "W00000002"])?;
        let twelve_hours = "12h".parse::<SessionDuration>()?;
        client
            .set_settings(&SetSettings::new(users).duration(twelve_hours))
            .await?;
        println!("set: 2 users, 12-hour sessions");

        let ids: Vec<String> = (0..2_500).map(|i| format!("U{i:08}")).collect();
        let settings = SessionSettings::new().desktop_app_browser_quit(true);
        let report = client
            .set_settings_bulk(&ids, settings, Default::default(), |_| {})
            .await?;
        println!("bulk: {} of {} applied", report.applied.len(), ids.len());

        use futures_util::StreamExt;
        let mut sessions = client.list_sessions(ListSessions::new())?;
        let mut n = 0;
        while let Some(s) = sessions.next().await {
            s?;
            n += 1;
        }
        println!("list: {n} active sessions");
        Ok::<(), Box<dyn std::error::Error>>(())
    }))
}

fn emu_token() -> String {
    slack_sessions_emulator::ADMIN_TOKEN.to_owned()
}
