//! The first reading of the file: every row checked (types, required attributes, duplicate
//! keys), the names in link columns collected and the file hashed for resuming. It sends
//! nothing; it keeps keys, names, why rows are invalid, and the rows of a short file only.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, Read};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::exit::ExitError;
use crate::import::input::Input;
use crate::import::mapping::{CellValue, EmptyCells, ImportKind, Link, Mapping, MappingError, Row};
use crate::import::options::Settings;
use crate::import::plan::MatchKey;
use crate::import::source::{CsvSource, Record};
use crate::scim::schema::ResourceSchema;

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A reader that hashes what goes through it.
struct Hashing<R> {
    inner: R,
    hasher: Arc<Mutex<Sha256>>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .update(&buf[..n]);
        Ok(n)
    }
}

/// Files of at most this many rows, and of at most [`KEPT_BYTES_AT_MOST`], are read once: the
/// rows checked at the first reading are kept for planning and applying. Other files are read
/// again, row by row, and never held whole.
pub const KEPT_ROWS_AT_MOST: usize = 10_000;

/// The largest file whose rows are kept (a kept row takes about 20 times its size in memory).
pub const KEPT_BYTES_AT_MOST: u64 = 1 << 20;

/// A row as read: usable, or why not.
#[derive(Clone)]
pub enum ReadRow {
    Valid {
        row: Row,
        /// The match key, normalised and as written.
        key: String,
        shown: String,
    },
    Invalid(String),
}

pub fn read_row(
    mapping: &Mapping,
    key: MatchKey,
    empty: EmptyCells,
    width: usize,
    record: &Record,
) -> ReadRow {
    if record.cells.len() != width {
        return ReadRow::Invalid(format!(
            "{} cells, but the header has {width}",
            record.cells.len()
        ));
    }
    let cells: Vec<&str> = record.cells.iter().map(String::as_str).collect();
    let row = match mapping.read(&cells, empty) {
        Ok(row) => row,
        Err(errors) => {
            let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
            return ReadRow::Invalid(messages.join("; "));
        }
    };
    match key.row_value(mapping, &row) {
        Some(shown) => ReadRow::Valid {
            key: key.normalise(&shown),
            shown,
            row,
        },
        None => ReadRow::Invalid(format!("no {key} to pair the row with (--match {key})")),
    }
}

/// What the first reading found.
pub struct Scan {
    pub headers: Vec<String>,
    pub delimiter: u8,
    pub rows: u64,
    pub sha256: String,
    /// Why each invalid row is invalid, by line.
    pub invalid: BTreeMap<u64, String>,
    /// The keys of the valid rows, normalised, with the line of each.
    pub keys: foldhash::HashMap<String, u64>,
    /// Names in link columns: normalised name -> (as written, lines).
    pub links: HashMap<Link, BTreeMap<String, (String, Vec<u64>)>>,
    /// The userNames of the rows, normalised (for resolving managers).
    pub user_names: foldhash::HashSet<String>,
    /// Every row as read, while the file has at most [`KEPT_ROWS_AT_MOST`] rows.
    pub kept: Option<Vec<(Record, ReadRow)>>,
}

impl Scan {
    /// Records that the row on `line` has `row_key`; false when an earlier row has it too, and
    /// then both rows are invalid.
    fn add_key(&mut self, row_key: &str, line: u64, key: MatchKey) -> bool {
        match self.keys.entry(row_key.to_owned()) {
            Entry::Occupied(seen) => {
                let first = *seen.get();
                let message = format!("the {key} `{row_key}` is on line {first} too");
                self.invalid.insert(line, message);
                self.invalid
                    .entry(first)
                    .or_insert_with(|| format!("the {key} `{row_key}` is on line {line} too"));
                false
            }
            Entry::Vacant(new) => {
                new.insert(line);
                true
            }
        }
    }

    /// Collects the names of `row` that links resolve: its userName (when `user_name_slot` is
    /// given) and the names in its link columns.
    fn add_names(&mut self, row: &Row, line: u64, user_name_slot: Option<usize>) {
        if let Some(slot) = user_name_slot {
            for (index, value) in &row.values {
                if let (true, CellValue::Set(Value::String(name))) = (*index == slot, value) {
                    self.user_names.insert(name.to_lowercase());
                }
            }
        }
        for (link, names) in &row.links {
            let known = self.links.entry(*link).or_default();
            for name in names {
                let entry = known
                    .entry(name.to_lowercase())
                    .or_insert_with(|| (name.clone(), Vec::new()));
                entry.1.push(line);
            }
        }
    }

