//! The reads stage's list checks: paging with `count=1` (the next page, `startIndex=0` read as
//! 1, a `totalResults` that counts every match), `count=0` and a negative `count` (RFC 7644
//! §3.4.2.4), and projections (`attributes` keeps `id`, `excludedAttributes=members` as Entra
//! sends it). It judges answers only; the [`Sender`] sends.

use serde_json::Value;

use crate::client::encode_component;
use crate::findings::{Deviation, Line};
use crate::scim::list::ListPage;

use super::reads::{ids, page_of, text};
use super::{Context, Exchange, Probe, Sender};

/// Groups read to find one with members.
const GROUPS_LOOKED_AT: &str = "20";

/// The second page and `startIndex=0`, judged against the first page.
pub async fn paging(sender: &dyn Sender, users: &str, first: &ListPage) -> Vec<Line> {
    let second = sender
        .send(&Probe::get(users, &[("startIndex", "2"), ("count", "1")]))
        .await;
    let zero = sender
        .send(&Probe::get(users, &[("startIndex", "0"), ("count", "1")]))
        .await;
    vec![
        judge_second_page(first, &second),
        judge_start_zero(first, &zero),
    ]
}

/// `count=0` and `count=-1`.
pub async fn counts(sender: &dyn Sender, users: &str) -> Vec<Line> {
    let zero = sender.send(&Probe::get(users, &[("count", "0")])).await;
    let negative = sender.send(&Probe::get(users, &[("count", "-1")])).await;
    vec![
        judge_count(&zero, Deviation::CountZeroRefused),
        judge_count(&negative, Deviation::CountNegativeRefused),
    ]
}

/// `attributes=userName` on the users, and `excludedAttributes=members` on a group that has
/// members.
pub async fn projections(sender: &dyn Sender, context: &Context, has_users: bool) -> Vec<Line> {
    let mut lines = Vec::new();
    if has_users {
        let projected = sender
            .send(&Probe::get(
                &context.users,
                &[
                    ("startIndex", "1"),
                    ("count", "1"),
                    ("attributes", "userName"),
                ],
            ))
            .await;
        lines.push(judge_projection(&projected));
    }
    let groups = sender
        .send(&Probe::get(
            &context.groups,
            &[("startIndex", "1"), ("count", GROUPS_LOOKED_AT)],
        ))
        .await;
    let with_members = page_of(&groups).ok().and_then(|page| {
        page.resources
            .iter()
            .find(|group| member_count(group) > 0)
            .and_then(|group| text(group, "id"))
            .map(str::to_owned)
    });
    match with_members {
        Some(id) => {
            let path = format!("{}/{}", context.groups, encode_component(&id));
            let excluded = sender
                .send(&Probe::get(&path, &[("excludedAttributes", "members")]))
                .await;
            lines.push(judge_excluded(&excluded));
        }
        None => lines.push(Line::Skipped(format!(
            "excludedAttributes=members: not checked: no group with members among the first \
             {GROUPS_LOOKED_AT} ({})",
            groups.described()
        ))),
    }
    lines
}

