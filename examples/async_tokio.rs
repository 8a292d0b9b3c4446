//! Async client on tokio: apply a policy to 5,000 users with 4 requests in flight.
//!
//! `cargo run --example async_tokio --features hyper` — with `SLACK_TOKEN` set it talks
//! to Slack; without, it starts an emulator on 127.0.0.1.

use slack_sessions::nonblocking::{BulkRun, Client};
use slack_sessions::{SessionDuration, SessionSettings, Token};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _emulator) = match std::env::var("SLACK_TOKEN") {
        Ok(token) => (Client::builder(Token::new(token)?).build()?, None),
        Err(_) => {
            let emu = slack_sessions_emulator::Emulator::builder()
                .rate_limit(None)
                .start()?;
            let client = Client::builder(Token::new(emu.admin_token())?)
                .base_url(emu.base_url())
                .pacing(false)
                .build()?;
            println!("no SLACK_TOKEN: using an emulator at {}", emu.base_url());
            (client, Some(emu))
        }
    };
    let users: Vec<String> = (0..5_000).map(|i| format!("U{i:08}")).collect();
    let policy = SessionSettings::new().duration("30d".parse::<SessionDuration>()?);
    let report = client
        .set_settings_bulk(&users, policy, BulkRun::default(), |p| {
            println!("{}/{} users, {} requests", p.done, p.total, p.requests)
        })
        .await?;
    println!(
        "applied {}, failed {}, invalid {}, not attempted {}",
        report.applied.len(),
        report.failed.len(),
        report.invalid.len(),
        report.not_attempted.len()
    );
    Ok(())
}
