//! The list endpoints: `GET` of a resource type (or the root) with filtering, sorting and
//! paging, and `POST .search`, which reads its parameters from a SearchRequest body (RFC 7644
//! §3.4.2, §3.4.3). Synchronous, like the rest of the API: it must not await, touch a socket or
//! hold the store lock past the reply it builds.

use std::fmt::Write as _;

use super::{ApiRequest, Failure, Reply, Server, body_of, not_allowed};
use crate::scim::filter::Filter;
use crate::scim::method::Method;
use crate::scim::model::{LIST_RESPONSE, ScimError};
use crate::scim::path::AttrPath;
use crate::scim::resource::Projector;
use crate::scim::sort::SortOrder;
use crate::serve::protocol;
use crate::serve::query::ListParams;
use crate::serve::store::{Entry, Kind, Store};

impl Server {
    pub(super) fn search(
        &self,
        kinds: &[Kind],
        request: &ApiRequest<'_>,
    ) -> Result<Reply, Failure> {
        if request.method != Some(Method::Post) {
            return Err(not_allowed(request.method, "POST"));
        }
        let body = body_of(request)?;
        let params = ListParams::from_search_body(body)?;
        if kinds.len() > 1
            && let Some(filter) = &params.filter
        {
            let schemas: Vec<_> = kinds.iter().map(|kind| Store::schema(*kind)).collect();
            if let Some(refusal) = self.quirks.refused_root_filter(filter, &schemas) {
                return Err(refusal.into());
            }
        }
        self.list(kinds, params)
    }

    /// A ListResponse over `kinds` (RFC 7644 §3.4.2), paged per §3.4.2.4.
    pub(super) fn list(&self, kinds: &[Kind], mut params: ListParams) -> Result<Reply, Failure> {
        if !self.quirks.unnormalized_comparison {
            params.filter = params.filter.map(protocol::prepared_filter);
        }
        let projection = self.projection(params.projection.clone());
        let refusal = params
            .filter
            .as_ref()
            .and_then(|filter| self.quirks.refused_filter(filter))
            .or_else(|| self.quirks.refused_count(params.count));
        if let Some(refusal) = refusal {
            return Err(refusal.into());
        }
        let store = self.read();
        let sort = params
            .sort_by
            .as_ref()
            .filter(|_| !self.quirks.ignore_sort)
            .map(|path| (path, params.sort_order));
        let max = i64::try_from(self.limits.max_results).unwrap_or(i64::MAX);
        let asked = params.count.filter(|_| !self.quirks.count_ignored);
        let count = usize::try_from(asked.unwrap_or(max).clamp(0, max)).unwrap_or(0);
        let requested_start = params.start_index.unwrap_or(1);
        let (skip, shown_start) = if self.quirks.zero_based_start_index {
            let start = requested_start.max(0);
            (start, start)
        } else {
            let start = requested_start.max(1);
            (start - 1, start)
        };
        let skip = usize::try_from(skip).unwrap_or(usize::MAX);
        let (total, page): (usize, Vec<(Kind, &Entry)>) = match (&params.filter, sort) {
            // The common unfiltered page walks the store lazily instead of listing everything.
            (None, None) => {
                let mut page = Vec::new();
                let mut skip = skip;
                for kind in kinds {
                    let len = store.len(*kind);
                    if skip >= len {
                        skip -= len;
                        continue;
                    }
                    let room = count - page.len();
                    page.extend(
                        store
                            .iter_from(*kind, skip)
                            .take(room)
                            .map(|entry| (*kind, entry)),
                    );
                    skip = 0;
                    if page.len() == count {
                        break;
                    }
                }
                (kinds.iter().map(|kind| store.len(*kind)).sum(), page)
            }
            (filter, sort) => {
                let found = self.matching(&store, kinds, filter.as_ref(), sort)?;
                if filter.is_some() && found.is_empty() && self.quirks.filter_no_match_404 {
                    return Err(ScimError::status(404, "no resource matches the filter").into());
                }
                let total = found.len();
                (total, found.into_iter().skip(skip).take(count).collect())
            }
        };
        let projectors: Vec<(Kind, Projector)> = kinds
            .iter()
            .map(|kind| {
                let schema = Store::schema(*kind);
                let projector =
                    Projector::new(schema, &projection.attributes, &projection.excluded);
                (*kind, projector)
            })
            .collect();
        let mut items = Vec::with_capacity(page.len());
        for (kind, entry) in &page {
            let Some((_, projector)) = projectors.iter().find(|(k, _)| k == kind) else {
                continue;
            };
            items.push(self.represent(projector, entry, &projection));
        }
        let total = if self.quirks.total_results_page_size {
            page.len()
        } else {
            total
        };
        Ok(self.list_reply(total, shown_start, &items, count))
    }

    /// The resources of `kinds` that `filter` matches, in `sort` order, as the filter quirks
    /// answer them.
    fn matching<'s>(
        &self,
        store: &'s Store,
        kinds: &[Kind],
        filter: Option<&Filter>,
        sort: Option<(&AttrPath, SortOrder)>,
    ) -> Result<Vec<(Kind, &'s Entry)>, Failure> {
        let mut found = Vec::new();
        for kind in kinds {
            let schema = Store::schema(*kind);
            if filter.is_some_and(|filter| {
                self.quirks.misses_names_by_case(filter, schema)
                    || self.quirks.misses_unmapped_names(filter, schema)
            }) {
                continue;
            }
            let lacks = |name: &str| store.some_lack(*kind, name);
            if let Some(refusal) = filter.and_then(|filter| {
                self.quirks
                    .refused_filter_over_absent(filter, schema, &lacks)
            }) {
                return Err(refusal.into());
            }
            let hits = store.search(*kind, filter, sort)?;
            found.extend(hits.into_iter().map(|entry| (*kind, entry)));
        }
        Ok(found)
    }

    /// A ListResponse page of `items`, the page size having been limited to `page_limit`.
    pub(super) fn list_reply(
        &self,
        total: usize,
        start_index: i64,
        items: &[String],
        page_limit: usize,
    ) -> Reply {
        let key = if self.quirks.lowercase_resources {
            "resources"
        } else {
            "Resources"
        };
        let size: usize = items.iter().map(|i| i.len() + 1).sum();
        let mut body = String::with_capacity(size + 160);
        let _ = write!(
            body,
            "{{\"schemas\":[\"{LIST_RESPONSE}\"],\"totalResults\":{total},\"itemsPerPage\":{},\"startIndex\":{start_index},\"{key}\":[",
            self.quirks.items_per_page(items.len(), page_limit)
        );
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                body.push(',');
            }
            body.push_str(item);
        }
        body.push_str("]}");
        Reply::json(200, body)
    }
}
