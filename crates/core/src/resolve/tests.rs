//! The resolver against a stand-in for Slack that reads the requests off the wire and
//! answers from a directory, in virtual time; and, for any directory and selection, its
//! outcome against a plain reference computation.

#![allow(clippy::disallowed_methods)] // a base instant for virtual time

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use http::{Request, Response};
use proptest::prelude::*;

use super::*;
use crate::sansio::{decode, Endpoint, Pages, PagesAction};
use crate::{Email, Error, ListUsers, RetryPolicy, Token, UserId, UsergroupId};

/// A user of the stand-in directory.
#[derive(Debug, Clone)]
struct Person {
    id: String,
    email: Option<String>,
    admin: bool,
    owner: bool,
    primary: bool,
    multi: bool,
    single: bool,
    bot: bool,
    active: bool,
}

#[derive(Debug, Clone, Default)]
struct Slack {
    people: Vec<Person>,
    groups: BTreeMap<String, Vec<String>>,
    /// The most users a page holds, whatever the limit.
    page: usize,
}

fn form(req: &Request<Vec<u8>>) -> HashMap<String, String> {
    serde_urlencoded::from_bytes(req.body()).unwrap()
}

fn json_of(p: &Person) -> serde_json::Value {
    serde_json::json!({
        "id": p.id, "email": p.email, "is_admin": p.admin, "is_owner": p.owner,
        "is_primary_owner": p.primary, "is_restricted": p.multi || p.single,
        "is_ultra_restricted": p.single, "is_bot": p.bot, "is_active": p.active,
    })
}

impl Slack {
    fn serve(&self, req: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        let f = form(req);
        let yes = |k: &str| f.get(k).map(String::as_str) == Some("true");
        let body = match req.uri().path().rsplit('/').next().unwrap() {
            "admin.users.list" => {
                let active = f.get("is_active").map(String::as_str) != Some("false");
                let (guests, admins, owners) = (
                    yes("only_guests"),
                    yes("include_admins"),
                    yes("include_owners"),
                );
                let listed: Vec<&Person> = self
                    .people
                    .iter()
                    .filter(|p| p.active == active)
                    .filter(|p| !guests || p.multi || p.single)
                    .filter(|p| match (admins, owners) {
                        (false, false) => true,
                        (true, false) => p.admin && !p.owner,
                        (false, true) => p.owner,
                        (true, true) => p.admin || p.owner,
                    })
                    .collect();
                let from: usize = f.get("cursor").map_or(0, |c| c.parse().unwrap());
                let to = (from + self.page).min(listed.len());
                let next = if to < listed.len() {
                    to.to_string()
                } else {
                    String::new()
                };
                serde_json::json!({
                    "ok": true,
                    "users": listed[from..to].iter().map(|p| json_of(p)).collect::<Vec<_>>(),
                    "response_metadata": {"next_cursor": next},
                })
            }
            "users.lookupByEmail" => {
                let want = f["email"].to_lowercase();
                match self.people.iter().find(|p| {
                    p.active && p.email.as_deref().map(str::to_lowercase) == Some(want.clone())
                }) {
                    Some(p) => serde_json::json!({"ok": true, "user": {
                        "id": p.id, "deleted": false, "profile": {"email": p.email},
                        "is_admin": p.admin, "is_owner": p.owner, "is_primary_owner": p.primary,
                        "is_restricted": p.multi || p.single, "is_ultra_restricted": p.single,
                        "is_bot": p.bot,
                    }}),
                    None => serde_json::json!({"ok": false, "error": "users_not_found"}),
                }
            }
            "usergroups.users.list" => match self.groups.get(&f["usergroup"]) {
                Some(m) => serde_json::json!({"ok": true, "users": m}),
                None => serde_json::json!({"ok": false, "error": "no_such_subteam"}),
            },
            other => panic!("{other}"),
        };
        Response::new(body.to_string().into_bytes())
    }

