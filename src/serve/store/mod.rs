//! The in-memory resource store behind `scimctl serve`: Users and Groups with their indexes,
//! reads and searches here, writes in `write` (group membership mirrored into `User.groups`,
//! every write's `meta`). Pure: no async runtime, no HTTP framework, no files or sockets.
//!
//! The caller holds the lock and passes the clock reading (`now`, RFC 3339) into each write.
//! Filters, PATCH and validation come from the protocol core through `crate::serve::protocol`.

mod names;
mod view;
mod write;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;

use crate::scim::filter::{CompValue, CompareOp, Filter};
use crate::scim::model::ScimError;
use crate::scim::path::AttrPath;
use crate::scim::resource::get_ci;
use crate::scim::schema::{Mutability, ResourceSchema};
use crate::scim::sort::{SortKey, SortOrder, sort_by_path, sort_key};
use crate::serve::protocol;
use names::NameIndex;

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
    /// `meta-without-resource-type`: resources carry no `meta.resourceType`.
    pub omit_resource_type: bool,
    /// `not-binds-loosely`: `not (a) and b` is read as `not (a and b)`.
    pub not_binds_loosely: bool,
    /// `boolean-ordering-accepted`: `gt`, `ge`, `lt` and `le` order booleans, false first.
    pub boolean_ordering_accepted: bool,
    /// `case-sensitive-emails`: filters compare email addresses case-sensitively.
    pub case_sensitive_emails: bool,
    /// `unique-emails`: no two users hold the same email address.
    pub unique_emails: bool,
    /// `emails-untyped`: users' email addresses are stored without `type`.
    pub emails_untyped: bool,
    /// `name-formatted-only`: users' names are stored as `name.formatted` alone.
    pub name_formatted_only: bool,
    /// `primary-not-exclusive`: a PATCH that makes a value primary leaves the old one primary.
    pub primary_not_exclusive: bool,
    /// `core-subset`: writes keep only [`crate::serve::quirks::CORE_SUBSET`]'s attributes.
    pub core_subset: bool,
    /// `ids-unique-per-type`: ids are made from the resource's name and how many resources of
    /// its type have had that name, so a user and a group of the same name share an id.
    pub ids_unique_per_type: bool,
    /// `bulkid-in-ids`: issued ids start with the reserved string `bulkId`.
    pub bulk_id_in_ids: bool,
    /// How `meta.created` and `meta.lastModified` are written.
    pub time_stamps: TimeStamps,
    /// `last-modified-differs-on-create`: a new resource's `meta.created` is one second before
    /// its `meta.lastModified`.
    pub created_before_last_modified: bool,
    /// `server-assigned-external-id`: a create without `externalId` gets the id as one.
    pub assign_external_id: bool,
    /// `username-not-required`: writes that leave out or remove `userName` are accepted.
    pub username_not_required: bool,
    /// `last-member-removal-refused`: a PATCH that would leave a group without members is
    /// refused.
    pub refuse_last_member_removal: bool,
    /// `member-ref-not-uri`: a member's `$ref` is its id, not its URI.
    pub member_ref_is_id: bool,
    /// `member-sub-attributes-mutable`: a PATCH may change a member's immutable sub-attributes.
    pub member_sub_attributes_mutable: bool,
    /// `user-groups-ref-to-users`: a user's `groups[].$ref` points below `/Users`.
    pub user_groups_ref_to_users: bool,
    /// `foreign-schema-urn-echoed`: URNs in a create's or PUT's `schemas` that the resource
    /// type does not define are kept in the stored `schemas`.
    pub echo_foreign_schemas: bool,
    /// `schemas-order-matters`: a create or PUT whose `schemas` does not start with the core
    /// schema is refused.
    pub core_schema_first: bool,
    /// `noop-add-bumps-last-modified`: a PATCH that changes nothing is stored as a write.
    pub restamp_unchanged_patch: bool,
    /// `multi-valued-first-value-only`: filters see only the first value of a multi-valued
    /// complex attribute.
    pub first_value_only_in_filters: bool,
    /// `missing-primary-is-true`: filters see a multi-valued value without `primary` as primary.
    pub absent_primary_is_true_in_filters: bool,
    /// `case-exact-sorted-ignoring-case`: `sortBy` compares caseExact strings ignoring case.
    pub sort_ignores_case: bool,
    /// `unnormalized-comparison`: userNames are stored and compared as sent, not prepared.
    pub unnormalized_user_names: bool,
    /// `schemas-not-filterable`: filters see no `schemas` attribute.
    pub schemas_hidden_from_filters: bool,
    /// `stale-formatted-name`: a PATCH of name components keeps `name.formatted` as it was.
    pub keep_stale_formatted_name: bool,
    /// `group-display-name-optional`: a group is written without a `displayName`.
    pub group_display_name_optional: bool,
    /// `binary-unpadded`: certificates are stored without their base64 `=` padding.
    pub binary_unpadded: bool,
}

