//! The saved plan of `plan --out` (and `plan --json`), read back by `apply --plan`: one
//! writer and one reader, side by side.
//!
//! JSON: what the plan was made from (the policy file, and every file it names with its
//! digest), each rule's counts, every user the apply would send with what they held and
//! what they get, the inputs that matched nobody, and the users Slack refused to read.
//! What it says is untrusted when it is read back: `apply --plan` plans the policy again
//! and applies only the changes that both agree on.

use std::io::Read;
use std::path::Path;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};
use slack_sessions_core::policy::{Held, PolicyReading, Step, Target};
use slack_sessions_core::{HeldDuration, SessionDuration, SessionSettings};

use crate::digest::Bound;

/// The `kind` of a saved plan.
const PLAN_KIND: &str = "slack-sessions plan";
/// The version of a saved plan's shape: 2 binds it to the policy's files.
const PLAN_VERSION: u32 = 2;
/// The largest saved plan read: about two million users.
const MAX_PLAN: u64 = 512 << 20;

/// A saved plan, as read back.
#[derive(Debug, Deserialize)]
pub(crate) struct SavedPlan {
    kind: String,
    schema_version: u32,
    /// The policy file it was made from.
    pub(crate) policy: String,
    /// The policy file and every file it names, with their digests then.
    pub(crate) bound: Vec<Bound>,
    /// Every user the apply sends, with what they held and what they get.
    pub(crate) users: Vec<UserJson>,
}

/// What a rule (or the default) gives, as the plan writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TargetJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    duration: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    desktop_app_browser_quit: Option<bool>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    clear: bool,
}

impl TargetJson {
    fn of(t: &Target) -> TargetJson {
        match t {
            Target::Clear => TargetJson {
                duration: None,
                desktop_app_browser_quit: None,
                clear: true,
            },
            Target::Set(s) => TargetJson {
                duration: s.duration.map(|d| d.as_secs()),
                desktop_app_browser_quit: s.desktop_app_browser_quit,
                clear: false,
            },
        }
    }

    /// The target; refused when it is not one Slack takes.
    pub(crate) fn target(self) -> Result<Target, String> {
        if self.clear {
            return match (self.duration, self.desktop_app_browser_quit) {
                (None, None) => Ok(Target::Clear),
                _ => Err("a target both clears and sets".into()),
            };
        }
        let mut s = SessionSettings::new();
        if let Some(d) = self.duration {
            s.duration = Some(SessionDuration::from_secs(d).map_err(|e| e.to_string())?);
        }
        s.desktop_app_browser_quit = self.desktop_app_browser_quit;
        if s.is_empty() {
            return Err("a target sets nothing".into());
        }
        Ok(Target::Set(s))
    }
}

/// What a user held, as the plan writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct HeldJson {
    #[serde(default)]
    duration: Option<i64>,
    #[serde(default)]
    desktop_app_browser_quit: Option<bool>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    not_returned: bool,
}

impl HeldJson {
    fn of(h: &Held) -> HeldJson {
        match h {
            Held::Settings {
                duration,
                quit_on_close,
            } => HeldJson {
                duration: duration.map(HeldDuration::as_secs),
                desktop_app_browser_quit: *quit_on_close,
                not_returned: false,
            },
            _ => HeldJson {
                duration: None,
                desktop_app_browser_quit: None,
                not_returned: true,
            },
        }
    }

    /// What the user held.
    pub(crate) fn held(self) -> Held {
        if self.not_returned {
            Held::NotReturned
        } else {
            Held::Settings {
                duration: self.duration.map(HeldDuration::from_secs),
                quit_on_close: self.desktop_app_browser_quit,
            }
        }
    }
}

/// One user the apply sends.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct UserJson {
    pub(crate) user_id: String,
    rule: String,
    pub(crate) from: HeldJson,
    pub(crate) to: TargetJson,
    /// `change`, or `unknown` (not returned: sent anyway).
    step: String,
}

/// Reads the saved plan at `path`.
pub(crate) fn read(path: &Path) -> Result<SavedPlan, String> {
    let name = format!("--plan {}", path.display());
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    parse(&name, file)
}

/// Reads a saved plan from `reader` (`name` in messages), at most [`MAX_PLAN`] bytes.
pub(crate) fn parse(name: &str, reader: impl Read) -> Result<SavedPlan, String> {
    let mut reader = std::io::BufReader::new(reader.take(MAX_PLAN + 1));
    let plan: SavedPlan = serde_json::from_reader(&mut reader).map_err(|e| {
        if reader.get_ref().limit() == 0 {
            format!(
                "{name} is over {}: not a plan",
                crate::bounded::size(MAX_PLAN as usize)
            )
        } else {
            format!(
                "{name} is not a plan (the JSON of plan --out): {}",
                crate::escape::clean(&e.to_string())
            )
        }
    })?;
    if plan.kind != PLAN_KIND || plan.schema_version != PLAN_VERSION {
        return Err(format!(
            "{name} is not a plan this tool reads ({:?} version {}): plan again",
            crate::users::echo(&plan.kind),
            plan.schema_version
        ));
    }
    Ok(plan)
}

