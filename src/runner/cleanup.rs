//! Cleanup: deleting what the ledger says a run left, newest first, each deletion confirmed by
//! a 404. It deletes nothing the ledger does not name, and judges no check.

use serde_json::Value;

use super::NAME_PREFIX;
use super::ledger::{Ledger, LedgerEntry, Leftover};
use super::request::plain;
use super::service::Service;
use crate::client::{ClientError, encode_component};
use crate::scim::method::Method;
use crate::scim::resource::get_ci;

/// What kept a resource from being removed: one line of a run's cleanup problems.
#[derive(Debug, thiserror::Error)]
enum CleanupError {
    #[error("cannot look for `{name}` in {endpoint}: {error}")]
    Lookup {
        name: String,
        endpoint: String,
        #[source]
        error: ClientError,
    },
    #[error("cannot delete {path}: {error}")]
    Delete {
        path: String,
        #[source]
        error: ClientError,
    },
    #[error("{path} is still there after DELETE (GET answers {status})")]
    StillThere { path: String, status: u16 },
    #[error("deleted {path}, but cannot write the ledger: {error}")]
    LedgerAfterDelete {
        path: String,
        #[source]
        error: std::io::Error,
    },
    #[error("cannot write the cleanup ledger: {0}")]
    Ledger(#[source] std::io::Error),
}

/// Deletes what the ledger says is left (of one check, or all), newest first, and confirms each
/// deletion with a GET answered 404. Returns one line per resource that could not be removed
/// (it stays in the ledger for `scimctl test cleanup`).
pub async fn clean_up(service: &dyn Service, ledger: &Ledger, check: Option<&str>) -> Vec<String> {
    let mut problems = Vec::new();
    for leftover in ledger.leftovers_of(check).into_iter().rev() {
        let targets = match &leftover {
            Leftover::Id { endpoint, id, .. } => vec![(endpoint.clone(), id.clone())],
            Leftover::Named {
                check,
                endpoint,
                name_attr,
                name,
            } => match find_by_name(service, endpoint, name_attr, name).await {
                Ok(ids) => {
                    track_found(ledger, check, endpoint, name, &ids, &mut problems);
                    ids.into_iter().map(|id| (endpoint.clone(), id)).collect()
                }
                Err(problem) => {
                    problems.push(problem.to_string());
                    continue;
                }
            },
        };
        for (endpoint, id) in targets {
            if let Err(problem) = delete_and_confirm(service, ledger, &endpoint, &id).await {
                problems.push(problem.to_string());
            }
        }
    }
    problems
}

/// Found ids are tracked before the name is settled, so a failed DELETE still leaves them in
/// the ledger.
fn track_found(
    ledger: &Ledger,
    check: &str,
    endpoint: &str,
    name: &str,
    ids: &[String],
    problems: &mut Vec<String>,
) {
    let found = ids.iter().map(|id| LedgerEntry::Created {
        check: check.to_owned(),
        endpoint: endpoint.to_owned(),
        id: id.clone(),
    });
    let settled = LedgerEntry::Settled {
        check: check.to_owned(),
        endpoint: endpoint.to_owned(),
        name: name.to_owned(),
    };
    for entry in found.chain([settled]) {
        if let Err(error) = ledger.record(entry) {
            problems.push(CleanupError::Ledger(error).to_string());
        }
    }
}

/// Ids of resources named exactly `name` (always carrying the run prefix).
async fn find_by_name(
    service: &dyn Service,
    endpoint: &str,
    name_attr: &str,
    name: &str,
) -> Result<Vec<String>, CleanupError> {
    if !name.starts_with(NAME_PREFIX) {
        return Ok(Vec::new());
    }
    let quoted = Value::String(name.to_owned()).to_string();
    let filter = ("filter".to_owned(), format!("{name_attr} eq {quoted}"));
    let request = plain(Method::Get, endpoint, vec![filter]);
    let exchange = service
        .send(&request)
        .await
        .map_err(|error| CleanupError::Lookup {
            name: name.to_owned(),
            endpoint: endpoint.to_owned(),
            error,
        })?;
    let body: Value = serde_json::from_slice(&exchange.response.body).unwrap_or(Value::Null);
    let resources = body
        .as_object()
        .and_then(|m| get_ci(m, "Resources"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(resources
        .iter()
        .filter_map(Value::as_object)
        .filter(|r| get_ci(r, name_attr).and_then(Value::as_str) == Some(name))
        .filter_map(|r| get_ci(r, "id").and_then(Value::as_str).map(str::to_owned))
        .collect())
}

async fn delete_and_confirm(
    service: &dyn Service,
    ledger: &Ledger,
    endpoint: &str,
    id: &str,
) -> Result<(), CleanupError> {
    let path = format!("{endpoint}/{}", encode_component(id));
    let failed = |error| CleanupError::Delete {
        path: path.clone(),
        error,
    };
    service
        .send(&plain(Method::Delete, &path, Vec::new()))
        .await
        .map_err(failed)?;
    let check = service
        .send(&plain(Method::Get, &path, Vec::new()))
        .await
        .map_err(failed)?;
    if check.response.status != 404 {
        return Err(CleanupError::StillThere {
            path,
            status: check.response.status,
        });
    }
    ledger
        .record(LedgerEntry::Deleted {
            endpoint: endpoint.to_owned(),
            id: id.to_owned(),
        })
        .map_err(|error| CleanupError::LedgerAfterDelete { path, error })
}
