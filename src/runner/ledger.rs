//! The cleanup ledger: every create is written down, durably, before its request is sent, so a
//! crash or Ctrl-C leaves nothing that cannot be found again. It never sends or deletes.
//!
//! The ledger is JSON lines. The runner writes through a [`LedgerSink`] (the command layer
//! supplies a file that is flushed to disk on every line; tests use memory) and keeps a copy in
//! memory to know what is left.

use std::io;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

/// Where ledger lines go. Each line must be durable when `append` returns (fsync for a file).
pub trait LedgerSink: Send {
    /// Writes one line (without its newline) durably.
    fn append(&mut self, line: &str) -> io::Result<()>;
}

/// A sink that keeps nothing beyond the ledger's own memory (tests, dry runs).
#[derive(Debug, Default)]
pub struct NoSink;

impl LedgerSink for NoSink {
    fn append(&mut self, _line: &str) -> io::Result<()> {
        Ok(())
    }
}

/// One ledger line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum LedgerEntry {
    /// About to POST a resource named `name` (in attribute `name_attr`) to `endpoint`.
    Create {
        run: String,
        check: String,
        endpoint: String,
        name_attr: String,
        name: String,
    },
    /// The server created a resource: it answered with this id.
    Created {
        check: String,
        endpoint: String,
        id: String,
    },
    /// The create of `name` needs no cleanup: the server refused it, or what it made was found
    /// by name and deleted.
    Settled {
        check: String,
        endpoint: String,
        name: String,
    },
    /// The resource is gone (a DELETE was answered and a GET gave 404).
    Deleted { endpoint: String, id: String },
}

/// Something created and not yet confirmed gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leftover {
    /// Known by id.
    Id {
        check: String,
        endpoint: String,
        id: String,
    },
    /// A create whose answer never came: found again by its unique name.
    Named {
        check: String,
        endpoint: String,
        name_attr: String,
        name: String,
    },
}

/// The ledger of one run (or of a crashed run being cleaned up).
pub struct Ledger {
    sink: Mutex<Box<dyn LedgerSink>>,
    entries: Mutex<Vec<LedgerEntry>>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").finish_non_exhaustive()
    }
}

fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Ledger {
    /// A ledger writing to `sink`, starting from `entries` (those of an earlier run, or none).
    pub fn new(sink: Box<dyn LedgerSink>, entries: Vec<LedgerEntry>) -> Ledger {
        Ledger {
            sink: Mutex::new(sink),
            entries: Mutex::new(entries),
        }
    }

    /// Writes one entry; the caller must not send the request it announces if this fails.
    pub fn record(&self, entry: LedgerEntry) -> io::Result<()> {
        let line = serde_json::to_string(&entry).map_err(io::Error::other)?;
        lock(&self.sink).append(&line)?;
        lock(&self.entries).push(entry);
        Ok(())
    }

    /// Everything created and not confirmed gone, oldest first.
    pub fn leftovers(&self) -> Vec<Leftover> {
        self.leftovers_of(None)
    }

    /// What `check` (or, with `None`, any check) created and is not confirmed gone, oldest
    /// first. Another check's creates are passed over before anything is copied: cleanup asks
    /// after every check, and the ledger holds the whole run.
    pub fn leftovers_of(&self, check: Option<&str>) -> Vec<Leftover> {
        let entries = lock(&self.entries);
        let mut left: Vec<Leftover> = Vec::new();
        let concerns = |of: &str| check.is_none_or(|wanted| wanted == of);
        for entry in entries.iter() {
            match entry {
                LedgerEntry::Create { check, .. }
                | LedgerEntry::Created { check, .. }
                | LedgerEntry::Settled { check, .. }
                    if !concerns(check) => {}
                LedgerEntry::Create {
                    check,
                    endpoint,
                    name_attr,
                    name,
                    ..
                } => left.push(Leftover::Named {
                    check: check.clone(),
                    endpoint: endpoint.clone(),
                    name_attr: name_attr.clone(),
                    name: name.clone(),
                }),
                LedgerEntry::Created {
                    check,
                    endpoint,
                    id,
                    ..
                } => {
                    // The id replaces the newest pending create of the same check and endpoint.
                    if let Some(index) = left.iter().rposition(|l| {
                        matches!(l, Leftover::Named { check: c, endpoint: e, .. }
                            if c == check && e == endpoint)
                    }) {
                        left.remove(index);
                    }
                    left.push(Leftover::Id {
                        check: check.clone(),
                        endpoint: endpoint.clone(),
                        id: id.clone(),
                    });
                }
                LedgerEntry::Settled {
                    check,
                    endpoint,
                    name,
                } => {
                    if let Some(index) = left.iter().rposition(|l| {
                        matches!(l, Leftover::Named { check: c, endpoint: e, name: n, .. }
                            if c == check && e == endpoint && n == name)
                    }) {
                        left.remove(index);
                    }
                }
                LedgerEntry::Deleted { endpoint, id, .. } => left.retain(|l| {
                    !matches!(l, Leftover::Id { endpoint: e, id: i, .. } if e == endpoint && i == id)
                }),
            }
        }
        left
    }

    /// True when `id` under `endpoint` was created by this ledger's runs: the only resources a
    /// check may change or delete.
    pub fn owns(&self, endpoint: &str, id: &str) -> bool {
        lock(&self.entries).iter().any(|entry| {
            matches!(entry, LedgerEntry::Created { endpoint: e, id: i, .. }
                if e.eq_ignore_ascii_case(endpoint) && i == id)
        })
    }
}

