//! [`ResolvePlan`]: which calls a resolution makes, chosen for the least API cost, and
//! what they cost at each method's tier, said before any is made.

use std::fmt;
use std::time::Duration;

use super::selection::{Guests, Selection, LOOKUP_LIMIT};
use crate::method::{Method, Tier};
use crate::methods::admin::users::list::MAX_LIMIT as PAGE;
use crate::methods::admin::users::ListUsers;
use crate::methods::usergroups::users::{ListUsergroupUsers, UsergroupId};
use crate::methods::users::LookupByEmail;

/// One step of a [`ResolvePlan`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlannedStep {
    /// The members of a user group: one `usergroups.users.list` call.
    Usergroup(UsergroupId),
    /// Every page of one `admin.users.list` listing.
    Directory {
        /// The listing.
        listing: ListUsers,
        /// What it is for: `everyone`, `guests`, `12 emails`, …
        purpose: String,
        /// How many users it lists, when known (the directory's size, for a full
        /// listing given [`Selection::directory_size`]).
        users: Option<u64>,
    },
    /// The deactivated users, listed only if an email is still unmatched after the
    /// active ones: to tell a deactivated user's address from an unknown one.
    DeactivatedIfNeeded,
    /// One `users.lookupByEmail` call per address not already matched by a listing.
    Lookups(usize),
    /// After a listing of the directory, one `users.lookupByEmail` call per exception
    /// the listing did not match, when the listing showed someone without an email (at
    /// most [`LOOKUP_LIMIT`] of them): an exception is never missed because of the path
    /// the resolver took. One still unmatched after it refuses a run that changes
    /// anyone.
    ExceptionLookupsIfNeeded,
}

impl PlannedStep {
    /// The method the step calls.
    pub fn method(&self) -> &'static str {
        match self {
            PlannedStep::Usergroup(_) => ListUsergroupUsers::NAME,
            PlannedStep::Directory { .. } | PlannedStep::DeactivatedIfNeeded => ListUsers::NAME,
            PlannedStep::Lookups(_) | PlannedStep::ExceptionLookupsIfNeeded => LookupByEmail::NAME,
        }
    }

    /// The method's rate-limit tier.
    pub fn tier(&self) -> Tier {
        match self {
            PlannedStep::Usergroup(_) => ListUsergroupUsers::TIER,
            PlannedStep::Directory { .. } | PlannedStep::DeactivatedIfNeeded => ListUsers::TIER,
            PlannedStep::Lookups(_) | PlannedStep::ExceptionLookupsIfNeeded => LookupByEmail::TIER,
        }
    }

    /// The calls the step makes at most, when that is known before it runs.
    pub fn calls(&self) -> Option<u64> {
        match self {
            PlannedStep::Usergroup(_) => Some(1),
            PlannedStep::Directory { users, .. } => users.map(pages),
            PlannedStep::DeactivatedIfNeeded => None,
            // Only exceptions a listing missed, which is rare: no cost is known before.
            PlannedStep::ExceptionLookupsIfNeeded => Some(0),
            PlannedStep::Lookups(n) => Some(*n as u64),
        }
    }
}

/// Pages of 100 a listing of `users` takes (an empty one still takes one).
fn pages(users: u64) -> u64 {
    users.div_ceil(u64::from(PAGE)).max(1)
}

/// How long `calls` take at `tier`'s documented rate.
fn time_at(tier: Tier, calls: u64) -> Duration {
    Duration::from_secs_f64(calls as f64 * 60.0 / f64::from(tier.per_minute()))
}

/// The calls a resolution will make, in order, chosen for the least API cost:
/// - emails are looked up one by one (Tier 3, 50 a minute) when there are few, and
///   matched against the directory, listed once at 100 users a page (Tier 4, 100 pages
///   a minute), when there are many, or when the directory is listed anyway;
/// - guests, admins and owners come from listings Slack filters (`only_guests`,
///   `include_admins`, `include_owners`), unless the whole directory is listed anyway;
/// - each user group is one call (Tier 2).
///
/// ```
/// use slack_sessions_core::sansio::ResolvePlan;
/// use slack_sessions_core::{Email, Selection};
/// let few: Vec<Email> = (0..5).map(|i| format!("u{i}@example.com").parse()).collect::<Result<_, _>>()?;
/// let plan = ResolvePlan::new(&Selection::new().emails(few));
/// assert_eq!(plan.known_calls(), 5);
/// let many: Vec<Email> = (0..5_000).map(|i| format!("u{i}@example.com").parse()).collect::<Result<_, _>>()?;
/// let plan = ResolvePlan::new(&Selection::new().emails(many).directory_size(40_000));
/// assert_eq!(plan.known_calls(), 400);
/// # Ok::<(), slack_sessions_core::InvalidEmail>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvePlan {
    /// The steps, in the order they run.
    pub steps: Vec<PlannedStep>,
}

