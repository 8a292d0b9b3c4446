//! [`Canned`]: a server on 127.0.0.1 that answers every request with one fixed answer,
//! for what the emulator does not do: a captive portal, a hostile server, an answer
//! Slack's reference allows but the emulator never gives (a 180-second duration, a
//! malformed entry, a cursor that repeats).
//!
//! ```
//! use slack_sessions_emulator::canned::Canned;
//! let server = Canned::start(302, &[("location", "https://sso.example/")], "")?;
//! let resp = ureq::post(&format!("{}admin.users.session.getSettings", server.base_url()))
//!     .config().max_redirects(0).http_status_as_error(false).build()
//!     .send_empty()?;
//! assert_eq!(resp.status(), 302);
//! assert_eq!(server.hits(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// A server that answers every request with one status, headers and body, on a thread
/// of its own. It counts the requests, and stops when dropped.
#[derive(Debug)]
pub struct Canned {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Canned {
    /// Serves `status` with `headers` and `body`, as JSON unless a header names another
    /// content type, closing each connection after its answer.
    pub fn start(status: u16, headers: &[(&str, &str)], body: &str) -> std::io::Result<Canned> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let hits = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
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
        let (h, s) = (Arc::clone(&hits), Arc::clone(&stop));
        let thread = std::thread::Builder::new()
            .name("slack-canned".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if s.load(Ordering::SeqCst) {
                        return;
                    }
                    if let Ok(conn) = conn {
                        let _ = answer_one(conn, &answer, &h);
                    }
                }
            })?;
        Ok(Canned {
            addr,
            hits,
            stop,
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to point a client at: `http://127.0.0.1:PORT/api/`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/", self.addr)
    }

    /// Requests answered so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// Reads one request (its head, and a body of its `content-length`, at most 1 MiB) and
/// writes the answer.
/// Reads one request and answers it, counting it in `hits` once it is read whole and
/// before the answer goes out (a client that has its answer sees it counted).
fn answer_one(conn: TcpStream, answer: &[u8], hits: &AtomicUsize) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn);
    let mut len = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
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
    let mut body = vec![0; len.min(crate::MAX_REQUEST_BODY)];
    reader.read_exact(&mut body)?;
    hits.fetch_add(1, Ordering::SeqCst);
    reader.get_mut().write_all(answer)
}

impl Drop for Canned {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the stop.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
