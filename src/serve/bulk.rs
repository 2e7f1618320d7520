//! `POST /Bulk` (RFC 7644 §3.7): operations run one by one through the same dispatch as single
//! requests, `bulkId:` references resolved (also forward ones, §3.7.2), `failOnErrors` honoured
//! and `maxOperations` enforced with 413. It does not enforce the payload size: the HTTP edge
//! does, before the body is read.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::scim::method::Method;
use crate::scim::model::{BULK_RESPONSE, ScimError, ScimType};
use crate::scim::resource::get_ci;
use crate::serve::api::{ApiRequest, Reply, Server, resource_kind};
use crate::serve::query::QueryPairs;

const REFERENCE_PREFIX: &str = "bulkId:";

/// One operation as read from the request.
#[derive(Debug)]
struct Operation {
    method: Method,
    method_text: String,
    bulk_id: Option<String>,
    version: Option<String>,
    path: String,
    data: Option<Value>,
    /// `bulk-circle-created-twice`: the resource was created once already, to break a circle;
    /// this operation creates it again whatever holds its name.
    creates_again: bool,
}

/// Runs a BulkRequest and answers a BulkResponse (200 even when operations failed).
pub(crate) fn run(server: &Server, body: Value) -> Result<Reply, ScimError> {
    let raw_operations = operations_of(server, &body)?;
    let fail_on_errors = server.quirks().bulk_error_limit(fail_on_errors(&body)?);

    let mut results: Vec<Option<Value>> = vec![None; raw_operations.len()];
    let mut pending: Vec<(usize, Operation)> = Vec::new();
    let mut errors = 0u64;
    for (index, raw) in raw_operations.iter().enumerate() {
        match read_operation(raw) {
            Ok(op) => pending.push((index, op)),
            Err((method, error)) => {
                errors += 1;
                if let Some(slot) = results.get_mut(index) {
                    *slot = Some(failure(server, &method, None, &error));
                }
            }
        }
    }

    let mut resolved: HashMap<String, String> = HashMap::new();
    while !pending.is_empty() && fail_on_errors.is_none_or(|n| errors < n) {
        let awaited: Vec<String> = pending
            .iter()
            .filter_map(|(_, op)| op.bulk_id.clone())
            .collect();
        let mut deferred = Vec::new();
        let mut progressed = false;
        for (index, op) in pending {
            if fail_on_errors.is_some_and(|n| errors >= n) {
                break;
            }
            let references = references_of(&op);
            if references.iter().any(|r| {
                !resolved.contains_key(r) && awaited.contains(r) && op.bulk_id.as_ref() != Some(r)
            }) {
                deferred.push((index, op));
                continue;
            }
            progressed = true;
            let outcome = match references.iter().find(|r| !resolved.contains_key(*r)) {
                Some(missing) => failure(
                    server,
                    &op.method_text,
                    op.bulk_id.as_deref(),
                    &ScimError::status(
                        409,
                        format!(
                            "bulkId `{missing}` does not name a successful POST in this request"
                        ),
                    ),
                ),
                None => execute(server, &op, &resolved),
            };
            if failed(&outcome) {
                errors += 1;
            }
            if let (Some(bulk_id), Some(id)) = (&op.bulk_id, created_id(&outcome)) {
                resolved.insert(bulk_id.clone(), id);
            }
            if let Some(slot) = results.get_mut(index) {
                *slot = Some(outcome);
            }
        }
        let circle_broken = !progressed
            && server.quirks().bulk_circle_created_twice
            && break_circle(server, &mut deferred, &mut resolved);
        if !progressed && !circle_broken {
            for (index, op) in deferred {
                // `bulk-circular-500`: the circle ends in a server error, not RFC 7644 §3.7.1's 409.
                let status = if server.quirks().bulk_circular_500 {
                    500
                } else {
                    409
                };
                let error =
                    ScimError::status(status, "circular bulkId references cannot be resolved");
                if let Some(slot) = results.get_mut(index) {
                    *slot = Some(failure(
                        server,
                        &op.method_text,
                        op.bulk_id.as_deref(),
                        &error,
                    ));
                }
            }
            break;
        }
        pending = deferred;
    }

    let operations: Vec<Value> = results.into_iter().flatten().collect();
    let body = json!({"schemas": [BULK_RESPONSE], "Operations": operations});
    Ok(Reply {
        status: 200,
        body: Some(body.to_string()),
        headers: Vec::new(),
    })
}

