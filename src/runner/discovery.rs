//! What the server advertises, read once per run and by `--list`: ServiceProviderConfig
//! features and resource types. Two GETs; it sends nothing else and judges nothing.

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
    /// Resource type names from `/ResourceTypes`; `None` when unreadable (then no check is
    /// skipped for a missing resource type).
    pub(super) resource_types: Option<Vec<String>>,
    /// The `schemaExtensions` URNs of every resource type; `None` as for `resource_types`.
    pub(super) extensions: Option<Vec<String>>,
}

/// Reads ServiceProviderConfig and ResourceTypes (two GETs, nothing else). Fails when the server
/// does not answer, or refuses the credentials (every check would fail for that one reason).
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
    let types = get_json(service, "/ResourceTypes").await?;
    let listed = types.as_ref().map(resource_types);
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
    Ok(Discovery {
        capabilities,
        resource_types,
        extensions,
    })
}

/// The resource type objects of a `/ResourceTypes` answer: a ListResponse, or a bare array as
/// some servers answer.
fn resource_types(body: &Value) -> Vec<&Map<String, Value>> {
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
