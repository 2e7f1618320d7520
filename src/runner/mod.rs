//! The conformance runner: executes suite checks against a SCIM service through a
//! [`ScimClient`] and returns verdicts. It never prints and never opens files: progress goes to
//! a callback, the cleanup ledger to a [`LedgerSink`] the caller supplies.
//!
//! A run fetches discovery once (ServiceProviderConfig, ResourceTypes) to gate checks on what
//! the server advertises, runs independent checks concurrently (`jobs`), bounds each check by a
//! timeout, and deletes everything a check created when the check ends.

mod builtin;
mod check;
pub mod ledger;
pub mod outcome;
mod select;
mod setup;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::client::{ClientError, Method, RawRequest, ScimClient};
use crate::scim::resource::get_ci;
use crate::suite::{Check, Requirement, Suite};
pub use check::clean_up;
use ledger::Ledger;
use outcome::{CheckOutcome, FailOn, RunOutcome, Status, SuiteOutcome};

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
#[derive(Debug)]
pub enum RunError {
    /// Discovery got no answer at all: the endpoint is unreachable.
    Unreachable(ClientError),
    /// Discovery was refused (401 or 403): the credentials are wrong or not allowed.
    Refused {
        /// 401 or 403.
        status: u16,
        /// The discovery endpoint that refused, such as `/ServiceProviderConfig`.
        path: String,
    },
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Unreachable(error) => write!(f, "the SCIM endpoint is unreachable: {error}"),
            RunError::Refused { status, path } => write!(
                f,
                "the server refused the credentials: GET {path} answered {status}"
            ),
        }
    }
}

impl std::error::Error for RunError {}

/// What the server advertises, fetched once per run (and by `--list`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Discovery {
    /// `ServiceProviderConfig` features and whether each is supported; `None` when the document
    /// could not be read (then every capability counts as not advertised).
    capabilities: Option<HashMap<String, bool>>,
    /// Resource type names from `/ResourceTypes`; `None` when unreadable (then no check is
    /// skipped for a missing resource type).
    resource_types: Option<Vec<String>>,
    /// The `schemaExtensions` URNs of every resource type; `None` as for `resource_types`.
    extensions: Option<Vec<String>>,
}

/// Reads ServiceProviderConfig and ResourceTypes (two GETs, nothing else). Fails when the server
/// does not answer, or refuses the credentials (every check would fail for that one reason).
pub async fn discover(client: &ScimClient) -> Result<Discovery, RunError> {
    let spc = get_json(client, "/ServiceProviderConfig").await?;
    let capabilities = spc.as_ref().and_then(Value::as_object).map(|map| {
        crate::suite::CAPABILITIES
            .iter()
            .map(|name| {
                let supported = get_ci(map, name)
                    .and_then(Value::as_object)
                    .and_then(|feature| get_ci(feature, "supported"))
                    .is_some_and(|v| v == &Value::Bool(true));
                ((*name).to_owned(), supported)
            })
            .collect()
    });
    let types = get_json(client, "/ResourceTypes").await?;
    let listed: Option<Vec<&Map<String, Value>>> = types.as_ref().map(|body| {
        let list = match body {
            Value::Array(items) => items.as_slice(),
            Value::Object(map) => get_ci(map, "Resources")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice),
            _ => &[],
        };
        list.iter().filter_map(Value::as_object).collect()
    });
    let resource_types = listed.as_ref().map(|types| {
        types
            .iter()
            .filter_map(|rt| get_ci(rt, "name").and_then(Value::as_str))
            .map(str::to_owned)
            .collect()
    });
    let extensions = listed.as_ref().map(|types| {
        types
            .iter()
            .filter_map(|rt| get_ci(rt, "schemaExtensions").and_then(Value::as_array))
            .flatten()
            .filter_map(|extension| {
                let extension = extension.as_object()?;
                get_ci(extension, "schema").and_then(Value::as_str)
            })
            .map(str::to_owned)
            .collect()
    });
    Ok(Discovery {
        capabilities,
        resource_types,
        extensions,
    })
}

/// The JSON of a 200 answer to a GET; `None` for any other answer but 401 and 403.
async fn get_json(client: &ScimClient, path: &str) -> Result<Option<Value>, RunError> {
    let exchange = client
        .send_raw(&RawRequest {
            method: Method::Get,
            path: path.to_owned(),
            query: Vec::new(),
            target: None,
            headers: Vec::new(),
            body: None,
            credentials: true,
        })
        .await
        .map_err(RunError::Unreachable)?;
    match exchange.response.status {
        200 => {}
        status @ (401 | 403) => {
            return Err(RunError::Refused {
                status,
                path: path.to_owned(),
            });
        }
        _ => return Ok(None),
    }
    Ok(serde_json::from_slice(&exchange.response.body).ok())
}