    /// Drives a resolver over this directory; the outcome and the requests made.
    fn resolve(&self, selection: Selection) -> (Result<Resolution, ResolveStop>, u64) {
        let ep = Endpoint::new(Token::new("xoxp-1").unwrap());
        let mut r = Resolver::new(selection).unwrap();
        let now = Instant::now();
        let mut requests = 0;
        loop {
            match r.next_step() {
                ResolveStep::List(listing) => {
                    let mut pages = Pages::new(&ep, listing, RetryPolicy::default()).unwrap();
                    loop {
                        pages = match pages.poll(now) {
                            PagesAction::Send(flight, req) => {
                                requests += 1;
                                flight.handle(now, Ok(self.serve(&req)))
                            }
                            PagesAction::WaitUntil(p, _) => p,
                            PagesAction::Page(p, users) => {
                                users.into_iter().for_each(|u| r.entry(u));
                                p
                            }
                            PagesAction::Done(end) => {
                                match end {
                                    Ok(done) => r.listed(done.pages, Ok(())),
                                    Err(stop) => r.listed(stop.done.pages, Err(stop.error)),
                                }
                                break;
                            }
                        }
                    }
                }
                ResolveStep::Lookup(call) => {
                    requests += 1;
                    let resp = self.serve(&ep.encode(&call).unwrap());
                    r.looked_up(decode::<crate::LookupByEmail, _>(resp).map_err(Error::Call));
                }
                ResolveStep::Usergroup(call) => {
                    requests += 1;
                    let resp = self.serve(&ep.encode(&call).unwrap());
                    r.usergroup_listed(
                        decode::<crate::ListUsergroupUsers, _>(resp).map_err(Error::Call),
                    );
                }
                ResolveStep::Done => return (r.finish(), requests),
            }
        }
    }
}

/// What the selection names, in plain terms, for the reference.
#[derive(Debug, Clone, Default)]
struct Ask {
    ids: Vec<String>,
    emails: Vec<String>,
    guests: Option<Guests>,
    admins: bool,
    owners: bool,
    deactivated: bool,
    everyone: bool,
    groups: Vec<String>,
    except_ids: Vec<String>,
    except_emails: Vec<String>,
    /// Matched in the directory (`true`) or by lookups.
    directory: bool,
}

impl Ask {
    fn selection(&self) -> Selection {
        let mut s = Selection::new()
            .ids(self.ids.iter().map(|i| UserId::new(i).unwrap()))
            .emails(self.emails.iter().map(|e| Email::new(e).unwrap()))
            .except_ids(self.except_ids.iter().map(|i| UserId::new(i).unwrap()))
            .except_emails(self.except_emails.iter().map(|e| Email::new(e).unwrap()))
            .lookup_limit(if self.directory { 0 } else { usize::MAX });
        if let Some(g) = self.guests {
            s = s.guests_of(g);
        }
        if self.admins {
            s = s.admins();
        }
        if self.owners {
            s = s.owners();
        }
        if self.deactivated {
            s = s.deactivated();
        }
        if self.everyone {
            s = s.everyone();
        }
        for g in &self.groups {
            s = s.usergroup(UsergroupId::new(g).unwrap());
        }
        s
    }
}

