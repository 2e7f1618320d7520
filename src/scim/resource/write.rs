//! A POST or PUT body made a resource to store (RFC 7644 §3.3, §3.5.1): `schemas` checked,
//! attributes normalised, required ones present, immutable ones kept. It neither stores nor
//! projects.

use std::fmt;

use serde_json::{Map, Value};

use super::value::{canonical_key, normalise_value_at};
use super::{Leniency, ValuePath, check_single_primary, get_ci, invalid_value};
use crate::scim::model::{ScimError, ScimType};
use crate::scim::schema::{Attribute, Mutability, ResourceSchema, Schema, json_kind};

/// Which write a body arrives with; a replacement is checked against the stored resource.
#[derive(Debug, Clone, Copy)]
pub enum WriteMode<'a> {
    /// POST (RFC 7644 §3.3).
    Create,
    /// PUT (RFC 7644 §3.5.1) over the resource currently stored.
    Replace { current: &'a Value },
}

/// A leniency applied while normalising a POST/PUT body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteTolerance {
    /// A value was read leniently or a member was ignored.
    Value(Leniency),
    /// `schemas` named a URN that is neither the core schema nor a known extension (Entra
    /// sends a Microsoft URN with groups); it was left out of the stored `schemas`.
    UnknownSchemaIgnored { urn: String },
    /// Extension data was sent without its URN in `schemas` (RFC 7643 §3 asks for it); the
    /// URN was added.
    UndeclaredExtension { urn: String },
}

impl fmt::Display for WriteTolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteTolerance::Value(leniency) => leniency.fmt(f),
            WriteTolerance::UnknownSchemaIgnored { urn } => {
                write!(f, "`schemas`: unknown schema `{urn}` ignored")
            }
            WriteTolerance::UndeclaredExtension { urn } => {
                write!(
                    f,
                    "`schemas`: extension `{urn}` has data but was not listed; added"
                )
            }
        }
    }
}

/// The resource a server should store from a write, and the leniencies needed to read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated {
    pub resource: Value,
    pub tolerances: Vec<WriteTolerance>,
}

/// Checks a POST or PUT body and returns the normalised resource to store.
///
/// - `schemas` must be an array naming the core schema. A body without it does not conform
///   to the request schema, so it is `invalidSyntax` (RFC 7644 §3.12), as is a non-object.
/// - Values are type-checked (`invalidValue`, naming the attribute path) and their keys take
///   the schema's spelling, so `USERNAME` is stored as `userName`.
/// - readOnly attributes (`id`, `meta`, `groups`, ...) are dropped: RFC 7644 §3.3 and §3.5.1
///   say the server ignores them, and Okta PUTs back whole fetched objects.
/// - Attributes the schema does not define are dropped and reported, so that the store only
///   ever holds what the schema describes (and what `/Schemas` therefore advertises).
/// - `null` and `[]` are no value (RFC 7643 §2.5); required attributes must have one.
/// - At most one `primary: true` per multi-valued attribute (RFC 7643 §2.4).
/// - On replace, immutable attributes that have a value must keep it (RFC 7644 §3.5.1,
///   `mutability`); immutable and writeOnly values the body omits are carried over, because
///   a client that PUTs back what it read cannot know a writeOnly value such as `password`.
pub fn validate_for_write(
    body: &Value,
    schema: &ResourceSchema,
    mode: WriteMode<'_>,
) -> Result<Validated, ScimError> {
    validate_owned_for_write(body.clone(), schema, mode)
}

