//! The claims stage: what ServiceProviderConfig says (RFC 7643 §5) against what the server
//! does, read-only: a filter works, a sorted list comes back sorted, a resource has an `ETag`
//! and a stale `If-None-Match` does not get 304. PATCH and bulk change data, so they are
//! tried only by the writes stage. It judges answers only; the [`Sender`] sends.

use crate::client::encode_component;
use crate::findings::{Deviation, Line};

use super::reads::{self, page_of, text};
use super::{Context, Exchange, Probe, Sender};

/// Users read to see whether a list is sorted.
const SORTED_PAGE: &str = "50";

/// An `If-None-Match` that names no version of any resource.
pub const STALE_ETAG: &str = "W/\"scimctl-doctor-stale\"";

/// Judges each claim.
pub async fn run(
    sender: &dyn Sender,
    context: &Context,
    read: &reads::Checked,
    writes: bool,
) -> Vec<Line> {
    let Some(config) = &context.config else {
        return super::not_checked("no readable ServiceProviderConfig");
    };
    let mut lines = vec![judge_filter(config.filter.supported, read.filter_works)];
    if config.sort {
        for order in ["ascending", "descending"] {
            let sorted = sender
                .send(&Probe::get(
                    &context.users,
                    &[
                        ("sortBy", "userName"),
                        ("sortOrder", order),
                        ("count", SORTED_PAGE),
                    ],
                ))
                .await;
            lines.push(judge_sorted(&sorted, order == "descending"));
        }
    } else {
        lines.push(Line::Skipped("sort: not claimed".to_owned()));
    }
    match (config.etag, &read.sample, &read.sample_read) {
        (false, _, _) => lines.push(Line::Skipped("etag: not claimed".to_owned())),
        (true, Some(sample), Some(read)) => {
            lines.push(judge_etag_header(read));
            let path = format!("{}/{}", context.users, encode_component(&sample.id));
            let stale = Probe::get(&path, &[]).with_header("If-None-Match", STALE_ETAG);
            let answered = sender.send(&stale.noted("a stale If-None-Match")).await;
            lines.push(judge_stale_if_none_match(&answered));
        }
        (true, _, _) => lines.push(Line::Skipped(
            "etag: claimed; not checked: the server holds no user to read".to_owned(),
        )),
    }
    for (name, claimed) in [("patch", config.patch), ("bulk", config.bulk.supported)] {
        lines.push(Line::Skipped(match (claimed, writes) {
            (false, _) => format!("{name}: not claimed"),
            (true, true) => format!("{name}: claimed; tried under writes"),
            (true, false) => format!("{name}: claimed; not checked without --allow-writes"),
        }));
    }
    lines
}

/// `filter.supported` against whether a `userName eq` filter was answered with a list.
pub fn judge_filter(claimed: bool, works: Option<bool>) -> Line {
    match (claimed, works) {
        (true, Some(true)) => Line::Ok("filter: claimed, and `userName eq` works".to_owned()),
        (true, Some(false)) => Line::Finding(crate::findings::Finding::new(
            Deviation::SpcClaimNotHonoured,
            crate::findings::Location::request("GET /ServiceProviderConfig"),
            "filter.supported is true, but a `userName eq` filter is refused",
        )),
        (true, None) => {
            Line::Skipped("filter: claimed; not checked: the server holds no user".to_owned())
        }
        (false, Some(true)) => Line::Ok(
            "filter: not claimed, yet `userName eq` works (Okta and Entra look users up with it)"
                .to_owned(),
        ),
        (false, _) => Line::Skipped("filter: not claimed".to_owned()),
    }
}

