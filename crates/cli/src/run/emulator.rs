//! `slack-sessions emulator`: serve the emulator in the foreground.

use crate::exit::Exit;
use std::io::Write as _;
use std::path::Path;

use slack_sessions_emulator::{Emulator, FaultPlan, TlsIdentity};

use crate::fail::{usage, Fail};

/// Serves until Ctrl-C; https with `tls` (certificate chain, key), else plain http.
pub(super) fn serve(
    port: Option<u16>,
    rate_limit: u32,
    faults: Option<&str>,
    users: Option<u32>,
    tls: Option<(&Path, &Path)>,
    enterprise: bool,
) -> Result<Exit, Fail> {
    let mut b = Emulator::builder()
        .rate_limit((rate_limit > 0).then_some(rate_limit))
        .enterprise(enterprise);
    if let Some(n) = users {
        b = b.users(n);
    }
    if let Some((cert, key)) = tls {
        let read = |flag: &str, p: &Path| {
            std::fs::read(p).map_err(|e| usage(format!("cannot read {flag} {}: {e}", p.display())))
        };
        let identity = TlsIdentity::from_pem(&read("--tls-cert", cert)?, &read("--tls-key", key)?)
            .map_err(|e| usage(format!("--tls-cert/--tls-key: {e}")))?;
        b = b.tls(identity);
    }
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
    // A reader that goes away (`| head`) is no reason to stop serving, nor to panic.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}press Ctrl-C to stop", emu.banner());
    let _ = out.flush();
    drop(out);
    emu.serve_until_ctrl_c().map_err(|e| Fail {
        exit: Exit::Unreachable,
        message: format!("emulator stopped: {e}"),
    })?;
    Ok(Exit::Ok)
}
