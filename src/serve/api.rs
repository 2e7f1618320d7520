//! The SCIM endpoints as plain functions: a decoded request in, a [`Reply`] out. Synchronous,
//! it never awaits and never touches a socket: the HTTP edge (`routes`) does both.
//!
//! The edge calls [`Server::handle`], which takes the store lock, does its work and lets go; no
//! lock is ever held across an await. Bulk operations go through the same dispatch as single
//! requests.

use std::borrow::Cow;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde_json::{Map, Value};

use crate::scim::method::Method;
use crate::scim::model::{ScimError, ScimType};
use crate::scim::resource::{Projector, get_ci};
use crate::serve::etag;
use crate::serve::protocol;
use crate::serve::query::{ListParams, Projection, QueryPairs, decode_path_segment};
use crate::serve::quirks::Quirks;
use crate::serve::store::{Entry, Kind, Store};
use crate::serve::{Limits, bulk};

mod list;

/// A request with its transport details decoded.
#[derive(Debug, Clone)]
pub struct ApiRequest<'a> {
    /// `None` for a method SCIM does not use (`OPTIONS`, `TRACE`, ...): it gets 405.
    pub method: Option<Method>,
    /// The path below the base URL, such as `/Users/2819c223`.
    pub path: &'a str,
    pub query: QueryPairs,
    pub body: Option<Value>,
    pub if_match: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
}

/// What to answer: a status, an optional JSON body and extra headers.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Option<String>,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn json(status: u16, body: String) -> Reply {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    fn with(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    /// The RFC 7644 §3.12 Error for `error`, as the quirks shape it (`duplicate-400`,
    /// `numeric-error-status`).
    pub fn error(error: &ScimError, quirks: &Quirks) -> Reply {
        let error = quirks.reshape_error(error);
        let mut body = error.to_json();
        if quirks.numeric_error_status {
            body["status"] = error.status.into();
        }
        let reply = Reply::json(error.status, body.to_string());
        match error.status {
            401 if !quirks.no_www_authenticate => {
                reply.with("www-authenticate", "Bearer realm=\"scimctl\"")
            }
            _ => reply,
        }
    }
}

/// Why a request failed: the Error to answer and, for 405, the methods that are allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub error: ScimError,
    pub allow: Option<&'static str>,
}

impl From<ScimError> for Failure {
    fn from(error: ScimError) -> Failure {
        Failure { error, allow: None }
    }
}

impl Failure {
    /// The Error reply, with `Allow` on a 405 (RFC 9110 §15.5.6).
    pub fn reply(&self, quirks: &Quirks) -> Reply {
        let reply = Reply::error(&self.error, quirks);
        match self.allow {
            Some(allow) => reply.with("allow", allow),
            None => reply,
        }
    }
}

/// The server: the store behind its lock, and the settings every request consults.
#[derive(Debug)]
pub struct Server {
    store: RwLock<Store>,
    quirks: Quirks,
    limits: Limits,
    me: Option<String>,
    base_url: String,
    discovery: Discovery,
}

/// Discovery documents, rendered once at start-up.
#[derive(Debug)]
struct Discovery {
    service_provider_config: String,
    resource_types: Vec<(String, Value)>,
    schemas: Vec<(String, Value)>,
}

impl Server {
    /// A server over `store`; `me` is the userName `/Me` stands for.
    pub fn new(store: Store, quirks: Quirks, limits: Limits, me: Option<String>) -> Server {
        let base = store.base_url().to_string();
        let with_meta = |mut doc: Value, resource_type: &str, location: String| {
            if let Some(object) = doc.as_object_mut() {
                let mut meta = Map::new();
                meta.insert("resourceType".into(), resource_type.into());
                meta.insert("location".into(), location.into());
                object.insert("meta".into(), Value::Object(meta));
            }
            doc
        };
        let keyed = |docs: Vec<Value>, resource_type: &str, endpoint: &str| {
            docs.into_iter()
                .map(|doc| {
                    // RFC 7643 §6 makes a resource type's `id` OPTIONAL: one without is
                    // served by its name.
                    let id = ["id", "name"]
                        .iter()
                        .find_map(|key| doc.get(*key).and_then(Value::as_str))
                        .unwrap_or("")
                        .to_string();
                    let location = format!("{base}/{endpoint}/{id}");
                    (id, with_meta(doc, resource_type, location))
                })
                .collect()
        };
        let discovery = Discovery {
            service_provider_config: with_meta(
                quirks.served_service_provider_config(protocol::service_provider_config_json(
                    &limits,
                )),
                "ServiceProviderConfig",
                format!("{base}/ServiceProviderConfig"),
            )
            .to_string(),
            resource_types: keyed(
                quirks.served_resource_types(protocol::resource_types_json()),
                "ResourceType",
                "ResourceTypes",
            ),
            schemas: keyed(
                quirks.served_schemas(protocol::schemas_json()),
                "Schema",
                "Schemas",
            )
            .into_iter()
            .map(|(id, schema)| (id, quirks.served_schema_resource(schema)))
            .collect(),
        };
        Server {
            store: RwLock::new(store),
            quirks,
            limits,
            me,
            base_url: base,
            discovery,
        }
    }

