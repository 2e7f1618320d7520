//! The discovery stage: /ServiceProviderConfig, /ResourceTypes and /Schemas present, readable
//! and consistent (every schema a resource type names is served), what they advertise, and a
//! `filter` on a discovery endpoint refused with 403. What it reads sets the endpoints, the
//! schemas and the claims the later stages use; a missing document never stops them (the
//! RFC's endpoints and schemas stand in). It judges answers only; the [`Sender`] sends.

use std::fmt::Display;

use serde_json::Value;

use crate::findings::{Deviation, Line};
use crate::scim::list::parse_list_response;
use crate::scim::schema::{ResourceType, Schema, ServiceProviderConfig};
use crate::scim::schema_set::SchemaSet;

use super::{Context, Exchange, Probe, Sender};

/// Reads the three documents, judges them and fills `context` in; returns the lines and the
/// exchanges (for the media-type stage).
pub async fn run(sender: &dyn Sender, context: &mut Context) -> (Vec<Line>, Vec<Exchange>) {
    let config = sender
        .send(&Probe::get("/ServiceProviderConfig", &[]))
        .await;
    let types = sender.send(&Probe::get("/ResourceTypes", &[])).await;
    let schemas = sender.send(&Probe::get("/Schemas", &[])).await;
    let mut lines = Vec::new();
    context.config = judge_config(&config, &mut lines);
    let resource_types = judge_listed(&types, ResourceType::from_json, &mut lines);
    let served = judge_listed(&schemas, Schema::from_json, &mut lines);
    if let Some(resource_types) = &resource_types {
        lines.push(Line::Ok(format!(
            "{}: {}",
            types.label,
            describe_types(resource_types)
        )));
    }
    if let Some(served) = &served {
        let names: Vec<&str> = served.iter().map(|schema| schema.name.as_str()).collect();
        lines.push(Line::Ok(format!(
            "{}: {} schema(s): {}",
            schemas.label,
            served.len(),
            names.join(", ")
        )));
    }
    if let (Some(resource_types), Some(served)) = (&resource_types, &served) {
        let missing = missing_schemas(&schemas, resource_types, served);
        let complete = super::findings(&missing).next().is_none();
        lines.extend(missing);
        let endpoint = |name: &str| {
            resource_types
                .iter()
                .find(|rt| rt.name.eq_ignore_ascii_case(name))
                .map(|rt| rt.endpoint.clone())
        };
        if let Some(users) = endpoint("User") {
            context.users = users;
        }
        if let Some(groups) = endpoint("Group") {
            context.groups = groups;
        }
        // With a schema missing, answers are linted against the RFC's schemas instead: the
        // gap is one finding, not one per attribute of every user read.
        if complete && !served.is_empty() && !resource_types.is_empty() {
            context.schemas = SchemaSet::new(served.clone(), resource_types.clone());
        }
    }
    let filtered = sender
        .send(&Probe::get(
            "/ResourceTypes",
            &[("filter", "name eq \"User\"")],
        ))
        .await;
    lines.push(judge_filter(&filtered));
    (lines, vec![config, types, schemas])
}

/// The ServiceProviderConfig, read; a line saying what it claims or why it cannot be read.
pub fn judge_config(exchange: &Exchange, lines: &mut Vec<Line>) -> Option<ServiceProviderConfig> {
    let body = document(exchange, lines)?;
    match ServiceProviderConfig::from_json(&body) {
        Ok(config) => {
            lines.push(Line::Ok(format!(
                "{}: {}",
                exchange.label,
                describe_config(&config)
            )));
            Some(config)
        }
        Err(error) => {
            lines.push(exchange.finding(
                Deviation::DiscoveryUnavailable,
                format!("not a ServiceProviderConfig: {error}"),
            ));
            None
        }
    }
}

/// The JSON body of a discovery answer, or a finding saying why there is none.
fn document(exchange: &Exchange, lines: &mut Vec<Line>) -> Option<Value> {
    if !exchange.succeeded() {
        let line = match &exchange.answer {
            Err(failure) => Line::Failed(format!(
                "{}: no answer: {}",
                exchange.label, failure.message
            )),
            Ok(_) => exchange.finding(
                Deviation::DiscoveryUnavailable,
                format!("answered {}", exchange.summary()),
            ),
        };
        lines.push(line);
        return None;
    }
    let body = exchange.json();
    if body.is_none() {
        lines.push(exchange.finding(Deviation::DiscoveryUnavailable, "the answer is not JSON"));
    }
    body
}

/// The entries of a listed discovery document that read, with a finding per entry that does
/// not; `None` when there is no list at all.
pub fn judge_listed<T, E: Display>(
    exchange: &Exchange,
    read: impl Fn(&Value) -> Result<T, E>,
    lines: &mut Vec<Line>,
) -> Option<Vec<T>> {
    let body = document(exchange, lines)?;
    let page = match parse_list_response(body) {
        Ok(page) => page,
        Err(why) => {
            lines.push(exchange.finding(Deviation::DiscoveryUnavailable, why));
            return None;
        }
    };
    let mut read_ones = Vec::new();
    for (index, entry) in page.resources.iter().enumerate() {
        match read(entry) {
            Ok(item) => read_ones.push(item),
            Err(error) => lines.push(exchange.finding(
                Deviation::DiscoveryUnavailable,
                format!("entry {index} cannot be read: {error}"),
            )),
        }
    }
    Some(read_ones)
}

