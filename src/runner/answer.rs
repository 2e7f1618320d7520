//! One exchange as a check reads it ([`Answer`]) and as its outcome keeps it ([`Exchange`],
//! redacted). It reads what the service returned; it never sends, and judges nothing.

use std::time::Duration;

use serde_json::Value;

use super::error::CheckError;
use super::outcome::Exchange;
use crate::client::{RawExchange, RawRequest};
use crate::redact::{is_secret_header, redact_url};
use crate::scim::resource::get_ci;

/// Bodies kept in a check's exchanges are cut at this many bytes.
const MAX_KEPT_BODY_BYTES: usize = 64 * 1024;

/// One answer, read for assertions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as JSON; `None` when empty or not JSON.
    pub json: Option<Value>,
    /// What the step sent, for messages: `GET /Users?filter=...`.
    pub label: String,
}

impl Answer {
    /// Reads an exchange's answer. A 429 after every retry the client was allowed is no answer
    /// at all: throttling says nothing about conformance.
    pub fn read(exchange: &RawExchange, label: &str) -> Result<Answer, CheckError> {
        let response = &exchange.response;
        if response.status == 429 {
            return Err(CheckError::Throttled {
                label: label.to_owned(),
            });
        }
        Ok(Answer {
            status: response.status,
            headers: response.headers.clone(),
            json: serde_json::from_str(&String::from_utf8_lossy(&response.body)).ok(),
            label: label.to_owned(),
        })
    }

    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A top-level member of a JSON object body, by case-insensitive name.
    pub fn member(&self, name: &str) -> Option<&Value> {
        self.json
            .as_ref()
            .and_then(Value::as_object)
            .and_then(|body| get_ci(body, name))
    }

    /// ` ("the detail")` of a SCIM Error answer, on one line; empty when it has none.
    pub fn error_detail(&self) -> String {
        self.member("detail")
            .and_then(Value::as_str)
            .map(|d| format!(" (\"{}\")", crate::text::one_line(d)))
            .unwrap_or_default()
    }

    /// A 400 SCIM Error whose `scimType` is `invalidFilter`.
    pub fn declines_filter(&self) -> bool {
        self.status == 400
            && self
                .member("scimType")
                .and_then(Value::as_str)
                .is_some_and(|kind| kind.eq_ignore_ascii_case("invalidFilter"))
    }
}

/// The exchange as an outcome keeps it: secrets redacted, bodies cut.
pub(crate) fn recorded(exchange: &RawExchange, elapsed: Duration) -> Exchange {
    let (request, response) = (&exchange.request, &exchange.response);
    let body_text = String::from_utf8_lossy(&response.body);
    Exchange {
        method: request.method,
        url: redact_url(&request.url),
        request_headers: redact_headers(&request.headers),
        request_body: request
            .body
            .as_deref()
            .map(|b| cut(&String::from_utf8_lossy(b))),
        status: Some(response.status),
        response_headers: redact_headers(&response.headers),
        response_body: (!body_text.is_empty()).then(|| cut(&body_text)),
        elapsed,
    }
}

/// A request that got no answer, as an outcome keeps it.
pub(crate) fn unanswered(request: &RawRequest, elapsed: Duration) -> Exchange {
    Exchange {
        method: request.method,
        url: request.path.clone(),
        request_headers: Vec::new(),
        request_body: None,
        status: None,
        response_headers: Vec::new(),
        response_body: None,
        elapsed,
    }
}

fn cut(text: &str) -> String {
    if text.len() > MAX_KEPT_BODY_BYTES {
        let mut end = MAX_KEPT_BODY_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}... (cut)", &text[..end])
    } else {
        text.to_owned()
    }
}

fn redact_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let shown = if is_secret_header(name) {
                "(redacted)".to_owned()
            } else {
                value.clone()
            };
            (name.clone(), shown)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::client::{Request, Response};
    use crate::scim::method::Method;

    fn exchange(status: u16, body: &str) -> RawExchange {
        RawExchange {
            request: Request {
                method: Method::Post,
                url: "https://scim.example/Users?access_token=s3cret".to_owned(),
                verbatim: false,
                headers: vec![
                    ("Authorization".to_owned(), "Bearer s3cret".to_owned()),
                    ("Accept".to_owned(), "application/scim+json".to_owned()),
                ],
                body: Some(b"{\"userName\":\"x\"}".to_vec()),
            },
            response: Response {
                status,
                headers: vec![(
                    "content-type".to_owned(),
                    "application/scim+json".to_owned(),
                )],
                body: body.as_bytes().to_vec(),
                elapsed: Duration::ZERO,
            },
        }
    }

    #[test]
    fn a_kept_exchange_never_shows_a_secret() {
        let kept = recorded(&exchange(201, "{}"), Duration::ZERO);
        assert!(!format!("{kept:?}").contains("s3cret"), "{kept:?}");
        assert_eq!(kept.request_headers[0].1, "(redacted)");
        assert_eq!(kept.request_body.as_deref(), Some("{\"userName\":\"x\"}"));
    }

    #[test]
    fn a_huge_body_is_cut_on_a_character_boundary() {
        let huge = "é".repeat(MAX_KEPT_BODY_BYTES);
        let kept = recorded(&exchange(200, &huge), Duration::ZERO);
        let body = kept.response_body.unwrap();
        assert!(body.ends_with("... (cut)") && body.len() < huge.len());
    }

    #[test]
    fn an_answer_reads_json_headers_and_error_details() {
        let body = r#"{"Detail": "bad\nfilter", "scimType": "INVALIDFILTER"}"#;
        let answer = Answer::read(&exchange(400, body), "GET /Users").unwrap();
        assert_eq!(answer.header("Content-Type"), Some("application/scim+json"));
        assert_eq!(answer.error_detail(), " (\"bad\\nfilter\")");
        assert!(answer.declines_filter());
        let throttled = Answer::read(&exchange(429, ""), "GET /Users").unwrap_err();
        assert_eq!(
            throttled.to_string(),
            "GET /Users: still 429 Too Many Requests after retrying; no verdict"
        );
    }
}
