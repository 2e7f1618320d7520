//! The rows, streamed from the file through the engine: each row's reading turned into work
//! (settled at once, or a job), sent alone or in `/Bulk` batches with bounded concurrency, and
//! its outcome handed to the caller. No row is held after its outcome is known.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use crate::import::apply::{Job, RowResult, Target};
use crate::import::bulk::Limits as BulkLimits;
use crate::import::journal::{Journal, Op, Outcome};
use crate::import::links::LinkWork;
use crate::import::mapping::{CellValue, Link, Row};
use crate::import::pipeline::{Outcomes, Prepared, stop_error};
use crate::import::plan::{Change, Decision, Found, decide};
use crate::import::report::RowOutcome;
use crate::import::scan::ReadRow;
use crate::import::source::Record;

/// How many rows are read ahead, their creates announced together.
const ANNOUNCED_AHEAD: usize = 32;

/// Whether two lists of member ids hold the same ids.
fn same_members(have: &[String], want: &[String]) -> bool {
    let have: HashSet<&String> = have.iter().collect();
    let want: HashSet<&String> = want.iter().collect();
    have == want
}

/// One row's work: settled at once (invalid, applied earlier, unchanged, a dry-run create) or
/// a job for the engine; with what the link pass needs of it.
pub struct Work {
    line: u64,
    key: String,
    cells: Vec<String>,
    step: Step,
    link: RowLinks,
}

pub enum Step {
    Settled {
        outcome: RowOutcome,
        id: Option<String>,
        error: Option<String>,
    },
    Apply(Job),
}

/// What the link pass needs of a row.
#[derive(Debug, Clone, Default)]
pub struct RowLinks {
    /// The row's userName, lower case (for resolving managers).
    pub user_name: Option<String>,
    /// Its manager's userName, lower case.
    pub manager: Option<String>,
    /// Its groups' names, lower case.
    pub groups: Vec<String>,
}

/// What a row's work came to.
pub struct Done {
    pub line: u64,
    pub key: String,
    pub outcome: RowOutcome,
    pub id: Option<String>,
    pub error: Option<String>,
    pub changes: Vec<Change>,
    /// The cells as read, for the rejects file (empty when the row succeeded).
    pub cells: Vec<String>,
    pub link: RowLinks,
}

impl Prepared<'_> {
    /// Builds a row's work from its reading.
    fn work(&self, record: &Record, read: ReadRow) -> Work {
        let (row, key) = match read {
            ReadRow::Invalid(why) => {
                return Work {
                    line: record.line,
                    key: String::new(),
                    cells: record.cells.clone(),
                    step: Step::Settled {
                        outcome: RowOutcome::Invalid,
                        id: None,
                        error: Some(why),
                    },
                    link: RowLinks::default(),
                };
            }
            ReadRow::Valid { row, key, .. } => (row, key),
        };
        let link = self.row_links(&row);
        let settled = |outcome, id| Step::Settled {
            outcome,
            id,
            error: None,
        };
        let found = self.index.find(&key);
        let step = if let Some(earlier) = self
            .applied_earlier
            .get(&record.line)
            .filter(|earlier| earlier.key == key)
        {
            let id = earlier.id.clone().or_else(|| match found {
                Found::One(existing) => Some(existing.id.clone()),
                _ => None,
            });
            settled(RowOutcome::AppliedEarlier, id)
        } else {
            let members: Option<Vec<String>> = row
                .links
                .iter()
                .find(|(l, _)| *l == Link::Members)
                .map(|(_, names)| {
                    names
                        .iter()
                        .filter_map(|name| self.links.members.get(&name.to_lowercase()).cloned())
                        .collect()
                });
            let mut decision = decide(&self.mapping, &row, found, self.options.key);
            // A group's members are no slot: compared here, and read again by the engine.
            if let (Decision::Unchanged { id }, Some(wanted), Found::One(existing)) =
                (&decision, &members, found)
                && !same_members(&existing.links, wanted)
            {
                decision = Decision::Update {
                    id: id.clone(),
                    slots: Vec::new(),
                };
            }
            match decision {
                Decision::Unchanged { id } => settled(RowOutcome::Unchanged, Some(id)),
                // A placeholder id, so that the dry run plans this row's links too.
                Decision::Create if self.options.dry_run => settled(
                    RowOutcome::Create,
                    Some(format!("(new: line {})", record.line)),
                ),
                decision => Step::Apply(Job {
                    line: record.line,
                    key: key.clone(),
                    row,
                    decision,
                    members,
                    announced: false,
                }),
            }
        };
        Work {
            line: record.line,
            key,
            // Only a rejects file needs a row's cells once it is read.
            cells: if self.options.rejects.is_some() {
                record.cells.clone()
            } else {
                Vec::new()
            },
            step,
            link,
        }
    }

    fn row_links(&self, row: &Row) -> RowLinks {
        let names = |link: Link| {
            row.links
                .iter()
                .find(|(l, _)| *l == link)
                .map(|(_, names)| names.iter().map(|n| n.to_lowercase()).collect::<Vec<_>>())
        };
        let manager = names(Link::Manager).and_then(|names| names.into_iter().next());
        let groups = names(Link::Groups).unwrap_or_default();
        let user_name = (manager.is_some() || self.scan.links.contains_key(&Link::Manager))
            .then(|| {
                self.mapping.slot_index("userName").and_then(|slot| {
                    row.values.iter().find_map(|(index, value)| match value {
                        CellValue::Set(Value::String(name)) if *index == slot => {
                            Some(name.to_lowercase())
                        }
                        _ => None,
                    })
                })
            })
            .flatten();
        RowLinks {
            user_name,
            manager,
            groups,
        }
    }
}

