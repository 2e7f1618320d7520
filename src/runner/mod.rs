//! The conformance runner: runs suite checks through the narrow [`Service`] trait and returns
//! verdicts. It never prints, opens files or names the concrete client; callers supply those.
//!
//! A run fetches discovery once (ServiceProviderConfig, ResourceTypes) to gate checks on what
//! the server advertises, runs independent checks concurrently (`jobs`), bounds each check by a
//! timeout, and deletes everything a check created when the check ends. Progress goes to a
//! callback, the cleanup ledger to a [`ledger::LedgerSink`] the caller supplies.

pub(crate) mod answer;
pub(crate) mod assert;
mod builtin;
pub(crate) mod capture;
mod check;
mod cleanup;
mod discovery;
pub(crate) mod error;
mod guard;
pub mod ledger;
pub mod outcome;
mod plan;
pub(crate) mod request;
pub(crate) mod select;
mod service;
mod setup;
pub(crate) mod vars;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::client::ClientError;
use crate::exit::Exit;
use crate::suite::Suite;
pub use cleanup::clean_up;
pub use discovery::{Discovery, discover};
use ledger::Ledger;
use outcome::{CheckOutcome, FailOn, RunOutcome, Status, SuiteOutcome};
pub use plan::{Plan, plan, selected};
pub use service::Service;

/// The prefix of every name a run gives to what it creates.
pub const NAME_PREFIX: &str = "scimctl-test-";

/// How a run behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// Identifies the run in names (`scimctl-test-<run_id>-...`) and in the ledger.
    pub run_id: String,
    /// Checks that change data run only when true; otherwise they are skipped and say why.
    pub allow_writes: bool,
    /// Checks run at the same time.
    pub jobs: usize,
    /// How long a read-after-write step may be retried while its assertions fail.
    pub settle: Duration,
    /// The longest a check may take, its requests included.
    pub check_timeout: Duration,
    /// Seeds `{{random.NAME}}` and `{{uuid.NAME}}`.
    pub seed: u64,
    /// Run only checks with one of these tags (empty: all).
    pub only_tags: Vec<String>,
    /// Leave out checks with one of these tags.
    pub skip_tags: Vec<String>,
    /// Run only checks about these resource types (empty: all).
    pub resource_types: Vec<String>,
    /// The Okta provisioning features turned on; `None` tests them all.
    pub okta_features: Option<Vec<String>>,
    /// Check ids whose failures are accepted, with the reason.
    pub waivers: Vec<(String, String)>,
    /// The `--fail-on` the outcome is judged at; the run itself does not depend on it.
    pub fail_on: FailOn,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            run_id: "run".to_owned(),
            allow_writes: false,
            jobs: 4,
            settle: Duration::ZERO,
            check_timeout: Duration::from_secs(60),
            seed: 0,
            only_tags: Vec::new(),
            skip_tags: Vec::new(),
            resource_types: Vec::new(),
            okta_features: None,
            waivers: Vec::new(),
            fail_on: FailOn::default(),
        }
    }
}

/// What a run produced: the verdicts, and anything cleanup could not remove.
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    /// The verdicts, suite by suite.
    pub outcome: RunOutcome,
    /// One line per resource left behind (still in the ledger for `scimctl test cleanup`).
    pub cleanup_problems: Vec<String>,
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Discovery got no answer at all: the endpoint is unreachable.
    #[error("the SCIM endpoint is unreachable: {0}")]
    Unreachable(#[source] ClientError),
    /// Discovery was refused (401 or 403): the credentials are wrong or not allowed.
    #[error("the server refused the credentials: GET {path} answered {status}")]
    Refused {
        /// 401 or 403.
        status: u16,
        /// The discovery endpoint that refused, such as `/ServiceProviderConfig`.
        path: String,
    },
}

impl RunError {
    /// The exit code a run that could not start ends with: 4 unreachable, 5 refused.
    pub fn exit(&self) -> Exit {
        match self {
            RunError::Unreachable(_) => Exit::Network,
            RunError::Refused { .. } => Exit::Auth,
        }
    }
}

/// Where each running check's verdict goes: its suite and its place in file order.
struct Slot {
    suite: usize,
    check: usize,
}

