//! Lists as a whole: walking every page (RFC 7644 §3.4.2.4) and a sorted list's order
//! (§3.4.2.3). It sends GETs only, at most [`MAX_PAGES`] of them.

use std::collections::HashSet;

use serde_json::Value;

use super::Miss;
use super::shape::list_response;
use crate::findings::Deviation;
use crate::runner::check::CheckRun;
use crate::runner::error::CheckError;
use crate::runner::request::{label, plain};
use crate::runner::select::select_path;
use crate::runner::vars::Vars;
use crate::scim::method::Method;
use crate::scim::resource::get_ci;
use crate::suite::SelectorPath;

/// Pages walked at most by `paginate`, so a server that never stops cannot hold a run.
const MAX_PAGES: usize = 500;

/// What `paginate` asks for.
pub(crate) struct Walk<'a> {
    pub path: &'a str,
    pub filter: Option<&'a str>,
    /// The page size asked for (at least 1).
    pub count: u64,
    /// The `totalResults` every page must state, when the check knows it.
    pub total: Option<u64>,
}

/// What the pages walked so far showed.
#[derive(Default)]
struct Walked {
    seen: HashSet<String>,
    total: Option<u64>,
}

/// RFC 7644 §3.4.2.4: walks `path` from startIndex=1 by what each page returned. Fewer
/// distinct resources than `totalResults`, or one seen twice, is paging that skips; more is a
/// `totalResults` that undercounts.
pub(super) async fn paginate(
    run: &CheckRun<'_>,
    walk: &Walk<'_>,
) -> Result<Option<Miss>, CheckError> {
    let mut walked = Walked::default();
    let mut start: u64 = 1;
    for _ in 0..MAX_PAGES {
        let mut query = vec![
            ("startIndex".to_owned(), start.to_string()),
            ("count".to_owned(), walk.count.to_string()),
        ];
        if let Some(filter) = walk.filter {
            query.push(("filter".to_owned(), filter.to_owned()));
        }
        let request = plain(Method::Get, walk.path, query);
        let page_label = label(&request);
        let answer = run.send(&request, &page_label).await?;
        if answer.status != 200 {
            return Ok(Some(Miss::unnamed(format!(
                "{page_label} answered {}",
                answer.status
            ))));
        }
        let Some(body) = answer.json.as_ref() else {
            return Ok(Some(Miss::unnamed(format!(
                "{page_label}: the answer is not JSON"
            ))));
        };
        let resources = match read_page(body, walk, &mut walked, &page_label) {
            Ok(resources) => resources,
            Err(problem) => return Ok(Some(problem)),
        };
        if let Some(problem) = overlap(&resources, &mut walked.seen) {
            return Ok(Some(problem.within(&page_label)));
        }
        let total = walked.total.unwrap_or(0);
        let seen = u64::try_from(walked.seen.len()).unwrap_or(u64::MAX);
        if resources.is_empty() || seen >= total {
            let deviation = if seen < total {
                Deviation::PagingSkipsResources
            } else {
                Deviation::ListTotalResultsWrong
            };
            return Ok((seen != total).then(|| {
                Miss::of(
                    deviation,
                    format!(
                        "the pages held {seen} distinct resource(s) but totalResults is {total} \
                         (a gap, or a wrong total)"
                    ),
                )
            }));
        }
        start += u64::try_from(resources.len()).unwrap_or(u64::MAX);
    }
    Ok(Some(Miss::unnamed(format!(
        "more than {MAX_PAGES} pages; stopped walking"
    ))))
}

/// One page's resources, after checking its envelope, its `totalResults` (as wanted, and the
/// same as on the pages before) and its size. A problem names the page, but for a total that
/// changed, which is said of the walk.
fn read_page(
    body: &Value,
    walk: &Walk<'_>,
    walked: &mut Walked,
    page_label: &str,
) -> Result<Vec<Value>, Miss> {
    if let Some(problem) = list_response(body) {
        return Err(problem.within(page_label));
    }
    let map = body.as_object().cloned().unwrap_or_default();
    let total = get_ci(&map, "totalResults")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if let Some(wanted) = walk.total.filter(|wanted| *wanted != total) {
        return Err(Miss::of(
            Deviation::ListTotalResultsWrong,
            format!(
                "{page_label}: `totalResults` is {total}, expected {wanted} (the whole result, \
                 not the page)"
            ),
        ));
    }
    match walked.total {
        Some(previous) if previous != total => {
            return Err(Miss::of(
                Deviation::ListTotalResultsWrong,
                format!("`totalResults` changed from {previous} to {total} between pages"),
            ));
        }
        _ => walked.total = Some(total),
    }
    let resources = map
        .get("Resources")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if u64::try_from(resources.len()).unwrap_or(u64::MAX) > walk.count {
        return Err(Miss::of(
            Deviation::CountIgnored,
            format!(
                "{page_label}: {} resources, more than count={}",
                resources.len(),
                walk.count
            ),
        ));
    }
    Ok(resources)
}

