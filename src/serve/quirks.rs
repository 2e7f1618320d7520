//! Real-world server deviations that `scimctl serve --quirk NAME` reproduces on purpose: the
//! helpers through which the server consults the switches of [`Quirks`]. No quirk is declared
//! here (each is declared once, in `quirks/table.rs`), and nothing here does I/O.
//!
//! Each helper is the one point at which the server consults its switch, so that turning a
//! quirk on changes exactly the behaviour it names and nothing else. The conformance suite is
//! graded against every one of them.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::scim::filter::{CompareOp, Filter};
use crate::scim::model::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, ScimError, ScimType, USER_SCHEMA};
use crate::scim::path::AttrPath;
use crate::scim::resource::{get_ci, get_ci_mut, is_primary};
use crate::scim::schema::ResourceSchema;
use crate::serve::etag;
use crate::serve::query::Projection;

mod table;

pub use table::{
    CATALOGUE, DEFAULT_DROP_EVERY, DEFAULT_RATE_LIMIT_EVERY, EveryNth, Kind, Millis, Quirk,
    QuirkArgument, QuirkInfo, Quirks, UnknownQuirk, help_table, readme_table,
};

impl Quirks {
    /// The 400 a quirk answers to a PATCH body that the clean server accepts:
    /// `case-sensitive-patch-op` refuses an `op` not spelled in lowercase,
    /// `reject-value-path-patch` a `path` with a value filter, `reject-urn-paths` a `path`
    /// qualified with a schema URN (which RFC 7644 §3.10 allows everywhere).
    pub fn refused_patch(&self, body: &Value) -> Option<ScimError> {
        let operations = operations(body)?;
        let texts = |key: &'static str| {
            operations
                .iter()
                .filter_map(move |op| get_ci(op, key).and_then(Value::as_str))
        };
        if self.case_sensitive_patch_op
            && let Some(sent) = texts("op").find(|op| !matches!(*op, "add" | "remove" | "replace"))
        {
            return Some(ScimError::typed(
                ScimType::InvalidSyntax,
                format!("unknown PATCH op `{sent}`: expected add, remove or replace"),
            ));
        }
        if self.reject_value_path_patch
            && let Some(path) = texts("path").find(|path| path.contains('['))
        {
            return Some(ScimError::typed(
                ScimType::InvalidPath,
                format!("unsupported PATCH path `{path}`: filters in paths are not supported"),
            ));
        }
        if self.reject_urn_paths
            && let Some(path) = texts("path").find(|path| starts_with_urn(path))
        {
            return Some(ScimError::typed(
                ScimType::InvalidPath,
                format!("unsupported PATCH path `{path}`: schema URNs in paths are not supported"),
            ));
        }
        if self.null_replace_refused && operations.iter().any(replaces_with_null) {
            return Some(ScimError::typed(
                ScimType::InvalidValue,
                "a replace needs a value: `null` is not a valid value",
            ));
        }
        None
    }

    /// The 400 for a filter the server declines: under `reject-urn-paths` one naming an
    /// attribute by its schema URN (a deviation), under `filter-eq-only` anything but `eq`
    /// comparisons joined by `and`, under `filter-username-only` one naming any attribute but
    /// `userName` (both legal: RFC 7644 Table 9 lets a server refuse an attribute and operator
    /// combination it does not support, with `invalidFilter`).
    pub fn refused_filter(&self, filter: &Filter) -> Option<ScimError> {
        let reason = if self.reject_urn_paths && names_a_urn(filter) {
            "unsupported filter: schema URNs in attribute names are not supported"
        } else if self.filter_eq_only && !only_eq_and(filter) {
            "unsupported filter: only `eq` comparisons joined by `and` are supported"
        } else if self.filter_username_only && names_other_than_user_name(filter) {
            "unsupported filter: only `userName` can be filtered on"
        } else {
            return None;
        };
        Some(ScimError::typed(ScimType::InvalidFilter, reason))
    }

    /// `patch-not-atomic`: the operations of a PATCH body, each as a PATCH body of its own,
    /// for a server that applies them one by one and stops at the first failure instead of
    /// applying all or none (RFC 7644 §3.5.2).
    pub fn one_operation_each(body: &Value) -> Vec<Value> {
        let Some(operations) = operations(body) else {
            return Vec::new();
        };
        operations
            .iter()
            .map(|operation| {
                let mut single = body.clone();
                if let Some(list) = operations_mut(&mut single) {
                    *list = vec![operation.clone()];
                }
                single
            })
            .collect()
    }

    /// The `Location` header of a 201: `location-mismatch` swaps the scheme, as a server behind
    /// a TLS proxy does when only one of the two is built from the public URL (RFC 7644 §3.3
    /// gives the one URI of the new resource in both).
    pub fn location_header<'l>(&self, location: &'l str) -> Cow<'l, str> {
        if !self.location_mismatch {
            return Cow::Borrowed(location);
        }
        match location.strip_prefix("http://") {
            Some(rest) => Cow::Owned(format!("https://{rest}")),
            None => Cow::Owned(location.replacen("https://", "http://", 1)),
        }
    }

    /// `count-zero-400` and `negative-count-400`: the 400 for `count=0` or a negative count,
    /// which RFC 7644 §3.4.2.4 answers with the total and no resources.
    pub fn refused_count(&self, count: Option<i64>) -> Option<ScimError> {
        let refused = match count {
            Some(0) => self.count_zero_400,
            Some(negative) if negative < 0 => self.negative_count_400,
            _ => false,
        };
        refused
            .then(|| ScimError::typed(ScimType::InvalidValue, "count must be between 1 and 1000"))
    }

    /// `etag-only-on-reads`: whether the answer to a request with this method loses its ETag
    /// header, which RFC 7644 §3.14 requires on every answer with a versioned resource.
    pub fn drops_etag(&self, method_writes: bool) -> bool {
        self.etag_only_on_reads && method_writes
    }

    /// `group-create-drops-members`: takes `members` out of a group's POST body, as a server
    /// that only links members through PATCH does (RFC 7644 §3.3 creates the resource as sent,
    /// RFC 7643 §4.2 makes `members` readWrite).
    pub fn drop_members_on_create(&self, body: &mut Value) {
        if let Some(object) = body
            .as_object_mut()
            .filter(|_| self.group_create_drops_members)
        {
            object.retain(|key, _| !key.eq_ignore_ascii_case("members"));
        }
    }

    /// `username-email-only`: the 400 for a user create or PUT whose `userName` has no `@`, as
    /// a service provider whose accounts are email addresses answers (legal: RFC 7643 §4.1.1
    /// asks only that a userName be present, non-empty and unique).
    pub fn refused_user_name(&self, body: &Value) -> Option<ScimError> {
        let user_name = get_ci(body, "userName")?.as_str()?;
        (self.username_email_only && !user_name.contains('@')).then(|| {
            ScimError::typed(
                ScimType::InvalidValue,
                format!("userName `{user_name}` is not an email address"),
            )
        })
    }

    /// `unknown-schema-urn-refused`: the 400 for a create whose `schemas` lists a URN other than
    /// the core User and Group schemas and the enterprise extension, as Entra's group create
    /// does (`http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group`).
    pub fn refused_unknown_schemas(&self, body: &Value) -> Option<ScimError> {
        if !self.unknown_schema_urn_refused {
            return None;
        }
        let known = [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA];
        let unknown = get_ci(body, "schemas")?
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .find(|urn| !known.iter().any(|k| k.eq_ignore_ascii_case(urn)))?;
        Some(ScimError::typed(
            ScimType::InvalidValue,
            format!("unknown schema `{unknown}`"),
        ))
    }

    /// `create-ignores-active`: takes `active` out of a user's POST body, so the user is stored
    /// without it (Okta reads a created user back and expects the `active` it sent).
    pub fn drop_active_on_create(&self, body: &mut Value) {
        if let Some(object) = body.as_object_mut().filter(|_| self.create_ignores_active) {
            object.retain(|key, _| !key.eq_ignore_ascii_case("active"));
        }
    }

    /// `enterprise-extension-dropped`: takes the enterprise extension (RFC 7643 §4.3) and its
    /// URN in `schemas` out of a POST or PUT body, as a server that only knows the core schema
    /// and ignores what it does not know would.
    pub fn drop_enterprise_extension(&self, body: &mut Value) {
        if !self.enterprise_extension_dropped {
            return;
        }
        let Some(object) = body.as_object_mut() else {
            return;
        };
        let is_extension = |text: &str| text.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA);
        object.retain(|key, _| !is_extension(key));
        if let Some(Value::Array(schemas)) = object.get_mut("schemas") {
            schemas.retain(|schema| !schema.as_str().is_some_and(is_extension));
        }
    }

    /// `attributes-drop-id`: whether a projected resource loses its `id`, which is returned
    /// "always" (RFC 7643 §3.1, §7) however `attributes` or `excludedAttributes` read.
    pub fn drops_id(&self, projection: &Projection) -> bool {
        self.attributes_drop_id
            && !projection.is_default()
            && !projection
                .attributes
                .iter()
                .any(|path| path.name.eq_ignore_ascii_case("id"))
    }

    /// The schemas `/Schemas` serves: `schemas-missing-user` and `schemas-missing-group` leave
    /// out the core User or Group schema; `core-subset`, `emails-untyped` and
    /// `name-formatted-only` the attributes and sub-attributes they do not store.
    pub fn served_schemas(&self, mut schemas: Vec<Value>) -> Vec<Value> {
        if self.schemas_missing_user {
            schemas.retain(|schema| schema.get("id").and_then(Value::as_str) != Some(USER_SCHEMA));
        }
        if self.schemas_missing_group {
            schemas.retain(|schema| schema.get("id").and_then(Value::as_str) != Some(GROUP_SCHEMA));
        }
        if self.unique_emails
            && let Some(address) = schemas
                .iter_mut()
                .find(|schema| schema.get("id").and_then(Value::as_str) == Some(USER_SCHEMA))
                .and_then(|user| attribute_mut(user, "emails"))
                .and_then(|emails| attribute_mut(emails, "value"))
        {
            address["uniqueness"] = Value::from("server");
        }
        if let Some(user) = schemas
            .iter_mut()
            .find(|schema| schema.get("id").and_then(Value::as_str) == Some(USER_SCHEMA))
        {
            if self.emails_untyped {
                retain_sub_attributes(user, "emails", |sub| sub != "type");
            }
            if self.name_formatted_only {
                retain_sub_attributes(user, "name", |sub| sub == "formatted");
            }
        }
        if self.core_subset {
            for schema in &mut schemas {
                let kept = match schema.get("id").and_then(Value::as_str) {
                    Some(USER_SCHEMA) => CORE_SUBSET_USER,
                    Some(GROUP_SCHEMA) => CORE_SUBSET_GROUP,
                    _ => continue,
                };
                if let Some(Value::Array(attributes)) = schema.get_mut("attributes") {
                    retain_declared(attributes, kept);
                }
            }
        }
        schemas
    }

    /// The ServiceProviderConfig served: `spc-without-change-password` leaves out
    /// `changePassword`, which RFC 7643 §5 makes REQUIRED even when unsupported.
    pub fn served_service_provider_config(&self, mut config: Value) -> Value {
        if let Some(object) = config
            .as_object_mut()
            .filter(|_| self.spc_without_change_password)
        {
            object.remove("changePassword");
        }
        config
    }

    /// The resource types served: `resource-type-endpoint-unslashed` writes each `endpoint`
    /// without its leading `/`, as RFC 7643 §6's own example does (`"Users"`); legal, as
    /// either is relative to the base URL. `resource-type-schema-name` writes the type's name
    /// as its `schema`, which RFC 7643 §6 makes the URI of its core schema.
    pub fn served_resource_types(&self, mut resource_types: Vec<Value>) -> Vec<Value> {
        for resource_type in &mut resource_types {
            if self.resource_type_endpoint_unslashed
                && let Some(Value::String(endpoint)) = resource_type.get_mut("endpoint")
            {
                *endpoint = endpoint.trim_start_matches('/').to_owned();
            }
            if self.resource_type_schema_name
                && let Some(name) = resource_type.get("name").cloned()
            {
                resource_type["schema"] = name;
            }
        }
        resource_types
    }

    /// A page's `itemsPerPage`: the resources it holds (RFC 7644 §3.4.2), or under
    /// `items-per-page-is-count` the page size it was limited to, as RFC 7644 §4's own Figure 9
    /// writes 10 for a list of two.
    pub fn items_per_page(&self, held: usize, page_limit: usize) -> usize {
        if self.items_per_page_is_count {
            page_limit.max(held)
        } else {
            held
        }
    }

    /// The status of a write whose `If-Match` names another version: 412 (RFC 7232 §3.1), or
    /// under `version-conflict-409` the 409 that RFC 7644 Table 8 gives for "the specified
    /// version number does not match the resource's latest version number".
    pub fn stale_version_status(&self) -> u16 {
        if self.version_conflict_409 { 409 } else { 412 }
    }

    /// Whether an `If-Match` header names the current `version`: compared weakly (the `W/`
    /// prefix ignored, as SCIM's own examples need), or under `if-match-strong-comparison`
    /// strongly (RFC 7232 §2.3.2), so that only `*` matches the weak tags the server issues.
    pub fn if_match_holds(&self, header: &str, version: &str) -> bool {
        if !self.if_match_strong_comparison {
            return etag::header_matches(header, version);
        }
        let strong = |tag: &str| !tag.starts_with("W/");
        header
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || (strong(tag) && strong(version) && tag == version))
    }

    /// The `failOnErrors` a BulkRequest runs under (`None`: no limit): the one `sent`, none
    /// under `ignore-fail-on-errors`, and 1 when none was sent under
    /// `bulk-stops-at-first-error` (RFC 7644 §3.7.3 performs as many operations as it can).
    pub fn bulk_error_limit(&self, sent: Option<u64>) -> Option<u64> {
        if self.ignore_fail_on_errors {
            None
        } else if self.bulk_stops_at_first_error {
            sent.or(Some(1))
        } else {
            sent
        }
    }

    /// `projection-urn-unknown`: an `attributes` or `excludedAttributes` name qualified with a
    /// schema URN keeps the URN in its name, so it names no attribute, as a server that does
    /// not strip the URN reads it (RFC 7644 §3.10 allows the URN-qualified form everywhere).
    pub fn unqualify_projection(&self, projection: &mut Projection) {
        if !self.projection_urn_unknown {
            return;
        }
        let paths = projection.attributes.iter_mut();
        for path in paths.chain(projection.excluded.iter_mut()) {
            if let Some(urn) = path.urn.take().filter(|_| !path.name.is_empty()) {
                path.name = format!("{urn}:{}", path.name);
            }
        }
    }

    /// `case-sensitive-attribute-names`: whether `filter` names an attribute spelled in another
    /// case than `schema` spells it (`USERNAME`), which such a server finds on no resource
    /// (RFC 7644 §3.4.2.2: "Attribute names and attribute operators used in filters are case
    /// insensitive").
    pub fn misses_names_by_case(&self, filter: &Filter, schema: &ResourceSchema) -> bool {
        self.case_sensitive_attribute_names
            && names_any(filter, &|path| {
                let Some(attribute) = schema.core.attribute(&path.name) else {
                    return false;
                };
                attribute.name != path.name
                    || path.sub.as_ref().is_some_and(|sub| {
                        attribute
                            .sub_attribute(sub)
                            .is_some_and(|defined| defined.name != *sub)
                    })
            })
    }

    /// Rewrites a PATCH body the way the misreading quirks understand it. The body is copied
    /// only when one of them is on.
    pub fn rewrite_patch(&self, body: &mut Cow<'_, Value>, on_group: bool) {
        let widen_member_removal = self.member_removal_empties_group && on_group;
        if !(widen_member_removal
            || self.patch_remove_ignored
            || self.patch_replace_ignored
            || self.patch_add_single_value_ignored
            || self.patch_add_first_value_only
            || self.ignore_null_replace
            || self.false_replace_ignored
            || self.add_replaces_list
            || self.replace_merges_list
            || self.replace_complex_clears_rest
            || self.filtered_remove_clears_all
            || self.pathless_patch_ignored)
        {
            return;
        }
        let Some(operations) = operations_mut(body.to_mut()) else {
            return;
        };
        if self.replace_complex_clears_rest {
            clear_before_complex_replace(operations);
        }
        for op in operations.iter_mut().filter_map(Value::as_object_mut) {
            if self.pathless_patch_ignored {
                empty_pathless_value(op);
            }
            let kind = text_of(op, "op").map(str::to_ascii_lowercase);
            match kind.as_deref() {
                Some("remove") if self.patch_remove_ignored => ignore_operation(op),
                Some("remove") => {
                    if widen_member_removal {
                        drop_member_list(op);
                    }
                    if self.filtered_remove_clears_all {
                        drop_value_filter(op);
                    }
                }
                Some("replace") if self.patch_replace_ignored => ignore_operation(op),
                Some("replace") => {
                    if self.ignore_null_replace {
                        skip_nulls(op);
                    }
                    if self.false_replace_ignored {
                        skip_false(op);
                    }
                    if self.replace_merges_list {
                        swap_list_op(op, "add");
                    }
                }
                Some("add") if self.patch_add_single_value_ignored && adds_one_value(op) => {
                    ignore_operation(op);
                }
                Some("add") if self.add_replaces_list => swap_list_op(op, "replace"),
                Some("add") if self.patch_add_first_value_only => keep_first_value(op),
                _ => {}
            }
        }
    }

    /// `add-duplicates-values`: an `add` to a multi-valued attribute that sends a value the
    /// resource `held` already holds becomes a `replace` with the held values followed by every
    /// value sent, so that value is there twice (RFC 7644 §3.5.2.1: when the attribute "already
    /// contains the value, no changes SHOULD be made"). The body is copied only when one does.
    pub fn duplicate_added_values(&self, body: &mut Cow<'_, Value>, held: &Value) {
        let repeats = |op: &Value| {
            let adds = text_of_value(op, "op").is_some_and(|kind| kind.eq_ignore_ascii_case("add"));
            match (held_list(op, held), get_ci(op, "value")) {
                (Some(held), Some(Value::Array(sent))) => {
                    adds && sent.iter().any(|value| held.contains(value))
                }
                _ => false,
            }
        };
        if !self.add_duplicates_values
            || !operations(body.as_ref()).is_some_and(|ops| ops.iter().any(repeats))
        {
            return;
        }
        let Some(operations) = operations_mut(body.to_mut()) else {
            return;
        };
        for op in operations.iter_mut() {
            if !repeats(op) {
                continue;
            }
            let mut all = held_list(op, held).cloned().unwrap_or_default();
            let Some(object) = op.as_object_mut() else {
                continue;
            };
            if let Some(Value::Array(sent)) = value_of(object) {
                all.append(sent);
            }
            object.retain(|k, _| !k.eq_ignore_ascii_case("op") && !k.eq_ignore_ascii_case("value"));
            object.insert("op".to_owned(), Value::from("replace"));
            object.insert("value".to_owned(), Value::Array(all));
        }
    }

    /// The 400 for a User create (`POST /Users`): `require-name-formatted` refuses a body
    /// without a non-empty `name.formatted`, as a server that demands more than RFC 7643 §4.1
    /// does (only `userName` is required there); `client-meta-refused` one carrying `meta`, which
    /// RFC 7643 §2.2 says to ignore (readOnly). PUT, PATCH and `/Bulk` are left as they are.
    pub fn refused_user_create(&self, body: &Value) -> Option<ScimError> {
        if self.client_meta_refused && get_ci(body, "meta").is_some() {
            return Some(ScimError::typed(
                ScimType::Mutability,
                "`meta` is read-only and cannot be written",
            ));
        }
        if !self.require_name_formatted {
            return None;
        }
        let formatted = get_ci(body, "name")
            .and_then(|name| get_ci(name, "formatted"))
            .and_then(Value::as_str)
            .is_some_and(|text| !text.trim().is_empty());
        (!formatted)
            .then(|| ScimError::typed(ScimType::InvalidValue, "Field 'name.formatted' is required"))
    }

    /// `duplicate-400`: a uniqueness conflict (409, RFC 7644 §3.3) is answered as a plain
    /// 400 `invalidValue`; every other error is left as it is.
    pub fn reshape_error<'e>(&self, error: &'e ScimError) -> Cow<'e, ScimError> {
        if self.duplicate_400 && error.scim_type == Some(ScimType::Uniqueness) {
            Cow::Owned(ScimError::typed(
                ScimType::InvalidValue,
                error.detail.clone(),
            ))
        } else {
            Cow::Borrowed(error)
        }
    }

    /// `anonymous-self-registration`: whether a request without credentials is served: a POST
    /// to the Users endpoint (`path` is the request's, base path included), as RFC 7644 §2.2
    /// permits for user self-registration.
    pub fn admits_anonymous(&self, is_post: bool, path: &str) -> bool {
        self.anonymous_self_registration
            && is_post
            && path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .is_some_and(|last| last.eq_ignore_ascii_case("Users"))
    }

    /// Whether a request body's media type (its essence, lowercased) is refused with 415:
    /// `reject-application-json` accepts only `application/scim+json`, though RFC 7644 §3.8
    /// says servers SHOULD take `application/json` too.
    pub fn refuses_media_type(&self, essence: &str) -> bool {
        self.reject_application_json && essence == "application/json"
    }

    /// The `Content-Type` a 204 No Content carries: none, or under `no-content-html` Django's
    /// `text/html`. Legal: a 204 has no content (RFC 9110 §15.3.5), so its label says nothing.
    pub fn no_content_type(&self) -> Option<&'static str> {
        self.no_content_html.then_some("text/html; charset=utf-8")
    }

    /// The `Content-Type` of every JSON response.
    pub fn content_type(&self) -> &'static str {
        if self.json_content_type {
            "application/json"
        } else if self.charset {
            "application/scim+json; charset=utf-8"
        } else {
            "application/scim+json"
        }
    }
}

