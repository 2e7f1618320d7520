//! `scimctl discover`: the server's ServiceProviderConfig, ResourceTypes and Schemas, from
//! the cache unless `--refresh`. Problems with the documents are warnings, never failures.

use std::io::Write;

use serde_json::{Value, json};

use super::session::Session;
use crate::cli::config::DiscoverArgs;
use crate::output::{Column, Format};
use crate::scim::schema::{ResourceSchema, ServiceProviderConfig};

/// Runs `discover`.
pub async fn run(session: &mut Session, args: DiscoverArgs) -> anyhow::Result<()> {
    let discovery = session.rediscover(args.refresh).await.clone();
    for warning in &discovery.warnings {
        session.client.recorder().warning(warning);
    }
    let document = json!({
        "serviceProviderConfig": discovery.config.as_ref().map(|c| c.to_json()),
        "resourceTypes": discovery.resource_types.iter().map(|rt| rt.to_json()).collect::<Vec<_>>(),
        "schemas": discovery.schemas.iter().map(|s| s.to_json()).collect::<Vec<_>>(),
    });
    if !matches!(session.format(), Format::Table | Format::Csv) {
        let mut printer = session.printer(Vec::new(), ResourceSchema::user())?;
        printer.resource(&document, None)?;
        return Ok(());
    }
    let features = discovery
        .config
        .as_ref()
        .map(feature_rows)
        .unwrap_or_default();
    let resource_types: Vec<Value> = discovery
        .resource_types
        .iter()
        .map(|rt| {
            json!({
                "name": rt.name,
                "endpoint": rt.endpoint,
                "schema": rt.schema,
                "extensions": rt.schema_extensions.iter().map(|e| e.schema.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let schemas: Vec<Value> = discovery
        .schemas
        .iter()
        .map(|s| json!({"id": s.id, "name": s.name, "attributes": s.attributes.len()}))
        .collect();
    let sections: [(&[&str], Vec<Value>); 3] = [
        (&["feature", "supported", "limits"], features),
        (
            &["name", "endpoint", "schema", "extensions"],
            resource_types,
        ),
        (&["id", "name", "attributes"], schemas),
    ];
    let mut first = true;
    for (headers, rows) in sections {
        if rows.is_empty() {
            continue;
        }
        if !first && session.format() == Format::Table {
            // Compact tables have no rules: a blank line tells one from the next.
            writeln!(std::io::stdout())?;
        }
        first = false;
        let columns = headers
            .iter()
            .filter_map(|h| Column::path(h).ok())
            .collect();
        let mut printer = session.printer(columns, ResourceSchema::user())?;
        let mut listing = printer.list();
        listing.page(&rows)?;
        listing.finish()?;
    }
    if discovery.from_cache {
        session.note("(from the discovery cache; --refresh fetches it again)");
    }
    Ok(())
}

/// One row per feature of a ServiceProviderConfig. A limit the server did not state is left
/// out of `limits` (a 0 there would be a number nobody read).
fn feature_rows(config: &ServiceProviderConfig) -> Vec<Value> {
    let stated = |parts: &[(Option<u64>, &str)]| -> Value {
        let known: Vec<String> = parts
            .iter()
            .filter_map(|(value, unit)| value.map(|value| format!("{value} {unit}")))
            .collect();
        if known.is_empty() {
            Value::Null
        } else {
            Value::String(known.join(", "))
        }
    };
    let schemes: Vec<&str> = config
        .authentication_schemes
        .iter()
        .map(|s| s.scheme_type.as_str())
        .collect();
    vec![
        json!({"feature": "patch", "supported": config.patch}),
        json!({"feature": "bulk", "supported": config.bulk.supported,
               "limits": stated(&[(config.bulk.max_operations, "operations"),
                                   (config.bulk.max_payload_size, "bytes")])}),
        json!({"feature": "filter", "supported": config.filter.supported,
               "limits": stated(&[(config.filter.max_results, "results")])}),
        json!({"feature": "sort", "supported": config.sort}),
        json!({"feature": "etag", "supported": config.etag}),
        json!({"feature": "changePassword", "supported": config.change_password}),
        json!({"feature": "authentication", "supported": !schemes.is_empty(),
               "limits": schemes.join(", ")}),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_the_server_did_not_state_are_not_shown_as_zero() {
        let config = ServiceProviderConfig::from_json(&json!({
            "bulk": {"supported": true, "maxPayloadSize": 1048576},
            "filter": {"supported": true}
        }))
        .expect("readable");
        let rows = feature_rows(&config);
        assert_eq!(rows[1]["limits"], "1048576 bytes");
        assert_eq!(rows[2]["limits"], Value::Null);
        let stated = ServiceProviderConfig::from_json(&json!({
            "bulk": {"supported": true, "maxOperations": 10, "maxPayloadSize": 2048},
            "filter": {"supported": true, "maxResults": 0}
        }))
        .expect("readable");
        let rows = feature_rows(&stated);
        assert_eq!(rows[1]["limits"], "10 operations, 2048 bytes");
        assert_eq!(rows[2]["limits"], "0 results", "a stated 0 is shown");
    }
}
