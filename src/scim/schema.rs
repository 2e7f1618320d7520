//! The schema model (RFC 7643 §2, §7): attribute characteristics, schemas, resource types and
//! the service provider configuration, with the RFC's core schemas built in and a parser for
//! a server's own `/Schemas`, `/ResourceTypes` and `/ServiceProviderConfig` documents.
//!
//! The common attributes `id`, `externalId` and `meta` (RFC 7643 §3.1) are kept apart from the
//! schemas, as the RFC's listings keep them, and [`ResourceSchema::resolve`] consults them for
//! every resource type. Pure: serde_json and std only.

use std::fmt;
use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use crate::scim::model::{
    ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA,
    SERVICE_PROVIDER_CONFIG_SCHEMA, USER_SCHEMA,
};
use crate::scim::resource::get_ci;

/// An attribute's data type (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

/// RFC 7643 §2.2 `mutability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

/// RFC 7643 §2.2 `returned`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

/// RFC 7643 §2.2 `uniqueness`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

/// One attribute definition with its characteristics. Defaults are those of RFC 7643 §2.2.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub attr_type: AttrType,
    pub multi_valued: bool,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub canonical_values: Vec<String>,
    pub reference_types: Vec<String>,
    pub description: String,
    /// Only for `Complex` attributes.
    pub sub_attributes: Vec<Attribute>,
}

/// A schema (RFC 7643 §7): `id` is its URN.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub id: String,
    pub name: String,
    pub description: String,
    pub attributes: Vec<Attribute>,
}

/// A schema extension attached to a resource type (RFC 7643 §6).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaExtension {
    pub schema: String,
    pub required: bool,
}

/// A resource type (RFC 7643 §6).
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceType {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The endpoint relative to the base URL, such as `/Users`.
    pub endpoint: String,
    /// The URN of the core schema.
    pub schema: String,
    pub schema_extensions: Vec<SchemaExtension>,
}

/// The schemas that describe one resource type: its core schema and its extensions.
///
/// This is what filter evaluation, PATCH application and projection consult to learn an
/// attribute's type, `caseExact`, `mutability` and `returned` characteristics.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSchema {
    pub core: Schema,
    pub extensions: Vec<Schema>,
}

/// An attribute path resolved against a [`ResourceSchema`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resolved<'a> {
    /// The schema the top-level attribute belongs to.
    pub schema: &'a Schema,
    /// Whether that schema is an extension (its attributes live under a key equal to its URN).
    pub is_extension: bool,
    /// The top-level attribute.
    pub attribute: &'a Attribute,
    /// The sub-attribute, when the path names one.
    pub sub_attribute: Option<&'a Attribute>,
}

impl Resolved<'_> {
    /// The attribute the path designates: the sub-attribute if there is one.
    pub fn target(&self) -> &Attribute {
        self.sub_attribute.unwrap_or(self.attribute)
    }
}

impl Schema {
    /// Looks an attribute up by name, case-insensitively (RFC 7643 §2.1).
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

impl Attribute {
    /// Looks a sub-attribute up by name, case-insensitively.
    pub fn sub_attribute(&self, name: &str) -> Option<&Attribute> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

impl ResourceSchema {
    /// Every schema of the resource type, core first.
    pub fn schemas(&self) -> impl Iterator<Item = &Schema> {
        std::iter::once(&self.core).chain(self.extensions.iter())
    }

    /// Finds a schema by URN, case-insensitively.
    pub fn schema(&self, urn: &str) -> Option<&Schema> {
        self.schemas().find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Resolves `[urn:]name[.sub]`.
    ///
    /// An unqualified name is looked up in the core schema (RFC 7644 §3.10: core attributes may
    /// omit their URN), then among the common attributes `id`, `externalId` and `meta`, then
    /// in the extensions. The common attributes belong to every resource (RFC 7643 §3.1) but
    /// appear in no schema's listing, so they resolve as part of the core schema unless a
    /// server-published core schema defines them itself. A URN-only path resolves to nothing:
    /// it names a whole extension object, which callers handle with [`ResourceSchema::schema`].
    pub fn resolve(&self, path: &crate::scim::path::AttrPath) -> Option<Resolved<'_>> {
        let in_core = |name: &str| self.core.attribute(name).or_else(|| common_attribute(name));
        let (schema, attribute) = match &path.urn {
            Some(urn) => {
                let schema = self.schema(urn)?;
                let attribute = if std::ptr::eq(schema, &self.core) {
                    in_core(&path.name)?
                } else {
                    schema.attribute(&path.name)?
                };
                (schema, attribute)
            }
            None => match in_core(&path.name) {
                Some(attribute) => (&self.core, attribute),
                None => self
                    .extensions
                    .iter()
                    .find_map(|s| s.attribute(&path.name).map(|a| (s, a)))?,
            },
        };
        let sub_attribute = match &path.sub {
            Some(sub) => Some(attribute.sub_attribute(sub)?),
            None => None,
        };
        let is_extension = !std::ptr::eq(schema, &self.core);
        Some(Resolved {
            schema,
            is_extension,
            attribute,
            sub_attribute,
        })
    }