/// The reference: who is selected, and each unmatched input's reason and whether it was
/// an exception, computed plainly from the directory.
fn reference(
    slack: &Slack,
    ask: &Ask,
) -> (BTreeSet<String>, BTreeSet<(String, &'static str, bool)>) {
    let mut chosen: BTreeSet<String> = ask.ids.iter().cloned().collect();
    let mut unmatched = BTreeSet::new();
    for p in slack.people.iter().filter(|p| !p.bot) {
        let guest = match ask.guests {
            None => false,
            Some(Guests::Both) => p.multi || p.single,
            Some(Guests::MultiChannel) => p.multi,
            Some(Guests::SingleChannel) => p.single,
        };
        let role = (ask.admins && p.admin && !p.owner) || (ask.owners && p.owner);
        if (p.active && (ask.everyone || guest || role)) || (!p.active && ask.deactivated) {
            chosen.insert(p.id.clone());
        }
    }
    for g in &ask.groups {
        match slack.groups.get(g) {
            None => {
                unmatched.insert((g.clone(), "usergroup_not_found", false));
            }
            Some(m) if m.is_empty() => {
                unmatched.insert((g.clone(), "usergroup_empty", false));
            }
            Some(m) => chosen.extend(m.iter().cloned()),
        }
    }
    // Deactivated users are seen only by a listing of them: when the emails are matched
    // in the directory (as they are whenever everyone is listed), or all are asked for.
    let sees_deactivated = ask.directory || ask.everyone || ask.deactivated;
    let owner_of = |e: &str| {
        slack.people.iter().find(|p| {
            p.email.as_deref().map(str::to_lowercase) == Some(e.to_lowercase())
                && (p.active || sees_deactivated)
        })
    };
    let not_found = if sees_deactivated {
        "email_not_found"
    } else {
        "email_not_found_or_deactivated"
    };
    let mut removed: BTreeSet<String> = ask.except_ids.iter().cloned().collect();
    // Each address once, as first given, with whether it is asked for and excepted.
    let mut distinct: Vec<(String, bool, bool)> = Vec::new();
    for (e, except) in ask
        .emails
        .iter()
        .map(|e| (e, false))
        .chain(ask.except_emails.iter().map(|e| (e, true)))
    {
        match distinct
            .iter_mut()
            .find(|(x, _, _)| x.to_lowercase() == e.to_lowercase())
        {
            Some(d) if except => d.2 = true,
            Some(d) => d.1 = true,
            None => distinct.push((e.clone(), !except, except)),
        }
    }
    for (e, include, except) in distinct {
        match owner_of(&e) {
            Some(p) if except => {
                removed.insert(p.id.clone());
            }
            None => {
                unmatched.insert((e, not_found, except && !include));
            }
            Some(p) if p.bot => {
                unmatched.insert((e, "bot", false));
            }
            Some(p) if !p.active => {
                unmatched.insert((e, "deactivated", false));
            }
            Some(p) => {
                chosen.insert(p.id.clone());
            }
        }
    }
    chosen.retain(|id| !removed.contains(id));
    (chosen, unmatched)
}

fn person() -> impl Strategy<Value = (Option<bool>, u8, bool, bool)> {
    // (email: none / lower / upper case, role, bot, active)
    (
        prop::option::weighted(0.9, any::<bool>()),
        0u8..6,
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.8),
    )
}

fn directory() -> impl Strategy<Value = Slack> {
    (
        prop::collection::vec(person(), 0..40),
        prop::collection::vec(prop::collection::vec(0u32..50, 0..6), 0..3),
        1usize..9,
    )
        .prop_map(|(people, groups, page)| {
            let people = people
                .into_iter()
                .enumerate()
                .map(|(i, (email, role, bot, active))| Person {
                    id: format!("U{i:08}"),
                    email: email.map(|upper| {
                        let e = format!("user{i}@example.com");
                        if upper {
                            e.to_uppercase()
                        } else {
                            e
                        }
                    }),
                    admin: role == 1 || role == 2 || role == 3,
                    owner: role == 2 || role == 3,
                    primary: role == 3,
                    multi: role == 4,
                    single: role == 5,
                    bot,
                    active,
                })
                .collect();
            let groups = groups
                .into_iter()
                .enumerate()
                .map(|(g, m)| {
                    (
                        format!("S{g}"),
                        m.into_iter().map(|i| format!("U{i:08}")).collect(),
                    )
                })
                .collect();
            Slack {
                people,
                groups,
                page,
            }
        })
}

