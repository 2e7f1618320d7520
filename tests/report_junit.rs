//! The JUnit report: one testsuite per suite, one testcase per check named by its id. A fail is
//! a `<failure>`, an error an `<error>`, a skip `<skipped>`; a SHOULD warning passes and says so
//! in `<system-out>`.

mod report_support;

use report_support::{render, sample_outcome};
use scimctl::report::junit;

fn junit_report() -> String {
    render(|out| junit::write(&sample_outcome(), out))
}

#[test]
fn the_junit_report_of_a_representative_run() {
    insta::assert_snapshot!(junit_report());
}

#[test]
fn failures_errors_and_skips_stay_apart_and_warnings_are_not_failures() {
    let report = junit_report();
    assert!(report.contains(
        r#"<testsuites name="scimctl test" tests="11" skipped="2" failures="3" errors="1""#
    ));
    assert_eq!(report.matches("<failure ").count(), 3);
    assert_eq!(report.matches("<error ").count(), 1);
    assert_eq!(report.matches("<skipped ").count(), 2);
    assert!(report.contains(
        r#"<testcase name="rfc7644.discovery.unknown-schema-is-404" classname="rfc7644""#
    ));
    assert!(report.contains("<system-out>warning: SHOULD miss, not a failure by default"));
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