    /// Keeps a row as read, until the file turns out longer than [`KEPT_ROWS_AT_MOST`] rows.
    fn keep(&mut self, record: Record, read: ReadRow) {
        if let Some(kept) = &mut self.kept {
            if kept.len() < KEPT_ROWS_AT_MOST {
                kept.push((record, read));
            } else {
                self.kept = None;
            }
        }
    }
}

/// A file whose header has been read and mapped; its rows are read by [`Opened::scan`].
pub struct Opened {
    pub mapping: Mapping,
    headers: Vec<String>,
    source: CsvSource<Hashing<File>>,
    hasher: Arc<Mutex<Sha256>>,
    shown: String,
    /// Whether the file is small enough for its rows to be kept.
    small: bool,
}

/// Reads the header and maps its columns: unknown columns and a `--match` without a column
/// stop here.
pub fn open(input: &Input, options: &Settings, schema: &ResourceSchema) -> anyhow::Result<Opened> {
    let hasher = Arc::new(Mutex::new(Sha256::new()));
    let reader = Hashing {
        inner: input.reader()?,
        hasher: Arc::clone(&hasher),
    };
    let source = CsvSource::open(reader, options.delimiter)
        .map_err(|e| ExitError::usage(format!("{}: {e}", input.shown)))?;
    let headers = source.headers().to_vec();
    let mapping = Mapping::new(
        options.kind,
        &headers,
        schema,
        options.map.as_ref(),
        options.ignore_unknown,
    )
    .map_err(|e| mapping_error(&input.shown, options.kind, &e))?;
    if options.key.slot(&mapping).is_none() {
        return Err(ExitError::usage(format!(
            "{}: --match {} needs a column holding it",
            input.shown, options.key
        ))
        .into());
    }
    Ok(Opened {
        mapping,
        headers,
        source,
        hasher,
        shown: input.shown.clone(),
        small: input.size().is_some_and(|size| size <= KEPT_BYTES_AT_MOST),
    })
}

impl Opened {
    /// Reads every row once: checks it, collects keys and names, hashes the file.
    /// `on_many` is called once, as soon as more than `many` distinct keys have been read.
    pub fn scan(
        mut self,
        key: MatchKey,
        empty: EmptyCells,
        many: usize,
        on_many: impl FnOnce(),
    ) -> anyhow::Result<Scan> {
        let mapping = &self.mapping;
        let user_name_slot = mapping
            .slot_index("userName")
            .filter(|_| mapping.link_column(Link::Manager).is_some());
        let mut found = Scan {
            headers: self.headers.clone(),
            delimiter: self.source.delimiter(),
            rows: 0,
            sha256: String::new(),
            invalid: BTreeMap::new(),
            keys: foldhash::HashMap::default(),
            links: HashMap::new(),
            user_names: foldhash::HashSet::default(),
            kept: self.small.then(Vec::new),
        };
        let mut on_many = Some(on_many);
        let width = self.headers.len();
        while let Some(record) = self.source.next_record() {
            let record = record.map_err(|e| ExitError::usage(format!("{}: {e}", self.shown)))?;
            found.rows += 1;
            let read = read_row(mapping, key, empty, width, &record);
            match &read {
                ReadRow::Invalid(message) => {
                    found.invalid.insert(record.line, message.clone());
                }
                ReadRow::Valid {
                    row, key: row_key, ..
                } => {
                    if found.add_key(row_key, record.line, key) {
                        if found.keys.len() > many
                            && let Some(on_many) = on_many.take()
                        {
                            on_many();
                        }
                        found.add_names(row, record.line, user_name_slot);
                    }
                }
            }
            found.keep(record, read);
        }
        // Rows whose key turned out to be a duplicate keep no key.
        found
            .keys
            .retain(|_, line| !found.invalid.contains_key(line));
        found.sha256 = hex(&self
            .hasher
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .finalize());
        Ok(found)
    }
}

fn mapping_error(input: &str, kind: ImportKind, error: &MappingError) -> ExitError {
    let hint = match error {
        MappingError::Unknown(_) => format!(
            "\nhint: name columns by SCIM path (name.givenName), map them with --map FILE.toml, \
             or pass --ignore-unknown; `scimctl import {kind} --template` prints the known headers"
        ),
        _ => String::new(),
    };
    ExitError::usage(format!("{input}: {error}{hint}"))
}
