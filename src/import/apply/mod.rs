//! Applying the plan: each row's create or update through the [`ScimClient`], journalled, with
//! bounded concurrency, an optional rate, and a slow-down when the server throttles; it never
//! reads the file nor decides what a row needs (the plan does).
//!
//! Nothing is ever created twice. A create whose answer is lost (a timeout, a dropped
//! connection, a 5xx) is followed by a lookup of the row's key: found, it was created; missing,
//! the create is sent again. A 409 on create means the resource exists: it is read and
//! updated. Updates are idempotent (the resource is read again, compared, and only what still
//! differs is sent), so they are simply tried again. Every attempt is bounded.
//!
//! The engine never prints: it returns each row's result for the caller to show and count.

use std::time::Duration;

use serde_json::{Value, json};

use crate::client::ops::{ListQuery, equals_filter};
use crate::client::{ClientError, Method as HttpMethod, ScimClient, TransportErrorKind};
use crate::import::journal::{Journal, Op, Outcome};
use crate::import::mapping::{ImportKind, Mapping, Row};
use crate::import::plan::{
    Change, Decision, MatchKey, Method, UpdateRequest, current_links, member_changes, member_steps,
    members_value, put_body, update_request,
};
use crate::scim::dialect::{Dialect, PatchStep};
use crate::scim::model::ENTERPRISE_USER_SCHEMA;
use crate::scim::patch::PatchOpKind;
use crate::scim::resource::get_ci;
use crate::scim::schema::ResourceSchema;

mod bulk_writes;
mod gate;
mod links;

pub use gate::{Gate, Pass};
pub use links::{LinkResult, MEMBERS_PER_REQUEST};

/// Attempts per row for writes whose failure may be passing (429, 5xx, lost answers).
const MAX_ATTEMPTS: u32 = 4;

/// One row to apply.
#[derive(Debug, Clone)]
pub struct Job {
    pub line: u64,
    /// The row's match key, normalised.
    pub key: String,
    pub row: Row,
    pub decision: Decision,
    /// Group import: the ids of the members the row lists (`None`: no members column, or an
    /// empty cell left alone).
    pub members: Option<Vec<String>>,
    /// Whether the journal already announces this row's create (see `rows::announced`).
    pub announced: bool,
}

/// How a row ended.
#[derive(Debug, Clone, PartialEq)]
pub enum RowResult {
    Created { id: String },
    Updated { id: String, changes: Vec<Change> },
    Unchanged { id: String },
    Failed { error: String },
}

/// Why the import must stop: continuing could only fail the same way, or lose track.
#[derive(Debug, thiserror::Error)]
pub enum Stop {
    /// Credentials refused, the server unreachable even for a lookup, an unusable setting.
    #[error("{0}")]
    Client(ClientError),
    /// The journal cannot be written: nothing more may be sent.
    #[error("cannot write the journal: {0}")]
    Journal(std::io::Error),
}

/// What a failed request means for the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// 409: the resource exists.
    Conflict,
    /// 404: the resource is gone.
    Gone,
    /// 429, 5xx, a lost answer: may pass, and a write may have been made.
    Passing,
    /// 401, 403, settings: stop everything.
    Fatal,
    /// Any other 4xx: this row is wrong for the server.
    Refused,
}

fn classify(error: &ClientError) -> Failure {
    match error {
        ClientError::Http(failure) => match failure.status {
            409 => Failure::Conflict,
            404 | 410 => Failure::Gone,
            401 | 403 => Failure::Fatal,
            429 => Failure::Passing,
            status if status >= 500 => Failure::Passing,
            _ => Failure::Refused,
        },
        ClientError::Transport { error, .. } => match error.kind {
            TransportErrorKind::BodyTooLarge | TransportErrorKind::Tls => Failure::Refused,
            _ => Failure::Passing,
        },
        ClientError::InvalidBody { .. } => Failure::Passing,
        ClientError::Usage(_) | ClientError::OAuth(_) | ClientError::Redirect { .. } => {
            Failure::Fatal
        }
    }
}

