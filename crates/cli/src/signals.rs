//! SIGINT and SIGTERM during a run: the first cancels it cleanly (no new request, the
//! ones in flight finish, the report is printed, exit 130 or 143); a second one exits at
//! once, once the journal has no line half written.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use slack_sessions_core::CancelToken;

use crate::exit::{Exit, Signal};
use crate::journal::Journal;

/// What the signal handler shares with the run.
#[derive(Debug, Clone, Default)]
pub(crate) struct Interrupts {
    /// Cancelled by the first signal.
    pub(crate) token: CancelToken,
    /// The exit code of the first signal (130 or 143), or 0.
    code: Arc<AtomicU8>,
    /// The journal to flush before a second signal exits.
    journal: Arc<Mutex<Option<Arc<Journal>>>>,
}

impl Interrupts {
    /// Handles SIGINT and SIGTERM from now on, on a thread of its own. (On a platform
    /// without them, Ctrl-C ends the process as usual.)
    pub(crate) fn install() -> Result<Interrupts, String> {
        let me = Interrupts::default();
        #[cfg(unix)]
        {
            use signal_hook::consts::{SIGINT, SIGTERM};
            let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
                .map_err(|e| format!("cannot handle signals: {e}"))?;
            let shared = me.clone();
            std::thread::Builder::new()
                .name("signals".into())
                .spawn(move || {
                    for sig in signals.forever() {
                        let signal = if sig == SIGTERM {
                            Signal::Term
                        } else {
                            Signal::Int
                        };
                        shared.on_signal(signal);
                    }
                })
                .map_err(|e| format!("cannot handle signals: {e}"))?;
        }
        Ok(me)
    }

    fn on_signal(&self, signal: Signal) {
        let code = Exit::Interrupted(signal).code();
        let first = self
            .code
            .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok();
        if first {
            eprintln!("interrupted: finishing the requests in flight (again to quit at once)");
            self.token.cancel();
            return;
        }
        if let Some(j) = self.lock().as_ref() {
            j.flush();
        }
        std::process::exit(i32::from(self.code.load(Ordering::SeqCst)));
    }

    /// The journal a second signal flushes before exiting.
    pub(crate) fn set_journal(&self, journal: Arc<Journal>) {
        *self.lock() = Some(journal);
    }

    /// The signal that came, once one did.
    pub(crate) fn exit_code(&self) -> Option<Signal> {
        match self.code.load(Ordering::SeqCst) {
            0 => None,
            c if c == Exit::Interrupted(Signal::Term).code() => Some(Signal::Term),
            _ => Some(Signal::Int),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<Journal>>> {
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
    }
}
