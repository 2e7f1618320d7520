//! Following every page of a list (RFC 7644 §3.4.2.4), safely, against servers whose paging is
//! broken. The decisions are pure ([`PagingGuard`]); no page is fetched in them.
//!
//! The client advances by what arrived (`startIndex += len(Resources)`), never by `count`, so a
//! server capping its pages loses nothing. It stops on an empty page or when the distinct ids
//! seen reach `totalResults`, and guards against loops: a page of ids already seen, a server
//! that does not move, pages past `totalResults`, and a hard bound on the number of pages.
//! Each page is handed to the caller as it arrives, without its repeats, so output streams.
//! [`PagingGuard`] holds the decisions, apart from HTTP, so they can be tested on their own.

use std::collections::HashSet;
use std::fmt;
use std::ops::ControlFlow;

use serde_json::Value;

use super::ScimClient;
use super::error::ClientError;
use super::ops::ListQuery;
use crate::scim::list::ListPage;
use crate::scim::resource::get_ci;

/// Pages fetched at most by one `list_all`, whatever the server says.
pub const MAX_PAGES: u64 = 10_000;

/// Why paging stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// A page without resources: the normal end.
    EmptyPage,
    /// The distinct resources seen reached `totalResults`: the normal end.
    ReachedTotal,
    /// The next `startIndex` would pass `totalResults`, yet fewer distinct resources arrived:
    /// the server skipped some (a 0-based index, overlapping pages).
    PassedTotal,
    /// A page held only resources already seen: the server ignores `startIndex` or repeats.
    OnlyRepeats,
    /// The server reported the same `startIndex` for a different request and its resources
    /// have no ids to tell them apart.
    NoProgress,
    /// [`MAX_PAGES`] pages were fetched.
    PageLimit,
    /// The caller wanted no more (its reader went away, say).
    CallerStopped,
}

impl StopReason {
    /// Whether paging ended as a conformant server ends it.
    pub fn is_normal(self) -> bool {
        matches!(
            self,
            StopReason::EmptyPage | StopReason::ReachedTotal | StopReason::CallerStopped
        )
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::EmptyPage => "an empty page",
            StopReason::ReachedTotal => "totalResults reached",
            StopReason::PassedTotal => "startIndex passed totalResults with resources missing",
            StopReason::OnlyRepeats => "a page of resources already seen",
            StopReason::NoProgress => "the server did not advance",
            StopReason::PageLimit => "the page limit",
            StopReason::CallerStopped => "the caller's request",
        })
    }
}

/// What following the pages found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagingSummary {
    /// Pages fetched.
    pub pages: u64,
    /// Distinct resources handed to the caller.
    pub items: u64,
    /// Resources that arrived again (same id) and were left out.
    pub duplicates: u64,
    /// The last `totalResults` the server reported.
    pub total_results: Option<u64>,
    /// The resources expected (`totalResults`, less those before the first `startIndex`) minus
    /// the distinct resources seen: positive when resources are missing, negative when more
    /// arrived than announced. `None` without `totalResults`.
    pub gap: Option<i64>,
    pub stop: StopReason,
    /// Whether `totalResults` changed between pages, or was exceeded.
    pub total_changed: bool,
    /// Deviations tolerated while reading the pages, each once.
    pub tolerated: Vec<String>,
}

impl fmt::Display for PagingSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} page(s), {} item(s), {} duplicate(s)",
            self.pages, self.items, self.duplicates
        )?;
        match (self.total_results, self.gap) {
            (Some(total), Some(0)) => write!(f, ", totalResults {total}")?,
            (Some(total), Some(gap)) if gap > 0 => {
                write!(f, ", totalResults {total} ({gap} missing)")?
            }
            (Some(total), Some(gap)) => {
                write!(f, ", totalResults {total} ({} more than announced)", -gap)?
            }
            _ => write!(f, ", no totalResults")?,
        }
        write!(f, "; stopped on {}", self.stop)
    }
}

/// What to do after a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Ask for the page starting here.
    Fetch(u64),
    Stop(StopReason),
}

