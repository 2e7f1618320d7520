//! The discovery documents as the quirks serve them: `/Schemas`, `/ResourceTypes` and
//! `/ServiceProviderConfig`, each changed in the one place its quirk names and otherwise left as
//! the server describes itself. Pure: it rewrites JSON documents and does no I/O.

use serde_json::Value;

use super::{CORE_SUBSET_GROUP, CORE_SUBSET_USER, Quirks, retain_declared};
use crate::scim::model::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};

impl Quirks {
    /// The schemas `/Schemas` serves: `schemas-missing-user` and `schemas-missing-group` leave
    /// out the core User or Group schema; `schema-schema-listed` adds the schema of schemas; `core-subset`, `emails-untyped` and
    /// `name-formatted-only` the attributes and sub-attributes they do not store.
    pub fn served_schemas(&self, mut schemas: Vec<Value>) -> Vec<Value> {
        if self.schemas_missing_user {
            schemas.retain(|schema| schema.get("id").and_then(Value::as_str) != Some(USER_SCHEMA));
        }
        if self.schemas_missing_group {
            schemas.retain(|schema| schema.get("id").and_then(Value::as_str) != Some(GROUP_SCHEMA));
        }
        if self.unique_emails
            && let Some(address) = schemas
                .iter_mut()
                .find(|schema| schema.get("id").and_then(Value::as_str) == Some(USER_SCHEMA))
                .and_then(|user| attribute_mut(user, "emails"))
                .and_then(|emails| attribute_mut(emails, "value"))
        {
            address["uniqueness"] = Value::from("server");
        }
        if self.extension_schema_missing {
            schemas.retain(|schema| {
                schema.get("id").and_then(Value::as_str) != Some(ENTERPRISE_USER_SCHEMA)
            });
        }
        if self.message_schemas_listed {
            schemas.push(list_response_schema());
        }
        if self.schema_schema_listed {
            schemas.push(schema_schema());
        }
        self.misdescribe_attributes(&mut schemas);
        if self.group_display_name_optional
            && let Some(display_name) = schemas
                .iter_mut()
                .find(|schema| schema.get("id").and_then(Value::as_str) == Some(GROUP_SCHEMA))
                .and_then(|group| attribute_mut(group, "displayName"))
        {
            display_name["required"] = Value::Bool(false);
        }
        if let Some(user) = schemas
            .iter_mut()
            .find(|schema| schema.get("id").and_then(Value::as_str) == Some(USER_SCHEMA))
        {
            if self.emails_untyped {
                retain_sub_attributes(user, "emails", |sub| sub != "type");
            }
            if self.name_formatted_only {
                retain_sub_attributes(user, "name", |sub| sub == "formatted");
            }
        }
        if self.core_subset {
            for schema in &mut schemas {
                let kept = match schema.get("id").and_then(Value::as_str) {
                    Some(USER_SCHEMA) => CORE_SUBSET_USER,
                    Some(GROUP_SCHEMA) => CORE_SUBSET_GROUP,
                    _ => continue,
                };
                if let Some(Value::Array(attributes)) = schema.get_mut("attributes") {
                    retain_declared(attributes, kept);
                }
            }
        }
        schemas
    }

    /// The attribute definitions the schema quirks misdescribe, each in one place:
    /// `schema-bad-attribute-name` names the enterprise `costCenter` "cost center",
    /// `extension-redefines-core` names the enterprise `division` "title",
    /// `schema-nested-complex` gives User `addresses` a complex sub-attribute `geo`,
    /// `schema-unknown-type` types the enterprise `employeeNumber` "int",
    /// `reference-types-not-array` writes the enterprise `manager.$ref` `referenceTypes` as one
    /// string, `schema-complex-without-sub-attributes` leaves out `manager`'s `subAttributes`,
    /// `user-groups-ref-to-users` lets User `groups.$ref` reference Users as well (the text
    /// erratum 8471 corrects), `schema-nulls` sends `canonicalValues: null` wherever there are
    /// none, `sub-attributes-listed-empty` sends `subAttributes: []` wherever there are none,
    /// and `schema-lowercase-keywords` lowercases every `mutability`.
    fn misdescribe_attributes(&self, schemas: &mut [Value]) {
        for schema in schemas.iter_mut() {
            let id = schema
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if id == ENTERPRISE_USER_SCHEMA {
                self.misdescribe_enterprise(schema);
            }
            if id == USER_SCHEMA {
                if self.schema_nested_complex
                    && let Some(Value::Array(subs)) = attribute_mut(schema, "addresses")
                        .and_then(|addresses| addresses.get_mut("subAttributes"))
                {
                    subs.push(nested_geo_definition());
                }
                if self.user_groups_schema_references_users
                    && let Some(reference) = attribute_mut(schema, "groups")
                        .and_then(|groups| attribute_mut(groups, "$ref"))
                {
                    reference["referenceTypes"] = serde_json::json!(["User", "Group"]);
                }
            }
            if let Some(Value::Array(attributes)) = schema.get_mut("attributes") {
                for definition in attributes {
                    self.respell_definition(definition);
                }
            }
        }
    }

