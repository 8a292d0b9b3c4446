//! What the async client needs from a runtime that is not tokio, here smol: an executor
//! and a timer for hyper (smol-hyper's), and a connector that opens TCP connections with
//! smol's `async-net`. Plain HTTP, as an emulator on loopback speaks it; for
//! https://slack.com, wrap the stream in TLS (e.g. futures-rustls) in `call`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::{Connected, Connection};
use slack_sessions::nonblocking::HttpClient;
use smol_hyper::rt::{FuturesIo, SmolExecutor, SmolTimer};

/// Opens a TCP connection to the request's host with smol.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SmolConnector;

/// A smol TCP stream as hyper's IO.
pub(crate) struct SmolStream(FuturesIo<smol::net::TcpStream>);

impl tower_service::Service<http::Uri> for SmolConnector {
    type Response = SmolStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<SmolStream>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        Box::pin(async move {
            let host = uri
                .host()
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no host"))?
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned();
            let port = uri.port_u16().unwrap_or(80);
            let stream = smol::net::TcpStream::connect((host.as_str(), port)).await?;
            stream.set_nodelay(true)?;
            Ok(SmolStream(FuturesIo::new(stream)))
        })
    }
}

impl hyper::rt::Read for SmolStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for SmolStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl Connection for SmolStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

/// hyper-util's pooled client on `executor`, with smol's timer and TCP.
pub(crate) fn http_client(
    executor: &Arc<smol::Executor<'static>>,
) -> HttpClient<SmolConnector, http_body_util::Full<bytes::Bytes>> {
    HttpClient::builder(SmolExecutor::new(Arc::clone(executor)))
        .timer(SmolTimer::new())
        .pool_timer(SmolTimer::new())
        .build(SmolConnector)
}
