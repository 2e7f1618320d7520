//! The JUnit XML report (`--report junit=FILE`) for CI dashboards.
//!
//! One `<testsuite>` per suite; each check is a `<testcase>` named by its id with the suite as
//! its class. A fail is a `<failure>`, an error an `<error>` (they stay apart, as everywhere),
//! a skip is `<skipped>` with its reason. A warning (a missed SHOULD or MAY) is not a failure,
//! since it fails no run by default: the test case passes and carries the warning in
//! `<system-out>` and a `status` property of `warn`. Every test case has `level`, `rfc` and
//! `status` properties; every suite has its verdict line as a property.

use std::io;

use chrono::DateTime;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::verdict::SuiteVerdict;
use super::{Transcript, line};
use crate::runner::outcome::{CheckOutcome, RunOutcome, Status, SuiteOutcome};

/// Writes the JUnit report of `outcome`.
pub fn write(outcome: &RunOutcome, out: &mut impl io::Write) -> io::Result<()> {
    let started = DateTime::parse_from_rfc3339(&outcome.started).ok();
    let mut report = Report::new("scimctl test");
    report.set_time(outcome.duration);
    if let Some(started) = started {
        report.set_timestamp(started);
    }
    for suite in &outcome.suites {
        let mut test_suite = test_suite(suite, &outcome.target);
        if let Some(started) = started {
            test_suite.set_timestamp(started);
        }
        report.add_test_suite(test_suite);
    }
    report.serialize(&mut *out).map_err(io::Error::other)?;
    writeln!(out)
}

fn test_suite(suite: &SuiteOutcome, target: &str) -> TestSuite {
    let mut test_suite = TestSuite::new(line(&suite.name));
    test_suite.set_time(suite.checks.iter().map(|c| c.duration).sum());
    test_suite.add_property(Property::new("target", line(target)));
    test_suite.add_property(Property::new(
        "verdict",
        line(&SuiteVerdict::of(suite).to_string()),
    ));
    test_suite.add_test_cases(suite.checks.iter().map(test_case));
    test_suite
}

fn test_case(check: &CheckOutcome) -> TestCase {
    let message = line(&check.message);
    let status = match check.status {
        Status::Pass | Status::Warn => TestCaseStatus::success(),
        Status::Skip => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(message.as_str());
            status
        }
        Status::Fail | Status::Error => {
            let kind = if check.status == Status::Fail {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut status = TestCaseStatus::non_success(kind);
            status
                .set_message(message.as_str())
                .set_type(check.level.as_str())
                .set_description(details(check));
            status
        }
    };
    let mut test_case = TestCase::new(line(&check.id), status);
    test_case
        .set_classname(line(&check.suite))
        .set_time(check.duration)
        .add_property(Property::new("level", check.level.as_str()))
        .add_property(Property::new("rfc", line(&check.rfc)))
        .add_property(Property::new("status", check.status.as_str()));
    if check.status == Status::Warn {
        test_case.set_system_out(format!(
            "warning: {} miss, not a failure by default\n{}",
            check.level.as_str(),
            details(check)
        ));
    }
    test_case
}

/// What a CI log should show under a failing test: the title, the message, the requirement and
/// the exchanges.
fn details(check: &CheckOutcome) -> String {
    let mut text = format!(
        "{}\n{}\n{} {}",
        line(&check.title),
        line(&check.message),
        check.level.as_str(),
        line(&check.rfc)
    );
    for exchange in &check.exchanges {
        let transcript = Transcript::of(exchange);
        text.push_str("\n\n");
        text.push_str(&transcript.request);
        text.push_str("\n\n");
        text.push_str(&transcript.response);
    }
    // quick-junit's ANSI stripper drops tabs, which would glue words of a body together.
    text.replace('\t', "    ")
}