/// [`validate_for_write`] on a body it may take apart: the values kept are moved into the
/// resource instead of copied.
pub fn validate_owned_for_write(
    body: Value,
    schema: &ResourceSchema,
    mode: WriteMode<'_>,
) -> Result<Validated, ScimError> {
    let members = match body {
        Value::Object(members) => members,
        other => {
            return Err(ScimError::typed(
                ScimType::InvalidSyntax,
                format!(
                    "the resource must be a JSON object, found {}",
                    json_kind(&other)
                ),
            ));
        }
    };
    let listed = listed_schemas(&members, schema)?;
    let mut tolerances: Vec<WriteTolerance> = listed
        .unknown
        .into_iter()
        .map(|urn| WriteTolerance::UnknownSchemaIgnored { urn })
        .collect();
    let mut leniencies = Vec::new();
    // The core attributes go straight into the map that is returned, after a `schemas` slot
    // filled in at the end: moving them into a second map would hash every key again.
    let mut resource = Map::with_capacity(members.len() + 1);
    resource.insert("schemas".to_owned(), Value::Null);
    let mut extension_objects: Vec<(&Schema, Map<String, Value>)> = Vec::new();

    for (key, value) in members {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(attribute) = schema
            .core_attributes()
            .find(|a| a.name.eq_ignore_ascii_case(&key))
        {
            store_attribute(
                &mut resource,
                attribute,
                canonical_key(key, &attribute.name),
                value,
                ValuePath::Text(&attribute.name),
                &mut leniencies,
            )?;
            continue;
        }
        let Some(extension) = schema.extension(&key) else {
            leniencies.push(Leniency::UnknownAttributeIgnored { path: key });
            continue;
        };
        if let Some(stored) = extension_value(extension, value, &mut leniencies)? {
            extension_objects.push((extension, stored));
        }
    }

    if let WriteMode::Replace { current } = mode {
        keep_fixed_values(&mut resource, current, schema.core_attributes(), "")?;
        keep_fixed_extension_values(&mut extension_objects, current, schema)?;
    }

    check_required(&resource, schema.core_attributes(), "")?;
    let mut schemas = vec![Value::String(schema.core.id.clone())];
    let mut extension_members = Vec::new();
    for (extension, stored) in extension_objects {
        if stored.is_empty() {
            continue;
        }
        check_required(
            &stored,
            extension.attributes.iter(),
            &format!("{}:", extension.id),
        )?;
        if !listed.extensions.iter().any(|urn| urn == &extension.id) {
            tolerances.push(WriteTolerance::UndeclaredExtension {
                urn: extension.id.clone(),
            });
        }
        schemas.push(Value::String(extension.id.clone()));
        extension_members.push((extension.id.clone(), Value::Object(stored)));
    }
    if let Some(slot) = resource.get_mut("schemas") {
        *slot = Value::Array(schemas);
    }
    resource.extend(extension_members);
    tolerances.extend(leniencies.into_iter().map(WriteTolerance::Value));
    Ok(Validated {
        resource: Value::Object(resource),
        tolerances,
    })
}

/// An extension's object of a write body, each attribute normalised; `None` for `null`.
fn extension_value(
    extension: &Schema,
    value: Value,
    leniencies: &mut Vec<Leniency>,
) -> Result<Option<Map<String, Value>>, ScimError> {
    let inner = match value {
        Value::Null => return Ok(None),
        Value::Object(inner) => inner,
        other => {
            return Err(invalid_value(
                &extension.id,
                format!("expected an object, found {}", json_kind(&other)),
            ));
        }
    };
    let mut stored = Map::with_capacity(inner.len());
    for (inner_key, inner_value) in inner {
        let path = ValuePath::Extension(&extension.id, &inner_key);
        match extension.attribute(&inner_key) {
            Some(attribute) => store_attribute(
                &mut stored,
                attribute,
                attribute.name.clone(),
                inner_value,
                path,
                leniencies,
            )?,
            None => leniencies.push(Leniency::UnknownAttributeIgnored {
                path: path.to_string(),
            }),
        }
    }
    Ok(Some(stored))
}

/// [`keep_fixed_values`] for each extension the current resource holds, adding an empty
/// object for one the body left out.
fn keep_fixed_extension_values<'s>(
    extension_objects: &mut Vec<(&'s Schema, Map<String, Value>)>,
    current: &Value,
    schema: &'s ResourceSchema,
) -> Result<(), ScimError> {
    for extension in &schema.extensions {
        let Some(current_ext) = current.as_object().and_then(|m| get_ci(m, &extension.id)) else {
            continue;
        };
        let index = match extension_objects
            .iter()
            .position(|(s, _)| s.id == extension.id)
        {
            Some(index) => index,
            None => {
                extension_objects.push((extension, Map::new()));
                extension_objects.len() - 1
            }
        };
        if let Some((_, stored)) = extension_objects.get_mut(index) {
            let prefix = format!("{}:", extension.id);
            keep_fixed_values(stored, current_ext, extension.attributes.iter(), &prefix)?;
        }
    }
    Ok(())
}