fn ask() -> impl Strategy<Value = Ask> {
    let some_ids = prop::collection::vec(0u32..50, 0..4);
    let some_emails = prop::collection::vec((0u32..50, any::<bool>()), 0..6);
    let email = |(i, upper): (u32, bool)| {
        let e = format!("user{i}@example.com");
        if upper {
            e.to_uppercase()
        } else {
            e
        }
    };
    (
        (
            some_ids.clone(),
            some_emails.clone(),
            prop::option::of(0u8..3),
        ),
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            prop::bool::weighted(0.2),
        ),
        (
            prop::collection::vec(0u8..4, 0..3),
            some_ids,
            some_emails,
            any::<bool>(),
        ),
    )
        .prop_map(
            move |(
                (ids, emails, guests),
                (admins, owners, deactivated, everyone),
                (groups, xids, xemails, directory),
            )| Ask {
                ids: ids.into_iter().map(|i| format!("U{i:08}")).collect(),
                emails: emails.into_iter().map(email).collect(),
                guests: guests.map(|g| {
                    [Guests::Both, Guests::MultiChannel, Guests::SingleChannel][usize::from(g)]
                }),
                admins,
                owners,
                deactivated,
                everyone,
                groups: groups.into_iter().map(|g| format!("S{g}")).collect(),
                except_ids: xids.into_iter().map(|i| format!("U{i:08}")).collect(),
                except_emails: xemails.into_iter().map(email).collect(),
                directory,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// For any directory and any selectors, the resolution equals the reference.
    #[test]
    fn resolution_equals_the_reference(slack in directory(), ask in ask()) {
        let selection = ask.selection();
        prop_assume!(!selection.is_empty());
        let (got, _) = slack.resolve(selection);
        let got = got.unwrap();
        let (want, want_unmatched) = reference(&slack, &ask);
        let ids: Vec<String> = got.users.iter().map(|u| u.user_id.as_str().to_owned()).collect();
        let set: BTreeSet<String> = ids.iter().cloned().collect();
        prop_assert_eq!(set.len(), ids.len(), "a user selected twice");
        prop_assert_eq!(set, want);
        let unmatched: BTreeSet<(String, &'static str, bool)> = got
            .unmatched
            .iter()
            .map(|u| (u.input.clone(), u.reason.code(), u.exception))
            .collect();
        prop_assert_eq!(unmatched, want_unmatched);
    }
}

fn people(n: usize) -> Slack {
    Slack {
        people: (0..n)
            .map(|i| Person {
                id: format!("U{i:08}"),
                email: Some(format!("user{i}@example.com")),
                admin: i % 10 == 1,
                owner: false,
                primary: false,
                multi: i % 10 == 2,
                single: i % 10 == 3,
                bot: i % 10 == 4,
                active: i % 10 != 5,
            })
            .collect(),
        groups: BTreeMap::new(),
        page: 100,
    }
}

fn emails(range: std::ops::Range<usize>) -> Vec<Email> {
    range
        .map(|i| Email::new(&format!("User{i}@Example.com")).unwrap())
        .collect()
}

#[test]
fn many_emails_cost_the_directory_once_few_cost_a_lookup_each() {
    let slack = people(1_000);
    let (r, requests) = slack.resolve(Selection::new().emails(emails(0..500)));
    let r = r.unwrap();
    // 900 active users: 9 pages; 100 deactivated: 1 more, for the 50 unmatched emails
    // (every tenth is deactivated).
    assert_eq!((requests, r.calls), (10, 10));
    assert_eq!(r.users.len(), 400);
    let (r, requests) = slack.resolve(Selection::new().emails(emails(0..5)));
    assert_eq!(requests, 5);
    let r = r.unwrap();
    assert_eq!(r.users.len(), 4, "{r:?}");
    assert_eq!(r.unmatched[0].reason, UnmatchedReason::Bot);
}

#[test]
fn reasons_name_each_input_and_kinds_come_from_the_directory() {
    let slack = people(20);
    let mut picked = emails(0..10);
    picked.push(Email::new("nobody@example.com").unwrap());
    let (r, _) = slack.resolve(Selection::new().emails(picked).lookup_limit(0));
    let r = r.unwrap();
    let reasons: Vec<(&str, &str)> = r
        .unmatched
        .iter()
        .map(|u| (u.input.as_str(), u.reason.code()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("User4@Example.com", "bot"),
            ("User5@Example.com", "deactivated"),
            ("nobody@example.com", "email_not_found")
        ]
    );
    let kinds: Vec<Kind> = r.users.iter().map(|u| u.kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::Member,
            Kind::Admin,
            Kind::MultiChannelGuest,
            Kind::SingleChannelGuest,
            Kind::Member,
            Kind::Member,
            Kind::Member,
            Kind::Member
        ]
    );
}

#[test]
fn an_address_two_users_share_chooses_neither() {
    let mut slack = people(3);
    slack.people[2].email = Some("USER0@example.com".into());
    let (r, _) = slack.resolve(Selection::new().emails(emails(0..1)).lookup_limit(0));
    let r = r.unwrap();
    assert!(r.users.is_empty());
    assert_eq!(r.unmatched[0].reason, UnmatchedReason::Ambiguous);
    // As an exception, it leaves out both.
    let (r, _) = slack.resolve(
        Selection::new()
            .everyone()
            .except_emails(emails(0..1))
            .lookup_limit(0),
    );
    let r = r.unwrap();
    let ids: Vec<&str> = r.users.iter().map(|u| u.user_id.as_str()).collect();
    assert_eq!(ids, ["U00000001"]);
}

#[test]
fn an_error_or_a_cancel_stops_the_resolution_and_selects_nobody() {
    let ep_answer =
        |_: &Request<Vec<u8>>| Response::new(br#"{"ok":false,"error":"not_an_admin"}"#.to_vec());
    let mut r = Resolver::new(Selection::new().guests()).unwrap();
    let ResolveStep::List(listing) = r.next_step() else {
        panic!()
    };
    let ep = Endpoint::new(Token::new("xoxp-1").unwrap());
    let resp = ep_answer(&ep.encode(&listing).unwrap());
    let err = decode::<ListUsers, _>(resp)
        .map_err(Error::Call)
        .unwrap_err();
    r.listed(0, Err(err));
    assert!(matches!(r.next_step(), ResolveStep::Done));
    let stop = r.finish().unwrap_err();
    assert!(
        stop.to_string().contains("admin.users.list (guests)"),
        "{stop}"
    );
    assert_eq!(stop.error.unwrap().short_code(), "not_an_admin");
    let mut r = Resolver::new(Selection::new().guests()).unwrap();
    let _ = r.next_step();
    r.cancel();
    assert!(matches!(r.next_step(), ResolveStep::Done));
    let stop = r.finish().unwrap_err();
    assert!(stop.to_string().ends_with("cancelled"), "{stop}");
    assert!(stop.error.is_none());
    // Cancelled between two steps: the stop names the step it came after.
    let s = Selection::new()
        .guests()
        .usergroup("S00000001".parse().unwrap());
    let mut r = Resolver::new(s).unwrap();
    assert!(matches!(r.next_step(), ResolveStep::Usergroup(_)));
    let body = br#"{"ok":true,"users":["U1"]}"#.to_vec();
    r.usergroup_listed(
        decode::<crate::ListUsergroupUsers, _>(Response::new(body)).map_err(Error::Call),
    );
    r.cancel();
    let stop = r.finish().unwrap_err();
    assert_eq!(
        stop.to_string(),
        "resolving users stopped at the end of usergroups.users.list (S00000001) after 1 call: cancelled"
    );
}

#[test]
fn a_selection_of_nobody_is_refused() {
    assert!(Resolver::new(Selection::new()).is_err());
    assert!(Resolver::new(Selection::new().except_ids([UserId::new("U1").unwrap()])).is_err());
}

/// A directory entry, as a listing or a lookup would decode it.
fn entry(v: serde_json::Value) -> crate::DirectoryUser {
    serde_json::from_value(v).unwrap()
}

/// A lookup's answer, decoded from Slack's body.
fn lookup_answer(
    user: serde_json::Value,
) -> Result<crate::Reply<crate::LookupByEmailOutput>, Error> {
    let body = serde_json::json!({"ok": true, "user": user}).to_string();
    crate::sansio::decode::<crate::LookupByEmail, _>(Response::new(body.into_bytes()))
        .map_err(Error::Call)
}

fn member(id: &str, email: Option<&str>, active: bool) -> serde_json::Value {
    serde_json::json!({
        "id": id, "email": email, "is_admin": false, "is_owner": false,
        "is_primary_owner": false, "is_restricted": false, "is_ultra_restricted": false,
        "is_bot": false, "is_active": active,
    })
}

/// Drives `r` by hand: each listing gets the users `listing` gives for it (by whether
/// it lists deactivated users), each lookup the answer `lookup` gives for the address.
fn drive(
    mut r: Resolver,
    listing: impl Fn(bool) -> Vec<serde_json::Value>,
    lookup: impl Fn(&str) -> serde_json::Value,
) -> (Resolution, Vec<String>) {
    let mut asked = Vec::new();
    loop {
        match r.next_step() {
            ResolveStep::List(l) => {
                for u in listing(l.is_deactivated()) {
                    r.user(entry(u));
                }
                r.listed(1, Ok(()));
            }
            ResolveStep::Lookup(call) => {
                asked.push(call.email().as_str().to_owned());
                r.looked_up(lookup_answer(lookup(call.email().as_str())));
            }
            ResolveStep::Done => break,
            other => panic!("{other:?}"),
        }
    }
    (r.finish().unwrap(), asked)
}

fn lookup_user(id: &str, email: &str, team: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "id": id, "deleted": false, "profile": {"email": email}, "is_bot": false,
        "team_id": team,
    })
}

