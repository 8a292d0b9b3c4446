//! Blocking client: set, read and clear one user's session settings.
//!
//! `cargo run --example blocking` — with `SLACK_TOKEN` set it talks to Slack (and
//! `SLACK_USER` names the user); without, it starts an emulator on 127.0.0.1.

use slack_sessions::blocking::Client;
use slack_sessions::{ClearSettings, GetSettings, SessionDuration, SetSettings, Token, UserIds};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _emulator) = match std::env::var("SLACK_TOKEN") {
        Ok(token) => (Client::builder(Token::new(token)?).build()?, None),
        Err(_) => {
            let emu = slack_sessions_emulator::Emulator::builder().start()?;
            let client = Client::builder(Token::new(emu.admin_token())?)
                .base_url(emu.base_url())
                .build()?;
            println!("no SLACK_TOKEN: using an emulator at {}", emu.base_url());
            (client, Some(emu))
        }
    };
    let user = std::env::var("SLACK_USER").unwrap_or_else(|_| "U00000001".into());
    let users = UserIds::parse([user.as_str()])?;

    let twelve_hours: SessionDuration = "12h".parse()?;
    client.set_settings(
        &SetSettings::new(users.clone())
            .duration(twelve_hours)
            .desktop_app_browser_quit(true),
    )?;
    let reply = client.get_settings(&GetSettings::new(users.clone()))?;
    for s in &reply.output.session_settings {
        let duration = s.duration.map_or("-".to_owned(), |d| d.to_string());
        let quit = s
            .desktop_app_browser_quit
            .map_or("-".to_owned(), |q| q.to_string());
        println!("{}: duration {duration}, quit on close {quit}", s.user_id);
    }
    client.clear_settings(&ClearSettings::new(users))?;
    println!("cleared");
    Ok(())
}
