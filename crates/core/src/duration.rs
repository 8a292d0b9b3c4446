//! [`SessionDuration`]: how long a Slack session may last, 8 hours to 10 years.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Seconds in the units `SessionDuration` parses and prints, longest first.
/// A year is a Gregorian year (365.2425 days), so that `10y` is exactly Slack's maximum.
const UNITS: [(char, u64); 6] = [
    ('y', 31_556_952),
    ('w', 604_800),
    ('d', 86_400),
    ('h', 3_600),
    ('m', 60),
    ('s', 1),
];

/// Why a duration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidDuration {
    /// The text is not a number with an optional unit.
    #[error("cannot parse duration {0:?}: expected seconds or a number with a unit s, m, h, d, w or y (e.g. 86400, 8h, 30d)")]
    Unparsable(String),
    /// Below Slack's minimum of 8 hours.
    #[error("duration of {0} seconds is below the minimum of 28800 (8h)")]
    TooShort(u64),
    /// Above Slack's maximum of 10 years.
    #[error("duration of {0} seconds is above the maximum of 315569520 (10y)")]
    TooLong(u64),
}

/// A session length Slack accepts: 28,800 to 315,569,520 whole seconds.
///
/// Parses plain seconds or one number with a unit (`s`, `m`, `h`, `d`, `w`, `y`);
/// `Display` prints the shortest exact form.
///
/// ```
/// use slack_sessions_core::SessionDuration;
/// let d: SessionDuration = "30d".parse().unwrap();
/// assert_eq!(d.as_secs(), 2_592_000);
/// assert_eq!("86400".parse::<SessionDuration>().unwrap().to_string(), "1d");
/// assert_eq!(SessionDuration::MAX.to_string(), "10y");
/// assert!("7h".parse::<SessionDuration>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionDuration(u32);

impl SessionDuration {
    /// The shortest session Slack allows: 8 hours.
    pub const MIN: SessionDuration = SessionDuration(28_800);
    /// The longest session Slack allows: 10 Gregorian years.
    pub const MAX: SessionDuration = SessionDuration(315_569_520);

    /// A duration of `secs` seconds, if Slack accepts it.
    pub fn from_secs(secs: u64) -> Result<Self, InvalidDuration> {
        if secs < u64::from(Self::MIN.0) {
            Err(InvalidDuration::TooShort(secs))
        } else if secs > u64::from(Self::MAX.0) {
            Err(InvalidDuration::TooLong(secs))
        } else {
            // In range, so it fits in u32.
            Ok(SessionDuration(secs as u32))
        }
    }

    /// The length in seconds.
    pub fn as_secs(self) -> u64 {
        u64::from(self.0)
    }
}

impl TryFrom<Duration> for SessionDuration {
    type Error = InvalidDuration;
    /// Whole seconds only; a fractional part is refused rather than rounded.
    fn try_from(d: Duration) -> Result<Self, Self::Error> {
        if d.subsec_nanos() != 0 {
            return Err(InvalidDuration::Unparsable(format!("{d:?}")));
        }
        SessionDuration::from_secs(d.as_secs())
    }
}

impl From<SessionDuration> for Duration {
    fn from(d: SessionDuration) -> Duration {
        Duration::from_secs(d.as_secs())
    }
}

impl FromStr for SessionDuration {
    type Err = InvalidDuration;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidDuration::Unparsable(text.to_owned());
        let s = text.trim();
        let (digits, unit) = match s.char_indices().last() {
            Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], Some(c.to_ascii_lowercase())),
            Some(_) => (s, None),
            None => return Err(bad()),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n: u64 = digits.parse().map_err(|_| bad())?;
        let mult = match unit {
            None => 1,
            Some(u) => UNITS
                .iter()
                .find(|(c, _)| *c == u)
                .map(|(_, m)| *m)
                .ok_or_else(bad)?,
        };
        let secs = n
            .checked_mul(mult)
            .ok_or(InvalidDuration::TooLong(u64::MAX))?;
        SessionDuration::from_secs(secs)
    }
}

impl fmt::Display for SessionDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.as_secs();
        // The largest unit that divides exactly gives the shortest exact form.
        for (unit, mult) in UNITS {
            if secs % mult == 0 {
                return write!(f, "{}{unit}", secs / mult);
            }
        }
        // Seconds divide everything, so the loop always returns; this line is a formality.
        write!(f, "{secs}s")
    }
}

/// A session length as Slack reports it held: any whole number of seconds, unbounded.
///
/// Slack documents getSettings' `duration` as "integer or null" with no bounds, and
/// setSettings' own schema allows 180 seconds where its text says 28,800: what an
/// organisation holds may be outside what this client lets you write. Reading keeps it
/// as it is; writing it back goes through [`SessionDuration::try_from`], which refuses
/// what Slack would refuse.
///
/// ```
/// use slack_sessions_core::{HeldDuration, SessionDuration};
/// let held = HeldDuration::from_secs(180);
/// assert_eq!(held.to_string(), "3m");
/// assert!(SessionDuration::try_from(held).is_err());
/// assert_eq!(SessionDuration::try_from(HeldDuration::from_secs(28_800)).map(|d| d.as_secs()), Ok(28_800));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct HeldDuration(i64);

