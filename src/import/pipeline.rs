//! An import from start to end, without a terminal: the file read and checked, the journal
//! read, the server's state read, every row planned, then the rows applied, then the links, then
//! the missing resources. It never prints, asks or draws: notes and outcomes go to the caller.
//!
//! A short file (up to [`KEPT_ROWS_AT_MOST`](scan::KEPT_ROWS_AT_MOST) rows and 1 MiB) is read
//! once and its rows kept; a longer one is never held whole, and is read again to plan (when the
//! plan needs it) and to apply. The order of work:
//! 1. check every row (types, required attributes, duplicate keys); structural problems stop
//!    here with exit 2;
//! 2. read the journal: resume an interrupted run of the same file, or re-plan a changed one;
//! 3. read the server's state (pages or lookups) and resolve the names in link columns (unknown
//!    groups and managers make their rows invalid); a large file's pages are read while step 1
//!    is still checking its rows, on a thread of its own;
//! 4. plan every row (invalid rows stop the run with exit 2 unless `--skip-invalid`);
//! 5. apply the rows, then the links (managers, group memberships, new groups), then the
//!    missing resources.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::client::ScimClient;
use crate::exit::{Exit, ExitError};
use crate::import::apply::{Gate, LinkResult, Stop, Target};
use crate::import::bulk::Limits as BulkLimits;
use crate::import::input::Input;
use crate::import::journal::{self, Entry, Journal, NoSink, Recovered};
use crate::import::journal_file::{open_journal, read_journal};
use crate::import::links::{LinkState, link_pass};
use crate::import::mapping::Mapping;
use crate::import::missing::{MissingResource, missing_pass};
use crate::import::options::Settings;
use crate::import::plan::{Decision, MatchKey, ServerIndex, decide};
use crate::import::rows::{Done, rows};
use crate::import::scan::{self, ReadRow, Scan, read_row};
use crate::import::source::{CsvSource, Record};
use crate::import::state::{self, LOOKUP_LIMIT};
use crate::scim::dialect::Dialect;
use crate::scim::schema::ResourceSchema;

/// The records of the file with their readings, in file order.
pub type Readings<'a> = dyn Iterator<Item = anyhow::Result<(Cow<'a, Record>, ReadRow)>> + 'a;

/// What the import knows once it has read the file and the server: read-only while applying.
pub struct Prepared<'a> {
    pub client: &'a ScimClient,
    pub options: &'a Settings,
    pub input: &'a Input,
    pub mapping: Mapping,
    pub schema: ResourceSchema,
    pub endpoint: &'static str,
    /// The endpoint's whole URL, as the journal names it.
    pub endpoint_url: String,
    pub scan: Scan,
    pub index: ServerIndex,
    pub links: LinkState,
    pub journal_path: PathBuf,
    /// What the journal held when the run started.
    pub recovered: Recovered,
    /// Rows an interrupted run of the same file and plan applied.
    pub applied_earlier: HashMap<u64, journal::AppliedRow>,
    /// Keys whose create the interrupted run sent without an answer.
    pub created_unanswered: HashSet<String>,
}

/// Where the outcome of each row and of each other write goes: the caller counts, shows and
/// reports them.
pub trait Outcomes {
    /// One row's outcome.
    fn row(&mut self, done: &Done) -> anyhow::Result<()>;
    /// A write of no single row (a manager, members, a new group, a missing resource).
    fn write(
        &mut self,
        what: &str,
        target: &str,
        result: &LinkResult,
        added: u64,
    ) -> anyhow::Result<()>;
}

/// Reads the file and the journal, then the server, and checks every row against both:
/// steps 1 to 4 of the order of work. `note` receives what a resumed run says about it.
///
/// The rows are checked on a thread of their own: once the file has more rows than are worth
/// looking up one by one, the server's whole list is read at the same time.
pub async fn prepare<'a>(
    client: &'a ScimClient,
    options: &'a Settings,
    input: &'a Input,
    schema: ResourceSchema,
    note: &dyn Fn(&str),
) -> anyhow::Result<Prepared<'a>> {
    let endpoint = options.kind.endpoint();
    let opened = scan::open(input, options, &schema)?;
    let mapping = opened.mapping.clone();
    let (passed_limit, many_rows) = tokio::sync::oneshot::channel();
    let (key, empty) = (options.key, options.empty);
    let scanning = tokio::task::spawn_blocking(move || {
        opened.scan(key, empty, LOOKUP_LIMIT, move || {
            // Nobody listens any more when the run already stopped: nothing to tell.
            let _ = passed_limit.send(());
        })
    });
    let scanned = async {
        match scanning.await {
            Ok(scan) => scan,
            Err(error) => match error.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(error) => Err(anyhow::Error::new(error).context("the rows were not read")),
            },
        }
    };
    let journal_path = options
        .journal
        .clone()
        .unwrap_or_else(|| input.default_journal());
    let recovered = read_journal(&journal_path)?;
    let endpoint_url = format!("{}{endpoint}", client.base_url().trim_end_matches('/'));
    if let Some(other) = &recovered.endpoint
        && other != &endpoint_url
    {
        return Err(ExitError::usage(format!(
            "the journal {} belongs to imports into {other}; pass --journal FILE to import into \
             {endpoint_url}",
            journal_path.display()
        ))
        .into());
    }
    // The sender is dropped unused when the file has few rows (or cannot be read).
    let whole_list = options.missing.is_some() || many_rows.await.is_ok();
    let (index, scan) = if whole_list {
        tokio::try_join!(read_whole_list(client, endpoint, &mapping, key), scanned)?
    } else {
        (ServerIndex::default(), scanned.await?)
    };
    let mut ctx = Prepared {
        client,
        options,
        input,
        mapping,
        schema,
        endpoint,
        endpoint_url,
        scan,
        index,
        links: LinkState::default(),
        journal_path,
        recovered,
        applied_earlier: HashMap::new(),
        created_unanswered: HashSet::new(),
    };
    ctx.resume(note);
    if !whole_list {
        ctx.look_up_keys().await?;
    }
    ctx.plan_links().await?;
    ctx.check_plan()?;
    Ok(ctx)
}

