//! A small `CONNECT` proxy on loopback, for tests: it tunnels to any address, counts
//! tunnels and other requests, keeps what it saw of the bytes it relayed, and can refuse
//! with 407 or by closing the connection.
//!
//! ```
//! use slack_sessions_emulator::proxy::{ConnectProxy, ProxyMode};
//!
//! let proxy = ConnectProxy::start(ProxyMode::Tunnel)?;
//! assert!(proxy.url().starts_with("http://127.0.0.1:"));
//! assert_eq!(proxy.tunnels(), 0);
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The most bytes [`ConnectProxy::seen`] keeps of what clients sent through tunnels.
pub const MAX_SEEN: usize = 1 << 20;

/// How the proxy answers a `CONNECT`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyMode {
    /// Tunnels every `CONNECT`.
    Tunnel,
    /// Tunnels only a `CONNECT` whose `Proxy-Authorization` is `Basic` with this
    /// `user:password`; answers 407 to the others.
    RequireAuth(String),
    /// Answers 407 to every `CONNECT`.
    Refuse407,
    /// Closes the connection after reading the request head, answering nothing.
    Close,
    /// Answers a `200` status line, then bytes that are not HTTP, and closes.
    Garbage,
    /// Answers a status line that is not HTTP, and closes.
    BadStatus,
}

#[derive(Debug, Default)]
struct Counters {
    tunnels: AtomicU64,
    requests: AtomicU64,
    refused: AtomicU64,
    seen: Mutex<Vec<u8>>,
    heads: Mutex<Vec<String>>,
}

