//! What every CLI test shares: the emulator, the binary pointed at it, a run's output,
//! temporary directories and test certificates.
#![allow(dead_code)] // each test file uses its own share

use assert_cmd::Command;
use serde_json::Value;
use slack_sessions_emulator::Emulator;

pub(crate) fn emulator() -> Emulator {
    Emulator::builder()
        .rate_limit(None)
        .start()
        .expect("emulator")
}

/// The binary, pointed at `emu`, with a token from the environment and fast pacing.
pub(crate) fn cli(emu: &Emulator, token: &str) -> Command {
    let mut c = Command::cargo_bin("slack-sessions").expect("binary");
    c.env_clear()
        .env("SLACK_TOKEN", token)
        .env("SLACK_API_URL", emu.base_url())
        .args(["--rate", "60000"]);
    c
}

pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

pub(crate) fn run(mut c: Command) -> Run {
    let out = c.output().expect("run");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub(crate) fn json(r: &Run) -> Value {
    serde_json::from_str(r.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

/// PEMs of a CA and of a server certificate and key it signed for 127.0.0.1.
pub(crate) fn test_pki() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("key")).expect("ca");
    let key = KeyPair::generate().expect("key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("leaf params")
        .signed_by(&key, &ca)
        .expect("leaf");
    (ca.pem(), leaf.pem(), key.serialize_pem())
}

pub(crate) fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("slack-sessions-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The users named in each logged request's `user_ids`, in the order the emulator
/// answered them, with the outcome.
pub(crate) fn logged_users(emu: &Emulator) -> Vec<(Vec<String>, String)> {
    emu.log()
        .iter()
        .map(|e| {
            let users = match &e.args["user_ids"] {
                Value::String(s) => s.split(',').map(str::to_owned).collect(),
                Value::Array(a) => a
                    .iter()
                    .filter_map(|u| u.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            };
            (users, e.outcome.clone())
        })
        .collect()
}

#[allow(unused_imports)] // each test file uses its own share
pub(crate) use slack_sessions_emulator::canned::Canned;

/// The binary with `token`, pointed at `base_url`, with fast pacing.
pub(crate) fn cli_at(base_url: &str, token: &str) -> Command {
    let mut c = Command::cargo_bin("slack-sessions").expect("binary");
    c.env_clear()
        .env("SLACK_TOKEN", token)
        .env("SLACK_API_URL", base_url)
        .args(["--rate", "60000"]);
    c
}

/// A users file of `n` ordinary users in `dir`, its path as text.
pub(crate) fn users_file(dir: &std::path::Path, n: usize) -> String {
    let path = dir.join(format!("users-{n}.txt"));
    let ids: Vec<String> = (0..n).map(|i| format!("U{i:08}")).collect();
    std::fs::write(&path, ids.join("\n")).expect("users file");
    path.to_str().expect("path").to_owned()
}

/// Both transports, as `--transport` names them.
pub(crate) const TRANSPORTS: [&str; 2] = ["blocking", "async"];

/// A test CA and an emulator serving https with a certificate it signed for 127.0.0.1,
/// made at run time; the CA's PEM is written to a file of its own.
pub(crate) struct Tls {
    pub(crate) emu: Emulator,
    pub(crate) ca_file: std::path::PathBuf,
    pub(crate) dir: std::path::PathBuf,
}

impl Drop for Tls {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) fn tls_emulator(name: &str) -> Tls {
    let (ca, cert, key) = test_pki();
    let identity = slack_sessions_emulator::TlsIdentity::from_pem(cert.as_bytes(), key.as_bytes())
        .expect("identity");
    let emu = Emulator::builder()
        .rate_limit(None)
        .tls(identity)
        .start()
        .expect("tls emulator");
    let dir = temp_dir(name);
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca).expect("write ca");
    Tls { emu, ca_file, dir }
}

/// An emulator of `users` ordinary users, rate limits off.
pub(crate) fn emulator_of(users: u32) -> Emulator {
    Emulator::builder()
        .rate_limit(None)
        .users(users)
        .start()
        .expect("emulator")
}

/// How many calls of `method` the emulator logged.
pub(crate) fn calls_of(emu: &Emulator, method: &str) -> usize {
    emu.log().iter().filter(|e| e.method == method).count()
}

/// `invalid` of a JSON report as (input, reason).
pub(crate) fn invalid(v: &Value) -> Vec<(String, String)> {
    v["invalid"]
        .as_array()
        .expect("invalid")
        .iter()
        .map(|i| {
            (
                i["input"].as_str().unwrap_or_default().to_owned(),
                i["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}
