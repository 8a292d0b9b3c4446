//! `slack-sessions`: set, get and clear Slack session settings for thousands of users.
//!
//! Exit codes: 0 every user succeeded; 1 some users failed at the API or some inputs were
//! invalid and skipped; 2 a usage or validation error (nothing was sent); 3 an auth or
//! permission error (the run stopped); 4 Slack unreachable, or still failing after retries;
//! 130 / 143 interrupted by SIGINT / SIGTERM (the report is still printed).

mod args;
mod bounded;
mod digest;
mod escape;
mod exit;
mod fail;
#[cfg(test)]
mod fuzz_seeds;
mod invocation;
mod journal;
mod output;
mod people;
mod policy_file;
mod report;
mod run;
mod saved_plan;
mod signals;
mod snapshot;
mod users;

use std::process::ExitCode;

use exit::Exit;

fn main() -> ExitCode {
    let cli = match args::parse() {
        Ok(c) => c,
        Err(e) => {
            if !e.use_stderr() {
                // --help, --version.
                let _ = e.print();
                return Exit::Ok.into();
            }
            // A value out of range is one line, as every refusal is.
            let one_line = matches!(
                e.kind(),
                clap::error::ErrorKind::ValueValidation | clap::error::ErrorKind::InvalidValue
            );
            let text = e.to_string();
            match text.lines().next() {
                Some(first) if one_line => eprintln!("{first}"),
                _ => eprint!("{text}"),
            }
            // `plan --detailed-exitcode` keeps 2 for pending changes: any error is 1.
            let detailed = std::env::args_os().any(|a| a == "--detailed-exitcode");
            return if detailed {
                Exit::PlanFailed
            } else {
                Exit::Usage
            }
            .into();
        }
    };
    match invocation::resolve(cli).and_then(run::execute) {
        Ok(exit) => exit.into(),
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("error: {}", f.message);
            }
            f.exit.into()
        }
    }
}