/// A `CONNECT` proxy on 127.0.0.1 with an OS-chosen port, serving on threads of its own
/// until dropped.
#[derive(Debug)]
pub struct ConnectProxy {
    addr: SocketAddr,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ConnectProxy {
    /// Binds 127.0.0.1 and starts serving in `mode`.
    pub fn start(mode: ProxyMode) -> io::Result<ConnectProxy> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (c, s) = (Arc::clone(&counters), Arc::clone(&stop));
        let thread = std::thread::Builder::new()
            .name("connect-proxy".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if s.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (c, mode) = (Arc::clone(&c), mode.clone());
                    let _ = std::thread::Builder::new()
                        .name("connect-proxy-conn".into())
                        .spawn(move || {
                            let _ = handle(conn, &mode, &c);
                        });
                }
            })?;
        Ok(ConnectProxy {
            addr,
            counters,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://user:password@127.0.0.1:PORT`.
    pub fn url_with_credentials(&self, user_password: &str) -> String {
        format!("http://{user_password}@{}", self.addr)
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Tunnels opened.
    pub fn tunnels(&self) -> u64 {
        self.counters.tunnels.load(Ordering::Relaxed)
    }

    /// Requests that were not `CONNECT` (answered 405).
    pub fn requests(&self) -> u64 {
        self.counters.requests.load(Ordering::Relaxed)
    }

    /// `CONNECT`s refused, with 407 or by closing.
    pub fn refused(&self) -> u64 {
        self.counters.refused.load(Ordering::Relaxed)
    }

    /// The request heads received, in order (`CONNECT host:port HTTP/1.1` and headers).
    pub fn heads(&self) -> Vec<String> {
        lock(&self.counters.heads).clone()
    }

    /// Up to [`MAX_SEEN`] bytes of what clients sent through the tunnels.
    pub fn seen(&self) -> Vec<u8> {
        lock(&self.counters.seen).clone()
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so that it sees `stop`.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Reads a request head, at most 64 KiB, up to the blank line.
fn read_head(reader: &mut BufReader<TcpStream>) -> io::Result<String> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || head.len() > 64 << 10 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let end = line == "\r\n" || line == "\n";
        head.push_str(&line);
        if end {
            return Ok(head);
        }
    }
}

fn handle(conn: TcpStream, mode: &ProxyMode, c: &Counters) -> io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let head = read_head(&mut reader)?;
    lock(&c.heads).push(head.clone());
    let mut out = conn;
    let mut words = head.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    if method != "CONNECT" {
        c.requests.fetch_add(1, Ordering::Relaxed);
        out.write_all(
            b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        )?;
        return Ok(());
    }
    let refuse_407 = match mode {
        ProxyMode::Tunnel => false,
        ProxyMode::Refuse407 => true,
        ProxyMode::RequireAuth(expected) => !authorized(&head, expected),
        ProxyMode::Close => {
            c.refused.fetch_add(1, Ordering::Relaxed);
            return out.shutdown(Shutdown::Both);
        }
        ProxyMode::Garbage => {
            c.refused.fetch_add(1, Ordering::Relaxed);
            out.write_all(
                b"HTTP/1.1 200 Connection established\r\n\x00\x01garbage\xff\xfe\r\n\r\n",
            )?;
            return out.shutdown(Shutdown::Both);
        }
        ProxyMode::BadStatus => {
            c.refused.fetch_add(1, Ordering::Relaxed);
            out.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")?;
            return out.shutdown(Shutdown::Both);
        }
    };
    if refuse_407 {
        c.refused.fetch_add(1, Ordering::Relaxed);
        return out.write_all(
            b"HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm=\"test\"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
    }
    let upstream = match TcpStream::connect(target) {
        Ok(s) => s,
        Err(_) => {
            return out.write_all(
                b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            )
        }
    };
    c.tunnels.fetch_add(1, Ordering::Relaxed);
    out.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    // Whatever the client sent after the head is already in the reader's buffer.
    let buffered = reader.buffer().to_vec();
    let mut up_write = upstream.try_clone()?;
    up_write.write_all(&buffered)?;
    record(c, &buffered);
    let mut up_read = upstream;
    let mut down = out.try_clone()?;
    let back = std::thread::spawn(move || {
        let _ = io::copy(&mut up_read, &mut down);
        let _ = down.shutdown(Shutdown::Write);
    });
    let mut client = reader.into_inner();
    let mut buf = [0u8; 16 << 10];
    loop {
        let n = match client.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        record(c, &buf[..n]);
        if up_write.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = up_write.shutdown(Shutdown::Write);
    let _ = back.join();
    Ok(())
}

fn record(c: &Counters, bytes: &[u8]) {
    let mut seen = lock(&c.seen);
    let room = MAX_SEEN.saturating_sub(seen.len());
    seen.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

/// Whether `head` carries `Proxy-Authorization: Basic base64(expected)`.
fn authorized(head: &str, expected: &str) -> bool {
    let want = format!("basic {}", base64(expected.as_bytes()));
    head.lines().any(|l| {
        l.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("proxy-authorization")
                && value.trim().eq_ignore_ascii_case(&want)
        })
    })
}

/// Standard base64 with padding, enough to check a Basic credential.
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
            ("user:pa ss", "dXNlcjpwYSBzcw=="),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn a_tunnel_relays_both_ways_and_is_counted() {
        let echo = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let target = echo.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut s, _) = echo.accept().unwrap();
            let mut buf = [0u8; 5];
            s.read_exact(&mut buf).unwrap();
            s.write_all(&buf).unwrap();
        });
        let proxy = ConnectProxy::start(ProxyMode::RequireAuth("u:p".into())).unwrap();
        let mut s = TcpStream::connect(proxy.addr()).unwrap();
        write!(
            s,
            "CONNECT {target} HTTP/1.1\r\nProxy-Authorization: Basic {}\r\n\r\nhello",
            base64(b"u:p")
        )
        .unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        assert!(got.starts_with(b"HTTP/1.1 200"));
        assert!(got.ends_with(b"hello"));
        assert_eq!((proxy.tunnels(), proxy.refused()), (1, 0));
        assert_eq!(proxy.seen(), b"hello");

        let mut s = TcpStream::connect(proxy.addr()).unwrap();
        write!(s, "CONNECT {target} HTTP/1.1\r\n\r\n").unwrap();
        let mut got = String::new();
        s.read_to_string(&mut got).unwrap();
        assert!(got.starts_with("HTTP/1.1 407"), "{got}");
        assert_eq!(proxy.refused(), 1);
    }
}
