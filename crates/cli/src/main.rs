//! `slack-sessions`: set, get and clear Slack session settings for thousands of users.
//!
//! Exit codes: 0 every user succeeded; 1 some users failed at the API or some inputs were
//! invalid and skipped; 2 a usage or validation error (nothing was sent); 3 an auth or
//! permission error (the run stopped); 4 Slack unreachable, or still failing after retries;
//! 130 / 143 interrupted by SIGINT / SIGTERM (the report is still printed).

mod args;
mod bounded;
mod escape;
mod exit;
mod journal;
mod output;
mod report;
mod run;
mod signals;
mod snapshot;
mod users;

use std::process::ExitCode;

use exit::Exit;

fn main() -> ExitCode {
    let cli = match args::parse() {
        Ok(c) => c,
        Err(e) => {
            let exit = if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            };
            let _ = e.print();
            return exit.into();
        }
    };
    match run::execute(cli) {
        Ok(exit) => exit.into(),
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("error: {}", f.message);
            }
            f.exit.into()
        }
    }
}
