//! What went wrong with a request, said in one line, and which exit code it ends the process
//! with. Server text is summarised, never dumped.
//!
//! A SCIM Error body (RFC 7644 §3.12) becomes `409 uniqueness: detail (POST /Users)`. Servers
//! also answer with things that are not SCIM Errors: HTML login pages from an SSO proxy, plain
//! text from a load balancer, a redirect to an identity provider, JSON in some other shape.
//! Those are recognised and summarised in one line; an HTML sign-in page or a redirect to an
//! identity provider counts as an authentication failure (exit 5).
//!
//! A media type is judged only when the answer has content (`has_content`): a 204's
//! Content-Type is meaningless (RFC 9110 §15.3.5; RFC 7644 §3.6 answers DELETE with 204), and
//! servers send `text/html` or `text/plain` there (Django does). Content that is JSON is read
//! as JSON whatever its label says. Every place that reads an answer's kind goes through this
//! module:
//!
//! - `ScimClient::accept` (`mod.rs`): the success path of every request sent with `send`, so of
//!   every operation in `ops.rs` (get, `/Me`, list and search, create, replace, patch, delete,
//!   lookups), of paging (`paging.rs`, through `list`) and of discovery (`discovery.rs`, through
//!   `send_json`);
//! - `response_json` (`mod.rs`): a success body as JSON, no body being `None`;
//! - [`classify_failure`]: every error answer, including the OAuth token endpoint's
//!   (`auth.rs`);
//! - the conformance runner reads bodies as JSON whatever their label and judges a media type
//!   only where a check asserts one, on answers that must have a body.

use std::fmt;

use serde_json::Value;

use super::transport::{Response, TransportError, TransportErrorKind};
use crate::exit::Exit;
use crate::scim::model;
use crate::text::one_line;

/// Everything a SCIM request can end in other than success.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Invalid input (a bad URL or id, unusable settings): nothing was sent.
    #[error("{0}")]
    Usage(String),
    /// The exchange did not complete: network, TLS, timeout, or an oversized body.
    #[error("{}", transport_summary(label, error, retry_note.as_deref()))]
    Transport {
        label: String,
        error: TransportError,
        /// Why it was not retried, or that retries ran out.
        retry_note: Option<String>,
    },
    /// The server answered with an error status (or with something that is not SCIM at all).
    #[error("{0}")]
    Http(HttpFailure),
    /// A redirect that must not be followed, or too many of them.
    #[error("{reason} ({label})")]
    Redirect { label: String, reason: String },
    /// The OAuth 2.0 token endpoint refused to issue a token.
    #[error("{0}")]
    OAuth(String),
    /// A successful answer whose body is not JSON.
    #[error("{reason} ({label})")]
    InvalidBody { label: String, reason: String },
}

impl ClientError {
    /// The exit code this error ends the process with.
    pub fn exit(&self) -> Exit {
        match self {
            ClientError::Usage(_) => Exit::Usage,
            ClientError::Transport { error, .. } => match error.kind {
                TransportErrorKind::BodyTooLarge => Exit::ServerError,
                _ => Exit::Network,
            },
            ClientError::Http(failure) => failure.exit(),
            ClientError::Redirect { .. } => Exit::Network,
            ClientError::OAuth(_) => Exit::Auth,
            ClientError::InvalidBody { .. } => Exit::ServerError,
        }
    }
}

/// `no answer in time: ... (GET /Users); not retried: ...`: what kept an exchange from
/// completing, for [`ClientError::Transport`].
fn transport_summary(label: &str, error: &TransportError, retry_note: Option<&str>) -> String {
    let what = match error.kind {
        TransportErrorKind::Timeout => "no answer in time",
        TransportErrorKind::Connect => "cannot connect",
        TransportErrorKind::Tls => "TLS failure",
        TransportErrorKind::Dropped => "connection lost",
        TransportErrorKind::BodyTooLarge | TransportErrorKind::Other => "request failed",
    };
    let summary = format!("{what}: {} ({label})", one_line(&error.message));
    match retry_note {
        Some(note) => format!("{summary}; {note}"),
        None => summary,
    }
}