    /// Assembles a resource type's schemas from discovery documents: its core schema and the
    /// extensions it lists that `schemas` holds. `None` when the core schema is missing;
    /// unknown extensions are left out, since nothing can be said about their attributes.
    pub fn for_resource_type(
        resource_type: &ResourceType,
        schemas: &[Schema],
    ) -> Option<ResourceSchema> {
        let find = |urn: &str| {
            schemas
                .iter()
                .find(|s| s.id.eq_ignore_ascii_case(urn))
                .cloned()
        };
        Some(ResourceSchema {
            core: find(&resource_type.schema)?,
            extensions: resource_type
                .schema_extensions
                .iter()
                .filter_map(|ext| find(&ext.schema))
                .collect(),
        })
    }

    /// The User resource type's schemas: RFC 7643 §4.1 User with the §4.3 enterprise extension.
    pub fn user() -> ResourceSchema {
        ResourceSchema {
            core: builtin::user_schema(),
            extensions: vec![builtin::enterprise_user_schema()],
        }
    }

    /// The Group resource type's schemas: RFC 7643 §4.2 Group, no extensions.
    pub fn group() -> ResourceSchema {
        ResourceSchema {
            core: builtin::group_schema(),
            extensions: Vec::new(),
        }
    }

    /// The attribute definitions of the resource's top level that live in the core object:
    /// the core schema's attributes followed by the common attributes it does not redefine.
    pub fn core_attributes(&self) -> impl Iterator<Item = &Attribute> {
        let core = &self.core;
        core.attributes.iter().chain(
            common_attributes()
                .iter()
                .filter(move |c| core.attribute(&c.name).is_none()),
        )
    }
}

impl AttrType {
    /// The keyword RFC 7643 §7 uses in a schema's `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Binary => "binary",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }

    /// Reads a `type` keyword in any letter case.
    pub fn from_keyword(word: &str) -> Option<AttrType> {
        [
            AttrType::String,
            AttrType::Boolean,
            AttrType::Decimal,
            AttrType::Integer,
            AttrType::DateTime,
            AttrType::Binary,
            AttrType::Reference,
            AttrType::Complex,
        ]
        .into_iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(word))
    }
}

impl Mutability {
    /// The keyword RFC 7643 §7 uses for this mutability.
    pub fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }

    /// Reads a `mutability` keyword in any letter case.
    pub fn from_keyword(word: &str) -> Option<Mutability> {
        [
            Mutability::ReadOnly,
            Mutability::ReadWrite,
            Mutability::Immutable,
            Mutability::WriteOnly,
        ]
        .into_iter()
        .find(|m| m.as_str().eq_ignore_ascii_case(word))
    }
}

impl Returned {
    /// The keyword RFC 7643 §7 uses for this `returned` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Returned::Always => "always",
            Returned::Never => "never",
            Returned::Default => "default",
            Returned::Request => "request",
        }
    }

    /// Reads a `returned` keyword in any letter case.
    pub fn from_keyword(word: &str) -> Option<Returned> {
        [
            Returned::Always,
            Returned::Never,
            Returned::Default,
            Returned::Request,
        ]
        .into_iter()
        .find(|r| r.as_str().eq_ignore_ascii_case(word))
    }
}

impl Uniqueness {
    /// The keyword RFC 7643 §7 uses for this uniqueness.
    pub fn as_str(self) -> &'static str {
        match self {
            Uniqueness::None => "none",
            Uniqueness::Server => "server",
            Uniqueness::Global => "global",
        }
    }

    /// Reads a `uniqueness` keyword in any letter case.
    pub fn from_keyword(word: &str) -> Option<Uniqueness> {
        [Uniqueness::None, Uniqueness::Server, Uniqueness::Global]
            .into_iter()
            .find(|u| u.as_str().eq_ignore_ascii_case(word))
    }
}

