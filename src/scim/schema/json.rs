//! Schema, resource type and attribute documents (RFC 7643 §6, §7) read from a server's JSON
//! and written back as JSON; an unreadable member is an error with its JSON pointer. It holds
//! no schema of its own.

use serde_json::{Map, Value, json};

use super::{
    AttrType, Attribute, Mutability, ResourceType, Returned, Schema, SchemaExtension, Uniqueness,
};
use crate::scim::model::{RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA};
use crate::scim::resource::get_ci;

/// A schema-describing document that could not be read, with the JSON pointer (RFC 6901) of
/// the offending member, such as `/attributes/3/type`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at `{pointer}`")]
pub struct SchemaError {
    pub pointer: String,
    pub message: String,
}

impl SchemaError {
    fn at(pointer: &str, message: impl Into<String>) -> SchemaError {
        SchemaError {
            pointer: if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer.to_owned()
            },
            message: message.into(),
        }
    }
}

/// Escapes a member name for use in a JSON pointer (RFC 6901 §3).
fn pointer_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Read-only access to one JSON object of a discovery document, remembering where it is so
/// that every error names its JSON pointer. Keys are matched case-insensitively and `null`
/// counts as absent, because servers publish both.
pub(super) struct ObjectReader<'a> {
    map: &'a Map<String, Value>,
    pointer: String,
}

impl<'a> ObjectReader<'a> {
    pub(super) fn new(value: &'a Value, pointer: &str) -> Result<ObjectReader<'a>, SchemaError> {
        match value {
            Value::Object(map) => Ok(ObjectReader {
                map,
                pointer: pointer.to_owned(),
            }),
            other => Err(SchemaError::at(
                pointer,
                format!("expected an object, found {}", json_kind(other)),
            )),
        }
    }

    pub(super) fn member_pointer(&self, key: &str) -> String {
        format!("{}/{}", self.pointer, pointer_token(key))
    }

    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        get_ci(self.map, key).filter(|v| !v.is_null())
    }

    pub(super) fn string(&self, key: &str) -> Result<Option<&'a str>, SchemaError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(SchemaError::at(
                &self.member_pointer(key),
                format!("expected a string, found {}", json_kind(other)),
            )),
        }
    }

    pub(super) fn required_string(&self, key: &str) -> Result<&'a str, SchemaError> {
        self.string(key)?
            .ok_or_else(|| SchemaError::at(&self.member_pointer(key), format!("missing `{key}`")))
    }

    /// A boolean; `"true"`/`"false"` strings are read too since some servers publish them.
    pub(super) fn boolean(&self, key: &str) -> Result<Option<bool>, SchemaError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(other) => Err(SchemaError::at(
                &self.member_pointer(key),
                format!("expected a boolean, found {}", json_kind(other)),
            )),
        }
    }

    /// A non-negative integer; numeric strings are read too since some servers publish them.
    pub(super) fn count(&self, key: &str) -> Result<Option<u64>, SchemaError> {
        let parsed = match self.get(key) {
            None => return Ok(None),
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
            Some(_) => None,
        };
        parsed.map(Some).ok_or_else(|| {
            SchemaError::at(&self.member_pointer(key), "expected a non-negative integer")
        })
    }

    pub(super) fn keyword<T>(
        &self,
        key: &str,
        parse: fn(&str) -> Option<T>,
        allowed: &str,
    ) -> Result<Option<T>, SchemaError> {
        match self.string(key)? {
            None => Ok(None),
            Some(word) => parse(word).map(Some).ok_or_else(|| {
                SchemaError::at(
                    &self.member_pointer(key),
                    format!("unknown {key} `{word}` (expected one of {allowed})"),
                )
            }),
        }
    }

    pub(super) fn strings(&self, key: &str) -> Result<Vec<String>, SchemaError> {
        let Some(value) = self.get(key) else {
            return Ok(Vec::new());
        };
        let items = value.as_array().ok_or_else(|| {
            SchemaError::at(&self.member_pointer(key), "expected an array of strings")
        })?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.as_str().map(str::to_owned).ok_or_else(|| {
                    SchemaError::at(
                        &format!("{}/{i}", self.member_pointer(key)),
                        format!("expected a string, found {}", json_kind(item)),
                    )
                })
            })
            .collect()
    }

    /// The elements of an array member with their pointers; absent means empty.
    pub(super) fn array(&self, key: &str) -> Result<Vec<(String, &'a Value)>, SchemaError> {
        let Some(value) = self.get(key) else {
            return Ok(Vec::new());
        };
        let items = value
            .as_array()
            .ok_or_else(|| SchemaError::at(&self.member_pointer(key), "expected an array"))?;
        let base = self.member_pointer(key);
        Ok(items
            .iter()
            .enumerate()
            .map(|(i, item)| (format!("{base}/{i}"), item))
            .collect())
    }

    pub(super) fn object(&self, key: &str) -> Result<Option<ObjectReader<'a>>, SchemaError> {
        self.get(key)
            .map(|value| ObjectReader::new(value, &self.member_pointer(key)))
            .transpose()
    }
}

