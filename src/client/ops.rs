//! Typed SCIM operations on a [`ScimClient`]: read, list, search, create, replace, patch, delete
//! and look up by filter, for any resource endpoint (RFC 7644 §3.3–§3.6, §3.11). It does not
//! follow pages: `paging.rs` does.
//!
//! Each operation builds its request, sends it through [`ScimClient::send_with_headers`] and
//! reads the answer tolerantly. Deviations that cost nothing are tolerated; those that change
//! what the user sees (a 404 for "no match", an `eq` that matched a substring) are warnings on
//! the recorder. Paging over every page lives in `paging.rs`.

use std::str::FromStr;

use serde_json::{Map, Value, json};

use super::error::ClientError;
use super::transport::{Method, Response};
use super::{ScimClient, response_json};
use crate::exit::Exit;
use crate::scim::filter::{CompValue, CompareOp, Filter, FilterCheck};
use crate::scim::list::{ListPage, parse_list_response};
use crate::scim::model::SEARCH_REQUEST;
use crate::scim::path::AttrPath;
use crate::scim::resource::get_ci;
use crate::scim::schema::ResourceSchema;

/// Which attributes an answer should carry (RFC 7644 §3.4.2.5, §3.9).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    /// `attributes`: replaces the default set.
    pub attributes: Vec<String>,
    /// `excludedAttributes`: subtracted from the default set.
    pub excluded_attributes: Vec<String>,
}

/// `sortOrder` (RFC 7644 §3.4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Ascending,
    Descending,
}

/// The parameters of a list or search request (RFC 7644 §3.4.2, §3.4.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// The filter, sent as written (parse it first; see `scim::filter`).
    pub filter: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<SortOrder>,
    pub attributes: Vec<String>,
    pub excluded_attributes: Vec<String>,
    /// 1-based (RFC 7644 §3.4.2.4); `None` lets the server start at 1.
    pub start_index: Option<u64>,
    /// Page size; `None` lets the server choose.
    pub count: Option<u64>,
    /// Send `POST {endpoint}/.search` with a SearchRequest body instead of a GET, which keeps
    /// a filter holding personal data out of URLs (RFC 7644 §3.4.3, §7.5.2).
    pub search: bool,
}

/// A resource and the version tag it was served with.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub resource: Value,
    /// The `ETag` header, else `meta.version` (RFC 7644 §3.14: they should be equal), echoed
    /// byte for byte in `If-Match`.
    pub etag: Option<String>,
}

/// Why a lookup by filter did not produce exactly one resource.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// No resource matched.
    #[error("no {resource} matches {filter}")]
    NotFound {
        /// The resource type's singular name, such as `User`.
        resource: String,
        filter: String,
    },
    /// Several resources matched.
    #[error("{} {resource}s match {filter}: ids {}", ids.len(), ids.join(", "))]
    Ambiguous {
        resource: String,
        filter: String,
        /// The ids of the matches (those that have one).
        ids: Vec<String>,
    },
    /// The request itself failed.
    #[error(transparent)]
    Client(#[from] ClientError),
}

impl LookupError {
    /// The exit code: a failed request keeps its own; no match or several is a server-side
    /// answer (1), like a 404.
    pub fn exit(&self) -> Exit {
        match self {
            LookupError::Client(error) => error.exit(),
            LookupError::NotFound { .. } | LookupError::Ambiguous { .. } => Exit::ServerError,
        }
    }
}

impl SortOrder {
    /// The keyword RFC 7644 §3.4.2.3 uses.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Ascending => "ascending",
            SortOrder::Descending => "descending",
        }
    }
}

impl FromStr for SortOrder {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "ascending" | "asc" => Ok(SortOrder::Ascending),
            "descending" | "desc" => Ok(SortOrder::Descending),
            _ => Err(format!(
                "unknown sort order `{text}`: use ascending or descending"
            )),
        }
    }
}

impl Projection {
    /// The query parameters.
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        push_projection(&mut query, &self.attributes, &self.excluded_attributes);
        query
    }
}

