//! `scimctl import users|groups FILE.csv`: read and check every row, read what the server holds,
//! plan, then apply with bounded concurrency, journalled so that running the same command again
//! after any interruption resumes; `--dry-run` stops after the plan.
//!
//! The file is read three times and never held whole: once to check every row (and hash the
//! file, for resuming), once to plan, once to apply. stdin is first copied to a temporary file.
//! The order of work:
//! 1. check every row (types, required attributes, duplicate keys); structural problems stop
//!    here with exit 2;
//! 2. read the journal: resume an interrupted run of the same file, or re-plan a changed one;
//! 3. read the server's state (pages or lookups) and resolve the names in link columns (unknown
//!    groups and managers make their rows invalid);
//! 4. plan every row (invalid rows stop the run with exit 2 unless `--skip-invalid`);
//! 5. confirm `--deactivate-missing`/`--delete-missing`, then apply the rows, then the links
//!    (managers, group memberships, new groups), then the missing resources.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError};

use anyhow::Context;
use futures_util::stream::{self, StreamExt};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::input::usage;
use super::session::Session;
use super::session::{Connection, GlobalOptions};
use crate::client::RetryPolicy;
use crate::exit::{Exit, ExitError};
use crate::import::apply::{Gate, Job, LinkResult, RowResult, Stop, Target, id_of};
use crate::import::bulk::Limits as BulkLimits;
use crate::import::journal::{self, Entry, Journal, JournalSink, NoSink, Op, Outcome, Recovered};
use crate::import::mapping::{
    CellValue, ImportKind, Link, MapFile, Mapping, MappingError, Row, template,
};
use crate::import::options::{ImportOptions, Missing};
use crate::import::plan::{Decision, Found, MatchKey, Method, ServerIndex, decide};
use crate::import::rejects::Rejects;
use crate::import::report::{
    ChangeEntry, FORMAT_VERSION, Header, JsonReport, RowEntry, RowOutcome, Tally, WriteEntry,
};
use crate::import::source::{CsvSource, Record};
use crate::import::state::{self, LOOKUP_LIMIT};
use crate::output::progress::{Progress, Unit, progress_mode_here};
use crate::output::{Width, render_table};
use crate::scim::resource::get_ci;
use crate::scim::schema::ResourceSchema;

/// Invalid rows and update diffs shown on the terminal at most (all go to the report).
const SHOWN_AT_MOST: usize = 20;

/// Attempts per request: an import of thousands of rows rides out more throttling and lost
/// connections than a single command (whose default is 4).
const PATIENT_ATTEMPTS: u32 = 8;

/// Prints the header row of a CSV file `scimctl import KIND` reads.
pub fn print_template(kind: ImportKind) -> anyhow::Result<()> {
    println!("{}", template(kind).join(","));
    Ok(())
}

/// Runs `scimctl import`.
pub fn run(
    options: &ImportOptions,
    connection: &Connection,
    global: GlobalOptions,
) -> anyhow::Result<()> {
    let map = read_map(options.map.as_deref())?;
    let input = Input::open(&options.file)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    let mut session = Session::open(connection, global)?;
    session.client.set_retry_policy(RetryPolicy {
        max_attempts: PATIENT_ATTEMPTS,
        ..RetryPolicy::default()
    });
    let options = Options {
        plan_text: options.plan_text(&map.hash),
        map: map.file,
        import: options.clone(),
    };
    let outcome = runtime.block_on(import(&mut session, &options, &input));
    runtime.shutdown_background();
    let har = session.finish();
    outcome.and(har)
}

/// A `--map` file, read, and the hash of its text.
struct LoadedMap {
    file: Option<MapFile>,
    hash: String,
}

