//! The schema model (RFC 7643 §2, §7): attribute characteristics, schemas, resource types and
//! the service provider configuration, with the RFC's core schemas built in and a parser for
//! a server's own `/Schemas` documents.

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

    /// Resolves `[urn:]name[.sub]`. An unqualified name is looked up in the core schema
    /// (RFC 7644 §3.10: core attributes may omit their URN) and then in the extensions.
    pub fn resolve(&self, path: &crate::scim::path::AttrPath) -> Option<Resolved<'_>> {
        let (schema, attribute) = match &path.urn {
            Some(urn) => {
                let schema = self.schema(urn)?;
                (schema, schema.attribute(&path.name)?)
            }
            None => self
                .schemas()
                .find_map(|s| s.attribute(&path.name).map(|a| (s, a)))?,
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
}
