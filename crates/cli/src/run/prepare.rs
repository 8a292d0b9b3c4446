//! A run's users, read and checked before anything is sent: the IDs, the people flags'
//! files, and the refusals that come before the network (with `--strict` any input not
//! understood, and always an exception that cannot be read).

use slack_sessions_core::{Selection, UserId};

use crate::fail::{usage, Fail};
use crate::invocation::{Settings, UsersSource};
use crate::output::plural;
use crate::users::{self, Input, Texts};

/// Validated inputs of a set/get/clear run: the texts to send, packed, and the inputs
/// that are not user IDs, with where they came from.
pub(super) struct Prepared {
    /// Every input with a text, valid or not (the plan reports the invalid ones).
    pub(super) texts: Texts,
    /// The inputs that are not user IDs or emails (and CSV rows without their column),
    /// with why.
    pub(super) bad: Vec<(Input, String)>,
    /// Inputs that hold a valid user ID.
    pub(super) valid: usize,
    /// The people the flags name, to resolve before the run (the user IDs join them
    /// then); `None` when only user IDs are given, or a resume has the resolved set.
    pub(super) people: Option<Selection>,
}

impl Prepared {
    /// Everyone named: the valid user IDs and the people, taken (a resolution holds
    /// them from here on; a file of two million addresses is held once).
    pub(super) fn take_selection(&mut self) -> Selection {
        let ids = self.texts.iter().filter_map(|t| UserId::new(t).ok());
        self.people.take().unwrap_or_default().ids(ids)
    }

    /// Takes the users a resolution found in place of the inputs: those users, then
    /// the inputs that are not user IDs (so that the report still counts them).
    pub(super) fn resolved(&mut self, found: Texts) {
        let mut texts = found;
        for t in self.texts.iter().filter(|t| UserId::new(t).is_err()) {
            texts.push(t);
        }
        self.valid = texts.len() - (self.texts.len() - self.valid);
        self.texts = texts;
        self.people = None;
    }

    /// The inputs that hold no user ID at all (CSV rows without the user column).
    pub(super) fn unreadable(&self) -> Vec<Input> {
        self.bad
            .iter()
            .filter(|(i, _)| i.problem.is_some())
            .map(|(i, _)| i.clone())
            .collect()
    }
}

/// Reads the users and refuses, before anything is sent, what cannot be run: with
/// `--strict` any input not understood, and always an exception that cannot be read
/// (unless `--allow-unmatched-exceptions`).
pub(super) fn prepare(g: &Settings, users: &UsersSource) -> Result<Prepared, Fail> {
    let collected = users::collect(&users.ids, users.file.as_deref()).map_err(usage)?;
    let people = match users.people.any() {
        true => Some(crate::people::read(&users.people).map_err(usage)?),
        false => None,
    };
    if collected.count == 0 && !users.people.names_people() {
        return Err(usage(
            "no users given: pass user IDs, --users-file PATH, or people (--emails-file, --email, --guests, --admins, --owners, --usergroup, --all-users)",
        ));
    }
    let id_errors = collected.bad.len();
    let mut bad = collected.bad;
    let people = match people {
        None => None,
        Some(p) => {
            if !p.bad_exceptions.is_empty() && !g.allow_unmatched_exceptions {
                return Err(usage(refuse_exceptions(
                    p.bad_exceptions
                        .iter()
                        .map(|(i, why)| format!("{} ({}): {why}", users::echo(&i.text), i.origin)),
                    "cannot be read",
                )));
            }
            if p.duplicates > 0 && !g.quiet {
                eprintln!(
                    "{} repeated an earlier one (each person is kept once)",
                    plural(p.duplicates, "line", "lines")
                );
            }
            bad.extend(p.bad);
            bad.extend(p.bad_exceptions);
            Some(p.selection)
        }
    };
    if !bad.is_empty() {
        if g.strict {
            let (i, why) = &bad[0];
            return Err(usage(format!(
                "{}{}; nothing was sent",
                describe_bad(i, why),
                if bad.len() > 1 {
                    format!(" (and {} more)", bad.len() - 1)
                } else {
                    String::new()
                }
            )));
        }
        if !g.quiet {
            for (i, why) in &bad {
                eprintln!("skipping {}", describe_bad(i, why));
            }
        }
    }
    let valid = collected.count - id_errors;
    if valid == 0 && !users.people.names_people() {
        return Err(usage("no valid user IDs among the inputs"));
    }
    Ok(Prepared {
        texts: collected.texts,
        bad,
        valid,
        people,
    })
}

/// One input not understood, for a message: `invalid user id "x" (argument 1): why`
/// for a user ID, `"x" (line 3 of f): not an email: why` for the rest.
fn describe_bad(i: &Input, why: &str) -> String {
    match i.problem {
        Some(_) => format!("{:?} ({}): {why}", users::echo(&i.text), i.origin),
        None => format!(
            "invalid user id {:?} ({}): {why}",
            users::echo(&i.text),
            i.origin
        ),
    }
}

/// The one-line refusal of a run whose exceptions `what` (`cannot be read`, `matched
/// nobody`): the first few named, and the way out.
pub(super) fn refuse_exceptions(named: impl Iterator<Item = String>, what: &str) -> String {
    let named: Vec<String> = named.collect();
    let shown = named.iter().take(3).cloned().collect::<Vec<_>>().join("; ");
    let more = match named.len() {
        n if n > 3 => format!(" (and {} more)", n - 3),
        _ => String::new(),
    };
    format!(
        "an exception {what}, so nobody it names could be left out: {shown}{more}; nothing was sent: fix it, or pass --allow-unmatched-exceptions to go on without it"
    )
}