/// A list asked for sorted by userName comes back in that order (compared without regard to
/// case: userName is caseExact false).
pub fn judge_sorted(exchange: &Exchange, descending: bool) -> Line {
    let page = match page_of(exchange) {
        Ok(page) => page,
        Err(why) => {
            return Line::Finding(crate::findings::Finding::new(
                Deviation::SpcClaimNotHonoured,
                exchange.location(),
                format!("sort.supported is true, but {why}"),
            ));
        }
    };
    let names: Vec<String> = page
        .resources
        .iter()
        .filter_map(|r| text(r, "userName"))
        .map(str::to_lowercase)
        .collect();
    if names.len() < 2 {
        return Line::Skipped(format!(
            "sort: not checked: {} lists fewer than two users",
            exchange.label
        ));
    }
    let in_order = names.windows(2).all(|pair| {
        if descending {
            pair[0] >= pair[1]
        } else {
            pair[0] <= pair[1]
        }
    });
    if in_order {
        return Line::Ok(format!("{}: sorted", exchange.label));
    }
    let shown: Vec<String> = names.iter().take(5).map(|n| format!("`{n}`")).collect();
    exchange.finding(
        Deviation::SpcClaimNotHonoured,
        format!(
            "sort.supported is true, but the list is not sorted: {}",
            shown.join(", ")
        ),
    )
}

/// A read of a resource carries an `ETag` when ETags are supported.
pub fn judge_etag_header(read: &Exchange) -> Line {
    if !read.succeeded() {
        return Line::Skipped(format!("etag: not checked: {}", read.described()));
    }
    match read.header("etag") {
        Some(tag) => Line::Ok(format!("{}: ETag {tag}", read.label)),
        None => read.finding(Deviation::EtagHeaderMissing, "no `ETag` header"),
    }
}

/// An `If-None-Match` naming no version of the resource must not get 304.
pub fn judge_stale_if_none_match(exchange: &Exchange) -> Line {
    match exchange.status() {
        Some(304) => exchange.finding(
            Deviation::EtagNotHonoured,
            format!("304 Not Modified to If-None-Match: {STALE_ETAG}, a version it never had"),
        ),
        Some(status) if (200..300).contains(&status) => {
            Line::Ok(format!("{}: {status}", exchange.label))
        }
        _ => Line::Skipped(format!(
            "If-None-Match: not checked: {}",
            exchange.described()
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::{Value, json};

    use super::*;
    use crate::client::Response;

    fn answer(status: u16, headers: &[(&str, &str)], body: &Value) -> Exchange {
        Exchange {
            label: "GET /Users?sortBy=userName".to_owned(),
            answer: Ok(Response {
                status,
                headers: headers
                    .iter()
                    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                    .collect(),
                body: body.to_string().into_bytes(),
                elapsed: Duration::ZERO,
            }),
        }
    }

    fn named(names: &[&str]) -> Value {
        let resources: Vec<Value> = names.iter().map(|n| json!({"userName": n})).collect();
        json!({"totalResults": names.len(), "Resources": resources})
    }

    fn key(line: &Line) -> Option<&'static str> {
        match line {
            Line::Finding(finding) => Some(finding.deviation.key()),
            Line::Ok(_) | Line::Skipped(_) | Line::Failed(_) => None,
        }
    }

    #[test]
    fn a_claimed_filter_must_work() {
        assert_eq!(
            key(&judge_filter(true, Some(false))),
            Some("spc-claim-not-honoured")
        );
        assert_eq!(key(&judge_filter(true, Some(true))), None);
        assert_eq!(key(&judge_filter(false, Some(false))), None);
    }

    #[test]
    fn a_claimed_sort_is_judged_without_regard_to_case() {
        let sorted = answer(200, &[], &named(&["alice", "Bob", "carol"]));
        assert_eq!(key(&judge_sorted(&sorted, false)), None);
        assert_eq!(
            key(&judge_sorted(&sorted, true)),
            Some("spc-claim-not-honoured")
        );
        let reversed = answer(200, &[], &named(&["carol", "Bob", "alice"]));
        assert_eq!(key(&judge_sorted(&reversed, true)), None);
        let one = answer(200, &[], &named(&["alice"]));
        assert!(matches!(judge_sorted(&one, true), Line::Skipped(_)));
    }

    #[test]
    fn etags_are_sent_and_a_stale_if_none_match_is_not_304() {
        let tagged = answer(200, &[("etag", "W/\"1\"")], &json!({}));
        assert_eq!(key(&judge_etag_header(&tagged)), None);
        assert_eq!(
            key(&judge_etag_header(&answer(200, &[], &json!({})))),
            Some("etag-header-missing")
        );
        assert_eq!(
            key(&judge_stale_if_none_match(&answer(304, &[], &json!({})))),
            Some("etag-not-honoured")
        );
        assert_eq!(key(&judge_stale_if_none_match(&tagged)), None);
    }
}