/// The paging decisions for one traversal.
#[derive(Debug)]
pub struct PagingGuard {
    /// Where the traversal began: resources before it are not expected.
    first_index: u64,
    start_index: u64,
    requested_count: Option<u64>,
    seen: HashSet<String>,
    pages: u64,
    items: u64,
    duplicates: u64,
    total_results: Option<u64>,
    total_changed: bool,
    last_reported_start: Option<u64>,
    tolerated: Vec<String>,
}

impl PagingGuard {
    /// A traversal from `start_index` (1-based; 0 is read as 1 per §3.4.2.4), asking for
    /// `count` resources per page.
    pub fn new(start_index: Option<u64>, count: Option<u64>) -> Self {
        let first_index = start_index.unwrap_or(1).max(1);
        PagingGuard {
            first_index,
            start_index: first_index,
            requested_count: count,
            seen: HashSet::new(),
            pages: 0,
            items: 0,
            duplicates: 0,
            total_results: None,
            total_changed: false,
            last_reported_start: None,
            tolerated: Vec::new(),
        }
    }

    /// The `startIndex` of the next request.
    pub fn start_index(&self) -> u64 {
        self.start_index
    }

    /// Takes one page: returns its resources not seen before, and what to do next.
    pub fn take(&mut self, page: ListPage) -> (Vec<Value>, Next) {
        self.pages += 1;
        for note in page.tolerated {
            if !self.tolerated.contains(&note) {
                self.tolerated.push(note);
            }
        }
        if let Some(total) = page.total_results {
            if self.total_results.is_some_and(|known| known != total) {
                self.total_changed = true;
            }
            self.total_results = Some(total);
        }
        let arrived = page.resources.len() as u64;
        let mut fresh = Vec::with_capacity(page.resources.len());
        let mut with_ids = 0u64;
        for resource in page.resources {
            match resource_id(&resource) {
                Some(id) => {
                    with_ids += 1;
                    if self.seen.insert(id) {
                        fresh.push(resource);
                    } else {
                        self.duplicates += 1;
                    }
                }
                None => fresh.push(resource),
            }
        }
        self.items += fresh.len() as u64;
        let reported_start = page.start_index;
        let stalled = reported_start.is_some() && reported_start == self.last_reported_start;
        self.last_reported_start = reported_start;

        let next = if arrived == 0 {
            Next::Stop(StopReason::EmptyPage)
        } else if fresh.is_empty() {
            Next::Stop(StopReason::OnlyRepeats)
        } else if stalled && with_ids == 0 {
            Next::Stop(StopReason::NoProgress)
        } else {
            self.start_index = self.start_index.saturating_add(arrived);
            self.after_progress(arrived)
        };
        let next = match next {
            Next::Fetch(_) if self.pages >= MAX_PAGES => Next::Stop(StopReason::PageLimit),
            other => other,
        };
        (fresh, next)
    }

    /// Where to go once a page brought something new.
    fn after_progress(&mut self, arrived: u64) -> Next {
        let (Some(total), Some(expected)) = (self.total_results, self.expected()) else {
            return Next::Fetch(self.start_index);
        };
        // A full page that reaches totalResults may come from a server reporting the page
        // size as the total (wso2/product-is#9957): one more request tells.
        let full_page = self.requested_count.is_some_and(|count| arrived >= count);
        if self.items > expected {
            // More than announced: the total is wrong, so only an empty page or repeats end it.
            self.total_changed = true;
            return Next::Fetch(self.start_index);
        }
        if self.items == expected {
            return if full_page && self.pages == 1 && arrived == total {
                Next::Fetch(self.start_index)
            } else {
                Next::Stop(StopReason::ReachedTotal)
            };
        }
        if self.start_index > total {
            return Next::Stop(StopReason::PassedTotal);
        }
        Next::Fetch(self.start_index)
    }

    /// The resources a traversal from `first_index` should see: `totalResults` counts from 1.
    fn expected(&self) -> Option<u64> {
        self.total_results
            .map(|total| total.saturating_sub(self.first_index - 1))
    }

    /// The summary, once paging stopped for `stop`.
    pub fn finish(self, stop: StopReason) -> PagingSummary {
        let gap = self.expected().map(|expected| {
            i64::try_from(expected)
                .unwrap_or(i64::MAX)
                .saturating_sub(i64::try_from(self.items).unwrap_or(i64::MAX))
        });
        PagingSummary {
            pages: self.pages,
            items: self.items,
            duplicates: self.duplicates,
            total_results: self.total_results,
            gap,
            stop,
            total_changed: self.total_changed,
            tolerated: self.tolerated,
        }
    }
}