/// How many members a group lists.
fn member_count(group: &Value) -> usize {
    group
        .as_object()
        .and_then(|object| crate::scim::resource::get_ci(object, "members"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

/// `startIndex=2&count=1` lists the next user; when the first page said `totalResults` is
/// below 2, that next user shows the total counts only the page.
pub fn judge_second_page(first: &ListPage, second: &Exchange) -> Line {
    let page = match page_of(second) {
        Ok(page) => page,
        Err(why) => return Line::Skipped(format!("paging: not checked: {why}")),
    };
    let (before, now) = (ids(first), ids(&page));
    let total = first.total_results.unwrap_or(0);
    match now.first() {
        None if total < 2 => Line::Ok(format!("{}: lists nothing more", second.label)),
        None => Line::Skipped(format!(
            "paging: {} lists nothing, though totalResults is {total}",
            second.label
        )),
        Some(id) if before.contains(id) => Line::Skipped(format!(
            "paging: {} lists the user of startIndex=1 again",
            second.label
        )),
        Some(_) if total < 2 => second.finding(
            Deviation::ListTotalResultsWrong,
            format!("with count=1, totalResults is {total}, yet startIndex=2 lists another user"),
        ),
        Some(_) => Line::Ok(format!("{}: lists the next user", second.label)),
    }
}

/// `startIndex=0` is read as 1 (RFC 7644 §3.4.2.4): it lists the same first user.
pub fn judge_start_zero(first: &ListPage, zero: &Exchange) -> Line {
    let page = match page_of(zero) {
        Ok(page) => page,
        Err(why) => return Line::Skipped(format!("startIndex=0: not checked: {why}")),
    };
    let name = |page: &ListPage| {
        page.resources.first().map(|r| {
            text(r, "userName")
                .or(text(r, "id"))
                .unwrap_or("?")
                .to_owned()
        })
    };
    match (name(&page), name(first)) {
        (Some(at_zero), Some(at_one)) if at_zero != at_one => zero.finding(
            Deviation::ListStartIndexZero,
            format!(
                "startIndex=0 lists `{at_zero}` and startIndex=1 `{at_one}`: the server counts \
                 from 0, so startIndex=1 skips the first user"
            ),
        ),
        (None, Some(at_one)) => Line::Skipped(format!(
            "startIndex=0: {} lists nothing, though startIndex=1 lists `{at_one}`",
            zero.label
        )),
        _ => Line::Ok(format!("{}: read as startIndex=1", zero.label)),
    }
}

/// `count=0` or a negative `count`: a list, not an error, and without resources (RFC 7644
/// §3.4.2.4 reads a negative count as 0).
pub fn judge_count(exchange: &Exchange, refused: Deviation) -> Line {
    match page_of(exchange) {
        Ok(page) if !page.resources.is_empty() => exchange.finding(
            Deviation::CountIgnored,
            format!("{} resource(s) on a page of none", page.resources.len()),
        ),
        Ok(page) => Line::Ok(format!(
            "{}: {}, totalResults {}",
            exchange.label,
            exchange.summary(),
            page.total_results
                .map_or("missing".to_owned(), |n| n.to_string())
        )),
        Err(_) if exchange.answer.is_err() => Line::Failed(exchange.described()),
        Err(_) => exchange.finding(refused, format!("answered {}", exchange.summary())),
    }
}

/// `attributes=userName` keeps `id` (returned "always").
pub fn judge_projection(exchange: &Exchange) -> Line {
    let page = match page_of(exchange) {
        Ok(page) => page,
        Err(why) => return Line::Skipped(format!("attributes: not checked: {why}")),
    };
    match page.resources.iter().find(|r| text(r, "id").is_none()) {
        None => Line::Ok(format!("{}: `id` is kept", exchange.label)),
        Some(resource) => exchange.finding(
            Deviation::ProjectionDropsId,
            format!(
                "a resource without `id`: {}",
                crate::text::one_line(&resource.to_string())
            ),
        ),
    }
}

/// `excludedAttributes=members` leaves the members out.
pub fn judge_excluded(exchange: &Exchange) -> Line {
    if !exchange.succeeded() {
        return Line::Skipped(format!(
            "excludedAttributes: not checked: {}",
            exchange.described()
        ));
    }
    match exchange.json().map(|group| member_count(&group)) {
        Some(0) | None => Line::Ok(format!("{}: no members", exchange.label)),
        Some(n) => exchange.finding(
            Deviation::ExcludedAttributesIgnored,
            format!("the group still lists {n} member(s)"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::client::Response;
    use crate::scim::list::parse_list_response;

    fn answer(status: u16, body: &Value) -> Exchange {
        Exchange {
            label: "GET /Users?startIndex=2&count=1".to_owned(),
            answer: Ok(Response {
                status,
                headers: Vec::new(),
                body: body.to_string().into_bytes(),
                elapsed: Duration::ZERO,
            }),
        }
    }

    fn list(total: u64, users: &[&str]) -> Value {
        let resources: Vec<Value> = users
            .iter()
            .map(|name| json!({"id": format!("id-{name}"), "userName": name}))
            .collect();
        json!({"totalResults": total, "Resources": resources})
    }

    fn page(total: u64, users: &[&str]) -> ListPage {
        parse_list_response(list(total, users)).expect("page")
    }

    fn key(line: &Line) -> Option<&'static str> {
        match line {
            Line::Finding(finding) => Some(finding.deviation.key()),
            Line::Ok(_) | Line::Skipped(_) | Line::Failed(_) => None,
        }
    }

    #[test]
    fn a_total_that_counts_the_page_shows_when_the_next_page_is_not_empty() {
        let second = answer(200, &list(1, &["bob"]));
        assert_eq!(
            key(&judge_second_page(&page(1, &["alice"]), &second)),
            Some("list-total-results-wrong")
        );
        assert_eq!(key(&judge_second_page(&page(3, &["alice"]), &second)), None);
        let empty = answer(200, &list(1, &[]));
        assert_eq!(key(&judge_second_page(&page(1, &["alice"]), &empty)), None);
    }

    #[test]
    fn start_index_zero_must_list_what_start_index_one_lists() {
        let zero = answer(200, &list(3, &["alice"]));
        assert_eq!(key(&judge_start_zero(&page(3, &["alice"]), &zero)), None);
        assert_eq!(
            key(&judge_start_zero(&page(3, &["bob"]), &zero)),
            Some("list-start-index-zero")
        );
        let empty = answer(200, &list(3, &[]));
        assert!(matches!(
            judge_start_zero(&page(3, &["alice"]), &empty),
            Line::Skipped(_)
        ));
    }

    #[test]
    fn count_zero_and_negative_counts_answer_lists() {
        let refused = answer(400, &json!({"status": "400"}));
        assert_eq!(
            key(&judge_count(&refused, Deviation::CountZeroRefused)),
            Some("count-zero-refused")
        );
        let fine = answer(200, &list(3, &[]));
        assert_eq!(key(&judge_count(&fine, Deviation::CountZeroRefused)), None);
        let ignored = answer(200, &list(3, &["a", "b", "c"]));
        assert_eq!(
            key(&judge_count(&ignored, Deviation::CountZeroRefused)),
            Some("count-ignored")
        );
    }

    #[test]
    fn projections_keep_id_and_leave_out_what_is_excluded() {
        let without_id = answer(
            200,
            &json!({"totalResults": 1, "Resources": [{"userName": "a"}]}),
        );
        assert_eq!(
            key(&judge_projection(&without_id)),
            Some("projection-drops-id")
        );
        assert_eq!(key(&judge_projection(&answer(200, &list(1, &["a"])))), None);
        let members = answer(200, &json!({"id": "g", "members": [{"value": "u"}]}));
        assert_eq!(
            key(&judge_excluded(&members)),
            Some("excluded-attributes-ignored")
        );
        assert_eq!(
            key(&judge_excluded(&answer(200, &json!({"id": "g"})))),
            None
        );
    }
}
