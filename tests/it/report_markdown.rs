//! The Markdown report, for pasting into an issue or a vendor ticket: verdicts, a table of what
//! needs attention, each failing exchange in a fence, passes only counted.

use crate::report_support::{render, sample_outcome};
use scimctl::report::markdown;

fn markdown_report() -> String {
    render(|out| markdown::write(&sample_outcome(), out))
}

#[test]
fn the_markdown_report_of_a_representative_run() {
    insta::assert_snapshot!(markdown_report());
}

#[test]
fn failures_come_first_then_errors_then_warnings() {
    let report = markdown_report();
    let rows: Vec<&str> = report
        .lines()
        .filter(|line| {
            line.starts_with("| FAIL") || line.starts_with("| ERROR") || line.starts_with("| WARN")
        })
        .map(|line| line.split(" | ").nth(1).unwrap_or_default())
        .collect();
    assert_eq!(
        rows,
        [
            "rfc7644.filter.eq-is-not-substring",
            "rfc7644.errors.error-schema",
            "okta.users.deactivate",
            "rfc7644.patch.remove-member",
            "rfc7644.discovery.unknown-schema-is-404",
            "rfc7644.users.create",
            "entra.manager.replaced",
        ],
        "the waived failure comes last, in its own table"
    );
}

#[test]
fn waived_checks_have_their_own_table_with_their_verdict_and_reason() {
    let report = markdown_report();
    let waived = report
        .split("## Waived\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a Waived section");
    assert!(waived.contains(
        "| FAIL | entra.manager.replaced | interop:entra | VENDOR-7: managers as plain strings \
         land in release 5.2 | the manager was not replaced"
    ));
    assert!(report.contains("### FAIL (waived) entra.manager.replaced"));
    assert!(
        report.contains("the run fails at --fail-on must (3 checks)."),
        "the waived failure does not count"
    );
}

#[test]
fn server_text_cannot_open_html_or_split_a_table_row() {
    let report = markdown_report();
    assert!(!report.contains("<script>"));
    assert!(report.contains(r"\<script\>"));
    assert!(report.contains(r#"also matched "px\_1" \| eq behaved like co"#));
    assert!(!report.contains('\u{1b}'));
}

#[test]
fn a_body_with_backticks_gets_a_longer_fence() {
    let report = markdown_report();
    assert!(report.contains("````http\nGET http://127.0.0.1:8080/scim/v2/Users/missing"));
}

/// A vendor ticket opens with the causes, before the verdicts and tables: each with what it
/// breaks, what was seen, the fix and its checks.
#[test]
fn the_report_opens_with_the_findings_before_the_verdicts() {
    let report = markdown_report();
    let findings = report.find("## Findings\n").expect("a Findings section");
    let verdicts = report.find("## Verdicts\n").expect("a Verdicts section");
    assert!(findings < verdicts);
    let headings: Vec<&str> = report[findings..verdicts]
        .lines()
        .filter(|line| line.starts_with("### "))
        .collect();
    assert_eq!(
        headings,
        [
            r"### 1. \`eq\` matches values that are not equal (a prefix or a substring): 1 check, RFC 7644 §3.4.2.2",
            r"### 2. A PATCH \`add\` or \`replace\` without \`path\` is answered with success but not applied: 1 check, RFC 7644 §3.5.2.1, §3.5.2.3",
            r"### 3. An error answer has no SCIM Error body: 2 checks, RFC 7644 §3.12",
            "### Without a named deviation",
        ]
    );
    assert!(report.contains(
        "- **MUST**, filter-eq-not-exact; breaks matching existing users and groups before a \
         create\n- Seen: GET /Users?filter=userName eq \"px\": \\`totalResults\\` is 2, expected 1\n"
    ));
    assert!(report.contains(
        "- Checks: rfc7644.discovery.unknown-schema-is-404, rfc7644.errors.error-schema\n"
    ));
    assert!(report.contains("- **WARN** rfc7644.users.create: the 201 has no Location header"));
}
