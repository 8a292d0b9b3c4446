//! The smallest program: set one user's session duration. Used to measure binary size:
//! `cargo build --profile min-size --example minimal_blocking`. It links no emulator; to
//! try it without Slack, start one in another shell (`slack-sessions emulator --port 8787`)
//! and point it there:
//! `SLACK_TOKEN=xoxp-emulator-admin SLACK_API_URL=http://127.0.0.1:8787/api/ cargo run --example minimal_blocking -- U00000001`.

use slack_sessions::blocking::Client;
use slack_sessions::{SessionDuration, SetSettings, Token, UserIds};

fn main() -> Result<(), slack_sessions::Error> {
    let Ok(raw) = std::env::var("SLACK_TOKEN") else {
        eprintln!("set SLACK_TOKEN (and SLACK_API_URL for an emulator, e.g. `slack-sessions emulator --port 8787` with xoxp-emulator-admin and http://127.0.0.1:8787/api/), then pass a user ID");
        std::process::exit(2);
    };
    let mut builder = Client::builder(Token::new(raw)?);
    if let Ok(url) = std::env::var("SLACK_API_URL") {
        builder = builder.base_url(url);
    }
    // Built with `--features native-roots`, it trusts the operating system's store.
    #[cfg(feature = "native-roots")]
    {
        builder = builder.roots(slack_sessions::Roots::Native);
    }
    let user = std::env::args().nth(1).unwrap_or_default();
    let call =
        SetSettings::new(UserIds::parse([user])?).duration(SessionDuration::from_secs(43_200)?);
    builder.build()?.set_settings(&call)?;
    Ok(())
}