/// An attribute `core-subset` keeps, with the sub-attributes it keeps (empty: all of them).
type Kept = (&'static str, &'static [&'static str]);

/// The User attributes `core-subset` stores, as django-scim2's default adapter does (RFC 7644
/// §3.1 lets a service provider support a subset of RFC 7643's schema). `emails.type` is kept,
/// so typed addresses still read back; `groups` is computed by the server, not written.
const CORE_SUBSET_USER: &[Kept] = &[
    ("userName", &[]),
    ("name", &["givenName", "familyName", "formatted"]),
    ("displayName", &[]),
    ("emails", &["value", "type", "primary"]),
    ("active", &[]),
    ("groups", &[]),
];

/// The Group attributes `core-subset` stores.
const CORE_SUBSET_GROUP: &[Kept] = &[("displayName", &[]), ("members", &[])];

/// The attributes every resource has (RFC 7643 §3.1), which `core-subset` never drops.
const COMMON_ATTRIBUTES: &[&str] = &["schemas", "id", "externalId", "meta"];

/// `core-subset`: drops from a resource about to be stored every core attribute (and
/// sub-attribute) the subset does not hold. Extension attributes, keyed by their schema URN,
/// are left alone: `/ResourceTypes` still lists the extensions.
pub fn keep_core_subset(is_group: bool, resource: &mut Value) {
    let kept = if is_group {
        CORE_SUBSET_GROUP
    } else {
        CORE_SUBSET_USER
    };
    let Some(object) = resource.as_object_mut() else {
        return;
    };
    object.retain(|name, value| {
        if starts_with_urn(name)
            || COMMON_ATTRIBUTES
                .iter()
                .any(|c| c.eq_ignore_ascii_case(name))
        {
            return true;
        }
        let Some((_, sub_attributes)) = kept.iter().find(|(k, _)| k.eq_ignore_ascii_case(name))
        else {
            return false;
        };
        if !sub_attributes.is_empty() {
            let values = match value {
                Value::Array(values) => values.iter_mut().collect(),
                single => vec![single],
            };
            for complex in values.into_iter().filter_map(Value::as_object_mut) {
                complex.retain(|sub, _| sub_attributes.iter().any(|s| s.eq_ignore_ascii_case(sub)));
            }
        }
        true
    });
}

/// `emails-untyped`: takes `type` out of every email address of a user about to be stored.
pub fn drop_email_types(user: &mut Value) {
    let emails = user
        .as_object_mut()
        .and_then(|user| get_ci_mut(user, "emails"));
    if let Some(Value::Array(addresses)) = emails {
        for address in addresses.iter_mut().filter_map(Value::as_object_mut) {
            address.retain(|sub, _| !sub.eq_ignore_ascii_case("type"));
        }
    }
}

/// `name-formatted-only`: keeps of a user's `name` only `formatted`, composed from
/// `givenName` and `familyName` when the client did not send it.
pub fn keep_formatted_name(user: &mut Value) {
    let name = user
        .as_object_mut()
        .and_then(|user| get_ci_mut(user, "name"));
    let Some(Value::Object(name)) = name else {
        return;
    };
    let part = |key: &str| get_ci(name, key).and_then(Value::as_str).unwrap_or("");
    let formatted = match part("formatted") {
        "" => format!("{} {}", part("givenName"), part("familyName"))
            .trim()
            .to_owned(),
        sent => sent.to_owned(),
    };
    name.clear();
    if !formatted.is_empty() {
        name.insert("formatted".to_owned(), Value::String(formatted));
    }
}

/// Keeps, of the sub-attributes `/Schemas` declares for `attribute` of a schema, those whose
/// name passes `keep`.
fn retain_sub_attributes(schema: &mut Value, attribute: &str, keep: impl Fn(&str) -> bool) {
    if let Some(Value::Array(subs)) =
        attribute_mut(schema, attribute).and_then(|definition| definition.get_mut("subAttributes"))
    {
        subs.retain(|sub| sub.get("name").and_then(Value::as_str).is_some_and(&keep));
    }
}

/// Keeps in a schema's attribute definitions (RFC 7643 §7) those `kept` names, and in each
/// only the kept sub-attributes.
fn retain_declared(attributes: &mut Vec<Value>, kept: &[Kept]) {
    let name_of = |definition: &Value| {
        definition
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    attributes.retain(|definition| {
        let name = name_of(definition);
        kept.iter().any(|(k, _)| k.eq_ignore_ascii_case(&name))
    });
    for definition in attributes.iter_mut() {
        let name = name_of(definition);
        let Some((_, sub_attributes)) = kept.iter().find(|(k, _)| k.eq_ignore_ascii_case(&name))
        else {
            continue;
        };
        if let (false, Some(Value::Array(subs))) = (
            sub_attributes.is_empty(),
            definition.get_mut("subAttributes"),
        ) {
            subs.retain(|sub| {
                let sub_name = name_of(sub);
                sub_attributes
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(&sub_name))
            });
        }
    }
}

fn operations(body: &Value) -> Option<&Vec<Value>> {
    get_ci(body, "Operations")?.as_array()
}

fn operations_mut(body: &mut Value) -> Option<&mut Vec<Value>> {
    body.as_object_mut()?
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
        .and_then(|(_, v)| v.as_array_mut())
}

/// A string member of a PATCH operation given as a JSON value, its key matched
/// case-insensitively.
fn text_of_value<'a>(op: &'a Value, key: &str) -> Option<&'a str> {
    text_of(op.as_object()?, key)
}

