//! `--use-bulk` for the writes to resources that exist (RFC 7644 §3.7): the rows' updates (a
//! PATCH of what changed, or a PUT with `--method put`) and the deactivations or deletions of
//! `--deactivate-missing` / `--delete-missing`, in `/Bulk` requests cut under the server's
//! limits. Creates are `import::bulk`'s; nothing here decides what a row needs.
//!
//! An update is built, as for a single request, from the resource read just before it. Each
//! write's intent is journalled before its request leaves and its outcome as soon as the answer
//! says it. An operation answered 2xx is done; one refused (a 4xx other than 404 and 429) has
//! failed; any other (429, 5xx, 404 for an update, no answer for it, the whole answer lost) is
//! settled the single-request way, which checks the server first: an update reads the resource
//! again and sends only what still differs; a deactivation or deletion is idempotent.

use std::collections::HashSet;

use futures_util::future::join_all;

use super::*;
use crate::import::bulk::{Limits, OperationAnswer, chunks, not_sent_as_failed, refusal};

/// The path of resource `id`, as a bulk operation other than POST names it (§3.7: "the path to
/// a specific resource").
fn resource_path(endpoint: &str, id: &str) -> String {
    format!("{}/{id}", endpoint.trim_end_matches('/'))
}

/// What one operation's answer says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Done,
    /// 404 or 410: the resource is gone.
    Gone,
    Refused(String),
    /// No answer, 429, 5xx: the write may or may not have been made.
    Unsure,
}

/// The verdict on the operation on resource `id`, found by the `location` of its answer (§3.7:
/// REQUIRED in a response, but after a failed POST), never by its place: a server may reorder
/// the operations (§3.7) or leave some out.
fn verdict(answers: &[OperationAnswer], id: &str, method: &str) -> Verdict {
    let Some(answer) = answers.iter().find(|a| a.id.as_deref() == Some(id)) else {
        return Verdict::Unsure;
    };
    match answer.status {
        Some(200..=299) => Verdict::Done,
        Some(404 | 410) => Verdict::Gone,
        Some(status @ 400..=499) if status != 429 => {
            Verdict::Refused(refusal(status, answer.detail.as_deref(), method))
        }
        _ => Verdict::Unsure,
    }
}

/// A row's update, once its resource is read.
enum Planned {
    /// Settled without a write: unchanged, or the read failed.
    Settled(RowResult),
    /// This request to resource `id`.
    Send { id: String, request: UpdateRequest },
    /// Gone since the plan, or not an update: the single-request way.
    Alone,
}