/// The rows, streamed from the file through the engine with bounded concurrency.
pub async fn rows(
    ctx: &Prepared<'_>,
    target: &Target<'_>,
    out: &mut dyn Outcomes,
    stopped: &AtomicBool,
    bulk: Option<BulkLimits>,
) -> anyhow::Result<LinkWork> {
    let mut readings = ctx.readings()?;
    let works = std::iter::from_fn(|| {
        if stopped.load(Ordering::SeqCst) {
            return None;
        }
        Some(
            readings
                .next()?
                .map(|(record, read)| ctx.work(&record, read)),
        )
    });
    let dry_run = ctx.options.dry_run;
    // A dry run writes nothing: each update is compared on its own.
    let bulk = bulk.filter(|_| !dry_run);
    // Creates sent one by one are announced ahead; a /Bulk request announces its own.
    let announcing = (!dry_run && bulk.is_none()).then_some(target.journal);
    let works = announced(works, announcing, stopped);
    let pipeline = stream::iter(batches(works, bulk))
        .map(|batch| async move {
            match batch {
                Err(error) => vec![Err(error)],
                Ok(Batch::One(work)) => vec![settle(target, *work, dry_run).await],
                Ok(Batch::Bulk(works, limits, write)) => {
                    settle_bulk(target, works, limits, write).await
                }
            }
        })
        .buffer_unordered(ctx.options.concurrency);
    tokio::pin!(pipeline);
    let mut links = LinkWork::default();
    let mut stop: Option<anyhow::Error> = None;
    while let Some(batch) = pipeline.next().await {
        for done in batch {
            let done = match done {
                Ok(done) => done,
                Err(error) => {
                    stopped.store(true, Ordering::SeqCst);
                    stop.get_or_insert(error);
                    continue;
                }
            };
            out.row(&done)?;
            if let Some(id) = done.id.as_ref().filter(|id| !id.is_empty())
                && matches!(done.outcome, RowOutcome::Unchanged | RowOutcome::Updated)
                && !dry_run
                && ctx.created_unanswered.contains(&done.key)
            {
                // The interrupted run's create was made: it is the import's, for tracking.
                target
                    .journal
                    .done(
                        done.line,
                        &done.key,
                        Op::Create,
                        Outcome::Created,
                        Some(id),
                        None,
                    )
                    .context("cannot write the journal")?;
            }
            links.add(&done);
        }
    }
    match stop {
        Some(error) => Err(error),
        None => Ok(links),
    }
}

/// Rows sent alone, or creates or updates sent together in `/Bulk` requests.
enum Batch {
    One(Box<Work>),
    Bulk(Vec<Work>, BulkLimits, BulkWrite),
}

/// What the rows of a `/Bulk` batch all need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BulkWrite {
    Create,
    Update,
}

/// What `/Bulk` can do for a row's work: a create, or an update planned from the server's
/// state (a row found unchanged whose members are compared stays alone).
fn bulk_write(work: &Work) -> Option<BulkWrite> {
    match &work.step {
        Step::Apply(job) => match job.decision {
            Decision::Create => Some(BulkWrite::Create),
            Decision::Update { .. } => Some(BulkWrite::Update),
            Decision::Unchanged { .. } | Decision::Invalid(_) => None,
        },
        Step::Settled { .. } => None,
    }
}

/// Rows read ahead of the engine, whose creates are announced in the journal in one write per
/// [`ANNOUNCED_AHEAD`] rows rather than one per row (writes are a good part of an import's own
/// work). An announced create the import never sent, because it stopped first, is harmless: the
/// next run plans its row again from the server's state, as it does every create without an
/// answer. Nothing read ahead is handed on once the import is stopping: the creates announced
/// for it are recorded as not sent, so that a journal of a run stopped by Ctrl-C has an outcome
/// for every intent.
fn announced<'a>(
    mut works: impl Iterator<Item = anyhow::Result<Work>> + 'a,
    journal: Option<&'a Journal>,
    stopped: &'a AtomicBool,
) -> impl Iterator<Item = anyhow::Result<Work>> + 'a {
    let mut ahead: VecDeque<anyhow::Result<Work>> = VecDeque::new();
    std::iter::from_fn(move || {
        if stopped.load(Ordering::SeqCst) {
            if let Some(journal) = journal {
                withdraw(journal, ahead.drain(..));
            }
            return None;
        }
        let Some(journal) = journal else {
            return works.next();
        };
        if ahead.is_empty() {
            ahead.extend(works.by_ref().take(ANNOUNCED_AHEAD));
            let mut creates = Vec::new();
            for work in ahead.iter_mut().flatten() {
                if let Step::Apply(job) = &mut work.step
                    && job.decision == Decision::Create
                {
                    job.announced = true;
                    creates.push((job.line, job.key.clone()));
                }
            }
            let announcing = creates
                .iter()
                .map(|(line, key)| (*line, key.as_str(), Op::Create));
            if let Err(error) = journal.intents(announcing) {
                ahead.clear();
                return Some(Err(
                    anyhow::Error::new(error).context("cannot write the journal")
                ));
            }
        }
        ahead.pop_front()
    })
}