/// The server's resources of this type, from its whole list. A list that ends early (a
/// server that loses or repeats resources while paging) is refused: rows of resources it left
/// out would be created twice.
async fn read_whole_list(
    client: &ScimClient,
    endpoint: &str,
    mapping: &Mapping,
    key: MatchKey,
) -> anyhow::Result<ServerIndex> {
    let mut index = ServerIndex::default();
    let attributes = state::projection(mapping, key);
    let summary = state::read_all(client, endpoint, attributes, None, |resource| {
        index.add(resource, mapping, key);
    })
    .await?;
    if !summary.stop.is_normal() || summary.gap.unwrap_or(0) > 0 {
        return Err(ExitError::new(
            Exit::ServerError,
            anyhow::anyhow!(
                "the server's list of {endpoint} is incomplete ({summary}); rows of resources it \
                 left out would be created twice, so nothing was written"
            ),
        )
        .into());
    }
    Ok(index)
}

/// How the application of the plan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// Every row was tried.
    Complete,
    /// Ctrl-C: the rows in flight were finished, the others left for the next run.
    Interrupted,
}

impl<'a> Prepared<'a> {
    /// Takes over what an interrupted run of the same file and plan applied; a changed file or
    /// plan is planned again from the server's state.
    fn resume(&mut self, note: &dyn Fn(&str)) {
        let Some(interrupted) = &self.recovered.interrupted else {
            return;
        };
        self.created_unanswered = interrupted.in_flight_creates.clone();
        if interrupted.sha256 == self.scan.sha256 && interrupted.plan == self.options.plan_text {
            note(&format!(
                "resuming the import of {} interrupted at {}: {} row(s) were applied; {} write(s) \
                 were announced without an answer and are checked again against the server",
                self.input.shown,
                interrupted.started,
                interrupted.applied.len(),
                interrupted.in_flight
            ));
            self.applied_earlier = interrupted.applied.clone();
        } else {
            note(&format!(
                "{} or the options changed since the import interrupted at {}: every row is \
                 planned again against the server's current state (nothing is replayed)",
                self.input.shown, interrupted.started
            ));
        }
    }

    /// The journal of this run, its session line written; a dry run writes none.
    pub fn start_journal(&self, run_id: &str) -> anyhow::Result<Journal> {
        if self.options.dry_run {
            return Ok(Journal::new(Box::new(NoSink), run_id));
        }
        let session = Entry::Session {
            format: journal::FORMAT_VERSION,
            run: run_id.to_owned(),
            started: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            endpoint: self.endpoint_url.clone(),
            input: self.input.shown.clone(),
            sha256: self.scan.sha256.clone(),
            plan: self.options.plan_text.clone(),
        };
        open_journal(&self.journal_path, &self.recovered, &session, run_id)
    }