/// The request's `Operations`, at most `maxOperations` of them (RFC 7644 §3.7.3: more is 413)
/// unless `ignore-bulk-limits`.
fn operations_of<'b>(server: &Server, body: &'b Value) -> Result<&'b Vec<Value>, ScimError> {
    let Some(Value::Array(raw_operations)) = get_ci(body, "Operations") else {
        return Err(ScimError::typed(
            ScimType::InvalidSyntax,
            "a BulkRequest needs an `Operations` array",
        ));
    };
    let limit = server.limits().bulk_max_operations;
    if raw_operations.len() > limit && !server.quirks().ignore_bulk_limits {
        return Err(ScimError::status(
            413,
            format!(
                "{} operations exceed maxOperations {limit}",
                raw_operations.len()
            ),
        ));
    }
    Ok(raw_operations)
}

/// `failOnErrors` (RFC 7644 §3.7.3): how many errors end the request; `None` for no limit.
fn fail_on_errors(body: &Value) -> Result<Option<u64>, ScimError> {
    match get_ci(body, "failOnErrors") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_u64() {
            Some(n) if n >= 1 => Ok(Some(n)),
            _ => Err(ScimError::typed(
                ScimType::InvalidValue,
                "`failOnErrors` must be an integer of at least 1",
            )),
        },
    }
}

fn read_operation(raw: &Value) -> Result<Operation, (String, ScimError)> {
    let text = |name| {
        get_ci(raw, name)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let method_text = text("method").unwrap_or_default();
    let invalid = |detail: &str| {
        (
            method_text.clone(),
            ScimError::typed(ScimType::InvalidValue, detail.to_string()),
        )
    };
    let Some(method @ (Method::Post | Method::Put | Method::Patch | Method::Delete)) =
        Method::parse(&method_text)
    else {
        return Err(invalid("`method` must be POST, PUT, PATCH or DELETE"));
    };
    let Some(path) = text("path").filter(|p| p.starts_with('/')) else {
        return Err(invalid("`path` must be a string starting with `/`"));
    };
    if path
        .trim_start_matches('/')
        .to_ascii_lowercase()
        .starts_with("bulk")
    {
        return Err(invalid("a bulk operation cannot target /Bulk"));
    }
    let bulk_id = text("bulkId");
    if method == Method::Post && bulk_id.is_none() {
        return Err(invalid("a POST operation needs a `bulkId` (RFC 7644 §3.7)"));
    }
    Ok(Operation {
        method,
        method_text: method.as_str().to_string(),
        bulk_id,
        version: text("version"),
        path,
        data: get_ci(raw, "data").cloned(),
        creates_again: false,
    })
}

/// `bulk-circle-created-twice`: breaks a circle SCIMMY's way. The first waiting POST whose
/// `bulkId` has no id yet is created without what refers to bulkIds not yet resolved, and its
/// `bulkId` now names that resource; the operation itself still waits, and creates the resource
/// again once the rest of the circle is created. False when there is no such POST or that first
/// create fails.
fn break_circle(
    server: &Server,
    waiting: &mut [(usize, Operation)],
    resolved: &mut HashMap<String, String>,
) -> bool {
    let Some(op) = waiting.iter_mut().map(|(_, op)| op).find(|op| {
        op.method == Method::Post
            && op
                .bulk_id
                .as_ref()
                .is_some_and(|b| !resolved.contains_key(b))
    }) else {
        return false;
    };
    let mut data = op.data.clone();
    if let Some(data) = &mut data {
        strip_unresolved(data, resolved);
    }
    let first_write = Operation {
        method: op.method,
        method_text: op.method_text.clone(),
        bulk_id: op.bulk_id.clone(),
        version: None,
        path: op.path.clone(),
        data,
        creates_again: false,
    };
    let Some(id) = created_id(&execute(server, &first_write, resolved)) else {
        return false;
    };
    if let Some(bulk_id) = &op.bulk_id {
        resolved.insert(bulk_id.clone(), id);
    }
    op.creates_again = true;
    true
}

/// Drops from `value` every string member of an object, and every element of a list, that
/// refers to a bulkId not in `resolved`.
fn strip_unresolved(value: &mut Value, resolved: &HashMap<String, String>) {
    let unresolved = |value: &Value| {
        let mut found = Vec::new();
        collect_references(value, &mut found);
        found.iter().any(|r| !resolved.contains_key(r))
    };
    match value {
        Value::Array(items) => items.retain(|item| !unresolved(item)),
        Value::Object(map) => {
            map.retain(|_, v| !(v.is_string() && unresolved(v)));
            map.values_mut().for_each(|v| strip_unresolved(v, resolved));
        }
        _ => {}
    }
}

/// Every `bulkId:X` the operation refers to, in its path or anywhere in its data.
fn references_of(op: &Operation) -> Vec<String> {
    let mut found = Vec::new();
    for segment in op.path.split('/') {
        if let Some(id) = segment.strip_prefix(REFERENCE_PREFIX) {
            found.push(id.to_string());
        }
    }
    if let Some(data) = &op.data {
        collect_references(data, &mut found);
    }
    found
}

fn collect_references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::String(s) => {
            if let Some(id) = s.strip_prefix(REFERENCE_PREFIX) {
                found.push(id.to_string());
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, found)),
        Value::Object(map) => map.values().for_each(|v| collect_references(v, found)),
        _ => {}
    }
}

