//! `scimctl test` opens with its findings, tested both ways against `scimctl serve`: with each
//! deviation quirk the findings name the quirk's deviation (and only the deviations it causes),
//! every check `fixtures/expected/<quirk>.toml` says must fail is in one of them (but for the
//! few whose answer cannot tell the cause apart, listed here with the reason); without quirks,
//! and with the legal behaviours, there is no finding. The console and Markdown reports of the
//! issue's example (`--quirk numeric-error-status --quirk eq-substring`) are pinned by
//! snapshots.
//!
//! The findings of each deviation are grouped from the shared run the accuracy tests judge
//! (`suite_runs`); the runs through the binary check what it prints and exits with. Every
//! server is on loopback and stopped when its test ends; the binary runs hermetically
//! (`support::Home`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use scimctl::serve::{Quirk, Quirks, ServeConfig};
use serde_json::Value;

use scimctl::report::findings::Findings;

use crate::suite_runs::deviation_run;
use crate::support::{Home, Server, concurrently, demo_seed};

/// The bearer token of every server here.
const TOKEN: &str = "f1nd1ngs-t0k3n-value";

/// The seed every run uses, so that names and generated ids repeat.
const SEED: &str = "7";

/// What the findings of a run against each deviation quirk are: the keys, exactly, and the
/// checks of `fixtures/expected/<quirk>.toml` that stay without a finding, because the one
/// answer they fail on cannot tell which of several deviations it shows.
const FOUND: &[(&str, &[&str], &[&str])] = &[
    (
        "boolean-ordering-accepted",
        &["bad-request-not-refused"],
        &[],
    ),
    ("case-sensitive-emails", &["filter-operator-wrong"], &[]),
    ("unnormalized-comparison", &["unicode-not-normalised"], &[]),
    (
        "multi-valued-first-value-only",
        &["filter-operator-wrong"],
        &[],
    ),
    ("missing-primary-is-true", &["filter-operator-wrong"], &[]),
    ("schemas-not-filterable", &["filter-operator-wrong"], &[]),
    (
        "case-sensitive-attribute-names",
        &["filter-operator-wrong"],
        &[],
    ),
    (
        "group-create-drops-members",
        &["group-create-drops-members"],
        // The bulk check reads its group back by filter: a group without members cannot tell
        // a create that dropped them from a `bulkId:` reference left unresolved.
        &["rfc7644.bulk.create-with-bulk-id-reference"],
    ),
    ("if-none-match-ignored", &["etag-not-honoured"], &[]),
    ("me-404", &["me-not-501"], &[]),
    ("me-without-location", &["me-location-missing"], &[]),
    ("latin1-responses", &["charset-not-utf8"], &[]),
    ("no-www-authenticate", &["auth-challenge-missing"], &[]),
    ("binary-unpadded", &["binary-not-base64"], &[]),
    (
        "unmapped-filters-match-nothing",
        // The checks of `and`, `or`, `pr` and the root `.search` combine an `externalId` or
        // group `displayName` comparison with others: an empty answer reads to them as the
        // combination evaluated wrongly.
        &[
            "filter-logic-wrong",
            "filter-misses-existing",
            "filter-operator-wrong",
            "root-search-incomplete",
        ],
        // The bulk check reads its group back by displayName: an empty answer cannot tell a
        // filter that misses from a bulk request that was not processed.
        &["rfc7644.bulk.create-with-bulk-id-reference"],
    ),
    (
        "x509-certificates-dropped",
        &["create-not-stored-as-sent"],
        &[],
    ),
    (
        "meta-without-resource-type",
        &["meta-resource-type-missing"],
        &[],
    ),
    (
        "ids-unique-per-type",
        &["id-not-unique"],
        // A bulk request that creates a user and a group of one name, the group listing the
        // user: the group's create fails on the shared id, and the answer cannot say why.
        &["rfc7644.bulk.create-with-bulk-id-reference"],
    ),
    ("bulkid-in-ids", &["id-contains-bulk-id"], &[]),
    (
        "foreign-schema-urn-echoed",
        &["schemas-foreign-urn-kept"],
        &[],
    ),
    ("schemas-order-matters", &["schemas-order-matters"], &[]),
    (
        "date-only-timestamps",
        // The filter checks compare meta.lastModified with a dateTime: a stamp that is not one
        // reads to them as a filter that matched the wrong users.
        &["date-time-format", "filter-operator-wrong"],
        &[],
    ),
    (
        "epoch-timestamps",
        &["date-time-format", "filter-operator-wrong"],
        // The create's own answer is judged on its `meta.created` being a string, at SHOULD
        // level (the 201 may leave out the body): a number there names no deviation of its own.
        &["rfc7644.users.create"],
    ),
    (
        "last-modified-differs-on-create",
        &["last-modified-not-created"],
        &[],
    ),
    (
        "server-assigned-external-id",
        // `externalId pr` then finds a user the client never gave one.
        &["external-id-invented", "filter-operator-wrong"],
        &[],
    ),
    (
        "username-not-required",
        &["bad-request-not-refused", "required-missing"],
        &[],
    ),
    ("member-ref-not-uri", &["reference-unresolvable"], &[]),
    ("member-sub-attributes-mutable", &["read-only-written"], &[]),
    ("user-groups-ref-to-users", &["reference-unresolvable"], &[]),
    ("user-groups-writable", &["read-only-written"], &[]),
    ("last-member-removal-refused", &["write-refused"], &[]),
    (
        "excluded-urn-names-ignored",
        &["excluded-attributes-ignored"],
        &[],
    ),
    ("not-binds-loosely", &["filter-logic-wrong"], &[]),
    (
        "patch-remove-ignored",
        &[
            "patch-remove-filter-ignored",
            "remove-value-list-ignored",
            "write-not-applied",
            "bad-request-not-refused",
        ],
        &[],
    ),
    ("spc-without-change-password", &["spc-incomplete"], &[]),
    ("spc-without-max-results", &["spc-incomplete"], &[]),
    ("auth-scheme-incomplete", &["spc-incomplete"], &[]),
    ("unknown-endpoint-page", &["unknown-endpoint-not-404"], &[]),
    ("add-replaces-list", &["patch-add-replaces"], &[]),
    ("add-duplicates-values", &["patch-add-duplicates"], &[]),
    ("patch-add-first-value-only", &["patch-add-partial"], &[]),
    (
        "primary-not-exclusive",
        &["multiple-primary", "write-not-applied"],
        &[],
    ),
    (
        "replace-complex-clears-rest",
        &["patch-replace-clears-sub-attributes"],
        &[],
    ),
    ("always-not-modified", &["etag-not-honoured"], &[]),
    ("if-match-strong-comparison", &["etag-not-honoured"], &[]),
    (
        "attributes-drop-id",
        &["projection-drops-id"],
        // Entra's group lookup line reads `id` from a projected list: an answer without it
        // cannot tell a dropped `id` from a lookup that found nothing.
        &["entra.wire.group-lookup"],
    ),
    (
        "case-sensitive-patch-op",
        &["patch-op-case-sensitive"],
        // One PATCH carries a capitalised op, a value path and a URN path at once.
        &["entra.legacy.multi-replace"],
    ),
    (
        "case-sensitive-username",
        &["filter-username-case-sensitive"],
        &[],
    ),
    ("client-id-honoured", &["create-keeps-client-id"], &[]),
    ("client-meta-refused", &["write-refused"], &[]),
    (
        "create-ignores-active",
        &["create-not-stored-as-sent", "filter-operator-wrong"],
        &[],
    ),
    ("delete-200", &["write-refused"], &[]),
    ("count-zero-400", &["count-zero-refused"], &[]),
    ("count-ignored", &["count-ignored"], &[]),
    (
        "discovery-filter-ignored",
        &["discovery-filter-accepted"],
        &[],
    ),
    ("discovery-write-404", &["discovery-write-not-405"], &[]),
    ("duplicate-400", &["duplicate-not-409"], &[]),
    (
        "enterprise-extension-dropped",
        &["extension-not-stored"],
        &[],
    ),
    ("eq-substring", &["filter-eq-not-exact"], &[]),
    ("etag-never-changes", &["etag-not-honoured"], &[]),
    ("etag-only-on-reads", &["etag-header-missing"], &[]),
    (
        "filter-no-match-404",
        &["filter-no-match-error"],
        // A `.search` answered 404 cannot tell a search without matches from a server
        // without `.search`.
        &["rfc7644.search.post-search", "rfc7644.search.root"],
    ),
    (
        "filtered-remove-clears-all",
        &["patch-remove-filter-ignored", "patch-remove-drops-value"],
        &[],
    ),
    (
        "filtered-sub-attribute-remove-drops-record",
        &["patch-remove-drops-value"],
        &[],
    ),
    ("ignore-bulk-limits", &["bulk-limits-not-enforced"], &[]),
    (
        "ignore-excluded-attributes",
        &["excluded-attributes-ignored"],
        &[],
    ),
    (
        "projection-urn-unknown",
        &["projection-urn-ignored", "excluded-attributes-ignored"],
        &[],
    ),
    (
        "ignore-fail-on-errors",
        &["bulk-fail-on-errors-ignored"],
        &[],
    ),
    ("ignore-if-match", &["etag-not-honoured"], &[]),
    (
        "absent-attribute-filter-400",
        &["filter-refused-on-absent-attribute"],
        &[],
    ),
    ("bulk-circular-500", &["bulk-reference-unresolved"], &[]),
    (
        "bulk-circle-created-twice",
        &["bulk-circle-created-twice"],
        &[],
    ),
    (
        "bulk-extension-references-unresolved",
        &["bulk-reference-unresolved"],
        &[],
    ),
    ("ignore-null-replace", &["patch-null-replace-ignored"], &[]),
    ("replace-absent-is-no-target", &["write-refused"], &[]),
    (
        "add-without-value-clears",
        &["bad-request-not-refused"],
        &[],
    ),
    (
        "noop-add-bumps-last-modified",
        &["patch-no-op-restamped"],
        &[],
    ),
    ("patch-200-empty-body", &["patch-answer-not-resource"], &[]),
    ("patch-unsupported", &["patch-unsupported"], &[]),
    ("stale-formatted-name", &["formatted-name-stale"], &[]),
    (
        "bulk-stops-at-first-error",
        &["bulk-failure-mishandled"],
        &[],
    ),
    ("ignore-null-replace", &["patch-null-replace-ignored"], &[]),
    ("null-replace-refused", &["write-refused"], &[]),
    (
        "false-replace-ignored",
        &["pathless-patch-ignored", "write-not-applied"],
        &[],
    ),
    (
        "ignore-sort",
        &["sort-ignored"],
        // An unsorted answer to a sort by a sub-attribute or a caseExact attribute cannot tell
        // a server that ignores sortBy from one that sorts those attributes wrongly.
        &[
            "rfc7644.sort.by-sub-attribute",
            "rfc7644.sort.case-exact-attribute",
        ],
    ),
    (
        "case-exact-sorted-ignoring-case",
        &["sort-ignored"],
        // The code-point order check cannot tell a sort that ignores case from one that ignores
        // sortBy, as under `ignore-sort`.
        &["rfc7644.sort.case-exact-attribute"],
    ),
    (
        "search-routed-as-create",
        &["search-not-a-query"],
        // The MAY-level `.search` checks name no deviation: a refused `.search` may be one the
        // server does not offer.
        &["rfc7644.search.post-search", "rfc7644.search.attributes"],
    ),
    ("root-search-users-only", &["root-search-incomplete"], &[]),
    (
        "root-search-unknown-attribute-400",
        &["root-search-incomplete"],
        // The same: the MAY-level root `.search` check names no deviation.
        &["rfc7644.search.root"],
    ),
    (
        "unknown-query-parameter-400",
        &["unknown-query-parameter-refused"],
        &[],
    ),
    ("json-content-type", &["response-not-scim-json"], &[]),
    ("location-mismatch", &["location-mismatch"], &[]),
    ("lowercase-resources", &["message-key-case"], &[]),
    (
        "member-removal-empties-group",
        &["remove-value-list-ignored"],
        &[],
    ),
    ("negative-count-400", &["count-negative-refused"], &[]),
    ("no-auth", &["auth-not-required"], &[]),
    ("numeric-error-status", &["error-status-not-string"], &[]),
    ("or-as-and", &["filter-logic-wrong"], &[]),
    ("password-echoed", &["returned-never-present"], &[]),
    ("patch-not-atomic", &["patch-not-atomic"], &[]),
    ("pathless-patch-ignored", &["pathless-patch-ignored"], &[]),
    (
        "patch-replace-ignored",
        &[
            "pathless-patch-ignored",
            "patch-null-replace-ignored",
            "string-boolean-refused",
            "patch-replace-merges",
            "write-not-applied",
            "bad-request-not-refused",
            "etag-not-honoured",
            "patch-answer-not-resource",
        ],
        // Entra's manager and legacy multi-attribute updates read the same as a refused URN
        // path or value path (see below).
        &["entra.legacy.multi-replace", "entra.manager.replaced"],
    ),
    (
        "patch-add-single-value-ignored",
        &["urn-path-refused", "write-not-applied"],
        // Entra sets the manager with an `add` of a plain string on its URN path: a manager
        // left unset cannot tell an ignored add from a refused URN path.
        &["entra.manager.set-and-remove"],
    ),
    ("put-not-stored", &["put-not-stored"], &[]),
    (
        "put-answers-previous",
        &["put-not-stored", "put-answer-not-updated"],
        &[],
    ),
    ("reject-application-json", &["request-json-refused"], &[]),
    ("reject-raw-query-chars", &["raw-query-refused"], &[]),
    ("reject-string-booleans", &["string-boolean-refused"], &[]),
    (
        "reject-urn-paths",
        &["urn-path-refused"],
        // Entra sends the manager as a plain string on its URN path (set, remove, replace): a
        // refusal cannot tell which of the two the server objects to. The same PATCH as above.
        &[
            "entra.manager.set-and-remove",
            "entra.manager.replaced",
            "entra.legacy.multi-replace",
        ],
    ),
    (
        "reject-value-path-patch",
        &["value-path-patch-refused", "scim-type-wrong"],
        // The same PATCH as above: a capitalised op, a value path and a URN path at once.
        &["entra.legacy.multi-replace"],
    ),
    ("replace-merges-list", &["patch-replace-merges"], &[]),
    (
        "require-name-formatted",
        &["create-minimal-refused", "write-refused"],
        &[],
    ),
    ("require-user-agent", &["user-agent-required"], &[]),
    ("schemas-missing-user", &["discovery-schema-missing"], &[]),
    ("schemas-missing-group", &["discovery-schema-missing"], &[]),
    ("resource-type-schema-name", &["discovery-unavailable"], &[]),
    ("unknown-schema-urn-refused", &["schemas-unknown-urn"], &[]),
    (
        "extension-schema-missing",
        &["discovery-schema-missing"],
        &[],
    ),
    (
        "extension-required-missing",
        &["resource-type-incomplete"],
        &[],
    ),
    ("discovery-pages", &["discovery-query-honoured"], &[]),
    (
        "schema-resources-without-meta",
        &["schema-definition-invalid"],
        &[],
    ),
    (
        "message-schemas-listed",
        &["schema-definition-invalid"],
        &[],
    ),
    (
        "schema-bad-attribute-name",
        &["schema-definition-invalid"],
        &[],
    ),
    ("schema-nested-complex", &["schema-definition-invalid"], &[]),
    (
        "extension-redefines-core",
        &["schema-definition-unconventional"],
        &[],
    ),
    ("schema-unknown-type", &["schema-definition-invalid"], &[]),
    (
        "reference-types-not-array",
        &["schema-definition-invalid"],
        &[],
    ),
    (
        "user-groups-schema-references-users",
        &["schema-definition-invalid"],
        &[],
    ),
    (
        "schema-complex-without-sub-attributes",
        &["schema-definition-unconventional"],
        &[],
    ),
    (
        "schema-lowercase-keywords",
        &["schema-definition-unconventional"],
        &[],
    ),
    ("schema-nulls", &["schema-null-characteristics"], &[]),
    (
        "group-display-name-optional",
        &["group-display-name-optional"],
        &[],
    ),
    ("soft-delete", &["delete-not-effective"], &[]),
    (
        "total-results-page-size",
        &["list-total-results-wrong"],
        &[],
    ),
    (
        "zero-based-start-index",
        &[
            "list-start-index-zero",
            "paging-skips-resources",
            "filter-misses-existing",
        ],
        // A list that starts at its second resource reads to these checks as a lookup that
        // missed, an unresolved bulkId or a wrong order: the page cannot tell them apart.
        &[
            "entra.wire.group-lookup",
            "rfc7644.bulk.create-with-bulk-id-reference",
            "rfc7644.sort.by-sub-attribute",
            "rfc7644.sort.case-exact-attribute",
        ],
    ),
];