/// Records the announced creates among `unsent` as not sent. Best effort: the import is
/// stopping, and an intent without an outcome only makes the next run check that row again.
fn withdraw(journal: &Journal, unsent: impl Iterator<Item = anyhow::Result<Work>>) {
    for work in unsent.flatten() {
        if let Step::Apply(job) = &work.step
            && job.announced
        {
            let _ = journal.done(job.line, &job.key, Op::Create, Outcome::NotSent, None, None);
        }
    }
}

/// Groups consecutive creates, or consecutive updates, into batches of `maxOperations` when
/// `/Bulk` is used; a batch is split further by payload size when it is sent.
fn batches(
    works: impl Iterator<Item = anyhow::Result<Work>>,
    limits: Option<BulkLimits>,
) -> impl Iterator<Item = anyhow::Result<Batch>> {
    let mut works = works.peekable();
    std::iter::from_fn(move || {
        let first = match works.next()? {
            Ok(work) => work,
            Err(error) => return Some(Err(error)),
        };
        let (Some(limits), Some(write)) = (limits, bulk_write(&first)) else {
            return Some(Ok(Batch::One(Box::new(first))));
        };
        let mut group = vec![first];
        while group.len() < limits.max_operations {
            match works.peek() {
                Some(Ok(next)) if bulk_write(next) == Some(write) => {}
                _ => break,
            }
            match works.next() {
                Some(Ok(next)) => group.push(next),
                _ => break,
            }
        }
        Some(Ok(Batch::Bulk(group, limits, write)))
    })
}

/// A row's work, applied (or compared, in a dry run).
async fn settle(target: &Target<'_>, work: Work, dry_run: bool) -> anyhow::Result<Done> {
    let result = match &work.step {
        Step::Settled { .. } => None,
        Step::Apply(job) if dry_run => Some(target.compare(job).await.map_err(stop_error)?),
        Step::Apply(job) => Some(target.apply(job).await.map_err(stop_error)?),
    };
    Ok(match result {
        None => done_of(work, None, dry_run),
        Some(result) => done_of(work, Some(result), dry_run),
    })
}

/// Creates or updates sent together in `/Bulk` requests, each with what it came to.
async fn settle_bulk(
    target: &Target<'_>,
    works: Vec<Work>,
    limits: BulkLimits,
    write: BulkWrite,
) -> Vec<anyhow::Result<Done>> {
    let jobs: Vec<Job> = works
        .iter()
        .filter_map(|work| match &work.step {
            Step::Apply(job) => Some(job.clone()),
            Step::Settled { .. } => None,
        })
        .collect();
    let results = match write {
        BulkWrite::Create => target.create_in_bulk(&jobs, limits).await,
        BulkWrite::Update => target.update_in_bulk(&jobs, limits).await,
    };
    match results {
        Ok(results) => works
            .into_iter()
            .zip(results)
            .map(|(work, result)| Ok(done_of(work, Some(result), false)))
            .collect(),
        Err(stop) => vec![Err(stop_error(stop))],
    }
}

/// What a row came to, from its work and the engine's result.
fn done_of(work: Work, result: Option<RowResult>, dry_run: bool) -> Done {
    let (outcome, id, error, changes) = match (work.step, result) {
        (Step::Settled { outcome, id, error }, _) => (outcome, id, error, Vec::new()),
        (Step::Apply(_), Some(result)) => match result {
            RowResult::Created { id } if dry_run => {
                (RowOutcome::Create, Some(id), None, Vec::new())
            }
            RowResult::Created { id } => (RowOutcome::Created, Some(id), None, Vec::new()),
            RowResult::Updated { id, changes } if dry_run => {
                (RowOutcome::Update, Some(id), None, changes)
            }
            RowResult::Updated { id, changes } => (RowOutcome::Updated, Some(id), None, changes),
            RowResult::Unchanged { id } => (RowOutcome::Unchanged, Some(id), None, Vec::new()),
            RowResult::Failed { error } => (RowOutcome::Failed, None, Some(error), Vec::new()),
        },
        (Step::Apply(_), None) => (
            RowOutcome::Failed,
            None,
            Some("not applied".to_owned()),
            Vec::new(),
        ),
    };
    let cells = if error.is_some() {
        work.cells
    } else {
        Vec::new()
    };
    Done {
        line: work.line,
        key: work.key,
        outcome,
        id,
        error,
        changes,
        cells,
        link: work.link,
    }
}