    /// The quirks this server runs with.
    pub fn quirks(&self) -> &Quirks {
        &self.quirks
    }

    /// The base URL, such as `http://127.0.0.1:8080/scim/v2`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The request and page limits this server advertises and enforces.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Answers one request; failures become SCIM Error replies.
    pub fn handle(&self, request: ApiRequest<'_>) -> Reply {
        let writes = request.method.is_some_and(Method::has_body);
        let mut reply = self
            .refuse_user_create(&request)
            .and_then(|()| self.dispatch(request))
            .unwrap_or_else(|failure| failure.reply(&self.quirks));
        if self.quirks.drops_etag(writes) {
            reply.headers.retain(|(name, _)| *name != "etag");
        }
        if reply.status == 204
            && let Some(label) = self.quirks.no_content_type()
        {
            reply.headers.push(("content-type", label.to_owned()));
        }
        reply
    }

    fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// `require-name-formatted` and `client-meta-refused`, for a `POST /Users` sent as such (a `/Bulk` operation goes
    /// through [`Server::dispatch`] alone and is left as it is).
    fn refuse_user_create(&self, request: &ApiRequest<'_>) -> Result<(), Failure> {
        let mut segments = request.path.split('/').filter(|s| !s.is_empty());
        let user_create = request.method == Some(Method::Post)
            && segments.next().and_then(resource_kind) == Some(Kind::User)
            && segments.next().is_none();
        match request.body.as_ref().filter(|_| user_create) {
            Some(body) => match self.quirks.refused_user_create(body) {
                Some(refusal) => Err(refusal.into()),
                None => Ok(()),
            },
            None => Ok(()),
        }
    }

    pub(crate) fn dispatch(&self, request: ApiRequest<'_>) -> Result<Reply, Failure> {
        let segments: Vec<Cow<'_, str>> = request
            .path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(decode_path_segment)
            .collect::<Result<_, _>>()?;
        let words: Vec<&str> = segments.iter().map(|segment| &**segment).collect();
        let method = request.method;
        let is = |segment: &str, name: &str| segment.eq_ignore_ascii_case(name);
        let resource = words.first().and_then(|first| resource_kind(first));
        match (resource, words.as_slice()) {
            (Some(kind), [_]) => match method {
                Some(Method::Get) => {
                    if let Some(refusal) = self.quirks.refused_query(&request.query) {
                        return Err(refusal.into());
                    }
                    self.list(&[kind], ListParams::from_query(&request.query)?)
                }
                Some(Method::Post) => self.create(kind, request),
                _ => Err(not_allowed(method, "GET, POST")),
            },
            (Some(kind), [_, search]) if is(search, ".search") => {
                if self.quirks.search_routed_as_create && method == Some(Method::Post) {
                    return self.create(kind, request);
                }
                self.search(&[kind], &request)
            }
            (Some(kind), [_, id]) => self.one(kind, id, &request, false),
            (Some(_), _) => Err(no_endpoint(&request)),
            (None, words) => self.dispatch_other(words, &request),
        }
    }

