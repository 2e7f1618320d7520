//! The server's narrow doorway into the protocol core (`crate::scim`): schemas, filters,
//! attribute paths, write validation, projection and PATCH, with core errors turned into the
//! `ScimError`s the server answers. Pure: no I/O.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::scim::filter::Filter;
use crate::scim::model::{ScimError, ScimType};
use crate::scim::path::{AttrPath, PatchPath};
use crate::scim::schema::{ResourceSchema, Schema};

/// Whether a write body is a new resource (POST) or replaces one (PUT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    Create,
    Replace,
}

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
    SCHEMA.get_or_init(|| placeholder_schema(crate::scim::model::USER_SCHEMA))
}

/// The Group resource schema.
pub fn group_schema() -> &'static ResourceSchema {
    static SCHEMA: OnceLock<ResourceSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| placeholder_schema(crate::scim::model::GROUP_SCHEMA))
}

fn placeholder_schema(urn: &str) -> ResourceSchema {
    ResourceSchema {
        core: Schema {
            id: urn.to_string(),
            name: String::new(),
            description: String::new(),
            attributes: Vec::new(),
        },
        extensions: Vec::new(),
    }
}

/// Parses a `filter` parameter; a bad one is 400 `invalidFilter` (RFC 7644 §3.4.2.2).
pub fn parse_filter(_text: &str) -> Result<Filter, ScimError> {
    Err(ScimError::typed(
        ScimType::InvalidFilter,
        "filters are not supported yet",
    ))
}

/// Evaluates a filter; an operator the attribute does not support is 400 `invalidFilter`.
pub fn filter_matches(
    _filter: &Filter,
    _resource: &Value,
    _schema: &ResourceSchema,
) -> Result<bool, ScimError> {
    Ok(false)
}

/// Parses one attribute path of `attributes`, `excludedAttributes` or `sortBy`.
pub fn parse_attr_path(text: &str) -> Result<AttrPath, ScimError> {
    let (name, sub) = match text.split_once('.') {
        Some((name, sub)) => (name, Some(sub.to_string())),
        None => (text, None),
    };
    Ok(AttrPath {
        urn: None,
        name: name.to_string(),
        sub,
    })
}

/// Parses a PATCH path (RFC 7644 §3.5.2), also used for CSV seed headers.
pub fn parse_patch_path(text: &str) -> Result<PatchPath, ScimError> {
    parse_attr_path(text).map(PatchPath::Attr)
}

/// Checks and normalises a POST/PUT body; readOnly attributes are dropped.
pub fn validate_for_write(
    body: &Value,
    schema: &ResourceSchema,
    _mode: WriteMode,
) -> Result<Validated, ScimError> {
    let Some(object) = body.as_object() else {
        return Err(ScimError::typed(
            ScimType::InvalidSyntax,
            "the body must be a JSON object",
        ));
    };
    let mut resource: Map<String, Value> = object.clone();
    for read_only in ["id", "meta", "groups"] {
        resource.retain(|k, _| !k.eq_ignore_ascii_case(read_only));
    }
    let required = if schema.core.id == crate::scim::model::USER_SCHEMA {
        "userName"
    } else {
        "displayName"
    };
    if !matches!(get_ci(body, required), Some(Value::String(_))) {
        return Err(ScimError::typed(
            ScimType::InvalidValue,
            format!("`{required}` is required"),
        ));
    }
    Ok(Validated {
        resource: Value::Object(resource),
        used_string_booleans: false,
    })
}

/// The representation of `resource` to return (RFC 7644 §3.4.2.5, §3.9).
pub fn project(
    resource: &Value,
    _schema: &ResourceSchema,
    _attributes: &[AttrPath],
    _excluded: &[AttrPath],
) -> Value {
    let mut shown = resource.clone();
    if let Some(object) = shown.as_object_mut() {
        object.retain(|k, _| !k.eq_ignore_ascii_case("password"));
    }
    shown
}

/// Parses a PatchOp body and applies it to `resource`, all operations or none.
pub fn patch(
    _resource: &Value,
    _body: &Value,
    _schema: &ResourceSchema,
) -> Result<Patched, ScimError> {
    Err(ScimError::status(501, "PATCH is not supported yet"))
}

/// Looks a key up in a JSON object case-insensitively (RFC 7643 §2.1).
pub fn get_ci<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// The ServiceProviderConfig, ResourceType and Schema documents, without `meta`.
pub fn service_provider_config_json(limits: &crate::serve::Limits) -> Value {
    serde_json::json!({
        "schemas": [crate::scim::model::SERVICE_PROVIDER_CONFIG_SCHEMA],
        "patch": {"supported": true},
        "bulk": {"supported": true, "maxOperations": limits.bulk_max_operations, "maxPayloadSize": limits.max_payload_size},
        "filter": {"supported": true, "maxResults": limits.max_results},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": [{"type": "oauthbearertoken", "name": "OAuth Bearer Token", "description": "A bearer token in the Authorization header", "primary": true}]
    })
}

/// The resource types served.
pub fn resource_types_json() -> Vec<Value> {
    Vec::new()
}

/// The schemas served.
pub fn schemas_json() -> Vec<Value> {
    Vec::new()
}