/// A resource's `id` as text, for spotting repeats.
fn resource_id(resource: &Value) -> Option<String> {
    match resource.as_object().and_then(|r| get_ci(r, "id"))? {
        Value::String(id) => Some(id.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

impl ScimClient {
    /// Follows every page of a list or search from `query.start_index`, handing each page's
    /// new resources to `on_page` as they arrive, and says how it went. `on_page` returns
    /// [`ControlFlow::Break`] to end the traversal there (a closed pipe needs no more pages).
    ///
    /// Never loops: see [`PagingGuard`] and [`MAX_PAGES`]. A request that fails ends the
    /// traversal with its error; what `on_page` already received stays received.
    pub async fn list_all(
        &self,
        endpoint: &str,
        query: &ListQuery,
        mut on_page: impl FnMut(&[Value]) -> ControlFlow<()>,
    ) -> Result<PagingSummary, ClientError> {
        let mut guard = PagingGuard::new(query.start_index, query.count);
        let mut request = query.clone();
        loop {
            request.start_index = Some(guard.start_index());
            let page = self.list(endpoint, &request).await?;
            let (fresh, next) = guard.take(page);
            if !fresh.is_empty() && on_page(&fresh).is_break() {
                return Ok(guard.finish(StopReason::CallerStopped));
            }
            if let Next::Stop(reason) = next {
                return Ok(guard.finish(reason));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page(total: Option<u64>, start: Option<u64>, ids: &[&str]) -> ListPage {
        ListPage {
            total_results: total,
            start_index: start,
            items_per_page: Some(ids.len() as u64),
            resources: ids.iter().map(|id| json!({"id": id})).collect(),
            tolerated: vec![],
        }
    }

    /// Feeds pages until the guard stops; returns the ids delivered, the start indexes asked
    /// for, and the summary. Panics if the guard asks for more pages than provided.
    fn traverse(count: Option<u64>, pages: &[ListPage]) -> (Vec<String>, Vec<u64>, PagingSummary) {
        let mut guard = PagingGuard::new(None, count);
        let mut delivered = Vec::new();
        let mut asked = Vec::new();
        for page in pages {
            asked.push(guard.start_index());
            let (fresh, next) = guard.take(page.clone());
            delivered.extend(fresh.iter().filter_map(resource_id));
            if let Next::Stop(reason) = next {
                return (delivered, asked, guard.finish(reason));
            }
        }
        panic!("the guard asked for more than {} pages", pages.len());
    }

    #[test]
    fn advances_by_what_arrived_and_stops_at_the_total() {
        // A server capping pages at 2 although 3 were asked for (as AWS caps at 50,
        // awslabs/ssosync#65).
        let (ids, asked, summary) = traverse(
            Some(3),
            &[
                page(Some(5), Some(1), &["a", "b"]),
                page(Some(5), Some(3), &["c", "d"]),
                page(Some(5), Some(5), &["e"]),
            ],
        );
        assert_eq!(ids, ["a", "b", "c", "d", "e"]);
        assert_eq!(asked, [1, 3, 5]);
        assert_eq!(summary.stop, StopReason::ReachedTotal);
        assert_eq!(summary.gap, Some(0));
        assert_eq!(
            summary.to_string(),
            "3 page(s), 5 item(s), 0 duplicate(s), totalResults 5; stopped on totalResults reached"
        );
    }

    #[test]
    fn an_empty_page_ends_a_list_without_total() {
        let (ids, _, summary) = traverse(
            None,
            &[page(None, None, &["a", "b"]), page(None, None, &[])],
        );
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(summary.stop, StopReason::EmptyPage);
        assert_eq!(summary.gap, None);
    }

    #[test]
    fn a_server_repeating_the_same_page_is_stopped_after_one_repeat() {
        let (ids, _, summary) = traverse(
            Some(2),
            &[
                page(Some(6), Some(1), &["a", "b"]),
                page(Some(6), Some(1), &["a", "b"]),
            ],
        );
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(summary.stop, StopReason::OnlyRepeats);
        assert_eq!(summary.duplicates, 2);
        assert_eq!(summary.gap, Some(4));
    }

    #[test]
    fn overlapping_pages_deliver_each_resource_once_and_report_the_gap() {
        // A 0-based server: asked for 1 it starts at the second resource, and so on.
        let (ids, asked, summary) = traverse(
            Some(2),
            &[
                page(Some(4), Some(1), &["b", "c"]),
                page(Some(4), Some(3), &["c", "d"]),
            ],
        );
        assert_eq!(ids, ["b", "c", "d"]);
        assert_eq!(asked, [1, 3]);
        assert_eq!(summary.duplicates, 1);
        assert_eq!(summary.stop, StopReason::PassedTotal);
        assert_eq!(summary.gap, Some(1));
        assert!(summary.to_string().contains("(1 missing)"), "{summary}");
    }

    #[test]
    fn a_total_equal_to_the_page_size_is_checked_with_one_more_request() {
        // totalResults = page size on every page (wso2/product-is#9957).
        let (ids, _, summary) = traverse(
            Some(2),
            &[
                page(Some(2), Some(1), &["a", "b"]),
                page(Some(2), Some(3), &["c", "d"]),
                page(Some(2), Some(5), &["e"]),
                page(Some(2), Some(6), &[]),
            ],
        );
        assert_eq!(ids, ["a", "b", "c", "d", "e"]);
        assert_eq!(summary.stop, StopReason::EmptyPage);
        assert_eq!(summary.gap, Some(-3));
        assert!(summary.total_changed);
        assert!(
            summary.to_string().contains("3 more than announced"),
            "{summary}"
        );
    }

    #[test]
    fn a_full_first_page_equal_to_the_total_costs_one_more_request_on_an_honest_server() {
        let (ids, asked, summary) = traverse(
            Some(2),
            &[
                page(Some(2), Some(1), &["a", "b"]),
                page(Some(2), Some(3), &[]),
            ],
        );
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(asked, [1, 3]);
        assert_eq!(summary.stop, StopReason::EmptyPage);
        assert_eq!(summary.gap, Some(0));
        assert!(!summary.total_changed);
    }

    #[test]
    fn a_traversal_from_a_later_start_index_expects_only_the_rest() {
        let mut guard = PagingGuard::new(Some(4), Some(2));
        let (_, next) = guard.take(page(Some(5), Some(4), &["d", "e"]));
        assert_eq!(next, Next::Stop(StopReason::ReachedTotal));
        assert_eq!(guard.finish(StopReason::ReachedTotal).gap, Some(0));
    }

    #[test]
    fn resources_without_ids_on_a_stalled_server_stop_as_no_progress() {
        let anonymous = |start| ListPage {
            total_results: None,
            start_index: Some(start),
            items_per_page: Some(1),
            resources: vec![json!({"userName": "x"})],
            tolerated: vec![],
        };
        let (_, _, summary) = traverse(None, &[anonymous(1), anonymous(1)]);
        assert_eq!(summary.stop, StopReason::NoProgress);
        assert_eq!(summary.items, 2);
    }

    #[test]
    fn the_page_limit_bounds_a_server_that_never_ends() {
        let mut guard = PagingGuard::new(None, Some(1));
        let mut stop = None;
        for n in 0..=MAX_PAGES {
            let (_, next) = guard.take(page(None, None, &[&n.to_string()]));
            if let Next::Stop(reason) = next {
                stop = Some(reason);
                break;
            }
        }
        assert_eq!(stop, Some(StopReason::PageLimit));
        assert_eq!(guard.finish(StopReason::PageLimit).pages, MAX_PAGES);
    }

    #[test]
    fn tolerances_are_collected_once() {
        let mut noted = page(Some(2), Some(1), &["a"]);
        noted.tolerated = vec!["lowercase resources".to_owned()];
        let mut guard = PagingGuard::new(Some(0), None);
        assert_eq!(guard.start_index(), 1);
        let (_, next) = guard.take(noted.clone());
        assert_eq!(next, Next::Fetch(2));
        noted.resources = vec![json!({"id": "b"})];
        let (_, next) = guard.take(noted);
        assert_eq!(next, Next::Stop(StopReason::ReachedTotal));
        assert_eq!(
            guard.finish(StopReason::ReachedTotal).tolerated,
            ["lowercase resources"]
        );
    }
}
