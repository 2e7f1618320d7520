//! The reads stage: what a sync's lookups and imports read, tried read-only on the users the
//! server already holds. A one-item list; a `userName eq` filter that finds a user, one on a
//! prefix of that userName that must not, one in another case that must; one that matches
//! nothing and must answer 200 with `totalResults` 0, also as Entra's Test Connection writes it
//! (raw quotes, `+`); paging, `count` and projections ([`super::lists`]); an unknown id; and the
//! user read by id. Every list, resource and Error is linted too. It judges answers only.

use serde_json::Value;

use crate::client::{Method, encode_component, equals_filter};
use crate::findings::{Deviation, Line};
use crate::lint::Kind;
use crate::scim::list::{ListPage, parse_list_response};
use crate::scim::resource::get_ci;

use super::lists;
use super::{Context, Exchange, Probe, Sender, lint_lines};

/// A user the server holds: what the filters look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub id: String,
    pub user_name: String,
}

/// What the stage found, and what the claims stage reads from it.
#[derive(Debug)]
pub struct Checked {
    pub lines: Vec<Line>,
    /// The first user listed, if the server holds one.
    pub sample: Option<Sample>,
    /// `GET /Users/{id}` of the sample.
    pub sample_read: Option<Exchange>,
    /// Whether a `userName eq` filter was answered with a list (`None`: not tried); whether
    /// the list is right is judged by this stage.
    pub filter_works: Option<bool>,
}

/// Sends the read probes in order and judges them.
pub async fn run(sender: &dyn Sender, context: &Context) -> Checked {
    let users = context.users.as_str();
    let mut lines = Vec::new();
    let mut linted = Vec::new();
    let first = sender
        .send(&Probe::get(users, &[("startIndex", "1"), ("count", "1")]))
        .await;
    let (line, page) = judge_first_page(&first);
    lines.push(line);
    linted.extend(first.linted(Kind::ListResponse, &context.schemas));
    let sample = page.as_ref().and_then(sample_of);
    let mut filter_works = None;
    match &sample {
        Some(sample) => {
            let (filter_lines, works) = filters(sender, context, sample, &mut linted).await;
            lines.extend(filter_lines);
            filter_works = Some(works);
        }
        None => lines.push(Line::Skipped(
            "filters that match: not checked: the server holds no user (seed one to check \
             them)"
                .to_owned(),
        )),
    }
    let no_match = sender
        .send(&Probe::get(
            users,
            &[("filter", &name_filter(&context.nonce))],
        ))
        .await;
    lines.push(judge_no_match(&no_match, &context.nonce));
    linted.extend(no_match.linted(Kind::ListResponse, &context.schemas));
    let raw = sender
        .send(&Probe::verbatim(
            Method::Get,
            &format!("{users}?filter=userName+eq+\"{}\"", context.nonce),
        ))
        .await;
    lines.push(judge_raw_query(&no_match, &raw));
    if let (Some(page), Some(_)) = (&page, &sample) {
        lines.extend(lists::paging(sender, users, page).await);
    }
    lines.extend(lists::counts(sender, users).await);
    let unknown = sender
        .send(&Probe::get(&format!("{users}/{}", context.nonce), &[]))
        .await;
    lines.push(judge_unknown_id(&unknown));
    if unknown.status() == Some(404) {
        linted.extend(unknown.linted(Kind::Error, &context.schemas));
    }
    lines.extend(lists::projections(sender, context, sample.is_some()).await);
    let sample_read = match &sample {
        Some(sample) => {
            let path = format!("{users}/{}", encode_component(&sample.id));
            let read = sender.send(&Probe::get(&path, &[])).await;
            lines.push(match read.succeeded() {
                true => Line::Ok(format!("{} reads the user", read.label)),
                false => Line::Failed(read.described()),
            });
            if read.succeeded() {
                linted.extend(read.linted(Kind::Resource, &context.schemas));
            }
            Some(read)
        }
        None => None,
    };
    lines.extend(lint_lines(linted));
    Checked {
        lines,
        sample,
        sample_read,
        filter_works,
    }
}