    /// Everything that is not under `/Users` or `/Groups`.
    fn dispatch_other(&self, words: &[&str], request: &ApiRequest<'_>) -> Result<Reply, Failure> {
        let method = request.method;
        let is = |segment: &str, name: &str| segment.eq_ignore_ascii_case(name);
        match words {
            [me] if is(me, "Me") => self.me(request),
            [search] if is(search, ".search") => {
                let kinds: &[Kind] = if self.quirks.root_search_users_only {
                    &[Kind::User]
                } else {
                    &[Kind::User, Kind::Group]
                };
                self.search(kinds, request)
            }
            [bulk] if is(bulk, "Bulk") => match method {
                Some(Method::Post) => Ok(bulk::run(self, body_of(request)?.clone())?),
                _ => Err(not_allowed(method, "POST")),
            },
            [spc] if is(spc, "ServiceProviderConfig") => {
                self.discovery_read(request)?;
                Ok(Reply::json(
                    200,
                    self.discovery.service_provider_config.clone(),
                ))
            }
            [collection, id @ ..] if id.len() <= 1 => {
                let (documents, what) = if is(collection, "ResourceTypes") {
                    (&self.discovery.resource_types, "resource type")
                } else if is(collection, "Schemas") {
                    (&self.discovery.schemas, "schema")
                } else {
                    return self.unknown_endpoint(request);
                };
                self.discovery_read(request)?;
                match id {
                    [id] => discovery_one(documents, id, what),
                    _ => Ok(self.discovery_list(documents, request)),
                }
            }
            _ => self.unknown_endpoint(request),
        }
    }

    /// An endpoint the server does not have: 404 with a SCIM Error (RFC 7644 §3.12), or under
    /// `unknown-endpoint-page` a 200 HTML page for a GET, as a web application's catch-all
    /// route serves.
    fn unknown_endpoint(&self, request: &ApiRequest<'_>) -> Result<Reply, Failure> {
        if self.quirks.unknown_endpoint_page && request.method == Some(Method::Get) {
            return Ok(Reply {
                status: 200,
                body: Some(FALLBACK_PAGE.to_owned()),
                headers: vec![("content-type", "text/html".to_owned())],
            });
        }
        Err(no_endpoint(request))
    }

    /// What every discovery endpoint refuses: a method other than GET ([`Server::only_get`])
    /// and a `filter` ([`Server::refuse_discovery_filter`]), in that order.
    fn discovery_read(&self, request: &ApiRequest<'_>) -> Result<(), Failure> {
        self.only_get(request.method)?;
        self.refuse_discovery_filter(request)
    }

    /// Discovery endpoints are read-only: any other method gets 405 (RFC 9110 §15.5.6), a 501
    /// under `discovery-write-501`, or a 404 under `discovery-write-404`.
    fn only_get(&self, method: Option<Method>) -> Result<(), Failure> {
        match method {
            Some(Method::Get) => Ok(()),
            _ if self.quirks.discovery_write_404 => {
                Err(ScimError::status(404, "no such endpoint").into())
            }
            _ if self.quirks.discovery_write_501 => Err(ScimError::status(
                501,
                "discovery endpoints support no operation but GET",
            )
            .into()),
            other => Err(not_allowed(other, "GET")),
        }
    }

    /// RFC 7644 §4: a `filter` on a discovery endpoint SHOULD get 403, so that no client takes
    /// the unfiltered answer for a filtered one.
    fn refuse_discovery_filter(&self, request: &ApiRequest<'_>) -> Result<(), Failure> {
        if request.query.get("filter").is_some() && !self.quirks.discovery_filter_ignored {
            return Err(ScimError::status(
                403,
                "discovery endpoints take no `filter` (RFC 7644 §4)",
            )
            .into());
        }
        Ok(())
    }

    /// `/Users/{id}` and `/Groups/{id}`; `via_me` adds the real location to `/Me` answers.
    fn one(
        &self,
        kind: Kind,
        id: &str,
        request: &ApiRequest<'_>,
        via_me: bool,
    ) -> Result<Reply, Failure> {
        let projection = self.projection(Projection::from_query(&request.query)?);
        let reply = match request.method {
            Some(Method::Get) => self.get(kind, id, &projection, request.if_none_match),
            Some(Method::Put) => self.replace(kind, id, request, &projection),
            Some(Method::Patch) => self.patch(kind, id, request, &projection),
            Some(Method::Delete) => self.delete(kind, id, request.if_match),
            method => Err(not_allowed(method, "GET, PUT, PATCH, DELETE")),
        }?;
        if via_me
            && !self.quirks.me_without_location
            && let Some(entry) = self.read().get(kind, id)
        {
            return Ok(reply.with("location", entry.location()));
        }
        Ok(reply)
    }