/// Legal behaviours: a run against them is as clean as one against a server without quirks.
const LEGAL: &[&str] = &[
    "patch-no-content",
    "charset",
    "no-content-html",
    "latency=5",
];

/// A `scimctl serve` with the demo seed and these quirks, `/Me` standing for its `bjensen`,
/// serving while the binary runs.
fn serve(quirks: &[Quirk]) -> Server {
    Server::start(ServeConfig {
        port: 0,
        token: Some(TOKEN.to_owned()),
        quirks: Quirks::from_list(quirks),
        seed: Some(demo_seed()),
        me: Some("bjensen".to_owned()),
        ..ServeConfig::default()
    })
}

/// What one `scimctl test --allow-writes` produced: its console output and its reports.
struct Run {
    code: i32,
    stdout: String,
    json: Value,
    markdown: String,
}

impl Run {
    /// The keys of the findings, in the report's order.
    fn keys(&self) -> Vec<String> {
        self.json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|finding| finding["key"].as_str().expect("key").to_owned())
            .collect()
    }

    /// The ids of the fails and warns no finding covers.
    fn ungrouped(&self) -> BTreeSet<String> {
        self.json["ungrouped"]
            .as_array()
            .expect("ungrouped")
            .iter()
            .map(|id| id.as_str().expect("an id").to_owned())
            .collect()
    }
}