/// The three `userName eq` probes around the sample (the case of a userName is tried only
/// when the userName itself is found): whether the plain one was answered with a list.
async fn filters(
    sender: &dyn Sender,
    context: &Context,
    sample: &Sample,
    linted: &mut Vec<crate::findings::Finding>,
) -> (Vec<Line>, bool) {
    let users = context.users.as_str();
    let mut lines = Vec::new();
    let matching = sender
        .send(&Probe::get(
            users,
            &[("filter", &name_filter(&sample.user_name))],
        ))
        .await;
    let line = judge_match(&matching, sample);
    let found = matches!(line, Line::Ok(_));
    lines.push(line);
    linted.extend(matching.linted(Kind::ListResponse, &context.schemas));
    if let Some(prefix) = prefix_of(&sample.user_name) {
        let exchange = sender
            .send(&Probe::get(users, &[("filter", &name_filter(&prefix))]))
            .await;
        lines.push(judge_exact(&exchange, &prefix));
    }
    let upper = sample.user_name.to_uppercase();
    let other_case = if upper == sample.user_name {
        sample.user_name.to_lowercase()
    } else {
        upper
    };
    if other_case != sample.user_name && found {
        let exchange = sender
            .send(&Probe::get(users, &[("filter", &name_filter(&other_case))]))
            .await;
        lines.push(judge_case(&exchange, sample, &other_case));
    }
    (lines, matching.succeeded())
}

/// `userName eq "value"`, quoted as a JSON string.
pub fn name_filter(value: &str) -> String {
    equals_filter("userName", value).to_string()
}

/// The userName without its last character, when something is left.
fn prefix_of(user_name: &str) -> Option<String> {
    let mut prefix = user_name.to_owned();
    prefix.pop();
    (!prefix.is_empty()).then_some(prefix)
}

/// A 2xx answer read as a ListResponse, or why it cannot be.
pub fn page_of(exchange: &Exchange) -> Result<ListPage, String> {
    if !exchange.succeeded() {
        return Err(exchange.described());
    }
    let body = exchange
        .json()
        .ok_or_else(|| format!("{}: the answer is not JSON", exchange.label))?;
    parse_list_response(body).map_err(|why| format!("{}: {why}", exchange.label))
}

/// A string attribute of a resource (names are case-insensitive).
pub fn text<'a>(resource: &'a Value, name: &str) -> Option<&'a str> {
    resource
        .as_object()
        .and_then(|object| get_ci(object, name))
        .and_then(Value::as_str)
}

/// The ids of a page's resources.
pub fn ids(page: &ListPage) -> Vec<&str> {
    page.resources
        .iter()
        .filter_map(|r| text(r, "id"))
        .collect()
}

/// The first user of a page that has an id and a userName.
pub fn sample_of(page: &ListPage) -> Option<Sample> {
    page.resources.iter().find_map(|resource| {
        Some(Sample {
            id: text(resource, "id")?.to_owned(),
            user_name: text(resource, "userName")?.to_owned(),
        })
    })
}

/// The one-item list: read, or why the reads cannot go on from it.
pub fn judge_first_page(exchange: &Exchange) -> (Line, Option<ListPage>) {
    match page_of(exchange) {
        Ok(page) => {
            let total = page
                .total_results
                .map_or("no totalResults".to_owned(), |n| {
                    format!("totalResults {n}")
                });
            let line = Line::Ok(format!(
                "{}: {} user(s), {total}",
                exchange.label,
                page.resources.len()
            ));
            (line, Some(page))
        }
        Err(why) => (Line::Failed(why), None),
    }
}

/// The filter on the sample's own userName must list it.
pub fn judge_match(exchange: &Exchange, sample: &Sample) -> Line {
    let missed = match page_of(exchange) {
        Ok(page) if ids(&page).contains(&sample.id.as_str()) => {
            return Line::Ok(format!("{}: finds the user", exchange.label));
        }
        Ok(page) => format!(
            "the user `{}` (id {}) is not among the {} resource(s) listed",
            sample.user_name,
            sample.id,
            page.resources.len()
        ),
        Err(_) => format!(
            "answered {} although the user `{}` exists",
            exchange.summary(),
            sample.user_name
        ),
    };
    exchange.finding(Deviation::FilterMissesExisting, missed)
}

