//! The JSON report: a versioned wire format that CI scripts read (documented in
//! `docs/report-json.md`). The snapshot pins the whole shape; the other tests read it back the
//! way a script would.

use crate::report_support::{render, sample_outcome};
use scimctl::report::json;
use serde_json::Value;

fn json_report() -> String {
    render(|out| json::write(&sample_outcome(), out))
}

fn parsed() -> Value {
    serde_json::from_str(&json_report()).expect("the report is JSON")
}

#[test]
fn the_json_report_of_a_representative_run() {
    insta::assert_snapshot!(json_report());
}

#[test]
fn the_summary_counts_each_status_and_says_its_format_version() {
    let report = parsed();
    assert_eq!(report["format_version"], 2);
    assert_eq!(
        report["summary"],
        serde_json::json!({
            "total": 13, "passed": 4, "failed": 3, "warned": 2, "skipped": 2, "errored": 1,
            "waived": 1
        })
    );
    assert_eq!(
        report["throttling"],
        serde_json::json!({"responses": 3, "wait_ms": 4500})
    );
}

#[test]
fn every_check_has_the_documented_fields_and_a_known_status() {
    let report = parsed();
    let checks = report["checks"].as_array().expect("checks is an array");
    assert_eq!(checks.len(), 13);
    for check in checks {
        for field in [
            "id",
            "title",
            "suite",
            "level",
            "deciding_level",
            "status",
            "waiver",
            "blocks",
            "rfc",
            "tags",
            "message",
            "duration_ms",
            "exchanges",
        ] {
            assert!(check.get(field).is_some(), "{field} missing in {check}");
        }
        let status = check["status"].as_str().expect("status is a string");
        assert!(
            ["pass", "fail", "warn", "skip", "error"].contains(&status),
            "unknown status {status}"
        );
    }
    let warn = checks
        .iter()
        .find(|c| c["id"] == "rfc7644.discovery.unknown-schema-is-404")
        .expect("the SHOULD check is listed");
    assert_eq!(warn["level"], "SHOULD");
    assert_eq!(warn["status"], "warn");
}

/// What CI needs from a script: the level that decided each verdict, whether it fails the run
/// at the run's `--fail-on` (the exit code's rule), and waived checks with their verdict.
#[test]
fn each_check_says_its_deciding_level_whether_it_fails_the_run_and_its_waiver() {
    let report = parsed();
    assert_eq!(report["fail_on"], "must");
    assert_eq!(report["blocking"], 3);
    let check = |id: &str| {
        report["checks"]
            .as_array()
            .and_then(|checks| checks.iter().find(|c| c["id"] == id).cloned())
            .unwrap_or_else(|| panic!("no check {id}"))
    };
    let should_in_must = check("rfc7644.users.create");
    assert_eq!(
        (
            &should_in_must["level"],
            &should_in_must["deciding_level"],
            &should_in_must["status"],
            &should_in_must["blocks"]
        ),
        (
            &"MUST".into(),
            &"SHOULD".into(),
            &"warn".into(),
            &false.into()
        )
    );
    let interop = check("okta.users.deactivate");
    assert_eq!(interop["status"], "fail");
    assert_eq!(
        interop["blocks"], false,
        "interop does not fail a run at must"
    );
    assert_eq!(
        check("rfc7644.patch.remove-member")["blocks"],
        true,
        "an error does"
    );
    let waived = check("entra.manager.replaced");
    assert_eq!(waived["status"], "fail", "a waived check keeps its verdict");
    assert_eq!(
        waived["waiver"],
        "VENDOR-7: managers as plain strings land in release 5.2"
    );
    assert_eq!(waived["blocks"], false);
    assert_eq!(check("okta.users.create")["waiver"], Value::Null);
    let levels = &report["suites"][0]["levels"];
    assert_eq!(
        levels,
        &serde_json::json!([
            {"level": "MUST", "passed": 2, "applicable": 5, "waived": 0},
            {"level": "SHOULD", "passed": 0, "applicable": 2, "waived": 0}
        ]),
        "the MUST check that missed a SHOULD assertion counts at SHOULD"
    );
}

