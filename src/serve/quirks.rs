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
use crate::scim::model::{ENTERPRISE_USER_SCHEMA, ScimError, ScimType};
use crate::scim::path::AttrPath;
use crate::scim::resource::get_ci;
use crate::serve::query::Projection;

mod discovery;
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

    /// Rewrites a PATCH body the way the misreading quirks understand it. The body is copied
    /// only when one of them is on.
    pub fn rewrite_patch(&self, body: &mut Cow<'_, Value>, on_group: bool) {
        let widen_member_removal = self.member_removal_empties_group && on_group;
        if !(widen_member_removal
            || self.patch_remove_ignored
            || self.ignore_null_replace
            || self.add_replaces_list
            || self.replace_merges_list
            || self.filtered_remove_clears_all
            || self.pathless_patch_ignored)
        {
            return;
        }
        let Some(operations) = operations_mut(body.to_mut()) else {
            return;
        };
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
                Some("replace") => {
                    if self.ignore_null_replace {
                        skip_nulls(op);
                    }
                    if self.replace_merges_list {
                        swap_list_op(op, "add");
                    }
                }
                Some("add") if self.add_replaces_list => swap_list_op(op, "replace"),
                _ => {}
            }
        }
    }

    /// `require-name-formatted`: the 400 for a User create (`POST /Users`) whose body has no
    /// non-empty `name.formatted`, as a server that demands more than RFC 7643 §4.1 does (only
    /// `userName` is required there). PUT, PATCH and `/Bulk` are left as they are.
    pub fn refused_user_create(&self, body: &Value) -> Option<ScimError> {
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
        } else if self.latin1_responses {
            "application/scim+json; charset=iso-8859-1"
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

/// `binary-unpadded`: strips the `=` padding from each `x509Certificates` value about to be
/// stored, which then is no longer base64 as RFC 4648 §4 writes it (RFC 7643 §2.3.6 demands it).
pub fn unpad_certificates(user: &mut Value) {
    let Some(Value::Array(certificates)) = user
        .as_object_mut()
        .and_then(|object| {
            object
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case("x509Certificates"))
        })
        .map(|(_, value)| value)
    else {
        return;
    };
    for certificate in certificates.iter_mut().filter_map(Value::as_object_mut) {
        if let Some(Value::String(value)) = certificate.get_mut("value") {
            *value = value.trim_end_matches('=').to_owned();
        }
    }
}

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

/// `patch-remove-ignored`: the operation becomes an `add` of nothing, which changes nothing
/// and is answered as a success, as by a server that implements only `add` and `replace`
/// (RFC 7644 §3.5.2.2 removes the values the path names).
fn ignore_operation(op: &mut Map<String, Value>) {
    op.clear();
    op.insert("op".to_owned(), Value::from("add"));
    op.insert("value".to_owned(), Value::Object(Map::new()));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::model::{GROUP_SCHEMA, USER_SCHEMA};
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
