//! The in-memory resource store behind `scimctl serve`: Users and Groups with their indexes,
//! group membership mirrored into `User.groups`, and every write's `meta`.
//!
//! Pure: no async runtime, no HTTP framework, no files or sockets. The caller holds the lock and passes the clock
//! reading (`now`, RFC 3339) into each write. Filters, PATCH and validation come from the
//! protocol core through [`crate::serve::protocol`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::scim::filter::{CompValue, CompareOp, Filter};
use crate::scim::model::{ScimError, ScimType};
use crate::scim::path::AttrPath;
use crate::scim::resource::get_ci;
use crate::scim::schema::ResourceSchema;
use crate::scim::sort::{SortOrder, sort_by_path, sort_key};
use crate::serve::ids::new_id;
use crate::serve::protocol::{self, WriteMode};

/// The two resource types the server stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    User,
    Group,
}

impl Kind {
    /// The endpoint segment, such as `Users`.
    pub fn endpoint(self) -> &'static str {
        match self {
            Kind::User => "Users",
            Kind::Group => "Groups",
        }
    }

    /// The `meta.resourceType` value.
    pub fn resource_type(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
        }
    }

    /// The attribute that must be unique (case-insensitively) within the kind.
    fn unique_attribute(self) -> &'static str {
        match self {
            Kind::User => "userName",
            Kind::Group => "displayName",
        }
    }
}

/// The quirks the store honours; see [`crate::serve::quirks`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreOptions {
    pub eq_substring: bool,
    pub case_sensitive_username: bool,
    pub reject_string_booleans: bool,
    pub or_as_and: bool,
    /// `etag-never-changes`: a resource's version is fixed when it is created.
    pub frozen_versions: bool,
    /// `client-id-honoured`: a create keeps the `id` the client sent.
    pub honour_client_id: bool,
}

/// One stored resource.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Creation order: lists without `sortBy` come in this order.
    pub seq: u64,
    /// The full stored representation, `meta` and writeOnly attributes included.
    pub resource: Value,
    /// The default representation, serialised once per write.
    pub rendered: Arc<str>,
    /// `meta.version`, also the ETag.
    pub version: String,
}

