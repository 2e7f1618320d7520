//! The import journal: what an import is about to write and what came of it, one JSON line per
//! event, so that an interrupted import resumes exactly and `--deactivate-missing` knows what
//! imports created. It owns the format only; the file on disk is `journal_file`'s.
//!
//! As in the conformance runner's cleanup ledger, the intent is written before the request
//! leaves (creates sent one by one are announced a few dozen at a time, ahead of their requests)
//! and the outcome as soon as it is known. Each line is written whole, in one `write` with the
//! lines written with it (it survives the process being killed); the file is flushed to disk
//! (fsync) in batches, and at the end.
//!
//! The journal of an input lives next to it (`users.csv.journal`) and holds, across runs:
//! - `session` lines: one per run (endpoint, the input's SHA-256, the options that shape the
//!   plan);
//! - `intent` and `done` lines of the writes;
//! - `finished` when a run went through every row;
//! - `tracked` lines: what earlier runs created, kept when the journal is compacted.
//!
//! Reading it back ([`Recovered`]) tells what imports through it created and not deleted, and,
//! if the last run did not finish, which rows it applied.

use std::collections::{HashMap, HashSet};
use std::io::{self, BufRead};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Lines written between two flushes to disk, at most.
const SYNC_EVERY_LINES: u32 = 512;
/// Time between two flushes to disk, at most (while lines are written).
const SYNC_EVERY: Duration = Duration::from_millis(500);

/// The journal format version written in every session line.
pub const FORMAT_VERSION: u32 = 1;

/// Where journal lines go.
pub trait JournalSink: Send {
    /// Writes `lines` (one or more lines, each ending with a newline) in one piece.
    fn append(&mut self, lines: &str) -> io::Result<()>;
    /// Makes everything written so far durable (fsync for a file), before returning.
    fn sync(&mut self) -> io::Result<()>;

    /// Asks for everything written so far to be made durable soon: a batch flush, which a sink
    /// may do on another thread so that writing lines never waits for the disk. An error of
    /// an earlier flush may be reported here. By default, at once.
    fn sync_soon(&mut self) -> io::Result<()> {
        self.sync()
    }
}

/// A sink that keeps nothing (dry runs, tests).
#[derive(Debug, Default)]
pub struct NoSink;

impl JournalSink for NoSink {
    fn append(&mut self, _lines: &str) -> io::Result<()> {
        Ok(())
    }

    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A write an import makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Create,
    Update,
    Deactivate,
    Delete,
    /// Setting a user's manager.
    Manager,
    /// Creating a group named in a `groups` column.
    Group,
    /// Adding or removing members of a group named in a `groups` column.
    Members,
}

/// How a write ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Created,
    Updated,
    /// Found equal when read again just before writing.
    Unchanged,
    Deactivated,
    Deleted,
    Failed,
    /// Announced, but never sent: the import stopped first.
    #[serde(rename = "not-sent")]
    NotSent,
}

impl Outcome {
    /// Whether the row needs nothing more.
    pub fn succeeded(self) -> bool {
        !matches!(self, Outcome::Failed | Outcome::NotSent)
    }
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Entry {
    /// A run begins.
    Session {
        format: u32,
        run: String,
        started: String,
        /// The endpoint's URL (credentials redacted).
        endpoint: String,
        input: String,
        sha256: String,
        /// The options that shape the plan (`--match`, `--empty`, `--method`, the map file).
        plan: String,
    },
    /// About to send a write for the row at `line` (0 for writes of no single row).
    Intent {
        run: String,
        line: u64,
        key: String,
        op: Op,
    },
    /// The write for the row at `line` ended.
    Done {
        run: String,
        line: u64,
        key: String,
        op: Op,
        outcome: Outcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// The run went through every row.
    Finished { run: String },
    /// A resource an earlier run created (kept when the journal is compacted).
    Tracked { id: String, key: String },
}

/// A row an interrupted run applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRow {
    pub key: String,
    pub outcome: Outcome,
    pub id: Option<String>,
}

/// The last run, when it did not finish.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interrupted {
    pub run: String,
    pub sha256: String,
    pub plan: String,
    pub started: String,
    /// Rows written successfully, by line.
    pub applied: HashMap<u64, AppliedRow>,
    /// Writes announced without an outcome: the server may or may not have made them.
    pub in_flight: usize,
    /// The keys of the creates among them: a resource found under such a key was made by the
    /// interrupted run.
    pub in_flight_creates: HashSet<String>,
}

