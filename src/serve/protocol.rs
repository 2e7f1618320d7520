//! The server's narrow doorway into the protocol core (`crate::scim`): schemas, filters,
//! attribute paths, write validation, projection and PATCH, with core errors turned into the
//! `ScimError`s the server answers. Pure: no I/O.

use std::borrow::Cow;
use std::sync::OnceLock;

use serde_json::Value;

use crate::scim::filter::{self, Filter, ParseOptions};
use crate::scim::model::{ScimError, ScimType};
use crate::scim::patch::{self, Tolerance};
use crate::scim::path::{self as scim_path, AttrPath};
use crate::scim::resource::{self, Leniency, WriteTolerance, get_ci};
use crate::scim::schema::{
    AttrType, Attribute, AuthenticationScheme, BulkConfig, FilterConfig, ResourceSchema, Returned,
    ServiceProviderConfig, builtin,
};

pub use crate::scim::resource::WriteMode;

/// A write body made ready for storage.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated {
    pub resource: Value,
    /// The body used `"True"`/`"False"` strings for booleans and they were converted.
    pub used_string_booleans: bool,
}

/// The outcome of applying a PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct Patched {
    pub resource: Value,
    pub changed: bool,
    /// Some operation sent `"True"`/`"False"` for a boolean and it was converted.
    pub used_string_booleans: bool,
}

/// The User resource schema (core User plus the enterprise extension).
pub fn user_schema() -> &'static ResourceSchema {
    static SCHEMA: OnceLock<ResourceSchema> = OnceLock::new();
    SCHEMA.get_or_init(ResourceSchema::user)
}

/// The Group resource schema.
pub fn group_schema() -> &'static ResourceSchema {
    static SCHEMA: OnceLock<ResourceSchema> = OnceLock::new();
    SCHEMA.get_or_init(ResourceSchema::group)
}

/// The Group resource schema as `group-display-name-optional` writes with: `displayName`
/// optional, as RFC 7643 §8.7.1 printed it before erratum 5368.
pub fn group_schema_display_name_optional() -> &'static ResourceSchema {
    static SCHEMA: OnceLock<ResourceSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut schema = ResourceSchema::group();
        for attribute in &mut schema.core.attributes {
            if attribute.name == "displayName" {
                attribute.required = false;
            }
        }
        schema
    })
}

/// Parses a `filter` parameter; a bad one is 400 `invalidFilter` (RFC 7644 §3.4.2.2).
///
/// Lenient, as a server should be towards what identity providers send: Entra's
/// `emails[type eq "work"].value eq "x"` and runs of spaces are accepted. Unquoted strings
/// and capitalised literals are refused in both modes.
pub fn parse_filter(text: &str) -> Result<Filter, ScimError> {
    filter::parse_filter_with(text, ParseOptions { lenient: true })
        .map(|parsed| parsed.filter)
        .map_err(|diagnostic| {
            ScimError::typed(
                ScimType::InvalidFilter,
                format!("filter `{text}`: {diagnostic}"),
            )
        })
}

/// Checks every comparison of `filter` against the schema before any resource is looked at,
/// so `active gt false` is refused even when nothing is stored.
pub fn check_filter(filter: &Filter, schema: &ResourceSchema) -> Result<(), ScimError> {
    filter::validate(filter, schema).map_err(invalid_filter)
}

/// Evaluates a filter; an operator the attribute does not support is 400 `invalidFilter`.
pub fn filter_matches(
    filter: &Filter,
    resource: &Value,
    schema: &ResourceSchema,
) -> Result<bool, ScimError> {
    filter::matches(filter, resource, schema).map_err(invalid_filter)
}

fn invalid_filter(error: filter::EvalError) -> ScimError {
    ScimError::typed(ScimType::InvalidFilter, error.to_string())
}

/// Parses one attribute path of `attributes`, `excludedAttributes` or `sortBy`.
pub fn parse_attr_path(text: &str) -> Result<AttrPath, ScimError> {
    scim_path::parse_attr_path(text).map_err(|diagnostic| {
        ScimError::typed(
            ScimType::InvalidValue,
            format!("attribute path `{text}`: {diagnostic}"),
        )
    })
}

/// Checks and normalises a POST/PUT body, taking it apart; readOnly attributes are dropped.
pub fn validate_for_write(
    body: Value,
    schema: &ResourceSchema,
    mode: WriteMode<'_>,
) -> Result<Validated, ScimError> {
    let validated = resource::validate_owned_for_write(body, schema, mode)?;
    let used_string_booleans = validated
        .tolerances
        .iter()
        .any(|t| matches!(t, WriteTolerance::Value(Leniency::StringBoolean { .. })));
    Ok(Validated {
        resource: validated.resource,
        used_string_booleans,
    })
}