/// A string member of a PATCH operation, its key matched case-insensitively.
fn text_of<'a>(op: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    op.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str())
}

/// The `value` member of a PATCH operation, its key matched case-insensitively.
fn value_of(op: &mut Map<String, Value>) -> Option<&mut Value> {
    op.iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case("value"))
        .map(|(_, v)| v)
}

/// `member-removal-empties-group`: a `remove` of `members` that lists the members to drop
/// (Entra's legacy shape) loses its list, so it removes every member.
fn drop_member_list(op: &mut Map<String, Value>) {
    if text_of(op, "path").is_some_and(|path| path.eq_ignore_ascii_case("members")) {
        op.retain(|k, _| !k.eq_ignore_ascii_case("value"));
    }
}

/// `pathless-patch-ignored`: an operation without a path gets an empty object as its value, so
/// it is accepted and changes nothing, like a server that only looks at `path` (RFC 7644
/// §3.5.2.1 and §3.5.2.3 apply a pathless value's attributes to the resource).
fn empty_pathless_value(op: &mut Map<String, Value>) {
    if text_of(op, "path").is_some_and(|path| !path.trim().is_empty()) {
        return;
    }
    if let Some(value) = value_of(op) {
        *value = Value::Object(Map::new());
    }
}

/// `patch-remove-ignored` and `patch-replace-ignored`: the operation becomes an `add` of
/// nothing, which changes nothing and is answered as a success, as by a server that implements
/// only some of the operations (RFC 7644 §3.5.2.2 removes the values the path names, §3.5.2.3
/// replaces them).
fn ignore_operation(op: &mut Map<String, Value>) {
    op.clear();
    op.insert("op".to_owned(), Value::from("add"));
    op.insert("value".to_owned(), Value::Object(Map::new()));
}

