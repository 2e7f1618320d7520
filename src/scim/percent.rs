//! Percent-encoding (RFC 3986 §2.1) of the pieces of a SCIM URL, path segments and query
//! strings, and decoding them again. Pure, and it builds no URL itself: the client builds URLs
//! with it, the suites write identity providers' request-targets with it.

use std::fmt;

/// Where percent-encoded text comes from: only a query string reads `+` as a space (HTML forms,
/// and Entra sends filters that way); RFC 3986 §3.3 gives it no meaning in a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoded {
    Query,
    PathSegment,
}

impl Encoded {
    /// `the query string` or `a path segment`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Encoded::Query => "the query string",
            Encoded::PathSegment => "a path segment",
        }
    }
}

/// How a value is written into a query string: every identity provider percent-encodes what
/// is not an RFC 3986 unreserved character (`A-Z a-z 0-9 - . _ ~`), and they differ in the
/// space, which Okta writes `%20` and Microsoft Entra ID `+` (as HTML forms do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryEncoding {
    /// A space as `%20` (and `+` as `%2B`): RFC 3986, Okta.
    Percent,
    /// A space as `+` (and `+` as `%2B`): HTML forms, Entra.
    Form,
}

impl QueryEncoding {
    /// The name identity-provider files use: `percent` or `form`.
    pub fn parse(name: &str) -> Option<QueryEncoding> {
        match name {
            "percent" => Some(QueryEncoding::Percent),
            "form" => Some(QueryEncoding::Form),
            _ => None,
        }
    }
}

/// Percent-encodes everything but the unreserved characters, so the result is exactly one path
/// segment or one query value whatever it holds (`a b/c` is `a%20b%2Fc`).
pub fn encode_component(text: &str) -> String {
    encode(text, QueryEncoding::Percent)
}

/// Encodes `text` as one query value, a space as `encoding` says.
pub fn encode(text: &str, encoding: QueryEncoding) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else if byte == b' ' && encoding == QueryEncoding::Form {
            out.push('+');
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Why text could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// A `%` not followed by two hex digits, at this byte offset.
    BadEscape { at: usize, source: Encoded },
    /// The decoded bytes are not UTF-8.
    NotUtf8 { source: Encoded },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::BadEscape { at, source } => {
                write!(f, "bad percent escape at byte {at} of {}", source.name())
            }
            DecodeError::NotUtf8 { source } => {
                write!(f, "{} is not valid UTF-8 once decoded", source.name())
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes every `%XX` escape of `text` (and `+` in a query string).
pub fn decode(text: &str, source: Encoded) -> Result<String, DecodeError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'+' if source == Encoded::Query => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or(DecodeError::BadEscape { at: i, source })?;
                out.push(hex);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| DecodeError::NotUtf8 { source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode_and_plus_is_a_space_only_in_a_query() {
        assert_eq!(
            decode("a%2Fb%20c+d", Encoded::PathSegment).unwrap(),
            "a/b c+d"
        );
        assert_eq!(decode("a%2Fb%20c+d", Encoded::Query).unwrap(), "a/b c d");
        assert_eq!(decode("caf%C3%A9", Encoded::PathSegment).unwrap(), "café");
    }

    #[test]
    fn values_are_encoded_as_one_component_and_a_space_as_the_encoding_says() {
        let value = "Dale Mohr+sales@example.com/\"x\"~";
        assert_eq!(
            encode(value, QueryEncoding::Percent),
            "Dale%20Mohr%2Bsales%40example.com%2F%22x%22~"
        );
        assert_eq!(
            encode(value, QueryEncoding::Form),
            "Dale+Mohr%2Bsales%40example.com%2F%22x%22~"
        );
        assert_eq!(encode_component("café"), "caf%C3%A9");
        for encoding in [QueryEncoding::Percent, QueryEncoding::Form] {
            assert_eq!(
                decode(&encode(value, encoding), Encoded::Query).unwrap(),
                value,
                "{encoding:?} round-trips"
            );
        }
    }

    #[test]
    fn a_broken_escape_or_invalid_utf8_is_an_error_saying_where() {
        let error = decode("ab%4", Encoded::Query).unwrap_err();
        assert_eq!(
            error.to_string(),
            "bad percent escape at byte 2 of the query string"
        );
        assert_eq!(
            decode("%FF", Encoded::PathSegment).unwrap_err().to_string(),
            "a path segment is not valid UTF-8 once decoded"
        );
    }
}
