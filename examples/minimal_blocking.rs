//! The smallest program: set one user's session duration. Used to measure binary size:
//! `cargo build --profile min-size --example minimal_blocking`.

use slack_sessions::blocking::Client;
use slack_sessions::{SessionDuration, SetSettings, Token, UserIds};

fn main() -> Result<(), slack_sessions::Error> {
    let token = Token::new(std::env::var("SLACK_TOKEN").unwrap_or_default())?;
    let user = std::env::args().nth(1).unwrap_or_default();
    let client = Client::builder(token).build()?;
    let call =
        SetSettings::new(UserIds::parse([user])?).duration(SessionDuration::from_secs(43_200)?);
    client.set_settings(&call)?;
    Ok(())
}
