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