/// Where and how rows are applied.
pub struct Target<'a> {
    pub client: &'a ScimClient,
    pub endpoint: &'a str,
    pub mapping: &'a Mapping,
    pub schema: &'a ResourceSchema,
    pub key: MatchKey,
    pub method: Method,
    pub dialect: Dialect,
    pub journal: &'a Journal,
    pub gate: &'a Gate,
}

impl std::fmt::Debug for Target<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// A resource's `id` as text.
pub fn id_of(resource: &Value) -> Option<String> {
    match resource.as_object().and_then(|r| get_ci(r, "id"))? {
        Value::String(id) => Some(id.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The `id` of a create's answer, read without building the rest of the resource (the
/// import needs nothing else of it, and answers come by the thousand).
fn created_id(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Created {
        #[serde(alias = "Id", alias = "ID")]
        id: Option<Value>,
    }
    match serde_json::from_slice::<Created>(body).ok()?.id? {
        Value::String(id) if !id.is_empty() => Some(id),
        Value::String(_) | Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// How long to wait before attempt `attempt + 1`.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64 << attempt.min(4))
}

impl Target<'_> {
    /// Sends one request through the gate, then lets the gate see whether it was throttled.
    async fn send<T>(&self, request: impl std::future::Future<Output = T>) -> T {
        let pass = self.gate.enter().await;
        let outcome = request.await;
        drop(pass);
        self.gate.observe(self.client.retry_stats().throttled);
        outcome
    }

    /// The resource whose key is `key`, read from the server. More than one is an error.
    pub async fn lookup(&self, key: &str, shown: &str) -> Result<Option<Value>, LookupFailure> {
        let filter = equals_filter(self.key.filter_attribute(), shown).to_string();
        let query = ListQuery {
            filter: Some(filter),
            ..ListQuery::default()
        };
        let page = self
            .send(self.client.list(self.endpoint, &query))
            .await
            .map_err(LookupFailure::Client)?;
        let mut hits: Vec<Value> = page
            .resources
            .into_iter()
            .filter(|hit| self.key.resource_keys(hit).iter().any(|k| k == key))
            .collect();
        match hits.len() {
            0 => Ok(None),
            1 => Ok(hits.pop()),
            n => Err(LookupFailure::Several(n)),
        }
    }

    /// Applies one row. `Err` stops the import.
    pub async fn apply(&self, job: &Job) -> Result<RowResult, Stop> {
        match &job.decision {
            Decision::Create => self.create(job).await,
            Decision::Update { id, .. } => self.update(job, id.clone()).await,
            Decision::Unchanged { id } => match &job.members {
                // Members are not part of the plan's fingerprints: a read tells.
                Some(_) => self.update(job, id.clone()).await,
                None => Ok(RowResult::Unchanged { id: id.clone() }),
            },
            Decision::Invalid(error) => Ok(RowResult::Failed {
                error: error.clone(),
            }),
        }
    }

    /// A dry run of [`Target::apply`]: an update reads the resource and says what would
    /// change; nothing is written.
    pub async fn compare(&self, job: &Job) -> Result<RowResult, Stop> {
        let id = match &job.decision {
            Decision::Update { id, .. } => id,
            Decision::Unchanged { id } if job.members.is_some() => id,
            Decision::Unchanged { id } => return Ok(RowResult::Unchanged { id: id.clone() }),
            Decision::Create => return Ok(RowResult::Created { id: String::new() }),
            Decision::Invalid(error) => {
                return Ok(RowResult::Failed {
                    error: error.clone(),
                });
            }
        };
        match self.read(id).await {
            Ok(Some(resource)) => Ok(match self.update_request(job, &resource) {
                Some(request) => RowResult::Updated {
                    id: id.clone(),
                    changes: request.changes,
                },
                None => RowResult::Unchanged { id: id.clone() },
            }),
            Ok(None) => Ok(RowResult::Created { id: String::new() }),
            Err(error) if classify(&error) == Failure::Fatal || is_unreachable(&error) => {
                Err(Stop::Client(error))
            }
            Err(error) => Ok(RowResult::Failed {
                error: error.to_string(),
            }),
        }
    }

    /// A journal write's result as the import's: a failed write stops it.
    pub(crate) fn journal(&self, result: std::io::Result<()>) -> Result<(), Stop> {
        result.map_err(Stop::Journal)
    }

    /// Journals a row's update as made and says so.
    fn updated(&self, job: &Job, id: String, changes: Vec<Change>) -> Result<RowResult, Stop> {
        self.journal(self.journal.done(
            job.line,
            &job.key,
            Op::Update,
            Outcome::Updated,
            Some(&id),
            None,
        ))?;
        Ok(RowResult::Updated { id, changes })
    }

    fn failed(&self, job: &Job, op: Op, error: String) -> Result<RowResult, Stop> {
        self.journal(self.journal.done(
            job.line,
            &job.key,
            op,
            Outcome::Failed,
            None,
            Some(&error),
        ))?;
        Ok(RowResult::Failed { error })
    }

    fn shown_key(&self, job: &Job) -> String {
        self.key
            .row_value(self.mapping, &job.row)
            .unwrap_or_else(|| job.key.clone())
    }

    async fn create(&self, job: &Job) -> Result<RowResult, Stop> {
        let mut body = self.mapping.resource(&job.row);
        if let Some(members) = &job.members {
            body["members"] = members_value(members);
        }
        let shown = self.shown_key(job);
        let mut last_error = String::new();
        for attempt in 0..MAX_ATTEMPTS {
            if attempt > 0 || !job.announced {
                self.journal(self.journal.intent(job.line, &job.key, Op::Create))?;
            }
            let segment = self.endpoint.trim_matches('/');
            let sent = self
                .send(
                    self.client
                        .send(HttpMethod::Post, &[segment], &[], Some(&body)),
                )
                .await;
            let error = match sent {
                Ok(response) => match created_id(&response.body) {
                    Some(id) => return self.created(job, id),
                    // Created, but the answer says nothing usable: find it.
                    None => None,
                },
                Err(error) => Some(error),
            };
            let failure = error.as_ref().map(classify);
            match failure {
                Some(Failure::Fatal) => {
                    return Err(Stop::Client(error.unwrap_or_else(unreachable_error)));
                }
                Some(Failure::Refused | Failure::Gone) => {
                    let error = error.map(|e| e.to_string()).unwrap_or_default();
                    return self.failed(job, Op::Create, error);
                }
                Some(Failure::Conflict | Failure::Passing) | None => {}
            }
            if let Some(error) = &error {
                last_error = error.to_string();
            }
            // Whether or not the create was made, the server now says.
            match self.lookup(&job.key, &shown).await {
                Ok(Some(found)) => {
                    let Some(id) = id_of(&found) else {
                        return self.failed(
                            job,
                            Op::Create,
                            "the server's resource has no id".into(),
                        );
                    };
                    if failure == Some(Failure::Conflict) {
                        self.journal(self.journal.done(
                            job.line,
                            &job.key,
                            Op::Create,
                            Outcome::Unchanged,
                            Some(&id),
                            Some("409: exists"),
                        ))?;
                        return self.update_from(job, id, Some(found), true).await;
                    }
                    return self.created(job, id);
                }
                Ok(None) if failure == Some(Failure::Conflict) => {
                    return self.failed(
                        job,
                        Op::Create,
                        format!("{last_error}; yet no resource has this {}", self.key),
                    );
                }
                Ok(None) => {}
                Err(LookupFailure::Several(count)) => {
                    return self.failed(
                        job,
                        Op::Create,
                        format!("{count} resources on the server have this {}", self.key),
                    );
                }
                Err(LookupFailure::Client(error)) if is_unreachable(&error) => {
                    return Err(Stop::Client(error));
                }
                Err(LookupFailure::Client(error)) => {
                    return self.failed(job, Op::Create, format!("{last_error}; then {error}"));
                }
            }
            tokio::time::sleep(backoff(attempt)).await;
        }
        self.failed(
            job,
            Op::Create,
            format!("{last_error} (gave up after {MAX_ATTEMPTS} attempts)"),
        )
    }

    /// Settles a row whose create may or may not have been made (its answer was lost, or a
    /// bulk operation failed): looked up by key first; found, it was created (or, after a
    /// `conflict`, it existed and is updated); missing, it is created the ordinary way.
    pub async fn recover(&self, job: &Job, conflict: bool) -> Result<RowResult, Stop> {
        let shown = self.shown_key(job);
        match self.lookup(&job.key, &shown).await {
            Ok(Some(found)) => {
                let Some(id) = id_of(&found) else {
                    return self.failed(job, Op::Create, "the server's resource has no id".into());
                };
                if conflict {
                    return self.update_from(job, id, Some(found), true).await;
                }
                self.created(job, id)
            }
            Ok(None) => self.create(job).await,
            Err(LookupFailure::Several(count)) => self.failed(
                job,
                Op::Create,
                format!("{count} resources on the server have this {}", self.key),
            ),
            Err(LookupFailure::Client(error))
                if is_unreachable(&error) || classify(&error) == Failure::Fatal =>
            {
                Err(Stop::Client(error))
            }
            Err(LookupFailure::Client(error)) => self.failed(job, Op::Create, error.to_string()),
        }
    }

    fn created(&self, job: &Job, id: String) -> Result<RowResult, Stop> {
        self.journal(self.journal.done(
            job.line,
            &job.key,
            Op::Create,
            Outcome::Created,
            Some(&id),
            None,
        ))?;
        Ok(RowResult::Created { id })
    }

    async fn update(&self, job: &Job, id: String) -> Result<RowResult, Stop> {
        self.update_from(job, id, None, false).await
    }

    /// Reads the resource (unless given), compares, and sends what differs. A resource gone
    /// since the plan is created again, unless this update follows a create's 409 (a server
    /// that says both "exists" and "not found" is not argued with).
    async fn update_from(
        &self,
        job: &Job,
        mut id: String,
        mut current: Option<Value>,
        after_conflict: bool,
    ) -> Result<RowResult, Stop> {
        let mut last_error = String::new();
        // The changes of a write sent without a known answer: found made on the next read, it
        // landed.
        let mut unanswered = None;
        for attempt in 0..MAX_ATTEMPTS {
            let resource = match current.take() {
                Some(resource) => resource,
                None => match self.read(&id).await {
                    Ok(Some(resource)) => resource,
                    Ok(None) if after_conflict => {
                        return self.failed(
                            job,
                            Op::Update,
                            "the server answered 409 to the create, then 404 to a read".into(),
                        );
                    }
                    Ok(None) => return Box::pin(self.create(job)).await,
                    Err(error) if classify(&error) == Failure::Fatal || is_unreachable(&error) => {
                        return Err(Stop::Client(error));
                    }
                    Err(error) => return self.failed(job, Op::Update, error.to_string()),
                },
            };
            if let Some(found) = id_of(&resource) {
                id = found;
            }
            let Some(request) = self.update_request(job, &resource) else {
                return match unanswered {
                    Some(changes) => self.updated(job, id, changes),
                    None => Ok(RowResult::Unchanged { id }),
                };
            };
            self.journal(self.journal.intent(job.line, &job.key, Op::Update))?;
            let sent = match self.method {
                Method::Patch => {
                    self.send(self.client.patch(self.endpoint, &id, &request.body))
                        .await
                }
                Method::Put => {
                    self.send(self.client.replace(self.endpoint, &id, &request.body, None))
                        .await
                }
            };
            match sent {
                Ok(_) => return self.updated(job, id, request.changes),
                Err(error) => match classify(&error) {
                    Failure::Fatal => return Err(Stop::Client(error)),
                    Failure::Refused | Failure::Conflict => {
                        return self.failed(job, Op::Update, error.to_string());
                    }
                    Failure::Gone | Failure::Passing => {
                        last_error = error.to_string();
                        unanswered = Some(request.changes);
                        tokio::time::sleep(backoff(attempt)).await;
                    }
                },
            }
        }
        self.failed(
            job,
            Op::Update,
            format!("{last_error} (gave up after {MAX_ATTEMPTS} attempts)"),
        )
    }

    /// `GET {endpoint}/{id}`; `None` when it is gone.
    async fn read(&self, id: &str) -> Result<Option<Value>, ClientError> {
        let projection = crate::client::ops::Projection::default();
        match self
            .send(self.client.get(self.endpoint, id, &projection))
            .await
        {
            Ok(resource) => Ok(Some(resource)),
            Err(error) if classify(&error) == Failure::Gone => Ok(None),
            Err(error) => Err(error),
        }
    }

    fn update_request(&self, job: &Job, current: &Value) -> Option<UpdateRequest> {
        let attributes = update_request(
            self.mapping,
            &job.row,
            current,
            self.key,
            self.method,
            self.dialect,
            self.schema,
        );
        let Some(wanted) = &job.members else {
            return attributes;
        };
        let have = current_links(current, ImportKind::Groups);
        let (add, remove) = member_changes(&have, wanted);
        if add.is_empty() && remove.is_empty() {
            return attributes;
        }
        let change = Change {
            path: "members".to_owned(),
            before: Some(json!(have)),
            after: Some(json!(wanted)),
        };
        match self.method {
            Method::Put => {
                let mut request = attributes.unwrap_or_else(|| UpdateRequest {
                    body: put_body(current.clone(), self.mapping, self.schema),
                    changes: Vec::new(),
                });
                request.body["members"] = members_value(wanted);
                request.changes.push(change);
                Some(request)
            }
            Method::Patch => {
                let mut request = attributes.unwrap_or_else(|| UpdateRequest {
                    body: self.dialect.patch_body(&[]),
                    changes: Vec::new(),
                });
                let steps = member_steps(&add, &remove);
                let extra = self.dialect.patch_body(&steps);
                if let (Some(operations), Some(more)) = (
                    request.body["Operations"].as_array_mut(),
                    extra["Operations"].as_array(),
                ) {
                    operations.extend(more.iter().cloned());
                }
                request.changes.push(change);
                Some(request)
            }
        }
    }
}

/// Why a lookup by key found no single resource.
#[derive(Debug)]
pub enum LookupFailure {
    Client(ClientError),
    Several(usize),
}

/// A transport failure that outlived the client's retries: the server cannot be reached, so
/// every other row would fail the same way.
fn is_unreachable(error: &ClientError) -> bool {
    matches!(error, ClientError::Transport { .. })
}

fn unreachable_error() -> ClientError {
    ClientError::Usage("the request failed without an error".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_id_is_read_from_the_answer_alone() {
        assert_eq!(
            created_id(br#"{"schemas":[],"id":"2819c223","meta":{"location":"x"}}"#),
            Some("2819c223".to_owned())
        );
        assert_eq!(created_id(br#"{"ID": 42}"#), Some("42".to_owned()));
        assert_eq!(created_id(br#"{"userName":"b"}"#), None);
        assert_eq!(created_id(b""), None);
        assert_eq!(created_id(b"<html>"), None);
    }

    #[test]
    fn failures_are_read_for_what_they_mean_to_a_row() {
        use crate::client::{FailureBody, HttpFailure};
        let http = |status| {
            ClientError::Http(HttpFailure {
                status,
                label: "POST /Users".into(),
                body: FailureBody::Empty,
            })
        };
        assert_eq!(classify(&http(409)), Failure::Conflict);
        assert_eq!(classify(&http(503)), Failure::Passing);
        assert_eq!(classify(&http(429)), Failure::Passing);
        assert_eq!(classify(&http(401)), Failure::Fatal);
        assert_eq!(classify(&http(400)), Failure::Refused);
        assert_eq!(classify(&http(404)), Failure::Gone);
    }
}
