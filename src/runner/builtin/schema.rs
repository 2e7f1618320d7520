//! `schema-attributes`: one rule of RFC 7643 §2 and §7 held by every attribute definition a
//! `/Schemas` answer publishes, sub-attributes included. Pure: it reads one answer and sends
//! nothing; what a rule means is documented on [`SchemaRule`].

use serde_json::{Map, Value};

use super::Miss;
use crate::scim::model::SCHEMA_SCHEMA;
use crate::scim::resource::get_ci;
use crate::suite::SchemaRule;

/// RFC 7643 §7 (with erratum 8435): the eight data types an attribute may have.
const DATA_TYPES: [&str; 8] = [
    "string",
    "boolean",
    "decimal",
    "integer",
    "dateTime",
    "reference",
    "binary",
    "complex",
];

/// The keyword characteristics of an attribute and the values RFC 7643 §7 spells for each.
const KEYWORDS: [(&str, &[&str]); 4] = [
    ("type", &DATA_TYPES),
    (
        "mutability",
        &["readOnly", "readWrite", "immutable", "writeOnly"],
    ),
    ("returned", &["always", "never", "default", "request"]),
    ("uniqueness", &["none", "server", "global"]),
];

/// The attributes RFC 7643 defines for every resource (§3.1) and for Users and Groups (§4.1,
/// §4.2), which an extension SHOULD NOT define again (§3.3).
const CORE_ATTRIBUTES: [&str; 26] = [
    "schemas",
    "id",
    "externalId",
    "meta",
    "userName",
    "name",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
    "members",
];

/// The URN prefix of the schemas RFC 7643 itself defines.
const CORE_SCHEMA_PREFIX: &str = "urn:ietf:params:scim:schemas:core:2.0:";

/// How many offending definitions a miss names before it only counts the rest.
const NAMED: usize = 3;

/// The first attribute definitions of `body` (a ListResponse of schemas, or one schema) that
/// break `rule`, or what makes the answer unreadable as schemas.
pub(super) fn attributes(rule: SchemaRule, body: &Value) -> Option<Miss> {
    let schemas: Vec<&Value> = match get_ci_value(body, "Resources") {
        Some(Value::Array(schemas)) => schemas.iter().collect(),
        _ if get_ci_value(body, "attributes").is_some() => vec![body],
        _ => return Some(Miss::unnamed("the answer holds no schema definitions")),
    };
    let mut offences = Vec::new();
    for schema in schemas {
        let id = get_ci_value(schema, "id")
            .and_then(Value::as_str)
            .unwrap_or("a schema without `id`");
        if let Some(Value::Array(attributes)) = get_ci_value(schema, "attributes") {
            walk(rule, id, "", attributes, 0, &mut offences);
        }
    }
    let first = offences.first()?;
    let more = match offences.len() {
        1 => String::new(),
        n if n <= NAMED => format!("; also {}", offences[1..].join("; ")),
        n => format!(
            "; also {} and {} more",
            offences[1..NAMED].join("; "),
            n - NAMED
        ),
    };
    Some(Miss::unnamed(format!("{first}{more}")))
}

fn get_ci_value<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    value.as_object().and_then(|object| get_ci(object, key))
}

/// Collects the offences against `rule` of `attributes` (at `depth` 0 a schema's own, at 1 the
/// sub-attributes of one of them), named `<schema>:<parent>.<name>`.
fn walk(
    rule: SchemaRule,
    schema: &str,
    parent: &str,
    attributes: &[Value],
    depth: usize,
    offences: &mut Vec<String>,
) {
    for attribute in attributes {
        let Some(definition) = attribute.as_object() else {
            offences.push(format!(
                "{schema}: an attribute definition is not an object"
            ));
            continue;
        };
        let name = get_ci(definition, "name").and_then(Value::as_str);
        let full = format!("{schema}:{parent}{}", name.unwrap_or("?"));
        let rfc_recursion = rule == SchemaRule::FlatSubAttributes
            && is_schema_of_schemas_recursion(schema, parent, name);
        if let Some(offence) =
            offence(rule, schema, definition, name, depth).filter(|_| !rfc_recursion)
        {
            offences.push(format!("`{full}` {offence}"));
        }
        if let Some(Value::Array(subs)) = get_ci(definition, "subAttributes") {
            let parent = format!("{parent}{}.", name.unwrap_or("?"));
            walk(rule, schema, &parent, subs, depth + 1, offences);
        }
    }
}