/// The URNs of a body's `schemas`, split into known extensions (canonical spelling) and
/// unknown ones, after checking that the core schema is listed.
struct ListedSchemas {
    extensions: Vec<String>,
    unknown: Vec<String>,
}

fn listed_schemas(
    members: &Map<String, Value>,
    schema: &ResourceSchema,
) -> Result<ListedSchemas, ScimError> {
    let syntax = |detail: String| ScimError::typed(ScimType::InvalidSyntax, detail);
    let urns = match get_ci(members, "schemas") {
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(syntax(format!(
                "`schemas` must be an array of schema URNs, found {}",
                json_kind(other)
            )));
        }
        None => {
            return Err(syntax(format!(
                "`schemas` is missing; it must list `{}` (RFC 7643 §3)",
                schema.core.id
            )));
        }
    };
    let mut listed = ListedSchemas {
        extensions: Vec::new(),
        unknown: Vec::new(),
    };
    let mut has_core = false;
    for (i, urn) in urns.iter().enumerate() {
        let urn = urn.as_str().ok_or_else(|| {
            syntax(format!(
                "`schemas[{i}]` must be a string, found {}",
                json_kind(urn)
            ))
        })?;
        match schema.schema(urn) {
            Some(found) if std::ptr::eq(found, &schema.core) => has_core = true,
            Some(found) => listed.extensions.push(found.id.clone()),
            None => listed.unknown.push(urn.to_owned()),
        }
    }
    if !has_core {
        return Err(syntax(format!(
            "`schemas` does not list the core schema `{}` (RFC 7643 §3)",
            schema.core.id
        )));
    }
    Ok(listed)
}

/// Normalises one attribute of a write body into `target` under `name`, its canonical name;
/// readOnly attributes are ignored (RFC 7644 §3.3) and unassigned values leave no key.
fn store_attribute(
    target: &mut Map<String, Value>,
    attribute: &Attribute,
    name: String,
    value: Value,
    path: ValuePath<'_>,
    leniencies: &mut Vec<Leniency>,
) -> Result<(), ScimError> {
    if attribute.mutability == Mutability::ReadOnly {
        return Ok(());
    }
    if let Some(normalised) = normalise_value_at(attribute, value, path, leniencies)? {
        check_single_primary(attribute, &normalised, path)?;
        target.insert(name, normalised);
    }
    Ok(())
}

