//! The doorway between the socket and hyper: every request head is read here first, so that the
//! request lines identity providers really send reach the SCIM code. It owns HTTP/1 framing and
//! nothing else: no SCIM, no routing.
//!
//! hyper hands each request-target to the `http` crate's URI parser, which refuses bytes such as
//! `"`, `<` and `>` in a query, and then answers on its own with an empty 400 and closes the
//! connection. Microsoft Entra ID writes filters exactly so (`?filter=userName+eq+"x"`), and IIS,
//! Express and Django take them. [`WireStream`] reads each head before hyper does, percent-encodes
//! the bytes RFC 3986 leaves out of a URI (so they are decoded exactly once, with everything
//! else, by `query`), and passes the rest of the head and every body byte through unchanged. It
//! follows the message framing hyper follows (Content-Length, chunked, pipelining) to know where
//! the next head starts.
//!
//! A head that cannot be served (not HTTP/1.x, too large, ambiguous framing) is not left to
//! hyper's empty answer: hyper is given a stand-in request instead, and the connection's
//! [`Doorway`] tells the handler to answer it with a SCIM Error. Reading a head is pure and
//! lives in `head`.

mod head;

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use head::{BodyState, Framing, HeadRead, MAX_HEAD_BYTES, read_head};

/// What hyper is given in place of a head that cannot be served: a request the handler answers
/// with the refusal's SCIM Error, after which hyper closes the connection.
const STAND_IN: &[u8] = b"GET / HTTP/1.1\r\nconnection: close\r\n\r\n";

/// The start of an HTTP/2 connection with prior knowledge (RFC 9113 §3.4): left to hyper.
const HTTP2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// How much is read from the socket at a time.
const READ_CHUNK: usize = 16 * 1024;

/// Why a request was refused before it reached the SCIM code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub detail: String,
}

impl Refusal {
    pub(super) fn new(status: u16, detail: impl Into<String>) -> Refusal {
        Refusal {
            status,
            detail: detail.into(),
        }
    }
}

/// The adapter's verdict on each request head of one connection, in the order hyper will hand
/// the requests to the handler (HTTP/1 serves them one after another).
#[derive(Debug, Clone, Default)]
pub struct Doorway(Arc<Mutex<VecDeque<Option<Refusal>>>>);

impl Doorway {
    fn note(&self, verdict: Option<Refusal>) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(verdict);
    }

    /// The verdict on the next request of the connection: `Some` when it stands in for a head
    /// that was refused.
    pub fn next_refusal(&self) -> Option<Refusal> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
            .flatten()
    }
}

/// A TCP listener whose connections go through a [`WireStream`].
#[derive(Debug)]
pub struct WireListener {
    listener: TcpListener,
    rewrite_targets: bool,
}

impl WireListener {
    /// `rewrite_targets` false leaves request-targets as they came, for hyper to refuse (the
    /// `reject-raw-query-chars` quirk).
    pub fn new(listener: TcpListener, rewrite_targets: bool) -> WireListener {
        WireListener {
            listener,
            rewrite_targets,
        }
    }
}

