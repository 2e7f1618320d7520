//! Runs of every built-in suite against `scimctl serve` with a quirk, made once and shared by
//! the tests that judge them: the accuracy tests read each run's verdicts, the findings tests
//! the findings grouped from the same run. The runs of a group (the server without quirks and
//! the legal behaviours; the deviations) are made side by side, one per core, the first time a
//! test asks for one. Each run also checks that it left nothing behind and changed nothing it
//! did not create. Nothing here judges verdicts.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock};

use scimctl::client::ScimClient;
use scimctl::runner::ledger::{Ledger, Leftover, NoSink};
use scimctl::runner::outcome::RunOutcome;
use scimctl::runner::{self, RunOptions};
use scimctl::serve::quirks::{CATALOGUE, Kind};
use scimctl::serve::{Quirk, Quirks, ServeConfig};
use scimctl::suite::{BUILTIN_SUITES, Suite, parse_suite};

use crate::support::{client_of, concurrently, demo_seed};

/// The built-in suites, parsed once for all the runs of these tests.
fn builtin_suites() -> &'static [Suite] {
    static SUITES: OnceLock<Vec<Suite>> = OnceLock::new();
    SUITES.get_or_init(|| {
        BUILTIN_SUITES
            .iter()
            .map(|(name, text)| parse_suite(name, text).unwrap_or_else(|e| panic!("{e}")))
            .collect()
    })
}

/// The quirks of a `+`-joined list of `--quirk` values (`no-content-html+patch-no-content`;
/// empty for none).
pub fn quirks_of(spec: &str) -> Vec<Quirk> {
    spec.split('+')
        .filter(|name| !name.is_empty())
        .map(|name| Quirk::parse(name).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

/// Every quirk that breaks the RFC or an IdP's expectations, as the quirk table marks them;
/// each has a `fixtures/expected/<quirk>.toml`.
pub fn deviations() -> Vec<&'static str> {
    CATALOGUE
        .iter()
        .filter(|quirk| quirk.kind == Kind::Deviation)
        .map(|quirk| quirk.name)
        .collect()
}

/// A run's outcome, or the panic that ended it (told to each test that asks for the run).
type Made = Result<RunOutcome, String>;

/// The runs of one group, by quirk list.
struct Group {
    runs: OnceLock<BTreeMap<String, Made>>,
    specs: fn() -> Vec<String>,
}

impl Group {
    fn run(&self, spec: &str) -> &RunOutcome {
        let runs = self.runs.get_or_init(|| make_runs((self.specs)()));
        match runs.get(spec) {
            Some(Ok(outcome)) => outcome,
            Some(Err(panic)) => panic!("the run with --quirk `{spec}` failed: {panic}"),
            None => panic!("no shared run with --quirk `{spec}`; add it to its group"),
        }
    }
}

/// The server without quirks (`""`), every legal quirk of the table with its example argument,
/// and `no-content-html` with `patch-no-content`.
fn clean_and_legal_specs() -> Vec<String> {
    let mut specs = vec![String::new()];
    specs.extend(
        CATALOGUE
            .iter()
            .filter(|quirk| quirk.kind == Kind::Legal)
            .map(|quirk| quirk.example()),
    );
    specs.push(NO_CONTENT_HTML_AND_PATCH_NO_CONTENT.to_owned());
    specs
}

/// Two legal behaviours together: a 204 to a PATCH, labelled text/html.
pub const NO_CONTENT_HTML_AND_PATCH_NO_CONTENT: &str = "no-content-html+patch-no-content";

static CLEAN_AND_LEGAL: Group = Group {
    runs: OnceLock::new(),
    specs: clean_and_legal_specs,
};

static DEVIATIONS: Group = Group {
    runs: OnceLock::new(),
    specs: || deviations().into_iter().map(str::to_owned).collect(),
};

/// The shared run against the server without quirks (`""`) or with legal quirks (a legal
/// quirk's example, `rate-limit=7`, or [`NO_CONTENT_HTML_AND_PATCH_NO_CONTENT`]).
pub fn clean_or_legal_run(spec: &str) -> &'static RunOutcome {
    CLEAN_AND_LEGAL.run(spec)
}

/// The shared run against the server with deviation quirk `name`.
pub fn deviation_run(name: &str) -> &'static RunOutcome {
    DEVIATIONS.run(name)
}

/// Makes the runs of `specs` side by side, each on a runtime of its own (stopped with its
/// server, even when the run panics). The quirks that only slow answers down (those with an
/// argument: a rate limit, a latency) start first, as they take longest.
fn make_runs(mut specs: Vec<String>) -> BTreeMap<String, Made> {
    specs.sort_by_key(|spec| !spec.contains('='));
    let made = concurrently(&specs, |spec| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let run = std::panic::catch_unwind(AssertUnwindSafe(|| {
            runtime.block_on(run_against(&quirks_of(spec)))
        }));
        run.map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|text| (*text).to_owned()))
                .unwrap_or_else(|| "a panic".to_owned())
        })
    });
    specs.into_iter().zip(made).collect()
}

/// Runs every built-in suite, writes allowed, against a seeded server with these quirks, and
/// checks that nothing was left behind and nothing that existed before was touched. Under
/// `soft-delete` the server keeps what the run deleted: the run's own leftovers, and only
/// those, are set aside before the comparison, and the cleanup must have reported each one it
/// tried to delete as still there and kept it in the ledger.
pub async fn run_against(quirks: &[Quirk]) -> RunOutcome {
    run_against_server(ServeConfig {
        quirks: Quirks::from_list(quirks),
        ..ServeConfig::default()
    })
    .await
}