/// Builders used for the built-in schemas and by code that assembles schemas by hand.
impl Attribute {
    /// An attribute with the RFC 7643 §2.2 defaults: single-valued, optional, not case-exact,
    /// readWrite, returned by default, no uniqueness.
    pub fn new(name: &str, attr_type: AttrType) -> Attribute {
        Attribute {
            name: name.to_owned(),
            attr_type,
            multi_valued: false,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: Vec::new(),
            reference_types: Vec::new(),
            description: String::new(),
            sub_attributes: Vec::new(),
        }
    }

    /// Marks the attribute multi-valued.
    pub fn as_multi_valued(mut self) -> Attribute {
        self.multi_valued = true;
        self
    }

    /// Marks the attribute required.
    pub fn as_required(mut self) -> Attribute {
        self.required = true;
        self
    }

    /// Marks string comparisons on the attribute case-sensitive.
    pub fn as_case_exact(mut self) -> Attribute {
        self.case_exact = true;
        self
    }

    /// Sets the mutability.
    pub fn with_mutability(mut self, mutability: Mutability) -> Attribute {
        self.mutability = mutability;
        self
    }

    /// Sets when the attribute is returned.
    pub fn with_returned(mut self, returned: Returned) -> Attribute {
        self.returned = returned;
        self
    }

    /// Sets the uniqueness.
    pub fn with_uniqueness(mut self, uniqueness: Uniqueness) -> Attribute {
        self.uniqueness = uniqueness;
        self
    }

    /// Sets the canonical values.
    pub fn with_canonical_values(mut self, values: &[&str]) -> Attribute {
        self.canonical_values = values.iter().map(|v| (*v).to_owned()).collect();
        self
    }

    /// Sets the resource types a reference may point at.
    pub fn with_reference_types(mut self, types: &[&str]) -> Attribute {
        self.reference_types = types.iter().map(|v| (*v).to_owned()).collect();
        self
    }

    /// Sets the description.
    pub fn with_description(mut self, description: &str) -> Attribute {
        self.description = description.to_owned();
        self
    }

    /// Sets the sub-attributes of a complex attribute.
    pub fn with_sub_attributes(mut self, sub_attributes: Vec<Attribute>) -> Attribute {
        self.sub_attributes = sub_attributes;
        self
    }
}

/// A schema-describing document that could not be read, with the JSON pointer (RFC 6901) of
/// the offending member, such as `/attributes/3/type`.
#[derive(Debug, Clone, PartialEq, Eq)]
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

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at `{}`", self.message, self.pointer)
    }
}

impl std::error::Error for SchemaError {}

/// Escapes a member name for use in a JSON pointer (RFC 6901 §3).
fn pointer_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Read-only access to one JSON object of a discovery document, remembering where it is so
/// that every error names its JSON pointer. Keys are matched case-insensitively and `null`
/// counts as absent, because servers publish both.
struct ObjectReader<'a> {
    map: &'a Map<String, Value>,
    pointer: String,
}