impl Listener for WireListener {
    type Io = WireStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (WireStream, SocketAddr) {
        loop {
            match self.listener.accept().await {
                Ok((socket, addr)) => return (WireStream::new(socket, self.rewrite_targets), addr),
                // A connection that failed before it was accepted concerns nobody else.
                Err(error) if is_connection_error(&error) => {}
                // Out of file descriptors, say: accepting again at once would spin.
                Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Where the bytes arriving next belong.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    /// The start of a request (or empty lines before it).
    Head,
    /// The body of the request whose head was just passed on.
    Body(Framing),
    /// Bytes this module does not frame, passed on unread: an HTTP/2 connection, or a body
    /// hyper refuses too (and then ends the connection).
    Passthrough,
    /// A stand-in request was passed on; nothing more is read.
    Refused,
}

/// One client connection, as hyper reads it.
#[derive(Debug)]
pub struct WireStream {
    socket: TcpStream,
    rewrite_targets: bool,
    doorway: Doorway,
    phase: Phase,
    /// Bytes read from the socket and not yet sorted.
    inbox: Vec<u8>,
    /// Sorted bytes (heads rewritten) waiting for hyper, from `ready_from` on.
    ready: Vec<u8>,
    ready_from: usize,
    /// How much of the inbox an unfinished head had when it was last parsed: it is parsed again
    /// only once a line has ended, so a client sending a byte at a time costs one parse a line.
    head_parsed: usize,
    scratch: Vec<u8>,
    socket_closed: bool,
}

impl WireStream {
    /// The verdicts on this connection's request heads, for the handler.
    pub fn doorway(&self) -> &Doorway {
        &self.doorway
    }

    fn new(socket: TcpStream, rewrite_targets: bool) -> WireStream {
        WireStream {
            socket,
            rewrite_targets,
            doorway: Doorway::default(),
            phase: Phase::Head,
            inbox: Vec::new(),
            ready: Vec::new(),
            ready_from: 0,
            head_parsed: 0,
            scratch: vec![0; READ_CHUNK],
            socket_closed: false,
        }
    }

    /// Moves what can be decided from the inbox to `ready`; false when more bytes are needed.
    fn sort_inbox(&mut self) -> bool {
        if self.inbox.is_empty() {
            return false;
        }
        match &mut self.phase {
            Phase::Head
                if self.inbox.len() < HTTP2_PREFACE.len()
                    && HTTP2_PREFACE.starts_with(&self.inbox) =>
            {
                false
            }
            Phase::Head if self.inbox.starts_with(HTTP2_PREFACE) => {
                self.phase = Phase::Passthrough;
                true
            }
            Phase::Head
                if self.head_parsed > 0
                    && self.inbox.len() <= MAX_HEAD_BYTES
                    && !self.inbox[self.head_parsed..].contains(&b'\n') =>
            {
                false
            }
            Phase::Head => match read_head(&self.inbox, self.rewrite_targets) {
                HeadRead::Incomplete => {
                    self.head_parsed = self.inbox.len();
                    false
                }
                HeadRead::Admitted {
                    head,
                    consumed,
                    body,
                } => {
                    self.head_parsed = 0;
                    self.ready.extend_from_slice(&head);
                    self.inbox.drain(..consumed);
                    self.doorway.note(None);
                    self.phase = body.map_or(Phase::Head, Phase::Body);
                    true
                }
                HeadRead::Refused(refusal) => {
                    self.ready.extend_from_slice(STAND_IN);
                    self.inbox.clear();
                    self.doorway.note(Some(refusal));
                    self.phase = Phase::Refused;
                    true
                }
            },
            Phase::Body(framing) => {
                let (used, state) = framing.advance(&self.inbox);
                self.ready.extend(self.inbox.drain(..used));
                match state {
                    BodyState::Continues => {}
                    BodyState::Ended => self.phase = Phase::Head,
                    BodyState::Broken => self.phase = Phase::Passthrough,
                }
                used > 0 || state != BodyState::Continues
            }
            Phase::Passthrough => {
                self.ready.append(&mut self.inbox);
                true
            }
            Phase::Refused => {
                self.inbox.clear();
                false
            }
        }
    }
}

impl AsyncRead for WireStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.ready_from < this.ready.len() {
                let waiting = &this.ready[this.ready_from..];
                let taken = waiting.len().min(buf.remaining());
                buf.put_slice(&waiting[..taken]);
                this.ready_from += taken;
                if this.ready_from == this.ready.len() {
                    this.ready.clear();
                    this.ready_from = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.sort_inbox() {
                continue;
            }
            if this.phase == Phase::Refused {
                // hyper answers the stand-in and closes; an end of stream now would make it
                // drop that answer as the reply to an aborted request.
                return Poll::Pending;
            }
            if this.socket_closed {
                // An unfinished head or body: hyper sees it end, as it would have.
                this.ready.append(&mut this.inbox);
                if this.ready.is_empty() {
                    return Poll::Ready(Ok(()));
                }
                continue;
            }
            let mut chunk = ReadBuf::new(&mut this.scratch);
            ready!(Pin::new(&mut this.socket).poll_read(cx, &mut chunk))?;
            if chunk.filled().is_empty() {
                this.socket_closed = true;
            } else {
                this.inbox.extend_from_slice(chunk.filled());
            }
        }
    }
}

impl AsyncWrite for WireStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().socket).poll_write(cx, data)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().socket).poll_write_vectored(cx, data)
    }

    fn is_write_vectored(&self) -> bool {
        self.socket.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().socket).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().socket).poll_shutdown(cx)
    }
}
