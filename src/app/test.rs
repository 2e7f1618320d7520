//! `scimctl test`: load the suites, connect, run the checks, print a line per verdict, write the
//! reports, HAR and ledger files, and choose the exit code. `scimctl test cleanup` removes what
//! a crashed run left behind, from its ledger. It never reads clap's types: it takes
//! [`TestOptions`], and the verdicts come from the runner, not from here.

use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

use crate::client::{BoxFuture, ClientError, RawExchange, RawRequest, RetryStats, ScimClient};
use crate::config::{self, ProcessEnvironment};
use crate::exit::{Exit, ExitError};
use crate::output::progress::{Progress, Unit, progress_mode_here};
use crate::output::{ColorChoice, ColorEnv, use_color};
use crate::report::ReportRequest;
use crate::report::console::ConsoleOptions;
use crate::runner::ledger::{Ledger, LedgerSink, parse_ledger};
use crate::runner::outcome::{CheckOutcome, FailOn, RunOutcome};
use crate::runner::{self, RunOptions};
use crate::scim::diag::{hint_line, with_hint};
use crate::scim::suggest::closest;
use crate::suite::{BUILTIN_SUITES, Suite, builtin_suite, parse_suite};

use super::session::{Connection, Prepared, prepare};

/// What `scimctl test` runs and how, whoever asks: the command line or the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOptions {
    /// Built-in suite names or suite files; empty runs every built-in suite.
    pub suites: Vec<String>,
    /// Run only checks with one of these tags (empty: all).
    pub only: Vec<String>,
    /// Leave out checks with one of these tags.
    pub skip: Vec<String>,
    /// Run only checks about these resource types (empty: all).
    pub resource_types: Vec<String>,
    pub allow_writes: bool,
    pub fail_on: FailOn,
    pub reports: Vec<ReportRequest>,
    /// Seeds names and values; `None` picks one at random.
    pub seed: Option<u64>,
    /// The `--waivers` file.
    pub waivers: Option<PathBuf>,
    /// Checks run at the same time (at least one runs).
    pub jobs: usize,
    /// List the checks instead of running them.
    pub list: bool,
    pub settle: Duration,
    /// The Okta features turned on; `None` for all.
    pub okta_features: Option<Vec<String>>,
    /// The longest one check may take (at least a second).
    pub check_timeout: Duration,
    /// Where the ledger goes; `None` for the cache directory.
    pub ledger: Option<PathBuf>,
}

impl Default for TestOptions {
    /// Every built-in suite, read-only, judged at MUST, with the runner's own defaults.
    fn default() -> Self {
        let run = RunOptions::default();
        TestOptions {
            suites: Vec::new(),
            only: Vec::new(),
            skip: Vec::new(),
            resource_types: Vec::new(),
            allow_writes: run.allow_writes,
            fail_on: run.fail_on,
            reports: Vec::new(),
            seed: None,
            waivers: None,
            jobs: run.jobs,
            list: false,
            settle: run.settle,
            okta_features: run.okta_features,
            check_timeout: run.check_timeout,
            ledger: None,
        }
    }
}

/// The runner reaches the server through the SCIM client: its credentials, retries and
/// exchange recording.
impl runner::Service for ScimClient {
    fn send<'a>(
        &'a self,
        request: &'a RawRequest,
    ) -> BoxFuture<'a, Result<RawExchange, ClientError>> {
        Box::pin(self.send_raw(request))
    }

    fn base_url(&self) -> String {
        ScimClient::base_url(self)
    }

    fn retry_stats(&self) -> RetryStats {
        ScimClient::retry_stats(self)
    }
}

/// A run that got as far as its verdicts: the console report, the HAR file and the `--report`
/// files are written. Whether the verdicts fail the run is [`Completed::verdict`].
#[derive(Debug)]
pub struct Completed {
    /// `Err` (exit 1) when a check fails the run at its `--fail-on`.
    pub verdict: Result<(), ExitError>,
}