impl ResolvePlan {
    /// The cheapest plan for `selection`.
    pub fn new(selection: &Selection) -> ResolvePlan {
        let s = selection;
        let emails = distinct_emails(s);
        let with_team = |l: ListUsers| match &s.workspace {
            Some(t) => l.team(t.clone()),
            None => l,
        };
        let by_directory = emails > 0 && (s.everyone || directory_is_cheaper(s, emails));
        let mut steps: Vec<PlannedStep> = s
            .usergroups
            .iter()
            .cloned()
            .map(PlannedStep::Usergroup)
            .collect();
        if s.everyone || by_directory {
            let mut purpose = Vec::new();
            if s.everyone {
                purpose.push("everyone".to_owned());
            }
            if by_directory {
                purpose.push(count(emails, "email"));
            }
            purpose.extend(role_names(s));
            steps.push(PlannedStep::Directory {
                listing: with_team(ListUsers::new()),
                purpose: purpose.join(", "),
                users: s.directory_size,
            });
        } else {
            if let Some(g) = s.guests {
                let purpose = match g {
                    Guests::Both => "guests",
                    Guests::MultiChannel => "multi-channel guests",
                    Guests::SingleChannel => "single-channel guests",
                };
                steps.push(PlannedStep::Directory {
                    listing: with_team(ListUsers::new().only_guests()),
                    purpose: purpose.into(),
                    users: None,
                });
            }
            let roles = match (s.admins, s.owners) {
                (false, false) => None,
                (true, false) => Some((ListUsers::new().admins(), "admins")),
                (false, true) => Some((ListUsers::new().owners(), "owners")),
                (true, true) => Some((ListUsers::new().admins().owners(), "admins and owners")),
            };
            if let Some((listing, purpose)) = roles {
                steps.push(PlannedStep::Directory {
                    listing: with_team(listing),
                    purpose: purpose.into(),
                    users: None,
                });
            }
        }
        if s.deactivated {
            steps.push(PlannedStep::Directory {
                listing: with_team(ListUsers::new().deactivated()),
                purpose: "deactivated users".into(),
                users: None,
            });
        } else if by_directory {
            steps.push(PlannedStep::DeactivatedIfNeeded);
        }
        if emails > 0 && !by_directory {
            steps.push(PlannedStep::Lookups(emails));
        } else if by_directory && !s.except_emails.is_empty() {
            steps.push(PlannedStep::ExceptionLookupsIfNeeded);
        }
        ResolvePlan { steps }
    }

    /// Whether the plan lists the whole active directory.
    pub fn lists_directory(&self) -> bool {
        self.steps.iter().any(|s| {
            matches!(s, PlannedStep::Directory { listing, .. } if listing.is_every_active_user())
        })
    }

    /// The calls the plan makes that are known before it runs: every step but a listing
    /// of unknown size, which makes one call per 100 users it lists.
    pub fn known_calls(&self) -> u64 {
        self.steps.iter().filter_map(PlannedStep::calls).sum()
    }

    /// How long the known calls take at their tiers' documented rates, one step after
    /// the other.
    pub fn known_time(&self) -> Duration {
        self.steps
            .iter()
            .filter_map(|s| s.calls().map(|c| time_at(s.tier(), c)))
            .sum()
    }

    /// Whether some step's cost depends on how many users it lists.
    pub fn open_ended(&self) -> bool {
        self.steps.iter().any(|s| s.calls().is_none())
    }
}

/// The addresses to match, each once (to act on, or to leave out).
fn distinct_emails(s: &Selection) -> usize {
    let mut keys: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for e in s.emails.iter().chain(&s.except_emails) {
        keys.insert(e.key());
    }
    keys.len()
}

/// Whether listing the directory once costs less time than `emails` lookups: by the
/// tiers' rates when the directory's size is known, else beyond the lookup limit.
fn directory_is_cheaper(s: &Selection, emails: usize) -> bool {
    match (s.lookup_limit, s.directory_size) {
        (Some(limit), _) => emails > limit,
        (None, Some(size)) => {
            time_at(ListUsers::TIER, pages(size)) < time_at(LookupByEmail::TIER, emails as u64)
        }
        (None, None) => emails > LOOKUP_LIMIT,
    }
}