    fn misdescribe_enterprise(&self, schema: &mut Value) {
        if self.schema_bad_attribute_name
            && let Some(cost_center) = attribute_mut(schema, "costCenter")
        {
            cost_center["name"] = Value::from("cost center");
        }
        if self.extension_redefines_core
            && let Some(division) = attribute_mut(schema, "division")
        {
            division["name"] = Value::from("title");
        }
        if self.schema_unknown_type
            && let Some(number) = attribute_mut(schema, "employeeNumber")
        {
            number["type"] = Value::from("int");
        }
        if let Some(manager) = attribute_mut(schema, "manager") {
            if self.reference_types_not_array
                && let Some(reference) = attribute_mut(manager, "$ref")
            {
                reference["referenceTypes"] = Value::from("User");
            }
            if self.schema_complex_without_sub_attributes
                && let Some(object) = manager.as_object_mut()
            {
                object.remove("subAttributes");
            }
        }
    }

    /// `schema-nulls` and `schema-lowercase-keywords` on one definition and its sub-attributes.
    fn respell_definition(&self, definition: &mut Value) {
        let Some(object) = definition.as_object_mut() else {
            return;
        };
        if self.schema_nulls {
            object.entry("canonicalValues").or_insert(Value::Null);
        }
        if self.schema_lowercase_keywords
            && let Some(Value::String(mutability)) = object.get_mut("mutability")
        {
            *mutability = mutability.to_ascii_lowercase();
        }
        if self.sub_attributes_listed_empty {
            object
                .entry("subAttributes")
                .or_insert(Value::Array(Vec::new()));
        }
        if let Some(Value::Array(subs)) = object.get_mut("subAttributes") {
            for sub in subs {
                self.respell_definition(sub);
            }
        }
    }

    /// A schema resource as `/Schemas` serves it: `schema-resources-without-meta` leaves out
    /// the `meta` that erratum 8417 gives every schema representation.
    pub fn served_schema_resource(&self, mut schema: Value) -> Value {
        if let Some(object) = schema
            .as_object_mut()
            .filter(|_| self.schema_resources_without_meta)
        {
            object.remove("meta");
        }
        schema
    }

    /// The ServiceProviderConfig served: `spc-without-change-password` leaves out
    /// `changePassword`, which RFC 7643 §5 makes REQUIRED even when unsupported,
    /// `spc-without-max-results` the REQUIRED `filter.maxResults`, `auth-scheme-incomplete`
    /// the REQUIRED `name` and `description` of each authentication scheme; `patch-unsupported`
    /// says PATCH is not supported, `filter-undeclared` that filtering is not (legal).
    pub fn served_service_provider_config(&self, mut config: Value) -> Value {
        let Some(object) = config.as_object_mut() else {
            return config;
        };
        if self.spc_without_change_password {
            object.remove("changePassword");
        }
        if self.patch_unsupported
            && let Some(Value::Object(patch)) = object.get_mut("patch")
        {
            patch.insert("supported".to_owned(), Value::Bool(false));
        }
        if let Some(Value::Object(filter)) = object.get_mut("filter") {
            if self.spc_without_max_results {
                filter.remove("maxResults");
            }
            if self.filter_undeclared {
                filter.insert("supported".to_owned(), Value::Bool(false));
            }
        }
        if self.auth_scheme_incomplete
            && let Some(Value::Array(schemes)) = object.get_mut("authenticationSchemes")
        {
            for scheme in schemes.iter_mut().filter_map(Value::as_object_mut) {
                scheme.remove("name");
                scheme.remove("description");
            }
        }
        config
    }

    /// The resource types served: `resource-type-endpoint-unslashed` writes each `endpoint`
    /// without its leading `/`, as RFC 7643 §6's own example does (`"Users"`); legal, as
    /// either is relative to the base URL.
    ///
    /// `resource-types-without-id` leaves out their `id`, which RFC 7643 §6 makes OPTIONAL
    /// (legal); `extension-required-missing` the REQUIRED `required` of each schema extension;
    /// `resource-type-schema-name` writes the type's name as its `schema`, which RFC 7643 §6
    /// makes the URI of its core schema.
    pub fn served_resource_types(&self, mut resource_types: Vec<Value>) -> Vec<Value> {
        for resource_type in resource_types.iter_mut().filter_map(Value::as_object_mut) {
            if self.resource_type_endpoint_unslashed
                && let Some(Value::String(endpoint)) = resource_type.get_mut("endpoint")
            {
                *endpoint = endpoint.trim_start_matches('/').to_owned();
            }
            if self.resource_types_without_id {
                resource_type.remove("id");
            }
            if self.resource_type_schema_name
                && let Some(name) = resource_type.get("name").cloned()
            {
                resource_type.insert("schema".to_owned(), name);
            }
            if self.extension_required_missing
                && let Some(Value::Array(extensions)) = resource_type.get_mut("schemaExtensions")
            {
                for extension in extensions.iter_mut().filter_map(Value::as_object_mut) {
                    extension.remove("required");
                }
            }
        }
        resource_types
    }
}