/// The filter on a prefix of the sample's userName must list only exact matches.
pub fn judge_exact(exchange: &Exchange, value: &str) -> Line {
    let page = match page_of(exchange) {
        Ok(page) => page,
        Err(why) => return Line::Skipped(format!("`eq` on a prefix: not checked: {why}")),
    };
    let others: Vec<&str> = page
        .resources
        .iter()
        .filter_map(|r| text(r, "userName"))
        .filter(|name| !name.eq_ignore_ascii_case(value))
        .collect();
    match others.first() {
        None => Line::Ok(format!("{}: lists no other user", exchange.label)),
        Some(other) => exchange.finding(
            Deviation::FilterEqNotExact,
            format!("`userName eq \"{value}\"` also lists `{other}`"),
        ),
    }
}

/// The filter on the sample's userName in another case must list it.
pub fn judge_case(exchange: &Exchange, sample: &Sample, other_case: &str) -> Line {
    match page_of(exchange) {
        Ok(page) if ids(&page).contains(&sample.id.as_str()) => Line::Ok(format!(
            "{}: finds the user whatever the case",
            exchange.label
        )),
        Ok(_) => exchange.finding(
            Deviation::FilterUserNameCaseSensitive,
            format!("`{other_case}` does not find `{}`", sample.user_name),
        ),
        Err(_) if exchange.status() == Some(404) => exchange.finding(
            Deviation::FilterUserNameCaseSensitive,
            format!(
                "`{other_case}` does not find `{}`: {}",
                sample.user_name,
                exchange.summary()
            ),
        ),
        Err(why) => Line::Skipped(format!("userName case: not checked: {why}")),
    }
}

/// A filter that matches nothing: 200 with `totalResults` 0.
pub fn judge_no_match(exchange: &Exchange, value: &str) -> Line {
    match page_of(exchange) {
        Ok(page) if page.resources.is_empty() => Line::Ok(format!(
            "{}: 200, totalResults {}",
            exchange.label,
            page.total_results
                .map_or("missing".to_owned(), |n| n.to_string())
        )),
        Ok(_) => judge_exact(exchange, value),
        Err(_) if exchange.answer.is_err() => Line::Failed(exchange.described()),
        Err(_) => exchange.finding(
            Deviation::FilterNoMatchError,
            format!("answered {}", exchange.summary()),
        ),
    }
}

/// Entra's Test Connection line (raw quotes, `+` for spaces) must be answered like the same
/// filter sent encoded.
pub fn judge_raw_query(encoded: &Exchange, raw: &Exchange) -> Line {
    if raw.succeeded() {
        return Line::Ok(format!(
            "{}: {} (Entra's Test Connection)",
            raw.label,
            raw.summary()
        ));
    }
    if !encoded.succeeded() {
        return Line::Skipped(format!(
            "{}: answered {}, like the same filter encoded",
            raw.label,
            raw.summary()
        ));
    }
    raw.finding(
        Deviation::RawQueryRefused,
        format!(
            "answered {}, though the same filter encoded answers {}",
            raw.summary(),
            encoded.summary()
        ),
    )
}

