//! Lint of a resource (RFC 7643 §3): `schemas`, required attributes, unknown attributes,
//! extensions under their URN keys, readOnly attributes in a body and never-returned ones in an
//! answer, and every value by its schema. It reports only: a resource is neither normalised nor
//! stored here, which is the server's reader's job ([`crate::scim::resource`]).

use serde_json::{Map, Value};

use super::values::{Source, check_value, described};
use crate::findings::{Deviation, Finding, Pointer};
use crate::scim::resource::{get_ci, is_assigned};
use crate::scim::schema::{
    Attribute, Mutability, ResourceSchema, Returned, Schema, common_attribute,
};
use crate::scim::suggest::did_you_mean;

/// Lints a resource on its own, as a client would send it.
pub(super) fn lint_request_body(
    object: &Map<String, Value>,
    schema: &ResourceSchema,
    out: &mut Vec<Finding>,
) {
    lint_resource(object, &Pointer::root(), schema, Source::Request, out);
}

/// Lints a resource on its own, as a server answers with it.
pub(super) fn lint_response_body(
    object: &Map<String, Value>,
    schema: &ResourceSchema,
    out: &mut Vec<Finding>,
) {
    lint_resource(object, &Pointer::root(), schema, Source::Response, out);
}

/// Lints the resource `object` found at `pointer`.
pub(super) fn lint_resource(
    object: &Map<String, Value>,
    pointer: &Pointer,
    schema: &ResourceSchema,
    source: Source,
    out: &mut Vec<Finding>,
) {
    let listed = check_schemas(object, pointer, schema, out);
    check_required(object, pointer, &schema.core, out);
    for (key, value) in object {
        let at = pointer.key(key);
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(extension) = schema.extension(key) {
            check_extension(extension, value, &at, &listed, source, out);
            continue;
        }
        if let Some(attribute) = schema.core.attribute(key).or_else(|| common_attribute(key)) {
            check_attribute(attribute, value, &at, source, out);
            continue;
        }
        if let Some(owner) = schema
            .extensions
            .iter()
            .find(|s| s.attribute(key).is_some())
        {
            out.push(Finding::at(
                Deviation::ExtensionAttributeOutsideUrn,
                &at,
                format!(
                    "`{key}` is an attribute of `{}` and belongs under that key",
                    owner.id
                ),
            ));
            continue;
        }
        let known: Vec<&str> = schema
            .core_attributes()
            .map(|a| a.name.as_str())
            .chain(schema.extensions.iter().map(|s| s.id.as_str()))
            .collect();
        out.push(Finding::at(
            Deviation::AttributeUnknown,
            &at,
            format!(
                "no schema of the resource type defines `{key}`{}",
                did_you_mean(key, &known)
            ),
        ));
    }
}

/// Checks `schemas` and returns the URNs it lists.
fn check_schemas(
    object: &Map<String, Value>,
    pointer: &Pointer,
    schema: &ResourceSchema,
    out: &mut Vec<Finding>,
) -> Vec<String> {
    let at = pointer.key("schemas");
    let core = &schema.core.id;
    let urns = match get_ci(object, "schemas") {
        None | Some(Value::Null) => {
            out.push(Finding::at(
                Deviation::SchemasMissing,
                &at,
                format!("no `schemas`; this resource would list `{core}`"),
            ));
            return Vec::new();
        }
        Some(Value::Array(items)) => items,
        Some(other) => {
            out.push(Finding::at(
                Deviation::TypeMismatch,
                &at,
                format!("`schemas` is {}, not an array of URNs", described(other)),
            ));
            return Vec::new();
        }
    };
    let mut listed = Vec::new();
    for (index, item) in urns.iter().enumerate() {
        let Some(urn) = item.as_str() else {
            out.push(Finding::at(
                Deviation::TypeMismatch,
                &at.index(index),
                format!("{} in `schemas`, which lists URNs", described(item)),
            ));
            continue;
        };
        if schema.schema(urn).is_none() {
            out.push(Finding::at(
                Deviation::SchemasUnknownUrn,
                &at.index(index),
                format!("`{urn}` is not a schema of this resource type"),
            ));
        }
        listed.push(urn.to_owned());
    }
    if !listed.iter().any(|urn| urn.eq_ignore_ascii_case(core)) {
        out.push(Finding::at(
            Deviation::SchemasMissing,
            &at,
            format!("`schemas` does not list the core schema `{core}`"),
        ));
    }
    listed
}

/// Required attributes of `schema` with no value in `object`.
fn check_required(
    object: &Map<String, Value>,
    pointer: &Pointer,
    schema: &Schema,
    out: &mut Vec<Finding>,
) {
    for attribute in schema.attributes.iter().filter(|a| a.required) {
        if get_ci(object, &attribute.name).is_none_or(|value| !is_assigned(value)) {
            out.push(Finding::at(
                Deviation::RequiredMissing,
                &pointer.key(&attribute.name),
                format!("no `{}`, which `{}` requires", attribute.name, schema.id),
            ));
        }
    }
}

/// An extension's object: declared in `schemas`, an object, with known attributes.
fn check_extension(
    extension: &Schema,
    value: &Value,
    at: &Pointer,
    listed: &[String],
    source: Source,
    out: &mut Vec<Finding>,
) {
    if !is_assigned(value) {
        return;
    }
    if !listed
        .iter()
        .any(|urn| urn.eq_ignore_ascii_case(&extension.id))
    {
        out.push(Finding::at(
            Deviation::ExtensionUndeclared,
            at,
            format!(
                "attributes of `{}`, which `schemas` does not list",
                extension.id
            ),
        ));
    }
    let Some(members) = extension_members(extension, value, at, out) else {
        return;
    };
    check_required(members, at, extension, out);
    for (name, member) in members {
        let member_at = at.key(name);
        match extension.attribute(name) {
            Some(attribute) => check_attribute(attribute, member, &member_at, source, out),
            None => out.push(unknown_in_extension(extension, name, &member_at)),
        }
    }
}