    /// `/Me` (RFC 7644 §3.11): the user named by `--me`, else 501.
    fn me(&self, request: &ApiRequest<'_>) -> Result<Reply, Failure> {
        if self.quirks.me_404 {
            return Err(no_endpoint(request));
        }
        let Some(user_name) = &self.me else {
            let detail = "/Me is not supported: the token maps to no user (see --me)";
            return Err(ScimError::status(501, detail).into());
        };
        if request.method == Some(Method::Post) {
            return Err(ScimError::status(
                501,
                "creating the authenticated subject through POST /Me is not supported",
            )
            .into());
        }
        let id = self
            .read()
            .user_by_name(user_name)
            .map(|entry| entry.id().to_string())
            .ok_or_else(|| {
                ScimError::status(404, format!("the /Me user `{user_name}` does not exist"))
            })?;
        self.one(Kind::User, &id, request, true)
    }

    fn projection(&self, mut projection: Projection) -> Projection {
        if self.quirks.ignore_excluded_attributes {
            projection.excluded.clear();
        }
        self.quirks.read_excluded_names(&mut projection);
        self.quirks.unqualify_projection(&mut projection);
        projection
    }

    fn get(
        &self,
        kind: Kind,
        id: &str,
        projection: &Projection,
        if_none_match: Option<&str>,
    ) -> Result<Reply, Failure> {
        let store = self.read();
        let entry = store.require(kind, id)?;
        if let Some(header) = if_none_match.filter(|_| !self.quirks.if_none_match_ignored)
            && (self.quirks.always_not_modified || etag::header_matches(header, &entry.version))
        {
            return Ok(Reply::empty(304).with("etag", entry.version.clone()));
        }
        Ok(self.resource_reply(200, kind, entry, projection))
    }

    fn create(&self, kind: Kind, request: ApiRequest<'_>) -> Result<Reply, Failure> {
        self.create_as(kind, request, Store::create)
    }

    /// `bulk-circle-created-twice`: a create even when another resource holds the name, the
    /// second write of a bulk circle broken by creating its first resource twice.
    pub(crate) fn create_despite_name(
        &self,
        kind: Kind,
        request: ApiRequest<'_>,
    ) -> Result<Reply, Failure> {
        self.create_as(kind, request, Store::create_despite_name)
    }

    fn create_as(
        &self,
        kind: Kind,
        request: ApiRequest<'_>,
        store_create: for<'s, 'n> fn(
            &'s mut Store,
            Kind,
            Value,
            &'n str,
        ) -> Result<&'s Entry, ScimError>,
    ) -> Result<Reply, Failure> {
        let projection = self.projection(Projection::from_query(&request.query)?);
        let mut body = request.body.ok_or_else(|| missing_body(request.method))?;
        if let Some(refusal) = self.quirks.refused_unknown_schemas(&body) {
            return Err(refusal.into());
        }
        if let Some(refusal) = (kind == Kind::User)
            .then(|| self.quirks.refused_user_name(&body))
            .flatten()
        {
            return Err(refusal.into());
        }
        self.quirks.drop_enterprise_extension(&mut body);
        if kind == Kind::Group {
            self.quirks.drop_members_on_create(&mut body);
        } else {
            self.quirks.drop_active_on_create(&mut body);
            self.quirks.drop_x509_certificates_on_create(&mut body);
        }
        let now = now();
        let mut store = self.write();
        let entry = store_create(&mut store, kind, body, &now)?;
        let location = self.quirks.location_header(entry.location()).into_owned();
        Ok(self
            .resource_reply(201, kind, entry, &projection)
            .with("location", location))
    }

    fn replace(
        &self,
        kind: Kind,
        id: &str,
        request: &ApiRequest<'_>,
        projection: &Projection,
    ) -> Result<Reply, Failure> {
        let mut body = body_of(request)?.clone();
        if let Some(refusal) = (kind == Kind::User)
            .then(|| self.quirks.refused_user_name(&body))
            .flatten()
        {
            return Err(refusal.into());
        }
        self.quirks.drop_enterprise_extension(&mut body);
        let now = now();
        let mut store = self.write();
        check_if_match(&store, &self.quirks, kind, id, request.if_match)?;
        // `put-answers-previous`: the answer is the resource as it was before the PUT.
        let previous = self
            .quirks
            .put_answers_previous
            .then(|| store.require(kind, id).cloned())
            .transpose()?;
        let written = store.replace(kind, id, body, &now, !self.quirks.put_not_stored)?;
        let answered = previous.as_ref().unwrap_or(&written.entry);
        Ok(self.resource_reply(200, kind, answered, projection))
    }