fn read_map(path: Option<&Path>) -> anyhow::Result<LoadedMap> {
    let Some(path) = path else {
        return Ok(LoadedMap {
            file: None,
            hash: "none".to_owned(),
        });
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the map file {}", path.display()))
        .map_err(|e| ExitError::new(Exit::Usage, e))?;
    let map = MapFile::parse(&text).map_err(|e| usage(format!("{}: {e}", path.display())))?;
    Ok(LoadedMap {
        file: Some(map),
        hash: hex(&Sha256::digest(text.as_bytes())),
    })
}

/// The options, with the map file read.
struct Options {
    import: ImportOptions,
    map: Option<MapFile>,
    /// What shapes the plan, for telling whether a resumed run plans the same way.
    plan_text: String,
}

impl std::ops::Deref for Options {
    type Target = ImportOptions;

    fn deref(&self) -> &ImportOptions {
        &self.import
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The input file, or stdin copied to a temporary file (removed at the end) so that it can be
/// read more than once.
#[derive(Debug)]
struct Input {
    path: PathBuf,
    /// How messages name it.
    shown: String,
    from_stdin: bool,
}

impl Input {
    fn open(path: &Path) -> anyhow::Result<Input> {
        if path != Path::new("-") {
            File::open(path)
                .with_context(|| format!("cannot read {}", path.display()))
                .map_err(|e| ExitError::new(Exit::Usage, e))?;
            return Ok(Input {
                path: path.to_owned(),
                shown: path.display().to_string(),
                from_stdin: false,
            });
        }
        let spool = std::env::temp_dir().join(format!("scimctl-import-{}.csv", std::process::id()));
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&spool)
            .with_context(|| format!("cannot copy stdin to {}", spool.display()))?;
        io::copy(&mut io::stdin().lock(), &mut file).context("cannot read stdin")?;
        Ok(Input {
            path: spool,
            shown: "stdin".to_owned(),
            from_stdin: true,
        })
    }

    fn reader(&self) -> anyhow::Result<File> {
        File::open(&self.path).with_context(|| format!("cannot read {}", self.shown))
    }

    /// Where the journal goes unless `--journal` says: next to the file, or in the current
    /// directory for stdin.
    fn default_journal(&self) -> PathBuf {
        if self.from_stdin {
            PathBuf::from("scimctl-import.journal")
        } else {
            let mut name = self.path.as_os_str().to_owned();
            name.push(".journal");
            PathBuf::from(name)
        }
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        if self.from_stdin {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A reader that hashes what goes through it.
struct Hashing<R> {
    inner: R,
    hasher: Arc<std::sync::Mutex<Sha256>>,
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

/// A row as read: usable, or why not.
enum ReadRow {
    Valid {
        row: Row,
        /// The match key, normalised and as written.
        key: String,
        shown: String,
    },
    Invalid(String),
}

fn read_row(mapping: &Mapping, options: &Options, width: usize, record: &Record) -> ReadRow {
    if record.cells.len() != width {
        return ReadRow::Invalid(format!(
            "{} cells, but the header has {width}",
            record.cells.len()
        ));
    }
    let cells: Vec<&str> = record.cells.iter().map(String::as_str).collect();
    let row = match mapping.read(&cells, options.empty) {
        Ok(row) => row,
        Err(errors) => {
            let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
            return ReadRow::Invalid(messages.join("; "));
        }
    };
    match options.key.row_value(mapping, &row) {
        Some(shown) => ReadRow::Valid {
            key: options.key.normalise(&shown),
            shown,
            row,
        },
        None => ReadRow::Invalid(format!(
            "no {} to pair the row with (--match {})",
            options.key, options.key
        )),
    }
}

/// What the first reading found.
struct Scan {
    headers: Vec<String>,
    delimiter: u8,
    rows: u64,
    sha256: String,
    /// Why each invalid row is invalid, by line.
    invalid: BTreeMap<u64, String>,
    /// The keys of the valid rows, normalised, with the line of each.
    keys: HashMap<String, u64>,
    /// Names in link columns: normalised name -> (as written, lines).
    links: HashMap<Link, BTreeMap<String, (String, Vec<u64>)>>,
    /// The userNames of the rows, normalised (for resolving managers).
    user_names: HashSet<String>,
}

/// Reads every row once: checks it, collects keys and names, hashes the file.
fn scan(
    input: &Input,
    options: &Options,
    schema: &ResourceSchema,
) -> anyhow::Result<(Mapping, Scan)> {
    let hasher = Arc::new(std::sync::Mutex::new(Sha256::new()));
    let reader = Hashing {
        inner: input.reader()?,
        hasher: Arc::clone(&hasher),
    };
    let mut source = CsvSource::open(reader, options.delimiter)
        .map_err(|e| usage(format!("{}: {e}", input.shown)))?;
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
        return Err(usage(format!(
            "{}: --match {} needs a column holding it",
            input.shown, options.key
        ))
        .into());
    }
    let user_name_slot = mapping.slot_index("userName");
    let wants_user_names = mapping.link_column(Link::Manager).is_some();
    let mut found = Scan {
        headers: headers.clone(),
        delimiter: source.delimiter(),
        rows: 0,
        sha256: String::new(),
        invalid: BTreeMap::new(),
        keys: HashMap::new(),
        links: HashMap::new(),
        user_names: HashSet::new(),
    };
    let width = headers.len();
    while let Some(record) = source.next_record() {
        let record = record.map_err(|e| usage(format!("{}: {e}", input.shown)))?;
        found.rows += 1;
        let (row, key) = match read_row(&mapping, options, width, &record) {
            ReadRow::Valid { row, key, .. } => (row, key),
            ReadRow::Invalid(message) => {
                found.invalid.insert(record.line, message);
                continue;
            }
        };
        if let Some(first) = found.keys.get(&key).copied() {
            let message = format!("the {} `{key}` is on line {first} too", options.key);
            found.invalid.insert(record.line, message);
            found.invalid.entry(first).or_insert_with(|| {
                format!("the {} `{key}` is on line {} too", options.key, record.line)
            });
            continue;
        }
        found.keys.insert(key, record.line);
        if wants_user_names && let Some(slot) = user_name_slot {
            for (index, value) in &row.values {
                if let (true, CellValue::Set(Value::String(name))) = (*index == slot, value) {
                    found.user_names.insert(name.to_lowercase());
                }
            }
        }
        for (link, names) in &row.links {
            let known = found.links.entry(*link).or_default();
            for name in names {
                let entry = known
                    .entry(name.to_lowercase())
                    .or_insert_with(|| (name.clone(), Vec::new()));
                entry.1.push(record.line);
            }
        }
    }
    // Rows whose key turned out to be a duplicate keep no key.
    found
        .keys
        .retain(|_, line| !found.invalid.contains_key(line));
    found.sha256 = hex(&hasher
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
        .finalize());
    Ok((mapping, found))
}

fn mapping_error(input: &str, kind: ImportKind, error: &MappingError) -> ExitError {
    let hint = match error {
        MappingError::Unknown(_) => format!(
            "\nhint: name columns by SCIM path (name.givenName), map them with --map FILE.toml, \
             or pass --ignore-unknown; `scimctl import {kind} --template` prints the known headers"
        ),
        _ => String::new(),
    };
    usage(format!("{input}: {error}{hint}"))
}

/// A journal file: each line one `write` (which survives the process being killed); batch
/// flushes to disk run on a thread of their own, so that no request waits for the disk, and the
/// last flush is waited for.
struct FileSink {
    file: Arc<File>,
    flusher: Option<(std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>)>,
    /// The first error of a background flush.
    failed: Arc<std::sync::Mutex<Option<String>>>,
}

impl FileSink {
    fn new(file: File) -> FileSink {
        let file = Arc::new(file);
        let failed = Arc::new(std::sync::Mutex::new(None));
        let (requests, wanted) = std::sync::mpsc::channel::<()>();
        let flushing = Arc::clone(&file);
        let failures = Arc::clone(&failed);
        let thread = std::thread::spawn(move || {
            while wanted.recv().is_ok() {
                // Requests that came meanwhile are served by this one flush.
                while wanted.try_recv().is_ok() {}
                if let Err(error) = flushing.sync_data() {
                    let mut failed = failures.lock().unwrap_or_else(PoisonError::into_inner);
                    failed.get_or_insert_with(|| error.to_string());
                }
            }
        });
        FileSink {
            file,
            flusher: Some((requests, thread)),
            failed,
        }
    }

    fn failure(&self) -> io::Result<()> {
        match &*self.failed.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(error) => Err(io::Error::other(error.clone())),
            None => Ok(()),
        }
    }
}

impl JournalSink for FileSink {
    fn append(&mut self, line: &str) -> io::Result<()> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        (&*self.file).write_all(&bytes)
    }

    fn sync(&mut self) -> io::Result<()> {
        self.failure()?;
        self.file.sync_data()
    }

    fn sync_soon(&mut self) -> io::Result<()> {
        self.failure()?;
        if let Some((requests, _)) = &self.flusher {
            // The thread ends only when this sink is dropped.
            let _ = requests.send(());
        }
        Ok(())
    }
}

impl Drop for FileSink {
    fn drop(&mut self) {
        if let Some((requests, thread)) = self.flusher.take() {
            drop(requests);
            let _ = thread.join();
        }
    }
}

/// Reads the journal at `path` (nothing there is an empty journal).
fn read_journal(path: &Path) -> anyhow::Result<Recovered> {
    match File::open(path) {
        Ok(file) => journal::read(io::BufReader::new(file)).map_err(|e| {
            usage(format!(
                "the journal {} is damaged ({e}); move it away to start afresh (resources earlier \
                 imports created are then no longer known to --deactivate-missing)",
                path.display()
            ))
            .into()
        }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Recovered::default()),
        Err(error) => Err(anyhow::Error::new(error)
            .context(format!("cannot read the journal {}", path.display()))),
    }
}

/// Opens the journal for this run: a finished journal grown long is compacted first (only
/// what imports created is kept), then the session line is written.
fn open_journal(
    path: &Path,
    recovered: &Recovered,
    session: &Entry,
    run: &str,
) -> anyhow::Result<Journal> {
    if recovered.interrupted.is_none() && recovered.lines > 10_000 {
        let partial = path.with_extension("journal.partial");
        let mut text = journal::compacted(&recovered.tracked).join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        std::fs::write(&partial, text)
            .and_then(|()| std::fs::rename(&partial, path))
            .with_context(|| format!("cannot compact the journal {}", path.display()))?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot write the journal {}", path.display()))?;
    let journal = Journal::new(Box::new(FileSink::new(file)), run);
    journal
        .record(session)
        .and_then(|()| journal.sync())
        .with_context(|| format!("cannot write the journal {}", path.display()))?;
    Ok(journal)
}

/// What the links of the rows resolve to.
#[derive(Debug, Default)]
struct LinkState {
    /// Managers that are no row of the file: userName (lower case) -> id.
    managers: HashMap<String, String>,
    /// Groups named in a `groups` column that exist: name -> (id, member ids).
    groups: HashMap<String, (String, Vec<String>)>,
    /// Groups to create (`--create-groups`): lower-case name -> name as written.
    new_groups: BTreeMap<String, String>,
    /// Group import: member names -> ids (users by userName, then groups by displayName).
    members: HashMap<String, String>,
}

/// What the import knows once it has read the file and the server: read-only while applying.
struct Prepared<'a> {
    session: &'a Session,
    options: &'a Options,
    input: &'a Input,
    mapping: Mapping,
    schema: ResourceSchema,
    endpoint: &'static str,
    scan: Scan,
    index: ServerIndex,
    links: LinkState,
    /// Rows an interrupted run of the same file and plan applied.
    applied_earlier: HashMap<u64, journal::AppliedRow>,
    /// Keys whose create the interrupted run sent without an answer.
    created_unanswered: HashSet<String>,
}

/// Where outcomes go: counts, progress, the report and the rejects file.
struct Outputs {
    tally: Tally,
    progress: Option<Progress>,
    report: Option<JsonReport<BufWriter<File>>>,
    rejects: Option<Rejects<BufWriter<File>>>,
    quiet: bool,
    dry_run: bool,
    shown_updates: usize,
    shown_problems: usize,
}

/// A resource the file no longer holds.
#[derive(Debug, Clone)]
struct MissingResource {
    id: String,
    key: String,
    active: Option<bool>,
}

/// How the application of the plan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Finish {
    /// Every row was tried.
    Complete,
    /// Ctrl-C: the rows in flight were finished, the others left for the next run.
    Interrupted,
}

async fn import(session: &mut Session, options: &Options, input: &Input) -> anyhow::Result<()> {
    let endpoint = options.kind.endpoint();
    let discovery = session.discovery().await;
    let schema = discovery
        .resource_schema_for(endpoint)
        .unwrap_or_else(|| options.kind.builtin_schema());
    let patch_supported = discovery.config.as_ref().map(|c| c.patch);
    let bulk = discovery
        .config
        .as_ref()
        .and_then(|c| BulkLimits::advertised(&c.bulk));
    let session: &Session = session;
    let recorder = session.client.recorder();
    if options.method == Method::Patch && patch_supported == Some(false) {
        recorder.warning(
            "the server's ServiceProviderConfig says PATCH is not supported; pass --method put \
             if updates fail",
        );
    }
    let bulk = bulk.filter(|_| options.use_bulk);
    if options.use_bulk && bulk.is_none() {
        recorder.warning(
            "--use-bulk: the server does not advertise /Bulk; sending one request per row",
        );
    }
    let (mapping, scan) = scan(input, options, &schema)?;
    let journal_path = options
        .journal
        .clone()
        .unwrap_or_else(|| input.default_journal());
    let recovered = read_journal(&journal_path)?;
    let endpoint_url = format!(
        "{}{endpoint}",
        session.client.base_url().trim_end_matches('/')
    );
    if let Some(other) = &recovered.endpoint
        && other != &endpoint_url
    {
        return Err(usage(format!(
            "the journal {} belongs to imports into {other}; pass --journal FILE to import into \
             {endpoint_url}",
            journal_path.display()
        ))
        .into());
    }
    let mut ctx = Prepared {
        session,
        options,
        input,
        mapping,
        schema,
        endpoint,
        scan,
        index: ServerIndex::default(),
        links: LinkState::default(),
        applied_earlier: HashMap::new(),
        created_unanswered: HashSet::new(),
    };
    if let Some(interrupted) = &recovered.interrupted {
        ctx.created_unanswered = interrupted.in_flight_creates.clone();
        if interrupted.sha256 == ctx.scan.sha256 && interrupted.plan == options.plan_text {
            ctx.note(&format!(
                "resuming the import of {} interrupted at {}: {} row(s) were applied; {} write(s) \
                 had no answer and are checked again against the server",
                input.shown,
                interrupted.started,
                interrupted.applied.len(),
                interrupted.in_flight
            ));
            ctx.applied_earlier = interrupted.applied.clone();
        } else {
            ctx.note(&format!(
                "{} or the options changed since the import interrupted at {}: every row is \
                 planned again against the server's current state (nothing is replayed)",
                input.shown, interrupted.started
            ));
        }
    }
    ctx.read_state().await?;
    ctx.plan_links().await?;
    ctx.check_plan()?;
    let missing = ctx.missing(&recovered).await?;
    let mut out = Outputs::open(&ctx)?;
    let invalid = ctx.scan.invalid.len();
    if invalid > 0 && !options.skip_invalid && !options.dry_run {
        reject_invalid_only(&ctx, &mut out)?;
        let place = match &options.rejects {
            Some(path) => format!(" (they are in {})", path.display()),
            None => String::new(),
        };
        return Err(ExitError::new(
            Exit::Usage,
            anyhow::anyhow!(
                "{invalid} invalid row(s) in {}; nothing was written{place}\nhint: fix them, or \
                 pass --skip-invalid to import the valid rows",
                input.shown,
            ),
        )
        .into());
    }
    if !options.dry_run && !missing.is_empty() {
        ctx.confirm_missing(missing.len()).await?;
    }
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let journal = if options.dry_run {
        Journal::new(Box::new(NoSink), &run_id)
    } else {
        let session_entry = Entry::Session {
            format: journal::FORMAT_VERSION,
            run: run_id.clone(),
            started: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            endpoint: endpoint_url.clone(),
            input: input.shown.clone(),
            sha256: ctx.scan.sha256.clone(),
            plan: options.plan_text.clone(),
        };
        open_journal(&journal_path, &recovered, &session_entry, &run_id)?
    };
    let gate = Gate::new(options.concurrency, options.rate);
    let target = Target {
        client: &session.client,
        endpoint,
        mapping: &ctx.mapping,
        schema: &ctx.schema,
        key: options.key,
        method: options.method,
        dialect: session.dialect,
        journal: &journal,
        gate: &gate,
    };
    let stopped = AtomicBool::new(false);
    let mode = progress_mode_here(options.quiet, true);
    let label = format!(
        "{} {}",
        if options.dry_run {
            "planning"
        } else {
            "importing"
        },
        input.shown
    );
    out.progress = Some(Progress::start(mode, Unit::Rows, &label, ctx.scan.rows));
    let outcome = {
        let interrupts = watch_interrupts(&stopped);
        let work = apply(&ctx, &target, &mut out, &stopped, bulk, missing);
        tokio::pin!(work);
        tokio::select! {
            outcome = &mut work => outcome,
            () = interrupts => work.await,
        }
    };
    if let Some(progress) = out.progress.take() {
        progress.finish();
    }
    let synced = journal.sync();
    let finished = match &outcome {
        Ok(Finish::Complete) if !options.dry_run => journal
            .record(&Entry::Finished { run: run_id })
            .and_then(|()| journal.sync()),
        _ => Ok(()),
    };
    out.close()?;
    if !options.quiet {
        ctx.summary(&out.tally, &journal_path);
    }
    synced
        .and(finished)
        .with_context(|| format!("cannot write the journal {}", journal_path.display()))?;
    let tally = out.tally;
    match outcome? {
        Finish::Interrupted => Err(ExitError::new(
            Exit::Interrupted,
            anyhow::anyhow!(
                "interrupted; run the same command again to resume (journal: {})",
                journal_path.display()
            ),
        )
        .into()),
        Finish::Complete if options.dry_run && invalid > 0 => Err(ExitError::new(
            Exit::Usage,
            anyhow::anyhow!("{invalid} invalid row(s); nothing was written (dry run)"),
        )
        .into()),
        Finish::Complete if tally.any_failed() || tally.invalid > 0 => {
            let place = match &options.rejects {
                Some(path) => format!("; they are in {}", path.display()),
                None => "; --rejects FILE.csv collects them for another try".to_owned(),
            };
            Err(ExitError::new(
                Exit::Partial,
                anyhow::anyhow!(
                    "{} row(s) and {} other write(s) failed{place}",
                    tally.failed + tally.invalid,
                    tally.other_failed
                ),
            )
            .into())
        }
        Finish::Complete => Ok(()),
    }
}

/// Resolves on the first Ctrl-C, after marking the import stopped (no new row starts; the
/// requests in flight finish). A second Ctrl-C ends the process at once; the journal still
/// lets the next run resume.
async fn watch_interrupts(stopped: &AtomicBool) {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
    stopped.store(true, Ordering::SeqCst);
    let _ = writeln!(
        io::stderr(),
        "\ninterrupted: finishing the requests in flight (Ctrl-C again to stop at once)"
    );
    tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(i32::from(Exit::Interrupted.code()));
        }
    });
}