/// `schema-nested-complex`: a complex sub-attribute, which RFC 7643 §2.3.8 forbids.
fn nested_geo_definition() -> Value {
    let coordinate = |name: &str| {
        serde_json::json!({"name": name, "type": "decimal", "multiValued": false,
            "description": "A coordinate.", "required": false, "caseExact": false,
            "mutability": "readWrite", "returned": "default", "uniqueness": "none"})
    };
    serde_json::json!({"name": "geo", "type": "complex", "multiValued": false,
        "description": "Where the address is.", "required": false,
        "subAttributes": [coordinate("latitude"), coordinate("longitude")],
        "mutability": "readWrite", "returned": "default", "uniqueness": "none"})
}

/// `message-schemas-listed`: the ListResponse message schema as a schema resource, which
/// RFC 7644 §3.1 says SHALL NOT be discoverable at `/Schemas`.
fn list_response_schema() -> Value {
    serde_json::json!({
        "schemas": [crate::scim::model::SCHEMA_SCHEMA],
        "id": crate::scim::model::LIST_RESPONSE,
        "name": "ListResponse",
        "description": "A page of a query's results.",
        "attributes": [{"name": "totalResults", "type": "integer", "multiValued": false,
            "description": "The number of results.", "required": true, "caseExact": false,
            "mutability": "readOnly", "returned": "always", "uniqueness": "none"}],
    })
}

/// The schema of schemas as RFC 7643 §8.7.2 writes it (descriptions shortened): an attribute
/// definition's `subAttributes` are attribute definitions again, so the RFC's own text nests a
/// complex sub-attribute that §2.3.8 forbids elsewhere.
fn schema_schema() -> Value {
    let plain = |name: &str, kind: &str, multi: bool| {
        serde_json::json!({"name": name, "type": kind, "multiValued": multi,
            "description": format!("The attribute's {name}."), "required": false,
            "caseExact": false, "mutability": "readOnly", "returned": "default",
            "uniqueness": "none"})
    };
    let characteristics = || {
        vec![
            plain("name", "string", false),
            plain("type", "string", false),
            plain("multiValued", "boolean", false),
            plain("description", "string", false),
            plain("required", "boolean", false),
            plain("canonicalValues", "string", true),
            plain("caseExact", "boolean", false),
            plain("mutability", "string", false),
            plain("returned", "string", false),
            plain("uniqueness", "string", false),
            plain("referenceTypes", "string", true),
        ]
    };
    let mut sub_attributes = plain("subAttributes", "complex", true);
    sub_attributes["subAttributes"] = Value::from(characteristics());
    let mut definitions = characteristics();
    definitions.push(sub_attributes);
    let mut attributes = plain("attributes", "complex", true);
    attributes["subAttributes"] = Value::from(definitions);
    serde_json::json!({
        "schemas": [crate::scim::model::SCHEMA_SCHEMA],
        "id": crate::scim::model::SCHEMA_SCHEMA,
        "name": "Schema",
        "description": "Specifies the schema that describes a SCIM schema",
        "attributes": [
            plain("id", "string", false),
            plain("name", "string", false),
            plain("description", "string", false),
            attributes,
        ],
    })
}

/// The attribute `name` of a schema (or the sub-attribute of a complex attribute's
/// definition), found by name ignoring case, for a quirk to change how it is described.
fn attribute_mut<'a>(definition: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    ["attributes", "subAttributes"]
        .into_iter()
        .find(|key| definition.get(*key).is_some())
        .and_then(|key| definition.get_mut(key))
        .and_then(Value::as_array_mut)?
        .iter_mut()
        .find(|attribute| {
            attribute
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|found| found.eq_ignore_ascii_case(name))
        })
}

/// Keeps, of the sub-attributes `/Schemas` declares for `attribute` of a schema, those whose
/// name passes `keep`.
fn retain_sub_attributes(schema: &mut Value, attribute: &str, keep: impl Fn(&str) -> bool) {
    if let Some(Value::Array(subs)) =
        attribute_mut(schema, attribute).and_then(|definition| definition.get_mut("subAttributes"))
    {
        subs.retain(|sub| sub.get("name").and_then(Value::as_str).is_some_and(&keep));
    }
}