/// A resource id the server does not hold: 404.
pub fn judge_unknown_id(exchange: &Exchange) -> Line {
    match exchange.status() {
        Some(404) => Line::Ok(format!("{}: 404", exchange.label)),
        Some(_) => exchange.finding(
            Deviation::UnknownIdNot404,
            format!("answered {}", exchange.summary()),
        ),
        None => Line::Failed(exchange.described()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::client::Response;

    fn answer(status: u16, body: &Value) -> Exchange {
        Exchange {
            label: "GET /Users?filter=x".to_owned(),
            answer: Ok(Response {
                status,
                headers: Vec::new(),
                body: body.to_string().into_bytes(),
                elapsed: Duration::ZERO,
            }),
        }
    }

    fn list(users: &[(&str, &str)]) -> Value {
        let resources: Vec<Value> = users
            .iter()
            .map(|(id, name)| json!({"id": id, "userName": name}))
            .collect();
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": resources.len(),
            "Resources": resources,
        })
    }

    fn sample() -> Sample {
        Sample {
            id: "1".to_owned(),
            user_name: "alice".to_owned(),
        }
    }

    fn key(line: &Line) -> Option<&'static str> {
        match line {
            Line::Finding(finding) => Some(finding.deviation.key()),
            Line::Ok(_) | Line::Skipped(_) | Line::Failed(_) => None,
        }
    }

    #[test]
    fn the_first_page_gives_the_sample_the_filters_look_for() {
        let (line, page) = judge_first_page(&answer(200, &list(&[("1", "alice")])));
        assert!(matches!(line, Line::Ok(_)));
        assert_eq!(sample_of(&page.expect("page")), Some(sample()));
        let (line, page) = judge_first_page(&answer(500, &json!({})));
        assert!(matches!(line, Line::Failed(_)) && page.is_none());
    }

    #[test]
    fn a_filter_on_an_existing_user_name_must_find_it() {
        assert_eq!(
            key(&judge_match(
                &answer(200, &list(&[("1", "alice")])),
                &sample()
            )),
            None
        );
        assert_eq!(
            key(&judge_match(&answer(200, &list(&[])), &sample())),
            Some("filter-misses-existing")
        );
        assert_eq!(
            key(&judge_match(&answer(404, &json!({})), &sample())),
            Some("filter-misses-existing")
        );
    }

    #[test]
    fn eq_on_a_prefix_must_not_list_the_longer_name() {
        let substring = answer(200, &list(&[("1", "alice")]));
        assert_eq!(
            key(&judge_exact(&substring, "alic")),
            Some("filter-eq-not-exact")
        );
        assert_eq!(key(&judge_exact(&answer(200, &list(&[])), "alic")), None);
        let same_in_other_case = answer(200, &list(&[("2", "ALIC")]));
        assert_eq!(key(&judge_exact(&same_in_other_case, "alic")), None);
    }

    #[test]
    fn user_name_matches_whatever_the_case() {
        let found = answer(200, &list(&[("1", "alice")]));
        assert_eq!(key(&judge_case(&found, &sample(), "ALICE")), None);
        let missed = answer(200, &list(&[]));
        assert_eq!(
            key(&judge_case(&missed, &sample(), "ALICE")),
            Some("filter-username-case-sensitive")
        );
        assert_eq!(
            key(&judge_case(&answer(404, &json!({})), &sample(), "ALICE")),
            Some("filter-username-case-sensitive")
        );
    }

    #[test]
    fn no_match_is_an_empty_200_and_a_404_is_a_finding() {
        assert_eq!(key(&judge_no_match(&answer(200, &list(&[])), "guid")), None);
        assert_eq!(
            key(&judge_no_match(
                &answer(404, &json!({"status": "404"})),
                "guid"
            )),
            Some("filter-no-match-error")
        );
        assert_eq!(
            key(&judge_no_match(
                &answer(200, &list(&[("1", "alice")])),
                "guid"
            )),
            Some("filter-eq-not-exact")
        );
    }

    #[test]
    fn the_raw_test_connection_line_is_judged_against_the_encoded_one() {
        let empty = answer(200, &list(&[]));
        let refused = answer(400, &json!({}));
        assert_eq!(
            key(&judge_raw_query(&empty, &refused)),
            Some("raw-query-refused")
        );
        assert_eq!(key(&judge_raw_query(&empty, &empty)), None);
        assert!(matches!(
            judge_raw_query(&refused, &refused),
            Line::Skipped(_)
        ));
    }

    #[test]
    fn an_unknown_id_is_a_404() {
        assert_eq!(key(&judge_unknown_id(&answer(404, &json!({})))), None);
        assert_eq!(
            key(&judge_unknown_id(&answer(400, &json!({})))),
            Some("unknown-id-not-404")
        );
    }
}