/// Puts the ids of `resolved` in place of the `bulkId:X` strings in `value`; with
/// `skip_extensions` (`bulk-extension-references-unresolved`) not inside an extension's object
/// (a member keyed by its schema URN), as a server that resolves only the core attributes it
/// knows (RFC 7644 §3.7.2 makes extensions' references resolved the same way).
fn substitute(value: &mut Value, resolved: &HashMap<String, String>, skip_extensions: bool) {
    match value {
        Value::String(s) => {
            if let Some(id) = s
                .strip_prefix(REFERENCE_PREFIX)
                .and_then(|b| resolved.get(b))
            {
                *s = id.clone();
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| substitute(v, resolved, skip_extensions)),
        Value::Object(map) => map
            .iter_mut()
            .filter(|(key, _)| !(skip_extensions && key.starts_with("urn:")))
            .for_each(|(_, v)| substitute(v, resolved, skip_extensions)),
        _ => {}
    }
}

fn execute(server: &Server, op: &Operation, resolved: &HashMap<String, String>) -> Value {
    let path: Vec<String> = op
        .path
        .split('/')
        .map(|segment| match segment.strip_prefix(REFERENCE_PREFIX) {
            Some(bulk_id) => resolved.get(bulk_id).cloned().unwrap_or_default(),
            None => segment.to_string(),
        })
        .collect();
    let path = path.join("/");
    let (path, query) = path.split_once('?').unwrap_or((&path, ""));
    let mut data = op.data.clone();
    if let Some(data) = &mut data {
        substitute(
            data,
            resolved,
            server.quirks().bulk_extension_references_unresolved,
        );
    }
    let query = match QueryPairs::parse(query) {
        Ok(query) => query,
        Err(error) => return failure(server, &op.method_text, op.bulk_id.as_deref(), &error),
    };
    let request = ApiRequest {
        method: Some(op.method),
        path,
        query,
        body: data,
        if_match: op.version.as_deref(),
        if_none_match: None,
    };
    let kind = resource_kind(request.path.trim_start_matches('/'));
    let reply = match kind {
        Some(kind) if op.creates_again => server.create_despite_name(kind, request),
        _ => server.dispatch(request),
    }
    .unwrap_or_else(|failure| failure.reply(server.quirks()));
    let mut result = Map::new();
    result.insert("method".into(), op.method_text.clone().into());
    if let Some(bulk_id) = &op.bulk_id {
        result.insert("bulkId".into(), bulk_id.clone().into());
    }
    let header = |name: &str| {
        reply
            .headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    let failed = reply.status >= 400;
    // RFC 7644 §3.7.3: a location for every operation but a failed POST, which created nothing.
    if !failed || op.method != Method::Post {
        let location =
            header("location").unwrap_or_else(|| format!("{}{}", server.base_url(), path));
        result.insert("location".into(), location.into());
    }
    if !failed {
        if let Some(version) = header("etag") {
            result.insert("version".into(), version.into());
        }
    } else {
        let body = reply
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
            .unwrap_or(Value::Null);
        result.insert("response".into(), body);
    }
    result.insert("status".into(), reply.status.to_string().into());
    Value::Object(result)
}

fn failure(server: &Server, method: &str, bulk_id: Option<&str>, error: &ScimError) -> Value {
    let reply = Reply::error(error, server.quirks());
    let body = reply
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    let mut result = Map::new();
    result.insert("method".into(), method.into());
    if let Some(bulk_id) = bulk_id {
        result.insert("bulkId".into(), bulk_id.into());
    }
    result.insert("status".into(), error.status.to_string().into());
    result.insert("response".into(), body);
    Value::Object(result)
}

fn failed(result: &Value) -> bool {
    result
        .get("status")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<u16>().ok())
        .is_none_or(|status| status >= 400)
}

/// The id a successful POST result created: the last segment of its location.
fn created_id(result: &Value) -> Option<String> {
    let status = result.get("status")?.as_str()?;
    if status != "201" {
        return None;
    }
    let location = result.get("location")?.as_str()?;
    location.rsplit('/').next().map(str::to_string)
}