/// `patch-add-single-value-ignored`: whether an `add` sets one value (not a list) at a path.
fn adds_one_value(op: &Map<String, Value>) -> bool {
    let has_path = text_of(op, "path").is_some_and(|path| !path.trim().is_empty());
    let value = op
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("value"))
        .map(|(_, v)| v);
    has_path && value.is_some_and(|value| !value.is_array())
}

/// `patch-add-first-value-only`: an `add` of a list keeps only the list's first value, as a
/// server that reads `value[0]` does (RFC 7644 §3.5.2.1 adds every value).
fn keep_first_value(op: &mut Map<String, Value>) {
    if let Some(Value::Array(values)) = value_of(op) {
        values.truncate(1);
    }
}

/// `false-replace-ignored`: a `replace` whose value is `false` becomes a replace of nothing,
/// and `false` members of an object value are dropped, as a server that tests a value's
/// truthiness before writing it does (RFC 7644 §3.5.2.3 replaces with the value given).
fn skip_false(op: &mut Map<String, Value>) {
    match value_of(op) {
        Some(value @ Value::Bool(false)) => {
            *value = Value::Object(Map::new());
            op.retain(|k, _| !k.eq_ignore_ascii_case("path"));
        }
        Some(Value::Object(members)) => members.retain(|_, member| *member != Value::Bool(false)),
        _ => {}
    }
}