/// Why a ledger file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerParseError {
    /// 1-based line of the file.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

impl std::fmt::Display for LedgerParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Reads a ledger file's text. A torn last line (a crash mid-write) is ignored; any other bad
/// line is an error.
pub fn parse_ledger(text: &str) -> Result<Vec<LedgerEntry>, LedgerParseError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut entries = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(entry) => entries.push(entry),
            Err(_) if index + 1 == lines.len() && !text.ends_with('\n') => {}
            Err(e) => {
                return Err(LedgerParseError {
                    line: index + 1,
                    message: e.to_string(),
                });
            }
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(check: &str, name: &str) -> LedgerEntry {
        LedgerEntry::Create {
            run: "r".into(),
            check: check.into(),
            endpoint: "/Users".into(),
            name_attr: "userName".into(),
            name: name.into(),
        }
    }

    fn created(check: &str, id: &str) -> LedgerEntry {
        LedgerEntry::Created {
            check: check.into(),
            endpoint: "/Users".into(),
            id: id.into(),
        }
    }

    #[test]
    fn a_create_without_an_answer_is_left_over_by_name() {
        let ledger = Ledger::new(Box::new(NoSink), vec![]);
        ledger.record(create("a", "scimctl-test-1-x")).unwrap();
        assert!(
            matches!(&ledger.leftovers()[..], [Leftover::Named { name, .. }] if name == "scimctl-test-1-x")
        );
    }

    #[test]
    fn created_then_deleted_leaves_nothing_and_ownership_is_by_id() {
        let ledger = Ledger::new(Box::new(NoSink), vec![]);
        ledger.record(create("a", "n")).unwrap();
        ledger.record(created("a", "42")).unwrap();
        assert!(ledger.owns("/Users", "42"));
        assert!(!ledger.owns("/Users", "43"));
        assert_eq!(ledger.leftovers().len(), 1);
        ledger
            .record(LedgerEntry::Deleted {
                endpoint: "/Users".into(),
                id: "42".into(),
            })
            .unwrap();
        assert!(ledger.leftovers().is_empty());
    }

    #[test]
    fn the_leftovers_of_a_check_are_its_own_and_a_delete_clears_them_whoever_made_it() {
        let ledger = Ledger::new(Box::new(NoSink), vec![]);
        ledger.record(create("a", "mine")).unwrap();
        ledger.record(created("a", "1")).unwrap();
        ledger.record(create("b", "theirs")).unwrap();
        ledger.record(create("a", "unanswered")).unwrap();
        let of_a = ledger.leftovers_of(Some("a"));
        assert!(
            matches!(&of_a[..], [Leftover::Id { id, .. }, Leftover::Named { name, .. }]
                if id == "1" && name == "unanswered"),
            "{of_a:?}"
        );
        assert!(
            matches!(&ledger.leftovers_of(Some("b"))[..], [Leftover::Named { name, .. }] if name == "theirs")
        );
        ledger
            .record(LedgerEntry::Deleted {
                endpoint: "/Users".into(),
                id: "1".into(),
            })
            .unwrap();
        assert_eq!(ledger.leftovers_of(Some("a")).len(), 1);
        assert_eq!(ledger.leftovers().len(), 2);
    }

    #[test]
    fn a_file_round_trips_and_a_torn_last_line_is_ignored() {
        let line = serde_json::to_string(&created("a", "42")).unwrap();
        let text = format!("{line}\n{{\"event\":\"cre");
        assert_eq!(parse_ledger(&text).unwrap(), vec![created("a", "42")]);
        assert_eq!(parse_ledger("nonsense\n").unwrap_err().line, 1);
    }
}