/// A plan as it is written: serialized field by field from the reading itself, so that
/// a plan of 100,000 users is never held twice.
pub(crate) struct PlanJson<'a> {
    /// The policy file, as named.
    pub(crate) policy: &'a str,
    /// The policy file and every file it names, with their digests.
    pub(crate) bound: &'a [Bound],
    /// The plan and what it was made from.
    pub(crate) reading: &'a PolicyReading,
}

impl Serialize for PlanJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.reading;
        let plan = &r.plan;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("kind", PLAN_KIND)?;
        m.serialize_entry("schema_version", &PLAN_VERSION)?;
        m.serialize_entry("policy", self.policy)?;
        m.serialize_entry("bound", self.bound)?;
        let rules: Vec<serde_json::Value> = plan
            .summary()
            .iter()
            .map(|s| {
                serde_json::json!({
                    "name": s.name, "target": TargetJson::of(&s.target),
                    "keep": s.keep, "change": s.change, "unknown": s.unknown,
                })
            })
            .collect();
        m.serialize_entry("rules", &rules)?;
        m.serialize_entry("changes", &plan.changes())?;
        m.serialize_entry("unknown", &plan.unknown())?;
        m.serialize_entry("keep", &(plan.users.len() - plan.to_send()))?;
        m.serialize_entry("users", &Users(r))?;
        let unmatched: Vec<serde_json::Value> = r
            .resolutions
            .iter()
            .zip(&plan.names)
            .flat_map(|(res, name)| {
                res.unmatched.iter().map(move |u| {
                    serde_json::json!({
                        "rule": name, "input": u.input, "reason": u.reason.code(),
                        "exception": u.exception,
                    })
                })
            })
            .collect();
        m.serialize_entry("unmatched", &unmatched)?;
        let refused: Vec<serde_json::Value> = r
            .refused
            .iter()
            .map(|(u, code)| serde_json::json!({"user_id": u, "error": code}))
            .collect();
        m.serialize_entry("refused", &refused)?;
        m.serialize_entry("warnings", &r.warnings)?;
        m.end()
    }
}

/// The users a plan sends, written one at a time.
struct Users<'a>(&'a PolicyReading);

impl Serialize for Users<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let plan = &self.0.plan;
        let mut seq = s.serialize_seq(None)?;
        for u in plan.users.iter().filter(|u| u.step != Step::Keep) {
            let to = plan.target(u.rule).map_or(
                TargetJson {
                    duration: None,
                    desktop_app_browser_quit: None,
                    clear: false,
                },
                TargetJson::of,
            );
            seq.serialize_element(&UserJson {
                user_id: u.user_id.to_string(),
                rule: plan.name(u.rule).to_owned(),
                from: HeldJson::of(&u.held),
                to,
                step: match u.step {
                    Step::Unknown => "unknown",
                    _ => "change",
                }
                .into(),
            })?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_holdings_round_trip() {
        let t = Target::Set(SessionSettings::new().duration("12h".parse().unwrap()));
        assert_eq!(TargetJson::of(&t).target(), Ok(t));
        assert_eq!(TargetJson::of(&Target::Clear).target(), Ok(Target::Clear));
        let bad = TargetJson {
            duration: Some(60),
            desktop_app_browser_quit: None,
            clear: false,
        };
        assert!(bad.target().is_err());
        for h in [
            Held::NONE,
            Held::NotReturned,
            Held::Settings {
                duration: Some(HeldDuration::from_secs(180)),
                quit_on_close: Some(true),
            },
        ] {
            assert_eq!(HeldJson::of(&h).held(), h);
        }
    }

    #[test]
    fn a_written_plan_reads_back() {
        use slack_sessions_core::policy::{Policy, PolicyPlan};
        use slack_sessions_core::UserId;
        let twelve = Target::Set(SessionSettings::new().duration("12h".parse().unwrap()));
        let policy = Policy::new().rule(
            "guests",
            slack_sessions_core::Selection::new().guests(),
            twelve,
        );
        let (a, b) = (UserId::new("U1").unwrap(), UserId::new("U2").unwrap());
        let plan = PolicyPlan::new(&policy, &[vec![a.clone(), b.clone()]], &[], |u| {
            if *u == a {
                Held::NotReturned
            } else {
                Held::NONE
            }
        })
        .unwrap();
        let reading = PolicyReading::new(plan, vec![Default::default()]);
        let bound = [Bound {
            path: "p.toml".into(),
            sha256: "ab".into(),
        }];
        let json = serde_json::to_vec(&PlanJson {
            policy: "p.toml",
            bound: &bound,
            reading: &reading,
        })
        .unwrap();
        let back = parse("plan", &json[..]).unwrap();
        assert_eq!(back.policy, "p.toml");
        assert_eq!(back.bound, bound);
        let users: Vec<(&str, Held, Target)> = back
            .users
            .iter()
            .map(|u| (u.user_id.as_str(), u.from.held(), u.to.target().unwrap()))
            .collect();
        assert_eq!(
            users,
            [
                ("U1", Held::NotReturned, twelve),
                ("U2", Held::NONE, twelve)
            ]
        );
        // Another shape, or a file over the bound, is refused in one line.
        let e = parse("plan", &br#"{"kind":"slack-sessions plan","schema_version":1,"policy":"p","bound":[],"users":[]}"#[..]).unwrap_err();
        assert!(e.contains("version 1): plan again"), "{e}");
        assert_eq!(e.lines().count(), 1);
    }
}