impl From<ClientError> for crate::exit::ExitError {
    fn from(error: ClientError) -> Self {
        crate::exit::ExitError::new(error.exit(), error)
    }
}

/// What an error answer's body turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureBody {
    /// A SCIM Error (RFC 7644 §3.12), tolerating a numeric `status` and a missing `schemas`.
    Scim {
        scim_type: Option<String>,
        detail: Option<String>,
        /// `status` was a JSON number instead of the string the RFC requires.
        numeric_status: bool,
    },
    /// JSON, but not a SCIM Error; the most telling message field, if any.
    OtherJson(Option<String>),
    /// An HTML page.
    Html {
        title: Option<String>,
        /// It looks like a sign-in form (a password field, "sign in", SSO wording).
        login_like: bool,
    },
    /// A redirect that was not followed.
    Redirect {
        location: String,
        /// The target looks like an identity provider's sign-in endpoint.
        sso_like: bool,
    },
    /// Plain text (its first line).
    Text(String),
    /// No body.
    Empty,
}

/// An answer that is an error, summarised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpFailure {
    pub status: u16,
    /// Method and path below the base URL, e.g. `POST /Users`.
    pub label: String,
    pub body: FailureBody,
}

impl HttpFailure {
    /// 401 and 403 are authentication failures, and so is any answer that is a sign-in page.
    pub fn exit(&self) -> Exit {
        let signs_in = match &self.body {
            FailureBody::Html { login_like, .. } => *login_like,
            FailureBody::Redirect { sso_like, .. } => *sso_like,
            _ => false,
        };
        if matches!(self.status, 401 | 403) || (signs_in && self.status < 400) {
            Exit::Auth
        } else {
            Exit::ServerError
        }
    }
}

impl HttpFailure {
    /// The answer in one line, without the request it answered: `404: no such user`.
    pub fn answer(&self) -> String {
        Answered(self).to_string()
    }
}

impl fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", Answered(self), self.label)
    }
}

/// An [`HttpFailure`] shown without its request label.
struct Answered<'a>(&'a HttpFailure);

impl fmt::Display for Answered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.0.status;
        match &self.0.body {
            FailureBody::Scim {
                scim_type, detail, ..
            } => {
                write!(f, "{status}")?;
                if let Some(scim_type) = scim_type {
                    write!(f, " {}", one_line(scim_type))?;
                }
                match detail {
                    Some(detail) => write!(f, ": {}", one_line(detail))?,
                    None if scim_type.is_none() => write!(f, " {}", reason_phrase(status))?,
                    None => {}
                }
            }
            FailureBody::OtherJson(Some(message)) => {
                write!(
                    f,
                    "{status}: {} (JSON, not a SCIM Error)",
                    one_line(message)
                )?;
            }
            FailureBody::OtherJson(None) => {
                write!(
                    f,
                    "{status} {}: a JSON body that is not a SCIM Error",
                    reason_phrase(status)
                )?;
            }
            FailureBody::Html { title, login_like } => {
                write!(f, "{status}: an HTML page")?;
                if let Some(title) = title {
                    write!(f, " titled \"{}\"", one_line(title))?;
                }
                write!(f, " instead of a SCIM response")?;
                if *login_like {
                    write!(
                        f,
                        "; it looks like a sign-in page, so a proxy or SSO gateway stands in front \
                         of the SCIM endpoint: check the URL and the credentials"
                    )?;
                }
            }
            FailureBody::Redirect { location, sso_like } => {
                write!(f, "{status}: redirected to {}", one_line(location))?;
                if *sso_like {
                    write!(
                        f,
                        ", which looks like a single sign-on login: the URL reaches a front door, \
                         not the SCIM API"
                    )?;
                }
            }
            FailureBody::Text(text) => write!(
                f,
                "{status}: \"{}\" (plain text, not a SCIM Error)",
                one_line(text)
            )?,
            FailureBody::Empty => write!(f, "{status} {}", reason_phrase(status))?,
        }
        Ok(())
    }
}

