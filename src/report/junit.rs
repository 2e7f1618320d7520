//! The JUnit XML report (`--report junit=FILE`) for CI dashboards. It writes what the outcome
//! says: it judges no check itself.
//!
//! One `<testsuite>` per suite; each check is a `<testcase>` named by its id with the suite as
//! its class. What CI counts as a failure is what fails the run ([`CheckOutcome::blocks`] at
//! the run's `--fail-on`, the exit code's rule): such a fail or warn is a `<failure>`, an error
//! an `<error>` (they stay apart, as everywhere). A fail or warn below `--fail-on` (a missed
//! SHOULD by default) passes and says what it missed in `<system-out>`. A skip is `<skipped>`
//! with its reason. A waived fail or warn is `<skipped type="waived">` whose message starts
//! with `waived` and gives the reason and the verdict: dashboards show it among the skips, with
//! its message, and never as a failure, while the `waived` property and `type` tell it apart
//! from a check that did not run. Every test case has `level`, `deciding_level`, `rfc` and
//! `status` properties (`status` is the verdict, also when waived), and a `deviation` property
//! when its failure is a finding; every suite has its verdict line as a property, and its
//! findings (the causes among its checks, each with its fix and checks) in `<system-out>`.

use std::io;

use chrono::DateTime;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::findings::Findings;
use super::verdict::SuiteVerdict;
use super::{Transcript, line};
use crate::runner::outcome::{CheckOutcome, FailOn, RunOutcome, Status, SuiteOutcome};

/// Writes the JUnit report of `outcome`.
pub fn write(outcome: &RunOutcome, out: &mut impl io::Write) -> io::Result<()> {
    let started = DateTime::parse_from_rfc3339(&outcome.started).ok();
    let mut report = Report::new("scimctl test");
    report.set_time(outcome.duration);
    if let Some(started) = started {
        report.set_timestamp(started);
    }
    for suite in &outcome.suites {
        let mut test_suite = test_suite(suite, &outcome.target, outcome.fail_on);
        if let Some(started) = started {
            test_suite.set_timestamp(started);
        }
        report.add_test_suite(test_suite);
    }
    report.serialize(&mut *out).map_err(io::Error::other)?;
    writeln!(out)
}

fn test_suite(suite: &SuiteOutcome, target: &str, fail_on: FailOn) -> TestSuite {
    let mut test_suite = TestSuite::new(line(&suite.name));
    test_suite.set_time(suite.checks.iter().map(|c| c.duration).sum());
    test_suite.add_property(Property::new("target", line(target)));
    test_suite.add_property(Property::new(
        "verdict",
        line(&SuiteVerdict::of(suite, fail_on).to_string()),
    ));
    test_suite.add_property(Property::new("fail_on", fail_on.as_str()));
    test_suite.add_test_cases(suite.checks.iter().map(|check| test_case(check, fail_on)));
    let findings = Findings::of_checks(&suite.checks);
    if !findings.is_empty() {
        test_suite.set_system_out(findings_text(&findings));
    }
    test_suite
}

/// The findings among a suite's checks, as a CI log shows them: one headline per cause with its
/// key, the fix and the checks it covers, then the failures that name no deviation.
fn findings_text(findings: &Findings<'_>) -> String {
    let mut text = findings.summary();
    for (index, cause) in findings.causes.iter().enumerate() {
        let entry = cause.entry();
        let ids: Vec<String> = cause.checks.iter().map(|check| line(&check.id)).collect();
        text.push_str(&format!(
            "\n{}. {} ({}, {})\n   fix: {}\n   checks: {}",
            index + 1,
            cause.headline(),
            entry.level.label(),
            entry.key,
            entry.fix,
            ids.join(", ")
        ));
    }
    for check in &findings.ungrouped {
        text.push_str(&format!(
            "\nwithout a named deviation: {}: {}",
            line(&check.id),
            line(&check.message)
        ));
    }
    text
}

fn test_case(check: &CheckOutcome, fail_on: FailOn) -> TestCase {
    let message = line(&check.message);
    let blocks = check.blocks(fail_on);
    let status = match (check.status, &check.waiver) {
        (Status::Fail | Status::Warn, Some(reason)) => {
            let mut status = TestCaseStatus::skipped();
            status
                .set_message(format!(
                    "waived ({}); {}: {message}",
                    line(reason),
                    check.status.as_str()
                ))
                .set_type("waived")
                .set_description(details(check));
            status
        }
        (Status::Skip, _) => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(message.as_str());
            status
        }
        (Status::Error, _) | (Status::Fail | Status::Warn, None) if blocks => {
            let kind = if check.status == Status::Error {
                NonSuccessKind::Error
            } else {
                NonSuccessKind::Failure
            };
            let mut status = TestCaseStatus::non_success(kind);
            status
                .set_message(message.as_str())
                .set_type(check.deciding_level.as_str())
                .set_description(details(check));
            status
        }
        _ => TestCaseStatus::success(),
    };
    let mut test_case = TestCase::new(line(&check.id), status);
    test_case
        .set_classname(line(&check.suite))
        .set_time(check.duration)
        .add_property(Property::new("level", check.level.as_str()))
        .add_property(Property::new(
            "deciding_level",
            check.deciding_level.as_str(),
        ))
        .add_property(Property::new("rfc", line(&check.rfc)))
        .add_property(Property::new("status", check.status.as_str()));
    if let Some(finding) = &check.finding {
        test_case.add_property(Property::new("deviation", finding.deviation.key()));
    }
    if let Some(reason) = &check.waiver {
        test_case.add_property(Property::new("waived", line(reason)));
    } else if matches!(check.status, Status::Fail | Status::Warn) && !blocks {
        test_case.set_system_out(format!(
            "{} at {}: not a failure at --fail-on {}\n{}",
            check.status.as_str(),
            check.deciding_level.as_str(),
            fail_on.as_str(),
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
        check.deciding_level.as_str(),
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
