//! Connections the server can cut: the `drop-connections` quirk closes a connection after a
//! request was read and applied, without sending the answer, so a client cannot know whether
//! its write happened (what a load balancer restart or a network loss does mid-request).
//!
//! [`SeveringListener`] wraps each accepted TCP stream in a [`Severable`] that shares a switch
//! with the request's handler (through axum's connect info, [`Severance`]). Once the switch is
//! thrown, writes fail and reads end, so hyper drops the connection with nothing sent.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A TCP listener whose connections can be cut by their handlers.
#[derive(Debug)]
pub(crate) struct SeveringListener(pub TcpListener);

/// A connection with a switch that cuts it.
#[derive(Debug)]
pub(crate) struct Severable {
    stream: TcpStream,
    cut: Arc<AtomicBool>,
}

/// The handler's side of a connection's switch.
#[derive(Debug, Clone)]
pub(crate) struct Severance(Arc<AtomicBool>);

impl Severance {
    /// Cuts the connection: the answer being written is never sent.
    pub fn cut(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Listener for SeveringListener {
    type Io = Severable;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = Listener::accept(&mut self.0).await;
        let io = Severable {
            stream,
            cut: Arc::new(AtomicBool::new(false)),
        };
        (io, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

impl Connected<IncomingStream<'_, SeveringListener>> for Severance {
    fn connect_info(stream: IncomingStream<'_, SeveringListener>) -> Self {
        Severance(Arc::clone(&stream.io().cut))
    }
}

fn severed() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "connection cut by drop-connections",
    )
}

impl AsyncRead for Severable {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.cut.load(Ordering::SeqCst) {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Severable {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.cut.load(Ordering::SeqCst) {
            return Poll::Ready(Err(severed()));
        }
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.cut.load(Ordering::SeqCst) {
            return Poll::Ready(Err(severed()));
        }
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
