//! `scimctl discover`: the server's ServiceProviderConfig, ResourceTypes and Schemas, from
//! the cache unless `--refresh`. Problems with the documents are warnings, never failures.

use std::io::Write;

use serde_json::{Value, json};

use super::session::Session;
use crate::cli::config::DiscoverArgs;
use crate::output::{Column, Format};
use crate::scim::schema::ResourceSchema;

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
    let features: Vec<Value> = match &discovery.config {
        Some(config) => vec![
            json!({"feature": "patch", "supported": config.patch}),
            json!({"feature": "bulk", "supported": config.bulk.supported,
                   "limits": format!("{} operations, {} bytes", config.bulk.max_operations, config.bulk.max_payload_size)}),
            json!({"feature": "filter", "supported": config.filter.supported,
                   "limits": format!("{} results", config.filter.max_results)}),
            json!({"feature": "sort", "supported": config.sort}),
            json!({"feature": "etag", "supported": config.etag}),
            json!({"feature": "changePassword", "supported": config.change_password}),
            json!({"feature": "authentication", "supported": !config.authentication_schemes.is_empty(),
                   "limits": config.authentication_schemes.iter().map(|s| s.scheme_type.clone()).collect::<Vec<_>>().join(", ")}),
        ],
        None => Vec::new(),
    };
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