#[test]
fn a_lookup_answering_another_address_selects_nobody() {
    let alice: Email = "alice@example.com".parse().unwrap();
    let r = Resolver::new(Selection::new().emails([alice])).unwrap();
    let (found, _) = drive(
        r,
        |_| vec![],
        |_| lookup_user("U2", "mallory@example.com", None),
    );
    assert!(found.users.is_empty(), "{:?}", found.users);
    assert_eq!(found.unmatched[0].reason, UnmatchedReason::LookupMismatch);
    // The same address in another case is the same address.
    let r = Resolver::new(Selection::new().emails(["alice@example.com".parse().unwrap()])).unwrap();
    let (found, _) = drive(
        r,
        |_| vec![],
        |_| lookup_user("U1", "Alice@Example.COM", None),
    );
    assert_eq!(found.users[0].user_id.as_str(), "U1");
}

#[test]
fn a_workspace_limits_lookups_as_it_limits_listings() {
    let s = || {
        Selection::new()
            .emails(["ada@example.com".parse().unwrap()])
            .workspace("T00000001")
    };
    for (team, selected) in [
        (Some("T00000001"), true),
        (Some("T00000009"), false),
        (None, false),
    ] {
        let (found, _) = drive(
            Resolver::new(s()).unwrap(),
            |_| vec![],
            |e| lookup_user("U1", e, team),
        );
        assert_eq!(!found.users.is_empty(), selected, "{team:?}");
        if !selected {
            assert_eq!(found.unmatched[0].reason, UnmatchedReason::OutsideWorkspace);
        }
    }
    // An enterprise user's workspaces count too.
    let (found, _) = drive(
        Resolver::new(s()).unwrap(),
        |_| vec![],
        |e| {
            serde_json::json!({"id": "U1", "profile": {"email": e}, "is_bot": false,
                "team_id": "T00000009", "enterprise_user": {"teams": ["T00000009", "T00000001"]}})
        },
    );
    assert_eq!(found.users.len(), 1);
    // A listing entry that names other workspaces only is not selected.
    let r = Resolver::new(Selection::new().everyone().workspace("T00000001")).unwrap();
    let (found, _) = drive(
        r,
        |_| {
            let mut v = member("U7", None, true);
            v["workspaces"] = serde_json::json!(["T00000009"]);
            vec![member("U1", None, true), v]
        },
        |_| unreachable!(),
    );
    let ids: Vec<&str> = found.users.iter().map(|u| u.user_id.as_str()).collect();
    assert_eq!(ids, ["U1"]);
    assert_eq!(found.unmatched[0].input, "U7");
}

