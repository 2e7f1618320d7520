//! What the file no longer holds (`--deactivate-missing`, `--delete-missing`): only resources
//! imports created (the journal's record) or those `--scope` selects, never guessed; found
//! before anything is written, deactivated or deleted last (in `/Bulk` requests with
//! `--use-bulk`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use crate::import::apply::{LinkResult, Stop, Target, id_of};
use crate::import::bulk::Limits as BulkLimits;
use crate::import::journal::Recovered;
use crate::import::options::Missing;
use crate::import::pipeline::{Outcomes, Prepared, stop_error};
use crate::import::state;
use crate::scim::resource::get_ci;

/// A resource the file no longer holds.
#[derive(Debug, Clone)]
pub struct MissingResource {
    pub id: String,
    pub key: String,
    pub active: Option<bool>,
}

impl Prepared<'_> {
    /// The resources the file no longer holds, among those imports created (the journal's
    /// record) or those `--scope` selects.
    pub async fn missing(&self, recovered: &Recovered) -> anyhow::Result<Vec<MissingResource>> {
        let Some(what) = self.options.missing else {
            return Ok(Vec::new());
        };
        let key = self.options.key;
        let in_file = |keys: &[String]| keys.iter().any(|k| self.scan.keys.contains_key(k));
        let mut missing = Vec::new();
        if let Some(scope) = &self.options.scope {
            let mut found: Vec<(String, Vec<String>, Option<bool>)> = Vec::new();
            state::read_all(
                self.client,
                self.endpoint,
                state::projection(&self.mapping, key),
                Some(scope.clone()),
                |resource| {
                    if let Some(id) = id_of(resource) {
                        let active = resource
                            .as_object()
                            .and_then(|r| get_ci(r, "active"))
                            .and_then(Value::as_bool);
                        found.push((id, key.resource_keys(resource), active));
                    }
                },
            )
            .await?;
            for (id, keys, active) in found {
                if !in_file(&keys) {
                    missing.push(MissingResource {
                        key: keys.first().cloned().unwrap_or_else(|| id.clone()),
                        id,
                        active,
                    });
                }
            }
        } else {
            let mut keys_of: HashMap<&str, Vec<String>> = HashMap::new();
            for (k, existing) in self.index.keys() {
                keys_of
                    .entry(existing.id.as_str())
                    .or_default()
                    .push(k.to_owned());
            }
            for (id, tracked_key) in &recovered.tracked {
                let Some(existing) = self.index.by_id(id) else {
                    continue;
                };
                let keys = keys_of.get(id.as_str()).cloned().unwrap_or_default();
                if !in_file(&keys) {
                    missing.push(MissingResource {
                        id: id.clone(),
                        key: keys.first().cloned().unwrap_or_else(|| tracked_key.clone()),
                        active: existing.active,
                    });
                }
            }
        }
        if what == Missing::Deactivate {
            missing.retain(|m| m.active != Some(false));
        }
        missing.sort_by(|a, b| a.key.cmp(&b.key));
        missing.dedup_by(|a, b| a.id == b.id);
        Ok(missing)
    }
}

/// Deactivates or deletes what the file no longer holds: one request each, or in `/Bulk`
/// requests of at most `maxOperations` when `bulk` gives the server's limits.
pub async fn missing_pass(
    ctx: &Prepared<'_>,
    target: &Target<'_>,
    out: &mut dyn Outcomes,
    stopped: &AtomicBool,
    missing: Vec<MissingResource>,
    bulk: Option<BulkLimits>,
) -> anyhow::Result<()> {
    let Some(what) = ctx.options.missing else {
        return Ok(());
    };
    let dry_run = ctx.options.dry_run;
    let per_batch = bulk
        .filter(|_| !dry_run)
        .map_or(1, |limits| limits.max_operations.max(1));
    let batches: Vec<Vec<(String, String)>> = missing
        .chunks(per_batch)
        .map(|batch| {
            batch
                .iter()
                .map(|m| (m.key.clone(), m.id.clone()))
                .collect()
        })
        .collect();
    let results = stream::iter(batches)
        .take_while(|_| std::future::ready(!stopped.load(Ordering::SeqCst)))
        .map(|batch| async move {
            let results = match (dry_run, bulk, what) {
                (true, _, _) => batch
                    .iter()
                    .map(|(_, id)| LinkResult::Done {
                        outcome: "planned",
                        id: Some(id.clone()),
                    })
                    .collect(),
                (false, Some(limits), _) => {
                    let delete = what == Missing::Delete;
                    target.retire_in_bulk(&batch, delete, limits).await?
                }
                (false, None, Missing::Deactivate) => {
                    let (key, id) = &batch[0];
                    vec![target.deactivate(key, id).await?]
                }
                (false, None, Missing::Delete) => {
                    let (key, id) = &batch[0];
                    vec![target.delete(key, id).await?]
                }
            };
            let keys = batch.into_iter().map(|(key, _)| key);
            Ok::<_, Stop>(keys.zip(results).collect::<Vec<_>>())
        })
        .buffer_unordered(ctx.options.concurrency);
    tokio::pin!(results);
    let word = match what {
        Missing::Deactivate => "deactivate",
        Missing::Delete => "delete",
    };
    while let Some(batch) = results.next().await {
        for (key, result) in batch.map_err(stop_error)? {
            out.write(word, &key, &result, 0)?;
        }
    }
    Ok(())
}