/// [`run_against`] for a server configured in other ways; the demo seed is added, and `/Me`
/// stands for its `bjensen` unless the configuration names another user, so that the `/Me`
/// checks are judged rather than skipped (a server without `/Me` is legal, and skipped).
pub async fn run_against_server(config: ServeConfig) -> RunOutcome {
    let quirks = config.quirks.clone();
    let server = scimctl::serve::spawn(ServeConfig {
        seed: Some(demo_seed()),
        me: config.me.clone().or_else(|| Some("bjensen".to_owned())),
        ..config
    })
    .await
    .expect("server starts");
    let client = Arc::new(client_of(server.base_url(), server.token()));
    let before = snapshot(&client).await;
    let ledger = Arc::new(Ledger::new(Box::new(NoSink), Vec::new()));
    let options = RunOptions {
        run_id: "accuracy".to_owned(),
        allow_writes: true,
        seed: 7,
        jobs: jobs_for(&quirks),
        ..RunOptions::default()
    };
    let report = runner::run(
        Arc::clone(&client),
        builtin_suites(),
        &options,
        Arc::clone(&ledger),
        &mut |_| {},
    )
    .await
    .expect("the server answers");
    let mut after = snapshot(&client).await;
    if quirks.soft_delete {
        let kept = set_aside_own_leftovers(&before, &mut after);
        assert_cleanup_saw_only(&kept, &report.cleanup_problems, &ledger.leftovers());
    } else {
        assert!(
            report.cleanup_problems.is_empty(),
            "cleanup problems: {:?}",
            report.cleanup_problems
        );
        assert!(ledger.leftovers().is_empty(), "{:?}", ledger.leftovers());
    }
    assert_eq!(before, after, "the run changed data it did not create");
    server.shutdown().await;
    report.outcome
}

/// How many checks a run has in flight. A server that throttles (`rate-limit`) or answers slowly
/// (`latency`) keeps a run waiting on the clock, not the processor: more checks at once let those
/// waits overlap, and `runner_safety::concurrency_changes_no_verdict` shows that the number
/// changes no verdict. Under `absent-attribute-filter-400` a filter's answer depends on which
/// users other checks hold at the time: one check at a time makes its verdicts repeatable.
/// Every other run keeps the default of `scimctl test`.
fn jobs_for(quirks: &Quirks) -> usize {
    if quirks.rate_limit_every.is_some() || quirks.latency.is_some() {
        16
    } else if quirks.absent_attribute_filter_400 {
        1
    } else {
        RunOptions::default().jobs
    }
}

/// Every user and group on the server, by id (paged through `.search`-free GETs).
async fn snapshot(client: &ScimClient) -> BTreeMap<String, serde_json::Value> {
    let mut all = BTreeMap::new();
    for endpoint in ["Users", "Groups"] {
        let page = client
            .send_json(
                scimctl::client::Method::Get,
                &[endpoint],
                &[("count", "1000")],
                None,
            )
            .await
            .expect("list")
            .unwrap_or_default();
        let resources = page
            .get("Resources")
            .or_else(|| page.get("resources"))
            .and_then(|r| r.as_array())
            .cloned()
            .unwrap_or_default();
        for mut resource in resources {
            // Membership back-references change when our own groups come and go.
            if let Some(map) = resource.as_object_mut() {
                map.remove("groups");
            }
            let id = resource["id"].as_str().unwrap_or_default().to_owned();
            all.insert(format!("{endpoint}/{id}"), resource);
        }
    }
    all
}

/// Removes from `after` the resources the run created (new ids, named with the run's prefix)
/// and returns their keys; anything else new stays, for the caller's comparison to report.
fn set_aside_own_leftovers(
    before: &BTreeMap<String, serde_json::Value>,
    after: &mut BTreeMap<String, serde_json::Value>,
) -> Vec<String> {
    let own = |resource: &serde_json::Value| {
        ["userName", "displayName"].iter().any(|name| {
            resource[name]
                .as_str()
                .is_some_and(|value| value.starts_with(runner::NAME_PREFIX))
        })
    };
    let kept: Vec<String> = after
        .iter()
        .filter(|(key, resource)| !before.contains_key(*key) && own(resource))
        .map(|(key, _)| key.clone())
        .collect();
    for key in &kept {
        after.remove(key);
    }
    kept
}

/// `soft-delete`: the server kept resources the run deleted; the cleanup must have noticed
/// (problems and ledger leftovers), and every problem and leftover must be one of `kept`.
fn assert_cleanup_saw_only(kept: &[String], problems: &[String], leftovers: &[Leftover]) {
    assert!(!kept.is_empty(), "soft-delete kept nothing the run deleted");
    assert!(!problems.is_empty(), "the cleanup saw nothing kept");
    let problems_not_kept: Vec<&String> = problems
        .iter()
        .filter(|problem| {
            !kept.iter().any(|key| {
                **problem == format!("/{key} is still there after DELETE (GET answers 200)")
            })
        })
        .collect();
    assert!(
        problems_not_kept.is_empty(),
        "cleanup problems: {problems_not_kept:?}"
    );
    let leftovers_not_kept: Vec<&Leftover> = leftovers
        .iter()
        .filter(|leftover| match leftover {
            Leftover::Id { endpoint, id, .. } => {
                let key = format!("{}/{id}", endpoint.trim_start_matches('/'));
                !kept.contains(&key)
            }
            Leftover::Named { .. } => true,
        })
        .collect();
    assert!(
        leftovers_not_kept.is_empty(),
        "leftovers: {leftovers_not_kept:?}"
    );
}