#[test]
fn an_entry_contradicting_its_listing_is_never_selected() {
    // Everyone, and an address nobody active has: the deactivated users are listed,
    // and one of them says it is active.
    let s = Selection::new()
        .everyone()
        .emails(["gone@example.com".parse().unwrap()])
        .lookup_limit(0);
    let (found, _) = drive(
        Resolver::new(s).unwrap(),
        |deactivated| {
            if deactivated {
                vec![member("U9", Some("x@example.com"), true)]
            } else {
                vec![member("U1", None, true), member("U8", None, false)]
            }
        },
        |_| unreachable!(),
    );
    let ids: Vec<&str> = found.users.iter().map(|u| u.user_id.as_str()).collect();
    assert_eq!(ids, ["U1"]);
    let named: Vec<(&str, UnmatchedReason)> = found
        .unmatched
        .iter()
        .map(|u| (u.input.as_str(), u.reason))
        .collect();
    assert!(
        named.contains(&("U9", UnmatchedReason::Contradictory)),
        "{named:?}"
    );
    assert!(
        named.contains(&("U8", UnmatchedReason::Contradictory)),
        "{named:?}"
    );
}

#[test]
fn an_exception_the_listing_missed_is_looked_up() {
    // The listing shows the CEO without an email: the exception is looked up.
    let s = Selection::new()
        .everyone()
        .except_emails(["ceo@example.com".parse().unwrap()]);
    let plan = ResolvePlan::new(&s);
    assert!(plan.steps.contains(&PlannedStep::ExceptionLookupsIfNeeded));
    let (found, asked) = drive(
        Resolver::new(s).unwrap(),
        |deactivated| {
            if deactivated {
                vec![]
            } else {
                vec![member("U1", None, true), member("U5", None, true)]
            }
        },
        |e| lookup_user("U5", e, None),
    );
    assert_eq!(asked, ["ceo@example.com"]);
    let ids: Vec<&str> = found.users.iter().map(|u| u.user_id.as_str()).collect();
    assert_eq!(ids, ["U1"]);
    assert_eq!(found.excepted, 1);
    // Found in the listing: no lookup.
    let s = Selection::new()
        .everyone()
        .except_emails(["ceo@example.com".parse().unwrap()]);
    let (found, asked) = drive(
        Resolver::new(s).unwrap(),
        |_| {
            vec![
                member("U1", None, true),
                member("U5", Some("CEO@example.com"), true),
            ]
        },
        |_| unreachable!(),
    );
    assert!(asked.is_empty());
    assert_eq!(found.users.len(), 1);
    // Not found, and everyone listed had an email: a lookup could find nobody more, so
    // none is made; the exception is unmatched.
    let s = Selection::new()
        .everyone()
        .except_emails(["typo@example.com".parse().unwrap()]);
    let (found, asked) = drive(
        Resolver::new(s).unwrap(),
        |deactivated| {
            if deactivated {
                vec![]
            } else {
                vec![member("U1", Some("u1@example.com"), true)]
            }
        },
        |_| unreachable!(),
    );
    assert!(asked.is_empty());
    assert!(found.unmatched[0].exception, "{:?}", found.unmatched);
}

