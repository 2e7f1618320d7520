//! The schema model (RFC 7643 §2, §7): attribute characteristics, schemas and resource types,
//! with the RFC's core schemas built in ([`builtin`]), the readers of a server's own
//! `/Schemas` and `/ResourceTypes` (`json`) and the service provider configuration (`spc`).
//! It describes and looks up; it validates no resource (that is `resource`).
//!
//! The common attributes `id`, `externalId` and `meta` (RFC 7643 §3.1) are kept apart from the
//! schemas, as the RFC's listings keep them, and [`ResourceSchema::resolve`] consults them for
//! every resource type. Pure: serde_json and std only.

pub mod builtin;
mod json;
mod spc;

use std::sync::OnceLock;

pub use json::SchemaError;
pub(crate) use json::json_kind;
pub use spc::{AuthenticationScheme, BulkConfig, FilterConfig, ServiceProviderConfig};

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

impl<'a> Resolved<'a> {
    /// The attribute the path designates: the sub-attribute if there is one.
    pub fn target(&self) -> &'a Attribute {
        self.sub_attribute.unwrap_or(self.attribute)
    }
}

impl ResourceType {
    /// Whether `name` names this type, as a command line does: by its name, its id or its
    /// endpoint (`/Users` or `Users`), in any letter case.
    pub fn is_called(&self, name: &str) -> bool {
        let wanted = name.trim_start_matches('/');
        self.name.eq_ignore_ascii_case(wanted)
            || self.id.eq_ignore_ascii_case(wanted)
            || self
                .endpoint
                .trim_start_matches('/')
                .eq_ignore_ascii_case(wanted)
    }
}

impl Schema {
    /// Looks an attribute up by name, case-insensitively (RFC 7643 §2.1).
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The names of its attributes, in order, for "did you mean" hints.
    pub fn attribute_names(&self) -> Vec<&str> {
        self.attributes.iter().map(|a| a.name.as_str()).collect()
    }
}

impl Attribute {
    /// Looks a sub-attribute up by name, case-insensitively.
    pub fn sub_attribute(&self, name: &str) -> Option<&Attribute> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The names of its sub-attributes, in order, for "did you mean" hints.
    pub fn sub_attribute_names(&self) -> Vec<&str> {
        self.sub_attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect()
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

    /// Finds an extension by URN, case-insensitively: the schema whose attributes a resource
    /// keeps under that URN as a key (RFC 7643 §3.3).
    pub fn extension(&self, urn: &str) -> Option<&Schema> {
        self.extensions
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(urn))
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
        let (schema, attribute) = self.resolve_attribute(path.urn.as_deref(), &path.name)?;
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

    /// Resolves the attribute part of `[urn:]name`, as [`ResourceSchema::resolve`] does, to its
    /// schema and attribute.
    pub fn resolve_attribute(
        &self,
        urn: Option<&str>,
        name: &str,
    ) -> Option<(&Schema, &Attribute)> {
        let in_core = |name: &str| self.core.attribute(name).or_else(|| common_attribute(name));
        match urn {
            Some(urn) => {
                let schema = self.schema(urn)?;
                let attribute = if std::ptr::eq(schema, &self.core) {
                    in_core(name)?
                } else {
                    schema.attribute(name)?
                };
                Some((schema, attribute))
            }
            None => match in_core(name) {
                Some(attribute) => Some((&self.core, attribute)),
                None => self
                    .extensions
                    .iter()
                    .find_map(|s| s.attribute(name).map(|a| (s, a))),
            },
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::model::ENTERPRISE_USER_SCHEMA;
    use crate::scim::path::AttrPath;

    #[test]
    fn a_resource_type_is_called_by_its_name_id_or_endpoint_in_any_case() {
        let user = builtin::user_resource_type();
        for name in ["User", "user", "Users", "/Users", "USERS"] {
            assert!(user.is_called(name), "{name}");
        }
        assert!(!user.is_called("Group"));
        assert!(!user.is_called("Use"));
    }

    fn path(urn: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            urn: urn.map(str::to_owned),
            name: name.to_owned(),
            sub: sub.map(str::to_owned),
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
}