/// `null-replace-refused`: whether an operation is a `replace` with the value `null`, which
/// RFC 7643 §2.5 reads as "no value" (the attribute is cleared).
fn replaces_with_null(op: &Value) -> bool {
    text_of_value(op, "op").is_some_and(|kind| kind.eq_ignore_ascii_case("replace"))
        && op
            .as_object()
            .and_then(|members| {
                members
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("value"))
            })
            .is_some_and(|(_, value)| value.is_null())
}

/// `replace-complex-clears-rest`: before a `replace` that sets an object at a plain attribute
/// path (`name`), a `remove` of that path, so the sub-attributes it does not name are cleared
/// as by a server that sets the whole attribute (RFC 7644 §3.5.2.3 replaces only the
/// sub-attributes given).
fn clear_before_complex_replace(operations: &mut Vec<Value>) {
    let sets_complex = |op: &Value| {
        let members = op.as_object()?;
        let replaces = text_of(members, "op").is_some_and(|k| k.eq_ignore_ascii_case("replace"));
        let path = text_of(members, "path")?;
        let plain = !path.contains(['[', '.']) && !path.trim().is_empty();
        let object = members
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("value") && v.is_object());
        (replaces && plain && object).then(|| path.to_owned())
    };
    let mut rewritten = Vec::with_capacity(operations.len());
    for op in operations.drain(..) {
        if let Some(path) = sets_complex(&op) {
            rewritten.push(serde_json::json!({ "op": "remove", "path": path }));
        }
        rewritten.push(op);
    }
    *operations = rewritten;
}