impl HeldDuration {
    /// `secs` seconds, as Slack reported them.
    pub fn from_secs(secs: i64) -> Self {
        HeldDuration(secs)
    }

    /// The seconds, as Slack reported them.
    pub fn as_secs(self) -> i64 {
        self.0
    }
}

impl From<SessionDuration> for HeldDuration {
    fn from(d: SessionDuration) -> Self {
        HeldDuration(i64::from(d.0))
    }
}

impl TryFrom<HeldDuration> for SessionDuration {
    type Error = InvalidDuration;
    /// The same length, if Slack accepts it for writing (8 h to 10 y).
    fn try_from(d: HeldDuration) -> Result<Self, InvalidDuration> {
        match u64::try_from(d.0) {
            Ok(secs) => SessionDuration::from_secs(secs),
            Err(_) => Err(InvalidDuration::TooShort(0)),
        }
    }
}

impl fmt::Display for HeldDuration {
    /// The shortest exact form, as for [`SessionDuration`] (`3m`, `12h`), or plain
    /// seconds for zero and negative values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(secs) = u64::try_from(self.0) else {
            return write!(f, "{}s", self.0);
        };
        if secs == 0 {
            return f.write_str("0s");
        }
        for (unit, mult) in UNITS {
            if secs % mult == 0 {
                return write!(f, "{}{unit}", secs / mult);
            }
        }
        write!(f, "{secs}s")
    }
}

impl fmt::Debug for HeldDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HeldDuration({self})")
    }
}

impl fmt::Debug for SessionDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionDuration({self})")
    }
}

impl Serialize for SessionDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.as_secs())
    }
}

impl<'de> Deserialize<'de> for SessionDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let secs = u64::deserialize(d)?;
        SessionDuration::from_secs(secs).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<u64, InvalidDuration> {
        s.parse::<SessionDuration>().map(|d| d.as_secs())
    }

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(p("86400"), Ok(86_400));
        assert_eq!(p("8h"), Ok(28_800));
        assert_eq!(p("36h"), Ok(129_600));
        assert_eq!(p("30d"), Ok(2_592_000));
        assert_eq!(p("2w"), Ok(1_209_600));
        assert_eq!(p("10y"), Ok(315_569_520));
        assert_eq!(p("480m"), Ok(28_800));
        assert_eq!(p("28800s"), Ok(28_800));
        assert_eq!(p(" 12H "), Ok(43_200));
    }

    #[test]
    fn bounds_are_inclusive() {
        assert_eq!(SessionDuration::from_secs(28_800), Ok(SessionDuration::MIN));
        assert_eq!(
            SessionDuration::from_secs(315_569_520),
            Ok(SessionDuration::MAX)
        );
        assert_eq!(p("28799"), Err(InvalidDuration::TooShort(28_799)));
        assert_eq!(p("7h"), Err(InvalidDuration::TooShort(25_200)));
        assert_eq!(p("315569521"), Err(InvalidDuration::TooLong(315_569_521)));
        assert_eq!(p("11y"), Err(InvalidDuration::TooLong(347_126_472)));
        assert_eq!(
            p("99999999999999999999y"),
            Err(InvalidDuration::Unparsable("99999999999999999999y".into()))
        );
        assert_eq!(p("9999999999999y"), Err(InvalidDuration::TooLong(u64::MAX)));
    }

    #[test]
    fn refuses_garbage() {
        for s in [
            "", "h", "-8h", "8.5h", "8 h", "8x", "eight", "1d2h", "+86400",
        ] {
            assert!(
                matches!(p(s), Err(InvalidDuration::Unparsable(_))),
                "{s:?} parsed"
            );
        }
    }

    #[test]
    fn display_is_shortest_exact_form() {
        let show = |s: u64| SessionDuration::from_secs(s).unwrap().to_string();
        assert_eq!(show(28_800), "8h");
        assert_eq!(show(129_600), "36h");
        assert_eq!(show(86_400), "1d");
        assert_eq!(show(1_209_600), "2w");
        assert_eq!(show(315_569_520), "10y");
        assert_eq!(show(28_801), "28801s");
        assert_eq!(show(28_860), "481m");
    }

    #[test]
    fn display_round_trips() {
        for s in [28_800, 28_801, 86_400, 99_999, 31_556_952, 315_569_520] {
            let d = SessionDuration::from_secs(s).unwrap();
            assert_eq!(d.to_string().parse::<SessionDuration>(), Ok(d));
        }
    }
}