/// The attributes of an extension given as one object (under its URN key, or as the value of a
/// URN-only PATCH path); `None`, with a finding, when the value is not an object.
pub(super) fn extension_members<'v>(
    extension: &Schema,
    value: &'v Value,
    at: &Pointer,
    out: &mut Vec<Finding>,
) -> Option<&'v Map<String, Value>> {
    if let Value::Object(members) = value {
        return Some(members);
    }
    out.push(Finding::at(
        Deviation::TypeMismatch,
        at,
        format!(
            "{} for the extension `{}`, which takes an object",
            described(value),
            extension.id
        ),
    ));
    None
}

/// A member `name` of an extension object that the extension does not define.
pub(super) fn unknown_in_extension(extension: &Schema, name: &str, at: &Pointer) -> Finding {
    Finding::at(
        Deviation::AttributeUnknown,
        at,
        format!(
            "`{}` defines no `{name}`{}",
            extension.id,
            did_you_mean(name, &extension.attribute_names())
        ),
    )
}

/// A top-level attribute: its mutability or `returned` for the source, then its value.
fn check_attribute(
    attribute: &Attribute,
    value: &Value,
    at: &Pointer,
    source: Source,
    out: &mut Vec<Finding>,
) {
    let is_common = common_attribute(&attribute.name).is_some();
    if source == Source::Request
        && attribute.mutability == Mutability::ReadOnly
        && !is_common
        && is_assigned(value)
    {
        out.push(Finding::at(
            Deviation::ReadOnlyIgnored,
            at,
            format!(
                "`{}` is readOnly: a server ignores it in a POST or PUT",
                attribute.name
            ),
        ));
    }
    if source == Source::Response && attribute.returned == Returned::Never && is_assigned(value) {
        out.push(Finding::at(
            Deviation::ReturnedNeverPresent,
            at,
            format!(
                "`{}` in an answer, though it is never returned",
                attribute.name
            ),
        ));
    }
    check_value(attribute, value, at, source, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::model::{ENTERPRISE_USER_SCHEMA, USER_SCHEMA};
    use serde_json::json;

    fn keys(resource: Value, source: Source) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        lint_resource(
            resource.as_object().expect("object"),
            &Pointer::root(),
            &ResourceSchema::user(),
            source,
            &mut out,
        );
        out.into_iter()
            .map(|f| (f.location.to_string(), f.deviation.key()))
            .collect()
    }

    #[test]
    fn a_conformant_user_has_no_findings() {
        let user = json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "id": "2819c223",
            "userName": "bjensen",
            "nickname": "Babs",
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            ENTERPRISE_USER_SCHEMA: {"employeeNumber": "701984", "manager": {"value": "26118915"}},
            "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z"}
        });
        assert_eq!(keys(user, Source::Request), []);
    }

    #[test]
    fn schemas_required_and_unknown_attributes_are_each_named() {
        let user = json!({
            "emails": [{"value": "b@example.com"}],
            "usrName": "bjensen",
            "employeeNumber": "701984",
            ENTERPRISE_USER_SCHEMA: {"department": "Tour"},
            "groups": [{"value": "g1"}]
        });
        assert_eq!(
            keys(user, Source::Request),
            [
                ("/schemas".to_owned(), "schemas-missing"),
                ("/userName".to_owned(), "required-missing"),
                ("/usrName".to_owned(), "attribute-unknown"),
                (
                    "/employeeNumber".to_owned(),
                    "extension-attribute-outside-urn"
                ),
                (format!("/{ENTERPRISE_USER_SCHEMA}"), "extension-undeclared"),
                ("/groups".to_owned(), "read-only-ignored"),
            ]
        );
    }

    #[test]
    fn an_answer_must_not_carry_a_password_and_a_request_may() {
        let user = json!({"schemas": [USER_SCHEMA], "userName": "b", "password": "secret"});
        assert_eq!(keys(user.clone(), Source::Request), []);
        assert_eq!(
            keys(user, Source::Response),
            [("/password".to_owned(), "returned-never-present")]
        );
    }

    #[test]
    fn an_extension_must_be_an_object_of_its_own_attributes() {
        let seen = |extension: Value| {
            let user = json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "userName": "b",
                ENTERPRISE_USER_SCHEMA: extension
            });
            let mut out = Vec::new();
            lint_resource(
                user.as_object().expect("object"),
                &Pointer::root(),
                &ResourceSchema::user(),
                Source::Request,
                &mut out,
            );
            out.into_iter()
                .map(|f| (f.deviation.key(), f.seen))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            seen(json!("701984")),
            [(
                "type-mismatch",
                format!(
                    "the string \"701984\" for the extension `{ENTERPRISE_USER_SCHEMA}`, which \
                     takes an object"
                )
            )]
        );
        assert_eq!(
            seen(json!({"employeNumber": "701984"})),
            [(
                "attribute-unknown",
                format!(
                    "`{ENTERPRISE_USER_SCHEMA}` defines no `employeNumber`; did you mean \
                     `employeeNumber`?"
                )
            )]
        );
    }

    #[test]
    fn a_foreign_urn_in_schemas_is_named_with_its_position() {
        let group_urn = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
        let user = json!({"schemas": [USER_SCHEMA, group_urn], "userName": "b"});
        assert_eq!(
            keys(user, Source::Request),
            [("/schemas/1".to_owned(), "schemas-unknown-urn")]
        );
    }
}
