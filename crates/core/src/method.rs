//! The [`Method`] trait every Slack method implements, its [`Tier`], and how its
//! arguments and output are described to the encoder and decoder.

use crate::error::InvalidInput;
use crate::error_code::ErrorCode;
use crate::user::{UserId, UserIds};

/// Slack's rate-limit tier of a method: how many calls a minute it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Tier {
    /// 1+ call a minute.
    Tier1,
    /// 20+ calls a minute.
    Tier2,
    /// 50+ calls a minute.
    Tier3,
    /// 100+ calls a minute.
    Tier4,
}

impl Tier {
    /// The calls a minute Slack documents for the tier.
    pub fn per_minute(self) -> u32 {
        match self {
            Tier::Tier1 => 1,
            Tier::Tier2 => 20,
            Tier::Tier3 => 50,
            Tier::Tier4 => 100,
        }
    }
}

/// What keeps [`Method`] and [`Output`] for this crate's own types: how a method's
/// arguments go on the wire, where its request template is kept, and how an output
/// reads its fields. None of it is nameable outside the crate.
pub(crate) mod sealed {
    use serde::de::MapAccess;

    use crate::user::UserIds;

    /// A method's place in the endpoint's cache of request templates, generated from the
    /// one list of methods (`methods::all_methods!`), so that no two can collide.
    pub trait Slot {
        /// The place.
        const SLOT: usize;
    }

    /// How a method goes on the wire.
    pub trait Wire {
        /// The arguments to send, in order, with absent optional ones left out.
        fn args(&self) -> Args<'_>;

        /// The users whose entries the answer lists, for methods whose output is checked
        /// with [`Output::reconcile`](crate::Output::reconcile); `None` skips the check.
        fn listed_users(&self) -> Option<&UserIds> {
            None
        }
    }

    /// How an output reads the fields of an answer.
    pub trait Fields {
        /// Takes the value of `key` from `map` if this output knows the field, and says
        /// so. Returning `Ok(false)` leaves the value to be skipped.
        fn visit_field<'de, A: MapAccess<'de>>(
            &mut self,
            key: &str,
            map: &mut A,
        ) -> Result<bool, A::Error>;
    }

    /// For an output made of one list: takes the value of `key` into `slot` when `key`
    /// is `name` (`null` reads as an empty list), and says whether it did.
    pub(crate) fn one_list<'de, A: MapAccess<'de>, T: serde::Deserialize<'de>>(
        key: &str,
        name: &str,
        map: &mut A,
        slot: &mut Vec<T>,
    ) -> Result<bool, A::Error> {
        if key != name {
            return Ok(false);
        }
        *slot = map.next_value::<Option<Vec<T>>>()?.unwrap_or_default();
        Ok(true)
    }

    /// One argument's value, as the encoder sees it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[non_exhaustive]
    pub enum ArgValue<'a> {
        /// A list of users: comma-joined in a form, an array in JSON.
        Users(&'a UserIds),
        /// A string.
        Str(&'a str),
        /// A whole number.
        Int(u64),
        /// A boolean: `true`/`false` in both encodings.
        Bool(bool),
    }

    /// A named argument of a call. Absent optional arguments are simply not listed.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Arg<'a> {
        /// The name Slack expects.
        pub name: &'static str,
        /// Its value.
        pub value: ArgValue<'a>,
    }

    /// The most arguments a method has.
    pub(crate) const MAX_ARGS: usize = 6;

    /// A method's arguments, in order, held inline (no allocation per call).
    #[derive(Debug, Clone, Copy)]
    pub struct Args<'a> {
        items: [Arg<'a>; MAX_ARGS],
        len: usize,
    }

    impl<'a> Args<'a> {
        /// No arguments yet.
        pub fn new() -> Self {
            const NONE: Arg<'static> = Arg {
                name: "",
                value: ArgValue::Bool(false),
            };
            Args {
                items: [NONE; MAX_ARGS],
                len: 0,
            }
        }

        /// Adds `name` = `value`. The methods are this crate's, and none has more than
        /// [`MAX_ARGS`] arguments.
        pub fn push(&mut self, name: &'static str, value: ArgValue<'a>) {
            debug_assert!(self.len < MAX_ARGS, "more than MAX_ARGS arguments");
            if let Some(slot) = self.items.get_mut(self.len) {
                *slot = Arg { name, value };
                self.len += 1;
            }
        }

        /// `name` = `value`, when there is a value.
        pub fn push_some<T>(
            &mut self,
            name: &'static str,
            value: Option<T>,
            f: impl FnOnce(T) -> ArgValue<'a>,
        ) {
            if let Some(v) = value {
                self.push(name, f(v));
            }
        }
    }

    impl Default for Args<'_> {
        fn default() -> Self {
            Self::new()
        }
    }

    impl<'a> std::ops::Deref for Args<'a> {
        type Target = [Arg<'a>];
        fn deref(&self) -> &[Arg<'a>] {
            &self.items[..self.len]
        }
    }
}