/// True when the tag and resource-type filters select the check; unselected checks are left
/// out of the outcome entirely, as a test filter would.
pub fn selected(check: &Check, options: &RunOptions) -> bool {
    let has_tag = |wanted: &[String]| {
        check
            .tags
            .iter()
            .any(|tag| wanted.iter().any(|w| w.eq_ignore_ascii_case(tag)))
    };
    if !options.only_tags.is_empty() && !has_tag(&options.only_tags) {
        return false;
    }
    if has_tag(&options.skip_tags) {
        return false;
    }
    if options.resource_types.is_empty() {
        return true;
    }
    check.requires.iter().all(|requirement| match requirement {
        Requirement::ResourceType(name) => options
            .resource_types
            .iter()
            .any(|wanted| wanted.eq_ignore_ascii_case(name)),
        _ => true,
    })
}

/// What a run would do with a selected check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// It would run.
    Run,
    /// It would run if the server advertises these features and resource types; nobody asked
    /// the server.
    RunIfAdvertised(Vec<String>),
    /// It would be skipped, for this reason.
    Skip(String),
}

/// What a run would do with each selected check, suite by suite, in file order. `discovery` is
/// what the server advertises, or `None` when no server was asked: then what only the server
/// can say is named, not judged.
pub fn plan<'a>(
    suites: &'a [Suite],
    options: &RunOptions,
    discovery: Option<&Discovery>,
) -> Vec<(&'a Suite, Vec<(&'a Check, Plan)>)> {
    suites
        .iter()
        .map(|suite| {
            let checks = suite
                .checks
                .iter()
                .filter(|check| selected(check, options))
                .map(|check| (check, plan_check(check, options, discovery)))
                .collect();
            (suite, checks)
        })
        .collect()
}

fn plan_check(check: &Check, options: &RunOptions, discovery: Option<&Discovery>) -> Plan {
    let mut unasked = Vec::new();
    for requirement in &check.requires {
        let missing = match (requirement, discovery) {
            (
                Requirement::Capability(name)
                | Requirement::ResourceType(name)
                | Requirement::Extension(name),
                None,
            ) => {
                unasked.push(name.clone());
                None
            }
            (Requirement::Capability(name), Some(discovery)) => missing_capability(name, discovery),
            (Requirement::ResourceType(name), Some(discovery)) => {
                missing_resource_type(name, discovery)
            }
            (Requirement::Extension(urn), Some(discovery)) => missing_extension(urn, discovery),
            (Requirement::OktaFeature(feature), _) => unselected_okta_feature(feature, options),
        };
        if let Some(reason) = missing {
            return Plan::Skip(reason);
        }
    }
    if check.writes() && !options.allow_writes {
        return Plan::Skip(
            "writes data on the server; run with --allow-writes to include it".to_owned(),
        );
    }
    if unasked.is_empty() {
        Plan::Run
    } else {
        Plan::RunIfAdvertised(unasked)
    }
}

fn missing_capability(name: &str, discovery: &Discovery) -> Option<String> {
    let supported = discovery
        .capabilities
        .as_ref()
        .and_then(|caps| caps.get(name))
        .copied()
        .unwrap_or(false);
    (!supported).then(|| match discovery.capabilities {
        Some(_) => format!(
            "the server does not advertise `{name}` (ServiceProviderConfig {name}.supported is \
             not true)"
        ),
        None => format!("needs `{name}`, and the ServiceProviderConfig could not be read"),
    })
}

fn missing_extension(urn: &str, discovery: &Discovery) -> Option<String> {
    let extensions = discovery.extensions.as_ref()?;
    (!extensions.iter().any(|e| e.eq_ignore_ascii_case(urn))).then(|| {
        format!(
            "no resource type lists the schema extension `{urn}` (/ResourceTypes schemaExtensions)"
        )
    })
}

fn missing_resource_type(name: &str, discovery: &Discovery) -> Option<String> {
    let types = discovery.resource_types.as_ref()?;
    (!types.iter().any(|t| t.eq_ignore_ascii_case(name)))
        .then(|| format!("the server has no `{name}` resource type (/ResourceTypes)"))
}

fn unselected_okta_feature(feature: &str, options: &RunOptions) -> Option<String> {
    let features = options.okta_features.as_ref()?;
    (!features.iter().any(|f| f.eq_ignore_ascii_case(feature)))
        .then(|| format!("tests the Okta feature `{feature}`, not selected by --okta-features"))
}

/// Why a selected check must not run, if it must not.
fn skip_reason(check: &Check, options: &RunOptions, discovery: &Discovery) -> Option<String> {
    match plan_check(check, options, Some(discovery)) {
        Plan::Skip(reason) => Some(reason),
        Plan::Run | Plan::RunIfAdvertised(_) => None,
    }
}

