//! `--use-bulk`: what every `/Bulk` request of an import shares (RFC 7644 §3.7): the server's
//! `bulk.maxOperations` and `maxPayloadSize`, requests cut under both, sent through the gate,
//! and their answers read; and the creates, never the writes to resources that exist (updates,
//! deactivations, deletions: `apply::bulk_writes`'s).
//!
//! Each row's intent is journalled before its request leaves, as for single requests. A row
//! whose operation is answered 201 is created; one answered 409, 429 or 5xx, and every row of
//! a bulk request whose answer is lost, is settled one by one the safe way (looked up by its
//! key first, so nothing is created twice).

use serde_json::{Value, json};

use crate::client::{ClientError, Method as HttpMethod};
use crate::import::apply::{Job, RowResult, Stop, Target};
use crate::import::journal::{Op, Outcome};
use crate::scim::model::BULK_REQUEST;
use crate::scim::resource::get_ci;
use crate::scim::schema::BulkConfig;

/// Bytes kept free under `maxPayloadSize` for the envelope and separators.
const ENVELOPE: usize = 256;

/// The server's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_operations: usize,
    pub max_payload: usize,
}

impl Limits {
    /// The limits a server advertises, when it supports `/Bulk` and says how many operations a
    /// request may hold. A payload limit it does not state leaves requests cut by count alone
    /// (its 413 then fails the rows of a request that was too large).
    pub fn advertised(config: &BulkConfig) -> Option<Limits> {
        let max_operations = config.max_operations.filter(|max| *max > 0)?;
        config.supported.then(|| Limits {
            max_operations: usize::try_from(max_operations).unwrap_or(usize::MAX),
            max_payload: config
                .max_payload_size
                .map_or(usize::MAX, |max| usize::try_from(max).unwrap_or(usize::MAX)),
        })
    }
}

/// One operation's answer, read from a BulkResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationAnswer {
    pub bulk_id: Option<String>,
    pub status: Option<u16>,
    /// The id of a created resource (from `location`, else from `response.id`).
    pub id: Option<String>,
    /// The error's detail, for failures.
    pub detail: Option<String>,
}

/// The POST operation creating `body` at `endpoint`, named `bulk_id`.
pub fn operation(endpoint: &str, bulk_id: &str, body: &Value) -> Value {
    json!({"method": "POST", "path": endpoint, "bulkId": bulk_id, "data": body})
}

/// Splits operations into requests under both limits. An operation alone over the payload
/// limit still goes, alone: the server's 413 then fails that row only.
pub fn chunks(operations: Vec<Value>, limits: Limits) -> Vec<Vec<Value>> {
    let room = limits.max_payload.saturating_sub(ENVELOPE).max(1);
    let mut chunks: Vec<Vec<Value>> = Vec::new();
    let mut size = 0;
    for operation in operations {
        let length = operation.to_string().len() + 1;
        let full = chunks
            .last()
            .is_none_or(|last| last.len() >= limits.max_operations.max(1) || size + length > room);
        if full {
            chunks.push(Vec::new());
            size = 0;
        }
        size += length;
        if let Some(last) = chunks.last_mut() {
            last.push(operation);
        }
    }
    chunks
}

/// The BulkRequest for `operations` (no `failOnErrors`: every operation is tried).
pub fn request(operations: Vec<Value>) -> Value {
    json!({"schemas": [BULK_REQUEST], "Operations": operations})
}