/// The default representation of `resource` (no `attributes` or `excludedAttributes`),
/// serialised. Most stored resources hold nothing the default projection would drop, and
/// copying one only to serialise the copy was a third of a POST's cost, so those are
/// serialised as they are.
pub fn default_representation(resource: &Value, schema: &ResourceSchema) -> String {
    // A typical user serialises to well under 1 KiB; starting there spares the buffer the
    // three regrowths (and copies) it would go through from serde_json's 128 bytes.
    let mut text = Vec::with_capacity(1024);
    let written = if default_projection_keeps_everything(resource, schema) {
        serde_json::to_writer(&mut text, resource)
    } else {
        serde_json::to_writer(&mut text, &resource::project(resource, schema, &[], &[]))
    };
    match written {
        Ok(()) => String::from_utf8(text).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Whether `resource::project(resource, schema, &[], &[])` would equal `resource`: no
/// `returned: never` or `request` attribute or sub-attribute (RFC 7643 §7), no unassigned
/// value (§2.5) where the projection drops one, every extension a non-empty object. Errs
/// towards `false`.
fn default_projection_keeps_everything(resource: &Value, schema: &ResourceSchema) -> bool {
    let Some(members) = resource.as_object() else {
        return true;
    };
    members.iter().all(|(key, value)| {
        if key.eq_ignore_ascii_case("schemas") {
            return true;
        }
        if let Some(attribute) = schema
            .core_attributes()
            .find(|a| a.name.eq_ignore_ascii_case(key))
        {
            return keeps_attribute(attribute, value);
        }
        match schema.extension(key) {
            Some(extension) => value.as_object().is_some_and(|inner| {
                !inner.is_empty()
                    && inner.iter().all(|(key, value)| {
                        extension
                            .attribute(key)
                            .is_none_or(|attribute| keeps_attribute(attribute, value))
                    })
            }),
            None => true,
        }
    })
}

fn keeps_attribute(attribute: &Attribute, value: &Value) -> bool {
    let shown = |returned: Returned| matches!(returned, Returned::Default | Returned::Always);
    if !shown(attribute.returned) || !resource::is_assigned(value) {
        return false;
    }
    if attribute.attr_type != AttrType::Complex {
        return true;
    }
    let keeps_element = |element: &Value| match element {
        Value::Object(members) => members.keys().all(|key| {
            attribute
                .sub_attribute(key)
                .is_none_or(|sub| shown(sub.returned))
        }),
        _ => true,
    };
    match value {
        Value::Array(items) => items
            .iter()
            .all(|item| resource::is_assigned(item) && keeps_element(item)),
        other => keeps_element(other),
    }
}

/// Parses a PatchOp body and applies it to `resource`, all operations or none.
pub fn patch(
    resource: &Value,
    body: &Value,
    schema: &ResourceSchema,
) -> Result<Patched, ScimError> {
    let body = without_schemas_in_extension_values(body, schema);
    let request = patch::parse_patch(&body, schema)?;
    let outcome = patch::apply_patch(resource, &request, schema)?;
    let used_string_booleans = request
        .tolerances
        .iter()
        .chain(&outcome.tolerances)
        .any(|t| matches!(t, Tolerance::StringBoolean { .. }));
    Ok(Patched {
        resource: outcome.resource,
        changed: outcome.changed,
        used_string_booleans,
    })
}

/// A PATCH whose path is a bare extension URN carries the extension object as its value, and
/// clients that serialise it as a resource (scim2-tester does) put a `schemas` member inside.
/// That member describes the object rather than being an attribute of it, so it is dropped
/// before the core reads the value as the extension's attributes. The body is copied only
/// when there is such a member to drop.
fn without_schemas_in_extension_values<'b>(
    body: &'b Value,
    schema: &ResourceSchema,
) -> Cow<'b, Value> {
    let marked: Vec<usize> = operations_of(body)
        .iter()
        .enumerate()
        .filter(|(_, operation)| {
            extension_value_of(operation, schema)
                .is_some_and(|value| value.keys().any(|k| k.eq_ignore_ascii_case("schemas")))
        })
        .map(|(index, _)| index)
        .collect();
    if marked.is_empty() {
        return Cow::Borrowed(body);
    }
    let mut body = body.clone();
    let mut operations = body
        .as_object_mut()
        .and_then(|o| {
            o.iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
        })
        .and_then(|(_, v)| v.as_array_mut());
    for index in marked {
        let value = operations
            .as_deref_mut()
            .and_then(|operations| operations.get_mut(index))
            .and_then(|operation| operation.as_object_mut())
            .and_then(|o| o.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("value")))
            .and_then(|(_, v)| v.as_object_mut());
        if let Some(value) = value {
            value.retain(|k, _| !k.eq_ignore_ascii_case("schemas"));
        }
    }
    Cow::Owned(body)
}

/// The `Operations` array of a PatchOp body (empty when there is none).
fn operations_of(body: &Value) -> &[Value] {
    body.as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case("Operations")))
        .and_then(|(_, v)| v.as_array())
        .map_or(&[], Vec::as_slice)
}

/// The object value of an operation whose path is a bare extension URN.
fn extension_value_of<'o>(
    operation: &'o Value,
    schema: &ResourceSchema,
) -> Option<&'o serde_json::Map<String, Value>> {
    let path = get_ci(operation, "path")?.as_str()?;
    schema.extension(path)?;
    // The first `value` in member order, the one the copy in the caller is changed in.
    let object = operation.as_object()?;
    let (_, value) = object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("value"))?;
    value.as_object()
}