/// A short name for the kind of a JSON value, for error messages.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Attribute {
    /// Reads an attribute definition (RFC 7643 §7). Missing characteristics take the §2.2
    /// defaults; unknown keywords are errors naming their pointer. `subAttributes` are read
    /// only on a top-level attribute, since complex attributes cannot nest (§2.3.8).
    fn from_json_at(
        value: &Value,
        pointer: &str,
        top_level: bool,
    ) -> Result<Attribute, SchemaError> {
        let obj = ObjectReader::new(value, pointer)?;
        let name = obj.required_string("name")?;
        let attr_type = obj
            .keyword(
                "type",
                AttrType::from_keyword,
                "string, boolean, decimal, integer, dateTime, binary, reference, complex",
            )?
            .unwrap_or(AttrType::String);
        let mut sub_attributes = Vec::new();
        if top_level {
            for (item_pointer, item) in obj.array("subAttributes")? {
                sub_attributes.push(Attribute::from_json_at(item, &item_pointer, false)?);
            }
        }
        Ok(Attribute {
            name: name.to_owned(),
            attr_type,
            multi_valued: obj.boolean("multiValued")?.unwrap_or(false),
            required: obj.boolean("required")?.unwrap_or(false),
            case_exact: obj.boolean("caseExact")?.unwrap_or(false),
            mutability: obj
                .keyword(
                    "mutability",
                    Mutability::from_keyword,
                    "readOnly, readWrite, immutable, writeOnly",
                )?
                .unwrap_or(Mutability::ReadWrite),
            returned: obj
                .keyword(
                    "returned",
                    Returned::from_keyword,
                    "always, never, default, request",
                )?
                .unwrap_or(Returned::Default),
            uniqueness: obj
                .keyword(
                    "uniqueness",
                    Uniqueness::from_keyword,
                    "none, server, global",
                )?
                .unwrap_or(Uniqueness::None),
            canonical_values: obj.strings("canonicalValues")?,
            reference_types: obj.strings("referenceTypes")?,
            description: obj.string("description")?.unwrap_or_default().to_owned(),
            sub_attributes,
        })
    }

    /// The RFC 7643 §7 representation, every characteristic spelled out.
    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "name": self.name,
            "type": self.attr_type.as_str(),
            "multiValued": self.multi_valued,
            "description": self.description,
            "required": self.required,
        });
        if !self.canonical_values.is_empty() {
            out["canonicalValues"] = json!(self.canonical_values);
        }
        if !self.reference_types.is_empty() {
            out["referenceTypes"] = json!(self.reference_types);
        }
        if self.attr_type == AttrType::Complex {
            out["subAttributes"] = self.sub_attributes.iter().map(Attribute::to_json).collect();
        } else {
            out["caseExact"] = self.case_exact.into();
        }
        out["mutability"] = self.mutability.as_str().into();
        out["returned"] = self.returned.as_str().into();
        out["uniqueness"] = self.uniqueness.as_str().into();
        out
    }
}

impl Schema {
    /// Reads a schema document as a server's `/Schemas` endpoint publishes it (RFC 7643 §7).
    pub fn from_json(value: &Value) -> Result<Schema, SchemaError> {
        let obj = ObjectReader::new(value, "")?;
        let mut attributes = Vec::new();
        for (pointer, item) in obj.array("attributes")? {
            attributes.push(Attribute::from_json_at(item, &pointer, true)?);
        }
        Ok(Schema {
            id: obj.required_string("id")?.to_owned(),
            name: obj.string("name")?.unwrap_or_default().to_owned(),
            description: obj.string("description")?.unwrap_or_default().to_owned(),
            attributes,
        })
    }

    /// The RFC 7643 §7 representation, without `meta` (its `location` depends on the base URL).
    pub fn to_json(&self) -> Value {
        json!({
            "schemas": [SCHEMA_SCHEMA],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": self.attributes.iter().map(Attribute::to_json).collect::<Vec<_>>(),
        })
    }
}