impl<'a> ObjectReader<'a> {
    fn new(value: &'a Value, pointer: &str) -> Result<ObjectReader<'a>, SchemaError> {
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

    fn member_pointer(&self, key: &str) -> String {
        format!("{}/{}", self.pointer, pointer_token(key))
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        get_ci(self.map, key).filter(|v| !v.is_null())
    }

    fn string(&self, key: &str) -> Result<Option<&'a str>, SchemaError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(SchemaError::at(
                &self.member_pointer(key),
                format!("expected a string, found {}", json_kind(other)),
            )),
        }
    }

    fn required_string(&self, key: &str) -> Result<&'a str, SchemaError> {
        self.string(key)?
            .ok_or_else(|| SchemaError::at(&self.member_pointer(key), format!("missing `{key}`")))
    }

    /// A boolean; `"true"`/`"false"` strings are read too since some servers publish them.
    fn boolean(&self, key: &str) -> Result<Option<bool>, SchemaError> {
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
    fn count(&self, key: &str) -> Result<Option<u64>, SchemaError> {
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

    fn keyword<T>(
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

    fn strings(&self, key: &str) -> Result<Vec<String>, SchemaError> {
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
    fn array(&self, key: &str) -> Result<Vec<(String, &'a Value)>, SchemaError> {
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

    fn object(&self, key: &str) -> Result<Option<ObjectReader<'a>>, SchemaError> {
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
    /// Reads a resource type document (RFC 7643 §6). A missing `id` defaults to the `name`.
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
            endpoint: obj.required_string("endpoint")?.to_owned(),
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

/// The `bulk` block of a service provider configuration (RFC 7643 §5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkConfig {
    pub supported: bool,
    /// `None` when the server does not say (the RFC requires it, some servers leave it out).
    pub max_operations: Option<u64>,
    pub max_payload_size: Option<u64>,
}

/// The `filter` block of a service provider configuration (RFC 7643 §5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterConfig {
    pub supported: bool,
    /// `None` when the server does not say.
    pub max_results: Option<u64>,
}

/// One entry of `authenticationSchemes` (RFC 7643 §5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthenticationScheme {
    /// `oauth`, `oauth2`, `oauthbearertoken`, `httpbasic`, `httpdigest`, or another value.
    pub scheme_type: String,
    pub name: String,
    pub description: String,
    pub spec_uri: Option<String>,
    pub documentation_uri: Option<String>,
    pub primary: bool,
}

/// What a service provider claims to support (RFC 7643 §5). A missing block reads as
/// unsupported, which is the only safe assumption about a server that does not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceProviderConfig {
    pub documentation_uri: Option<String>,
    pub patch: bool,
    pub bulk: BulkConfig,
    pub filter: FilterConfig,
    pub change_password: bool,
    pub sort: bool,
    pub etag: bool,
    pub authentication_schemes: Vec<AuthenticationScheme>,
}

impl ServiceProviderConfig {
    /// Reads a `/ServiceProviderConfig` document. Keys match case-insensitively and numeric
    /// strings are accepted for the limits; anything else out of shape is an error naming its
    /// pointer.
    pub fn from_json(value: &Value) -> Result<ServiceProviderConfig, SchemaError> {
        let obj = ObjectReader::new(value, "")?;
        let supported = |key: &str| -> Result<bool, SchemaError> {
            match obj.object(key)? {
                Some(block) => Ok(block.boolean("supported")?.unwrap_or(false)),
                None => Ok(false),
            }
        };
        let bulk = match obj.object("bulk")? {
            Some(block) => BulkConfig {
                supported: block.boolean("supported")?.unwrap_or(false),
                max_operations: block.count("maxOperations")?,
                max_payload_size: block.count("maxPayloadSize")?,
            },
            None => BulkConfig::default(),
        };
        let filter = match obj.object("filter")? {
            Some(block) => FilterConfig {
                supported: block.boolean("supported")?.unwrap_or(false),
                max_results: block.count("maxResults")?,
            },
            None => FilterConfig::default(),
        };
        let mut authentication_schemes = Vec::new();
        for (pointer, item) in obj.array("authenticationSchemes")? {
            let scheme = ObjectReader::new(item, &pointer)?;
            authentication_schemes.push(AuthenticationScheme {
                scheme_type: scheme.string("type")?.unwrap_or_default().to_owned(),
                name: scheme.string("name")?.unwrap_or_default().to_owned(),
                description: scheme.string("description")?.unwrap_or_default().to_owned(),
                spec_uri: scheme.string("specUri")?.map(str::to_owned),
                documentation_uri: scheme.string("documentationUri")?.map(str::to_owned),
                primary: scheme.boolean("primary")?.unwrap_or(false),
            });
        }
        Ok(ServiceProviderConfig {
            documentation_uri: obj.string("documentationUri")?.map(str::to_owned),
            patch: supported("patch")?,
            bulk,
            filter,
            change_password: supported("changePassword")?,
            sort: supported("sort")?,
            etag: supported("etag")?,
            authentication_schemes,
        })
    }

    /// Whether a `/ServiceProviderConfig` document says `<feature>.supported` is true, read
    /// as [`ServiceProviderConfig::from_json`] reads it (keys in any case, `"true"` strings
    /// too). A feature is judged on its own block: a malformed limit elsewhere in the document
    /// does not hide the features it states correctly.
    pub fn advertises(document: &Value, feature: &str) -> bool {
        ObjectReader::new(document, "")
            .and_then(|config| config.object(feature))
            .ok()
            .flatten()
            .and_then(|block| block.boolean("supported").ok().flatten())
            .unwrap_or(false)
    }

    /// The RFC 7643 §5 representation, without `meta`.
    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
        });
        if let Some(uri) = &self.documentation_uri {
            out["documentationUri"] = uri.as_str().into();
        }
        out["patch"] = json!({"supported": self.patch});
        // A limit the server did not state stays unstated: a 0 would be a number nobody read.
        let mut bulk = json!({"supported": self.bulk.supported});
        if let Some(max) = self.bulk.max_operations {
            bulk["maxOperations"] = max.into();
        }
        if let Some(max) = self.bulk.max_payload_size {
            bulk["maxPayloadSize"] = max.into();
        }
        out["bulk"] = bulk;
        let mut filter = json!({"supported": self.filter.supported});
        if let Some(max) = self.filter.max_results {
            filter["maxResults"] = max.into();
        }
        out["filter"] = filter;
        out["changePassword"] = json!({"supported": self.change_password});
        out["sort"] = json!({"supported": self.sort});
        out["etag"] = json!({"supported": self.etag});
        out["authenticationSchemes"] = self
            .authentication_schemes
            .iter()
            .map(|s| {
                let mut scheme = json!({
                    "type": s.scheme_type,
                    "name": s.name,
                    "description": s.description,
                });
                if let Some(uri) = &s.spec_uri {
                    scheme["specUri"] = uri.as_str().into();
                }
                if let Some(uri) = &s.documentation_uri {
                    scheme["documentationUri"] = uri.as_str().into();
                }
                scheme["primary"] = s.primary.into();
                scheme
            })
            .collect();
        out
    }
}

