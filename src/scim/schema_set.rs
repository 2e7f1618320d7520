//! The schemas a document or a filter is checked against: the RFC's built-in ones, or a
//! server's own, read from a saved `/Schemas` document or fetched through discovery. It holds
//! and looks them up only: it neither reads files nor fetches, callers hand it the documents.
//!
//! A resource type ties a core schema to its extensions (RFC 7643 §6). A saved `/Schemas`
//! document has no resource types, so they are derived: every schema whose URN names an
//! extension (`...:extension:...`) extends every resource type, and each other schema is a
//! resource type of its own name. Pure: serde_json and std only.

use serde_json::Value;

use crate::scim::list::parse_list_response;
use crate::scim::schema::{ResourceSchema, ResourceType, Schema, SchemaExtension, builtin};

/// A set of schemas and the resource types that use them.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaSet {
    pub schemas: Vec<Schema>,
    pub resource_types: Vec<ResourceType>,
}

impl SchemaSet {
    /// RFC 7643's User (with the enterprise extension) and Group.
    pub fn builtin() -> SchemaSet {
        SchemaSet {
            schemas: vec![
                builtin::user_schema(),
                builtin::enterprise_user_schema(),
                builtin::group_schema(),
            ],
            resource_types: vec![
                builtin::user_resource_type(),
                builtin::group_resource_type(),
            ],
        }
    }

    /// A server's schemas with its resource types; when it published none, they are derived
    /// as the module docs say.
    pub fn new(schemas: Vec<Schema>, resource_types: Vec<ResourceType>) -> SchemaSet {
        let resource_types = if resource_types.is_empty() {
            derived_resource_types(&schemas)
        } else {
            resource_types
        };
        SchemaSet {
            schemas,
            resource_types,
        }
    }

    /// Reads a saved `/Schemas` answer: a ListResponse of schemas, a bare array of them, or
    /// one schema. Returns the set and one note per entry that could not be read.
    pub fn from_schemas_document(document: Value) -> Result<(SchemaSet, Vec<String>), String> {
        let (items, mut notes) = match document {
            Value::Object(object) if !object.contains_key("attributes") => {
                let page = parse_list_response(Value::Object(object))?;
                (page.resources, page.tolerated)
            }
            Value::Array(items) => (items, Vec::new()),
            one => (vec![one], Vec::new()),
        };
        let mut schemas = Vec::new();
        for (index, item) in items.iter().enumerate() {
            match Schema::from_json(item) {
                Ok(schema) => schemas.push(schema),
                Err(error) => notes.push(format!("schema {index} is unreadable: {error}")),
            }
        }
        if schemas.is_empty() {
            return Err("it holds no readable schema".to_owned());
        }
        Ok((SchemaSet::new(schemas, Vec::new()), notes))
    }

    /// The resource type called `name` (by name, id or endpoint, case-insensitively) with its
    /// schemas; `None` when it is unknown or its core schema is missing.
    pub fn resource_type(&self, name: &str) -> Option<(&ResourceType, ResourceSchema)> {
        self.resource_types
            .iter()
            .filter(|rt| rt.is_called(name))
            .find_map(|rt| Some((rt, ResourceSchema::for_resource_type(rt, &self.schemas)?)))
    }

    /// The resource type whose core schema is `urn`, with its schemas.
    pub fn by_core_schema(&self, urn: &str) -> Option<(&ResourceType, ResourceSchema)> {
        self.resource_types
            .iter()
            .filter(|rt| rt.schema.eq_ignore_ascii_case(urn))
            .find_map(|rt| Some((rt, ResourceSchema::for_resource_type(rt, &self.schemas)?)))
    }

    /// Every resource type whose schemas are all known, with them.
    pub fn all(&self) -> Vec<(&ResourceType, ResourceSchema)> {
        self.resource_types
            .iter()
            .filter_map(|rt| Some((rt, ResourceSchema::for_resource_type(rt, &self.schemas)?)))
            .collect()
    }