/// How the store writes the time stamps of `meta` (RFC 7643 §2.3.5, §3.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TimeStamps {
    /// xsd:dateTime strings, RFC 3339 UTC with milliseconds.
    #[default]
    DateTime,
    /// `date-only-timestamps`: the date alone (`2026-12-06`).
    DateOnly,
    /// `epoch-timestamps`: JSON numbers of seconds since 1970.
    EpochSeconds,
}

impl TimeStamps {
    /// `time` (RFC 3339) as this setting writes it.
    fn write(self, time: &str) -> Value {
        match self {
            TimeStamps::DateTime => time.into(),
            TimeStamps::DateOnly => time.get(..10).unwrap_or(time).into(),
            TimeStamps::EpochSeconds => chrono::DateTime::parse_from_rfc3339(time)
                .map_or_else(|_| time.into(), |instant| instant.timestamp().into()),
        }
    }
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
    /// When it was created (RFC 3339), whatever form `meta.created` is written in.
    created: String,
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
    /// userName / displayName -> the ids holding it.
    names: NameIndex,
    /// `ids-unique-per-type`: lowercased userName / displayName -> how many resources have
    /// been created with it.
    names_issued: HashMap<String, u64>,
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
    /// The User schema writes are validated with: the core one, or under
    /// `username-not-required` one whose `userName` is not required.
    write_user_schema: ResourceSchema,
    /// The Group schema writes are validated with: the core one, or under
    /// `member-sub-attributes-mutable` one whose members' sub-attributes are readWrite.
    write_group_schema: ResourceSchema,
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
        for attribute in &mut filter_user_schema.core.attributes {
            if options.case_sensitive_username && attribute.name.eq_ignore_ascii_case("userName") {
                attribute.case_exact = true;
            }
            if options.case_sensitive_emails && attribute.name.eq_ignore_ascii_case("emails") {
                let addresses = attribute.sub_attributes.iter_mut();
                for value in addresses.filter(|sub| sub.name.eq_ignore_ascii_case("value")) {
                    value.case_exact = true;
                }
            }
        }
        let mut write_user_schema = protocol::user_schema().clone();
        for attribute in &mut write_user_schema.core.attributes {
            if options.username_not_required && attribute.name.eq_ignore_ascii_case("userName") {
                attribute.required = false;
            }
        }
        let mut write_group_schema = protocol::group_schema().clone();
        for attribute in &mut write_group_schema.core.attributes {
            if options.group_display_name_optional && attribute.name == "displayName" {
                attribute.required = false;
            }
        }
        let members = write_group_schema
            .core
            .attributes
            .iter_mut()
            .filter(|attribute| attribute.name.eq_ignore_ascii_case("members"));
        for member in members.flat_map(|members| members.sub_attributes.iter_mut()) {
            if options.member_sub_attributes_mutable && member.mutability == Mutability::Immutable {
                member.mutability = Mutability::ReadWrite;
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
            write_user_schema,
            write_group_schema,
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

    /// The schema writes of `kind` are validated and patched with.
    fn write_schema(&self, kind: Kind) -> &ResourceSchema {
        match kind {
            Kind::User => &self.write_user_schema,
            Kind::Group => &self.write_group_schema,
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
        self.iter_from(kind, 0)
    }

    /// The resources of `kind` in creation order after the first `skip`: a page deep into a
    /// large collection skips ids without looking each one up.
    pub fn iter_from(&self, kind: Kind, skip: usize) -> impl Iterator<Item = &Entry> {
        let collection = self.collection(kind);
        collection
            .order
            .values()
            .skip(skip)
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
        let id = self.users.names.holders(user_name).first()?;
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
            Some(filter)
                if self.options.eq_substring
                    || self.options.or_as_and
                    || self.options.boolean_ordering_accepted
                    || self.options.not_binds_loosely =>
            {
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
                            let seen = self.filter_view(&entry.resource);
                            if protocol::filter_matches(filter, &seen, schema)? {
                                hits.push(entry);
                            }
                        }
                        hits.sort_by_key(|e| e.seq);
                    }
                    None => {
                        for id in collection.order.values() {
                            if let Some(entry) = collection.entries.get(id)
                                && protocol::filter_matches(
                                    filter,
                                    &self.filter_view(&entry.resource),
                                    schema,
                                )?
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
                match sort_key(&e.resource, path, sort_schema) {
                    SortKey::Text(text) if self.options.sort_ignores_case => {
                        SortKey::Text(text.to_lowercase())
                    }
                    key => key,
                }
            });
        }
        Ok(found)
    }
}

fn not_found(kind: Kind, id: &str) -> ScimError {
    ScimError::status(404, format!("no {} with id `{id}`", kind.resource_type()))
}

fn created_of(entry: &Entry) -> &str {
    &entry.created
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
        Filter::Compare(path, op, CompValue::Bool(value)) if options.boolean_ordering_accepted => {
            ordered_boolean(path, *op, *value)
        }
        Filter::Not(inner) => Filter::Not(rewrite(inner)),
        Filter::And(a, b) => match &**a {
            Filter::Not(negated) if options.not_binds_loosely => {
                Filter::Not(Box::new(Filter::And(rewrite(negated), rewrite(b))))
            }
            _ => Filter::And(rewrite(a), rewrite(b)),
        },
        Filter::Or(a, b) if options.or_as_and => Filter::And(rewrite(a), rewrite(b)),
        Filter::Or(a, b) => Filter::Or(rewrite(a), rewrite(b)),
        Filter::ValuePath(path, inner) => Filter::ValuePath(path.clone(), rewrite(inner)),
        other => other.clone(),
    }
}