/// The typed payload of a successful (`ok:true`) answer.
///
/// Sealed, like [`Method`]: the methods and their outputs are this crate's to add, so
/// that a new Slack method never forces a breaking change on other crates' impls.
///
/// The decoder reads the answer in one pass and offers each field that is not part of
/// Slack's envelope (`ok`, `error`, `warning`, `needed`, `provided`, `response_metadata`)
/// to the output, which takes the fields it knows.
pub trait Output: sealed::Fields + Default + Send + 'static {
    /// Checks a decoded answer against the users the call named (`asked`): drops every
    /// entry for a user not asked for, or listed twice, and names the asked users the
    /// answer left out. Outputs that list no users keep the default, which changes
    /// nothing.
    fn reconcile(&mut self, asked: &UserIds) -> Reconciled {
        let _ = asked;
        Reconciled::default()
    }
}

/// What [`Output::reconcile`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reconciled {
    /// Entries dropped: users not asked for, and repeats.
    pub dropped: usize,
    /// Users asked for that the answer left out.
    pub not_returned: Vec<UserId>,
    /// Users whose entry in the answer could not be read, each with why: they fail
    /// alone, the rest of the answer stands.
    pub failed: Vec<(UserId, String)>,
}

/// The payload of methods that answer only `{"ok": true}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Empty;

impl sealed::Fields for Empty {
    fn visit_field<'de, A: serde::de::MapAccess<'de>>(
        &mut self,
        _: &str,
        _: &mut A,
    ) -> Result<bool, A::Error> {
        Ok(false)
    }
}

impl Output for Empty {}

/// A Slack Web API method: its name, limits, arguments and typed output.
///
/// Sealed: the methods are this crate's ([`SetSettings`](crate::SetSettings),
/// [`GetSettings`](crate::GetSettings), [`ClearSettings`](crate::ClearSettings); more of
/// the `admin.users.session.*` family to come), so that their shared machinery can grow
/// without breaking anyone. Ask for a method you need in an issue.
pub trait Method: sealed::Wire + sealed::Slot {
    /// The dotted name, e.g. `admin.users.session.setSettings`.
    const NAME: &'static str;
    /// The rate-limit tier.
    const TIER: Tier;
    /// The OAuth scope the token needs.
    const SCOPE: &'static str;
    /// Whether sending the call twice has the same effect as once, so that an answer
    /// lost after Slack acted on it (`fatal_error`, a dropped connection) may be retried.
    const IDEMPOTENT: bool;
    /// The typed payload of a success.
    type Output: Output;
    /// Whether Slack takes the arguments as a JSON body. A method that does not
    /// (`users.lookupByEmail`, `usergroups.users.list`) is sent as a form whatever the
    /// endpoint's [`Encoding`](crate::Encoding).
    const JSON_BODY: bool = true;

    /// The error codes Slack's reference page documents for this method, besides
    /// [`ErrorCode::COMMON`], which every method may answer.
    const DOCUMENTED: &'static [ErrorCode];

    /// Whether Slack documents `code` for this method (its own codes, or the common
    /// ones).
    fn documents(code: &ErrorCode) -> bool {
        Self::DOCUMENTED.contains(code) || ErrorCode::COMMON.contains(code)
    }

    /// Whether `code` means "nothing to return" for this method rather than a failure:
    /// the call then succeeds with an empty output. `list` documents
    /// `no_active_sessions` for a user who has none.
    fn empty_on(code: &ErrorCode) -> bool {
        let _ = code;
        false
    }

    /// Whether `code`, answered to a retry made after an attempt whose outcome is
    /// unknown (sent, but no readable answer came), means that the earlier attempt did
    /// the work. `invalidate` answers `session_not_found` to a retry when the first try
    /// ended the session; no other method of the family has such a code (each is
    /// idempotent, or only reads). On a first attempt the code is a failure as usual.
    fn done_by_earlier_attempt(code: &ErrorCode) -> bool {
        let _ = code;
        false
    }

    /// Checks rules the types alone cannot hold; called before any request is built.
    fn validate(&self) -> Result<(), InvalidInput> {
        Ok(())
    }
}

/// Checks a team, workspace or organisation ID given as argument `name`: letters and
/// digits (`T0123ABCD`, `E0123ABCD`), so that nothing else reaches a request.
pub(crate) fn check_team(name: &'static str, team: Option<&str>) -> Result<(), InvalidInput> {
    match team {
        Some(t) if t.is_empty() || !t.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Err(InvalidInput::Setting {
                name,
                reason: "a team ID is letters and digits, e.g. T0123ABCD".into(),
            })
        }
        _ => Ok(()),
    }
}

/// A method whose single list of users can be split across many calls (see
/// [`BulkPlan`](crate::sansio::BulkPlan)).
pub trait UsersMethod: Method + Sized {
    /// Everything but the users, shared by every chunk (e.g. the settings to apply).
    type Params: Clone + Send + Sync + 'static;

    /// Checks `params` before any chunk exists.
    fn validate_params(_params: &Self::Params) -> Result<(), InvalidInput> {
        Ok(())
    }

    /// The call for `users` with `params`.
    fn for_users(users: UserIds, params: &Self::Params) -> Self;

    /// Gives the users back, consuming the call.
    fn into_users(self) -> UserIds;

    /// Folds one chunk's output into the running total.
    fn merge_output(total: &mut Self::Output, part: Self::Output);
}