/// Lookups refused for the token's kind (`enterprise_is_restricted`, or `missing_scope`
/// for `users:read.email`): the emails left are matched against the directory, the same
/// users are found, and the resolution says why.
#[test]
fn lookups_refused_for_the_token_fall_back_to_the_directory() {
    for refusal in [
        r#"{"ok":false,"error":"enterprise_is_restricted"}"#,
        r#"{"ok":false,"error":"missing_scope","needed":"users:read.email","provided":"admin.users:read"}"#,
    ] {
        let s = Selection::new()
            .emails([
                "u1@example.com".parse().unwrap(),
                "u2@example.com".parse().unwrap(),
            ])
            .except_emails(["u3@example.com".parse().unwrap()])
            .workspace("T00000001");
        let mut r = Resolver::new(s).unwrap();
        let mut listings = Vec::new();
        let mut lookups = 0;
        loop {
            match r.next_step() {
                ResolveStep::Lookup(_) => {
                    lookups += 1;
                    let reply = crate::sansio::decode::<crate::LookupByEmail, _>(Response::new(
                        refusal.as_bytes().to_vec(),
                    ))
                    .map_err(Error::Call);
                    r.looked_up(reply);
                }
                ResolveStep::List(l) => {
                    listings.push((l.is_deactivated(), l.team_id().map(str::to_owned)));
                    if !l.is_deactivated() {
                        for (id, email) in [
                            ("U1", "u1@example.com"),
                            ("U2", "U2@example.com"),
                            ("U3", "u3@example.com"),
                            ("U4", "u4@example.com"),
                        ] {
                            r.user(entry(member(id, Some(email), true)));
                        }
                    }
                    r.listed(1, Ok(()));
                }
                ResolveStep::Done => break,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(lookups, 1, "no lookup after the refusal");
        assert_eq!(
            listings,
            [(false, Some("T00000001".to_owned()))],
            "one listing, in the workspace"
        );
        assert!(r.lookups_refused_with().is_some());
        let found = r.finish().unwrap();
        let ids: Vec<&str> = found.users.iter().map(|u| u.user_id.as_str()).collect();
        assert_eq!(ids, ["U1", "U2"]);
        assert!(found.unmatched.is_empty(), "{:?}", found.unmatched);
        assert!(found.lookups_refused.is_some());
    }
}

/// One unreadable entry of a listing is named with why, and never selected; the page's
/// other users are; Slackbot is never selected by everyone.
#[test]
fn an_unreadable_entry_is_named_and_slackbot_is_no_person() {
    let body = serde_json::json!({"ok": true, "users": [
        member("U1", None, true),
        {"id": "U2", "is_admin": null, "is_owner": false, "is_primary_owner": false,
         "is_restricted": false, "is_ultra_restricted": false, "is_bot": false},
        {"id": "B3", "is_admin": false, "is_owner": false, "is_primary_owner": false,
         "is_restricted": false, "is_ultra_restricted": false, "is_bot": "false"},
        member("USLACKBOT", None, true),
    ]});
    let out = crate::sansio::decode::<ListUsers, _>(Response::new(body.to_string().into_bytes()))
        .unwrap()
        .output;
    assert_eq!(out.users.len(), 2);
    assert_eq!(out.unreadable.len(), 2);
    let mut r = Resolver::new(
        Selection::new()
            .everyone()
            .ids([UserId::new("U2").unwrap()]),
    )
    .unwrap();
    let ResolveStep::List(_) = r.next_step() else {
        panic!()
    };
    for e in <ListUsers as crate::sansio::Paged>::items(out) {
        r.entry(e);
    }
    r.listed(1, Ok(()));
    assert!(matches!(r.next_step(), ResolveStep::Done));
    let found = r.finish().unwrap();
    let ids: Vec<&str> = found.users.iter().map(|u| u.user_id.as_str()).collect();
    assert_eq!(
        ids,
        ["U1"],
        "U2 named by ID, but its entry could not be read"
    );
    let named: Vec<(&str, UnmatchedReason, bool)> = found
        .unmatched
        .iter()
        .map(|u| (u.input.as_str(), u.reason, u.detail.is_some()))
        .collect();
    assert_eq!(
        named,
        [
            ("U2", UnmatchedReason::Unreadable, true),
            ("B3", UnmatchedReason::Unreadable, true)
        ]
    );
    assert_eq!(found.bots_left_out, 1, "Slackbot");
}