    /// The resource type, with its schemas, under which `unknown` counts the fewest names the
    /// schemas do not define; the first of the set (User, for the built-in one) on a tie.
    /// `None` when no resource type has all its schemas.
    pub fn best_fit(
        &self,
        unknown: impl Fn(&ResourceSchema) -> usize,
    ) -> Option<(&ResourceType, ResourceSchema)> {
        self.all()
            .into_iter()
            .enumerate()
            .min_by_key(|(order, (_, schema))| (unknown(schema), *order))
            .map(|(_, best)| best)
    }

    /// The names of the resource types, for messages.
    pub fn type_names(&self) -> Vec<&str> {
        self.resource_types
            .iter()
            .map(|rt| rt.name.as_str())
            .collect()
    }
}

fn is_extension(schema: &Schema) -> bool {
    schema.id.to_ascii_lowercase().contains(":extension:")
}

fn derived_resource_types(schemas: &[Schema]) -> Vec<ResourceType> {
    let extensions: Vec<SchemaExtension> = schemas
        .iter()
        .filter(|s| is_extension(s))
        .map(|s| SchemaExtension {
            schema: s.id.clone(),
            required: false,
        })
        .collect();
    schemas
        .iter()
        .filter(|s| !is_extension(s))
        .map(|s| {
            let name = if s.name.is_empty() {
                s.id.rsplit(':').next().unwrap_or(&s.id).to_owned()
            } else {
                s.name.clone()
            };
            ResourceType {
                id: name.clone(),
                endpoint: format!("/{name}s"),
                name,
                description: s.description.clone(),
                schema: s.id.clone(),
                schema_extensions: extensions.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::model::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
    use serde_json::json;

    #[test]
    fn the_builtin_set_has_the_rfc_user_and_group() {
        let set = SchemaSet::builtin();
        let (user, schema) = set.resource_type("users").expect("by endpoint");
        assert_eq!(user.name, "User");
        assert_eq!(schema.extensions[0].id, ENTERPRISE_USER_SCHEMA);
        assert_eq!(
            set.by_core_schema(GROUP_SCHEMA).expect("group").0.name,
            "Group"
        );
        assert_eq!(set.type_names(), ["User", "Group"]);
    }

    #[test]
    fn the_best_fit_has_the_fewest_unknown_names_and_the_first_type_wins_a_tie() {
        let set = SchemaSet::builtin();
        let fewer_in_group = |schema: &ResourceSchema| usize::from(schema.core.id != GROUP_SCHEMA);
        assert_eq!(
            set.best_fit(fewer_in_group).expect("a type").0.name,
            "Group"
        );
        assert_eq!(set.best_fit(|_| 3).expect("a type").0.name, "User");
        let incomplete = SchemaSet::new(Vec::new(), vec![builtin::user_resource_type()]);
        assert!(incomplete.best_fit(|_| 0).is_none());
    }

    #[test]
    fn a_saved_schemas_answer_gets_resource_types_derived_from_the_urns() {
        let listed = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 3,
            "Resources": [
                builtin::user_schema().to_json(),
                builtin::enterprise_user_schema().to_json(),
                {"name": "a schema without an id"},
            ]
        });
        let (set, notes) = SchemaSet::from_schemas_document(listed).expect("readable");
        assert_eq!(set.type_names(), ["User"]);
        let (_, user) = set.by_core_schema(USER_SCHEMA).expect("user");
        assert_eq!(user.extensions.len(), 1);
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with("schema 2 is unreadable: missing `id`")),
            "{notes:?}"
        );
    }

    #[test]
    fn one_schema_or_a_bare_array_reads_too_but_nothing_readable_is_an_error() {
        let (one, _) =
            SchemaSet::from_schemas_document(builtin::group_schema().to_json()).expect("one");
        assert_eq!(one.type_names(), ["Group"]);
        let (array, _) =
            SchemaSet::from_schemas_document(json!([builtin::group_schema().to_json()]))
                .expect("array");
        assert_eq!(array, one);
        assert!(SchemaSet::from_schemas_document(json!([1, 2])).is_err());
    }
}
