//! The policy file of `plan` and `apply`: TOML, read with serde, turned into the core's
//! [`Policy`]. Every refusal is one line naming the file, line and column.
//!
//! ```toml
//! [default]                    # optional: everyone no rule selects
//! duration = "30d"
//!
//! [[rule]]                     # in order: the first that selects a user wins
//! name = "contractors"
//! usergroup = "S0604QSJC"      # or a list; also emails_file, emails, users_file,
//! workspace = "T0123ABCD"      # limits the rule to a workspace (a user group needs it
//!                              # with an org-level token)
//! except_file = "vips.txt"     # users, guests, admins, owners, all_users, except
//! duration = "12h"             # 8h to 10y: seconds, or with s, m, h, d, w, y
//! quit_on_close = true         # or: clear = true (and nothing else)
//! ```
//!
//! Files a rule names are read relative to the policy file.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use slack_sessions_core::policy::{Policy, Target};
use slack_sessions_core::{
    Email, Selection, SessionDuration, SessionSettings, UserId, UsergroupId,
};
use toml::Spanned;

use crate::people::People;

/// The largest policy file read.
const MAX_POLICY: usize = 4 << 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    default: Option<Spanned<SettingsToml>>,
    #[serde(default)]
    rule: Vec<Spanned<RuleToml>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsToml {
    duration: Option<Spanned<DurationToml>>,
    quit_on_close: Option<bool>,
    clear: Option<Spanned<bool>>,
    /// Users the default leaves alone (the primary owner, say).
    except_file: Option<Spanned<String>>,
    #[serde(default)]
    except: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DurationToml {
    Seconds(i64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn items(&self) -> &[String] {
        match self {
            OneOrMany::One(s) => std::slice::from_ref(s),
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleToml {
    name: Spanned<String>,
    emails_file: Option<Spanned<String>>,
    #[serde(default)]
    emails: Vec<Spanned<String>>,
    users_file: Option<Spanned<String>>,
    #[serde(default)]
    users: Vec<Spanned<String>>,
    #[serde(default)]
    guests: bool,
    #[serde(default)]
    admins: bool,
    #[serde(default)]
    owners: bool,
    #[serde(default)]
    all_users: bool,
    usergroup: Option<Spanned<OneOrMany>>,
    /// The workspace (`T…`) the rule's people are in: its listings are limited to it,
    /// and a user group needs it with an org-level token.
    workspace: Option<Spanned<String>>,
    except_file: Option<Spanned<String>>,
    #[serde(default)]
    except: Vec<Spanned<String>>,
    duration: Option<Spanned<DurationToml>>,
    quit_on_close: Option<bool>,
    clear: Option<Spanned<bool>>,
}

/// A policy read from a file, with where it came from.
#[derive(Debug, Clone)]
pub(crate) struct PolicyFile {
    /// The file, as named.
    pub(crate) path: PathBuf,
    /// The policy.
    pub(crate) policy: Policy,
    /// The policy file and every file it names, each with its digest as read: what a
    /// journal and a saved plan are bound to.
    pub(crate) files: Vec<crate::digest::Bound>,
}

/// Where in the file: line and column (from 1) of a byte offset.
fn position(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map_or(1, |l| l.chars().count() + 1);
    (line, col)
}

/// Reads and checks the policy at `path`; every refusal is one line,
/// `FILE:LINE:COLUMN: what`.
pub(crate) fn read(path: &Path) -> Result<PolicyFile, String> {
    let bytes = crate::bounded::read_small(path, MAX_POLICY, "policy file")?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{}: not UTF-8 text: a policy is TOML", path.display()))?;
    let at = |span: Range<usize>, what: String| {
        let (line, col) = position(&text, span.start);
        format!("{}:{line}:{col}: {what}", path.display())
    };
    let file: FileToml = toml::from_str(&text).map_err(|e| {
        let message = e
            .message()
            .lines()
            .next()
            .unwrap_or("not a policy")
            .to_owned();
        match e.span() {
            Some(span) => at(span, message),
            None => format!("{}: {message}", path.display()),
        }
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut named: Vec<PathBuf> = Vec::new();
    let mut policy = Policy::new();
    let mut names: Vec<String> = Vec::new();
    for spanned in file.rule {
        let span = spanned.span();
        let r = spanned.into_inner();
        let name = r.name.get_ref().clone();
        if name.trim().is_empty() {
            return Err(at(r.name.span(), "a rule's name is empty".into()));
        }
        if name.trim().eq_ignore_ascii_case("default") {
            return Err(at(
                r.name.span(),
                "a rule cannot be named \"default\": that is the [default] table's name".into(),
            ));
        }
        if names.contains(&name) {
            return Err(at(r.name.span(), format!("two rules are named {name:?}")));
        }
        names.push(name.clone());
        let selection = selection(&r, &base, &at, &mut named)?;
        let target = target(
            r.duration,
            r.quit_on_close,
            r.clear,
            &at,
            span.clone(),
            &format!("rule {name:?}"),
        )?;
        if selection.is_empty() {
            return Err(at(
                span,
                format!(
                    "rule {name:?} selects nobody: give emails_file, emails, users_file, users, guests, admins, owners, usergroup or all_users"
                ),
            ));
        }
        policy = policy.rule(name, selection, target);
    }
    if let Some(d) = file.default {
        let span = d.span();
        let d = d.into_inner();
        let (ids, emails) = exceptions(&d.except, d.except_file.as_ref(), &base, &at, &mut named)?;
        policy = policy
            .default_target(target(
                d.duration,
                d.quit_on_close,
                d.clear,
                &at,
                span,
                "the default",
            )?)
            .default_except(ids, emails);
    }
    if policy.rules().is_empty() && policy.default_for_others().is_none() {
        return Err(format!(
            "{}: no rule and no default: the policy says nothing",
            path.display()
        ));
    }
    let mut files = vec![crate::digest::Bound {
        path: path.display().to_string(),
        sha256: crate::digest::of_bytes(text.as_bytes()),
    }];
    for f in named {
        let sha256 = crate::digest::of_file(&f).map_err(|e| format!("{}: {e}", path.display()))?;
        files.push(crate::digest::Bound {
            path: f.display().to_string(),
            sha256,
        });
    }
    Ok(PolicyFile {
        path: path.to_owned(),
        policy,
        files,
    })
}

/// The settings a rule (or the default) gives.
fn target(
    duration: Option<Spanned<DurationToml>>,
    quit: Option<bool>,
    clear: Option<Spanned<bool>>,
    at: &dyn Fn(Range<usize>, String) -> String,
    span: Range<usize>,
    what: &str,
) -> Result<Target, String> {
    if let Some(c) = clear {
        if *c.get_ref() && (duration.is_some() || quit.is_some()) {
            return Err(at(
                c.span(),
                format!("{what}: clear = true cannot go with a duration or quit_on_close"),
            ));
        }
        if *c.get_ref() {
            return Ok(Target::Clear);
        }
    }
    let mut s = SessionSettings::new();
    if let Some(d) = duration {
        let parsed = match d.get_ref() {
            DurationToml::Seconds(n) => u64::try_from(*n)
                .map_err(|_| "a duration is not negative".to_owned())
                .and_then(|n| SessionDuration::from_secs(n).map_err(|e| e.to_string())),
            DurationToml::Text(t) => t.parse::<SessionDuration>().map_err(|e| e.to_string()),
        };
        s.duration = Some(parsed.map_err(|e| at(d.span(), format!("{what}: {e}")))?);
    }
    s.desktop_app_browser_quit = quit;
    if s.is_empty() {
        return Err(at(
            span,
            format!("{what} sets nothing: give duration and/or quit_on_close, or clear = true"),
        ));
    }
    Ok(Target::Set(s))
}

/// Whom a rule selects: its files read (relative to the policy), each value checked.
fn selection(
    r: &RuleToml,
    base: &Path,
    at: &dyn Fn(Range<usize>, String) -> String,
    named: &mut Vec<PathBuf>,
) -> Result<Selection, String> {
    let email = |e: &Spanned<String>| {
        Email::new(e.get_ref()).map_err(|why| at(e.span(), format!("{:?}: {why}", e.get_ref())))
    };
    let mut people = People {
        emails: r.emails.iter().map(email).collect::<Result<_, _>>()?,
        guests: r.guests,
        admins: r.admins,
        owners: r.owners,
        all_users: r.all_users,
        emails_file: r.emails_file.as_ref().map(|f| file(base, f)),
        ..People::default()
    };
    named.extend(people.emails_file.clone());
    if let Some(g) = &r.usergroup {
        for id in g.get_ref().items() {
            let id = UsergroupId::new(id).map_err(|why| at(g.span(), why.to_string()))?;
            people.usergroups.push(id);
        }
    }
    if let Some(w) = &r.workspace {
        let t = w.get_ref();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(at(
                w.span(),
                format!("workspace {t:?}: a workspace ID is letters and digits, e.g. T0123ABCD"),
            ));
        }
        people.workspace = Some(t.clone());
    }
    // The files a rule names are part of the policy: a line that is not an email or an
    // ID refuses it, as a typo in the policy itself would.
    let read = crate::people::read(&people).map_err(|e| {
        let span = r.emails_file.as_ref().map_or(0..0, Spanned::span);
        at(span, e)
    })?;
    if let Some((input, why)) = read.bad.first() {
        return Err(format!(
            "{} ({}): {why}",
            crate::users::echo(&input.text),
            input.origin
        ));
    }
    let mut s = read.selection;
    let mut ids = Vec::new();
    for u in &r.users {
        ids.push(
            UserId::new(u.get_ref())
                .map_err(|why| at(u.span(), format!("{:?}: {why}", u.get_ref())))?,
        );
    }
    if let Some(f) = &r.users_file {
        named.push(file(base, f));
        let collected =
            crate::users::collect(&[], Some(&file(base, f))).map_err(|e| at(f.span(), e))?;
        if let Some((input, why)) = collected.bad.first() {
            return Err(format!(
                "{} ({}): {why}",
                crate::users::echo(&input.text),
                input.origin
            ));
        }
        ids.extend(collected.texts.iter().filter_map(|t| UserId::new(t).ok()));
    }
    s = s.ids(ids);
    let (except_ids, except_emails) =
        exceptions(&r.except, r.except_file.as_ref(), base, at, named)?;
    Ok(s.except_ids(except_ids).except_emails(except_emails))
}

/// A file a rule names, relative to the policy's folder.
fn file(base: &Path, f: &Spanned<String>) -> PathBuf {
    let p = Path::new(f.get_ref());
    if p.is_absolute() {
        p.to_owned()
    } else {
        base.join(p)
    }
}

/// The exceptions of a rule or the default: `except` (IDs or emails) and the file
/// `except_file`. A value or a line that is neither refuses the policy: an exception
/// that cannot be read would change whom it names.
fn exceptions(
    except: &[Spanned<String>],
    except_file: Option<&Spanned<String>>,
    base: &Path,
    at: &dyn Fn(Range<usize>, String) -> String,
    named: &mut Vec<PathBuf>,
) -> Result<(Vec<UserId>, Vec<Email>), String> {
    let (mut ids, mut emails) = (Vec::new(), Vec::new());
    for x in except {
        if x.get_ref().contains('@') {
            emails.push(
                Email::new(x.get_ref())
                    .map_err(|why| at(x.span(), format!("{:?}: {why}", x.get_ref())))?,
            );
        } else {
            ids.push(
                UserId::new(x.get_ref())
                    .map_err(|why| at(x.span(), format!("{:?}: {why}", x.get_ref())))?,
            );
        }
    }
    if let Some(f) = except_file {
        named.push(file(base, f));
        let people = People {
            except_file: Some(file(base, f)),
            ..People::default()
        };
        let read = crate::people::read(&people).map_err(|e| at(f.span(), e))?;
        if let Some((input, why)) = read.bad_exceptions.first() {
            return Err(format!(
                "{} ({}): {why}",
                crate::users::echo(&input.text),
                input.origin
            ));
        }
        let (i, e) = read.selection.exceptions();
        ids.extend(i.iter().cloned());
        emails.extend(e.iter().cloned());
    }
    Ok((ids, emails))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Result<PolicyFile, String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("vips.txt"), "U00000001\nada@example.com\n").unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(&path, text).unwrap();
        read(&path).map_err(|e| e.replace(&path.display().to_string(), "p.toml"))
    }

    #[test]
    fn a_good_policy_reads() {
        let p = policy(
            r#"
[default]
duration = "30d"

[[rule]]
name = "contractors"
usergroup = ["S00000002", "S00000003"]
except_file = "vips.txt"
duration = 43200
quit_on_close = true

[[rule]]
name = "leavers"
emails = ["a@x.io"]
clear = true
"#,
        )
        .unwrap();
        assert_eq!(p.policy.rules().len(), 2);
        assert_eq!(p.policy.rules()[1].target, Target::Clear);
        assert!(p.policy.default_for_others().is_some());
    }

    #[test]
    fn the_example_policy_reads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policy.toml");
        let p = read(&path).unwrap();
        let names: Vec<&str> = p.policy.rules().iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["admins", "contractors", "guests"]);
        assert!(p.policy.default_for_others().is_some());
    }

    #[test]
    fn each_bad_policy_names_its_line_and_column() {
        let cases = [
            ("[[rule]]\nname = \"a\"\nguests = true\nduration = \"8h\"\ncolour = 1\n", "p.toml:5:1: unknown field `colour`"),
            ("[[rule]]\nname = \"a\"\nduration = \"8h\"\n", "p.toml:1:1: rule \"a\" selects nobody"),
            ("[[rule]]\nname = \"a\"\nguests = true\n", "p.toml:1:1: rule \"a\" sets nothing"),
            ("[[rule]]\nname = \"a\"\nguests = true\nclear = true\n[[rule]]\nname = \"a\"\nguests = true\nclear = true\n", "p.toml:6:8: two rules are named \"a\""),
            ("[[rule]]\nname = \"a\"\nguests = true\nduration = \"2h\"\n", "p.toml:4:12: rule \"a\": duration of 7200 seconds is below"),
            ("[[rule]]\nname = \"a\"\nguests = true\nduration = \"8h\"\nclear = true\n", "p.toml:5:9: rule \"a\": clear = true cannot go with"),
            ("[default]\nduration = 99999999999\n", "p.toml:2:12: the default: duration of 99999999999 seconds is above"),
            ("[[rule]]\nname = \"a\"\nguests = tru\n", "p.toml:3:10:"),
            ("[[rule]]\nname = \"a\"\nemails = [\"not an email\"]\nclear = true\n", "p.toml:3:11: \"not an email\": email"),
            ("[[rule]]\nname = \"Default\"\nguests = true\nclear = true\n", "p.toml:2:8: a rule cannot be named \"default\""),
            ("[[rule]]\nname = \"a\"\nguests = true\nworkspace = \"T 1\"\nclear = true\n", "p.toml:4:13: workspace \"T 1\""),
            ("[default]\nduration = \"1d\"\nexcept = [\"u1\"]\n", "p.toml:3:11: \"u1\": user id"),
        ];
        for (text, want) in cases {
            let e = policy(text).unwrap_err();
            assert!(e.starts_with(want), "{want}\n  got {e}");
            assert_eq!(e.lines().count(), 1, "{e}");
        }
    }
}