/// The common attributes every resource carries (RFC 7643 §3.1): `id`, `externalId`, `meta`.
///
/// RFC 7643 §8.7.1 leaves them out of the schema listings, so they are kept here once and
/// consulted by [`ResourceSchema::resolve`] for every resource type.
pub fn common_attributes() -> &'static [Attribute] {
    static COMMON: OnceLock<Vec<Attribute>> = OnceLock::new();
    COMMON.get_or_init(builtin::common_attribute_list)
}

/// Looks a common attribute up by name, case-insensitively.
pub fn common_attribute(name: &str) -> Option<&'static Attribute> {
    common_attributes()
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

/// The RFC 7643 §8.7 schemas and §8.6 resource types, attribute for attribute as §8.7.1 lists
/// them (descriptions are our own words).
pub mod builtin {
    use super::{
        AttrType, Attribute, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, Mutability, ResourceType,
        Returned, Schema, SchemaExtension, USER_SCHEMA, Uniqueness,
    };

    fn string(name: &str, description: &str) -> Attribute {
        Attribute::new(name, AttrType::String).with_description(description)
    }

    fn complex(name: &str, description: &str, subs: Vec<Attribute>) -> Attribute {
        Attribute::new(name, AttrType::Complex)
            .with_description(description)
            .with_sub_attributes(subs)
    }

    /// The `value`/`display`/`type`/`primary` shape of RFC 7643 §2.4 multi-valued attributes.
    fn plural(name: &str, description: &str, value: Attribute, types: &[&str]) -> Attribute {
        let mut type_attr = string("type", "A label for the value's function.");
        if !types.is_empty() {
            type_attr = type_attr.with_canonical_values(types);
        }
        complex(
            name,
            description,
            vec![
                value,
                string("display", "A human-readable name, for display only."),
                type_attr,
                Attribute::new("primary", AttrType::Boolean)
                    .with_description("Whether this is the preferred value; true at most once."),
            ],
        )
        .as_multi_valued()
    }

    pub(super) fn common_attribute_list() -> Vec<Attribute> {
        let meta_sub = |name: &str, attr_type: AttrType, description: &str| {
            Attribute::new(name, attr_type)
                .as_case_exact()
                .with_mutability(Mutability::ReadOnly)
                .with_description(description)
        };
        vec![
            string(
                "id",
                "The service provider's stable identifier for the resource.",
            )
            .as_case_exact()
            .with_mutability(Mutability::ReadOnly)
            .with_returned(Returned::Always)
            .with_uniqueness(Uniqueness::Server),
            string(
                "externalId",
                "The provisioning client's identifier for the resource.",
            )
            .as_case_exact(),
            complex(
                "meta",
                "Resource metadata maintained by the service provider.",
                vec![
                    meta_sub(
                        "resourceType",
                        AttrType::String,
                        "The resource type's name.",
                    ),
                    meta_sub(
                        "created",
                        AttrType::DateTime,
                        "When the resource was added.",
                    ),
                    meta_sub(
                        "lastModified",
                        AttrType::DateTime,
                        "When the resource last changed.",
                    ),
                    meta_sub("location", AttrType::Reference, "The resource's URI.")
                        .with_reference_types(&["uri"]),
                    meta_sub("version", AttrType::String, "The resource's entity tag."),
                ],
            )
            .with_mutability(Mutability::ReadOnly),
        ]
    }