/// A resource without an id, or one already seen on an earlier page.
fn overlap(resources: &[Value], seen: &mut HashSet<String>) -> Option<Miss> {
    for resource in resources {
        let Some(id) = resource
            .as_object()
            .and_then(|r| get_ci(r, "id"))
            .and_then(Value::as_str)
        else {
            return Some(Miss::unnamed("a resource without an `id`"));
        };
        if !seen.insert(id.to_owned()) {
            return Some(Miss::of(
                Deviation::PagingSkipsResources,
                format!("`{id}` was already on an earlier page (pages overlap)"),
            ));
        }
    }
    None
}

/// RFC 7644 §3.4.2.3: Resources ordered by `by`, case-insensitively; resources without a value
/// come last when ascending, first when descending.
pub(super) fn sorted(
    vars: &Vars,
    by: &SelectorPath,
    descending: bool,
    resources: &[Value],
) -> Result<Option<Miss>, CheckError> {
    let mut keys: Vec<Option<String>> = Vec::with_capacity(resources.len());
    for resource in resources {
        let key = select_path(resource, by, vars)?.and_then(Value::as_str);
        keys.push(key.map(str::to_lowercase));
    }
    let by = by.text();
    for pair in keys.windows(2) {
        let [a, b] = pair else { continue };
        let in_order = match (a, b) {
            (Some(a), Some(b)) => (a <= b) != descending || a == b,
            (None, Some(_)) => descending,
            (Some(_), None) => !descending,
            (None, None) => true,
        };
        if !in_order {
            return Ok(Some(Miss::of(
                Deviation::SortIgnored,
                format!(
                    "`{}` comes before `{}` in a list sorted by {by} {}",
                    a.as_deref().unwrap_or("(none)"),
                    b.as_deref().unwrap_or("(none)"),
                    if descending {
                        "descending"
                    } else {
                        "ascending"
                    }
                ),
            )));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn order_is_case_insensitive_and_missing_values_go_last_when_ascending() {
        let vars = Vars::new("r", "c", 0);
        let by = SelectorPath::parse("userName").unwrap();
        let order = |descending, users: &[Value]| sorted(&vars, &by, descending, users).unwrap();
        let users = [
            json!({"userName": "alice"}),
            json!({"userName": "Bob"}),
            json!({}),
        ];
        assert_eq!(order(false, &users), None);
        assert_eq!(
            order(true, &users),
            Some(Miss::of(
                Deviation::SortIgnored,
                "`alice` comes before `bob` in a list sorted by userName descending"
            ))
        );
        let reversed: Vec<Value> = users.iter().rev().cloned().collect();
        assert_eq!(order(true, &reversed), None);
    }

    #[test]
    fn a_page_must_not_repeat_an_earlier_one_or_change_its_total() {
        let walk = Walk {
            path: "/Users",
            filter: None,
            count: 2,
            total: None,
        };
        let mut walked = Walked::default();
        let page = |total: u64, ids: &[&str]| {
            json!({
                "schemas": [crate::scim::model::LIST_RESPONSE],
                "totalResults": total,
                "itemsPerPage": ids.len(),
                "Resources": ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
            })
        };
        let first = read_page(&page(3, &["a", "b"]), &walk, &mut walked, "p1").unwrap();
        assert_eq!(overlap(&first, &mut walked.seen), None);
        let second = read_page(&page(3, &["b"]), &walk, &mut walked, "p2").unwrap();
        assert_eq!(
            overlap(&second, &mut walked.seen),
            Some(Miss::of(
                Deviation::PagingSkipsResources,
                "`b` was already on an earlier page (pages overlap)"
            ))
        );
        let changed = read_page(&page(4, &["c"]), &walk, &mut walked, "p3").unwrap_err();
        assert!(
            changed
                .observed
                .starts_with("`totalResults` changed from 3 to 4")
        );
        assert_eq!(changed.deviation, Some(Deviation::ListTotalResultsWrong));
        let oversized =
            read_page(&page(3, &["c", "d", "e"]), &walk, &mut walked, "p4").unwrap_err();
        assert!(
            oversized
                .observed
                .starts_with("p4: 3 resources, more than count=2")
        );
        assert_eq!(oversized.deviation, Some(Deviation::CountIgnored));
    }
}