/// The ServiceProviderConfig document (without `meta`): exactly what this server does.
pub fn service_provider_config_json(limits: &crate::serve::Limits) -> Value {
    let widen = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    ServiceProviderConfig {
        documentation_uri: None,
        patch: true,
        bulk: BulkConfig {
            supported: true,
            max_operations: Some(widen(limits.bulk_max_operations)),
            max_payload_size: Some(widen(limits.max_payload_size)),
        },
        filter: FilterConfig {
            supported: true,
            max_results: Some(widen(limits.max_results)),
        },
        change_password: false,
        sort: true,
        etag: true,
        authentication_schemes: vec![AuthenticationScheme {
            scheme_type: "oauthbearertoken".into(),
            name: "OAuth Bearer Token".into(),
            description: "The token printed by `scimctl serve`, sent as Authorization: Bearer"
                .into(),
            spec_uri: Some("https://www.rfc-editor.org/rfc/rfc6750".into()),
            documentation_uri: None,
            primary: true,
        }],
    }
    .to_json()
}

/// The resource types served (without `meta`).
pub fn resource_types_json() -> Vec<Value> {
    vec![
        builtin::user_resource_type().to_json(),
        builtin::group_resource_type().to_json(),
    ]
}

/// The schemas served (without `meta`).
pub fn schemas_json() -> Vec<Value> {
    vec![
        builtin::user_schema().to_json(),
        builtin::group_schema().to_json(),
        builtin::enterprise_user_schema().to_json(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::model::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
    use serde_json::json;

    /// The shortcut must never change an answer: for every resource it serialises exactly
    /// what the full default projection would.
    fn assert_same_as_projection(resource: Value, schema: &ResourceSchema) {
        let projected =
            serde_json::to_string(&resource::project(&resource, schema, &[], &[])).unwrap();
        assert_eq!(
            default_representation(&resource, schema),
            projected,
            "{resource}"
        );
    }

    #[test]
    fn the_default_representation_is_the_default_projection() {
        let user = user_schema();
        let cases = [
            json!({"schemas": [USER_SCHEMA], "id": "1", "userName": "plain",
                   "name": {"givenName": "A", "familyName": "B"},
                   "emails": [{"value": "a@example.com", "type": "work", "primary": true}],
                   "meta": {"resourceType": "User", "version": "W/\"1\""}}),
            json!({"userName": "secret", "password": "hidden"}),
            json!({"userName": "nulls", "nickName": null}),
            json!({"userName": "empty", "emails": []}),
            json!({"userName": "empty element", "emails": [{}]}),
            json!({"userName": "null element", "emails": [null, {"value": "x@example.com"}]}),
            json!({"userName": "null sub", "name": {"givenName": null}}),
            json!({"userName": "unknown", "x-custom": {"deep": [1, null]}}),
            json!({"userName": "bad ext", ENTERPRISE_USER_SCHEMA: "not an object"}),
            json!({"userName": "empty ext", ENTERPRISE_USER_SCHEMA: {}}),
            json!({"userName": "ext", ENTERPRISE_USER_SCHEMA: {"employeeNumber": "7",
                   "manager": {"value": "2", "displayName": "Boss"}, "extra": null}}),
            json!({"USERNAME": "cased", "Emails": [{"VALUE": "c@example.com"}]}),
        ];
        for resource in cases {
            assert_same_as_projection(resource, user);
        }
        let group = json!({"schemas": [GROUP_SCHEMA], "displayName": "g",
                           "members": [{"value": "1", "$ref": "u/1", "type": "User"}]});
        assert_same_as_projection(group, group_schema());
    }

    #[test]
    fn plain_resources_take_the_shortcut_and_others_do_not() {
        let plain = json!({"userName": "a", "emails": [{"value": "a@example.com"}]});
        assert!(default_projection_keeps_everything(&plain, user_schema()));
        let secret = json!({"userName": "a", "password": "p"});
        assert!(!default_projection_keeps_everything(&secret, user_schema()));
    }

    #[test]
    fn attributes_returned_on_request_only_are_projected_away() {
        let mut schema = user_schema().clone();
        for attribute in &mut schema.core.attributes {
            if attribute.name == "nickName" {
                attribute.returned = Returned::Request;
            }
            if attribute.name == "emails" {
                for sub in &mut attribute.sub_attributes {
                    if sub.name == "type" {
                        sub.returned = Returned::Request;
                    }
                }
            }
        }
        let resource = json!({"userName": "a", "nickName": "n",
                              "emails": [{"value": "a@example.com", "type": "work"}]});
        assert_same_as_projection(resource.clone(), &schema);
        assert_eq!(
            default_representation(&resource, &schema),
            r#"{"userName":"a","emails":[{"value":"a@example.com"}]}"#
        );
    }

    #[test]
    fn write_only_attributes_are_left_out_of_the_default_representation() {
        let shown =
            default_representation(&json!({"userName": "a", "password": "p"}), user_schema());
        assert_eq!(shown, r#"{"userName":"a"}"#);
    }
}