/// What a journal file says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovered {
    /// The endpoint of its runs.
    pub endpoint: Option<String>,
    /// Resources imports created from rows and did not delete: (id, key), oldest first.
    pub tracked: Vec<(String, String)>,
    pub interrupted: Option<Interrupted>,
    /// Lines read.
    pub lines: usize,
}

/// A finished journal longer than this is compacted when it is mostly lines compaction drops.
const COMPACT_AFTER_LINES: usize = 10_000;

impl Recovered {
    /// Whether the journal is worth rewriting with only its `tracked` lines before the next
    /// run: it finished, it is long, and at least half of it would go. A journal of one large
    /// import's tracked lines is as short as it gets and is left alone run after run.
    pub fn worth_compacting(&self) -> bool {
        self.interrupted.is_none()
            && self.lines > COMPACT_AFTER_LINES
            && self.lines > 2 * self.tracked.len()
    }
}

/// Why a journal file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct JournalError {
    pub line: usize,
    pub message: String,
}

/// Reads a journal, line by line. A torn last line (the process killed mid-write) is ignored.
pub fn read(journal: impl BufRead) -> Result<Recovered, JournalError> {
    let mut recovered = Recovered::default();
    let mut tracked: Vec<(String, String)> = Vec::new();
    let mut pending: HashSet<(u64, String, Op)> = HashSet::new();
    let mut current: Option<Interrupted> = None;
    let mut lines = journal.split(b'\n').enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        let line = line.map_err(|e| JournalError {
            line: index + 1,
            message: e.to_string(),
        })?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let entry: Entry = match serde_json::from_slice(&line) {
            Ok(entry) => entry,
            // The last line, unfinished: written when the process was killed.
            Err(_) if lines.peek().is_none() => break,
            Err(e) => {
                return Err(JournalError {
                    line: index + 1,
                    message: e.to_string(),
                });
            }
        };
        recovered.lines += 1;
        match entry {
            Entry::Session {
                run,
                started,
                endpoint,
                sha256,
                plan,
                ..
            } => {
                if recovered.endpoint.is_none() {
                    recovered.endpoint = Some(endpoint);
                }
                pending.clear();
                current = Some(Interrupted {
                    run,
                    sha256,
                    plan,
                    started,
                    ..Interrupted::default()
                });
            }
            Entry::Intent { line, key, op, .. } => {
                pending.insert((line, key, op));
            }
            Entry::Done {
                line,
                key,
                op,
                outcome,
                id,
                ..
            } => {
                pending.remove(&(line, key.clone(), op));
                match (outcome, &id) {
                    (Outcome::Created, Some(id)) if op == Op::Create => {
                        tracked.push((id.clone(), key.clone()));
                    }
                    (Outcome::Deleted, Some(id)) => tracked.retain(|(t, _)| t != id),
                    _ => {}
                }
                if let Some(session) = current.as_mut()
                    && line > 0
                    && outcome.succeeded()
                    && matches!(op, Op::Create | Op::Update)
                {
                    session
                        .applied
                        .insert(line, AppliedRow { key, outcome, id });
                }
            }
            Entry::Finished { .. } => {
                current = None;
                pending.clear();
            }
            Entry::Tracked { id, key } => tracked.push((id, key)),
        }
    }
    if let Some(session) = current.as_mut() {
        session.in_flight = pending.len();
        session.in_flight_creates = pending
            .into_iter()
            .filter(|(_, _, op)| *op == Op::Create)
            .map(|(_, key, _)| key)
            .collect();
    }
    recovered.interrupted = current;
    recovered.tracked = tracked;
    Ok(recovered)
}

/// An open journal.
pub struct Journal {
    sink: Mutex<Flushing>,
    run: String,
}