/// For PUT: an immutable value that is set must not change; immutable and writeOnly values
/// the body omits are carried over from the current resource.
fn keep_fixed_values<'s>(
    stored: &mut Map<String, Value>,
    current: &Value,
    attributes: impl Iterator<Item = &'s Attribute>,
    prefix: &str,
) -> Result<(), ScimError> {
    let Some(current) = current.as_object() else {
        return Ok(());
    };
    for attribute in attributes {
        if !matches!(
            attribute.mutability,
            Mutability::Immutable | Mutability::WriteOnly
        ) {
            continue;
        }
        let Some(old) = get_ci(current, &attribute.name).filter(|v| !v.is_null()) else {
            continue;
        };
        match stored.get(&attribute.name) {
            None => {
                stored.insert(attribute.name.clone(), old.clone());
            }
            Some(new) if attribute.mutability == Mutability::Immutable && new != old => {
                return Err(ScimError::typed(
                    ScimType::Mutability,
                    format!(
                        "`{prefix}{}` is immutable and already set; a replacement must keep its value (RFC 7644 §3.5.1)",
                        attribute.name
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn check_required<'s>(
    stored: &Map<String, Value>,
    attributes: impl Iterator<Item = &'s Attribute>,
    prefix: &str,
) -> Result<(), ScimError> {
    for attribute in attributes {
        if !attribute.required || attribute.mutability == Mutability::ReadOnly {
            continue;
        }
        let present = stored
            .get(&attribute.name)
            .is_some_and(|v| v.as_str() != Some(""));
        if !present {
            return Err(ScimError::typed(
                ScimType::InvalidValue,
                format!("`{prefix}{}` is required", attribute.name),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::model::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
    use serde_json::json;

    fn create(body: Value) -> Result<Validated, ScimError> {
        validate_for_write(&body, &ResourceSchema::user(), WriteMode::Create)
    }

    fn error_of(result: Result<Validated, ScimError>) -> (Option<ScimType>, String) {
        match result {
            Ok(v) => panic!("expected an error, got {}", v.resource),
            Err(e) => (e.scim_type, e.detail),
        }
    }

    #[test]
    fn okta_create_body_is_normalised_for_storage() {
        let validated = create(json!({
            "schemas": [USER_SCHEMA],
            "USERNAME": "test.user@okta.local",
            "name": {"givenName": "Test", "FamilyName": "User"},
            "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
            "id": "client-chosen",
            "groups": [],
            "password": "1mz050nq",
            "active": true,
            "meta": {"resourceType": "User"}
        }));
        assert_eq!(
            validated.map(|v| (v.resource, v.tolerances)),
            Ok((
                json!({
                    "schemas": [USER_SCHEMA],
                    "userName": "test.user@okta.local",
                    "name": {"givenName": "Test", "familyName": "User"},
                    "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
                    "password": "1mz050nq",
                    "active": true
                }),
                vec![]
            ))
        );
    }

    #[test]
    fn entra_create_body_keeps_its_extension_and_drops_client_meta() {
        let validated = create(json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
            "active": true,
            "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
            "roles": [],
            "nickName": null,
            ENTERPRISE_USER_SCHEMA: {"department": "Sales"}
        }));
        assert_eq!(
            validated.map(|v| (v.resource, v.tolerances)),
            Ok((
                json!({
                    "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
                    "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
                    "active": true,
                    "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
                    "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
                    ENTERPRISE_USER_SCHEMA: {"department": "Sales"}
                }),
                vec![]
            ))
        );
    }

    #[test]
    fn missing_or_wrong_schemas_are_invalid_syntax() {
        for body in [
            json!({"userName": "a"}),
            json!({"schemas": USER_SCHEMA, "userName": "a"}),
            json!({"schemas": [GROUP_SCHEMA], "userName": "a"}),
            json!("not an object"),
        ] {
            assert_eq!(error_of(create(body)).0, Some(ScimType::InvalidSyntax));
        }
    }

    #[test]
    fn required_attributes_must_have_a_value() {
        for body in [
            json!({"schemas": [USER_SCHEMA]}),
            json!({"schemas": [USER_SCHEMA], "userName": null}),
            json!({"schemas": [USER_SCHEMA], "userName": ""}),
        ] {
            let (scim_type, detail) = error_of(create(body));
            assert_eq!(scim_type, Some(ScimType::InvalidValue));
            assert!(detail.contains("`userName` is required"), "{detail}");
        }
    }

    #[test]
    fn wrong_types_name_the_attribute_path() {
        let cases = [
            (json!({"active": 1}), "`active`"),
            (json!({"name": {"givenName": false}}), "`name.givenName`"),
            (json!({"emails": {"value": "a@b.c"}}), "`emails`"),
            (
                json!({"emails": [{"value": "a@b.c"}, {"value": 3}]}),
                "`emails[1].value`",
            ),
            (
                json!({"x509Certificates": [{"value": "not base64!"}]}),
                "`x509Certificates[0].value`",
            ),
            (
                json!({ENTERPRISE_USER_SCHEMA: {"manager": "boss"}}),
                "`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`",
            ),
        ];
        for (extra, named) in cases {
            let mut body = json!({"schemas": [USER_SCHEMA], "userName": "a"});
            if let (Some(target), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
                target.extend(extra.clone());
            }
            let (scim_type, detail) = error_of(create(body));
            assert_eq!(scim_type, Some(ScimType::InvalidValue), "{detail}");
            assert!(detail.contains(named), "{detail} should name {named}");
        }
    }

    #[test]
    fn string_booleans_are_accepted_and_reported() {
        let validated = create(json!({
            "schemas": [USER_SCHEMA], "userName": "a", "active": "False",
            "roles": [{"value": "admin", "primary": "True"}]
        }));
        let (resource, tolerances) = validated
            .map(|v| (v.resource, v.tolerances))
            .unwrap_or_default();
        assert_eq!(resource["active"], json!(false));
        assert_eq!(
            resource["roles"],
            json!([{"value": "admin", "primary": true}])
        );
        let shown: Vec<String> = tolerances.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "`active`: read the string \"False\" as a boolean",
                "`roles[0].primary`: read the string \"True\" as a boolean"
            ]
        );
    }

    #[test]
    fn two_primaries_are_invalid_value() {
        let (scim_type, detail) = error_of(create(json!({
            "schemas": [USER_SCHEMA], "userName": "a",
            "emails": [{"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}]
        })));
        assert_eq!(scim_type, Some(ScimType::InvalidValue));
        assert!(detail.contains("at most one"), "{detail}");
    }

    #[test]
    fn unknown_attributes_and_schemas_are_dropped_and_reported() {
        let body = json!({
            "schemas": [GROUP_SCHEMA, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "displayName": "displayName",
            "externalId": "8aa1a0c0",
            "colour": "blue",
            "members": [{"value": "u1", "$ref": null, "nickname": "x"}],
            "meta": {"resourceType": "Group"}
        });
        let validated = validate_for_write(&body, &ResourceSchema::group(), WriteMode::Create);
        let (resource, tolerances) = validated
            .map(|v| (v.resource, v.tolerances))
            .unwrap_or_default();
        assert_eq!(
            resource,
            json!({
                "schemas": [GROUP_SCHEMA],
                "displayName": "displayName",
                "externalId": "8aa1a0c0",
                "members": [{"value": "u1"}]
            })
        );
        let shown: Vec<String> = tolerances.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "`schemas`: unknown schema `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group` ignored",
                "`colour`: not defined by the schema; ignored",
                "`members[0].nickname`: not defined by the schema; ignored",
            ]
        );
    }

    #[test]
    fn extension_data_is_kept_and_its_urn_listed() {
        let validated = create(json!({
            "schemas": [USER_SCHEMA],
            "userName": "a",
            ENTERPRISE_USER_SCHEMA: {"Department": "Tour", "manager": {"value": "26118915", "displayName": "ignored"}}
        }));
        let (resource, tolerances) = validated
            .map(|v| (v.resource, v.tolerances))
            .unwrap_or_default();
        assert_eq!(
            resource,
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "userName": "a",
                ENTERPRISE_USER_SCHEMA: {"department": "Tour", "manager": {"value": "26118915"}}
            })
        );
        assert_eq!(
            tolerances,
            [WriteTolerance::UndeclaredExtension {
                urn: ENTERPRISE_USER_SCHEMA.to_owned()
            }]
        );
    }

    #[test]
    fn replace_keeps_write_only_values_and_protects_immutable_ones() {
        let mut schema = ResourceSchema::user();
        if let Some(external_id) = schema
            .core
            .attributes
            .iter_mut()
            .find(|a| a.name == "userName")
        {
            external_id.mutability = Mutability::Immutable;
        }
        let current =
            json!({"schemas": [USER_SCHEMA], "id": "1", "userName": "a", "password": "secret"});
        let put = |body: Value| {
            validate_for_write(&body, &schema, WriteMode::Replace { current: &current })
                .map(|v| v.resource)
        };
        assert_eq!(
            put(json!({"schemas": [USER_SCHEMA], "userName": "a", "displayName": "A"})),
            Ok(
                json!({"schemas": [USER_SCHEMA], "userName": "a", "displayName": "A", "password": "secret"})
            )
        );
        assert_eq!(
            put(json!({"schemas": [USER_SCHEMA], "userName": "b"})).map_err(|e| e.scim_type),
            Err(Some(ScimType::Mutability))
        );
    }
}
