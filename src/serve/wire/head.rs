//! One HTTP/1.1 request head read from bytes (RFC 9112 §2-§3, §6-§7): the request-target made a
//! URI hyper accepts, the body's framing followed byte by byte. Pure: it reads no socket.

use super::Refusal;

/// The largest request head read (request line and header fields); larger ones get 431.
/// hyper's own limit is far above it, so hyper never refuses a head this module let through.
pub(super) const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The most header fields a request may carry (hyper's default).
pub(super) const MAX_HEADER_FIELDS: usize = 100;

/// The longest request-target hyper takes, after percent-encoding.
pub(super) const MAX_TARGET_BYTES: usize = u16::MAX as usize - 1;

/// What reading the start of the inbox as a request head gave.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum HeadRead {
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
pub(super) fn read_head(buffer: &[u8], rewrite_targets: bool) -> HeadRead {
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
pub(super) enum Framing {
    /// This many bytes remain.
    Length(u64),
    /// `Transfer-Encoding: chunked` (RFC 9112 §7.1), in the states hyper's decoder has.
    Chunked(Chunk),
}

/// Where a chunked body is, byte by byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Chunk {
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
pub(super) enum BodyState {
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
    pub(super) fn advance(&mut self, bytes: &[u8]) -> (usize, BodyState) {
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