/// Runs `scimctl test`: `--list`, or the suites.
pub fn run(
    options: TestOptions,
    connection: &Connection,
    color: ColorChoice,
) -> anyhow::Result<()> {
    if options.list {
        let suites = load_suites(&options.suites)?;
        let run_options = run_options(&options, &suites, run_id(options.seed))?;
        return list(&suites, &run_options, connection);
    }
    Ok(run_suites(options, connection, color)?.verdict?)
}

/// Runs the suites, prints the verdicts and writes the reports.
pub fn run_suites(
    options: TestOptions,
    connection: &Connection,
    color: ColorChoice,
) -> anyhow::Result<Completed> {
    let suites = load_suites(&options.suites)?;
    let run_id = run_id(options.seed);
    let run_options = run_options(&options, &suites, run_id.clone())?;
    let client = Arc::new(connect(connection)?);
    let ledger_path = match &options.ledger {
        Some(path) => path.clone(),
        None => ledger_dir().join(format!("{run_id}.jsonl")),
    };
    let ledger = Arc::new(Ledger::new(
        Box::new(FileSink::create(&ledger_path)?),
        Vec::new(),
    ));
    if options.allow_writes {
        eprintln!(
            "run {run_id}: what the checks create is named scimctl-test-{run_id}-...; ledger: {}",
            ledger_path.display()
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    let result = runtime.block_on(async {
        let total = suites
            .iter()
            .flat_map(|suite| &suite.checks)
            .filter(|check| runner::selected(check, &run_options))
            .count();
        let mode = progress_mode_here(false, false);
        let progress = Progress::start(mode, Unit::Checks, "scimctl test", total as u64);
        let mut done = 0;
        let mut print = |check: &CheckOutcome| {
            done += 1;
            let id = crate::text::one_line(&check.id);
            progress.update(done, &format!("{} {id}", check.status.as_str()));
        };
        let running = runner::run(
            Arc::clone(&client),
            &suites,
            &run_options,
            Arc::clone(&ledger),
            &mut print,
        );
        tokio::select! {
            report = running => Some(report),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    let report = match result {
        Some(Ok(report)) => report,
        Some(Err(error)) => {
            let _ = std::fs::remove_file(&ledger_path);
            return Err(ExitError::new(error.exit(), error).into());
        }
        None => {
            eprintln!(
                "interrupted; deleting what this run created ({} resource(s) in the ledger)",
                ledger.leftovers().len()
            );
            let problems = runtime.block_on(runner::clean_up(&client, &ledger, None));
            finish_ledger(&ledger_path, &problems);
            if problems.is_empty() {
                eprintln!(
                    "cleanup done: nothing this run created is left; ledger {} removed",
                    ledger_path.display()
                );
            }
            write_har(&client, connection)?;
            return Err(ExitError::new(Exit::Interrupted, anyhow::anyhow!("interrupted")).into());
        }
    };
    finish_ledger(&ledger_path, &report.cleanup_problems);
    let console = ConsoleOptions {
        colour: use_color(
            color,
            &ColorEnv::from_vars(|name| std::env::var(name).ok()),
            io::stdout().is_terminal(),
        ),
        verbose: connection.verbosity > 0,
    };
    crate::report::console::write(&report.outcome, console, &mut io::stdout().lock())
        .context("failed to write the report")?;
    write_har(&client, connection)?;
    for request in &options.reports {
        write_report(request, &report.outcome)?;
    }
    Ok(Completed {
        verdict: exit_of(&report.outcome),
    })
}

/// The runner's options for `options`, with the waivers read (and checked against `suites`).
fn run_options(
    options: &TestOptions,
    suites: &[Suite],
    run_id: String,
) -> anyhow::Result<RunOptions> {
    let waivers = match &options.waivers {
        Some(path) => read_waivers(path, suites)?,
        None => Vec::new(),
    };
    Ok(RunOptions {
        run_id,
        allow_writes: options.allow_writes,
        jobs: options.jobs.max(1),
        settle: options.settle,
        check_timeout: options.check_timeout.max(Duration::from_secs(1)),
        seed: options.seed.unwrap_or_else(rand_seed),
        only_tags: options.only.clone(),
        skip_tags: options.skip.clone(),
        resource_types: options.resource_types.clone(),
        okta_features: options.okta_features.clone(),
        waivers,
        fail_on: options.fail_on,
    })
}

/// Exit 1 when a check fails the run at its `--fail-on` ([`CheckOutcome::blocks`], the rule the
/// reports colour and count by), else 0.
fn exit_of(outcome: &RunOutcome) -> Result<(), ExitError> {
    if outcome.blocking().next().is_none() {
        return Ok(());
    }
    Err(ExitError::new(
        Exit::ServerError,
        anyhow::anyhow!("the run {}", crate::report::run_result(outcome)),
    ))
}

/// The suites named on the command line (built-in names or files), all built-in ones by
/// default. A suite that does not parse is a usage error pointing into the file.
fn load_suites(names: &[String]) -> anyhow::Result<Vec<Suite>> {
    let usage = |e: anyhow::Error| anyhow::Error::from(ExitError::new(Exit::Usage, e));
    let wanted: Vec<String> = if names.is_empty() {
        BUILTIN_SUITES
            .iter()
            .map(|(n, _)| (*n).to_owned())
            .collect()
    } else {
        names.to_vec()
    };
    let mut suites: Vec<Suite> = Vec::new();
    for name in &wanted {
        let suite = match builtin_suite(name) {
            Some(text) => parse_suite(name, text),
            None => {
                let text = std::fs::read_to_string(name).map_err(|e| {
                    let known: Vec<&str> = BUILTIN_SUITES.iter().map(|(n, _)| *n).collect();
                    ExitError::new(
                        Exit::Usage,
                        anyhow::anyhow!("cannot read suite `{name}`: {e}"),
                    )
                    .with_hint(format!("built-in suites are {}", known.join(", ")))
                })?;
                parse_suite(name, &text)
            }
        }
        .map_err(|e| usage(anyhow::anyhow!("invalid suite: {e}")))?;
        for check in &suite.checks {
            if let Some(other) = suites
                .iter()
                .find(|s| s.checks.iter().any(|c| c.id == check.id))
            {
                return Err(usage(anyhow::anyhow!(
                    "check id `{}` of suite `{}` is also in suite `{}`; ids must be unique",
                    check.id,
                    suite.name,
                    other.name
                )));
            }
        }
        suites.push(suite);
    }
    Ok(suites)
}

/// `--list`: every selected check, and whether it would run or be skipped and why. With a
/// server to ask, its two discovery documents decide the preconditions (two GETs, nothing
/// else is sent); without one, or when it cannot be asked, the list says so and names what
/// only the server could decide.
fn list(suites: &[Suite], options: &RunOptions, connection: &Connection) -> anyhow::Result<()> {
    let discovery = match connect(connection) {
        Err(error) => Err(format!("no server to ask: {}", first_line(&error))),
        Ok(client) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("failed to start the async runtime")?;
            match runtime.block_on(runner::discover(&client)) {
                Ok(discovery) => Ok((client.base_url(), discovery)),
                Err(error) => Err(format!("{} could not be asked: {error}", client.base_url())),
            }
        }
    };
    let mut out = io::stdout().lock();
    let (plan, preamble) = match &discovery {
        Ok((url, discovery)) => (
            runner::plan(suites, options, Some(discovery)),
            format!(
                "preconditions read from {url} (GET /ServiceProviderConfig and /ResourceTypes; \
                 nothing else was sent)"
            ),
        ),
        Err(why) => (
            runner::plan(suites, options, None),
            format!(
                "preconditions not checked ({why}); a check that needs a feature or resource \
                 type says which"
            ),
        ),
    };
    writeln!(out, "{preamble}")?;
    for (suite, checks) in plan {
        let running = checks
            .iter()
            .filter(|(_, plan)| !matches!(plan, runner::Plan::Skip(_)))
            .count();
        writeln!(
            out,
            "\n{} ({}): {} checks, {running} would run, {} skipped",
            suite.title,
            suite.name,
            checks.len(),
            checks.len() - running
        )?;
        for (check, plan) in checks {
            let (verdict, why) = match plan {
                runner::Plan::Run => ("run", None),
                runner::Plan::RunIfAdvertised(needs) => (
                    "run?",
                    Some(format!(
                        "runs if the server advertises {}",
                        needs.join(", ")
                    )),
                ),
                runner::Plan::Skip(reason) => ("skip", Some(reason)),
            };
            let writes = if check.writes() { " [writes]" } else { "" };
            writeln!(
                out,
                "  {verdict:<5} {:<13} {}  {}{writes}",
                check.level.as_str(),
                check.id,
                check.title
            )?;
            if let Some(why) = why {
                writeln!(out, "        {why}")?;
            }
        }
    }
    Ok(())
}

fn first_line(error: &anyhow::Error) -> String {
    let text = format!("{error:#}");
    text.lines().next().unwrap_or_default().to_owned()
}

fn write_report(request: &ReportRequest, outcome: &RunOutcome) -> anyhow::Result<()> {
    let path = &request.path;
    let mut file = io::BufWriter::new(
        File::create(path)
            .with_context(|| format!("cannot write the report {}", path.display()))?,
    );
    request
        .format
        .write(outcome, &mut file)
        .and_then(|()| file.flush())
        .with_context(|| format!("cannot write the report {}", path.display()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    #[serde(default)]
    waiver: Vec<Waiver>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Waiver {
    id: toml::Spanned<String>,
    reason: String,
}

/// Reads `--waivers FILE`. Every id must name a check of the suites given or of a built-in
/// suite (a waiver for a check this run leaves out is fine); an id that names none is a typo
/// that would silently waive nothing, so it is a usage error naming the file, the line and the
/// closest ids.
fn read_waivers(path: &Path, suites: &[Suite]) -> anyhow::Result<Vec<(String, String)>> {
    let usage = |e: anyhow::Error| anyhow::Error::from(ExitError::new(Exit::Usage, e));
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read waivers `{}`", path.display()))
        .map_err(usage)?;
    let file: WaiverFile = toml::from_str(&text)
        .with_context(|| format!("invalid waivers file `{}`", path.display()))
        .map_err(usage)?;
    let builtin: Vec<Suite> = BUILTIN_SUITES
        .iter()
        .filter_map(|(name, text)| parse_suite(name, text).ok())
        .collect();
    let known: Vec<&str> = suites
        .iter()
        .chain(&builtin)
        .flat_map(|suite| &suite.checks)
        .map(|check| check.id.as_str())
        .collect();
    let unknown: Vec<String> = file
        .waiver
        .iter()
        .filter(|waiver| !known.contains(&waiver.id.get_ref().as_str()))
        .map(|waiver| {
            let id = waiver.id.get_ref();
            let line = text[..waiver.id.span().start].matches('\n').count() + 1;
            let hint = match closest(id, &known).as_slice() {
                [] => "no check id is close; `scimctl test --list` lists them".to_owned(),
                near => format!("did you mean `{}`?", near.join("`, `")),
            };
            let problem = format!(
                "{}:{line}: no check has the id `{}`",
                path.display(),
                crate::text::one_line(id)
            );
            with_hint(&problem, Some(&hint))
        })
        .collect();
    if !unknown.is_empty() {
        return Err(usage(anyhow::anyhow!(
            "invalid waivers file `{}`: a waiver must name a check, or it waives nothing\n{}",
            path.display(),
            unknown.join("\n")
        )));
    }
    Ok(file
        .waiver
        .into_iter()
        .map(|w| (w.id.into_inner(), w.reason))
        .collect())
}

/// The client, built the way every command builds one ([`prepare`]), over the plain reqwest
/// transport.
fn connect(connection: &Connection) -> anyhow::Result<ScimClient> {
    let Prepared { resolved, recorder } = prepare(connection)?;
    let options = resolved.client_options()?;
    Ok(ScimClient::new(options, recorder)?)
}

pub(super) fn write_har(client: &ScimClient, connection: &Connection) -> anyhow::Result<()> {
    let Some(path) = &connection.har else {
        return Ok(());
    };
    let mut file =
        File::create(path).with_context(|| format!("cannot write HAR `{}`", path.display()))?;
    client
        .recorder()
        .write_har(&mut file)
        .with_context(|| format!("cannot write HAR `{}`", path.display()))
}

/// A run id: from the seed when one is given (reproducible names), else random.
pub(super) fn run_id(seed: Option<u64>) -> String {
    match seed {
        Some(seed) => format!(
            "{:08x}",
            (seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as u32
        ),
        None => uuid::Uuid::new_v4().simple().to_string()[..8].to_owned(),
    }
}

fn rand_seed() -> u64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(seed)
}

pub(super) fn ledger_dir() -> PathBuf {
    config::cache_dir(&ProcessEnvironment)
        .unwrap_or_else(std::env::temp_dir)
        .join("ledgers")
}

/// A ledger file: every line is on disk (fsync) before the request it announces is sent.
pub(super) struct FileSink {
    file: File,
}

impl FileSink {
    pub(super) fn create(path: &Path) -> anyhow::Result<FileSink> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the ledger directory {}", dir.display()))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open the ledger {}", path.display()))?;
        Ok(FileSink { file })
    }
}

impl LedgerSink for FileSink {
    fn append(&mut self, line: &str) -> io::Result<()> {
        self.file.write_all(format!("{line}\n").as_bytes())?;
        self.file.sync_data()
    }
}

/// Removes a ledger that has nothing left to clean; otherwise says how to finish the job.
pub(super) fn finish_ledger(path: &Path, problems: &[String]) {
    if problems.is_empty() {
        let _ = std::fs::remove_file(path);
        return;
    }
    for problem in problems {
        eprintln!("warning: cleanup: {problem}");
    }
    eprintln!(
        "{}",
        hint_line(&format!(
            "run `scimctl test cleanup --ledger {}` to try again",
            path.display()
        ))
    );
}

/// `scimctl test cleanup`: deletes every leftover of one ledger, or of every ledger in the
/// cache directory, and removes the ledgers that are then empty.
pub fn cleanup(ledger: Option<&Path>, connection: &Connection) -> anyhow::Result<()> {
    let paths: Vec<PathBuf> = match ledger {
        Some(path) => vec![path.to_owned()],
        None => match std::fs::read_dir(ledger_dir()) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                .collect(),
            Err(_) => Vec::new(),
        },
    };
    if paths.is_empty() {
        println!("no ledger to clean up");
        return Ok(());
    }
    let client = connect(connection)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    let mut failed = false;
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the ledger {}", path.display()))
            .map_err(|e| ExitError::new(Exit::Usage, e))?;
        let entries = parse_ledger(&text)
            .map_err(|e| ExitError::new(Exit::Usage, anyhow::anyhow!("{}: {e}", path.display())))?;
        let ledger = Ledger::new(Box::new(FileSink::create(&path)?), entries);
        let left = ledger.leftovers().len();
        let problems = runtime.block_on(runner::clean_up(&client, &ledger, None));
        println!(
            "{}: {} leftover(s), {} not removed",
            path.display(),
            left,
            problems.len()
        );
        failed |= !problems.is_empty();
        finish_ledger(&path, &problems);
    }
    if failed {
        return Err(ExitError::new(Exit::Partial, anyhow::anyhow!("some leftovers remain")).into());
    }
    Ok(())
}