impl Target<'_> {
    /// Updates the rows of `jobs` through `/Bulk`; the results are in the order of `jobs`.
    pub async fn update_in_bulk(
        &self,
        jobs: &[Job],
        limits: Limits,
    ) -> Result<Vec<RowResult>, Stop> {
        let reads = join_all(jobs.iter().map(|job| self.prepare_update(job))).await;
        let mut results: Vec<Option<RowResult>> = vec![None; jobs.len()];
        let mut pending: Vec<(usize, String, UpdateRequest)> = Vec::new();
        let mut ids = HashSet::new();
        for (index, read) in reads.into_iter().enumerate() {
            match read? {
                Planned::Settled(result) => results[index] = Some(result),
                // Two operations on one resource could not be told apart in the answer.
                Planned::Send { id, request } if ids.insert(id.clone()) => {
                    pending.push((index, id, request));
                }
                Planned::Send { .. } | Planned::Alone => {
                    results[index] = Some(self.apply(&jobs[index]).await?);
                }
            }
        }
        let method = match self.method {
            Method::Patch => "PATCH",
            Method::Put => "PUT",
        };
        let operations = pending
            .iter()
            .map(|(_, id, request)| {
                json!({"method": method, "path": resource_path(self.endpoint, id),
                       "data": request.body})
            })
            .collect();
        let mut pending = pending.into_iter();
        for chunk in chunks(operations, limits) {
            let sent: Vec<_> = pending.by_ref().take(chunk.len()).collect();
            self.journal(self.journal.intents(sent.iter().map(|(index, _, _)| {
                let job = &jobs[*index];
                (job.line, &*job.key, Op::Update)
            })))?;
            let answers = self.send_bulk(chunk).await?;
            for (index, id, request) in sent {
                let job = &jobs[index];
                let result = match verdict(&answers, &id, method) {
                    Verdict::Done => self.updated(job, id, request.changes)?,
                    Verdict::Refused(error) => self.failed(job, Op::Update, error)?,
                    Verdict::Gone | Verdict::Unsure => self.update_again(job, id).await?,
                };
                results[index] = Some(result);
            }
        }
        Ok(not_sent_as_failed(results))
    }

    /// Reads the resource a row updates and builds its request.
    async fn prepare_update(&self, job: &Job) -> Result<Planned, Stop> {
        let Decision::Update { id, .. } = &job.decision else {
            return Ok(Planned::Alone);
        };
        match self.read(id).await {
            Ok(Some(resource)) => {
                let id = id_of(&resource).unwrap_or_else(|| id.clone());
                Ok(match self.update_request(job, &resource) {
                    Some(request) => Planned::Send { id, request },
                    None => Planned::Settled(RowResult::Unchanged { id }),
                })
            }
            Ok(None) => Ok(Planned::Alone),
            Err(error) if classify(&error) == Failure::Fatal || is_unreachable(&error) => {
                Err(Stop::Client(error))
            }
            Err(error) => Ok(Planned::Settled(self.failed(
                job,
                Op::Update,
                error.to_string(),
            )?)),
        }
    }

    /// An update whose bulk answer did not say it was made: read again and sent alone if it
    /// still differs. Found equal, its intent is closed as such.
    async fn update_again(&self, job: &Job, id: String) -> Result<RowResult, Stop> {
        let result = self.update(job, id).await?;
        if let RowResult::Unchanged { id } = &result {
            self.journal(self.journal.done(
                job.line,
                &job.key,
                Op::Update,
                Outcome::Unchanged,
                Some(id),
                None,
            ))?;
        }
        Ok(result)
    }

    /// Deactivates, or deletes when `delete`, the resources `(key, id)` through `/Bulk`; the
    /// results are in their order.
    pub async fn retire_in_bulk(
        &self,
        resources: &[(String, String)],
        delete: bool,
        limits: Limits,
    ) -> Result<Vec<LinkResult>, Stop> {
        let (op, method, word) = if delete {
            (Op::Delete, "DELETE", "deleted")
        } else {
            (Op::Deactivate, "PATCH", "deactivated")
        };
        let data = self.dialect.set_active(false);
        let operations = resources
            .iter()
            .map(|(_, id)| {
                let path = resource_path(self.endpoint, id);
                if delete {
                    json!({"method": method, "path": path})
                } else {
                    json!({"method": method, "path": path, "data": data})
                }
            })
            .collect();
        let mut results = Vec::with_capacity(resources.len());
        let mut resources = resources.iter();
        for chunk in chunks(operations, limits) {
            let sent: Vec<_> = resources.by_ref().take(chunk.len()).collect();
            self.journal(
                self.journal
                    .intents(sent.iter().map(|(key, _)| (0, key.as_str(), op))),
            )?;
            let answers = self.send_bulk(chunk).await?;
            for (key, id) in sent {
                let result = match verdict(&answers, id, method) {
                    Verdict::Done => self.link_done(0, key, op, Ok((word, Some(id.clone()))))?,
                    // One already gone counts as deleted, as for a single DELETE.
                    Verdict::Gone if delete => {
                        self.link_done(0, key, op, Ok((word, Some(id.clone()))))?
                    }
                    Verdict::Refused(error) => self.link_done(0, key, op, Err(error))?,
                    Verdict::Gone | Verdict::Unsure if delete => self.delete(key, id).await?,
                    Verdict::Gone | Verdict::Unsure => self.deactivate(key, id).await?,
                };
                results.push(result);
            }
        }
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(location: Option<&str>, status: u16, detail: Option<&str>) -> OperationAnswer {
        OperationAnswer {
            bulk_id: None,
            status: Some(status),
            id: location.map(str::to_owned),
            detail: detail.map(str::to_owned),
        }
    }

    #[test]
    fn an_operation_is_judged_by_the_answer_that_names_its_resource() {
        let answers = [
            answer(Some("b"), 400, Some("bad title")),
            answer(Some("a"), 200, None),
            answer(Some("c"), 503, None),
            answer(Some("d"), 404, None),
            answer(None, 409, None),
        ];
        assert_eq!(verdict(&answers, "a", "PATCH"), Verdict::Done);
        assert_eq!(
            verdict(&answers, "b", "PATCH"),
            Verdict::Refused("400: bad title (PATCH /Bulk)".to_owned())
        );
        assert_eq!(verdict(&answers, "c", "PATCH"), Verdict::Unsure);
        assert_eq!(verdict(&answers, "d", "DELETE"), Verdict::Gone);
        assert_eq!(
            verdict(&answers, "e", "PATCH"),
            Verdict::Unsure,
            "an answer that names no resource is no answer"
        );
    }

    #[test]
    fn a_bulk_operation_names_the_resource_under_its_endpoint() {
        assert_eq!(resource_path("/Users", "2819c223"), "/Users/2819c223");
        assert_eq!(resource_path("/Groups/", "x"), "/Groups/x");
    }
}
