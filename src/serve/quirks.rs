//! Real-world server deviations that `scimctl serve --quirk NAME` reproduces on purpose: the
//! helpers through which the server consults the switches of [`Quirks`]. No quirk is declared
//! here (each is declared once, in `quirks/table.rs`), and nothing here does I/O.
//!
//! Each helper is the one point at which the server consults its switch, so that turning a
//! quirk on changes exactly the behaviour it names and nothing else. The conformance suite is
//! graded against every one of them.

use std::borrow::Cow;

use serde_json::Value;

use crate::scim::filter::{CompareOp, Filter};
use crate::scim::model::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, ScimError, ScimType, USER_SCHEMA};
use crate::scim::path::AttrPath;
use crate::scim::resource::{get_ci, get_ci_mut};
use crate::scim::schema::ResourceSchema;
use crate::serve::etag;
use crate::serve::query::Projection;

mod patch;
use patch::{operations, operations_mut, text_of};
mod discovery;
mod refusals;
mod table;

pub use patch::keep_old_primaries;

pub use table::{
    CATALOGUE, DEFAULT_DROP_EVERY, DEFAULT_RATE_LIMIT_EVERY, EveryNth, Kind, Millis, Quirk,
    QuirkArgument, QuirkInfo, Quirks, UnknownQuirk, help_table, readme_table,
};

impl Quirks {
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

    /// `x509-certificates-dropped`: takes `x509Certificates` out of a user's POST body, so the
    /// user is stored without the attribute `/Schemas` declares, as django-scim2's default
    /// adapter does with every attribute it has no column for.
    pub fn drop_x509_certificates_on_create(&self, body: &mut Value) {
        if let Some(object) = body
            .as_object_mut()
            .filter(|_| self.x509_certificates_dropped)
        {
            object.retain(|key, _| !key.eq_ignore_ascii_case("x509Certificates"));
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

    /// `excluded-urn-names-ignored`: drops the names of `excludedAttributes` written in full,
    /// with their schema URN (RFC 7644 §3.10), as a server that only reads short names does.
    pub fn read_excluded_names(&self, projection: &mut Projection) {
        if self.excluded_urn_names_ignored {
            projection.excluded.retain(|path| path.urn.is_none());
        }
    }

    /// `user-groups-writable`: takes the PATCH operations that add to a user's `groups` out of
    /// the body and returns the group ids they name, for the server to add the user to those
    /// groups, though `groups` is readOnly (RFC 7643 §4.1.2: membership changes go through
    /// the Group). Empty when the quirk is off.
    pub fn take_user_group_additions(&self, body: &mut Cow<'_, Value>) -> Vec<String> {
        let is_group_add = |op: &Value| {
            op.as_object().is_some_and(|op| {
                text_of(op, "op").is_some_and(|kind| kind.eq_ignore_ascii_case("add"))
                    && text_of(op, "path").is_some_and(|path| path.eq_ignore_ascii_case("groups"))
            })
        };
        if !self.user_groups_writable
            || !operations(body).is_some_and(|ops| ops.iter().any(is_group_add))
        {
            return Vec::new();
        }
        let Some(operations) = operations_mut(body.to_mut()) else {
            return Vec::new();
        };
        let (additions, kept): (Vec<Value>, Vec<Value>) =
            operations.drain(..).partition(|op| is_group_add(op));
        *operations = kept;
        additions
            .iter()
            .filter_map(|op| get_ci(op, "value").and_then(Value::as_array))
            .flatten()
            .filter_map(|group| get_ci(group, "value").and_then(Value::as_str))
            .map(str::to_owned)
            .collect()
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

    /// `unmapped-filters-match-nothing`: whether `filter` names `externalId`, `emails`, or a
    /// group's `displayName` (what Okta and Entra match on), which such a server finds on no
    /// resource instead of refusing the filter with 400 `invalidFilter` (RFC 7644 Table 9):
    /// django-scim2's default filter parsers map only a user's `userName`, names and `active`.
    pub fn misses_unmapped_names(&self, filter: &Filter, schema: &ResourceSchema) -> bool {
        let is_group = schema.core.id == GROUP_SCHEMA;
        self.unmapped_filters_match_nothing
            && names_any(filter, &|path| {
                path.name.eq_ignore_ascii_case("externalId")
                    || path.name.eq_ignore_ascii_case("emails")
                    || (is_group && path.name.eq_ignore_ascii_case("displayName"))
            })
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

    /// `public-discovery`: whether a request is answered whatever its credentials: a GET of a
    /// discovery endpoint (`path` is the request's below the base path), as RFC 7644 §2.2
    /// permits anonymous requests.
    pub fn admits_anyone(&self, is_get: bool, path: &str) -> bool {
        const DISCOVERY: [&str; 3] = ["ServiceProviderConfig", "ResourceTypes", "Schemas"];
        self.public_discovery
            && is_get
            && path
                .trim_start_matches('/')
                .split('/')
                .next()
                .is_some_and(|first| DISCOVERY.iter().any(|d| d.eq_ignore_ascii_case(first)))
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