/// `attributes` and `excludedAttributes` as comma-separated query parameters (§3.4.2.5).
fn push_projection(
    query: &mut Vec<(&'static str, String)>,
    attributes: &[String],
    excluded_attributes: &[String],
) {
    if !attributes.is_empty() {
        query.push(("attributes", attributes.join(",")));
    }
    if !excluded_attributes.is_empty() {
        query.push(("excludedAttributes", excluded_attributes.join(",")));
    }
}

impl ListQuery {
    /// The GET query parameters, in the RFC's order of mention.
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        if let Some(filter) = &self.filter {
            query.push(("filter", filter.clone()));
        }
        if let Some(sort_by) = &self.sort_by {
            query.push(("sortBy", sort_by.clone()));
        }
        if let Some(order) = self.sort_order {
            query.push(("sortOrder", order.as_str().to_owned()));
        }
        push_projection(&mut query, &self.attributes, &self.excluded_attributes);
        if let Some(start) = self.start_index {
            query.push(("startIndex", start.to_string()));
        }
        if let Some(count) = self.count {
            query.push(("count", count.to_string()));
        }
        query
    }

    /// The SearchRequest body (§3.4.3): the same parameters, lists as JSON arrays.
    pub fn search_request(&self) -> Value {
        let mut body = Map::new();
        body.insert("schemas".to_owned(), json!([SEARCH_REQUEST]));
        if let Some(filter) = &self.filter {
            body.insert("filter".to_owned(), json!(filter));
        }
        if let Some(sort_by) = &self.sort_by {
            body.insert("sortBy".to_owned(), json!(sort_by));
        }
        if let Some(order) = self.sort_order {
            body.insert("sortOrder".to_owned(), json!(order.as_str()));
        }
        if !self.attributes.is_empty() {
            body.insert("attributes".to_owned(), json!(self.attributes));
        }
        if !self.excluded_attributes.is_empty() {
            body.insert(
                "excludedAttributes".to_owned(),
                json!(self.excluded_attributes),
            );
        }
        if let Some(start) = self.start_index {
            body.insert("startIndex".to_owned(), json!(start));
        }
        if let Some(count) = self.count {
            body.insert("count".to_owned(), json!(count));
        }
        Value::Object(body)
    }
}

/// `attribute eq "value"`, the filter of a lookup by a unique key.
pub fn equals_filter(attribute: &str, value: &str) -> Filter {
    Filter::Compare(
        AttrPath {
            urn: None,
            name: attribute.to_owned(),
            sub: None,
        },
        CompareOp::Eq,
        CompValue::String(value.to_owned()),
    )
}

/// An endpoint such as `/Users` or `Users` as path segments below the base URL.
fn segments(endpoint: &str) -> Vec<&str> {
    endpoint.split('/').filter(|s| !s.is_empty()).collect()
}

/// `/Users` -> `User`: the resource type's name as messages say it.
fn singular(endpoint: &str) -> String {
    let last = endpoint
        .rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or(endpoint);
    last.strip_suffix('s').unwrap_or(last).to_owned()
}

fn pairs<'a>(query: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    query.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Filters made only of `eq` comparisons joined by `and`: the lookups IdPs make, which a
/// server's answer must satisfy exactly.
fn is_equality_lookup(filter: &Filter) -> bool {
    match filter {
        Filter::Compare(_, CompareOp::Eq, _) => true,
        Filter::And(left, right) => is_equality_lookup(left) && is_equality_lookup(right),
        _ => false,
    }
}

impl ScimClient {
    /// `GET {endpoint}/{id}` (RFC 7644 §3.4.1).
    pub async fn get(
        &self,
        endpoint: &str,
        id: &str,
        projection: &Projection,
    ) -> Result<Value, ClientError> {
        Ok(self.get_with_etag(endpoint, id, projection).await?.resource)
    }