fn role_names(s: &Selection) -> Vec<String> {
    let mut v = Vec::new();
    if s.guests.is_some() {
        v.push("guests".into());
    }
    if s.admins {
        v.push("admins".into());
    }
    if s.owners {
        v.push("owners".into());
    }
    v
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// A duration in the largest unit that keeps it short: `40 s`, `4 min`, `2 h 5 min`.
fn short(d: Duration) -> String {
    let s = d.as_secs_f64().ceil() as u64;
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s.div_ceil(60)),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

impl fmt::Display for PlannedStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rate = format!(
            "{} a minute, Tier {}",
            self.tier().per_minute(),
            match self.tier() {
                Tier::Tier1 => 1,
                Tier::Tier2 => 2,
                Tier::Tier3 => 3,
                _ => 4,
            }
        );
        match self {
            PlannedStep::Usergroup(g) => {
                write!(f, "{} {g}: 1 call ({rate})", self.method())
            }
            PlannedStep::Directory {
                purpose, users, ..
            } => match users {
                Some(n) => {
                    let calls = pages(*n);
                    write!(
                        f,
                        "{} for {purpose}: {} of {n} users, about {} ({rate})",
                        self.method(),
                        count(calls as usize, "page"),
                        short(time_at(self.tier(), calls))
                    )
                }
                None => write!(
                    f,
                    "{} for {purpose}: 1 call per {PAGE} users listed, {} per 10,000 ({rate})",
                    self.method(),
                    short(time_at(self.tier(), 100))
                ),
            },
            PlannedStep::ExceptionLookupsIfNeeded => write!(
                f,
                "{} for each exception the listing did not match, only if there is one ({rate})",
                self.method()
            ),
            PlannedStep::DeactivatedIfNeeded => write!(
                f,
                "{} of deactivated users, only if an email is still unmatched: 1 call per {PAGE} ({rate})",
                self.method()
            ),
            PlannedStep::Lookups(n) => write!(
                f,
                "{} for {}: at most {}, about {} ({rate})",
                self.method(),
                count(*n, "email"),
                count(*n, "call"),
                short(time_at(self.tier(), *n as u64))
            ),
        }
    }
}

impl fmt::Display for ResolvePlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.steps.is_empty() {
            return f.write_str("nothing to resolve: no call");
        }
        for (i, s) in self.steps.iter().enumerate() {
            writeln!(f, "  {}. {s}", i + 1)?;
        }
        let known = self.known_calls();
        match (known, self.open_ended()) {
            (0, true) => write!(f, "  cost: 1 call per {PAGE} users listed"),
            (_, true) => write!(
                f,
                "  cost: {}, about {}, plus 1 call per {PAGE} users listed",
                count(known as usize, "call"),
                short(self.known_time())
            ),
            (_, false) => write!(
                f,
                "  cost: {}, about {}",
                count(known as usize, "call"),
                short(self.known_time())
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Email;

    fn emails(n: usize) -> Vec<Email> {
        (0..n)
            .map(|i| Email::new(&format!("u{i}@example.com")).unwrap())
            .collect()
    }

    #[test]
    fn few_emails_are_looked_up_many_are_matched_in_the_directory() {
        let p = ResolvePlan::new(&Selection::new().emails(emails(5)));
        assert_eq!(p.steps, [PlannedStep::Lookups(5)]);
        let p = ResolvePlan::new(&Selection::new().emails(emails(LOOKUP_LIMIT + 1)));
        assert!(matches!(p.steps[0], PlannedStep::Directory { .. }));
        assert_eq!(p.steps[1], PlannedStep::DeactivatedIfNeeded);
        assert!(p.open_ended());
    }

    #[test]
    fn a_known_directory_size_decides_by_cost() {
        // 40,000 users: 400 pages, 4 minutes; 150 lookups: 3 minutes.
        let p = ResolvePlan::new(&Selection::new().emails(emails(150)).directory_size(40_000));
        assert_eq!(p.steps, [PlannedStep::Lookups(150)]);
        let p = ResolvePlan::new(&Selection::new().emails(emails(250)).directory_size(40_000));
        assert_eq!(p.known_calls(), 400);
        assert_eq!(p.known_time(), Duration::from_secs(240));
    }

    #[test]
    fn everyone_lists_the_directory_once_and_serves_every_role_from_it() {
        let p = ResolvePlan::new(
            &Selection::new()
                .everyone()
                .guests()
                .admins()
                .emails(emails(3)),
        );
        let listings = p
            .steps
            .iter()
            .filter(|s| matches!(s, PlannedStep::Directory { .. }))
            .count();
        assert_eq!(listings, 1, "{p}");
        assert!(p.lists_directory());
        assert!(!p.steps.contains(&PlannedStep::Lookups(3)));
    }

    #[test]
    fn roles_use_the_filtered_listings() {
        let p = ResolvePlan::new(&Selection::new().guests().admins().owners().deactivated());
        let listings: Vec<&ListUsers> = p
            .steps
            .iter()
            .filter_map(|s| match s {
                PlannedStep::Directory { listing, .. } => Some(listing),
                _ => None,
            })
            .collect();
        assert_eq!(
            listings,
            [
                &ListUsers::new().only_guests(),
                &ListUsers::new().admins().owners(),
                &ListUsers::new().deactivated()
            ]
        );
        assert!(!p.lists_directory());
        let text = p.to_string();
        assert!(text.contains("admin.users.list for guests"), "{text}");
    }
}