/// `scimctl test --allow-writes` against a fresh server with `quirks`, every built-in suite.
fn test_run(quirks: &[&str]) -> Run {
    let quirks: Vec<Quirk> = quirks
        .iter()
        .map(|name| Quirk::parse(name).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect();
    let server = serve(&quirks);
    let home = Home::new();
    let json_path = home.join("report.json");
    let markdown_path = home.join("report.md");
    let output = home
        .command()
        .env("SCIMCTL_URL", server.url())
        .env("SCIMCTL_TOKEN", TOKEN)
        .args(["test", "--allow-writes", "--seed", SEED, "--report"])
        .arg(format!("json={}", json_path.display()))
        .arg("--report")
        .arg(format!("md={}", markdown_path.display()))
        .timeout(Duration::from_secs(180))
        .output()
        .expect("binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let report = std::fs::read_to_string(&json_path).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout,
        json: serde_json::from_str(&report).expect("the JSON report is JSON"),
        markdown: std::fs::read_to_string(&markdown_path).expect("the Markdown report"),
    }
}

/// The checks `fixtures/expected/<quirk>.toml` says must fail or warn, by quirk.
fn expected_failures() -> BTreeMap<String, BTreeSet<String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/expected");
    let mut all = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("fixtures/expected") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|ext| ext != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let expected: toml::Table = toml::from_str(&text).expect("TOML");
        let quirk = expected["quirk"].as_str().expect("quirk").to_owned();
        let checks = expected["expect"]
            .as_array()
            .expect("expect")
            .iter()
            .filter(|want| matches!(want["status"].as_str(), Some("fail" | "warn")))
            .map(|want| want["check"].as_str().expect("check").to_owned())
            .collect();
        all.insert(quirk, checks);
    }
    all
}

