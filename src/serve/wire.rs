//! The doorway between the socket and hyper: every request head is read here first, so that the
//! request lines identity providers really send reach the SCIM code.
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
//! [`Doorway`] tells the handler to answer it with a SCIM Error. This module owns HTTP/1 framing
//! and nothing else: no SCIM, no routing.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// The largest request head read (request line and header fields); larger ones get 431.
/// hyper's own limit is far above it, so hyper never refuses a head this module let through.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The most header fields a request may carry (hyper's default).
pub const MAX_HEADER_FIELDS: usize = 100;

/// The longest request-target hyper takes, after percent-encoding.
const MAX_TARGET_BYTES: usize = u16::MAX as usize - 1;

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
    fn new(status: u16, detail: impl Into<String>) -> Refusal {
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

impl Connected<IncomingStream<'_, WireListener>> for Doorway {
    fn connect_info(stream: IncomingStream<'_, WireListener>) -> Doorway {
        stream.io().doorway.clone()
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

/// What reading the start of the inbox as a request head gave.
#[derive(Debug, PartialEq, Eq)]
enum HeadRead {
    /// The head is not complete yet.
    Incomplete,
    /// The head to hand hyper, how many inbox bytes it replaces, and how its body is framed
    /// (`None`: no body).
    Admitted {
        head: Vec<u8>,
        consumed: usize,
        body: Option<Framing>,
    },
    Refused(Refusal),
}

/// Reads one request head from the start of `buffer` (RFC 9112 §2-§3): the request-target's
/// bytes that a URI cannot hold are percent-encoded when `rewrite_targets` is set, and the body's
/// framing is read as hyper reads it (RFC 9112 §6.3), refusing what hyper would refuse.
fn read_head(buffer: &[u8], rewrite_targets: bool) -> HeadRead {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADER_FIELDS];
    let mut request = httparse::Request::new(&mut fields);
    let consumed = match request.parse(buffer) {
        Ok(httparse::Status::Complete(consumed)) if consumed > MAX_HEAD_BYTES => {
            return HeadRead::Refused(head_too_large());
        }
        Ok(httparse::Status::Complete(consumed)) => consumed,
        Ok(httparse::Status::Partial) if buffer.len() > MAX_HEAD_BYTES => {
            return HeadRead::Refused(head_too_large());
        }
        Ok(httparse::Status::Partial) => return HeadRead::Incomplete,
        Err(error) => return HeadRead::Refused(unparsable(error, buffer)),
    };
    let (Some(method), Some(target), Some(minor)) = (request.method, request.path, request.version)
    else {
        return HeadRead::Refused(Refusal::new(400, "the request line is incomplete"));
    };
    if axum::http::Method::from_bytes(method.as_bytes()).is_err() {
        return HeadRead::Refused(Refusal::new(
            400,
            format!("`{method}` is not an HTTP method"),
        ));
    }
    let body = match body_framing(request.headers, minor) {
        Ok(body) => body,
        Err(refusal) => return HeadRead::Refused(refusal),
    };
    if !rewrite_targets {
        return HeadRead::Admitted {
            head: buffer[..consumed].to_vec(),
            consumed,
            body,
        };
    }
    let escaped = escape_target(target);
    if escaped.len() > MAX_TARGET_BYTES {
        return HeadRead::Refused(Refusal::new(
            414,
            format!(
                "the request-target is {} bytes long; at most {MAX_TARGET_BYTES} are served",
                escaped.len()
            ),
        ));
    }
    if let Err(error) = axum::http::Uri::try_from(escaped.as_str()) {
        return HeadRead::Refused(Refusal::new(
            400,
            format!("the request-target is not a URI: {error}"),
        ));
    }
    let start = offset_in(buffer, target);
    let mut head = Vec::with_capacity(consumed + escaped.len() - target.len());
    head.extend_from_slice(&buffer[..start]);
    head.extend_from_slice(escaped.as_bytes());
    head.extend_from_slice(&buffer[start + target.len()..consumed]);
    HeadRead::Admitted {
        head,
        consumed,
        body,
    }
}

/// Where `part`, a slice of `buffer`, starts in it.
fn offset_in(buffer: &[u8], part: &str) -> usize {
    part.as_ptr() as usize - buffer.as_ptr() as usize
}

fn head_too_large() -> Refusal {
    Refusal::new(
        431,
        format!(
            "the request line and header fields are larger than {} KiB",
            MAX_HEAD_BYTES / 1024
        ),
    )
}

fn unparsable(error: httparse::Error, buffer: &[u8]) -> Refusal {
    match error {
        httparse::Error::Version => {
            let line = buffer
                .trim_ascii_start()
                .split(|&b| b == b'\n')
                .next()
                .unwrap_or_default()
                .trim_ascii_end();
            if line.ends_with(b" HTTP/1.1") || line.ends_with(b" HTTP/1.0") {
                Refusal::new(
                    400,
                    "the request-target holds a space: send it as %20 (or + in the query)",
                )
            } else {
                Refusal::new(505, "only HTTP/1.0 and HTTP/1.1 are served")
            }
        }
        httparse::Error::TooManyHeaders => Refusal::new(
            431,
            format!("the request has more than {MAX_HEADER_FIELDS} header fields"),
        ),
        httparse::Error::HeaderName => Refusal::new(400, "a header field name is not a token"),
        httparse::Error::HeaderValue => {
            Refusal::new(400, "a header field value holds a control character")
        }
        httparse::Error::NewLine => {
            Refusal::new(400, "a line of the request head is not ended by CRLF")
        }
        httparse::Error::Token | httparse::Error::Status => Refusal::new(
            400,
            "the request line is not `METHOD TARGET HTTP/1.1` (a space, a control character or \
             an odd byte where HTTP allows none)",
        ),
    }
}

/// How the body after a head is delimited, as hyper decides it: Transfer-Encoding ending in
/// `chunked` wins over Content-Length; any other Transfer-Encoding, one in HTTP/1.0, or
/// Content-Lengths that disagree are refused (RFC 9112 §6.1, §6.3).
fn body_framing(
    fields: &[httparse::Header<'_>],
    minor_version: u8,
) -> Result<Option<Framing>, Refusal> {
    let mut chunked = None;
    let mut length: Option<u64> = None;
    for field in fields {
        if field.name.eq_ignore_ascii_case("transfer-encoding") {
            if minor_version == 0 {
                return Err(Refusal::new(
                    400,
                    "Transfer-Encoding is not allowed in an HTTP/1.0 request",
                ));
            }
            let last = field.value.rsplit(|&b| b == b',').next().unwrap_or(&[]);
            chunked = Some(last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if field.name.eq_ignore_ascii_case("content-length") && chunked.is_none() {
            let value = decimal(field.value)
                .ok_or_else(|| Refusal::new(400, "Content-Length is not a number of bytes"))?;
            if length.is_some_and(|earlier| earlier != value) {
                return Err(Refusal::new(
                    400,
                    "the request has Content-Length fields that disagree",
                ));
            }
            length = Some(value);
        }
    }
    match (chunked, length) {
        (Some(true), _) => Ok(Some(Framing::chunked())),
        (Some(false), _) => Err(Refusal::new(
            400,
            "the last Transfer-Encoding of a request must be chunked",
        )),
        (None, Some(0) | None) => Ok(None),
        (None, Some(length)) => Ok(Some(Framing::Length(length))),
    }
}

/// A Content-Length value: ASCII digits only, below hyper's ceiling.
fn decimal(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = std::str::from_utf8(value).ok()?.parse::<u64>().ok()?;
    (number <= u64::MAX - 2).then_some(number)
}

/// Whether a byte of a request-target must be percent-encoded before hyper sees it: the
/// printable ASCII that RFC 3986 §2 leaves out of URIs and that clients send raw anyway, and
/// every byte above ASCII.
fn needs_escape(byte: u8) -> bool {
    matches!(
        byte,
        b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
    ) || !byte.is_ascii()
}

/// The request-target with [`needs_escape`] bytes percent-encoded; `%` escapes already there,
/// `+` and everything else stay as sent, so each byte is decoded once, later, like the rest.
fn escape_target(target: &str) -> String {
    let mut out = String::with_capacity(target.len());
    for byte in target.bytes() {
        if needs_escape(byte) {
            out.push_str(&format!("%{byte:02X}"));
        } else {
            out.push(char::from(byte));
        }
    }
    out
}

/// Where a request body ends.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Framing {
    /// This many bytes remain.
    Length(u64),
    /// `Transfer-Encoding: chunked` (RFC 9112 §7.1), in the states hyper's decoder has.
    Chunked(Chunk),
}

/// Where a chunked body is, byte by byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// Expecting the first hex digit of a chunk size.
    SizeStart,
    /// Reading a chunk size (of the value so far).
    Size(u64),
    /// Spaces after the size.
    SizeSpace(u64),
    /// A chunk extension, up to CR.
    Extension(u64),
    /// CR seen after the size line; LF must follow.
    SizeLf(u64),
    /// This many bytes of chunk data remain.
    Data(u64),
    /// Chunk data read; CR must follow.
    DataCr,
    /// CR read after the data; LF must follow.
    DataLf,
    /// After the last chunk or a trailer field: CR ends the body, anything else starts a field.
    TrailerStart,
    /// Inside a trailer field, up to CR.
    Trailer,
    /// CR seen in a trailer field; LF must follow.
    TrailerLf,
    /// CR of the final empty line seen; LF ends the body.
    EndLf,
}

/// Whether a body goes on after the bytes given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyState {
    Continues,
    Ended,
    /// Bytes hyper's decoder refuses too: its error ends the connection.
    Broken,
}

impl Framing {
    fn chunked() -> Framing {
        Framing::Chunked(Chunk::SizeStart)
    }

    /// Consumes the body's bytes at the start of `bytes`: how many belong to it, and whether it
    /// ended there.
    fn advance(&mut self, bytes: &[u8]) -> (usize, BodyState) {
        match self {
            Framing::Length(remaining) => {
                let used = usize::try_from(*remaining)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                *remaining -= used as u64;
                let state = if *remaining == 0 {
                    BodyState::Ended
                } else {
                    BodyState::Continues
                };
                (used, state)
            }
            Framing::Chunked(chunk) => chunk.advance(bytes),
        }
    }
}

impl Chunk {
    fn advance(&mut self, bytes: &[u8]) -> (usize, BodyState) {
        let mut used = 0;
        while used < bytes.len() {
            if let Chunk::Data(remaining) = *self {
                let taken = usize::try_from(remaining)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len() - used);
                used += taken;
                let left = remaining - taken as u64;
                *self = if left == 0 {
                    Chunk::DataCr
                } else {
                    Chunk::Data(left)
                };
                continue;
            }
            let byte = bytes[used];
            used += 1;
            let next = match (*self, byte) {
                (Chunk::SizeStart, _) => hex(byte).map(|digit| Chunk::Size(u64::from(digit))),
                (Chunk::Size(size), b'\t' | b' ') => Some(Chunk::SizeSpace(size)),
                (Chunk::Size(size) | Chunk::SizeSpace(size), b';') => Some(Chunk::Extension(size)),
                (Chunk::Size(size) | Chunk::SizeSpace(size) | Chunk::Extension(size), b'\r') => {
                    Some(Chunk::SizeLf(size))
                }
                (Chunk::Size(size), _) => hex(byte).and_then(|digit| {
                    let size = size.checked_mul(16)?.checked_add(u64::from(digit))?;
                    Some(Chunk::Size(size))
                }),
                (Chunk::SizeSpace(size), b'\t' | b' ') => Some(Chunk::SizeSpace(size)),
                (Chunk::Extension(_), b'\n') => None,
                (Chunk::Extension(size), _) => Some(Chunk::Extension(size)),
                (Chunk::SizeLf(0), b'\n') => Some(Chunk::TrailerStart),
                (Chunk::SizeLf(size), b'\n') => Some(Chunk::Data(size)),
                (Chunk::DataCr, b'\r') => Some(Chunk::DataLf),
                (Chunk::DataLf, b'\n') => Some(Chunk::SizeStart),
                (Chunk::TrailerStart, b'\r') => Some(Chunk::EndLf),
                (Chunk::Trailer, b'\r') => Some(Chunk::TrailerLf),
                (Chunk::TrailerStart | Chunk::Trailer, _) => Some(Chunk::Trailer),
                (Chunk::TrailerLf, b'\n') => Some(Chunk::TrailerStart),
                (Chunk::EndLf, b'\n') => return (used, BodyState::Ended),
                _ => None,
            };
            match next {
                Some(next) => *self = next,
                None => return (used, BodyState::Broken),
            }
        }
        (used, BodyState::Continues)
    }
}

