//! `scimctl import users|groups FILE.csv`: the command's wiring and its terminal. It loads the
//! `--map` file, asks before deactivating or deleting, draws the progress, shows and reports each
//! outcome, prints the summary and chooses the exit code; it does not plan, read the server or
//! write to it itself: [`crate::import::pipeline`] does, in the order of work it describes.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::input::usage;
use super::session::Session;
use super::session::{Connection, GlobalOptions};
use crate::client::RetryPolicy;
use crate::exit::{Exit, ExitError};
use crate::import::apply::{Gate, LinkResult};
use crate::import::bulk::Limits as BulkLimits;
use crate::import::input::Input;
use crate::import::journal::Entry;
use crate::import::mapping::{ImportKind, MapFile, template};
use crate::import::options::{ImportOptions, Missing, Settings};
use crate::import::pipeline::{self, Finish, Outcomes, Prepared};
use crate::import::plan::Method;
use crate::import::rejects::Rejects;
use crate::import::report::{
    ChangeEntry, FORMAT_VERSION, Header, JsonReport, RowEntry, RowOutcome, Tally, WriteEntry,
};
use crate::import::rows::Done;
use crate::import::scan::{ReadRow, hex};
use crate::output::progress::{Progress, Unit, progress_mode_here};
use crate::output::{Width, render_table};
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
    let options = Settings {
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

/// The schema of the resources imported and the `/Bulk` limits to use, from the server's
/// discovery documents; warns when PATCH or `/Bulk` is asked for and not offered.
async fn discover(
    session: &mut Session,
    options: &Settings,
) -> (ResourceSchema, Option<BulkLimits>) {
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
    (schema, bulk)
}

async fn import(session: &mut Session, options: &Settings, input: &Input) -> anyhow::Result<()> {
    let (schema, bulk) = discover(session, options).await;
    let session: &Session = session;
    let note = |text: &str| {
        if !options.quiet {
            session.note(text);
        }
    };
    let ctx = pipeline::prepare(&session.client, options, input, schema, &note).await?;
    let missing = ctx.missing(&ctx.recovered).await?;
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
        confirm_missing(session, &ctx, missing.len()).await?;
    }
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let journal = ctx.start_journal(&run_id)?;
    let gate = Gate::new(options.concurrency, options.rate);
    let target = ctx.target(&journal, &gate, session.dialect);
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
        let work = pipeline::apply(&ctx, &target, &mut out, &stopped, bulk, missing);
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
        summary(session, &ctx, &out.tally);
    }
    synced
        .and(finished)
        .with_context(|| format!("cannot write the journal {}", ctx.journal_path.display()))?;
    verdict(outcome?, &out.tally, options, &ctx.journal_path, invalid)
}

/// How the run ends: the exit code of an interrupted, invalid or partly failed import.
fn verdict(
    finish: Finish,
    tally: &Tally,
    options: &Settings,
    journal_path: &Path,
    invalid: usize,
) -> anyhow::Result<()> {
    match finish {
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

/// Asks before deactivating or deleting; `--yes` answers for scripts.
async fn confirm_missing(
    session: &Session,
    ctx: &Prepared<'_>,
    count: usize,
) -> anyhow::Result<()> {
    let verb = match ctx.options.missing {
        Some(Missing::Delete) => "delete",
        _ => "deactivate",
    };
    let noun = ctx.options.kind.noun();
    if ctx.options.yes {
        return Ok(());
    }
    if !session.can_ask() {
        return Err(usage(format!(
            "refusing to {verb} {count} {noun}(s) without confirmation; nothing was written\n\
             hint: see which with --dry-run, then pass --yes"
        ))
        .into());
    }
    let question = format!(
        "{verb} {count} {noun}(s) that {} no longer holds? [y/N] ",
        ctx.input.shown
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
fn summary(session: &Session, ctx: &Prepared<'_>, t: &Tally) {
    let dry = ctx.options.dry_run;
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
        &[&format!("{} rows", ctx.input.shown), &t.rows.to_string()],
        rows.iter()
            .map(|(what, n)| vec![(*what).to_owned(), n.to_string()])
            .collect(),
        // Two short columns: nothing to cut.
        Width::Unlimited,
    );
    if dry {
        text.push_str("\ndry run: nothing was written");
    } else {
        text.push_str(&format!("\njournal: {}", ctx.journal_path.display()));
    }
    session.note(&text);
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
                    ctx.client.base_url().trim_end_matches('/'),
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
}

impl Outcomes for Outputs {
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