/// Runs `suites` against the server behind `service`. `progress` sees each verdict as it is
/// reached (in completion order); the outcome keeps file order.
pub async fn run<S: Service + 'static>(
    service: Arc<S>,
    suites: &[Suite],
    options: &RunOptions,
    ledger: Arc<Ledger>,
    progress: &mut dyn FnMut(&CheckOutcome),
) -> Result<RunReport, RunError> {
    let service: Arc<dyn Service> = service;
    let started_at = Instant::now();
    let started = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let discovery = discover(service.as_ref()).await?;
    let shared = Arc::new(check::Shared {
        service: Arc::clone(&service),
        ledger,
        options: options.clone(),
    });
    let semaphore = Arc::new(Semaphore::new(options.jobs.max(1)));
    let mut slots: Vec<Vec<Option<CheckOutcome>>> = Vec::new();
    let mut tasks = JoinSet::new();
    let mut running = HashMap::new();
    for (suite_index, suite) in suites.iter().enumerate() {
        let mut suite_slots = Vec::new();
        for check in suite.checks.iter().filter(|c| selected(c, options)) {
            if let Some(reason) = plan::skip_reason(check, options, &discovery) {
                let outcome = check::skipped(check, &suite.name, reason);
                progress(&outcome);
                suite_slots.push(Some(outcome));
                continue;
            }
            let slot = Slot {
                suite: suite_index,
                check: suite_slots.len(),
            };
            suite_slots.push(None);
            let (shared, semaphore) = (Arc::clone(&shared), Arc::clone(&semaphore));
            let (task_check, suite_name) = (check.clone(), suite.name.clone());
            let handle = tasks.spawn(async move {
                // The semaphore is never closed, so a permit always comes.
                let _permit = semaphore.acquire_owned().await.ok();
                check::run_check(&shared, &task_check, &suite_name).await
            });
            running.insert(handle.id(), (slot, check, &suite.name));
        }
        slots.push(suite_slots);
    }
    let mut cleanup_problems = Vec::new();
    while let Some(joined) = tasks.join_next_with_id().await {
        let (id, result) = match joined {
            Ok((id, result)) => (id, Ok(result)),
            Err(error) => (error.id(), Err(error.to_string())),
        };
        let Some((slot, check, suite_name)) = running.remove(&id) else {
            continue;
        };
        let outcome = match result {
            Ok((outcome, problems)) => {
                cleanup_problems.extend(problems);
                outcome
            }
            Err(panic) => check::crashed(check, suite_name, panic),
        };
        let outcome = apply_waiver(outcome, &options.waivers);
        progress(&outcome);
        if let Some(place) = slots
            .get_mut(slot.suite)
            .and_then(|s| s.get_mut(slot.check))
        {
            *place = Some(outcome);
        }
    }
    let stats = service.retry_stats();
    let outcome = RunOutcome {
        target: service.base_url(),
        started,
        duration: started_at.elapsed(),
        suites: in_file_order(suites, slots),
        throttled: stats.throttled,
        throttle_wait: stats.waited,
        fail_on: options.fail_on,
    };
    Ok(RunReport {
        outcome,
        cleanup_problems,
    })
}

/// Each suite's verdicts, in file order.
fn in_file_order(suites: &[Suite], slots: Vec<Vec<Option<CheckOutcome>>>) -> Vec<SuiteOutcome> {
    suites
        .iter()
        .zip(slots)
        .map(|(suite, checks)| SuiteOutcome {
            name: suite.name.clone(),
            title: suite.title.clone(),
            checks: checks.into_iter().flatten().collect(),
        })
        .collect()
}

/// A waived failure or warning keeps its verdict and message, and carries the waiver's reason.
/// A waiver does not cover a pass (nothing to accept), a skip or an error (no verdict).
fn apply_waiver(mut outcome: CheckOutcome, waivers: &[(String, String)]) -> CheckOutcome {
    let waived = waivers.iter().find(|(id, _)| *id == outcome.id);
    if let (Some((_, reason)), Status::Fail | Status::Warn) = (waived, outcome.status) {
        outcome.waiver = Some(reason.clone());
    }
    outcome
}