    fn patch(
        &self,
        kind: Kind,
        id: &str,
        request: &ApiRequest<'_>,
        projection: &Projection,
    ) -> Result<Reply, Failure> {
        if let Some(refusal) = self.quirks.refused_patch_method() {
            return Err(refusal.into());
        }
        let mut body = Cow::Borrowed(body_of(request)?);
        if let Some(refusal) = self.quirks.refused_patch(&body) {
            return Err(refusal.into());
        }
        self.quirks.rewrite_patch(&mut body, kind == Kind::Group);
        let group_additions = match kind {
            Kind::User => self.quirks.take_user_group_additions(&mut body),
            Kind::Group => Vec::new(),
        };
        let mut now = now();
        let mut store = self.write();
        check_if_match(&store, &self.quirks, kind, id, request.if_match)?;
        self.quirks
            .duplicate_added_values(&mut body, &store.require(kind, id)?.resource);
        let existing = &store.require(kind, id)?.resource;
        if let Some(refusal) = self.quirks.refused_replace_of_absent(&body, existing) {
            return Err(refusal.into());
        }
        if self.quirks.noop_add_bumps_last_modified {
            // A stamp in the same millisecond as the last write would hide the restamp.
            let previous = existing
                .pointer("/meta/lastModified")
                .and_then(Value::as_str);
            now = later_than(&now, previous.unwrap_or_default());
        }
        if !group_additions.is_empty() {
            for group_id in &group_additions {
                let join = serde_json::json!({
                    "schemas": [crate::scim::model::PATCH_OP],
                    "Operations": [{"op": "add", "path": "members", "value": [{"value": id}]}],
                });
                store.patch(Kind::Group, group_id, &join, &now)?;
            }
            if Quirks::one_operation_each(&body).is_empty() {
                let entry = store.require(kind, id)?.clone();
                return Ok(self.resource_reply(200, kind, &entry, projection));
            }
        }
        let written = match store.patch(kind, id, &body, &now) {
            Err(error) if self.quirks.patch_not_atomic => {
                for single in Quirks::one_operation_each(&body) {
                    if store.patch(kind, id, &single, &now).is_err() {
                        break;
                    }
                }
                return Err(error.into());
            }
            written => written?,
        };
        if self.quirks.patch_no_content && projection.is_default() {
            return Ok(Reply::empty(204).with("etag", written.entry.version.clone()));
        }
        if self.quirks.patch_200_empty_body {
            return Ok(Reply::empty(200).with("etag", written.entry.version.clone()));
        }
        Ok(self.resource_reply(200, kind, &written.entry, projection))
    }

    fn delete(&self, kind: Kind, id: &str, if_match: Option<&str>) -> Result<Reply, Failure> {
        let now = now();
        let mut store = self.write();
        check_if_match(&store, &self.quirks, kind, id, if_match)?;
        // `delete-200`: the answer is the resource as it was, with 200.
        let answer = if self.quirks.delete_200 {
            let deleted = store.require(kind, id)?;
            self.resource_reply(200, kind, deleted, &Projection::default())
        } else {
            Reply::empty(204)
        };
        // `soft-delete`: the 204 claims a deletion that never happens.
        if !self.quirks.soft_delete {
            store.delete(kind, id, &now)?;
        }
        Ok(answer)
    }

    /// A resource as `projection` shapes it; `password-echoed` puts the stored password back
    /// in, though it is returned "never" (RFC 7643 §4.1.1).
    fn representation(&self, kind: Kind, entry: &Entry, projection: &Projection) -> String {
        let projector = Projector::new(
            Store::schema(kind),
            &projection.attributes,
            &projection.excluded,
        );
        self.represent(&projector, entry, projection)
    }

    /// [`Server::representation`] with the projection's paths already resolved against the
    /// resource type's schema: a list page resolves them once, not once per resource.
    pub(super) fn represent(
        &self,
        projector: &Projector,
        entry: &Entry,
        projection: &Projection,
    ) -> String {
        let echoed = self
            .quirks
            .password_echoed
            .then(|| get_ci(&entry.resource, "password"))
            .flatten();
        if echoed.is_none() && projection.is_default() {
            return entry.rendered.to_string();
        }
        let drops_id = self.quirks.drops_id(projection);
        if echoed.is_none() && !drops_id {
            // Serialized straight from the stored resource: a page of a thousand users with
            // `attributes=` copies none of them.
            return serde_json::to_string(&projector.view(&entry.resource)).unwrap_or_default();
        }
        let mut shown = serde_json::to_value(projector.view(&entry.resource)).unwrap_or_default();
        if let Some(object) = shown.as_object_mut() {
            if let Some(password) = echoed {
                object.insert("password".into(), password.clone());
            }
            if drops_id {
                object.remove("id");
            }
        }
        shown.to_string()
    }