/// Reads a BulkResponse's operations; `status` may be a string (as the RFC says) or a number.
pub fn answers(response: &Value) -> Vec<OperationAnswer> {
    let Some(operations) = response
        .as_object()
        .and_then(|r| get_ci(r, "Operations"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    operations
        .iter()
        .filter_map(Value::as_object)
        .map(|op| {
            let text = |key: &str| get_ci(op, key).and_then(Value::as_str).map(str::to_owned);
            let status = match get_ci(op, "status") {
                Some(Value::String(code)) => code.trim().parse().ok(),
                Some(Value::Number(code)) => code.as_u64().and_then(|c| u16::try_from(c).ok()),
                Some(Value::Object(status)) => get_ci(status, "code")
                    .and_then(|c| {
                        c.as_str()
                            .map(str::to_owned)
                            .or_else(|| Some(c.to_string()))
                    })
                    .and_then(|c| c.parse().ok()),
                _ => None,
            };
            let response = get_ci(op, "response").and_then(Value::as_object);
            let id = text("location")
                .and_then(|location| {
                    location
                        .trim_end_matches('/')
                        .rsplit('/')
                        .next()
                        .filter(|id| !id.is_empty())
                        .map(str::to_owned)
                })
                .or_else(|| {
                    response
                        .and_then(|r| get_ci(r, "id"))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                });
            let detail = response
                .and_then(|r| get_ci(r, "detail"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            OperationAnswer {
                bulk_id: text("bulkId"),
                status,
                id,
                detail,
            }
        })
        .collect()
}

/// The bulkId of a row: its line.
fn bulk_id(job: &Job) -> String {
    format!("line-{}", job.line)
}

impl Target<'_> {
    /// Creates the rows of `jobs` through `/Bulk`; the results are in the order of `jobs`.
    pub async fn create_in_bulk(
        &self,
        jobs: &[Job],
        limits: Limits,
    ) -> Result<Vec<RowResult>, Stop> {
        let operations: Vec<Value> = jobs
            .iter()
            .map(|job| {
                operation(
                    self.endpoint,
                    &bulk_id(job),
                    &self.mapping.resource(&job.row),
                )
            })
            .collect();
        let mut results: Vec<Option<RowResult>> = vec![None; jobs.len()];
        let mut offset = 0;
        for chunk in chunks(operations, limits) {
            let count = chunk.len();
            let chunk_jobs = &jobs[offset..offset + count];
            self.journal(
                self.journal.intents(
                    chunk_jobs
                        .iter()
                        .map(|job| (job.line, &*job.key, Op::Create)),
                ),
            )?;
            let answers = self.send_bulk(chunk).await?;
            for (index, job) in chunk_jobs.iter().enumerate() {
                let answer = answers
                    .iter()
                    .find(|a| a.bulk_id.as_deref() == Some(bulk_id(job).as_str()));
                let result = match answer {
                    Some(OperationAnswer {
                        status: Some(200..=299),
                        id: Some(id),
                        ..
                    }) => {
                        self.journal(self.journal.done(
                            job.line,
                            &job.key,
                            Op::Create,
                            Outcome::Created,
                            Some(id),
                            None,
                        ))?;
                        RowResult::Created { id: id.clone() }
                    }
                    Some(OperationAnswer {
                        status: Some(status),
                        detail,
                        ..
                    }) if (400..500).contains(status) && !matches!(status, 409 | 429) => {
                        let error = refusal(*status, detail.as_deref(), "POST");
                        self.journal(self.journal.done(
                            job.line,
                            &job.key,
                            Op::Create,
                            Outcome::Failed,
                            None,
                            Some(&error),
                        ))?;
                        RowResult::Failed { error }
                    }
                    Some(OperationAnswer {
                        status: Some(409), ..
                    }) => self.recover(job, true).await?,
                    // 429, 5xx, no answer: settled the safe way, one by one.
                    _ => self.recover(job, false).await?,
                };
                results[offset + index] = Some(result);
            }
            offset += count;
        }
        Ok(not_sent_as_failed(results))
    }
}

/// The results of a batch, a row the batch never got to counting as failed.
pub(crate) fn not_sent_as_failed(results: Vec<Option<RowResult>>) -> Vec<RowResult> {
    results
        .into_iter()
        .map(|result| {
            result.unwrap_or(RowResult::Failed {
                error: "not sent".to_owned(),
            })
        })
        .collect()
}

impl Target<'_> {
    /// Sends one BulkRequest of `operations` through the gate and reads its answers: none when
    /// the answer is lost or the whole request failed (each operation is then settled one by
    /// one). Refused credentials stop the import.
    pub(crate) async fn send_bulk(
        &self,
        operations: Vec<Value>,
    ) -> Result<Vec<OperationAnswer>, Stop> {
        let body = request(operations);
        let pass = self.gate.enter().await;
        let sent = self
            .client
            .send_json(HttpMethod::Post, &["Bulk"], &[], Some(&body))
            .await;
        drop(pass);
        self.gate.observe(self.client.retry_stats().throttled);
        match sent {
            Ok(Some(response)) => Ok(answers(&response)),
            Ok(None) => Ok(Vec::new()),
            Err(error @ ClientError::Http(_)) if is_fatal(&error) => Err(Stop::Client(error)),
            Err(_) => Ok(Vec::new()),
        }
    }
}

/// The error of an operation the server refused: `400: detail (PATCH /Bulk)`.
pub(crate) fn refusal(status: u16, detail: Option<&str>, method: &str) -> String {
    let detail = detail.map(|d| format!(": {d}")).unwrap_or_default();
    format!("{status}{detail} ({method} /Bulk)")
}

fn is_fatal(error: &ClientError) -> bool {
    matches!(error, ClientError::Http(failure) if matches!(failure.status, 401 | 403))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(n: usize, size: usize) -> Vec<Value> {
        (0..n)
            .map(|i| {
                operation(
                    "/Users",
                    &format!("line-{i}"),
                    &json!({"userName": "x".repeat(size)}),
                )
            })
            .collect()
    }

    #[test]
    fn requests_stay_under_both_limits() {
        let limits = Limits {
            max_operations: 3,
            max_payload: 1024 * 1024,
        };
        let sizes: Vec<usize> = chunks(ops(7, 10), limits).iter().map(Vec::len).collect();
        assert_eq!(sizes, [3, 3, 1]);
        let one = ops(1, 100)[0].to_string().len() + 1;
        let limits = Limits {
            max_operations: 100,
            max_payload: ENVELOPE + 2 * one,
        };
        let sizes: Vec<usize> = chunks(ops(5, 100), limits).iter().map(Vec::len).collect();
        assert_eq!(sizes, [2, 2, 1]);
        let tiny = Limits {
            max_operations: 100,
            max_payload: 10,
        };
        assert_eq!(
            chunks(ops(2, 100), tiny).len(),
            2,
            "an oversized operation goes alone"
        );
    }

    #[test]
    fn answers_give_ids_from_locations_and_tolerate_numeric_statuses() {
        let response = json!({"Operations": [
            {"method": "POST", "bulkId": "line-2", "status": "201",
             "location": "https://h/scim/v2/Users/abc"},
            {"method": "POST", "bulkId": "line-3", "status": 409,
             "response": {"detail": "userName taken"}},
            {"method": "POST", "bulkId": "line-4", "status": {"code": "201"},
             "response": {"id": "def"}}
        ]});
        assert_eq!(
            answers(&response),
            [
                OperationAnswer {
                    bulk_id: Some("line-2".into()),
                    status: Some(201),
                    id: Some("abc".into()),
                    detail: None
                },
                OperationAnswer {
                    bulk_id: Some("line-3".into()),
                    status: Some(409),
                    id: None,
                    detail: Some("userName taken".into())
                },
                OperationAnswer {
                    bulk_id: Some("line-4".into()),
                    status: Some(201),
                    id: Some("def".into()),
                    detail: None
                },
            ]
        );
    }
}