    /// `urn:ietf:params:scim:schemas:core:2.0:User` (RFC 7643 §4.1, §8.7.1).
    pub fn user_schema() -> Schema {
        let name_part = |name: &str, description: &str| string(name, description);
        Schema {
            id: USER_SCHEMA.to_owned(),
            name: "User".to_owned(),
            description: "User Account".to_owned(),
            attributes: vec![
                string("userName", "The unique identifier the user signs in with.")
                    .as_required()
                    .with_uniqueness(Uniqueness::Server),
                complex(
                    "name",
                    "The components of the user's real name.",
                    vec![
                        name_part("formatted", "The full name, formatted for display."),
                        name_part("familyName", "The family (last) name."),
                        name_part("givenName", "The given (first) name."),
                        name_part("middleName", "The middle name(s)."),
                        name_part("honorificPrefix", "Honorific prefix, such as `Ms.`."),
                        name_part("honorificSuffix", "Honorific suffix, such as `III`."),
                    ],
                ),
                string("displayName", "The name shown to end users."),
                string("nickName", "The casual name of the user."),
                Attribute::new("profileUrl", AttrType::Reference)
                    .with_reference_types(&["external"])
                    .with_description("A URI of the user's online profile."),
                string("title", "The user's title, such as `Vice President`."),
                string("userType", "The user's relationship to the organisation."),
                string(
                    "preferredLanguage",
                    "The preferred written or spoken language.",
                ),
                string("locale", "The default location for localised values."),
                string(
                    "timezone",
                    "The IANA time zone, such as `America/Los_Angeles`.",
                ),
                Attribute::new("active", AttrType::Boolean)
                    .with_description("Whether the user is administratively active."),
                string("password", "The cleartext password; never returned.")
                    .with_mutability(Mutability::WriteOnly)
                    .with_returned(Returned::Never),
                plural(
                    "emails",
                    "Email addresses of the user.",
                    string("value", "An email address."),
                    &["work", "home", "other"],
                ),
                plural(
                    "phoneNumbers",
                    "Phone numbers of the user.",
                    string("value", "A phone number."),
                    &["work", "home", "mobile", "fax", "pager", "other"],
                ),
                plural(
                    "ims",
                    "Instant messaging addresses of the user.",
                    string("value", "An instant messaging address."),
                    &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
                ),
                plural(
                    "photos",
                    "URLs of images of the user.",
                    Attribute::new("value", AttrType::Reference)
                        .with_reference_types(&["external"])
                        .with_description("The URL of a photo."),
                    &["photo", "thumbnail"],
                ),
                complex(
                    "addresses",
                    "Physical mailing addresses of the user.",
                    vec![
                        string("formatted", "The full address, formatted for a label."),
                        string("streetAddress", "The street address component."),
                        string("locality", "The city or locality component."),
                        string("region", "The state or region component."),
                        string("postalCode", "The postal code component."),
                        string("country", "The ISO 3166-1 alpha-2 country code."),
                        string("type", "A label for the address's function.")
                            .with_canonical_values(&["work", "home", "other"]),
                        Attribute::new("primary", AttrType::Boolean)
                            .with_description("Whether this is the preferred address."),
                    ],
                )
                .as_multi_valued(),
                complex(
                    "groups",
                    "Groups the user belongs to; changed through the groups, never here.",
                    vec![
                        string("value", "The group's id.").with_mutability(Mutability::ReadOnly),
                        Attribute::new("$ref", AttrType::Reference)
                            .with_reference_types(&["User", "Group"])
                            .with_mutability(Mutability::ReadOnly)
                            .with_description("The group's URI."),
                        string("display", "The group's display name.")
                            .with_mutability(Mutability::ReadOnly),
                        string("type", "Whether membership is direct or indirect.")
                            .with_canonical_values(&["direct", "indirect"])
                            .with_mutability(Mutability::ReadOnly),
                    ],
                )
                .as_multi_valued()
                .with_mutability(Mutability::ReadOnly),
                plural(
                    "entitlements",
                    "Entitlements of the user.",
                    string("value", "An entitlement."),
                    &[],
                ),
                plural(
                    "roles",
                    "Roles of the user.",
                    string("value", "A role."),
                    &[],
                ),
                plural(
                    "x509Certificates",
                    "X.509 certificates of the user.",
                    Attribute::new("value", AttrType::Binary)
                        .with_description("A DER-encoded certificate, base64."),
                    &[],
                ),
            ],
        }
    }