#[test]
fn suites_carry_their_verdict_lines_and_readiness() {
    let report = parsed();
    let verdicts: Vec<(&str, &Value)> = report["suites"]
        .as_array()
        .expect("suites is an array")
        .iter()
        .map(|s| {
            (
                s["verdict"].as_str().expect("verdict is a string"),
                &s["ready"],
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("RFC 7644: 2/5 MUST, 0/2 SHOULD", &Value::Null),
            ("Okta: not ready (1 failure)", &Value::Bool(false)),
            (
                "Entra: ready (1 waived, 1 check skipped)",
                &Value::Bool(true)
            ),
        ]
    );
}

#[test]
fn server_text_is_kept_verbatim_for_machines() {
    let report = parsed();
    let body = report["checks"]
        .as_array()
        .and_then(|checks| {
            checks
                .iter()
                .find(|c| c["id"] == "rfc7644.errors.error-schema")
        })
        .map(|check| check["exchanges"][0]["response_body"].clone())
        .expect("the failing check keeps its exchange");
    assert_eq!(
        body,
        "Ungültige ```Anfrage``` \u{1b}[31mrot\u{1b}[0m \u{202e}txet\ttab"
    );
}

/// Every field path in a JSON value (`checks[].exchanges[].status`), over all array elements.
fn field_paths(value: &Value, prefix: &str, into: &mut std::collections::BTreeSet<String>) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                let path = format!("{prefix}.{name}");
                field_paths(field, &path, into);
                into.insert(path);
            }
        }
        Value::Array(items) => {
            for item in items {
                field_paths(item, &format!("{prefix}[]"), into);
            }
        }
        _ => {}
    }
}

#[test]
fn the_documented_example_has_exactly_the_fields_the_report_writes() {
    let doc_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report-json.md");
    let doc = std::fs::read_to_string(&doc_path).expect("docs/report-json.md exists");
    let example = doc
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("the doc has a JSON example");
    let example: Value = serde_json::from_str(example).expect("the documented example is JSON");

    let mut documented = std::collections::BTreeSet::new();
    field_paths(&example, "", &mut documented);
    let mut written = std::collections::BTreeSet::new();
    field_paths(&parsed(), "", &mut written);
    assert_eq!(documented, written);
}

/// A script reads the causes, most urgent first, with what to do about each and the checks it
/// covers; a waived failure is none, and a failure whose suite names no deviation is listed by
/// id.
#[test]
fn the_findings_group_failures_by_deviation_most_urgent_first() {
    let report = parsed();
    let findings = report["findings"].as_array().expect("findings is an array");
    let keys: Vec<&str> = findings
        .iter()
        .map(|finding| finding["key"].as_str().expect("key"))
        .collect();
    assert_eq!(
        keys,
        [
            "filter-eq-not-exact",
            "pathless-patch-ignored",
            "error-body-missing"
        ]
    );
    let missing_body = &findings[2];
    assert_eq!(
        missing_body["checks"],
        serde_json::json!([
            "rfc7644.discovery.unknown-schema-is-404",
            "rfc7644.errors.error-schema"
        ])
    );
    assert_eq!(missing_body["blocks"], true);
    assert_eq!(missing_body["breaks"], Value::Null);
    assert_eq!(findings[0]["breaks"], "matching");
    assert_eq!(
        findings[1]["blocks"], false,
        "an interop failure does not fail a run at must"
    );
    assert_eq!(
        report["ungrouped"],
        serde_json::json!(["rfc7644.users.create"])
    );
    let check = |id: &str| {
        report["checks"]
            .as_array()
            .and_then(|checks| checks.iter().find(|c| c["id"] == id).cloned())
            .unwrap_or_else(|| panic!("no check {id}"))
    };
    assert_eq!(
        check("rfc7644.filter.eq-is-not-substring")["finding"],
        serde_json::json!({
            "key": "filter-eq-not-exact",
            "location": {"request": "GET /Users?filter=userName eq \"px\""},
            "seen": "`totalResults` is 2, expected 1"
        })
    );
    assert_eq!(
        check("entra.manager.replaced")["finding"]["key"],
        "urn-path-refused",
        "a waived check still says what it saw"
    );
    assert!(!keys.contains(&"urn-path-refused"));
    assert_eq!(check("okta.users.create")["finding"], Value::Null);
}