/// Reads an error answer: SCIM Error, other JSON, HTML, redirect, text or nothing.
pub fn classify_failure(label: &str, response: &Response) -> HttpFailure {
    HttpFailure {
        status: response.status,
        label: label.to_owned(),
        body: classify_body(response),
    }
}

fn classify_body(response: &Response) -> FailureBody {
    if (300..400).contains(&response.status) {
        if let Some(location) = response.header("location") {
            return FailureBody::Redirect {
                location: crate::redact::redact_url(location),
                sso_like: sso_like(location),
            };
        }
    }
    if let Some(body) = non_json_page(response) {
        return body;
    }
    let text = String::from_utf8_lossy(&response.body);
    if text.trim().is_empty() {
        return FailureBody::Empty;
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(json) => json_failure(&json),
        Err(_) => FailureBody::Text(text.trim().lines().next().unwrap_or_default().to_owned()),
    }
}

/// Whether a body holds anything but whitespace. An answer without content has no media type
/// worth judging, whatever its Content-Type says.
pub(crate) fn has_content(body: &[u8]) -> bool {
    !body.iter().all(u8::is_ascii_whitespace)
}

/// Recognises an HTML page among answers of any status, including a 200 that should have been
/// SCIM JSON (an SSO proxy's sign-in page after a redirect). An answer without content, or
/// whose content is JSON, is no page, whatever its Content-Type.
pub fn non_json_page(response: &Response) -> Option<FailureBody> {
    if !has_content(&response.body) {
        return None;
    }
    let content_type = response
        .header("content-type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    // Most answers are JSON: neither labelled HTML nor opening with `<` (nor with a character
    // beyond ASCII, which Unicode whitespace could be), they are no page, and the body need not
    // be decoded (an import reads thousands of answers).
    let opening = response
        .body
        .iter()
        .find(|byte| !byte.is_ascii_whitespace());
    if !content_type.starts_with("text/html") && opening.is_some_and(|b| *b != b'<' && b.is_ascii())
    {
        return None;
    }
    let text = String::from_utf8_lossy(&response.body);
    let start: String = text
        .trim_start()
        .chars()
        .take(200)
        .collect::<String>()
        .to_ascii_lowercase();
    let is_html = content_type.starts_with("text/html")
        || start.starts_with("<!doctype html")
        || start.starts_with("<html");
    // The content decides, not the label: JSON mislabelled `text/html` (a SCIM Error passed
    // through a gateway) is read as JSON, and the label is only noted.
    if !is_html || serde_json::from_slice::<Value>(&response.body).is_ok() {
        return None;
    }
    let lower = text.to_lowercase();
    let title = html_title(&text, &lower);
    let login_like = [
        "type=\"password\"",
        "type='password'",
        "type=password",
        "sign in",
        "sign-in",
        "signin",
        "log in",
        "login",
        "single sign-on",
        "saml",
    ]
    .iter()
    .any(|word| lower.contains(word));
    Some(FailureBody::Html { title, login_like })
}

fn html_title(text: &str, lower: &str) -> Option<String> {
    let open = lower.find("<title")?;
    let content_start = open + lower.get(open..)?.find('>')? + 1;
    let content_end = content_start + lower.get(content_start..)?.find("</title")?;
    let title = text.get(content_start..content_end)?.trim();
    (!title.is_empty()).then(|| title.to_owned())
}

fn sso_like(location: &str) -> bool {
    let lower = location.to_ascii_lowercase();
    [
        "login",
        "signin",
        "sign-in",
        "sso",
        "saml",
        "oauth",
        "authorize",
        "/auth",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

fn json_failure(json: &Value) -> FailureBody {
    let Some(object) = json.as_object() else {
        return FailureBody::OtherJson(None);
    };
    let field = |name: &str| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    };
    let says_error = field("schemas")
        .and_then(Value::as_array)
        .is_some_and(|schemas| {
            schemas.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(model::ERROR))
            })
        });
    let status = field("status");
    let looks_like_error =
        status.is_some() && (field("detail").is_some() || field("scimType").is_some());
    if says_error || looks_like_error {
        let text = |name: &str| field(name).and_then(Value::as_str).map(str::to_owned);
        return FailureBody::Scim {
            scim_type: text("scimType").filter(|t| !t.is_empty()),
            detail: text("detail").filter(|d| !d.is_empty()),
            numeric_status: status.is_some_and(Value::is_number),
        };
    }
    let message = ["detail", "message", "error_description", "error", "title"]
        .iter()
        .find_map(|name| field(name).and_then(Value::as_str))
        .map(str::to_owned);
    FailureBody::OtherJson(message)
}

