//! [`Op`]: what a bulk run of set, get, clear or reset does, and what its journal and
//! its preflight say of it.

use slack_sessions_core::{
    ClearSettings, GetSettings, Method, ResetScope, ResetSessionsBulk, SessionSettings, SetSettings,
};

/// What a set/get/clear run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Set(SessionSettings),
    Get,
    Clear,
    Reset(ResetScope),
}

impl Op {
    /// Whether it changes anything (and so makes a preflight first).
    pub(super) fn writes(self) -> bool {
        !matches!(self, Op::Get)
    }

    /// The Slack method.
    pub(super) fn method(self) -> &'static str {
        match self {
            Op::Set(_) => SetSettings::NAME,
            Op::Get => GetSettings::NAME,
            Op::Clear => ClearSettings::NAME,
            Op::Reset(_) => ResetSessionsBulk::NAME,
        }
    }

    /// The settings, as a journal header holds them.
    pub(super) fn settings_line(self) -> Option<crate::journal::SettingsLine> {
        match self {
            Op::Set(s) => Some(crate::journal::SettingsLine {
                duration: s.duration.map(|d| d.as_secs()),
                desktop_app_browser_quit: s.desktop_app_browser_quit,
            }),
            Op::Get | Op::Clear | Op::Reset(_) => None,
        }
    }

    /// The reset scope, as a journal header holds it.
    pub(super) fn scope_line(self) -> Option<crate::journal::ScopeLine> {
        match self {
            Op::Reset(s) => Some(crate::journal::ScopeLine {
                mobile_only: s.mobile_only,
                web_only: s.web_only,
            }),
            Op::Set(_) | Op::Get | Op::Clear => None,
        }
    }

    /// The scope the method needs.
    pub(super) fn scope(self) -> &'static str {
        match self {
            Op::Set(_) => SetSettings::SCOPE,
            Op::Get => GetSettings::SCOPE,
            Op::Clear => ClearSettings::SCOPE,
            Op::Reset(_) => ResetSessionsBulk::SCOPE,
        }
    }
}
