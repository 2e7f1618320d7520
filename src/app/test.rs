//! `scimctl test`: load the suites, connect, run the checks, print a line per verdict, write the
//! reports, HAR and ledger files, and choose the exit code. `scimctl test cleanup` removes what
//! a crashed run left behind, from its ledger.

use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

use crate::cli::connection::ConnectionArgs;
use crate::cli::test::{FailOn, TestArgs, TestCommand};
use crate::client::{ClientError, ScimClient};
use crate::config::{self, ConfigFile, ProcessEnvironment};
use crate::exit::{Exit, ExitError};
use crate::output::progress::{Progress, Unit, progress_mode_here};
use crate::output::{ColorChoice, ColorEnv, use_color};
use crate::report::ReportRequest;
use crate::report::console::ConsoleOptions;
use crate::runner::ledger::{Ledger, LedgerSink, parse_ledger};
use crate::runner::outcome::{CheckOutcome, Level, RunOutcome, Status};
use crate::runner::{self, RunError, RunOptions};
use crate::suite::{BUILTIN_SUITES, Suite, builtin_suite, parse_suite};

/// Runs `scimctl test` or `scimctl test cleanup`.
pub fn run(args: TestArgs, connection: &ConnectionArgs, color: ColorChoice) -> anyhow::Result<()> {
    if let Some(TestCommand::Cleanup { ledger }) = &args.command {
        return cleanup(ledger.as_deref(), connection);
    }
    let suites = load_suites(&args.suites)?;
    let reports = args
        .reports
        .iter()
        .map(|spec| {
            spec.parse::<ReportRequest>()
                .map_err(|e| ExitError::new(Exit::Usage, anyhow::anyhow!("--report {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let waivers = match &args.waivers {
        Some(path) => read_waivers(path)?,
        None => Vec::new(),
    };
    let run_id = run_id(args.seed);
    let options = RunOptions {
        run_id: run_id.clone(),
        allow_writes: args.allow_writes,
        jobs: args.jobs.max(1),
        settle: Duration::from_millis(args.settle),
        check_timeout: Duration::from_secs(args.check_timeout.max(1)),
        seed: args.seed.unwrap_or_else(rand_seed),
        only_tags: args.only.clone(),
        skip_tags: args.skip.clone(),
        resource_types: args.resource_types.clone(),
        okta_features: args.okta_features.clone(),
        waivers,
    };
    if args.list {
        return list(&suites, &options, connection);
    }
    let client = Arc::new(connect(connection)?);
    let ledger_path = match &args.ledger {
        Some(path) => path.clone(),
        None => ledger_dir().join(format!("{run_id}.jsonl")),
    };
    let ledger = Arc::new(Ledger::new(
        Box::new(FileSink::create(&ledger_path)?),
        Vec::new(),
    ));
    if args.allow_writes {
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
            .filter(|check| runner::selected(check, &options))
            .count();
        let mode = progress_mode_here(false, false);
        let progress = Progress::start(mode, Unit::Checks, "scimctl test", total as u64);
        let mut done = 0;
        let mut print = |check: &CheckOutcome| {
            done += 1;
            let id = crate::client::one_line(&check.id);
            progress.update(done, &format!("{} {id}", check.status.as_str()));
        };
        let running = runner::run(
            Arc::clone(&client),
            &suites,
            &options,
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
            let exit = match error {
                RunError::Unreachable(_) => Exit::Network,
                RunError::Refused { .. } => Exit::Auth,
            };
            return Err(ExitError::new(exit, error).into());
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
        verbose: connection.verbose > 0,
    };
    crate::report::console::write(&report.outcome, console, &mut io::stdout().lock())
        .context("failed to write the report")?;
    write_har(&client, connection)?;
    for request in &reports {
        write_report(request, &report.outcome)?;
    }
    if run_failed(&report.outcome, args.fail_on) {
        return Err(ExitError::new(
            Exit::ServerError,
            anyhow::anyhow!(
                "conformance checks failed at or above --fail-on {}",
                fail_on_name(args.fail_on)
            ),
        )
        .into());
    }
    Ok(())
}

/// True when a check at or above the `--fail-on` level failed, or a check could not reach a
/// verdict (a runtime error outranks a failure).
fn run_failed(outcome: &RunOutcome, fail_on: FailOn) -> bool {
    outcome.checks().any(|check| match check.status {
        Status::Error => true,
        Status::Fail => match check.level {
            Level::Must => true,
            Level::InteropOkta | Level::InteropEntra => fail_on != FailOn::Must,
            Level::Should | Level::May => fail_on == FailOn::Should,
        },
        Status::Warn => fail_on == FailOn::Should && check.level == Level::Should,
        Status::Pass | Status::Skip => false,
    })
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
                    usage(anyhow::anyhow!(
                        "cannot read suite `{name}`: {e}\nhint: built-in suites are {}",
                        known.join(", ")
                    ))
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
fn list(suites: &[Suite], options: &RunOptions, connection: &ConnectionArgs) -> anyhow::Result<()> {
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
    id: String,
    reason: String,
}

fn read_waivers(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let usage = |e: anyhow::Error| anyhow::Error::from(ExitError::new(Exit::Usage, e));
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read waivers `{}`", path.display()))
        .map_err(usage)?;
    let file: WaiverFile = toml::from_str(&text)
        .with_context(|| format!("invalid waivers file `{}`", path.display()))
        .map_err(usage)?;
    Ok(file.waiver.into_iter().map(|w| (w.id, w.reason)).collect())
}

fn connect(connection: &ConnectionArgs) -> anyhow::Result<ScimClient> {
    let env = ProcessEnvironment;
    let exit_of = |e: config::ConfigError| {
        let exit = e.exit();
        anyhow::Error::from(ExitError::new(exit, e))
    };
    let file = ConfigFile::locate(&env).map_err(exit_of)?;
    let resolved = config::resolve(connection, &env, &file).map_err(exit_of)?;
    let options = resolved.client_options().map_err(exit_of)?;
    let recorder = super::session::stderr_recorder(connection);
    ScimClient::new(options, recorder).map_err(|e: ClientError| {
        let exit = e.exit();
        ExitError::new(exit, e).into()
    })
}

fn write_har(client: &ScimClient, connection: &ConnectionArgs) -> anyhow::Result<()> {
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
fn run_id(seed: Option<u64>) -> String {
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

fn ledger_dir() -> PathBuf {
    config::cache_dir(&ProcessEnvironment)
        .unwrap_or_else(std::env::temp_dir)
        .join("ledgers")
}

/// A ledger file: every line is on disk (fsync) before the request it announces is sent.
struct FileSink {
    file: File,
}

impl FileSink {
    fn create(path: &Path) -> anyhow::Result<FileSink> {
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
fn finish_ledger(path: &Path, problems: &[String]) {
    if problems.is_empty() {
        let _ = std::fs::remove_file(path);
        return;
    }
    for problem in problems {
        eprintln!("warning: cleanup: {problem}");
    }
    eprintln!(
        "hint: run `scimctl test cleanup --ledger {}` to try again",
        path.display()
    );
}

/// `scimctl test cleanup`: deletes every leftover of one ledger, or of every ledger in the
/// cache directory, and removes the ledgers that are then empty.
fn cleanup(ledger: Option<&Path>, connection: &ConnectionArgs) -> anyhow::Result<()> {
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

fn fail_on_name(fail_on: FailOn) -> &'static str {
    match fail_on {
        FailOn::Must => "must",
        FailOn::Interop => "interop",
        FailOn::Should => "should",
    }
}