/// `boolean-ordering-accepted`: an ordering comparison of a boolean, read with false before
/// true, as the `eq` or `pr` test that selects the same values (RFC 7644 §3.4.2.2 refuses it
/// with 400 `invalidFilter`); any other comparison is kept.
fn ordered_boolean(path: &AttrPath, op: CompareOp, value: bool) -> Filter {
    let equals =
        |wanted: bool| Filter::Compare(path.clone(), CompareOp::Eq, CompValue::Bool(wanted));
    let nothing = || Filter::And(Box::new(equals(true)), Box::new(equals(false)));
    match (op, value) {
        (CompareOp::Gt, true) | (CompareOp::Lt, false) => nothing(),
        (CompareOp::Ge, true) | (CompareOp::Gt, false) => equals(true),
        (CompareOp::Le, false) | (CompareOp::Lt, true) => equals(false),
        (CompareOp::Ge, false) | (CompareOp::Le, true) => Filter::Present(path.clone()),
        (op, value) => Filter::Compare(path.clone(), op, CompValue::Bool(value)),
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
                collection.names.holders(value).iter().collect()
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
    use crate::scim::model::{GROUP_SCHEMA, PATCH_OP, ScimType, USER_SCHEMA};
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
    fn not_binds_loosely_takes_the_and_after_it_only() {
        let filter =
            protocol::parse_filter("a pr and (not (b pr) and c pr) or not (d pr)").unwrap();
        let options = StoreOptions {
            not_binds_loosely: true,
            ..StoreOptions::default()
        };
        let shown = quirky_filter(&filter, &options).to_string();
        assert_eq!(shown, "a pr and not (b pr and c pr) or not (d pr)");
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

    #[test]
    fn unique_emails_refuses_an_address_another_user_holds_on_every_write() {
        let mut store = Store::new(
            "http://localhost/scim/v2",
            StoreOptions {
                unique_emails: true,
                ..StoreOptions::default()
            },
        );
        let with_email = |user_name: &str, address: &str| json!({"schemas": [USER_SCHEMA], "userName": user_name, "emails": [{"value": address}]});
        let holder = store
            .create(Kind::User, with_email("a", "A@example.com"), NOW)
            .unwrap()
            .id()
            .to_string();
        let taken = store
            .create(Kind::User, with_email("b", "a@EXAMPLE.com"), NOW)
            .unwrap_err();
        assert_eq!(taken.scim_type, Some(ScimType::Uniqueness));
        let other = store
            .create(Kind::User, with_email("b", "b@example.com"), NOW)
            .unwrap()
            .id()
            .to_string();
        let put = store.replace(
            Kind::User,
            &other,
            with_email("b", "a@example.com"),
            NOW,
            true,
        );
        assert!(put.is_err(), "a PUT may not take another user's address");
        let add = json!({"schemas": [PATCH_OP], "Operations": [
            {"op": "add", "path": "emails", "value": [{"value": "a@example.com"}]}
        ]});
        assert!(store.patch(Kind::User, &other, &add, NOW).is_err());
        let own = store.replace(
            Kind::User,
            &holder,
            with_email("a", "a@example.com"),
            NOW,
            true,
        );
        assert!(own.is_ok(), "a user keeps its own address");
    }

    #[test]
    fn boolean_ordering_accepted_reads_false_before_true() {
        let options = StoreOptions {
            boolean_ordering_accepted: true,
            ..StoreOptions::default()
        };
        let mut store = Store::new("http://localhost/scim/v2", options);
        let mut user = |name: &str, active: bool| {
            let body = json!({"schemas": [USER_SCHEMA], "userName": name, "active": active});
            store
                .create(Kind::User, body, NOW)
                .unwrap()
                .id()
                .to_string()
        };
        let (on, off) = (user("on", true), user("off", false));
        assert_eq!(find(&store, "active lt true"), [off.as_str()]);
        assert_eq!(find(&store, "active ge true"), [on.as_str()]);
        assert_eq!(find(&store, "active ge false").len(), 2);
        assert!(find(&store, "active gt true").is_empty());
        let plain = Store::new("http://localhost/scim/v2", StoreOptions::default());
        let refused = plain.search(
            Kind::User,
            protocol::parse_filter("active lt true").ok().as_ref(),
            None,
        );
        assert!(
            refused.is_err(),
            "without the quirk the ordering is refused"
        );
    }
}
