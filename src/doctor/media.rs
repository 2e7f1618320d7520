//! The media-type stage: the server labels its JSON answers `application/scim+json` (RFC 7644
//! §8.1; a `charset` parameter is fine), and takes a request body labelled `application/json`
//! (§3.8 says it SHOULD), tried read-only on `POST .../.search`. It judges answers only.

use serde_json::json;

use crate::client::{Method, SCIM_MEDIA_TYPE};
use crate::findings::{Deviation, Line};
use crate::scim::model::SEARCH_REQUEST;

use super::{Context, Exchange, Probe, Sender};

/// Judges the answers seen so far, then tries a search sent as `application/json`.
pub async fn run(sender: &dyn Sender, context: &Context, seen: &[Exchange]) -> Vec<Line> {
    let mut lines = vec![judge_content_types(seen)];
    let search = Probe::new(Method::Post, &format!("{}/.search", context.users), &[]).with_body(
        &json!({ "schemas": [SEARCH_REQUEST], "startIndex": 1, "count": 1 }),
        "application/json",
    );
    let exchange = sender.send(&search.noted("as application/json")).await;
    lines.push(judge_json_request(&exchange));
    lines
}

/// The media type of a header value, lowercased, without parameters.
fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Every successful answer with content must say `application/scim+json`: one finding for
/// the first that does not, counting the others.
pub fn judge_content_types(seen: &[Exchange]) -> Line {
    let judged: Vec<(&Exchange, Option<String>)> = seen
        .iter()
        .filter(|exchange| exchange.succeeded())
        .filter(|exchange| {
            exchange
                .answer
                .as_ref()
                .is_ok_and(|response| !response.body.iter().all(u8::is_ascii_whitespace))
        })
        .map(|exchange| (exchange, exchange.header("content-type").map(essence)))
        .collect();
    let wrong: Vec<&(&Exchange, Option<String>)> = judged
        .iter()
        .filter(|(_, label)| label.as_deref() != Some(SCIM_MEDIA_TYPE))
        .collect();
    match wrong.first() {
        None if judged.is_empty() => {
            Line::Skipped("answer media type: not checked: no answer with content yet".to_owned())
        }
        None => Line::Ok(format!(
            "{} answer(s) say Content-Type: {SCIM_MEDIA_TYPE}",
            judged.len()
        )),
        Some((exchange, label)) => {
            let said = match label {
                Some(label) => format!("Content-Type is `{label}`"),
                None => "no Content-Type".to_owned(),
            };
            exchange.finding(
                Deviation::ResponseNotScimJson,
                format!("{said} ({} of {} answers)", wrong.len(), judged.len()),
            )
        }
    }
}

/// A request body labelled `application/json`: taken, refused with 415 (a finding), or not
/// judged when the endpoint is not there.
pub fn judge_json_request(exchange: &Exchange) -> Line {
    match exchange.status() {
        Some(status) if (200..300).contains(&status) => Line::Ok(format!(
            "{}: a body labelled application/json is taken ({status})",
            exchange.label
        )),
        Some(415) => exchange.finding(
            Deviation::RequestJsonRefused,
            format!("answered {}", exchange.summary()),
        ),
        _ => Line::Skipped(format!(
            "request media type: not checked: {} (--allow-writes tries it on a create)",
            exchange.described()
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::client::Response;

    fn answer(status: u16, content_type: Option<&str>, body: &str) -> Exchange {
        Exchange {
            label: "GET /Users".to_owned(),
            answer: Ok(Response {
                status,
                headers: content_type
                    .map(|ct| ("content-type".to_owned(), ct.to_owned()))
                    .into_iter()
                    .collect(),
                body: body.as_bytes().to_vec(),
                elapsed: Duration::ZERO,
            }),
        }
    }

    fn key(line: &Line) -> Option<&'static str> {
        match line {
            Line::Finding(finding) => Some(finding.deviation.key()),
            Line::Ok(_) | Line::Skipped(_) | Line::Failed(_) => None,
        }
    }

    #[test]
    fn scim_json_with_or_without_a_charset_is_right_and_plain_json_is_not() {
        let right = [
            answer(200, Some("application/scim+json"), "{}"),
            answer(200, Some("application/scim+json; charset=utf-8"), "{}"),
            answer(204, Some("text/html"), ""),
            answer(401, Some("text/html"), "<html>"),
        ];
        assert_eq!(key(&judge_content_types(&right)), None);
        let wrong = [
            answer(200, Some("application/scim+json"), "{}"),
            answer(200, Some("application/json"), "{}"),
            answer(200, None, "{}"),
        ];
        let line = judge_content_types(&wrong);
        assert_eq!(key(&line), Some("response-not-scim-json"));
        let Line::Finding(finding) = line else {
            unreachable!()
        };
        assert_eq!(
            finding.seen,
            "Content-Type is `application/json` (2 of 3 answers)"
        );
    }

    #[test]
    fn a_415_to_application_json_is_a_finding_and_a_missing_endpoint_is_not() {
        assert_eq!(
            key(&judge_json_request(&answer(415, None, ""))),
            Some("request-json-refused")
        );
        assert_eq!(key(&judge_json_request(&answer(200, None, "{}"))), None);
        assert!(matches!(
            judge_json_request(&answer(404, None, "")),
            Line::Skipped(_)
        ));
    }
}
