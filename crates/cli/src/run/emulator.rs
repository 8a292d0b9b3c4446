//! `slack-sessions emulator`: serve the emulator in the foreground.

use slack_sessions_emulator::{Emulator, FaultPlan};

use super::{usage, Fail};
use crate::report::exit;

/// Serves until Ctrl-C.
pub(super) fn serve(port: Option<u16>, rate_limit: u32, faults: Option<&str>) -> Result<u8, Fail> {
    let mut b = Emulator::builder().rate_limit((rate_limit > 0).then_some(rate_limit));
    if let Some(p) = port {
        b = b.port(p);
    }
    if let Some(spec) = faults {
        b = b.faults(
            spec.parse::<FaultPlan>()
                .map_err(|e| usage(format!("invalid --faults: {e}")))?,
        );
    }
    let emu = b
        .start()
        .map_err(|e| usage(format!("cannot start the emulator: {e}")))?;
    print!("{}", emu.banner());
    println!("press Ctrl-C to stop");
    emu.serve_until_ctrl_c().map_err(|e| Fail {
        code: exit::UNREACHABLE,
        message: format!("emulator stopped: {e}"),
    })?;
    Ok(exit::OK)
}
