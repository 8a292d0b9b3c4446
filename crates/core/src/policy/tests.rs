//! The plan against a plain reference: for any rules and users, each user gets the first
//! matching rule's target or the default's, and the apply sends exactly the users whose
//! settings differ (and those Slack did not return).

use std::collections::HashMap;

use proptest::prelude::*;

use super::*;
use crate::{HeldDuration, SessionDuration, SessionSettings, UserId};

fn id(i: u8) -> UserId {
    UserId::new(&format!("U{i:03}")).unwrap()
}

fn target(k: u8) -> Target {
    let twelve = SessionDuration::from_secs(43_200).unwrap();
    let day = SessionDuration::from_secs(86_400).unwrap();
    match k % 4 {
        0 => Target::Clear,
        1 => Target::Set(SessionSettings::new().duration(twelve)),
        2 => Target::Set(
            SessionSettings::new()
                .duration(day)
                .desktop_app_browser_quit(true),
        ),
        _ => Target::Set(SessionSettings::new().desktop_app_browser_quit(false)),
    }
}

fn held(k: u8) -> Held {
    match k % 5 {
        0 => Held::NONE,
        1 => Held::NotReturned,
        2 => Held::Settings {
            duration: Some(HeldDuration::from_secs(43_200)),
            quit_on_close: None,
        },
        3 => Held::Settings {
            duration: Some(HeldDuration::from_secs(86_400)),
            quit_on_close: Some(true),
        },
        _ => Held::Settings {
            duration: Some(HeldDuration::from_secs(180)),
            quit_on_close: Some(false),
        },
    }
}

/// Whether `h` already meets `t`, written out case by case.
fn meets(h: &Held, t: &Target) -> Option<bool> {
    let Held::Settings {
        duration,
        quit_on_close,
    } = h
    else {
        return None;
    };
    Some(match t {
        Target::Clear => duration.is_none() && quit_on_close.is_none(),
        Target::Set(s) => {
            (s.duration.is_none()
                || *duration
                    == s.duration
                        .map(|d| HeldDuration::from_secs(d.as_secs() as i64)))
                && (s.desktop_app_browser_quit.is_none()
                    || *quit_on_close == s.desktop_app_browser_quit)
        }
    })
}

proptest! {
    #[test]
    fn first_matching_rule_wins_and_only_differences_are_sent(
        rules in prop::collection::vec((prop::collection::vec(0u8..30, 0..12), 0u8..4), 1..5),
        default in prop::option::of(0u8..4),
        everyone in prop::collection::vec(0u8..30, 0..30),
        holds in prop::collection::vec(0u8..5, 30),
    ) {
        let mut policy = Policy::new();
        for (i, (_, t)) in rules.iter().enumerate() {
            policy = policy.rule(format!("r{i}"), Selection::new().guests(), target(*t));
        }
        if let Some(d) = default {
            policy = policy.default_target(target(d));
        }
        let matched: Vec<Vec<UserId>> = rules.iter().map(|(m, _)| m.iter().map(|&i| id(i)).collect()).collect();
        let everyone: Vec<UserId> = everyone.iter().map(|&i| id(i)).collect();
        let holds: HashMap<UserId, Held> = (0..30u8).map(|i| (id(i), held(holds[usize::from(i)]))).collect();
        let plan = PolicyPlan::new(&policy, &matched, &everyone, |u| holds[u]).unwrap();

        // The reference: each user's first rule, else the default.
        let mut want: HashMap<UserId, Target> = HashMap::new();
        for i in 0..30u8 {
            let u = id(i);
            let first = rules.iter().find(|(m, _)| m.contains(&i)).map(|(_, t)| target(*t));
            let t = first.or_else(|| default.filter(|_| everyone.contains(&u)).map(target));
            if let Some(t) = t {
                want.insert(u, t);
            }
        }
        prop_assert_eq!(plan.users.len(), want.len());
        for a in &plan.users {
            let t = want[&a.user_id];
            prop_assert_eq!(plan.target(a.rule), Some(&t));
            let step = match meets(&holds[&a.user_id], &t) {
                None => Step::Unknown,
                Some(true) => Step::Keep,
                Some(false) => Step::Change,
            };
            prop_assert_eq!(a.step, step);
        }
        // The apply sends each user that differs (or is unknown) once, with its target.
        let mut sent: HashMap<UserId, Target> = HashMap::new();
        for g in plan.groups() {
            for u in g.users {
                prop_assert!(sent.insert(u, g.target).is_none(), "a user sent twice");
            }
        }
        let differ: HashMap<UserId, Target> = want
            .iter()
            .filter(|(u, t)| meets(&holds[*u], t) != Some(true))
            .map(|(u, t)| (u.clone(), *t))
            .collect();
        prop_assert_eq!(sent, differ);
        // Equal targets share one call.
        let groups = plan.groups();
        let distinct: std::collections::HashSet<Target> = groups.iter().map(|g| g.target).collect();
        prop_assert_eq!(distinct.len(), groups.len());
    }
}

#[test]
fn a_bad_policy_is_refused() {
    let s = || Selection::new().guests();
    let twelve = Target::Set(SessionSettings::new().duration("12h".parse().unwrap()));
    let p = Policy::new()
        .rule("a", s(), twelve)
        .rule("a", s(), Target::Clear);
    assert_eq!(p.validate(), Err(PolicyError::DuplicateName("a".into())));
    let p = Policy::new().rule("a", Selection::new(), twelve);
    assert_eq!(p.validate(), Err(PolicyError::NoSelector("a".into())));
    let p = Policy::new().rule("a", s(), Target::Set(SessionSettings::new()));
    assert_eq!(p.validate(), Err(PolicyError::NoSettings("a".into())));
    let p = Policy::new().rule("a", s(), twelve);
    assert!(PolicyPlan::new(&p, &[], &[], |_| Held::NONE).is_err());
}

#[test]
fn explain_names_every_rule_that_selects_a_user() {
    let m = vec![vec![id(1)], vec![id(2)], vec![id(1), id(2)]];
    assert_eq!(explain(&m, &id(1)), [0, 2]);
    assert_eq!(explain(&m, &id(3)), Vec::<usize>::new());
}