impl Prepared<'_> {
    /// A line on stderr, unless `--quiet`.
    fn note(&self, text: &str) {
        if !self.options.quiet {
            self.session.note(text);
        }
    }

    /// Reads the server's resources of this type: the whole list, or the rows' keys one by
    /// one when the file is small and nothing missing is asked about.
    async fn read_state(&mut self) -> anyhow::Result<()> {
        let client = &self.session.client;
        let mapping = &self.mapping;
        let key = self.options.key;
        let whole_list = self.scan.keys.len() > LOOKUP_LIMIT || self.options.missing.is_some();
        let mut index = ServerIndex::default();
        if whole_list {
            let attributes = state::projection(mapping, key);
            let summary = state::read_all(client, self.endpoint, attributes, None, |resource| {
                index.add(resource, mapping, key)
            })
            .await?;
            if !summary.stop.is_normal() || summary.gap.unwrap_or(0) > 0 {
                return Err(ExitError::new(
                    Exit::ServerError,
                    anyhow::anyhow!(
                        "the server's list of {} is incomplete ({summary}); rows of resources it \
                         left out would be created twice, so nothing was written",
                        self.endpoint
                    ),
                )
                .into());
            }
        } else {
            let keys = self.keys_as_written()?;
            state::read_keys(client, self.endpoint, key, &keys, |resource| {
                index.add(resource, mapping, key)
            })
            .await?;
        }
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
        match read_row(&self.mapping, self.options, self.scan.headers.len(), record) {
            ReadRow::Valid { key, .. } if self.scan.keys.get(&key) != Some(&record.line) => {
                ReadRow::Invalid(format!(
                    "{} changed while it was imported; run the command again",
                    self.input.shown
                ))
            }
            read => read,
        }
    }

    /// Reads the file again, handing each record and its reading to `each`.
    fn each_row(
        &self,
        mut each: impl FnMut(&Record, ReadRow) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut source = self.open_again()?;
        while let Some(record) = source.next_record() {
            let record = record.map_err(|e| usage(format!("{}: {e}", self.input.shown)))?;
            let read = self.read_again(&record);
            each(&record, read)?;
        }
        Ok(())
    }

    fn open_again(&self) -> anyhow::Result<CsvSource<File>> {
        CsvSource::open(self.input.reader()?, Some(self.scan.delimiter))
            .map_err(|e| usage(format!("{}: {e}", self.input.shown)).into())
    }

    /// Resolves the names in link columns; rows naming what does not exist become invalid.
    async fn plan_links(&mut self) -> anyhow::Result<()> {
        let client = &self.session.client;
        let mut invalid: Vec<(u64, String)> = Vec::new();
        let names = |link: Link| -> Vec<(String, (String, Vec<u64>))> {
            self.scan
                .links
                .get(&link)
                .map(|names| names.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default()
        };
        let managers: Vec<(String, (String, Vec<u64>))> = names(Link::Manager)
            .into_iter()
            .filter(|(name, _)| !self.scan.user_names.contains(name))
            .collect();
        let mut links = LinkState::default();
        if !managers.is_empty() {
            let wanted: Vec<String> = managers.iter().map(|(name, _)| name.clone()).collect();
            let (found, several) =
                state::resolve_names(client, "/Users", "userName", &wanted).await?;
            for (name, (shown, lines)) in &managers {
                let why = if several.contains(name) {
                    format!("manager `{shown}`: several users have this userName")
                } else if !found.contains_key(name) {
                    format!("unknown manager `{shown}`: no row or user has this userName")
                } else {
                    continue;
                };
                invalid.extend(lines.iter().map(|line| (*line, why.clone())));
            }
            links.managers = found;
        }
        let groups = names(Link::Groups);
        if !groups.is_empty() {
            let wanted: Vec<String> = groups.iter().map(|(name, _)| name.clone()).collect();
            let (found, several) =
                state::resolve_names(client, "/Groups", "displayName", &wanted).await?;
            let ids: Vec<String> = found.values().cloned().collect();
            let mut members = state::members_of(client, &ids).await?;
            let mut unknown: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
            for (name, (shown, lines)) in &groups {
                if several.contains(name) {
                    let why = format!("group `{shown}`: several groups have this displayName");
                    invalid.extend(lines.iter().map(|line| (*line, why.clone())));
                } else if let Some(id) = found.get(name) {
                    let current = members.remove(id).unwrap_or_default();
                    links.groups.insert(name.clone(), (id.clone(), current));
                } else if self.options.create_groups {
                    links.new_groups.insert(name.clone(), shown.clone());
                } else {
                    for line in lines {
                        unknown.entry(*line).or_default().push(shown);
                    }
                }
            }
            for (line, names) in unknown {
                let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                let why = match listed.as_slice() {
                    [one] => format!("unknown group {one} (--create-groups creates it)"),
                    many => format!(
                        "unknown groups {} (--create-groups creates them)",
                        many.join(", ")
                    ),
                };
                invalid.push((line, why));
            }
        }
        let members = names(Link::Members);
        if !members.is_empty() {
            let wanted: Vec<String> = members.iter().map(|(name, _)| name.clone()).collect();
            let (users, several_users) =
                state::resolve_names(client, "/Users", "userName", &wanted).await?;
            let rest: Vec<String> = wanted
                .iter()
                .filter(|name| !users.contains_key(*name) && !several_users.contains(name))
                .cloned()
                .collect();
            let (groups, several_groups) =
                state::resolve_names(client, "/Groups", "displayName", &rest).await?;
            for (name, (shown, lines)) in &members {
                if let Some(id) = users.get(name).or_else(|| groups.get(name)) {
                    links.members.insert(name.clone(), id.clone());
                    continue;
                }
                let why = if several_users.contains(name) || several_groups.contains(name) {
                    format!("member `{shown}`: several users or groups have this name")
                } else {
                    format!(
                        "unknown member `{shown}`: no user has this userName and no group this \
                         displayName"
                    )
                };
                invalid.extend(lines.iter().map(|line| (*line, why.clone())));
            }
        }
        self.links = links;
        self.add_invalid(invalid);
        Ok(())
    }

    fn add_invalid(&mut self, invalid: Vec<(u64, String)>) {
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

    /// The resources the file no longer holds, among those imports created (the journal's
    /// record) or those `--scope` selects.
    async fn missing(&self, recovered: &Recovered) -> anyhow::Result<Vec<MissingResource>> {
        let Some(what) = self.options.missing else {
            return Ok(Vec::new());
        };
        let key = self.options.key;
        let in_file = |keys: &[String]| keys.iter().any(|k| self.scan.keys.contains_key(k));
        let mut missing = Vec::new();
        if let Some(scope) = &self.options.scope {
            let mut found: Vec<(String, Vec<String>, Option<bool>)> = Vec::new();
            state::read_all(
                &self.session.client,
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

    /// Asks before deactivating or deleting; `--yes` answers for scripts.
    async fn confirm_missing(&self, count: usize) -> anyhow::Result<()> {
        let verb = match self.options.missing {
            Some(Missing::Delete) => "delete",
            _ => "deactivate",
        };
        let noun = self.options.kind.noun();
        if self.options.yes {
            return Ok(());
        }
        if !self.session.can_ask() {
            return Err(usage(format!(
                "refusing to {verb} {count} {noun}(s) without confirmation; nothing was written\n\
                 hint: see which with --dry-run, then pass --yes"
            ))
            .into());
        }
        let question = format!(
            "{verb} {count} {noun}(s) that {} no longer holds? [y/N] ",
            self.input.shown
        );
        let answer = tokio::task::spawn_blocking(move || {
            let mut stderr = io::stderr().lock();
            let _ = stderr.write_all(question.as_bytes());
            let _ = stderr.flush();
            let mut answer = String::new();
            io::stdin().read_line(&mut answer).map(|_| answer)
        })
        .await
        .map_err(io::Error::other)??;
        if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            Ok(())
        } else {
            Err(usage("not confirmed; nothing was written").into())
        }
    }

    /// The summary table on stderr.
    fn summary(&self, t: &Tally, journal_path: &Path) {
        let dry = self.options.dry_run;
        let word = |done: &'static str, planned: &'static str| if dry { planned } else { done };
        let mut rows: Vec<(&str, u64)> = vec![
            (word("created", "to create"), t.created),
            (word("updated", "to update"), t.updated),
            ("unchanged", t.unchanged),
        ];
        if t.applied_earlier > 0 {
            rows.push(("applied by the interrupted run", t.applied_earlier));
        }
        rows.push(("invalid", t.invalid));
        if !dry {
            rows.push(("failed", t.failed));
        }
        let extras = [
            (word("groups created", "groups to create"), t.groups_created),
            (
                word("memberships added", "memberships to add"),
                t.members_added,
            ),
            (word("managers set", "managers to set"), t.managers_set),
            (word("deactivated", "to deactivate"), t.deactivated),
            (word("deleted", "to delete"), t.deleted),
            ("other writes failed", t.other_failed),
        ];
        rows.extend(extras.into_iter().filter(|(_, n)| *n > 0));
        let mut text = render_table(
            &[&format!("{} rows", self.input.shown), &t.rows.to_string()],
            rows.iter()
                .map(|(what, n)| vec![(*what).to_owned(), n.to_string()])
                .collect(),
            // Two short columns: nothing to cut.
            Width::Unlimited,
        );
        if dry {
            text.push_str("\ndry run: nothing was written");
        } else {
            text.push_str(&format!("\njournal: {}", journal_path.display()));
        }
        self.session.note(&text);
    }
}

impl Outputs {
    fn open(ctx: &Prepared<'_>) -> anyhow::Result<Outputs> {
        let options = ctx.options;
        let rejects = match &options.rejects {
            Some(path) => {
                let file = File::create(path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                Some(Rejects::new(
                    BufWriter::new(file),
                    &ctx.scan.headers,
                    ctx.scan.delimiter,
                )?)
            }
            None => None,
        };
        let report = match &options.report {
            Some(path) => {
                let file = File::create(path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                let command = format!("import {}", options.kind);
                let endpoint = format!(
                    "{}{}",
                    ctx.session.client.base_url().trim_end_matches('/'),
                    ctx.endpoint
                );
                Some(JsonReport::start(
                    BufWriter::new(file),
                    &Header {
                        format_version: FORMAT_VERSION,
                        command: &command,
                        input: &ctx.input.shown,
                        endpoint: &endpoint,
                        dry_run: options.dry_run,
                    },
                )?)
            }
            None => None,
        };
        Ok(Outputs {
            tally: Tally::default(),
            progress: None,
            report,
            rejects,
            quiet: options.quiet,
            dry_run: options.dry_run,
            shown_updates: 0,
            shown_problems: 0,
        })
    }

    fn close(&mut self) -> anyhow::Result<()> {
        if let Some(mut rejects) = self.rejects.take() {
            rejects.flush()?;
        }
        if let Some(report) = self.report.take() {
            report.finish(&self.tally)?;
        }
        Ok(())
    }

    /// A line above the progress, unless `--quiet`.
    fn println(&self, text: &str) {
        if self.quiet {
            return;
        }
        match &self.progress {
            Some(progress) => progress.println(text),
            None => eprintln!("{text}"),
        }
    }

    /// Counts, shows, reports and rejects one row's outcome.
    fn row(&mut self, done: &Done) -> anyhow::Result<()> {
        self.tally.rows += 1;
        self.tally.count(done.outcome);
        if let (Some(rejects), Some(error)) = (&mut self.rejects, &done.error) {
            rejects.write(&done.cells, &format!("line {}: {error}", done.line))?;
        }
        if let Some(report) = &mut self.report {
            report.row(&RowEntry {
                line: done.line,
                key: &done.key,
                outcome: done.outcome,
                id: done
                    .id
                    .as_deref()
                    .filter(|id| !id.is_empty() && done.outcome != RowOutcome::Create),
                error: done.error.as_deref(),
                changes: done.changes.iter().map(ChangeEntry::from).collect(),
            })?;
        }
        if self.dry_run && done.outcome == RowOutcome::Update && self.shown_updates < SHOWN_AT_MOST
        {
            self.shown_updates += 1;
            let changes: Vec<String> = done
                .changes
                .iter()
                .map(|c| {
                    format!(
                        "{}: {} -> {}",
                        c.path,
                        shown_value(c.before.as_ref()),
                        shown_value(c.after.as_ref())
                    )
                })
                .collect();
            self.println(&format!(
                "line {} {}: {}",
                done.line,
                crate::text::one_line(&done.key),
                changes.join("; ")
            ));
        }
        if let Some(error) = &done.error
            && self.shown_problems < SHOWN_AT_MOST
        {
            self.shown_problems += 1;
            self.println(&format!(
                "line {}: {} ({})",
                done.line,
                crate::text::one_line(error),
                done.outcome.as_str()
            ));
        }
        self.show_progress();
        Ok(())
    }

    fn show_progress(&self) {
        let Some(progress) = &self.progress else {
            return;
        };
        let t = &self.tally;
        let message = if self.dry_run {
            format!(
                "{} to create, {} to update, {} unchanged, {} invalid",
                t.created, t.updated, t.unchanged, t.invalid
            )
        } else {
            format!(
                "{} created, {} updated, {} unchanged, {} failed",
                t.created,
                t.updated,
                t.unchanged + t.applied_earlier,
                t.failed + t.invalid
            )
        };
        progress.update(t.rows_done(), &message);
    }

    /// Counts and reports a write of no single row.
    fn write(
        &mut self,
        what: &str,
        target: &str,
        result: &LinkResult,
        added: u64,
    ) -> anyhow::Result<()> {
        let (outcome, id, detail) = match result {
            LinkResult::Done { outcome, id } => (*outcome, id.as_deref(), None),
            LinkResult::Failed(error) => ("failed", None, Some(error.as_str())),
        };
        let t = &mut self.tally;
        match (what, outcome) {
            (_, "failed") => t.other_failed += 1,
            ("manager", _) => t.managers_set += 1,
            ("group", _) => {
                t.groups_created += 1;
                t.members_added += added;
            }
            ("members", _) => t.members_added += added,
            ("deactivate", _) => t.deactivated += 1,
            ("delete", _) => t.deleted += 1,
            _ => {}
        }
        if let Some(error) = detail
            && self.shown_problems < SHOWN_AT_MOST
        {
            self.shown_problems += 1;
            self.println(&format!(
                "{what} {}: {}",
                crate::text::one_line(target),
                crate::text::one_line(error)
            ));
        }
        if let Some(report) = &mut self.report {
            let count = (added > 0).then(|| format!("{added} member(s)"));
            report.write(&WriteEntry {
                what,
                target,
                outcome,
                id,
                detail: detail.or(count.as_deref()),
            })?;
        }
        Ok(())
    }
}

/// Writes the invalid rows to the rejects file and the report, and shows the first ones.
fn reject_invalid_only(ctx: &Prepared<'_>, out: &mut Outputs) -> anyhow::Result<()> {
    let mut shown = 0;
    ctx.each_row(|record, read| {
        if let ReadRow::Invalid(why) = read {
            out.tally.rows += 1;
            out.tally.count(RowOutcome::Invalid);
            if shown < SHOWN_AT_MOST {
                eprintln!("line {}: {}", record.line, crate::text::one_line(&why));
                shown += 1;
            }
            if let Some(rejects) = &mut out.rejects {
                rejects.write(&record.cells, &format!("line {}: {why}", record.line))?;
            }
            if let Some(report) = &mut out.report {
                report.row(&RowEntry {
                    line: record.line,
                    key: "",
                    outcome: RowOutcome::Invalid,
                    id: None,
                    error: Some(&why),
                    changes: Vec::new(),
                })?;
            }
        }
        Ok(())
    })?;
    let invalid = out.tally.invalid as usize;
    if invalid > shown {
        eprintln!("... and {} more invalid row(s)", invalid - shown);
    }
    out.close()
}

/// A value in a one-line diff.
fn shown_value(value: Option<&Value>) -> String {
    match value {
        None => "(none)".to_owned(),
        // JSON: quotes inside a string stay visible as \".
        Some(other) => crate::text::one_line(&other.to_string()),
    }
}

/// Whether two lists of member ids hold the same ids.
fn same_members(have: &[String], want: &[String]) -> bool {
    let have: HashSet<&String> = have.iter().collect();
    let want: HashSet<&String> = want.iter().collect();
    have == want
}

/// One row's work: settled at once (invalid, applied earlier, unchanged, a dry-run create) or
/// a job for the engine; with what the link pass needs of it.
struct Work {
    line: u64,
    key: String,
    cells: Vec<String>,
    step: Step,
    link: RowLinks,
}

enum Step {
    Settled {
        outcome: RowOutcome,
        id: Option<String>,
        error: Option<String>,
    },
    Apply(Job),
}

/// What the link pass needs of a row.
#[derive(Debug, Clone, Default)]
struct RowLinks {
    /// The row's userName, lower case (for resolving managers).
    user_name: Option<String>,
    /// Its manager's userName, lower case.
    manager: Option<String>,
    /// Its groups' names, lower case.
    groups: Vec<String>,
}

/// What a row's work came to.
struct Done {
    line: u64,
    key: String,
    outcome: RowOutcome,
    id: Option<String>,
    error: Option<String>,
    changes: Vec<crate::import::plan::Change>,
    /// The cells as read, for the rejects file (empty when the row succeeded).
    cells: Vec<String>,
    link: RowLinks,
}

/// What the rows leave for the link pass.
#[derive(Default)]
struct LinkWork {
    /// userName (lower case) -> id, for the rows.
    ids_by_user_name: HashMap<String, String>,
    /// (line, key, user id, manager name lower case).
    managers: Vec<(u64, String, String, String)>,
    /// Group name (lower case) -> user ids to be members.
    memberships: BTreeMap<String, Vec<String>>,
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

/// Applies the plan: the rows, then the links, then the missing resources.
async fn apply(
    ctx: &Prepared<'_>,
    target: &Target<'_>,
    out: &mut Outputs,
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
    missing_pass(ctx, target, out, stopped, missing).await?;
    if stopped.load(Ordering::SeqCst) {
        return Ok(Finish::Interrupted);
    }
    Ok(Finish::Complete)
}

/// Why the import stopped, as the error the process ends with.
fn stop_error(stop: Stop) -> anyhow::Error {
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

/// The rows, streamed from the file through the engine with bounded concurrency.
async fn rows(
    ctx: &Prepared<'_>,
    target: &Target<'_>,
    out: &mut Outputs,
    stopped: &AtomicBool,
    bulk: Option<BulkLimits>,
) -> anyhow::Result<LinkWork> {
    let mut source = ctx.open_again()?;
    let works = std::iter::from_fn(|| {
        if stopped.load(Ordering::SeqCst) {
            return None;
        }
        let record = source.next_record()?;
        Some(
            record
                .map(|record| {
                    let read = ctx.read_again(&record);
                    ctx.work(&record, read)
                })
                .map_err(|e| anyhow::Error::new(usage(format!("{}: {e}", ctx.input.shown)))),
        )
    });
    let dry_run = ctx.options.dry_run;
    let pipeline = stream::iter(batches(works, bulk))
        .map(|batch| async move {
            match batch {
                Err(error) => vec![Err(error)],
                Ok(Batch::One(work)) => vec![settle(target, *work, dry_run).await],
                Ok(Batch::Bulk(works, limits)) => {
                    let jobs: Vec<Job> = works
                        .iter()
                        .filter_map(|work| match &work.step {
                            Step::Apply(job) => Some(job.clone()),
                            Step::Settled { .. } => None,
                        })
                        .collect();
                    match target.create_in_bulk(&jobs, limits).await {
                        Ok(results) => works
                            .into_iter()
                            .zip(results)
                            .map(|(work, result)| Ok(done_of(work, Some(result), false)))
                            .collect(),
                        Err(stop) => vec![Err(stop_error(stop))],
                    }
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
            if let Some(id) = done.id.as_ref().filter(|id| !id.is_empty()) {
                if let Some(user_name) = &done.link.user_name {
                    links.ids_by_user_name.insert(user_name.clone(), id.clone());
                }
                if let Some(manager) = &done.link.manager {
                    links
                        .managers
                        .push((done.line, done.key.clone(), id.clone(), manager.clone()));
                }
                for group in &done.link.groups {
                    links
                        .memberships
                        .entry(group.clone())
                        .or_default()
                        .push(id.clone());
                }
            }
        }
    }
    match stop {
        Some(error) => Err(error),
        None => Ok(links),
    }
}

/// Rows sent alone, or creates sent together in one `/Bulk` request.
enum Batch {
    One(Box<Work>),
    Bulk(Vec<Work>, BulkLimits),
}

/// Groups consecutive creates into batches of `maxOperations` when `/Bulk` is used; the
/// request is split further by payload size when it is sent.
fn batches(
    works: impl Iterator<Item = anyhow::Result<Work>>,
    limits: Option<BulkLimits>,
) -> impl Iterator<Item = anyhow::Result<Batch>> {
    let is_create =
        |work: &Work| matches!(&work.step, Step::Apply(job) if job.decision == Decision::Create);
    let mut works = works.peekable();
    std::iter::from_fn(move || {
        let first = match works.next()? {
            Ok(work) => work,
            Err(error) => return Some(Err(error)),
        };
        let Some(limits) = limits.filter(|_| is_create(&first)) else {
            return Some(Ok(Batch::One(Box::new(first))));
        };
        let mut group = vec![first];
        while group.len() < limits.max_operations {
            match works.peek() {
                Some(Ok(next)) if is_create(next) => {}
                _ => break,
            }
            match works.next() {
                Some(Ok(next)) => group.push(next),
                _ => break,
            }
        }
        Some(Ok(Batch::Bulk(group, limits)))
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

/// Managers and group memberships, once every row has an id.
async fn link_pass(
    ctx: &Prepared<'_>,
    target: &Target<'_>,
    out: &mut Outputs,
    stopped: &AtomicBool,
    links: LinkWork,
) -> anyhow::Result<()> {
    let dry_run = ctx.options.dry_run;
    enum LinkJob {
        Manager {
            line: u64,
            key: String,
            id: String,
            manager: String,
        },
        Members {
            name: String,
            id: String,
            add: Vec<String>,
        },
        Group {
            name: String,
            members: Vec<String>,
        },
    }
    let mut jobs: Vec<LinkJob> = Vec::new();
    for (line, key, id, manager) in links.managers {
        let Some(manager_id) = links
            .ids_by_user_name
            .get(&manager)
            .or_else(|| ctx.links.managers.get(&manager))
        else {
            continue;
        };
        let current = ctx.index.by_id(&id).and_then(|e| e.links.first());
        if current != Some(manager_id) {
            jobs.push(LinkJob::Manager {
                line,
                key,
                id,
                manager: manager_id.clone(),
            });
        }
    }
    for (name, members) in links.memberships {
        if let Some((id, current)) = ctx.links.groups.get(&name) {
            let current: HashSet<&String> = current.iter().collect();
            let mut add: Vec<String> = members
                .into_iter()
                .filter(|member| !current.contains(member))
                .collect();
            add.dedup();
            if !add.is_empty() {
                jobs.push(LinkJob::Members {
                    name: name.clone(),
                    id: id.clone(),
                    add,
                });
            }
        } else if let Some(shown) = ctx.links.new_groups.get(&name) {
            jobs.push(LinkJob::Group {
                name: shown.clone(),
                members,
            });
        }
    }
    let results = stream::iter(jobs)
        .take_while(|_| std::future::ready(!stopped.load(Ordering::SeqCst)))
        .map(|job| async move {
            let planned = |id: Option<&str>| LinkResult::Done {
                outcome: "planned",
                id: id.map(str::to_owned),
            };
            match job {
                LinkJob::Manager {
                    line,
                    key,
                    id,
                    manager,
                } => {
                    let result = if dry_run {
                        planned(Some(&id))
                    } else {
                        target.set_manager(line, &key, &id, &manager).await?
                    };
                    Ok(("manager", key, result, 0))
                }
                LinkJob::Members { name, id, add } => {
                    let count = add.len() as u64;
                    let result = if dry_run {
                        planned(Some(&id))
                    } else {
                        target.add_members(&name, &id, &add).await?
                    };
                    Ok(("members", name, result, count))
                }
                LinkJob::Group { name, members } => {
                    let count = members.len() as u64;
                    let result = if dry_run {
                        planned(None)
                    } else {
                        target.create_group(&name, &members).await?
                    };
                    Ok::<_, Stop>(("group", name, result, count))
                }
            }
        })
        .buffer_unordered(ctx.options.concurrency);
    tokio::pin!(results);
    while let Some(result) = results.next().await {
        let (what, target_name, result, count) = result.map_err(stop_error)?;
        let added = match &result {
            LinkResult::Done { .. } => count,
            LinkResult::Failed(_) => 0,
        };
        out.write(what, &target_name, &result, added)?;
    }
    Ok(())
}

/// Deactivates or deletes what the file no longer holds.
async fn missing_pass(
    ctx: &Prepared<'_>,
    target: &Target<'_>,
    out: &mut Outputs,
    stopped: &AtomicBool,
    missing: Vec<MissingResource>,
) -> anyhow::Result<()> {
    let Some(what) = ctx.options.missing else {
        return Ok(());
    };
    let dry_run = ctx.options.dry_run;
    let results = stream::iter(missing)
        .take_while(|_| std::future::ready(!stopped.load(Ordering::SeqCst)))
        .map(|resource| async move {
            let result = if dry_run {
                LinkResult::Done {
                    outcome: "planned",
                    id: Some(resource.id.clone()),
                }
            } else {
                match what {
                    Missing::Deactivate => target.deactivate(&resource.key, &resource.id).await?,
                    Missing::Delete => target.delete(&resource.key, &resource.id).await?,
                }
            };
            Ok::<_, Stop>((resource.key, result))
        })
        .buffer_unordered(ctx.options.concurrency);
    tokio::pin!(results);
    let word = match what {
        Missing::Deactivate => "deactivate",
        Missing::Delete => "delete",
    };
    while let Some(result) = results.next().await {
        let (key, result) = result.map_err(stop_error)?;
        out.write(word, &key, &result, 0)?;
    }
    Ok(())
}