    /// Where the rows are written: through `journal` and `gate`, in `dialect`.
    pub fn target(&'a self, journal: &'a Journal, gate: &'a Gate, dialect: Dialect) -> Target<'a> {
        Target {
            client: self.client,
            endpoint: self.endpoint,
            mapping: &self.mapping,
            schema: &self.schema,
            key: self.options.key,
            method: self.options.method,
            dialect,
            journal,
            gate,
        }
    }

    /// Looks the rows' keys up one by one: for a small file, when nothing missing is asked
    /// about.
    async fn look_up_keys(&mut self) -> anyhow::Result<()> {
        let (mapping, key) = (&self.mapping, self.options.key);
        let keys = self.keys_as_written()?;
        let mut index = ServerIndex::default();
        state::read_keys(self.client, self.endpoint, key, &keys, |resource| {
            index.add(resource, mapping, key);
        })
        .await?;
        self.index = index;
        Ok(())
    }

    /// The valid rows' keys as written (only read for small files).
    fn keys_as_written(&self) -> anyhow::Result<Vec<(String, String)>> {
        let mut keys = Vec::with_capacity(self.scan.keys.len());
        self.each_row(|_, read| {
            if let ReadRow::Valid { key, shown, .. } = read {
                keys.push((key, shown));
            }
            Ok(())
        })?;
        Ok(keys)
    }

    /// A record read again: invalid if it was at the first reading, or if it changed since.
    fn read_again(&self, record: &Record) -> ReadRow {
        if let Some(why) = self.scan.invalid.get(&record.line) {
            return ReadRow::Invalid(why.clone());
        }
        let (key, empty, width) = (
            self.options.key,
            self.options.empty,
            self.scan.headers.len(),
        );
        match read_row(&self.mapping, key, empty, width, record) {
            ReadRow::Valid { key, .. } if self.scan.keys.get(&key) != Some(&record.line) => {
                ReadRow::Invalid(format!(
                    "{} changed while it was imported; run the command again",
                    self.input.shown
                ))
            }
            read => read,
        }
    }

    /// Hands each record and its reading to `each`.
    pub fn each_row(
        &self,
        mut each: impl FnMut(&Record, ReadRow) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        for reading in self.readings()? {
            let (record, read) = reading?;
            each(&record, read)?;
        }
        Ok(())
    }

    /// Each record with its reading: the rows kept at the first reading, or the file read again.
    /// A row found invalid since its first reading (an unknown group, a key the server holds
    /// twice) reads as invalid.
    pub fn readings(&self) -> anyhow::Result<Box<Readings<'_>>> {
        if let Some(kept) = &self.scan.kept {
            return Ok(Box::new(kept.iter().map(|(record, read)| {
                let read = match self.scan.invalid.get(&record.line) {
                    Some(why) => ReadRow::Invalid(why.clone()),
                    None => read.clone(),
                };
                Ok((Cow::Borrowed(record), read))
            })));
        }
        let mut source = CsvSource::open(self.input.reader()?, Some(self.scan.delimiter))
            .map_err(|e| ExitError::usage(format!("{}: {e}", self.input.shown)))?;
        Ok(Box::new(std::iter::from_fn(move || {
            let record = source.next_record()?;
            Some(match record {
                Ok(record) => {
                    let read = self.read_again(&record);
                    Ok((Cow::Owned(record), read))
                }
                Err(e) => Err(ExitError::usage(format!("{}: {e}", self.input.shown)).into()),
            })
        })))
    }

    pub(crate) fn add_invalid(&mut self, invalid: Vec<(u64, String)>) {
        for (line, why) in invalid {
            self.scan
                .invalid
                .entry(line)
                .and_modify(|existing| {
                    existing.push_str("; ");
                    existing.push_str(&why);
                })
                .or_insert(why);
        }
    }

    /// Plans every row without sending anything, so that a row the server's state makes
    /// invalid (a key several resources share, a new resource without its required attribute)
    /// is found before the first write.
    fn check_plan(&mut self) -> anyhow::Result<()> {
        // Paired by the attribute a create needs, with no key shared by two resources, no row
        // can be invalid here: the file need not be read again.
        let create_key = matches!(self.options.key, MatchKey::UserName | MatchKey::DisplayName);
        if create_key && !self.index.has_ambiguous_keys() {
            return Ok(());
        }
        let mut invalid = Vec::new();
        self.each_row(|record, read| {
            if let ReadRow::Valid { row, key, .. } = read
                && let Decision::Invalid(why) =
                    decide(&self.mapping, &row, self.index.find(&key), self.options.key)
            {
                invalid.push((record.line, why));
            }
            Ok(())
        })?;
        self.add_invalid(invalid);
        Ok(())
    }
}

/// Applies the plan: the rows, then the links, then the missing resources.
pub async fn apply(
    ctx: &Prepared<'_>,
    target: &Target<'_>,
    out: &mut dyn Outcomes,
    stopped: &AtomicBool,
    bulk: Option<BulkLimits>,
    missing: Vec<MissingResource>,
) -> anyhow::Result<Finish> {
    let links = rows(ctx, target, out, stopped, bulk).await?;
    if stopped.load(Ordering::SeqCst) {
        return Ok(Finish::Interrupted);
    }
    link_pass(ctx, target, out, stopped, links).await?;
    if stopped.load(Ordering::SeqCst) {
        return Ok(Finish::Interrupted);
    }
    missing_pass(ctx, target, out, stopped, missing, bulk).await?;
    if stopped.load(Ordering::SeqCst) {
        return Ok(Finish::Interrupted);
    }
    Ok(Finish::Complete)
}

/// Why the import stopped, as the error the process ends with.
pub(crate) fn stop_error(stop: Stop) -> anyhow::Error {
    match stop {
        Stop::Client(error) => {
            let exit = error.exit();
            ExitError::new(
                exit,
                anyhow::Error::new(error)
                    .context("the import stopped; run the same command again to resume"),
            )
            .into()
        }
        Stop::Journal(error) => anyhow::Error::new(error).context("cannot write the journal"),
    }
}