fn hex(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admitted(raw: &str) -> (String, usize, Option<Framing>) {
        match read_head(raw.as_bytes(), true) {
            HeadRead::Admitted {
                head,
                consumed,
                body,
            } => (String::from_utf8(head).expect("ASCII"), consumed, body),
            other => panic!("not admitted: {other:?}"),
        }
    }

    fn refused(raw: &[u8]) -> Refusal {
        match read_head(raw, true) {
            HeadRead::Refused(refusal) => refusal,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn entra_raw_quotes_are_percent_encoded_and_nothing_else_changes() {
        let raw = "GET /scim/v2/Users?filter=userName+eq+\"dale.mohr%40example.com\" HTTP/1.1\r\n\
                   Host: h\r\n\r\n";
        let (head, consumed, body) = admitted(raw);
        assert_eq!(
            head,
            "GET /scim/v2/Users?filter=userName+eq+%22dale.mohr%40example.com%22 HTTP/1.1\r\n\
             Host: h\r\n\r\n"
        );
        assert_eq!((consumed, body), (raw.len(), None));
    }

    #[test]
    fn every_byte_a_uri_cannot_hold_is_encoded_and_escapes_already_there_are_kept() {
        assert_eq!(
            escape_target("/a?x={\"|^`\\<>}&y=%2B+é"),
            "/a?x=%7B%22%7C%5E%60%5C%3C%3E%7D&y=%2B+%C3%A9"
        );
    }

    #[test]
    fn the_quirk_leaves_the_target_as_sent() {
        let raw = b"GET /scim/v2/Users?filter=\"x\" HTTP/1.1\r\n\r\n";
        let HeadRead::Admitted { head, .. } = read_head(raw, false) else {
            panic!("admitted");
        };
        assert_eq!(head, raw);
    }

    #[test]
    fn an_unfinished_head_waits_for_more_bytes_until_it_is_too_large() {
        assert_eq!(
            read_head(b"GET /scim/v2/Users HT", true),
            HeadRead::Incomplete
        );
        let mut huge = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
        huge.resize(MAX_HEAD_BYTES + 1, b'a');
        assert_eq!(refused(&huge).status, 431);
    }

    #[test]
    fn heads_hyper_would_refuse_are_refused_with_a_reason() {
        let spaced = refused(b"GET /a b HTTP/1.1\r\n\r\n");
        assert_eq!(
            (spaced.status, spaced.detail.contains("space")),
            (400, true)
        );
        assert_eq!(refused(b"GET / HTTP/2.0\r\n\r\n").status, 505);
        let conflicting = b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n";
        assert!(refused(conflicting).detail.contains("disagree"));
        let gzip_only = b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n";
        assert!(refused(gzip_only).detail.contains("chunked"));
        let old = b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert!(refused(old).detail.contains("HTTP/1.0"));
        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for n in 0..=MAX_HEADER_FIELDS {
            many.extend_from_slice(format!("X-{n}: 1\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(refused(&many).status, 431);
    }

    #[test]
    fn body_framing_follows_hyper_chunked_wins_over_content_length() {
        let (_, _, body) = admitted("POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n");
        assert_eq!(body, Some(Framing::Length(12)));
        let (_, _, body) = admitted(
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 9\r\n\r\n",
        );
        assert_eq!(body, Some(Framing::chunked()));
        let (_, _, body) = admitted("DELETE / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        assert_eq!(body, None);
    }

    #[test]
    fn a_chunked_body_ends_after_its_last_chunk_and_trailers_and_not_before() {
        let body = b"4;ext=1\r\nWiki\r\n5 \r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\nGET /next";
        let end = body.len() - b"GET /next".len();
        for split in 0..body.len() {
            let mut framing = Framing::chunked();
            let (first, state) = framing.advance(&body[..split]);
            let (rest, state) = if state == BodyState::Continues {
                framing.advance(&body[first..])
            } else {
                (0, state)
            };
            assert_eq!(
                (first + rest, state),
                (end, BodyState::Ended),
                "split at {split}"
            );
        }
    }

    #[test]
    fn a_malformed_chunk_breaks_the_framing() {
        let mut framing = Framing::chunked();
        assert_eq!(framing.advance(b"zz\r\n").1, BodyState::Broken);
        let mut framing = Framing::chunked();
        assert_eq!(framing.advance(b"2\r\nabX").1, BodyState::Broken);
    }

    #[test]
    fn a_fixed_length_body_takes_exactly_its_bytes() {
        let mut framing = Framing::Length(5);
        assert_eq!(framing.advance(b"abc"), (3, BodyState::Continues));
        assert_eq!(framing.advance(b"deGET"), (2, BodyState::Ended));
    }
}