impl ResourceType {
    /// Reads a resource type document (RFC 7643 §6). A missing `id` defaults to the `name`; the
    /// `endpoint` is read as the path below the base URL however it is written.
    pub fn from_json(value: &Value) -> Result<ResourceType, SchemaError> {
        let obj = ObjectReader::new(value, "")?;
        let name = obj.required_string("name")?;
        let mut schema_extensions = Vec::new();
        for (pointer, item) in obj.array("schemaExtensions")? {
            let ext = ObjectReader::new(item, &pointer)?;
            schema_extensions.push(SchemaExtension {
                schema: ext.required_string("schema")?.to_owned(),
                required: ext.boolean("required")?.unwrap_or(false),
            });
        }
        Ok(ResourceType {
            id: obj.string("id")?.unwrap_or(name).to_owned(),
            name: name.to_owned(),
            description: obj.string("description")?.unwrap_or_default().to_owned(),
            endpoint: endpoint_below_base(obj.required_string("endpoint")?),
            schema: obj.required_string("schema")?.to_owned(),
            schema_extensions,
        })
    }

    /// The RFC 7643 §6 representation, without `meta`.
    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "endpoint": self.endpoint,
            "schema": self.schema,
        });
        if !self.schema_extensions.is_empty() {
            out["schemaExtensions"] = self
                .schema_extensions
                .iter()
                .map(|e| json!({"schema": e.schema, "required": e.required}))
                .collect();
        }
        out
    }
}

/// A resource type's `endpoint` as a path below the base URL (`/Users`). RFC 7643 §6 makes it
/// "relative to the Base URL of the service provider, e.g., "Users"", and servers write it as
/// `Users`, `/Users` or the full path `/scim/v2/Users`: each names the segment after the base.
fn endpoint_below_base(endpoint: &str) -> String {
    let segment = endpoint
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    format!("/{segment}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schema::{ResourceSchema, ServiceProviderConfig, builtin};

    #[test]
    fn an_endpoint_is_read_as_the_segment_below_the_base_url() {
        for written in [
            "/Users",
            "Users",
            "/scim/v2/Users",
            "https://example.com/scim/v2/Users/",
        ] {
            assert_eq!(endpoint_below_base(written), "/Users", "{written}");
        }
    }

    #[test]
    fn builtin_schemas_survive_a_json_round_trip() {
        for schema in [
            builtin::user_schema(),
            builtin::group_schema(),
            builtin::enterprise_user_schema(),
        ] {
            assert_eq!(Schema::from_json(&schema.to_json()), Ok(schema));
        }
        for rt in [
            builtin::user_resource_type(),
            builtin::group_resource_type(),
        ] {
            assert_eq!(ResourceType::from_json(&rt.to_json()), Ok(rt));
        }
    }

    #[test]
    fn a_resource_schema_is_assembled_from_discovery_documents() {
        let schemas = [builtin::enterprise_user_schema(), builtin::user_schema()];
        assert_eq!(
            ResourceSchema::for_resource_type(&builtin::user_resource_type(), &schemas),
            Some(ResourceSchema::user())
        );
        assert_eq!(
            ResourceSchema::for_resource_type(&builtin::group_resource_type(), &schemas),
            None
        );
    }

    #[test]
    fn missing_characteristics_take_the_rfc_defaults() {
        let schema = Schema::from_json(&json!({
            "id": "urn:example:Thing",
            "attributes": [{"name": "colour", "multiValued": null}]
        }));
        let colour = schema.as_ref().ok().and_then(|s| s.attribute("colour"));
        assert_eq!(colour, Some(&Attribute::new("colour", AttrType::String)));
    }

    #[test]
    fn an_unknown_type_is_reported_with_its_json_pointer() {
        let doc = json!({
            "id": "urn:example:Thing",
            "attributes": [
                {"name": "a"}, {"name": "b"}, {"name": "c"},
                {"name": "d", "type": "text"}
            ]
        });
        let err = Schema::from_json(&doc).err();
        assert_eq!(
            err.as_ref().map(|e| e.pointer.as_str()),
            Some("/attributes/3/type")
        );
        assert!(err.is_some_and(|e| e.message.contains("`text`")));

        let nested = json!({"id": "x", "attributes": [
            {"name": "a", "type": "complex", "subAttributes": [{"name": "b", "mutability": "sometimes"}]}
        ]});
        assert_eq!(
            Schema::from_json(&nested).err().map(|e| e.pointer),
            Some("/attributes/0/subAttributes/0/mutability".to_owned())
        );
    }

    #[test]
    fn schema_parsing_rejects_non_objects_without_panicking() {
        for doc in [json!(null), json!([1, 2]), json!("User"), json!({"id": 7})] {
            assert!(Schema::from_json(&doc).is_err());
            assert!(ResourceType::from_json(&doc).is_err());
        }
        assert!(ServiceProviderConfig::from_json(&json!(3)).is_err());
    }
}
