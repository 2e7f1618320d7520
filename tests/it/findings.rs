//! `scimctl test` opens with its findings, tested both ways against `scimctl serve`: with each
//! deviation quirk the findings name the quirk's deviation (and only the deviations it causes),
//! every check `fixtures/expected/<quirk>.toml` says must fail is in one of them (but for the
//! few whose answer cannot tell the cause apart, listed here with the reason); without quirks,
//! and with the legal behaviours, there is no finding. The console and Markdown reports of the
//! issue's example (`--quirk numeric-error-status --quirk eq-substring`) are pinned by
//! snapshots.
//!
//! Every server is on loopback and stopped when its test ends; the binary runs hermetically
//! (`support::Home`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use scimctl::serve::{Quirk, Quirks, ServeConfig};
use serde_json::Value;

use crate::support::{Home, Server, demo_seed};

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
        "meta-without-resource-type",
        &["meta-resource-type-missing"],
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
    ("always-not-modified", &["etag-not-honoured"], &[]),
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
    ("count-zero-400", &["count-zero-refused"], &[]),
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
        &["patch-remove-filter-ignored"],
        &[],
    ),
    ("ignore-bulk-limits", &["bulk-limits-not-enforced"], &[]),
    (
        "ignore-excluded-attributes",
        &["excluded-attributes-ignored"],
        &[],
    ),
    (
        "ignore-fail-on-errors",
        &["bulk-fail-on-errors-ignored"],
        &[],
    ),
    ("ignore-if-match", &["etag-not-honoured"], &[]),
    ("ignore-null-replace", &["patch-null-replace-ignored"], &[]),
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
    ("put-not-stored", &["put-not-stored"], &[]),
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
        "user-groups-ref-to-users",
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
        let run = test_run(&[quirk]);
        let found: BTreeSet<String> = run.keys().into_iter().collect();
        let wanted: BTreeSet<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        let must_fail = &expected[*quirk];
        let ungrouped: BTreeSet<String> =
            run.ungrouped().intersection(must_fail).cloned().collect();
        let exempt: BTreeSet<String> = unexplained.iter().map(|c| (*c).to_owned()).collect();
        if found != wanted || ungrouped != exempt {
            wrong.push(format!(
                "--quirk {quirk}: findings {found:?}, expected {wanted:?}; ungrouped checks of \
                 the fixture {ungrouped:?}, expected {exempt:?}; all ungrouped {:?}",
                run.ungrouped()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_server_without_quirks_and_legal_behaviours_give_no_finding() {
    let mut runs = vec![("no quirk", test_run(&[]))];
    for quirk in LEGAL {
        runs.push((quirk, test_run(&[quirk])));
    }
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
        Some(30),
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