/// The findings of the shared run against deviation quirk `name` (the run the accuracy tests
/// judge): their keys in the report's order, and the ids of the fails and warns no finding
/// covers. `scimctl test` writes both into its JSON report from the same grouping; the
/// console and Markdown runs below go through the binary.
fn findings_of(name: &str) -> (Vec<String>, BTreeSet<String>) {
    let outcome = deviation_run(name);
    let findings = Findings::of(outcome);
    let keys = findings
        .causes
        .iter()
        .map(|cause| cause.entry().key.to_owned())
        .collect();
    let ungrouped = findings
        .ungrouped
        .iter()
        .map(|check| check.id.clone())
        .collect();
    (keys, ungrouped)
}

#[test]
fn every_deviation_quirk_is_named_by_its_findings_and_by_no_other() {
    let expected = expected_failures();
    let listed: BTreeSet<String> = FOUND.iter().map(|(q, _, _)| (*q).to_owned()).collect();
    assert_eq!(
        listed,
        expected.keys().cloned().collect::<BTreeSet<_>>(),
        "FOUND lists exactly the quirks of fixtures/expected/"
    );
    let mut wrong = Vec::new();
    for (quirk, keys, unexplained) in FOUND {
        let (found, all_ungrouped) = findings_of(quirk);
        let found: BTreeSet<String> = found.into_iter().collect();
        let wanted: BTreeSet<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        let must_fail = &expected[*quirk];
        let ungrouped: BTreeSet<String> = all_ungrouped.intersection(must_fail).cloned().collect();
        let exempt: BTreeSet<String> = unexplained.iter().map(|c| (*c).to_owned()).collect();
        if found != wanted || ungrouped != exempt {
            wrong.push(format!(
                "--quirk {quirk}: findings {found:?}, expected {wanted:?}; ungrouped checks of \
                 the fixture {ungrouped:?}, expected {exempt:?}; all ungrouped {all_ungrouped:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_server_without_quirks_and_legal_behaviours_give_no_finding() {
    let mut quirks = vec![None];
    quirks.extend(LEGAL.iter().copied().map(Some));
    let runs = concurrently(&quirks, |quirk| {
        let run = test_run(quirk.as_slice());
        (quirk.unwrap_or("no quirk"), run)
    });
    for (name, run) in runs {
        assert_eq!(run.keys(), Vec::<String>::new(), "{name}");
        assert!(run.ungrouped().is_empty(), "{name}: {:?}", run.ungrouped());
        assert_eq!(run.code, 0, "{name}");
        assert!(
            run.stdout
                .starts_with("No findings: no check failed or warned\n"),
            "{name}: {}",
            run.stdout.lines().next().unwrap_or_default()
        );
    }
}

/// Replaces what changes from run to run: server-issued ids, ports, times and durations.
fn snapshots() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[id]",
    );
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[time]");
    settings.add_filter(r", \d{4}-\d{2}-\d{2}\n", ", [date]\n");
    settings.add_filter(r"\d+\.\d{2} s\b", "[duration]");
    settings
}

/// The issue's example: a server whose Error `status` is a number and whose `eq` matches
/// substrings. The report opens with exactly two findings, the lookup that breaks matching
/// first, each with its fix and the identity provider it breaks, then every check.
#[test]
fn a_server_with_two_deviations_opens_the_report_with_two_findings() {
    let run = test_run(&["numeric-error-status", "eq-substring"]);
    assert_eq!(run.code, 1, "both are MUST deviations");
    assert_eq!(
        run.keys(),
        ["filter-eq-not-exact", "error-status-not-string"]
    );
    assert!(run.ungrouped().is_empty(), "{:?}", run.ungrouped());
    for finding in run.json["findings"].as_array().expect("findings") {
        assert!(finding["fix"].as_str().is_some_and(|fix| !fix.is_empty()));
        assert!(finding["breaks"].is_string(), "{finding}");
        assert!(finding["okta"].is_string(), "{finding}");
    }
    assert_eq!(
        run.json["findings"][1]["checks"].as_array().map(Vec::len),
        Some(33),
        "every check whose Error carries a numeric status"
    );
    assert!(run.stdout.starts_with(
        "2 findings, ranked by what breaks an identity provider's sync first\n\n1. `eq` matches \
         values that are not equal (a prefix or a substring): 1 check, RFC 7644 §3.4.2.2\n"
    ));
    snapshots().bind(|| {
        insta::assert_snapshot!("console", run.stdout);
        // The details that follow are every failing check's exchanges, pinned for the
        // Markdown reporter by `report_markdown`; here, what a reader meets first.
        let (opening, _) = run
            .markdown
            .split_once("\n## Details\n")
            .expect("the details follow the tables");
        insta::assert_snapshot!("markdown", opening);
    });
}

/// A key nobody can group by is a mistake in the suite: refused before anything is sent, exit
/// 2, with the place, a caret and the nearest key.
#[test]
fn a_suite_naming_an_unknown_deviation_is_refused_with_a_caret() {
    let home = Home::new();
    let suite = home.join("mine.toml");
    std::fs::write(
        &suite,
        "[suite]\nname = \"mine\"\ntitle = \"Mine\"\n\n[[check]]\nid = \"mine.lookup\"\n\
         title = \"An unknown user answers 404\"\nrfc = \"RFC 7644 §3.12\"\nlevel = \"MUST\"\n\
         step = [{ method = \"GET\", path = \"/Users/{{uuid.x}}\", status = 404, \
         deviation = \"unknown-id-not-40\" }]\n",
    )
    .expect("suite written");
    let output = home
        .command()
        .env("SCIMCTL_URL", "http://127.0.0.1:9/scim/v2")
        .args(["test", "--suite"])
        .arg(&suite)
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("mine.toml:10:81: unknown deviation `unknown-id-not-40`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("^\nhint: did you mean `unknown-id-not-404`?"),
        "{stderr}"
    );
}