/// Whether a definition is `attributes.subAttributes` of the schema of schemas, which RFC 7643
/// §8.7.2 itself defines as complex with sub-attributes of its own (an attribute definition's
/// sub-attributes are attribute definitions): a server that publishes the RFC's text is not
/// nesting complex attributes of its own, which is what §2.3.8 forbids.
fn is_schema_of_schemas_recursion(schema: &str, parent: &str, name: Option<&str>) -> bool {
    schema.eq_ignore_ascii_case(SCHEMA_SCHEMA)
        && parent.eq_ignore_ascii_case("attributes.")
        && name.is_some_and(|name| name.eq_ignore_ascii_case("subAttributes"))
}

/// What is wrong with one definition under `rule`, if anything.
fn offence(
    rule: SchemaRule,
    schema: &str,
    definition: &Map<String, Value>,
    name: Option<&str>,
    depth: usize,
) -> Option<String> {
    let text = |key: &str| get_ci(definition, key).and_then(Value::as_str);
    match rule {
        SchemaRule::Names => match name {
            Some(name) if is_attribute_name(name) || (depth > 0 && name == "$ref") => None,
            Some(name) => Some(format!(
                "is not an attribute name: \"{name}\" does not match ALPHA *(\"$\" / \"-\" / \
                 \"_\" / DIGIT / ALPHA)"
            )),
            None => Some("has no `name`".to_owned()),
        },
        SchemaRule::Types => match text("type") {
            Some(kind) if DATA_TYPES.iter().any(|t| t.eq_ignore_ascii_case(kind)) => None,
            Some(kind) => Some(format!(
                "has `type` \"{kind}\", not one of {}",
                DATA_TYPES.join(", ")
            )),
            None => Some("has no `type`".to_owned()),
        },
        SchemaRule::FlatSubAttributes => {
            // `subAttributes: []` (or null) defines no sub-attribute: only a listed one nests.
            let lists_sub_attributes = match get_ci(definition, "subAttributes") {
                None | Some(Value::Null) => false,
                Some(Value::Array(subs)) => !subs.is_empty(),
                Some(_) => true,
            };
            let nested = depth > 0
                && (text("type").is_some_and(|t| t.eq_ignore_ascii_case("complex"))
                    || lists_sub_attributes);
            nested.then(|| "is a sub-attribute with sub-attributes of its own".to_owned())
        }
        SchemaRule::ReferenceTypes => match get_ci(definition, "referenceTypes") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => None,
            Some(other) => Some(format!(
                "has `referenceTypes` {other}, not a JSON array of strings"
            )),
        },
        SchemaRule::ComplexSubAttributes => {
            let complex = text("type").is_some_and(|t| t.eq_ignore_ascii_case("complex"));
            let listed = matches!(get_ci(definition, "subAttributes"),
                Some(Value::Array(subs)) if !subs.is_empty());
            (complex && !listed).then(|| "is complex but lists no `subAttributes`".to_owned())
        }
        SchemaRule::ExtensionNames => {
            let extension = !schema
                .get(..CORE_SCHEMA_PREFIX.len())
                .is_some_and(|prefix| prefix.eq_ignore_ascii_case(CORE_SCHEMA_PREFIX));
            let core = name.and_then(|name| {
                CORE_ATTRIBUTES
                    .iter()
                    .find(|core| core.eq_ignore_ascii_case(name))
            });
            match core {
                Some(core) if extension && depth == 0 => Some(format!(
                    "is an extension attribute named like the core attribute `{core}`"
                )),
                _ => None,
            }
        }
        SchemaRule::NoNulls => {
            let nulls: Vec<&str> = definition
                .iter()
                .filter(|(_, value)| value.is_null())
                .map(|(key, _)| key.as_str())
                .collect();
            (!nulls.is_empty()).then(|| format!("sends null for `{}`", nulls.join("`, `")))
        }
        SchemaRule::CanonicalSpelling => KEYWORDS.iter().find_map(|(key, spelt)| {
            let value = text(key)?;
            let canonical = spelt.iter().find(|s| s.eq_ignore_ascii_case(value))?;
            (*canonical != value)
                .then(|| format!("spells `{key}` \"{value}\", not \"{canonical}\""))
        }),
    }
}