/// `add-duplicates-values`: the list `held` holds at the plain attribute path an operation
/// names, if any.
fn held_list<'h>(op: &Value, held: &'h Value) -> Option<&'h Vec<Value>> {
    let path = text_of_value(op, "path")?;
    if path.contains(['[', '.', ':']) {
        return None;
    }
    get_ci(held, path)?.as_array()
}

/// `primary-not-exclusive`: marks primary again, in `after`, every value of a multi-valued
/// attribute that was primary `before` and is still there (matched by its `value`), as a
/// server that sets the new primary without clearing the old does (RFC 7643 §2.4: at most one
/// value is primary).
pub fn keep_old_primaries(before: &Value, after: &mut Value) {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object_mut()) else {
        return;
    };
    for (name, values) in before {
        let Some(old) = values.as_array() else {
            continue;
        };
        let Some(Value::Array(new)) = after.get_mut(name) else {
            continue;
        };
        for primary in old.iter().filter(|value| is_primary(value)) {
            let kept = new
                .iter_mut()
                .filter_map(Value::as_object_mut)
                .find(|value| value.get("value") == primary.get("value"));
            if let Some(kept) = kept {
                kept.insert("primary".to_owned(), Value::Bool(true));
            }
        }
    }
}

/// `filtered-remove-clears-all`: a `remove` whose path has a value filter loses the filter and
/// everything after it, so `emails[type eq "work"]` removes every email (RFC 7644 §3.5.2.2
/// removes only the matching values).
fn drop_value_filter(op: &mut Map<String, Value>) {
    let Some((_, Value::String(path))) =
        op.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("path"))
    else {
        return;
    };
    if let Some(bracket) = path.find('[') {
        path.truncate(bracket);
    }
}

/// Whether a PATCH path or attribute name starts with a schema URN (`urn:...:User:title`).
fn starts_with_urn(path: &str) -> bool {
    path.get(..4)
        .is_some_and(|head| head.eq_ignore_ascii_case("urn:"))
}

/// Whether `filter` is only `eq` comparisons joined by `and`. The depth is the parser's, which
/// bounds it.
fn only_eq_and(filter: &Filter) -> bool {
    match filter {
        Filter::Compare(_, CompareOp::Eq, _) => true,
        Filter::And(left, right) => only_eq_and(left) && only_eq_and(right),
        _ => false,
    }
}

/// Whether any attribute path in `filter` is URN-qualified. The depth is the parser's, which
/// bounds it.
fn names_a_urn(filter: &Filter) -> bool {
    names_any(filter, &|path| path.urn.is_some())
}

/// Whether any attribute path in `filter` (a value path's own included) passes `test`. The
/// depth is the parser's, which bounds it.
fn names_any(filter: &Filter, test: &dyn Fn(&AttrPath) -> bool) -> bool {
    match filter {
        Filter::Present(path) | Filter::Compare(path, _, _) => test(path),
        Filter::Not(inner) => names_any(inner, test),
        Filter::And(a, b) | Filter::Or(a, b) => names_any(a, test) || names_any(b, test),
        Filter::ValuePath(path, inner) => test(path) || names_any(inner, test),
    }
}

/// Whether `filter` names an attribute other than `userName` (`filter-username-only`).
fn names_other_than_user_name(filter: &Filter) -> bool {
    names_any(filter, &|path| {
        path.sub.is_some() || !path.name.eq_ignore_ascii_case("userName")
    })
}

/// `ignore-null-replace`: a `replace` whose value is `null` becomes a replace of nothing (no
/// path, no attributes), and `null` members of an object value are dropped, the way a server
/// that skips nulls while merging behaves (RFC 7643 §2.5 says null clears).
fn skip_nulls(op: &mut Map<String, Value>) {
    match value_of(op) {
        Some(value @ Value::Null) => {
            *value = Value::Object(Map::new());
            op.retain(|k, _| !k.eq_ignore_ascii_case("path"));
        }
        Some(Value::Object(members)) => members.retain(|_, member| !member.is_null()),
        _ => {}
    }
}

