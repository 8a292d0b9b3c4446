//! People into user IDs before a run (`--emails-file`, `--guests`, `--usergroup`, …),
//! and `users resolve`: the plan said first, the calls made over either client with a
//! count on a terminal, and every input that matched nobody named.

use std::io::IsTerminal;
use std::path::Path;

use slack_sessions_core::sansio::Resolver;
use slack_sessions_core::{Kind, Resolution, ResolveProgress, Selection};

use super::prepare::prepare;
use super::session::{Connection, Transport};
use crate::exit::{Exit, Signal};
use crate::fail::{usage, Fail};
use crate::invocation::{Settings, UsersSource};
use crate::output::{self, clean, say};
use crate::report::Skipped;
use crate::signals::Interrupts;
use crate::users::Texts;

/// What a resolution gives a run: the users to act on, and the inputs left out.
pub(super) struct Resolved {
    /// The users, each once, in the order found.
    pub(super) texts: Texts,
    /// Inputs that matched nobody, and users Slack will not act on.
    pub(super) skipped: Vec<Skipped>,
}

/// Resolves `selection` over `session`: the plan on stderr first (unless `-q`), then a
/// running count on a terminal, then one line with what was found. A resolution that
/// fails or is interrupted changes nothing and selects nobody.
pub(super) fn resolve(
    g: &Settings,
    session: &Transport,
    selection: Selection,
    interrupts: &Interrupts,
) -> Result<Resolution, Fail> {
    let resolver = Resolver::new(selection).map_err(|e| usage(e.to_string()))?;
    if !g.quiet {
        eprintln!("resolving users:\n{}", resolver.plan());
    }
    let counting = !g.quiet && std::io::stderr().is_terminal();
    let show = |p: ResolveProgress| {
        if counting {
            eprint!(
                "\r{} calls, {} directory users read, {} selected",
                p.calls, p.directory_users, p.selected
            );
        }
    };
    let result = match session {
        Transport::Blocking(c) => c.resolve(resolver, &interrupts.token, show),
        Transport::Async(on) => {
            on.runtime
                .block_on(on.client.resolve(resolver, &interrupts.token, show))
        }
    };
    if counting {
        eprintln!();
    }
    let r = match result {
        Ok(r) => r,
        Err(stop) => {
            let exit = match (&stop.error, interrupts.exit_code()) {
                (None, signal) => Exit::Interrupted(signal.unwrap_or(Signal::Int)),
                (Some(e), _) => Exit::for_error(e),
            };
            return Err(Fail {
                exit,
                message: format!("{}; nothing was changed", clean(&stop.to_string())),
            });
        }
    };
    if !g.quiet {
        if let Some(code) = &r.lookups_refused {
            eprintln!(
                "users.lookupByEmail was refused ({}: this token may not look emails up one by one): the emails were matched against the directory instead",
                clean(code.as_str())
            );
        }
        for (method, w) in &r.warnings {
            eprintln!("slack warning ({method}): {}", clean(w));
        }
        eprintln!(
            "resolved {} in {} ({} read){}",
            crate::output::plural(r.users.len() as u64, "user", "users"),
            crate::output::plural(r.calls, "call", "calls"),
            crate::output::plural(r.directory_users, "directory entry", "directory entries"),
            match r.unmatched.len() {
                0 => String::new(),
                n => format!(
                    "; {} matched nobody",
                    crate::output::plural(n as u64, "input", "inputs")
                ),
            }
        );
    }
    Ok(r)
}

/// Refuses a run that would change someone an exception was meant to leave out: an
/// exception that matched nobody (a typo, an address Slack does not know), unless the
/// admin passed `--allow-unmatched-exceptions`.
pub(super) fn check_exceptions(g: &Settings, r: &Resolution) -> Result<(), Fail> {
    if g.allow_unmatched_exceptions {
        return Ok(());
    }
    let mut missed = r.unmatched.iter().filter(|u| u.exception).peekable();
    if missed.peek().is_none() {
        return Ok(());
    }
    Err(usage(super::prepare::refuse_exceptions(
        missed.map(|u| format!("{} ({})", crate::users::echo(&u.input), u.reason)),
        "matched nobody",
    )))
}

/// What a run acts on: the users a resolution found, less those `leave_out` names (with
/// its reason code and words), and every input that matched nobody.
pub(super) fn for_run(
    r: &Resolution,
    leave_out: impl Fn(Kind) -> Option<(&'static str, &'static str)>,
) -> Resolved {
    let mut texts = Texts::default();
    let mut skipped: Vec<Skipped> = r
        .unmatched
        .iter()
        .map(|u| Skipped {
            input: u.input.clone(),
            reason: u.reason.code(),
            detail: match (u.exception, &u.detail) {
                (true, _) => format!("{} (an exception: nobody was left out by it)", u.reason),
                (false, Some(d)) => format!("{}: {}", u.reason, clean(d)),
                (false, None) => u.reason.to_string(),
            },
        })
        .collect();
    for u in &r.users {
        match leave_out(u.kind) {
            Some((reason, detail)) => skipped.push(Skipped {
                input: u.user_id.to_string(),
                reason,
                detail: detail.to_owned(),
            }),
            None => texts.push(u.user_id.as_str()),
        }
    }
    Resolved { texts, skipped }
}