/// `patch, bulk (1000 operations), filter (200 results), etag; not: sort, changePassword`.
pub fn describe_config(config: &ServiceProviderConfig) -> String {
    let limit =
        |value: Option<u64>, unit: &str| value.map_or(String::new(), |n| format!(" ({n} {unit})"));
    let features = [
        ("patch", config.patch, String::new()),
        (
            "bulk",
            config.bulk.supported,
            limit(config.bulk.max_operations, "operations"),
        ),
        (
            "filter",
            config.filter.supported,
            limit(config.filter.max_results, "results"),
        ),
        ("sort", config.sort, String::new()),
        ("etag", config.etag, String::new()),
        ("changePassword", config.change_password, String::new()),
    ];
    let claimed: Vec<String> = features
        .iter()
        .filter(|(_, on, _)| *on)
        .map(|(name, _, detail)| format!("{name}{detail}"))
        .collect();
    let unclaimed: Vec<&str> = features
        .iter()
        .filter(|(_, on, _)| !*on)
        .map(|(name, _, _)| *name)
        .collect();
    let mut text = if claimed.is_empty() {
        "claims no optional feature".to_owned()
    } else {
        format!("claims {}", claimed.join(", "))
    };
    if !unclaimed.is_empty() {
        text.push_str(&format!("; not {}", unclaimed.join(", ")));
    }
    text
}

/// `User at /Users (1 extension), Group at /Groups`.
fn describe_types(resource_types: &[ResourceType]) -> String {
    if resource_types.is_empty() {
        return "no resource type".to_owned();
    }
    let described: Vec<String> = resource_types
        .iter()
        .map(|rt| match rt.schema_extensions.len() {
            0 => format!("{} at {}", rt.name, rt.endpoint),
            n => format!("{} at {} ({n} extension(s))", rt.name, rt.endpoint),
        })
        .collect();
    described.join(", ")
}

/// A finding per schema a resource type names that /Schemas does not serve.
pub fn missing_schemas(
    schemas: &Exchange,
    resource_types: &[ResourceType],
    served: &[Schema],
) -> Vec<Line> {
    let is_served = |urn: &str| served.iter().any(|s| s.id.eq_ignore_ascii_case(urn));
    let mut lines = Vec::new();
    for rt in resource_types {
        let named =
            std::iter::once(&rt.schema).chain(rt.schema_extensions.iter().map(|e| &e.schema));
        for urn in named.filter(|urn| !is_served(urn)) {
            lines.push(schemas.finding(
                Deviation::DiscoverySchemaMissing,
                format!(
                    "the {} resource type names `{urn}`, which /Schemas leaves out",
                    rt.name
                ),
            ));
        }
    }
    if lines.is_empty() && !resource_types.is_empty() {
        lines.push(Line::Ok(
            "every schema the resource types name is served".to_owned(),
        ));
    }
    lines
}

/// A `filter` on a discovery endpoint: refused (403, RFC 7644 §4), or a finding when served.
pub fn judge_filter(exchange: &Exchange) -> Line {
    match exchange.status() {
        Some(status) if (200..300).contains(&status) => exchange.finding(
            Deviation::DiscoveryFilterAccepted,
            format!("answered {status}, not 403"),
        ),
        Some(_) => Line::Ok(exchange.described()),
        None => Line::Failed(format!("{}: {}", exchange.label, exchange.summary())),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::client::Response;

    fn answer(label: &str, status: u16, body: &Value) -> Exchange {
        Exchange {
            label: label.to_owned(),
            answer: Ok(Response {
                status,
                headers: Vec::new(),
                body: body.to_string().into_bytes(),
                elapsed: Duration::ZERO,
            }),
        }
    }

    fn keys(lines: &[Line]) -> Vec<&'static str> {
        super::super::findings(lines)
            .map(|f| f.deviation.key())
            .collect()
    }

    #[test]
    fn a_missing_or_unreadable_config_is_named() {
        let mut lines = Vec::new();
        let missing = answer("GET /ServiceProviderConfig", 404, &json!({}));
        assert!(judge_config(&missing, &mut lines).is_none());
        let broken = answer("GET /ServiceProviderConfig", 200, &json!({"patch": "yes"}));
        assert!(judge_config(&broken, &mut lines).is_none());
        assert_eq!(
            keys(&lines),
            ["discovery-unavailable", "discovery-unavailable"]
        );
    }

    #[test]
    fn a_config_says_what_it_claims_and_what_not() {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": true},
            "bulk": {"supported": true, "maxOperations": 10, "maxPayloadSize": 1000},
            "filter": {"supported": true, "maxResults": 50},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": true},
            "authenticationSchemes": []
        });
        let config = ServiceProviderConfig::from_json(&body).expect("config");
        assert_eq!(
            describe_config(&config),
            "claims patch, bulk (10 operations), filter (50 results), etag; not sort, \
             changePassword"
        );
    }

    #[test]
    fn a_resource_type_whose_schema_is_not_served_is_named() {
        let user = ResourceType::from_json(&json!({
            "id": "User", "name": "User", "endpoint": "/Users",
            "schema": "urn:ietf:params:scim:schemas:core:2.0:User"
        }))
        .expect("resource type");
        let schemas = answer("GET /Schemas", 200, &json!({}));
        let lines = missing_schemas(&schemas, std::slice::from_ref(&user), &[]);
        assert_eq!(keys(&lines), ["discovery-schema-missing"]);
        let served = SchemaSet::builtin().schemas;
        assert!(keys(&missing_schemas(&schemas, &[user], &served)).is_empty());
    }

    #[test]
    fn a_discovery_filter_must_be_refused() {
        let served = answer(
            "GET /ResourceTypes?filter=name eq \"User\"",
            200,
            &json!({}),
        );
        assert_eq!(
            keys(&[judge_filter(&served)]),
            ["discovery-filter-accepted"]
        );
        let refused = answer(
            "GET /ResourceTypes?filter=name eq \"User\"",
            403,
            &json!({}),
        );
        assert!(keys(&[judge_filter(&refused)]).is_empty());
    }
}
