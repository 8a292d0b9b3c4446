//! How a run ends early: an exit code and a one-line message, at the bottom of the
//! command, so that every module can say it without pointing back up.

use crate::exit::Exit;

/// A run that ends this way and, unless empty, with this one-line message on stderr.
#[derive(Debug)]
pub(crate) struct Fail {
    pub(crate) exit: Exit,
    pub(crate) message: String,
}

/// A usage or validation error: exit 2, nothing sent.
pub(crate) fn usage(message: impl Into<String>) -> Fail {
    Fail {
        exit: Exit::Usage,
        message: message.into(),
    }
}