/// An operation that sets a list at a path is applied as the other kind: under
/// `add-replaces-list` an `add` becomes a `replace`, so the list takes the place of the
/// attribute's values instead of joining them (RFC 7644 §3.5.2.1); under `replace-merges-list`
/// a `replace` becomes an `add`, so the old values stay (§3.5.2.3).
fn swap_list_op(op: &mut Map<String, Value>, applied_as: &str) {
    let has_path = text_of(op, "path").is_some_and(|path| !path.trim().is_empty());
    if !(has_path && value_of(op).is_some_and(|value| value.is_array())) {
        return;
    }
    if let Some((_, kind)) = op.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("op")) {
        *kind = applied_as.into();
    }
}

/// The attribute `name` of a schema (or the sub-attribute of a complex attribute's
/// definition), found by name ignoring case, for a quirk to change how it is described.
fn attribute_mut<'a>(definition: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    ["attributes", "subAttributes"]
        .into_iter()
        .find(|key| definition.get(*key).is_some())
        .and_then(|key| definition.get_mut(key))
        .and_then(Value::as_array_mut)?
        .iter_mut()
        .find(|attribute| {
            attribute
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|found| found.eq_ignore_ascii_case(name))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::protocol;

    #[test]
    fn unique_emails_declares_email_addresses_unique_and_nothing_else() {
        let quirks = Quirks::from_list(&[Quirk::UniqueEmails]);
        let served = quirks.served_schemas(protocol::schemas_json());
        let user = served.iter().find(|s| s["id"] == USER_SCHEMA).unwrap();
        let emails = user["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "emails")
            .unwrap();
        let uniqueness = |name: &str| {
            let sub = emails["subAttributes"].as_array().unwrap();
            sub.iter().find(|a| a["name"] == name).unwrap()["uniqueness"].clone()
        };
        assert_eq!(uniqueness("value"), "server");
        assert_eq!(uniqueness("type"), "none");
        let plain = Quirks::default().served_schemas(protocol::schemas_json());
        assert_eq!(plain, protocol::schemas_json());
    }

    #[test]
    fn unslashed_endpoints_drop_only_the_leading_slash() {
        let quirks = Quirks::from_list(&[Quirk::ResourceTypeEndpointUnslashed]);
        let served = quirks.served_resource_types(protocol::resource_types_json());
        let endpoints: Vec<&Value> = served.iter().map(|rt| &rt["endpoint"]).collect();
        assert_eq!(endpoints, ["Users", "Groups"]);
        assert_eq!(
            Quirks::default().served_resource_types(protocol::resource_types_json()),
            protocol::resource_types_json()
        );
    }

    #[test]
    fn core_subset_keeps_the_subset_and_the_extensions() {
        let mut user = serde_json::json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "id": "1", "externalId": "e", "userName": "u", "nickName": "n", "title": "t",
            "name": {"givenName": "G", "middleName": "M"},
            "emails": [{"value": "a@b.c", "type": "work", "display": "A"}],
            "phoneNumbers": [{"value": "1"}],
            ENTERPRISE_USER_SCHEMA: {"costCenter": "4"}
        });
        keep_core_subset(false, &mut user);
        assert_eq!(
            user,
            serde_json::json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "id": "1", "externalId": "e", "userName": "u",
                "name": {"givenName": "G"},
                "emails": [{"value": "a@b.c", "type": "work"}],
                ENTERPRISE_USER_SCHEMA: {"costCenter": "4"}
            })
        );
    }

    #[test]
    fn core_subset_schemas_declare_only_what_it_stores() {
        let mut quirks = Quirks::default();
        quirks.enable(Quirk::CoreSubset);
        let schemas = quirks.served_schemas(crate::serve::protocol::schemas_json());
        let names = |urn: &str, sub_of: Option<&str>| -> Vec<String> {
            let schema = schemas.iter().find(|s| s["id"] == urn).expect("served");
            let attributes = schema["attributes"].as_array().expect("attributes");
            let list = match sub_of {
                None => attributes,
                Some(parent) => attributes
                    .iter()
                    .find(|a| a["name"] == parent)
                    .and_then(|a| a["subAttributes"].as_array())
                    .expect("sub-attributes"),
            };
            list.iter()
                .map(|a| a["name"].as_str().unwrap_or_default().to_owned())
                .collect()
        };
        let mut user = names(USER_SCHEMA, None);
        user.sort_unstable();
        assert_eq!(
            user,
            [
                "active",
                "displayName",
                "emails",
                "groups",
                "name",
                "userName"
            ]
        );
        let mut name = names(USER_SCHEMA, Some("name"));
        name.sort_unstable();
        assert_eq!(name, ["familyName", "formatted", "givenName"]);
        let mut group = names(GROUP_SCHEMA, None);
        group.sort_unstable();
        assert_eq!(group, ["displayName", "members"]);
    }

    #[test]
    fn patch_rewrites_touch_only_the_operations_they_name() {
        let body = serde_json::json!({"Operations": [
            {"op": "Add", "path": "emails", "value": [{"value": "a@b.c"}]},
            {"op": "add", "path": "title", "value": "T"},
            {"op": "replace", "path": "nickName", "value": null},
            {"op": "replace", "value": {"title": null, "displayName": "D"}},
            {"op": "remove", "path": "members", "value": [{"value": "1"}]},
            {"op": "remove", "path": "emails[type eq \"work\"].value"},
            {"op": "replace", "path": "phoneNumbers", "value": [{"value": "1"}]},
        ]});
        let mut untouched = Cow::Borrowed(&body);
        Quirks::default().rewrite_patch(&mut untouched, true);
        assert!(
            matches!(untouched, Cow::Borrowed(_)),
            "no copy without a quirk"
        );
        let quirks = Quirks::from_list(&[
            Quirk::AddReplacesList,
            Quirk::IgnoreNullReplace,
            Quirk::MemberRemovalEmptiesGroup,
            Quirk::FilteredRemoveClearsAll,
            Quirk::ReplaceMergesList,
        ]);
        let mut rewritten = Cow::Borrowed(&body);
        quirks.rewrite_patch(&mut rewritten, true);
        assert_eq!(
            rewritten.into_owned(),
            serde_json::json!({"Operations": [
                {"op": "replace", "path": "emails", "value": [{"value": "a@b.c"}]},
                {"op": "add", "path": "title", "value": "T"},
                {"op": "replace", "value": {}},
                {"op": "replace", "value": {"displayName": "D"}},
                {"op": "remove", "path": "members"},
                {"op": "remove", "path": "emails"},
                {"op": "add", "path": "phoneNumbers", "value": [{"value": "1"}]},
            ]})
        );
        let mut on_a_user = Cow::Borrowed(&body);
        quirks.rewrite_patch(&mut on_a_user, false);
        assert_eq!(
            on_a_user["Operations"][4]["value"][0]["value"], "1",
            "member removal is widened on groups only"
        );
    }

    #[test]
    fn the_new_patch_rewrites_touch_only_the_operations_they_name() {
        let body = serde_json::json!({"Operations": [
            {"op": "add", "path": "nickName", "value": "N"},
            {"op": "add", "path": "members", "value": [{"value": "1"}, {"value": "2"}]},
            {"op": "replace", "path": "active", "value": false},
            {"op": "replace", "value": {"active": false, "title": "T"}},
            {"op": "replace", "path": "name", "value": {"givenName": "G"}},
            {"op": "replace", "path": "name.givenName", "value": "G"},
        ]});
        let quirks = Quirks::from_list(&[
            Quirk::PatchAddSingleValueIgnored,
            Quirk::PatchAddFirstValueOnly,
            Quirk::FalseReplaceIgnored,
            Quirk::ReplaceComplexClearsRest,
        ]);
        let mut rewritten = Cow::Borrowed(&body);
        quirks.rewrite_patch(&mut rewritten, true);
        assert_eq!(
            rewritten.into_owned(),
            serde_json::json!({"Operations": [
                {"op": "add", "value": {}},
                {"op": "add", "path": "members", "value": [{"value": "1"}]},
                {"op": "replace", "value": {}},
                {"op": "replace", "value": {"title": "T"}},
                {"op": "remove", "path": "name"},
                {"op": "replace", "path": "name", "value": {"givenName": "G"}},
                {"op": "replace", "path": "name.givenName", "value": "G"},
            ]})
        );
    }

    #[test]
    fn added_values_already_held_are_added_again_only_under_the_quirk() {
        let held = serde_json::json!({"emails": [{"value": "a@b.c", "type": "work"}]});
        let body = serde_json::json!({"Operations": [
            {"op": "add", "path": "emails", "value": [{"value": "a@b.c", "type": "work"}]},
            {"op": "add", "path": "emails", "value": [{"value": "new@b.c"}]},
        ]});
        let mut untouched = Cow::Borrowed(&body);
        Quirks::default().duplicate_added_values(&mut untouched, &held);
        assert!(matches!(untouched, Cow::Borrowed(_)));
        let mut doubled = Cow::Borrowed(&body);
        Quirks::from_list(&[Quirk::AddDuplicatesValues])
            .duplicate_added_values(&mut doubled, &held);
        assert_eq!(
            doubled["Operations"],
            serde_json::json!([
                {"path": "emails", "op": "replace", "value": [
                    {"value": "a@b.c", "type": "work"}, {"value": "a@b.c", "type": "work"}
                ]},
                {"op": "add", "path": "emails", "value": [{"value": "new@b.c"}]},
            ])
        );
    }

    #[test]
    fn old_primaries_are_kept_only_where_the_value_is_still_there() {
        let before = serde_json::json!({"emails": [
            {"value": "w@x", "primary": true}, {"value": "gone@x", "primary": true}
        ]});
        let mut after = serde_json::json!({"emails": [
            {"value": "w@x", "primary": false}, {"value": "h@x", "primary": true}
        ]});
        keep_old_primaries(&before, &mut after);
        assert_eq!(
            after,
            serde_json::json!({"emails": [
                {"value": "w@x", "primary": true}, {"value": "h@x", "primary": true}
            ]})
        );
    }

    #[test]
    fn strong_if_match_comparison_matches_only_a_star_against_weak_versions() {
        let weak = Quirks::default();
        let strong = Quirks::from_list(&[Quirk::IfMatchStrongComparison]);
        assert!(weak.if_match_holds("W/\"3\"", "W/\"3\""));
        assert!(!strong.if_match_holds("W/\"3\"", "W/\"3\""));
        assert!(!strong.if_match_holds("\"3\"", "W/\"3\""));
        assert!(strong.if_match_holds("*", "W/\"3\""));
        assert!(strong.if_match_holds("\"3\"", "\"3\""));
    }

    #[test]
    fn self_registration_admits_only_an_anonymous_user_create() {
        let open = Quirks::from_list(&[Quirk::AnonymousSelfRegistration]);
        assert!(open.admits_anonymous(true, "/scim/v2/Users"));
        assert!(open.admits_anonymous(true, "/scim/v2/users/"));
        assert!(!open.admits_anonymous(false, "/scim/v2/Users"));
        assert!(!open.admits_anonymous(true, "/scim/v2/Groups"));
        assert!(!open.admits_anonymous(true, "/scim/v2/Users/.search"));
        assert!(!Quirks::default().admits_anonymous(true, "/scim/v2/Users"));
    }

    #[test]
    fn bulk_error_limit_follows_the_quirks() {
        assert_eq!(Quirks::default().bulk_error_limit(None), None);
        assert_eq!(Quirks::default().bulk_error_limit(Some(2)), Some(2));
        let stops = Quirks::from_list(&[Quirk::BulkStopsAtFirstError]);
        assert_eq!(stops.bulk_error_limit(None), Some(1));
        assert_eq!(stops.bulk_error_limit(Some(2)), Some(2));
        let ignores = Quirks::from_list(&[Quirk::IgnoreFailOnErrors]);
        assert_eq!(ignores.bulk_error_limit(Some(2)), None);
    }

    #[test]
    fn content_type_follows_the_quirks() {
        let mut quirks = Quirks::default();
        assert_eq!(quirks.content_type(), "application/scim+json");
        quirks.enable(Quirk::Charset);
        assert_eq!(
            quirks.content_type(),
            "application/scim+json; charset=utf-8"
        );
        quirks.enable(Quirk::JsonContentType);
        assert_eq!(quirks.content_type(), "application/json");
    }
}
