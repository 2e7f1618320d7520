//! The JUnit report: one testsuite per suite, one testcase per check named by its id. What fails
//! the run at `--fail-on` is a `<failure>` (or an `<error>`), what does not (a SHOULD warning,
//! an interop failure at `--fail-on must`) passes and says so in `<system-out>`, a skip is
//! `<skipped>`, and a waived failure is a `<skipped type="waived">` that keeps its verdict.

use crate::report_support::{render, sample_outcome};
use scimctl::report::junit;

fn junit_report() -> String {
    render(|out| junit::write(&sample_outcome(), out))
}

#[test]
fn the_junit_report_of_a_representative_run() {
    insta::assert_snapshot!(junit_report());
}

#[test]
fn failures_errors_and_skips_stay_apart_and_only_what_fails_the_run_is_a_failure() {
    let report = junit_report();
    assert!(report.contains(
        r#"<testsuites name="scimctl test" tests="13" skipped="3" failures="2" errors="1""#
    ));
    assert_eq!(
        report.matches("<failure ").count(),
        2,
        "the two MUST failures"
    );
    assert_eq!(report.matches("<error ").count(), 1);
    assert_eq!(report.matches("<skipped ").count(), 3);
    assert!(report.contains(
        r#"<testcase name="rfc7644.discovery.unknown-schema-is-404" classname="rfc7644""#
    ));
    assert!(report.contains("<system-out>warn at SHOULD: not a failure at --fail-on must"));
    assert!(report.contains("<system-out>fail at interop:okta: not a failure at --fail-on must"));
}

#[test]
fn a_waived_failure_is_a_skip_of_its_own_kind_that_keeps_its_verdict() {
    let report = junit_report();
    let case = report
        .split("<testcase ")
        .find(|case| case.starts_with(r#"name="entra.manager.replaced""#))
        .expect("the waived check is a test case");
    assert!(case.contains(r#"<property name="status" value="fail"/>"#));
    assert!(case.contains(
        r#"<property name="waived" value="VENDOR-7: managers as plain strings land in release 5.2"/>"#
    ));
    assert!(case.contains(
        r#"<skipped message="waived (VENDOR-7: managers as plain strings land in release 5.2); fail: the manager was not replaced"#
    ));
    assert!(case.contains(r#"type="waived">"#));
}

#[test]
fn at_fail_on_should_a_warning_is_a_failure() {
    let mut outcome = sample_outcome();
    outcome.fail_on = scimctl::runner::outcome::FailOn::Should;
    let report = render(|out| junit::write(&outcome, out));
    assert_eq!(
        report.matches("<failure ").count(),
        5,
        "two MUST, one interop, two SHOULD"
    );
    assert!(report.contains(r#"type="SHOULD">A create answers 201 with the user"#));
}

#[test]
fn control_characters_are_shown_escaped_not_dropped() {
    let report = junit_report();
    assert!(!report.contains('\u{1b}'));
    assert!(report.contains(r"\u{1b}[31mrot"));
    assert!(
        report.contains("txet    tab"),
        "a tab in a body is kept as spaces"
    );
}

/// CI dashboards show a suite's `<system-out>`: it lists the findings among the suite's checks
/// (each with its key, fix and checks), and each failing test case names its deviation.
#[test]
fn each_suite_says_its_findings_and_each_case_its_deviation() {
    let report = junit_report();
    let rfc_suite = report
        .split("<testsuite ")
        .find(|suite| suite.starts_with(r#"name="rfc7644""#))
        .expect("the RFC suite");
    let summary = rfc_suite
        .rsplit("<system-out>")
        .next()
        .and_then(|rest| rest.split("</system-out>").next())
        .expect("the suite's own system-out comes last");
    assert!(summary.starts_with(
        "2 findings, ranked by what breaks an identity provider&apos;s sync first; 1 check \
         failed or warned without naming a deviation"
    ));
    assert!(summary.contains(
        "\n2. An error answer has no SCIM Error body: 2 checks, RFC 7644 §3.12 (MUST, \
         error-body-missing)\n   fix: answer every error with a JSON Error"
    ));
    assert!(summary.contains(
        "   checks: rfc7644.discovery.unknown-schema-is-404, rfc7644.errors.error-schema"
    ));
    let case = report
        .split("<testcase ")
        .find(|case| case.starts_with(r#"name="rfc7644.filter.eq-is-not-substring""#))
        .expect("the failing check is a test case");
    assert!(case.contains(r#"<property name="deviation" value="filter-eq-not-exact"/>"#));
    let entra = report
        .split("<testsuite ")
        .find(|suite| suite.starts_with(r#"name="entra""#))
        .expect("the Entra suite");
    assert!(
        !entra.contains("findings, ranked"),
        "a waived failure is no finding, so the Entra suite has none to show"
    );
}
