//! `slack-sessions-emulator [--port N] [--rate-limit N] [--faults SPEC] [--tls-cert PEM
//! --tls-key PEM]`: serve the emulator in the foreground until Ctrl-C.

use std::process::ExitCode;

use slack_sessions_emulator::{Emulator, FaultPlan, TlsIdentity};

const USAGE: &str = "usage: slack-sessions-emulator [--port N] [--rate-limit N] [--faults SPEC] [--tls-cert PEM --tls-key PEM]
  --port N         port on 127.0.0.1 (default: chosen by the OS)
  --rate-limit N   calls a minute per token and method (default 100; 0 = off)
  --faults SPEC    e.g. '3=internal_error,7=drop' or 'rate=0.1,seed=7,kinds=http503+drop'
  --users N        ordinary users U00000000 up to U{N-1} (default 100000)
  --tls-cert PEM   serve https with this certificate chain (leaf first)
  --tls-key PEM    the private key of --tls-cert";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut builder = Emulator::builder();
    let (mut cert, mut key) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--port" => {
                let v = value("--port")?;
                builder = builder.port(v.parse().map_err(|_| format!("bad port {v:?}"))?);
            }
            "--rate-limit" => {
                let v = value("--rate-limit")?;
                let n: u32 = v.parse().map_err(|_| format!("bad rate limit {v:?}"))?;
                builder = builder.rate_limit((n > 0).then_some(n));
            }
            "--faults" => {
                let v = value("--faults")?;
                builder = builder.faults(v.parse::<FaultPlan>().map_err(|e| e.to_string())?);
            }
            "--users" => {
                let v = value("--users")?;
                builder = builder.users(v.parse().map_err(|_| format!("bad user count {v:?}"))?);
            }
            "--tls-cert" => cert = Some(value("--tls-cert")?),
            "--tls-key" => key = Some(value("--tls-key")?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    match (cert, key) {
        (Some(c), Some(k)) => {
            let read = |p: &str| std::fs::read(p).map_err(|e| format!("cannot read {p}: {e}"));
            let id = TlsIdentity::from_pem(&read(&c)?, &read(&k)?).map_err(|e| e.to_string())?;
            builder = builder.tls(id);
        }
        (None, None) => {}
        _ => return Err("--tls-cert and --tls-key go together".into()),
    }
    let emu = builder.start().map_err(|e| format!("cannot start: {e}"))?;
    print!("{}", emu.banner());
    println!("press Ctrl-C to stop");
    emu.serve_until_ctrl_c().map_err(|e| e.to_string())
}