    /// `urn:ietf:params:scim:schemas:core:2.0:Group` (RFC 7643 §4.2, §8.7.1).
    ///
    /// `displayName` is optional as the §8.7.1 listing says, although §4.2's prose calls it
    /// required: servers that accept a nameless group are not wrong by the schema.
    pub fn group_schema() -> Schema {
        let member_sub = |attr: Attribute| attr.with_mutability(Mutability::Immutable);
        Schema {
            id: GROUP_SCHEMA.to_owned(),
            name: "Group".to_owned(),
            description: "Group".to_owned(),
            attributes: vec![
                string("displayName", "The name of the group."),
                complex(
                    "members",
                    "The members of the group.",
                    vec![
                        member_sub(string("value", "The member's id.")),
                        member_sub(
                            Attribute::new("$ref", AttrType::Reference)
                                .with_reference_types(&["User", "Group"])
                                .with_description("The member's URI."),
                        ),
                        string("display", "The member's display name."),
                        member_sub(
                            string("type", "Whether the member is a user or a group.")
                                .with_canonical_values(&["User", "Group"]),
                        ),
                    ],
                )
                .as_multi_valued(),
            ],
        }
    }

    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` (RFC 7643 §4.3, §8.7.1).
    pub fn enterprise_user_schema() -> Schema {
        Schema {
            id: ENTERPRISE_USER_SCHEMA.to_owned(),
            name: "EnterpriseUser".to_owned(),
            description: "Enterprise User".to_owned(),
            attributes: vec![
                string("employeeNumber", "The identifier the organisation assigns."),
                string("costCenter", "The cost centre."),
                string("organization", "The organisation."),
                string("division", "The division."),
                string("department", "The department."),
                complex(
                    "manager",
                    "The user's manager.",
                    vec![
                        string("value", "The manager's id."),
                        Attribute::new("$ref", AttrType::Reference)
                            .with_reference_types(&["User"])
                            .with_description("The manager's URI."),
                        string("displayName", "The manager's display name.")
                            .with_mutability(Mutability::ReadOnly),
                    ],
                ),
            ],
        }
    }

    /// The `User` resource type (RFC 7643 §8.6) with the enterprise extension optional.
    pub fn user_resource_type() -> ResourceType {
        ResourceType {
            id: "User".to_owned(),
            name: "User".to_owned(),
            description: "User Account".to_owned(),
            endpoint: "/Users".to_owned(),
            schema: USER_SCHEMA.to_owned(),
            schema_extensions: vec![SchemaExtension {
                schema: ENTERPRISE_USER_SCHEMA.to_owned(),
                required: false,
            }],
        }
    }

    /// The `Group` resource type (RFC 7643 §8.6).
    pub fn group_resource_type() -> ResourceType {
        ResourceType {
            id: "Group".to_owned(),
            name: "Group".to_owned(),
            description: "Group".to_owned(),
            endpoint: "/Groups".to_owned(),
            schema: GROUP_SCHEMA.to_owned(),
            schema_extensions: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::path::AttrPath;

    fn path(urn: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            urn: urn.map(str::to_owned),
            name: name.to_owned(),
            sub: sub.map(str::to_owned),
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
    fn user_attributes_carry_the_rfc_7643_characteristics() {
        let user = ResourceSchema::user();
        let user_name = user
            .resolve(&path(None, "USERNAME", None))
            .map(|r| r.target().clone());
        let user_name = user_name.as_ref();
        assert_eq!(user_name.map(|a| a.name.as_str()), Some("userName"));
        assert_eq!(
            user_name.map(|a| (a.required, a.case_exact)),
            Some((true, false))
        );
        assert_eq!(user_name.map(|a| a.uniqueness), Some(Uniqueness::Server));

        let password = user.core.attribute("password");
        assert_eq!(
            password.map(|a| (a.mutability, a.returned)),
            Some((Mutability::WriteOnly, Returned::Never))
        );
        let groups = user.core.attribute("groups");
        assert_eq!(groups.map(|a| a.mutability), Some(Mutability::ReadOnly));
        let emails = user.core.attribute("emails");
        let email_subs: Vec<&str> = emails
            .map(|a| a.sub_attributes.iter().map(|s| s.name.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(email_subs, ["value", "display", "type", "primary"]);
    }

    #[test]
    fn common_attributes_resolve_for_every_resource_type_without_being_in_the_schemas() {
        for schema in [ResourceSchema::user(), ResourceSchema::group()] {
            assert!(schema.core.attribute("id").is_none());
            let id = schema.resolve(&path(None, "id", None));
            assert_eq!(
                id.map(|r| (
                    r.attribute.case_exact,
                    r.attribute.mutability,
                    r.attribute.returned
                )),
                Some((true, Mutability::ReadOnly, Returned::Always))
            );
            let qualified = schema.resolve(&path(Some(&schema.core.id), "externalId", None));
            assert_eq!(qualified.map(|r| r.attribute.case_exact), Some(true));
            let version = schema.resolve(&path(None, "meta", Some("version")));
            assert_eq!(
                version.map(|r| r.target().mutability),
                Some(Mutability::ReadOnly)
            );
        }
    }

    #[test]
    fn extension_attributes_resolve_with_or_without_their_urn() {
        let user = ResourceSchema::user();
        let qualified = user.resolve(&path(
            Some("URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER"),
            "manager",
            Some("displayName"),
        ));
        assert_eq!(qualified.map(|r| r.is_extension), Some(true));
        assert_eq!(
            qualified.map(|r| r.target().mutability),
            Some(Mutability::ReadOnly)
        );
        let bare = user.resolve(&path(None, "employeeNumber", None));
        assert_eq!(
            bare.map(|r| r.schema.id.as_str()),
            Some(ENTERPRISE_USER_SCHEMA)
        );
        assert!(
            user.resolve(&path(Some(ENTERPRISE_USER_SCHEMA), "id", None))
                .is_none()
        );
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

    #[test]
    fn unstated_limits_stay_unstated() {
        let doc = json!({"bulk": {"supported": false}, "filter": {"supported": true}});
        let spc = ServiceProviderConfig::from_json(&doc).expect("readable");
        assert_eq!(spc.bulk.max_operations, None);
        assert_eq!(spc.filter.max_results, None);
        let written = spc.to_json();
        assert_eq!(written["bulk"], json!({"supported": false}));
        assert_eq!(written["filter"], json!({"supported": true}));
    }

    #[test]
    fn service_provider_config_reads_what_servers_publish() {
        let doc = json!({
            "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
            "patch": {"supported": true},
            "Bulk": {"supported": true, "maxOperations": "1000", "maxPayloadSize": 1048576},
            "filter": {"supported": true, "maxResults": 200},
            "etag": {"supported": "True"},
            "authenticationSchemes": [
                {"type": "oauthbearertoken", "name": "OAuth Bearer Token", "description": "", "primary": true}
            ]
        });
        let spc = ServiceProviderConfig::from_json(&doc);
        let expected = ServiceProviderConfig {
            documentation_uri: None,
            patch: true,
            bulk: BulkConfig {
                supported: true,
                max_operations: Some(1000),
                max_payload_size: Some(1_048_576),
            },
            filter: FilterConfig {
                supported: true,
                max_results: Some(200),
            },
            change_password: false,
            sort: false,
            etag: true,
            authentication_schemes: vec![AuthenticationScheme {
                scheme_type: "oauthbearertoken".to_owned(),
                name: "OAuth Bearer Token".to_owned(),
                primary: true,
                ..AuthenticationScheme::default()
            }],
        };
        assert_eq!(spc.as_ref(), Ok(&expected));
        assert_eq!(
            ServiceProviderConfig::from_json(&expected.to_json()),
            Ok(expected)
        );

        let bad = json!({"filter": {"supported": true, "maxResults": -1}});
        assert_eq!(
            ServiceProviderConfig::from_json(&bad)
                .err()
                .map(|e| e.pointer),
            Some("/filter/maxResults".to_owned())
        );
    }

    #[test]
    fn a_feature_is_advertised_by_its_own_block_even_when_another_is_malformed() {
        let doc = json!({
            "Patch": {"supported": true},
            "bulk": {"supported": true, "maxOperations": "many"},
            "filter": {"supported": "TRUE", "maxResults": -1},
            "sort": {"supported": "yes"},
            "etag": true
        });
        assert!(ServiceProviderConfig::from_json(&doc).is_err());
        let advertised = |feature| ServiceProviderConfig::advertises(&doc, feature);
        assert!(advertised("patch") && advertised("bulk") && advertised("filter"));
        assert!(!advertised("sort"), "not a boolean");
        assert!(!advertised("etag"), "not a block");
        assert!(!advertised("changePassword"), "not stated");
        assert!(!ServiceProviderConfig::advertises(&json!([1]), "patch"));
    }
}
