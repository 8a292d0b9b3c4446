//! What every CLI test shares: the emulator, the binary pointed at it, a run's output,
//! temporary directories and test certificates.
#![allow(dead_code)] // each test file uses its own share

use assert_cmd::Command;
use serde_json::Value;
use slack_sessions_emulator::Emulator;

pub fn emulator() -> Emulator {
    Emulator::builder()
        .rate_limit(None)
        .start()
        .expect("emulator")
}

/// The binary, pointed at `emu`, with a token from the environment and fast pacing.
pub fn cli(emu: &Emulator, token: &str) -> Command {
    let mut c = Command::cargo_bin("slack-sessions").expect("binary");
    c.env_clear()
        .env("SLACK_TOKEN", token)
        .env("SLACK_API_URL", emu.base_url())
        .args(["--rate", "60000"]);
    c
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(mut c: Command) -> Run {
    let out = c.output().expect("run");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn json(r: &Run) -> Value {
    serde_json::from_str(r.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

/// PEMs of a CA and of a server certificate and key it signed for 127.0.0.1.
pub fn test_pki() -> (String, String, String) {
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

pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("slack-sessions-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The users named in each logged request's `user_ids`, in the order the emulator
/// answered them, with the outcome.
pub fn logged_users(emu: &Emulator) -> Vec<(Vec<String>, String)> {
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

/// A server on 127.0.0.1 that answers every request with one canned answer, as a
/// proxy, a captive portal or a hostile server would: for what the emulator does not
/// do. It counts the requests, and stops when dropped.
pub struct Canned {
    pub addr: std::net::SocketAddr,
    hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Canned {
    /// Answers `status` with `headers` and `body` (JSON unless a header says otherwise).
    pub fn start(status: u16, headers: &[(&str, &str)], body: &str) -> Canned {
        use std::io::{BufRead, BufReader, Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut head = format!(
            "HTTP/1.1 {status} Canned\r\ncontent-length: {}\r\nconnection: close\r\n",
            body.len()
        );
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            head.push_str("content-type: application/json; charset=utf-8\r\n");
        }
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        let answer = format!("{head}\r\n{body}").into_bytes();
        let (h, s) = (hits.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                let mut reader = BufReader::new(conn);
                let mut len = 0usize;
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let l = line.trim_end();
                    if l.is_empty() {
                        break;
                    }
                    if let Some((k, v)) = l.split_once(':') {
                        if k.eq_ignore_ascii_case("content-length") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                }
                let mut body = vec![0; len];
                let _ = reader.read_exact(&mut body);
                h.fetch_add(1, Ordering::SeqCst);
                let _ = reader.get_mut().write_all(&answer);
            }
        });
        Canned {
            addr,
            hits,
            stop,
            thread: Some(thread),
        }
    }

    /// The base URL to point the command at.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/", self.addr)
    }

    /// Requests answered so far.
    pub fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for Canned {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The binary with `token`, pointed at `base_url`, with fast pacing.
pub fn cli_at(base_url: &str, token: &str) -> Command {
    let mut c = Command::cargo_bin("slack-sessions").expect("binary");
    c.env_clear()
        .env("SLACK_TOKEN", token)
        .env("SLACK_API_URL", base_url)
        .args(["--rate", "60000"]);
    c
}

/// A users file of `n` ordinary users in `dir`, its path as text.
pub fn users_file(dir: &std::path::Path, n: usize) -> String {
    let path = dir.join(format!("users-{n}.txt"));
    let ids: Vec<String> = (0..n).map(|i| format!("U{i:08}")).collect();
    std::fs::write(&path, ids.join("\n")).expect("users file");
    path.to_str().expect("path").to_owned()
}

/// Both transports, as `--transport` names them.
pub const TRANSPORTS: [&str; 2] = ["blocking", "async"];
