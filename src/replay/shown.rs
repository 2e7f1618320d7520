//! Requests and answers as a transcript shows them: the request-target below the base URL, as
//! it went on the request line; every header, credentials redacted; bodies as sent, with
//! secret fields (`password`) redacted. It reads exchanges; it judges nothing.

use serde_json::Value;

use crate::client::{RawRequest, Request, Response, reason_phrase};
use crate::findings::{ShownAnswer, ShownRequest};
use crate::redact::{REDACTED, is_secret_header, redact_json};
use crate::runner::request::label;

/// A request as it went on the wire, its target shown below `base_url`.
pub(super) fn request(request: &Request, base_url: &str) -> ShownRequest {
    ShownRequest {
        method: request.method.to_string(),
        target: below(&request.url, base_url),
        headers: headers(&request.headers),
        body: request.body.as_deref().map(body),
    }
}

/// A request that got no answer, as the step wrote it.
pub(super) fn unsent(raw: &RawRequest) -> ShownRequest {
    let written = label(raw);
    let target = written
        .split_once(' ')
        .map_or(written.as_str(), |(_, target)| target)
        .to_owned();
    ShownRequest {
        method: raw.method.to_string(),
        target,
        headers: headers(&raw.headers),
        body: raw.body.as_deref().map(body),
    }
}

/// An answer.
pub(super) fn answer(response: &Response) -> ShownAnswer {
    ShownAnswer {
        status: response.status,
        reason: reason_phrase(response.status).to_owned(),
        headers: headers(&response.headers),
        body: (!response.body.is_empty()).then(|| body(&response.body)),
    }
}

/// The path and query of `url`, less the base URL's path: `/Users?filter=...`.
fn below(url: &str, base_url: &str) -> String {
    let path_of = |url: &str| -> String {
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        after_scheme
            .find('/')
            .map_or_else(|| "/".to_owned(), |at| after_scheme[at..].to_owned())
    };
    let full = path_of(url);
    let base = path_of(base_url);
    let base = base
        .split('?')
        .next()
        .unwrap_or_default()
        .trim_end_matches('/');
    match full.strip_prefix(base) {
        Some(rest) if rest.starts_with('/') || rest.starts_with('?') => rest.to_owned(),
        _ => full,
    }
}

fn headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = match is_secret_header(name) {
                true => REDACTED.to_owned(),
                false => value.clone(),
            };
            (name.clone(), value)
        })
        .collect()
}

/// A body as text: JSON as sent (keys in order, compact) with secret fields redacted, anything
/// else as it is.
fn body(bytes: &[u8]) -> String {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(mut json) => {
            redact_json(&mut json);
            json.to_string()
        }
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_shown_below_the_base_urls_path_and_keeps_its_query_as_sent() {
        let base = "http://127.0.0.1:8080/scim/v2";
        assert_eq!(
            below(
                "http://127.0.0.1:8080/scim/v2/Users?filter=userName+eq+\"a\"",
                base
            ),
            "/Users?filter=userName+eq+\"a\""
        );
        assert_eq!(
            below(
                "https://h/scim/v2/Users?aadOptscim062020&filter=x",
                "https://h/scim/v2?aadOptscim062020"
            ),
            "/Users?aadOptscim062020&filter=x"
        );
        assert_eq!(below("http://h/other/Users", base), "/other/Users");
    }

    #[test]
    fn credentials_and_secret_fields_are_redacted_and_the_rest_kept_in_order() {
        let shown = headers(&[
            ("Authorization".to_owned(), "Bearer s3cret".to_owned()),
            ("Accept".to_owned(), "application/scim+json".to_owned()),
        ]);
        assert_eq!(shown[0].1, REDACTED);
        assert_eq!(shown[1].1, "application/scim+json");
        assert_eq!(
            body(br#"{"userName":"a","password":"p4ss","active":true}"#),
            r#"{"userName":"a","password":"(redacted)","active":true}"#
        );
        assert_eq!(body(b"<html>"), "<html>");
    }
}