/// Runs `suites` against the server behind `client`. `progress` sees each verdict as it is
/// reached (in completion order); the outcome keeps file order.
pub async fn run(
    client: Arc<ScimClient>,
    suites: &[Suite],
    options: &RunOptions,
    ledger: Arc<Ledger>,
    progress: &mut dyn FnMut(&CheckOutcome),
) -> Result<RunReport, RunError> {
    let started_at = Instant::now();
    let started = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let discovery = discover(&client).await?;
    let shared = Arc::new(check::Shared {
        client: Arc::clone(&client),
        ledger,
        options: options.clone(),
    });
    let semaphore = Arc::new(Semaphore::new(options.jobs.max(1)));
    let mut slots: Vec<Vec<Option<CheckOutcome>>> = Vec::new();
    let mut tasks = JoinSet::new();
    let mut task_slots = HashMap::new();
    for (suite_index, suite) in suites.iter().enumerate() {
        let mut suite_slots = Vec::new();
        for check in suite.checks.iter().filter(|c| selected(c, options)) {
            let check_index = suite_slots.len();
            if let Some(reason) = skip_reason(check, options, &discovery) {
                let outcome = check::skipped(check, &suite.name, reason);
                progress(&outcome);
                suite_slots.push(Some(outcome));
                continue;
            }
            suite_slots.push(None);
            let shared = Arc::clone(&shared);
            let semaphore = Arc::clone(&semaphore);
            let task_check = check.clone();
            let suite_name = suite.name.clone();
            let handle = tasks.spawn(async move {
                // The semaphore is never closed, so a permit always comes.
                let _permit = semaphore.acquire_owned().await.ok();
                check::run_check(&shared, &task_check, &suite_name).await
            });
            task_slots.insert(
                handle.id(),
                (suite_index, check_index, check.clone(), suite.name.clone()),
            );
        }
        slots.push(suite_slots);
    }
    let mut cleanup_problems = Vec::new();
    while let Some(joined) = tasks.join_next_with_id().await {
        let (id, result) = match joined {
            Ok((id, result)) => (id, Ok(result)),
            Err(error) => (error.id(), Err(error.to_string())),
        };
        let Some((suite_index, check_index, check, suite_name)) = task_slots.remove(&id) else {
            continue;
        };
        let outcome = match result {
            Ok((outcome, problems)) => {
                cleanup_problems.extend(problems);
                outcome
            }
            Err(panic) => {
                check::errored(&check, &suite_name, format!("the check crashed: {panic}"))
            }
        };
        let outcome = apply_waiver(outcome, &options.waivers);
        progress(&outcome);
        if let Some(slot) = slots
            .get_mut(suite_index)
            .and_then(|s| s.get_mut(check_index))
        {
            *slot = Some(outcome);
        }
    }
    let stats = client.retry_stats();
    let outcome = RunOutcome {
        target: client_target(&client),
        started,
        duration: started_at.elapsed(),
        suites: suites
            .iter()
            .zip(slots)
            .map(|(suite, checks)| SuiteOutcome {
                name: suite.name.clone(),
                title: suite.title.clone(),
                checks: checks.into_iter().flatten().collect(),
            })
            .collect(),
        throttled: stats.throttled,
        throttle_wait: stats.waited,
        fail_on: options.fail_on,
    };
    Ok(RunReport {
        outcome,
        cleanup_problems,
    })
}

fn client_target(client: &ScimClient) -> String {
    client.base_url()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::model::ENTERPRISE_USER_SCHEMA;
    use crate::suite::parse_suite;

    const NEEDS_ENTERPRISE: &str = r#"
[suite]
name = "x"
title = "X"

[[check]]
id = "x.enterprise"
title = "Needs the enterprise extension"
rfc = "RFC 7643 §4.3"
level = "MUST"
requires = ["enterprise"]

[[check.step]]
method = "GET"
path = "/Users"
"#;

    fn plan_with(extensions: Option<Vec<String>>) -> Plan {
        let suite = parse_suite("x.toml", NEEDS_ENTERPRISE).expect("valid suite");
        let discovery = Discovery {
            capabilities: Some(HashMap::new()),
            resource_types: Some(vec!["User".to_owned()]),
            extensions,
        };
        plan_check(&suite.checks[0], &RunOptions::default(), Some(&discovery))
    }

    #[test]
    fn an_extension_requirement_follows_the_resource_types_schema_extensions() {
        let listed = plan_with(Some(vec![ENTERPRISE_USER_SCHEMA.to_ascii_lowercase()]));
        assert_eq!(
            listed,
            Plan::Run,
            "listed (URNs compare case-insensitively)"
        );
        match plan_with(Some(Vec::new())) {
            Plan::Skip(reason) => assert!(reason.contains(ENTERPRISE_USER_SCHEMA), "{reason}"),
            other => panic!("not listed should skip, got {other:?}"),
        }
        assert_eq!(
            plan_with(None),
            Plan::Run,
            "unreadable /ResourceTypes is not judged"
        );
    }
}
