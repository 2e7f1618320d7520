//! What the server advertises, read once per run and by `--list`: ServiceProviderConfig
//! features, resource types and the attributes their schemas declare writable. Three GETs; it
//! sends nothing else and judges nothing.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::RunError;
use super::request::plain;
use super::service::Service;
use crate::scim::method::Method;
use crate::scim::resource::get_ci;
use crate::scim::schema::ServiceProviderConfig;
use crate::suite::CAPABILITIES;

/// What the server advertises.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Discovery {
    /// `ServiceProviderConfig` features and whether each is supported; `None` when the document
    /// could not be read (then every capability counts as not advertised).
    pub(super) capabilities: Option<HashMap<String, bool>>,
    /// Features the `ServiceProviderConfig` states as a bare value (`"patch": true`) instead of
    /// the object with `supported` RFC 7643 §5 defines, with that value as JSON text; such a
    /// feature is not advertised, and a skip for it says why.
    pub(super) unshaped_capabilities: HashMap<String, String>,
    /// Resource type names from `/ResourceTypes`; `None` when unreadable (then no check is
    /// skipped for a missing resource type).
    pub(super) resource_types: Option<Vec<String>>,
    /// The `schemaExtensions` URNs of every resource type; when `/ResourceTypes` cannot be
    /// read, the ids of the schemas `/Schemas` defines (a server without resource types still
    /// says there which extensions it has); `None` when neither can be read.
    pub(super) extensions: Option<Vec<String>>,
    /// Per resource type (its name in lowercase), the paths (`nickName`, `name.givenName`) of
    /// the attributes of its core schema whose mutability is not `readOnly`, from `/Schemas`.
    /// A resource type is absent when `/Schemas` or its schema there could not be read.
    pub(super) writable: HashMap<String, Vec<String>>,
}

impl Discovery {
    /// The writable attribute paths `/Schemas` declares for a resource type; `None` when that
    /// could not be read (then no check is skipped for a missing attribute).
    pub(super) fn writable_attributes(&self, resource_type: &str) -> Option<&[String]> {
        self.writable
            .get(&resource_type.to_ascii_lowercase())
            .map(Vec::as_slice)
    }
}

/// Reads ServiceProviderConfig, ResourceTypes and Schemas, then one page of one user (four GETs,
/// nothing else). Fails when the server does not answer, or refuses the credentials (every
/// check would fail for that one reason).
pub async fn discover(service: &dyn Service) -> Result<Discovery, RunError> {
    let spc = get_json(service, "/ServiceProviderConfig").await?;
    let capabilities = spc.as_ref().filter(|doc| doc.is_object()).map(|doc| {
        CAPABILITIES
            .iter()
            .map(|name| {
                let advertised = ServiceProviderConfig::advertises(doc, name);
                ((*name).to_owned(), advertised)
            })
            .collect()
    });
    let unshaped_capabilities = spc
        .as_ref()
        .and_then(Value::as_object)
        .map(unshaped_capabilities)
        .unwrap_or_default();
    let types = get_json(service, "/ResourceTypes").await?;
    let listed = types.as_ref().map(list_items);
    let resource_types = listed.as_ref().map(|types| {
        types
            .iter()
            .filter_map(|rt| get_ci(rt, "name").and_then(Value::as_str))
            .map(str::to_owned)
            .collect()
    });
    let extensions = listed.as_ref().map(|types| {
        types
            .iter()
            .filter_map(|rt| get_ci(rt, "schemaExtensions").and_then(Value::as_array))
            .flatten()
            .filter_map(|extension| {
                let extension = extension.as_object()?;
                get_ci(extension, "schema").and_then(Value::as_str)
            })
            .map(str::to_owned)
            .collect()
    });
    let schemas = match &listed {
        Some(types) if types.is_empty() => None,
        _ => get_json(service, "/Schemas").await?,
    };
    let extensions = match (&listed, &schemas) {
        (None, Some(schemas)) => Some(schema_ids(schemas)),
        _ => extensions,
    };
    let writable = match (&listed, &schemas) {
        (Some(types), Some(schemas)) => writable_attributes(types, &list_items(schemas)),
        _ => HashMap::new(),
    };
    probe_credentials(service, &users_endpoint(listed.as_deref())).await?;
    Ok(Discovery {
        capabilities,
        unshaped_capabilities,
        resource_types,
        extensions,
        writable,
    })
}

/// The features a ServiceProviderConfig states as something other than an object (or null),
/// e.g. scim-server (Rust) writes `"patch": true`, each with its value as JSON text.
fn unshaped_capabilities(config: &Map<String, Value>) -> HashMap<String, String> {
    CAPABILITIES
        .iter()
        .filter_map(|name| match get_ci(config, name)? {
            Value::Object(_) | Value::Null => None,
            bare => Some(((*name).to_owned(), bare.to_string())),
        })
        .collect()
}