/// The standard reason phrase of common statuses (RFC 9110 §15), for bodiless answers.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn answer(status: u16, content_type: &str, body: &str) -> Response {
        Response {
            status,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            body: body.as_bytes().to_vec(),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_scim_error_becomes_one_line_with_its_type_and_detail() {
        let failure = classify_failure(
            "POST /Users",
            &answer(
                409,
                "application/scim+json",
                r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"userName \"bjensen\" already exists"}"#,
            ),
        );
        assert_eq!(
            failure.to_string(),
            r#"409 uniqueness: userName "bjensen" already exists (POST /Users)"#
        );
        assert_eq!(failure.exit(), Exit::ServerError);
    }

    #[test]
    fn a_numeric_status_and_missing_schemas_are_tolerated_and_noted() {
        let failure = classify_failure(
            "GET /Users/x",
            &answer(
                404,
                "application/json",
                r#"{"status":404,"detail":"no such user"}"#,
            ),
        );
        assert_eq!(
            failure.body,
            FailureBody::Scim {
                scim_type: None,
                detail: Some("no such user".to_owned()),
                numeric_status: true
            }
        );
        assert_eq!(failure.to_string(), "404: no such user (GET /Users/x)");
    }

    #[test]
    fn an_html_login_page_is_summarised_and_counts_as_an_auth_failure() {
        let page = "<!DOCTYPE html><html><head><title>Sign in - Acme SSO</title></head>\
                    <body><form><input type=\"password\" name=\"pw\"></form></body></html>";
        let failure =
            classify_failure("GET /Users", &answer(200, "text/html; charset=utf-8", page));
        assert_eq!(
            failure.body,
            FailureBody::Html {
                title: Some("Sign in - Acme SSO".to_owned()),
                login_like: true
            }
        );
        let line = failure.to_string();
        assert!(line.starts_with("200: an HTML page titled \"Sign in - Acme SSO\" instead of a SCIM response; it looks like a sign-in page"), "{line}");
        assert!(!line.contains("<form"), "{line}");
        assert_eq!(failure.exit(), Exit::Auth);
    }

    #[test]
    fn an_html_error_page_from_a_proxy_is_not_dumped() {
        let failure = classify_failure(
            "GET /Users",
            &answer(
                502,
                "text/html",
                "<html><title>502 Bad Gateway</title><body>nginx</body></html>",
            ),
        );
        assert_eq!(
            failure.to_string(),
            "502: an HTML page titled \"502 Bad Gateway\" instead of a SCIM response (GET /Users)"
        );
        assert_eq!(failure.exit(), Exit::ServerError);
    }

    #[test]
    fn plain_text_is_quoted_on_one_line_with_controls_escaped() {
        let failure = classify_failure(
            "DELETE /Users/1",
            &answer(
                500,
                "text/plain",
                "upstream \u{1b}[31mfailed\nstack trace...",
            ),
        );
        assert_eq!(
            failure.to_string(),
            "500: \"upstream \\u{1b}[31mfailed\" (plain text, not a SCIM Error) (DELETE /Users/1)"
        );
    }

    #[test]
    fn a_redirect_to_an_identity_provider_is_recognised() {
        let mut response = answer(302, "text/html", "");
        response.headers.push((
            "location".to_owned(),
            "https://login.example.com/saml2/authorize?x=1".to_owned(),
        ));
        let failure = classify_failure("POST /Users", &response);
        assert!(matches!(
            failure.body,
            FailureBody::Redirect { sso_like: true, .. }
        ));
        assert!(
            failure
                .to_string()
                .contains("looks like a single sign-on login")
        );
        assert_eq!(failure.exit(), Exit::Auth);
    }

    #[test]
    fn other_json_and_empty_bodies_are_summarised() {
        let oauth_style = classify_failure(
            "GET /Users",
            &answer(
                401,
                "application/json",
                r#"{"error":"invalid_token","error_description":"expired"}"#,
            ),
        );
        assert_eq!(
            oauth_style.to_string(),
            "401: expired (JSON, not a SCIM Error) (GET /Users)"
        );
        assert_eq!(oauth_style.exit(), Exit::Auth);
        let empty = classify_failure("GET /Users/1", &answer(404, "", ""));
        assert_eq!(empty.to_string(), "404 Not Found (GET /Users/1)");
    }

    #[test]
    fn an_answer_without_content_is_judged_by_its_status_not_its_content_type() {
        for content_type in ["text/html", "text/html; charset=utf-8", "text/plain", ""] {
            for body in ["", "\r\n"] {
                let empty = answer(204, content_type, body);
                assert_eq!(non_json_page(&empty), None, "{content_type:?} {body:?}");
                let failure = classify_failure("GET /Users/1", &answer(404, content_type, body));
                assert_eq!(failure.body, FailureBody::Empty, "{content_type:?}");
                assert_eq!(failure.to_string(), "404 Not Found (GET /Users/1)");
            }
        }
        let page = answer(200, "text/html", "<html><title>Sign in</title></html>");
        assert!(
            non_json_page(&page).is_some(),
            "a page with content is still one"
        );
    }

    #[test]
    fn a_page_is_recognised_by_its_opening_whatever_its_label() {
        for body in [
            "\r\n  <!DOCTYPE html><html><title>Sign in</title></html>",
            "<html><title>Sign in</title></html>",
            "\u{a0}<html><title>Sign in</title></html>",
        ] {
            let page = answer(200, "application/scim+json", body);
            assert!(non_json_page(&page).is_some(), "{body:?}");
        }
        let resource = answer(200, "application/scim+json", r#" {"id":"1"}"#);
        assert_eq!(non_json_page(&resource), None);
    }

    #[test]
    fn json_labelled_as_html_is_read_as_json() {
        let error = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"taken"}"#;
        let failure = classify_failure("POST /Users", &answer(409, "text/html", error));
        assert_eq!(failure.to_string(), "409 uniqueness: taken (POST /Users)");
        let resource = answer(200, "text/html; charset=utf-8", r#"{"id":"1"}"#);
        assert_eq!(non_json_page(&resource), None);
    }

    #[test]
    fn each_error_maps_to_its_exit_code() {
        let forbidden = classify_failure("GET /Users", &answer(403, "", ""));
        assert_eq!(forbidden.exit(), Exit::Auth);
        let timeout = ClientError::Transport {
            label: "GET /Users".to_owned(),
            error: TransportError {
                kind: TransportErrorKind::Timeout,
                message: "operation timed out".to_owned(),
            },
            retry_note: Some("gave up after 4 attempts".to_owned()),
        };
        assert_eq!(timeout.exit(), Exit::Network);
        assert_eq!(
            timeout.to_string(),
            "no answer in time: operation timed out (GET /Users); gave up after 4 attempts"
        );
        assert_eq!(ClientError::Usage("bad".to_owned()).exit(), Exit::Usage);
        assert_eq!(ClientError::OAuth("refused".to_owned()).exit(), Exit::Auth);
    }
}
