//! Connections the server can cut: the `drop-connections` quirk closes a connection after a
//! request was read and applied, without sending the answer, so a client cannot know whether
//! its write happened (what a load balancer restart or a network loss does mid-request). It
//! reads and writes no bytes of its own and knows nothing of HTTP or SCIM.
//!
//! [`SeveringListener`] wraps each connection another listener accepts in a [`Severable`] with
//! a switch the request's handler can throw ([`Severance`], reached through axum's connect
//! info). Once the switch is thrown, writes fail and reads end, so hyper drops the connection
//! with nothing sent. Until then every byte passes through untouched.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A listener whose connections can be cut by their handlers.
#[derive(Debug)]
pub(crate) struct SeveringListener<L>(pub L);

/// A connection with a switch that cuts it.
#[derive(Debug)]
pub(crate) struct Severable<S> {
    stream: S,
    cut: Arc<AtomicBool>,
}

impl<S> Severable<S> {
    /// The connection inside.
    pub fn inner(&self) -> &S {
        &self.stream
    }

    /// The handler's side of this connection's switch.
    pub fn severance(&self) -> Severance {
        Severance(Arc::clone(&self.cut))
    }
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

impl<L: Listener> Listener for SeveringListener<L> {
    type Io = Severable<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = self.0.accept().await;
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

fn severed() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "connection cut by drop-connections",
    )
}

impl<S: AsyncRead + Unpin> AsyncRead for Severable<S> {
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

impl<S: AsyncWrite + Unpin> AsyncWrite for Severable<S> {
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

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.cut.load(Ordering::SeqCst) {
            return Poll::Ready(Err(severed()));
        }
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
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