/// RFC 7643 §2.1: `ATTRNAME = ALPHA *(nameChar)`, `nameChar = "$" / "-" / "_" / DIGIT / ALPHA`.
fn is_attribute_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'$' | b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schemas(attributes: Value) -> Value {
        json!({"Resources": [{"id": "urn:example:S", "attributes": attributes}]})
    }

    fn observed(rule: SchemaRule, attributes: Value) -> Option<String> {
        attributes_of(rule, &schemas(attributes))
    }

    fn attributes_of(rule: SchemaRule, body: &Value) -> Option<String> {
        attributes(rule, body).map(|miss| miss.observed)
    }

    /// A definition as RFC 7643 §8.7.1 writes `emails`, which keeps every rule.
    fn emails() -> Value {
        json!({"name": "emails", "type": "complex", "multiValued": true, "required": false,
               "mutability": "readWrite", "returned": "default", "uniqueness": "none",
               "subAttributes": [
                   {"name": "value", "type": "string", "mutability": "readWrite",
                    "returned": "default", "uniqueness": "none", "caseExact": false},
                   {"name": "$ref", "type": "reference", "referenceTypes": ["external"]}]})
    }

    /// `emails` where RFC 7643 §8.7.1 defines it, in the core User schema.
    #[test]
    fn the_rfc_s_own_definitions_keep_every_rule() {
        use SchemaRule::*;
        let core = "urn:ietf:params:scim:schemas:core:2.0:User";
        for rule in [
            Names,
            Types,
            FlatSubAttributes,
            ReferenceTypes,
            ComplexSubAttributes,
            ExtensionNames,
            NoNulls,
            CanonicalSpelling,
        ] {
            let list = json!({"Resources": [{"id": core, "attributes": [emails()]}]});
            assert_eq!(attributes_of(rule, &list), None, "{rule:?}");
            let single = json!({"id": core, "attributes": [emails()]});
            assert_eq!(attributes_of(rule, &single), None, "{rule:?} on one schema");
        }
    }

    #[test]
    fn names_follow_attrname_and_only_a_sub_attribute_may_be_ref() {
        assert!(is_attribute_name("x509Certificates"));
        assert!(is_attribute_name("a$b-c_d"));
        for bad in ["cost center", "2fa", "_x", "", "a.b"] {
            assert!(!is_attribute_name(bad), "{bad}");
        }
        let top_level_ref = observed(SchemaRule::Names, json!([{"name": "$ref"}]));
        assert!(top_level_ref.is_some_and(|o| o.contains("`urn:example:S:$ref`")));
        let spaced = json!([{"name": "cost center", "type": "string"}]);
        assert_eq!(
            observed(SchemaRule::Names, spaced).as_deref(),
            Some(
                "`urn:example:S:cost center` is not an attribute name: \"cost center\" does not \
                 match ALPHA *(\"$\" / \"-\" / \"_\" / DIGIT / ALPHA)"
            )
        );
    }

    #[test]
    fn types_are_the_eight_of_rfc_7643_in_any_case() {
        let binary = json!([{"name": "cert", "type": "binary"}, {"name": "s", "type": "String"}]);
        assert_eq!(observed(SchemaRule::Types, binary), None);
        let unknown = json!([{"name": "age", "type": "int"}, {"name": "untyped"}]);
        assert_eq!(
            observed(SchemaRule::Types, unknown).as_deref(),
            Some(
                "`urn:example:S:age` has `type` \"int\", not one of string, boolean, decimal, \
                 integer, dateTime, reference, binary, complex; also `urn:example:S:untyped` \
                 has no `type`"
            )
        );
    }

    #[test]
    fn a_sub_attribute_may_not_be_complex() {
        let nested = json!([{"name": "address", "type": "complex", "subAttributes": [
            {"name": "geo", "type": "complex", "subAttributes": [{"name": "lat", "type": "decimal"}]}]}]);
        assert_eq!(
            observed(SchemaRule::FlatSubAttributes, nested).as_deref(),
            Some("`urn:example:S:address.geo` is a sub-attribute with sub-attributes of its own")
        );
    }

    /// scim-server (Rust) writes `subAttributes: []` on every simple definition: an empty list
    /// defines no sub-attribute, so nothing nests; a listed one still does.
    #[test]
    fn an_empty_sub_attribute_list_is_not_nesting() {
        let empty = json!([{"name": "name", "type": "complex", "subAttributes": [
            {"name": "givenName", "type": "string", "subAttributes": []},
            {"name": "middleName", "type": "string", "subAttributes": null}]}]);
        assert_eq!(observed(SchemaRule::FlatSubAttributes, empty), None);
        let listed = json!([{"name": "name", "type": "complex", "subAttributes": [
            {"name": "givenName", "type": "string", "subAttributes": [{"name": "x", "type": "string"}]}]}]);
        assert_eq!(
            observed(SchemaRule::FlatSubAttributes, listed).as_deref(),
            Some(
                "`urn:example:S:name.givenName` is a sub-attribute with sub-attributes of its own"
            )
        );
    }

    /// RFC 7643 §8.7.2 defines `attributes.subAttributes` of the schema of schemas as complex
    /// with sub-attributes; the same nesting anywhere else is still a complex sub-attribute.
    #[test]
    fn the_schema_of_schemas_may_nest_attribute_definitions_as_the_rfc_writes_it() {
        let definitions = json!([{"name": "attributes", "type": "complex", "multiValued": true,
            "subAttributes": [{"name": "name", "type": "string"},
                {"name": "subAttributes", "type": "complex", "multiValued": true,
                 "subAttributes": [{"name": "name", "type": "string"}]}]}]);
        let rfc = json!({"id": SCHEMA_SCHEMA, "attributes": definitions.clone()});
        assert_eq!(attributes_of(SchemaRule::FlatSubAttributes, &rfc), None);
        let elsewhere = json!({"id": "urn:example:S", "attributes": definitions});
        assert_eq!(
            attributes_of(SchemaRule::FlatSubAttributes, &elsewhere),
            Some(
                "`urn:example:S:attributes.subAttributes` is a sub-attribute with sub-attributes \
                 of its own"
                    .to_owned()
            )
        );
    }

    #[test]
    fn reference_types_are_an_array_of_strings() {
        let text = json!([{"name": "manager", "type": "reference", "referenceTypes": "User"}]);
        assert_eq!(
            observed(SchemaRule::ReferenceTypes, text).as_deref(),
            Some(
                "`urn:example:S:manager` has `referenceTypes` \"User\", not a JSON array of strings"
            )
        );
    }

    #[test]
    fn a_complex_attribute_lists_its_sub_attributes() {
        let bare = json!([{"name": "name", "type": "complex", "subAttributes": []}]);
        assert_eq!(
            observed(SchemaRule::ComplexSubAttributes, bare).as_deref(),
            Some("`urn:example:S:name` is complex but lists no `subAttributes`")
        );
    }

    #[test]
    fn nulls_and_respelt_keywords_are_named() {
        let null = json!([{"name": "title", "type": "string", "canonicalValues": null}]);
        assert_eq!(
            observed(SchemaRule::NoNulls, null).as_deref(),
            Some("`urn:example:S:title` sends null for `canonicalValues`")
        );
        let lowercase = json!([{"name": "title", "type": "string", "mutability": "readwrite"}]);
        assert_eq!(
            observed(SchemaRule::CanonicalSpelling, lowercase).as_deref(),
            Some("`urn:example:S:title` spells `mutability` \"readwrite\", not \"readWrite\"")
        );
        let unknown = json!([{"name": "title", "type": "text"}]);
        assert_eq!(
            observed(SchemaRule::CanonicalSpelling, unknown),
            None,
            "types judge that"
        );
    }

    #[test]
    fn many_offences_are_counted_after_the_first_three() {
        let five: Vec<Value> = (0..5).map(|i| json!({"name": format!("{i}x")})).collect();
        let seen = observed(SchemaRule::Names, Value::Array(five)).unwrap_or_default();
        assert!(seen.ends_with("and 2 more"), "{seen}");
        assert_eq!(
            attributes_of(SchemaRule::Names, &json!({"detail": "x"})).as_deref(),
            Some("the answer holds no schema definitions")
        );
    }

    #[test]
    fn an_extension_does_not_define_a_core_attribute_again() {
        let body = |id: &str| {
            json!({"Resources": [{"id": id, "attributes": [
                {"name": "Title", "type": "string"},
                {"name": "badge", "type": "complex", "subAttributes": [{"name": "value"}]}]}]})
        };
        let extension = "urn:ietf:params:scim:schemas:extension:acme:2.0:User";
        assert_eq!(
            attributes_of(SchemaRule::ExtensionNames, &body(extension)).as_deref(),
            Some(
                "`urn:ietf:params:scim:schemas:extension:acme:2.0:User:Title` is an extension \
                 attribute named like the core attribute `title`"
            )
        );
        let core = "urn:ietf:params:scim:schemas:core:2.0:User";
        assert_eq!(attributes_of(SchemaRule::ExtensionNames, &body(core)), None);
    }
}