/// `users resolve`: the users a selection names, on stdout (a table on a terminal, JSON
/// lines otherwise or with `--json`, CSV with `--csv`), the inputs that matched nobody on
/// stderr, and with `--out` a users file. Exit 1 when an input matched nobody.
pub(super) fn users_command(
    g: &Settings,
    users: &UsersSource,
    csv: bool,
    out: Option<&Path>,
) -> Result<crate::exit::Exit, Fail> {
    if let Some(path) = out {
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(usage(format!(
                "--out {} already exists: name a new file",
                path.display()
            )));
        }
    }
    let mut prepared = prepare(g, users)?;
    let selection = prepared.take_selection();
    if selection.is_empty() {
        return Err(usage("no valid user IDs among the inputs"));
    }
    if g.dry_run {
        let plan = slack_sessions_core::sansio::ResolvePlan::new(&selection);
        output::println(&format!("would resolve users:\n{plan}"))?;
        return Ok(Exit::Ok);
    }
    let c = Connection::open(g)?;
    let r = resolve(g, &c.session, selection, &c.interrupts)?;
    let table = !csv && !g.json && std::io::stdout().is_terminal();
    if csv {
        say!("user_id,email,kind");
    }
    let width = r
        .users
        .iter()
        .filter_map(|u| u.email.as_deref().map(|e| clean(e).chars().count()))
        .max()
        .unwrap_or(5)
        .clamp(5, 60);
    let id_width = r
        .users
        .iter()
        .map(|u| u.user_id.as_str().len())
        .max()
        .unwrap_or(7)
        .max(7);
    if table {
        say!("{:<id_width$} {:<width$} kind", "user_id", "email");
    }
    for u in &r.users {
        let email = u.email.as_deref().unwrap_or("");
        if table {
            say!(
                "{:<id_width$} {:<width$} {}",
                u.user_id.as_str(),
                clean(email),
                u.kind
            );
        } else if csv {
            say!("{}", csv_row(u.user_id.as_str(), email, u.kind.as_str()));
        } else {
            say!("{}", crate::escape::json_text(u));
        }
    }
    for u in &r.unmatched {
        eprintln!(
            "matched nobody: {} ({}{}{})",
            crate::users::echo(&u.input),
            u.reason,
            if u.exception { ", an exception" } else { "" },
            u.detail
                .as_deref()
                .map_or(String::new(), |d| format!(": {}", clean(d)))
        );
    }
    for (i, why) in &prepared.bad {
        eprintln!(
            "skipped {:?} ({}): {why}",
            crate::users::echo(&i.text),
            i.origin
        );
    }
    if let Some(path) = out {
        crate::snapshot::write_new("--out", path, false, |w| {
            writeln!(w, "user_id,email,kind")?;
            for u in &r.users {
                let email = u.email.as_deref().unwrap_or("");
                writeln!(w, "{}", csv_row(u.user_id.as_str(), email, u.kind.as_str()))?;
            }
            Ok(())
        })
        .map_err(usage)?;
        if !g.quiet {
            eprintln!("{} users written to {}", r.users.len(), path.display());
        }
    }
    Ok(if r.unmatched.is_empty() && prepared.bad.is_empty() {
        Exit::Ok
    } else {
        Exit::Partial
    })
}

/// One CSV row, quoted where a field needs it (by the csv crate), without its line
/// break; each cell made safe for a terminal and a spreadsheet
/// ([`csv_cell`](crate::escape::csv_cell)).
fn csv_row(id: &str, email: &str, kind: &str) -> String {
    use crate::escape::csv_cell;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = w.write_record(
        [csv_cell(id), csv_cell(email), csv_cell(kind)]
            .iter()
            .map(|c| c.as_bytes()),
    );
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes)
        .trim_end_matches('\n')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_quote_what_needs_it() {
        assert_eq!(csv_row("U1", "a@b.c", "member"), "U1,a@b.c,member");
        assert_eq!(
            csv_row("U1", "a,\"b\"@c", "bot"),
            "U1,\"a,\"\"b\"\"@c\",bot"
        );
        // A server's escapes and a formula are written inert.
        assert_eq!(
            csv_row("U1", "=cmd|' /C calc'!A0\u{1b}[2J", "member"),
            "U1,=cmd|' /C calc'!A0\\u{1b}[2J,member".replacen("U1,", "U1,'", 1)
        );
    }
}