impl Entry {
    /// The resource id.
    pub fn id(&self) -> &str {
        self.resource
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// `meta.location`.
    pub fn location(&self) -> &str {
        self.meta("location")
    }

    /// A string member of `meta`, or "" (a JSON pointer would allocate on every call).
    fn meta(&self, key: &str) -> &str {
        self.resource
            .get("meta")
            .and_then(|meta| meta.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

#[derive(Debug, Default)]
struct Collection {
    entries: HashMap<String, Entry>,
    order: BTreeMap<u64, String>,
    /// Lowercased userName / displayName -> id.
    unique: HashMap<String, String>,
    /// externalId (case-exact, RFC 7643 §3.1) -> ids.
    external: HashMap<String, Vec<String>>,
}

/// The whole server state.
#[derive(Debug)]
pub struct Store {
    base_url: String,
    options: StoreOptions,
    users: Collection,
    groups: Collection,
    /// Member id -> the groups it is a direct member of, keyed by group creation order.
    member_of: HashMap<String, BTreeMap<u64, String>>,
    next_seq: u64,
    revision: u64,
    filter_user_schema: ResourceSchema,
}

/// The written resource, whether it was stored or only computed (`put-not-stored`).
#[derive(Debug, Clone)]
pub struct Written {
    pub entry: Entry,
    pub changed: bool,
}

impl Store {
    /// An empty store whose `meta.location`s start with `base_url` (no trailing slash).
    pub fn new(base_url: &str, options: StoreOptions) -> Store {
        let mut filter_user_schema = protocol::user_schema().clone();
        if options.case_sensitive_username {
            for attribute in &mut filter_user_schema.core.attributes {
                if attribute.name.eq_ignore_ascii_case("userName") {
                    attribute.case_exact = true;
                }
            }
        }
        Store {
            base_url: base_url.trim_end_matches('/').to_string(),
            options,
            users: Collection::default(),
            groups: Collection::default(),
            member_of: HashMap::new(),
            next_seq: 1,
            revision: 0,
            filter_user_schema,
        }
    }

    /// The base URL resources are located under.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The schema resources of `kind` are validated, patched and projected with.
    pub fn schema(kind: Kind) -> &'static ResourceSchema {
        match kind {
            Kind::User => protocol::user_schema(),
            Kind::Group => protocol::group_schema(),
        }
    }

    fn collection(&self, kind: Kind) -> &Collection {
        match kind {
            Kind::User => &self.users,
            Kind::Group => &self.groups,
        }
    }

    fn collection_mut(&mut self, kind: Kind) -> &mut Collection {
        match kind {
            Kind::User => &mut self.users,
            Kind::Group => &mut self.groups,
        }
    }

    /// How many resources of `kind` are stored.
    pub fn len(&self, kind: Kind) -> usize {
        self.collection(kind).entries.len()
    }

    /// Whether the store holds no resource of `kind`.
    pub fn is_empty(&self, kind: Kind) -> bool {
        self.len(kind) == 0
    }

    /// Every resource of `kind`, in creation order.
    pub fn iter(&self, kind: Kind) -> impl Iterator<Item = &Entry> {
        let collection = self.collection(kind);
        collection
            .order
            .values()
            .filter_map(|id| collection.entries.get(id))
    }

    /// The resource with this id.
    pub fn get(&self, kind: Kind, id: &str) -> Option<&Entry> {
        self.collection(kind).entries.get(id)
    }

    /// The resource with this id, or a 404 SCIM Error.
    pub fn require(&self, kind: Kind, id: &str) -> Result<&Entry, ScimError> {
        self.get(kind, id).ok_or_else(|| not_found(kind, id))
    }

    /// The user whose userName equals `user_name` (case-insensitively).
    pub fn user_by_name(&self, user_name: &str) -> Option<&Entry> {
        let id = self.users.unique.get(&user_name.to_lowercase())?;
        self.users.entries.get(id)
    }

    /// The resources of `kind` matching `filter` (all without one), in creation order or
    /// sorted by `sort`.
    pub fn search(
        &self,
        kind: Kind,
        filter: Option<&Filter>,
        sort: Option<(&AttrPath, SortOrder)>,
    ) -> Result<Vec<&Entry>, ScimError> {
        let collection = self.collection(kind);
        let schema = match kind {
            Kind::User => &self.filter_user_schema,
            Kind::Group => protocol::group_schema(),
        };
        let rewritten;
        let filter = match filter {
            Some(filter) if self.options.eq_substring || self.options.or_as_and => {
                rewritten = quirky_filter(filter, &self.options);
                Some(&rewritten)
            }
            other => other,
        };
        if let Some(filter) = filter {
            protocol::check_filter(filter, schema)?;
        }
        let mut found: Vec<&Entry> = match filter {
            None => self.iter(kind).collect(),
            Some(filter) => {
                let mut hits = Vec::new();
                match indexed_candidates(collection, kind, filter) {
                    Some(candidates) => {
                        for entry in candidates {
                            if protocol::filter_matches(filter, &entry.resource, schema)? {
                                hits.push(entry);
                            }
                        }
                        hits.sort_by_key(|e| e.seq);
                    }
                    None => {
                        for id in collection.order.values() {
                            if let Some(entry) = collection.entries.get(id)
                                && protocol::filter_matches(filter, &entry.resource, schema)?
                            {
                                hits.push(entry);
                            }
                        }
                    }
                }
                hits
            }
        };
        if let Some((path, order)) = sort {
            let sort_schema = Store::schema(kind);
            sort_by_path(&mut found, order, |e| {
                sort_key(&e.resource, path, sort_schema)
            });
        }
        Ok(found)
    }

    /// Creates a resource from a POST body (RFC 7644 §3.3). Client `id` and `meta` are ignored,
    /// unless `honour_client_id` keeps a client's string `id`.
    pub fn create(&mut self, kind: Kind, body: Value, now: &str) -> Result<&Entry, ScimError> {
        let id = match get_ci(&body, "id") {
            Some(Value::String(sent)) if self.options.honour_client_id && !sent.is_empty() => {
                sent.clone()
            }
            _ => new_id(),
        };
        self.create_with_id(kind, body, now, id)
    }

    /// Creates a resource with a chosen id (seed files keep theirs, so demos have stable URLs).
    pub fn create_with_id(
        &mut self,
        kind: Kind,
        body: Value,
        now: &str,
        id: String,
    ) -> Result<&Entry, ScimError> {
        if self.get(Kind::User, &id).is_some() || self.get(Kind::Group, &id).is_some() {
            return Err(ScimError::typed(
                ScimType::Uniqueness,
                format!("id `{id}` is already in use"),
            ));
        }
        let validated = self.validate(kind, body, WriteMode::Create)?;
        let attributes = self.prepare(kind, validated, &id)?;
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = self.assemble(kind, &id, attributes, now, now, seq);
        self.commit(kind, entry, now);
        self.require(kind, &id)
    }

    /// Replaces a resource from a PUT body (RFC 7644 §3.5.1); with `store` false the result is
    /// computed and returned but nothing changes (the `put-not-stored` quirk).
    pub fn replace(
        &mut self,
        kind: Kind,
        id: &str,
        body: Value,
        now: &str,
        store: bool,
    ) -> Result<Written, ScimError> {
        let existing = self.require(kind, id)?;
        let (seq, created) = (existing.seq, created_of(existing).to_string());
        let validated = self.validate(
            kind,
            body,
            WriteMode::Replace {
                current: &existing.resource,
            },
        )?;
        let attributes = self.prepare(kind, validated, id)?;
        let entry = self.assemble(kind, id, attributes, &created, now, seq);
        if store {
            self.commit(kind, entry.clone(), now);
        }
        Ok(Written {
            entry,
            changed: true,
        })
    }

    /// Applies a PATCH body (RFC 7644 §3.5.2). A PATCH that changes nothing keeps `meta`
    /// (and so the version) as it was.
    pub fn patch(
        &mut self,
        kind: Kind,
        id: &str,
        body: &Value,
        now: &str,
    ) -> Result<Written, ScimError> {
        let existing = self.require(kind, id)?;
        let (seq, created) = (existing.seq, created_of(existing).to_string());
        let patched = protocol::patch(&existing.resource, body, Store::schema(kind))?;
        self.check_string_booleans(patched.used_string_booleans)?;
        if !patched.changed {
            return Ok(Written {
                entry: existing.clone(),
                changed: false,
            });
        }
        let mut attributes = patched.resource;
        if let Some(object) = attributes.as_object_mut() {
            object.retain(|k, _| {
                !(k.eq_ignore_ascii_case("meta")
                    || k.eq_ignore_ascii_case("id")
                    || k.eq_ignore_ascii_case("groups"))
            });
        }
        let attributes = self.prepare(kind, attributes, id)?;
        let entry = self.assemble(kind, id, attributes, &created, now, seq);
        self.commit(kind, entry.clone(), now);
        Ok(Written {
            entry,
            changed: true,
        })
    }

    /// Deletes a resource (RFC 7644 §3.6) and every membership that names it.
    pub fn delete(&mut self, kind: Kind, id: &str, now: &str) -> Result<(), ScimError> {
        let removed = self
            .remove_indexed(kind, id)
            .ok_or_else(|| not_found(kind, id))?;
        if kind == Kind::Group {
            for member in member_ids(&removed.resource) {
                self.unlink(&member, removed.seq);
                self.refresh_user_groups(&member, now);
            }
        }
        let parents: Vec<String> = self
            .member_of
            .remove(id)
            .map(|groups| groups.into_values().collect())
            .unwrap_or_default();
        for group_id in parents {
            self.drop_member(&group_id, id, now);
        }
        Ok(())
    }

    fn validate(&self, kind: Kind, body: Value, mode: WriteMode<'_>) -> Result<Value, ScimError> {
        let validated = protocol::validate_for_write(body, Store::schema(kind), mode)?;
        self.check_string_booleans(validated.used_string_booleans)?;
        Ok(validated.resource)
    }

    fn check_string_booleans(&self, used: bool) -> Result<(), ScimError> {
        if used && self.options.reject_string_booleans {
            return Err(ScimError::typed(
                ScimType::InvalidValue,
                "boolean attributes must be JSON true or false, not strings",
            ));
        }
        Ok(())
    }

    /// Checks uniqueness and, for groups, resolves the members; returns the attributes to store.
    /// Whether the unique attribute is required is the schema's business: RFC 7643 §8.7.1
    /// lists Group `displayName` as optional, so a group without one is stored.
    fn prepare(&self, kind: Kind, mut attributes: Value, id: &str) -> Result<Value, ScimError> {
        let unique_name = kind.unique_attribute();
        if let Some(Value::String(value)) = get_ci(&attributes, unique_name)
            && let Some(holder) = self.collection(kind).unique.get(&value.to_lowercase())
            && holder != id
        {
            return Err(ScimError::typed(
                ScimType::Uniqueness,
                format!("{unique_name} `{value}` is already in use"),
            ));
        }
        if kind == Kind::Group {
            self.resolve_members(&mut attributes, id)?;
        }
        Ok(attributes)
    }

    /// Completes each member with `type`, `$ref` and (when absent) `display`, drops duplicates,
    /// and rejects members that do not exist with 400 `invalidValue`: a group of ghosts would
    /// only hide a client bug.
    fn resolve_members(&self, group: &mut Value, group_id: &str) -> Result<(), ScimError> {
        let Some(object) = group.as_object_mut() else {
            return Ok(());
        };
        let Some(key) = object
            .keys()
            .find(|k| k.eq_ignore_ascii_case("members"))
            .cloned()
        else {
            return Ok(());
        };
        let members = match object.remove(&key) {
            Some(Value::Array(members)) => members,
            Some(Value::Null) | None => return Ok(()),
            Some(_) => {
                return Err(ScimError::typed(
                    ScimType::InvalidValue,
                    "`members` must be an array",
                ));
            }
        };
        let mut seen = HashSet::new();
        let mut resolved = Vec::with_capacity(members.len());
        for (index, member) in members.into_iter().enumerate() {
            let Some(value) = get_ci(&member, "value").and_then(Value::as_str) else {
                return Err(ScimError::typed(
                    ScimType::InvalidValue,
                    format!("members[{index}] has no string `value`"),
                ));
            };
            if value == group_id {
                return Err(ScimError::typed(
                    ScimType::InvalidValue,
                    format!("members[{index}]: a group cannot be a member of itself"),
                ));
            }
            let (kind, target) = match (self.get(Kind::User, value), self.get(Kind::Group, value)) {
                (Some(user), _) => (Kind::User, user),
                (None, Some(group)) => (Kind::Group, group),
                (None, None) => {
                    return Err(ScimError::typed(
                        ScimType::InvalidValue,
                        format!("members[{index}]: no User or Group has id `{value}`"),
                    ));
                }
            };
            if !seen.insert(value.to_string()) {
                continue;
            }
            let display = match get_ci(&member, "display") {
                Some(Value::String(display)) => display.clone(),
                _ => display_of(kind, target),
            };
            let mut element = Map::new();
            element.insert("value".into(), value.into());
            element.insert("$ref".into(), target.location().into());
            element.insert("display".into(), display.into());
            element.insert("type".into(), kind.resource_type().into());
            resolved.push(Value::Object(element));
        }
        if !resolved.is_empty() {
            object.insert("members".into(), Value::Array(resolved));
        }
        Ok(())
    }

    /// Builds the stored resource: `schemas`, `id`, the attributes, `groups` for users, `meta`.
    fn assemble(
        &mut self,
        kind: Kind,
        id: &str,
        attributes: Value,
        created: &str,
        now: &str,
        seq: u64,
    ) -> Entry {
        let version = if self.options.frozen_versions {
            // Creation order never changes, so neither does a version made from it.
            format!("W/\"{seq}\"")
        } else {
            self.revision += 1;
            format!("W/\"{}\"", self.revision)
        };
        let location = [self.base_url.as_str(), kind.endpoint(), id].join("/");
        // Built in the attributes' own map: moving every member into a fresh one would hash
        // each key again.
        let mut resource = match attributes {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let schemas = resource
            .keys()
            .find(|k| k.eq_ignore_ascii_case("schemas"))
            .cloned()
            .and_then(|k| resource.remove(&k));
        resource.shift_insert(
            0,
            "schemas".into(),
            schemas.unwrap_or(Value::Array(Vec::new())),
        );
        resource.shift_insert(1, "id".into(), id.into());
        if kind == Kind::User
            && let Some(groups) = self.groups_of(id)
        {
            resource.insert("groups".into(), groups);
        }
        let mut meta = Map::with_capacity(5);
        meta.insert("resourceType".into(), kind.resource_type().into());
        meta.insert("created".into(), created.into());
        meta.insert("lastModified".into(), now.into());
        meta.insert("location".into(), location.into());
        meta.insert("version".into(), version.clone().into());
        resource.insert("meta".into(), Value::Object(meta));
        let resource = Value::Object(resource);
        let rendered = render(kind, &resource);
        Entry {
            seq,
            resource,
            rendered,
            version,
        }
    }

    /// Stores `entry` (new or replacing one with the same id), keeping indexes and memberships.
    fn commit(&mut self, kind: Kind, entry: Entry, now: &str) {
        let id = entry.id().to_string();
        let old = self.remove_indexed(kind, &id);
        let old_members: HashSet<String> = old
            .as_ref()
            .map(|e| member_ids(&e.resource))
            .unwrap_or_default();
        let new_members = member_ids(&entry.resource);
        let renamed = old.as_ref().is_some_and(|o| {
            get_ci(&o.resource, "displayName") != get_ci(&entry.resource, "displayName")
        });
        let seq = entry.seq;
        let collection = self.collection_mut(kind);
        if let Some(Value::String(name)) = get_ci(&entry.resource, kind.unique_attribute()) {
            collection.unique.insert(name.to_lowercase(), id.clone());
        }
        if let Some(Value::String(external)) = get_ci(&entry.resource, "externalId") {
            collection
                .external
                .entry(external.clone())
                .or_default()
                .push(id.clone());
        }
        collection.order.insert(seq, id.clone());
        collection.entries.insert(id.clone(), entry);
        if kind != Kind::Group {
            return;
        }
        for gone in old_members.difference(&new_members) {
            self.unlink(gone, seq);
            self.refresh_user_groups(gone, now);
        }
        for member in &new_members {
            let added = self
                .member_of
                .entry(member.clone())
                .or_default()
                .insert(seq, id.clone())
                .is_none();
            if added || renamed {
                self.refresh_user_groups(member, now);
            }
        }
    }

    /// Removes a resource and its index entries; memberships are the caller's business.
    fn remove_indexed(&mut self, kind: Kind, id: &str) -> Option<Entry> {
        let collection = self.collection_mut(kind);
        let entry = collection.entries.remove(id)?;
        collection.order.remove(&entry.seq);
        if let Some(Value::String(name)) = get_ci(&entry.resource, kind.unique_attribute()) {
            let key = name.to_lowercase();
            if collection.unique.get(&key).map(String::as_str) == Some(id) {
                collection.unique.remove(&key);
            }
        }
        if let Some(Value::String(external)) = get_ci(&entry.resource, "externalId")
            && let Some(ids) = collection.external.get_mut(external)
        {
            ids.retain(|other| other != id);
            if ids.is_empty() {
                collection.external.remove(external);
            }
        }
        Some(entry)
    }

    fn unlink(&mut self, member: &str, group_seq: u64) {
        if let Some(groups) = self.member_of.get_mut(member) {
            groups.remove(&group_seq);
            if groups.is_empty() {
                self.member_of.remove(member);
            }
        }
    }

    /// Removes a deleted resource from one group's members, as a new version of the group.
    fn drop_member(&mut self, group_id: &str, member: &str, now: &str) {
        let Some(group) = self.get(Kind::Group, group_id) else {
            return;
        };
        let (seq, created) = (group.seq, created_of(group).to_string());
        let mut attributes = group.resource.clone();
        if let Some(Value::Array(members)) = attributes.get_mut("members") {
            members.retain(|m| m.get("value").and_then(Value::as_str) != Some(member));
        }
        if let Some(object) = attributes.as_object_mut() {
            object.remove("meta");
            object.remove("id");
            if object
                .get("members")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty)
            {
                object.remove("members");
            }
        }
        let entry = self.assemble(Kind::Group, group_id, attributes, &created, now, seq);
        self.commit(Kind::Group, entry, now);
    }

    /// The `groups` attribute of a user (RFC 7643 §4.1.2), or `None` when it has none.
    fn groups_of(&self, user_id: &str) -> Option<Value> {
        let groups = self.member_of.get(user_id)?;
        let list: Vec<Value> = groups
            .values()
            .filter_map(|group_id| self.get(Kind::Group, group_id))
            .map(|group| {
                serde_json::json!({
                    "value": group.id(),
                    "$ref": group.location(),
                    "display": display_of(Kind::Group, group),
                    "type": "direct",
                })
            })
            .collect();
        (!list.is_empty()).then_some(Value::Array(list))
    }

    /// Re-renders a user whose memberships changed, as a new version.
    fn refresh_user_groups(&mut self, user_id: &str, now: &str) {
        let groups = self.groups_of(user_id);
        let Some(user) = self.get(Kind::User, user_id) else {
            return;
        };
        if user.resource.get("groups") == groups.as_ref() {
            return;
        }
        let (seq, created) = (user.seq, created_of(user).to_string());
        let mut attributes = user.resource.clone();
        if let Some(object) = attributes.as_object_mut() {
            object.remove("meta");
            object.remove("id");
            object.remove("groups");
        }
        let entry = self.assemble(Kind::User, user_id, attributes, &created, now, seq);
        let collection = self.collection_mut(Kind::User);
        collection.entries.insert(user_id.to_string(), entry);
    }
}

fn not_found(kind: Kind, id: &str) -> ScimError {
    ScimError::status(404, format!("no {} with id `{id}`", kind.resource_type()))
}

fn created_of(entry: &Entry) -> &str {
    entry.meta("created")
}

/// What a member or group reference displays: displayName, else userName, else the id.
fn display_of(kind: Kind, entry: &Entry) -> String {
    let named = |key| get_ci(&entry.resource, key).and_then(Value::as_str);
    let name = match kind {
        Kind::User => named("displayName").or_else(|| named("userName")),
        Kind::Group => named("displayName"),
    };
    name.unwrap_or_else(|| entry.id()).to_string()
}

fn member_ids(group: &Value) -> HashSet<String> {
    match group.get("members") {
        Some(Value::Array(members)) => members
            .iter()
            .filter_map(|m| m.get("value").and_then(Value::as_str))
            .map(str::to_string)
            .collect(),
        _ => HashSet::new(),
    }
}

fn render(kind: Kind, resource: &Value) -> Arc<str> {
    Arc::from(protocol::default_representation(
        resource,
        Store::schema(kind),
    ))
}

/// The filter quirks: `eq-substring` turns every `eq` into `co`, `or-as-and` every `or` into
/// `and`. The depth is the parser's, which bounds it.
fn quirky_filter(filter: &Filter, options: &StoreOptions) -> Filter {
    let rewrite = |inner: &Filter| Box::new(quirky_filter(inner, options));
    match filter {
        Filter::Compare(path, CompareOp::Eq, value) if options.eq_substring => {
            Filter::Compare(path.clone(), CompareOp::Co, value.clone())
        }
        Filter::Not(inner) => Filter::Not(rewrite(inner)),
        Filter::And(a, b) => Filter::And(rewrite(a), rewrite(b)),
        Filter::Or(a, b) if options.or_as_and => Filter::And(rewrite(a), rewrite(b)),
        Filter::Or(a, b) => Filter::Or(rewrite(a), rewrite(b)),
        Filter::ValuePath(path, inner) => Filter::ValuePath(path.clone(), rewrite(inner)),
        other => other.clone(),
    }
}

/// The resources an indexed equality narrows `filter` down to, or `None` when a full scan is
/// needed. Candidates are a superset of the matches: the caller still evaluates the filter.
fn indexed_candidates<'a>(
    collection: &'a Collection,
    kind: Kind,
    filter: &Filter,
) -> Option<Vec<&'a Entry>> {
    match filter {
        Filter::Compare(path, CompareOp::Eq, CompValue::String(value))
            if path.sub.is_none() && is_core_path(path, kind) =>
        {
            let ids: Vec<&String> = if path.name.eq_ignore_ascii_case("id") {
                return Some(collection.entries.get(value).into_iter().collect());
            } else if path.name.eq_ignore_ascii_case(kind.unique_attribute()) {
                collection
                    .unique
                    .get(&value.to_lowercase())
                    .into_iter()
                    .collect()
            } else if path.name.eq_ignore_ascii_case("externalId") {
                collection
                    .external
                    .get(value)
                    .map(|ids| ids.iter().collect())
                    .unwrap_or_default()
            } else {
                return None;
            };
            Some(
                ids.into_iter()
                    .filter_map(|id| collection.entries.get(id))
                    .collect(),
            )
        }
        Filter::And(a, b) => indexed_candidates(collection, kind, a)
            .or_else(|| indexed_candidates(collection, kind, b)),
        Filter::Or(a, b) => {
            let mut left = indexed_candidates(collection, kind, a)?;
            let right = indexed_candidates(collection, kind, b)?;
            let seen: HashSet<u64> = left.iter().map(|e| e.seq).collect();
            left.extend(right.into_iter().filter(|e| !seen.contains(&e.seq)));
            Some(left)
        }
        _ => None,
    }
}

/// Whether `path` names a core attribute (unqualified, or qualified with the core URN).
fn is_core_path(path: &AttrPath, kind: Kind) -> bool {
    match &path.urn {
        None => true,
        Some(urn) => urn.eq_ignore_ascii_case(&Store::schema(kind).core.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::model::{GROUP_SCHEMA, USER_SCHEMA};
    use serde_json::json;

    const NOW: &str = "2026-01-01T00:00:00.000Z";

    fn store() -> Store {
        Store::new("http://localhost/scim/v2", StoreOptions::default())
    }

    fn add_user(store: &mut Store, user_name: &str, external_id: &str) -> String {
        let body =
            json!({"schemas": [USER_SCHEMA], "userName": user_name, "externalId": external_id});
        store
            .create(Kind::User, body, NOW)
            .unwrap()
            .id()
            .to_string()
    }

    fn find(store: &Store, filter: &str) -> Vec<String> {
        let filter = protocol::parse_filter(filter).unwrap();
        store
            .search(Kind::User, Some(&filter), None)
            .unwrap()
            .iter()
            .map(|e| e.id().to_string())
            .collect()
    }

    #[test]
    fn indexes_follow_renames_and_deletes() {
        let mut store = store();
        let id = add_user(&mut store, "Old", "e1");
        let body = json!({"schemas": [USER_SCHEMA], "userName": "New", "externalId": "e2"});
        store.replace(Kind::User, &id, body, NOW, true).unwrap();
        assert!(find(&store, "userName eq \"old\"").is_empty());
        assert!(find(&store, "externalId eq \"e1\"").is_empty());
        assert_eq!(find(&store, "userName eq \"NEW\""), [id.as_str()]);
        assert_eq!(find(&store, "externalId eq \"e2\""), [id.as_str()]);
        let reuse = add_user(&mut store, "old", "e1");
        assert_eq!(find(&store, "userName eq \"old\""), [reuse.as_str()]);
        store.delete(Kind::User, &id, NOW).unwrap();
        assert!(find(&store, "userName eq \"new\"").is_empty());
        assert!(store.user_by_name("new").is_none());
    }

    #[test]
    fn indexed_and_scanned_searches_agree() {
        let mut store = store();
        let a = add_user(&mut store, "a", "x");
        let b = add_user(&mut store, "b", "x");
        add_user(&mut store, "c", "y");
        assert_eq!(
            find(&store, "externalId eq \"x\""),
            [a.as_str(), b.as_str()]
        );
        assert_eq!(
            find(&store, "userName eq \"b\" or userName eq \"a\""),
            [a.as_str(), b.as_str()]
        );
        assert_eq!(
            find(&store, "externalId eq \"x\" and userName ne \"a\""),
            [b.as_str()]
        );
        assert_eq!(find(&store, &format!("id eq \"{a}\"")), [a.as_str()]);
        assert_eq!(find(&store, "userName pr and externalId eq \"y\"").len(), 1);
    }

    #[test]
    fn eq_substring_rewrites_every_eq_only() {
        let filter =
            protocol::parse_filter("not (a eq \"x\") and b sw \"y\" or c[d eq 1]").unwrap();
        let options = StoreOptions {
            eq_substring: true,
            ..StoreOptions::default()
        };
        let shown = quirky_filter(&filter, &options).to_string();
        assert_eq!(shown, "not (a co \"x\") and b sw \"y\" or c[d co 1]");
    }

    #[test]
    fn or_as_and_rewrites_every_or_only() {
        let filter = protocol::parse_filter(
            "a eq \"x\" or not (b eq \"y\" or c pr) and e[f eq 1 or g eq 2]",
        )
        .unwrap();
        let options = StoreOptions {
            or_as_and: true,
            ..StoreOptions::default()
        };
        let shown = quirky_filter(&filter, &options).to_string();
        assert_eq!(
            shown, "a eq \"x\" and (not (b eq \"y\" and c pr) and e[f eq 1 and g eq 2])",
            "the parse's grouping (`and` before `or`) is kept"
        );
    }

    #[test]
    fn the_eq_substring_quirk_widens_indexed_lookups_too() {
        let options = StoreOptions {
            eq_substring: true,
            ..StoreOptions::default()
        };
        let mut store = Store::new("http://localhost/scim/v2", options);
        add_user(&mut store, "px", "1");
        add_user(&mut store, "px_1", "2");
        assert_eq!(find(&store, "userName eq \"px\"").len(), 2);
    }

    #[test]
    fn versions_change_on_every_write_and_only_then() {
        let mut store = store();
        let id = add_user(&mut store, "v", "e");
        let first = store.get(Kind::User, &id).unwrap().version.clone();
        let noop = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                          "Operations": [{"op": "replace", "path": "userName", "value": "v"}]});
        let written = store.patch(Kind::User, &id, &noop, NOW).unwrap();
        assert!(!written.changed);
        assert_eq!(written.entry.version, first);
        let body =
            json!({"schemas": [GROUP_SCHEMA], "displayName": "g", "members": [{"value": id}]});
        store.create(Kind::Group, body, NOW).unwrap();
        let after = store.get(Kind::User, &id).unwrap();
        assert_ne!(after.version, first, "joining a group changes User.groups");
        assert_eq!(after.resource["groups"][0]["display"], "g");
    }

    #[test]
    fn put_without_storing_leaves_the_store_alone() {
        let mut store = store();
        let id = add_user(&mut store, "keep", "e");
        let before = store.get(Kind::User, &id).unwrap().resource.clone();
        let body = json!({"schemas": [USER_SCHEMA], "userName": "changed"});
        let written = store.replace(Kind::User, &id, body, NOW, false).unwrap();
        assert_eq!(written.entry.resource["userName"], "changed");
        assert_eq!(store.get(Kind::User, &id).unwrap().resource, before);
        assert!(find(&store, "userName eq \"changed\"").is_empty());
    }
}