    fn resource_reply(
        &self,
        status: u16,
        kind: Kind,
        entry: &Entry,
        projection: &Projection,
    ) -> Reply {
        let body = self.representation(kind, entry, projection);
        Reply::json(status, body).with("etag", entry.version.clone())
    }

    /// A discovery list: always whole, as RFC 7644 §4 says its query parameters SHALL be
    /// ignored, but for `discovery-pages`, which pages it by `startIndex` and `count`.
    fn discovery_list(&self, docs: &[(String, Value)], request: &ApiRequest<'_>) -> Reply {
        let items: Vec<String> = docs.iter().map(|(_, doc)| doc.to_string()).collect();
        let page_limit = self.limits.max_results;
        if self.quirks.discovery_pages {
            let number = |name: &str| {
                request
                    .query
                    .get(name)
                    .and_then(|value| value.parse::<usize>().ok())
            };
            let start = number("startIndex").unwrap_or(1).max(1);
            let count = number("count").unwrap_or(page_limit);
            let page: Vec<String> = items.iter().skip(start - 1).take(count).cloned().collect();
            let start_index = i64::try_from(start).unwrap_or(i64::MAX);
            return self.list_reply(items.len(), start_index, &page, page_limit);
        }
        self.list_reply(items.len(), 1, &items, page_limit)
    }
}

/// The time stamp of a write: RFC 3339 UTC with milliseconds.
fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `now`, or one millisecond after `previous` when `now` is not later.
fn later_than(now: &str, previous: &str) -> String {
    let parse = |text: &str| chrono::DateTime::parse_from_rfc3339(text).ok();
    match (parse(now), parse(previous)) {
        (Some(current), Some(last)) if current <= last => (last
            + chrono::Duration::milliseconds(1))
        .with_timezone(&chrono::Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        _ => now.to_owned(),
    }
}

pub(crate) fn resource_kind(segment: &str) -> Option<Kind> {
    [Kind::User, Kind::Group]
        .into_iter()
        .find(|kind| kind.endpoint().eq_ignore_ascii_case(segment))
}

fn not_allowed(method: Option<Method>, allowed: &'static str) -> Failure {
    Failure {
        error: ScimError::status(
            405,
            format!(
                "{} is not allowed here; allowed: {allowed}",
                method.map_or("this method", Method::as_str)
            ),
        ),
        allow: Some(allowed),
    }
}

/// What `unknown-endpoint-page` serves for an unknown endpoint.
const FALLBACK_PAGE: &str = "<!doctype html><html><body><div id=\"app\"></div></body></html>";

fn no_endpoint(request: &ApiRequest<'_>) -> Failure {
    ScimError::status(404, format!("no endpoint at `{}`", request.path)).into()
}

fn discovery_one(docs: &[(String, Value)], id: &str, what: &str) -> Result<Reply, Failure> {
    docs.iter()
        .find(|(doc_id, _)| doc_id.eq_ignore_ascii_case(id))
        .map(|(_, doc)| Reply::json(200, doc.to_string()))
        .ok_or_else(|| ScimError::status(404, format!("no {what} `{id}`")).into())
}

fn body_of<'r>(request: &'r ApiRequest<'_>) -> Result<&'r Value, ScimError> {
    request
        .body
        .as_ref()
        .ok_or_else(|| missing_body(request.method))
}

fn missing_body(method: Option<Method>) -> ScimError {
    ScimError::typed(
        ScimType::InvalidSyntax,
        format!(
            "{} needs a JSON body",
            method.map_or("this method", Method::as_str)
        ),
    )
}

/// The RFC 7644 §3.14 precondition of a write: 404 for an unknown id, 412 (409 with
/// `version-conflict-409`) when `If-Match` names another version (never, with
/// `ignore-if-match`).
fn check_if_match(
    store: &Store,
    quirks: &Quirks,
    kind: Kind,
    id: &str,
    if_match: Option<&str>,
) -> Result<(), ScimError> {
    let entry = store.require(kind, id)?;
    match if_match {
        Some(header)
            if !quirks.ignore_if_match && !quirks.if_match_holds(header, &entry.version) =>
        {
            Err(ScimError::status(
                quirks.stale_version_status(),
                format!(
                    "If-Match `{header}` does not match the current version {}",
                    entry.version
                ),
            ))
        }
        _ => Ok(()),
    }
}