struct Flushing {
    sink: Box<dyn JournalSink>,
    unsynced: u32,
    last_sync: Instant,
    /// The first error writing; later writes are refused with it.
    failed: Option<String>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("run", &self.run)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Journal {
    /// A journal of run `run` writing to `sink`.
    pub fn new(sink: Box<dyn JournalSink>, run: &str) -> Journal {
        Journal {
            sink: Mutex::new(Flushing {
                sink,
                unsynced: 0,
                last_sync: Instant::now(),
                failed: None,
            }),
            run: run.to_owned(),
        }
    }

    /// The run's id.
    pub fn run(&self) -> &str {
        &self.run
    }

    /// Writes one entry. The caller must not send the write an intent announces if this fails.
    pub fn record(&self, entry: &Entry) -> io::Result<()> {
        self.record_all(std::slice::from_ref(entry))
    }

    /// Writes entries in one piece (one `write` for a file).
    fn record_all(&self, entries: &[Entry]) -> io::Result<()> {
        let mut lines = String::new();
        for entry in entries {
            lines.push_str(&serde_json::to_string(entry).map_err(io::Error::other)?);
            lines.push('\n');
        }
        let mut flushing = lock(&self.sink);
        if let Some(error) = &flushing.failed {
            return Err(io::Error::other(error.clone()));
        }
        let written = flushing.sink.append(&lines).and_then(|()| {
            flushing.unsynced += u32::try_from(entries.len()).unwrap_or(u32::MAX);
            if flushing.unsynced >= SYNC_EVERY_LINES || flushing.last_sync.elapsed() >= SYNC_EVERY {
                // A batch flush: the sink may make it on another thread, so that no request
                // waits for the disk (an fsync can take tens of milliseconds).
                flushing.sink.sync_soon()?;
                flushing.unsynced = 0;
                flushing.last_sync = Instant::now();
            }
            Ok(())
        });
        if let Err(error) = &written {
            flushing.failed = Some(error.to_string());
        }
        written
    }

    /// Announces a write.
    pub fn intent(&self, line: u64, key: &str, op: Op) -> io::Result<()> {
        self.intents([(line, key, op)])
    }

    /// Announces several writes in one piece: `(line, key, op)` each.
    pub fn intents<'k>(
        &self,
        writes: impl IntoIterator<Item = (u64, &'k str, Op)>,
    ) -> io::Result<()> {
        let entries: Vec<Entry> = writes
            .into_iter()
            .map(|(line, key, op)| Entry::Intent {
                run: self.run.clone(),
                line,
                key: key.to_owned(),
                op,
            })
            .collect();
        if entries.is_empty() {
            return Ok(());
        }
        self.record_all(&entries)
    }

    /// Records how a write ended.
    pub fn done(
        &self,
        line: u64,
        key: &str,
        op: Op,
        outcome: Outcome,
        id: Option<&str>,
        error: Option<&str>,
    ) -> io::Result<()> {
        self.record(&Entry::Done {
            run: self.run.clone(),
            line,
            key: key.to_owned(),
            op,
            outcome,
            id: id.map(str::to_owned),
            error: error.map(str::to_owned),
        })
    }

    /// Flushes everything to disk.
    pub fn sync(&self) -> io::Result<()> {
        let mut flushing = lock(&self.sink);
        flushing.sink.sync()?;
        flushing.unsynced = 0;
        flushing.last_sync = Instant::now();
        Ok(())
    }
}

/// The lines of a compacted journal: one `tracked` line per resource imports created.
pub fn compacted(tracked: &[(String, String)]) -> Vec<String> {
    tracked
        .iter()
        .filter_map(|(id, key)| {
            serde_json::to_string(&Entry::Tracked {
                id: id.clone(),
                key: key.clone(),
            })
            .ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A sink whose lines a test can read back.
    #[derive(Clone, Default)]
    struct Memory(Arc<Mutex<(Vec<String>, usize)>>);

    impl JournalSink for Memory {
        fn append(&mut self, lines: &str) -> io::Result<()> {
            lock(&self.0).0.extend(lines.lines().map(str::to_owned));
            Ok(())
        }
        fn sync(&mut self) -> io::Result<()> {
            lock(&self.0).1 += 1;
            Ok(())
        }
    }

    fn session(run: &str, sha: &str) -> Entry {
        Entry::Session {
            format: FORMAT_VERSION,
            run: run.into(),
            started: "2026-01-01T00:00:00Z".into(),
            endpoint: "http://h/scim/v2/Users".into(),
            input: "users.csv".into(),
            sha256: sha.into(),
            plan: "match=userName".into(),
        }
    }

    fn text(memory: &Memory) -> String {
        lock(&memory.0).0.iter().map(|l| format!("{l}\n")).collect()
    }

    #[test]
    fn an_interrupted_run_tells_what_it_applied_and_what_was_in_flight() {
        let memory = Memory::default();
        let journal = Journal::new(Box::new(memory.clone()), "r1");
        journal.record(&session("r1", "abc")).unwrap();
        journal.intent(2, "a", Op::Create).unwrap();
        journal
            .done(2, "a", Op::Create, Outcome::Created, Some("id-a"), None)
            .unwrap();
        journal.intent(3, "b", Op::Update).unwrap();
        journal
            .done(3, "b", Op::Update, Outcome::Failed, None, Some("400"))
            .unwrap();
        journal.intent(4, "c", Op::Create).unwrap();
        let recovered = read(text(&memory).as_bytes()).unwrap();
        let interrupted = recovered.interrupted.expect("no finished line");
        assert_eq!(interrupted.sha256, "abc");
        assert_eq!(interrupted.in_flight, 1, "row 4 was sent without an answer");
        assert_eq!(
            interrupted.in_flight_creates,
            HashSet::from(["c".to_owned()])
        );
        assert_eq!(
            interrupted.applied,
            HashMap::from([(
                2,
                AppliedRow {
                    key: "a".into(),
                    outcome: Outcome::Created,
                    id: Some("id-a".into())
                }
            )]),
            "a failed row is not applied: it is tried again"
        );
        assert_eq!(recovered.tracked, [("id-a".to_owned(), "a".to_owned())]);
        assert_eq!(
            recovered.endpoint.as_deref(),
            Some("http://h/scim/v2/Users")
        );
    }

    #[test]
    fn a_finished_run_leaves_only_what_it_created_and_deletes_untrack() {
        let memory = Memory::default();
        let journal = Journal::new(Box::new(memory.clone()), "r1");
        journal.record(&session("r1", "abc")).unwrap();
        journal
            .done(2, "a", Op::Create, Outcome::Created, Some("1"), None)
            .unwrap();
        journal
            .done(3, "b", Op::Create, Outcome::Created, Some("2"), None)
            .unwrap();
        journal
            .done(0, "Ops", Op::Group, Outcome::Created, Some("g"), None)
            .unwrap();
        journal
            .record(&Entry::Finished { run: "r1".into() })
            .unwrap();
        journal
            .done(0, "a", Op::Delete, Outcome::Deleted, Some("1"), None)
            .unwrap();
        let recovered = read(text(&memory).as_bytes()).unwrap();
        assert_eq!(recovered.interrupted, None);
        assert_eq!(
            recovered.tracked,
            [("2".to_owned(), "b".to_owned())],
            "a group a `groups` column created is no row of the file"
        );
        let compact = compacted(&recovered.tracked).join("\n") + "\n";
        assert_eq!(read(compact.as_bytes()).unwrap().tracked, recovered.tracked);
    }

    /// A sink that counts its appends.
    #[derive(Clone, Default)]
    struct Appends(Arc<Mutex<Vec<String>>>);

    impl JournalSink for Appends {
        fn append(&mut self, lines: &str) -> io::Result<()> {
            lock(&self.0).push(lines.to_owned());
            Ok(())
        }
        fn sync(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn writes_announced_together_are_one_append_and_a_withdrawn_one_is_tried_again() {
        let appends = Appends::default();
        let journal = Journal::new(Box::new(appends.clone()), "r1");
        journal.record(&session("r1", "abc")).unwrap();
        journal
            .intents([
                (2, "a", Op::Create),
                (3, "b", Op::Create),
                (4, "c", Op::Create),
            ])
            .unwrap();
        journal
            .done(2, "a", Op::Create, Outcome::Created, Some("id-a"), None)
            .unwrap();
        journal
            .done(4, "c", Op::Create, Outcome::NotSent, None, None)
            .unwrap();
        let written = lock(&appends.0).clone();
        assert_eq!(written.len(), 4, "{written:?}");
        assert_eq!(written[1].lines().count(), 3, "three intents in one write");
        let recovered = read(written.concat().as_bytes()).unwrap();
        let interrupted = recovered.interrupted.expect("no finished line");
        assert_eq!(interrupted.in_flight, 1, "only b may have been sent");
        assert_eq!(
            interrupted.in_flight_creates,
            HashSet::from(["b".to_owned()])
        );
        assert_eq!(
            interrupted.applied.keys().collect::<Vec<_>>(),
            [&2],
            "c was never sent: the next run plans it again"
        );
    }

    #[test]
    fn a_torn_last_line_is_ignored_and_other_damage_is_an_error() {
        let whole = serde_json::to_string(&session("r", "x")).unwrap();
        let torn = format!("{whole}\n{{\"event\":\"intent\",\"ru");
        assert!(read(torn.as_bytes()).unwrap().interrupted.is_some());
        assert_eq!(read("nonsense\n{}\n".as_bytes()).unwrap_err().line, 1);
    }

    /// A sink that tells the batch flushes it is asked for from the flushes it must make at
    /// once.
    #[derive(Clone, Default)]
    struct Flushes(Arc<Mutex<(usize, usize)>>);

    impl JournalSink for Flushes {
        fn append(&mut self, _lines: &str) -> io::Result<()> {
            Ok(())
        }
        fn sync(&mut self) -> io::Result<()> {
            lock(&self.0).0 += 1;
            Ok(())
        }
        fn sync_soon(&mut self) -> io::Result<()> {
            lock(&self.0).1 += 1;
            Ok(())
        }
    }

    #[test]
    fn batch_flushes_never_wait_for_the_disk_and_the_last_one_does() {
        let flushes = Flushes::default();
        let journal = Journal::new(Box::new(flushes.clone()), "r");
        for line in 0..SYNC_EVERY_LINES * 2 {
            journal.intent(u64::from(line), "k", Op::Create).unwrap();
        }
        let (waited, asked) = *lock(&flushes.0);
        assert_eq!(waited, 0, "writing lines never waits for a flush");
        assert!(asked >= 2, "asked for {asked} batch flushes");
        journal.sync().unwrap();
        assert_eq!(lock(&flushes.0).0, 1, "the final flush is waited for");
    }

    #[test]
    fn lines_are_flushed_to_disk_in_batches() {
        let memory = Memory::default();
        let journal = Journal::new(Box::new(memory.clone()), "r");
        for line in 0..SYNC_EVERY_LINES * 2 {
            journal.intent(u64::from(line), "k", Op::Create).unwrap();
        }
        let syncs = lock(&memory.0).1;
        assert!(
            (2..SYNC_EVERY_LINES as usize).contains(&syncs),
            "synced {syncs} times for {} lines",
            SYNC_EVERY_LINES * 2
        );
        journal.sync().unwrap();
        assert_eq!(lock(&memory.0).1, syncs + 1);
    }

    #[test]
    fn a_long_journal_is_compacted_only_when_most_of_it_would_go() {
        let tracked = |n: usize| {
            (0..n)
                .map(|i| (format!("id-{i}"), format!("k{i}")))
                .collect()
        };
        let finished = |lines: usize, tracked_count: usize| Recovered {
            tracked: tracked(tracked_count),
            lines,
            ..Recovered::default()
        };
        assert!(
            !finished(10_002, 10_000).worth_compacting(),
            "the tracked lines of one 10,000-row import, a session and a finished line"
        );
        assert!(finished(30_002, 10_000).worth_compacting());
        assert!(
            !finished(9_000, 10).worth_compacting(),
            "short journals are left alone"
        );
        let interrupted = Recovered {
            interrupted: Some(Interrupted::default()),
            ..finished(30_002, 10)
        };
        assert!(
            !interrupted.worth_compacting(),
            "an interrupted run's lines are needed to resume"
        );
    }
}