/// For each resource type whose core schema `/Schemas` holds, the paths of the attributes and
/// sub-attributes that schema does not declare `readOnly` (RFC 7643 §7: the default is
/// `readWrite`).
fn writable_attributes(
    types: &[&Map<String, Value>],
    schemas: &[&Map<String, Value>],
) -> HashMap<String, Vec<String>> {
    let text = |object: &Map<String, Value>, key: &str| {
        get_ci(object, key)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let writable = |definition: &Map<String, Value>| {
        !text(definition, "mutability").is_some_and(|m| m.eq_ignore_ascii_case("readOnly"))
    };
    let mut by_type = HashMap::new();
    for resource_type in types {
        let (Some(name), Some(urn)) = (text(resource_type, "name"), text(resource_type, "schema"))
        else {
            continue;
        };
        let Some(schema) = schemas
            .iter()
            .find(|s| text(s, "id").is_some_and(|id| id.eq_ignore_ascii_case(&urn)))
        else {
            continue;
        };
        let mut paths = Vec::new();
        for attribute in definitions(schema, "attributes")
            .iter()
            .filter(|a| writable(a))
        {
            let Some(attribute_name) = text(attribute, "name") else {
                continue;
            };
            for sub in definitions(attribute, "subAttributes")
                .iter()
                .filter(|s| writable(s))
            {
                if let Some(sub_name) = text(sub, "name") {
                    paths.push(format!("{attribute_name}.{sub_name}"));
                }
            }
            paths.push(attribute_name);
        }
        by_type.insert(name.to_ascii_lowercase(), paths);
    }
    by_type
}

/// The `id` of every schema a `/Schemas` answer defines.
fn schema_ids(schemas: &Value) -> Vec<String> {
    list_items(schemas)
        .into_iter()
        .filter_map(|schema| get_ci(schema, "id").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// The attribute definitions (RFC 7643 §7) under `key` (`attributes`, `subAttributes`).
fn definitions<'d>(object: &'d Map<String, Value>, key: &str) -> Vec<&'d Map<String, Value>> {
    get_ci(object, key)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default()
}

/// The objects of a discovery list (`/ResourceTypes`, `/Schemas`): a ListResponse, or a bare
/// array as some servers answer.
fn list_items(body: &Value) -> Vec<&Map<String, Value>> {
    let list = match body {
        Value::Array(items) => items.as_slice(),
        Value::Object(map) => get_ci(map, "Resources")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice),
        _ => &[],
    };
    list.iter().filter_map(Value::as_object).collect()
}

/// The JSON of a 200 answer to a GET; `None` for any other answer but 401 and 403.
/// The users' endpoint that `/ResourceTypes` names, or `/Users`.
fn users_endpoint(types: Option<&[&Map<String, Value>]>) -> String {
    types
        .into_iter()
        .flatten()
        .find(|rt| {
            get_ci(*rt, "name")
                .and_then(Value::as_str)
                .is_some_and(|name| name.eq_ignore_ascii_case("User"))
        })
        .and_then(|rt| get_ci(*rt, "endpoint").and_then(Value::as_str))
        .map_or_else(
            || "/Users".to_owned(),
            |endpoint| format!("/{}", endpoint.trim_start_matches('/')),
        )
}

/// Reads one user with the run's credentials. Discovery may be served to anyone (RFC 7644 §2.2
/// lets a deployment accept anonymous requests; scim2-server answers its ServiceProviderConfig
/// so), and then only a read of a resource tells a wrong token before every check fails for
/// that one reason. Only a 401 counts: a 403
/// or a 404 can mean the endpoint or the listing is not offered, which the checks judge.
async fn probe_credentials(service: &dyn Service, endpoint: &str) -> Result<(), RunError> {
    let query = vec![("count".to_owned(), "1".to_owned())];
    let exchange = service
        .send(&plain(Method::Get, endpoint, query))
        .await
        .map_err(RunError::Unreachable)?;
    if exchange.response.status == 401 {
        return Err(RunError::Refused {
            status: 401,
            path: format!("{endpoint}?count=1"),
        });
    }
    Ok(())
}

async fn get_json(service: &dyn Service, path: &str) -> Result<Option<Value>, RunError> {
    let exchange = service
        .send(&plain(Method::Get, path, Vec::new()))
        .await
        .map_err(RunError::Unreachable)?;
    match exchange.response.status {
        200 => Ok(serde_json::from_slice(&exchange.response.body).ok()),
        status @ (401 | 403) => Err(RunError::Refused {
            status,
            path: path.to_owned(),
        }),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_feature_stated_as_a_bare_value_is_recorded_with_that_value() {
        let config = json!({"patch": true, "Bulk": false, "filter": {"supported": true},
            "sort": null, "etag": "yes"});
        let unshaped = unshaped_capabilities(config.as_object().expect("an object"));
        assert_eq!(
            unshaped,
            HashMap::from([
                ("patch".to_owned(), "true".to_owned()),
                ("bulk".to_owned(), "false".to_owned()),
                ("etag".to_owned(), "\"yes\"".to_owned()),
            ]),
            "an object (the RFC's shape), null and an absent feature are not recorded"
        );
    }

    #[test]
    fn writable_attributes_are_those_schemas_does_not_declare_read_only() {
        let types = json!({"Resources": [
            {"name": "User", "schema": "urn:ietf:params:scim:schemas:core:2.0:User"},
            {"name": "Device", "schema": "urn:example:Device"}
        ]});
        let schemas = json!([{
            "id": "urn:ietf:params:scim:schemas:core:2.0:User",
            "attributes": [
                {"name": "userName", "mutability": "readWrite"},
                {"name": "nickName"},
                {"name": "groups", "mutability": "readOnly"},
                {"name": "name", "subAttributes": [
                    {"name": "givenName"},
                    {"name": "honorificPrefix", "mutability": "READONLY"}
                ]}
            ]
        }]);
        let writable = writable_attributes(&list_items(&types), &list_items(&schemas));
        assert_eq!(
            writable.get("user").map(Vec::as_slice),
            Some(
                &[
                    "userName".to_owned(),
                    "nickName".to_owned(),
                    "name.givenName".to_owned(),
                    "name".to_owned()
                ][..]
            ),
            "no mutability means readWrite (RFC 7643 §7); readOnly in any case is left out"
        );
        assert!(
            !writable.contains_key("device"),
            "a resource type whose schema /Schemas does not hold is not judged"
        );
    }
}