    /// `GET {endpoint}/{id}`, keeping the version tag for a later `If-Match` (§3.14).
    pub async fn get_with_etag(
        &self,
        endpoint: &str,
        id: &str,
        projection: &Projection,
    ) -> Result<Fetched, ClientError> {
        let mut path = segments(endpoint);
        path.push(id);
        let query = projection.query();
        let response = self.send(Method::Get, &path, &pairs(&query), None).await?;
        let resource = expect_body(&response, Method::Get, &path)?;
        let etag = response.header("etag").map(str::to_owned).or_else(|| {
            resource
                .as_object()
                .and_then(|r| get_ci(r, "meta"))
                .and_then(Value::as_object)
                .and_then(|meta| get_ci(meta, "version"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        Ok(Fetched { resource, etag })
    }

    /// `GET /Me` (§3.11): the authenticated subject's own resource.
    pub async fn me(&self, projection: &Projection) -> Result<Value, ClientError> {
        let query = projection.query();
        let path = ["Me"];
        let response = self.send(Method::Get, &path, &pairs(&query), None).await?;
        expect_body(&response, Method::Get, &path)
    }

    /// One page of a list (`GET {endpoint}?...`) or search (`POST {endpoint}/.search`).
    /// Deviations read past are in [`ListPage::tolerated`], for the caller to show at `-v`.
    ///
    /// A 404 SCIM Error to a *filtered* request is read as no match, with a warning: some
    /// servers answer so where §3.4.2 asks for 200 and `totalResults` 0
    /// (jelhub/scimgateway#18, wso2/product-is#25028).
    pub async fn list(&self, endpoint: &str, query: &ListQuery) -> Result<ListPage, ClientError> {
        let mut path = segments(endpoint);
        let (method, sent) = if query.search {
            path.push(".search");
            let body = query.search_request();
            let sent = self.send(Method::Post, &path, &[], Some(&body)).await;
            (Method::Post, sent)
        } else {
            let parameters = query.query();
            let sent = self
                .send(Method::Get, &path, &pairs(&parameters), None)
                .await;
            (Method::Get, sent)
        };
        let response = match sent {
            Ok(response) => response,
            Err(ClientError::Http(failure))
                if failure.status == 404
                    && query.filter.is_some()
                    && matches!(failure.body, super::FailureBody::Scim { .. }) =>
            {
                self.recorder().warning(&format!(
                    "{}: the server answered 404 to a filtered list; read as no match (RFC 7644 \
                     §3.4.2 asks for 200 with totalResults 0)",
                    failure.label
                ));
                return Ok(ListPage {
                    total_results: Some(0),
                    ..ListPage::default()
                });
            }
            Err(error) => return Err(error),
        };
        let body = expect_body(&response, method, &path)?;
        parse_list_response(body).map_err(|reason| ClientError::InvalidBody {
            label: label(method, &path),
            reason,
        })
    }

    /// `POST {endpoint}` (§3.3). `None` when the server created it but sent no body back.
    pub async fn create(
        &self,
        endpoint: &str,
        resource: &Value,
    ) -> Result<Option<Value>, ClientError> {
        let path = segments(endpoint);
        self.send_json(Method::Post, &path, &[], Some(resource))
            .await
    }

    /// `PUT {endpoint}/{id}` (§3.5.1), with `If-Match` when given (§3.14). `None` on 204.
    pub async fn replace(
        &self,
        endpoint: &str,
        id: &str,
        resource: &Value,
        if_match: Option<&str>,
    ) -> Result<Option<Value>, ClientError> {
        let mut path = segments(endpoint);
        path.push(id);
        let headers: Vec<(&str, &str)> =
            if_match.map(|tag| ("if-match", tag)).into_iter().collect();
        let response = self
            .send_with_headers(Method::Put, &path, &[], Some(resource), &headers)
            .await?;
        response_json(&response, Method::Put, &path)
    }

    /// `PATCH {endpoint}/{id}` with a PatchOp body (§3.5.2). `None` on 204.
    pub async fn patch(
        &self,
        endpoint: &str,
        id: &str,
        body: &Value,
    ) -> Result<Option<Value>, ClientError> {
        let mut path = segments(endpoint);
        path.push(id);
        self.send_json(Method::Patch, &path, &[], Some(body)).await
    }

    /// `DELETE {endpoint}/{id}` (§3.6).
    pub async fn delete(&self, endpoint: &str, id: &str) -> Result<(), ClientError> {
        let mut path = segments(endpoint);
        path.push(id);
        self.send(Method::Delete, &path, &[], None).await.map(drop)
    }

    /// The one resource matching `filter`, or a clear error when none or several do.
    ///
    /// For equality lookups (`userName eq "x"`) each hit is checked again here against
    /// `schema`: servers whose `eq` is a prefix or substring match return too much
    /// (Metatavu/keycloak-scim-server#67); such hits are dropped with a warning.
    pub async fn find_unique(
        &self,
        endpoint: &str,
        filter: &Filter,
        schema: &ResourceSchema,
    ) -> Result<Value, LookupError> {
        let text = filter.to_string();
        let page = self
            .list(
                endpoint,
                &ListQuery {
                    filter: Some(text.clone()),
                    ..ListQuery::default()
                },
            )
            .await?;
        for note in &page.tolerated {
            self.recorder()
                .verbose_warning(&format!("GET {endpoint}: {note} (tolerated)"));
        }
        let mut hits = page.resources;
        if let (true, Ok(mut check)) = (
            is_equality_lookup(filter),
            FilterCheck::new(filter, schema, &[], &[]),
        ) {
            hits.retain(|hit| check.admit(hit));
            let dropped = check.mismatched();
            if dropped > 0 {
                self.recorder().warning(&format!(
                    "GET {endpoint}: the server returned {dropped} resource(s) that do not \
                     match {text}; its `eq` is not an exact comparison (RFC 7644 §3.4.2.2)"
                ));
            }
        }
        let resource = singular(endpoint);
        match hits.len() {
            0 => Err(LookupError::NotFound {
                resource,
                filter: text,
            }),
            1 => Ok(hits.pop().unwrap_or_default()),
            _ => Err(LookupError::Ambiguous {
                resource,
                filter: text,
                ids: hits
                    .iter()
                    .filter_map(|hit| hit.as_object().and_then(|h| get_ci(h, "id")))
                    .map(|id| match id {
                        Value::String(id) => id.clone(),
                        other => other.to_string(),
                    })
                    .collect(),
            }),
        }
    }
}

fn label(method: Method, path: &[&str]) -> String {
    format!("{method} /{}", path.join("/"))
}

/// The JSON body of an answer that must have one.
fn expect_body(response: &Response, method: Method, path: &[&str]) -> Result<Value, ClientError> {
    response_json(response, method, path)?.ok_or_else(|| ClientError::InvalidBody {
        label: label(method, path),
        reason: format!("the {} answer has no body", response.status),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_query_becomes_get_parameters_and_a_search_body() {
        let query = ListQuery {
            filter: Some("userName sw \"b\"".to_owned()),
            sort_by: Some("userName".to_owned()),
            sort_order: Some(SortOrder::Descending),
            attributes: vec!["userName".to_owned(), "emails".to_owned()],
            excluded_attributes: vec![],
            start_index: Some(1),
            count: Some(10),
            search: true,
        };
        assert_eq!(
            query.query(),
            [
                ("filter", "userName sw \"b\"".to_owned()),
                ("sortBy", "userName".to_owned()),
                ("sortOrder", "descending".to_owned()),
                ("attributes", "userName,emails".to_owned()),
                ("startIndex", "1".to_owned()),
                ("count", "10".to_owned()),
            ]
        );
        // RFC 7644 §3.4.3: in a SearchRequest the attribute lists are JSON arrays.
        assert_eq!(
            query.search_request(),
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "filter": "userName sw \"b\"", "sortBy": "userName", "sortOrder": "descending",
                "attributes": ["userName", "emails"], "startIndex": 1, "count": 10
            })
        );
    }

    #[test]
    fn endpoints_become_segments_and_names() {
        assert_eq!(segments("/Users"), ["Users"]);
        assert_eq!(segments("v2/Groups/"), ["v2", "Groups"]);
        assert_eq!(singular("/Users"), "User");
        assert_eq!(singular("/Devices"), "Device");
        assert_eq!(singular("/Me"), "Me");
    }

    #[test]
    fn lookup_failures_read_as_sentences() {
        let filter = equals_filter("userName", "x").to_string();
        assert_eq!(filter, "userName eq \"x\"");
        let none = LookupError::NotFound {
            resource: "User".to_owned(),
            filter: filter.clone(),
        };
        assert_eq!(none.to_string(), "no User matches userName eq \"x\"");
        let several = LookupError::Ambiguous {
            resource: "User".to_owned(),
            filter,
            ids: vec!["a".to_owned(), "b".to_owned(), "c".to_owned()],
        };
        assert_eq!(
            several.to_string(),
            "3 Users match userName eq \"x\": ids a, b, c"
        );
        assert_eq!(several.exit(), Exit::ServerError);
    }

    #[test]
    fn only_equality_lookups_are_verified_locally() {
        let eq = equals_filter("userName", "x");
        assert!(is_equality_lookup(&eq));
        let both = Filter::And(Box::new(eq.clone()), Box::new(equals_filter("active", "y")));
        assert!(is_equality_lookup(&both));
        assert!(!is_equality_lookup(&Filter::Or(
            Box::new(eq.clone()),
            Box::new(eq)
        )));
    }
}
