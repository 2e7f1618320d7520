//! The JSON report (`--report json=FILE`): versioned wire types, separate from the runner's
//! internal outcome so that the outcome can change without breaking a CI script.
//!
//! The format, field by field, is documented in `docs/report-json.md` (a test keeps its example
//! in step with these types). Adding a field is compatible; renaming or removing one, or
//! changing its meaning, bumps [`FORMAT_VERSION`]. Check ids are API too.

use std::io;
use std::time::Duration;

use serde::Serialize;

use super::findings::{Cause, Findings};
use super::verdict::{Judgement, SuiteVerdict};
use crate::findings::{Finding, location_json};
use crate::runner::outcome::{self, CheckOutcome, FailOn, RunOutcome, SuiteOutcome};

/// The version of the wire format written in `format_version`. Version 2: a waived check keeps
/// its `status` and carries `waiver`; checks count at `deciding_level`; `fail_on`, `blocking`
/// and each check's `blocks` say what fails the run. Added within version 2: `findings`,
/// `ungrouped` and each check's `finding`.
pub const FORMAT_VERSION: u32 = 2;

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub format_version: u32,
    /// The base URL tested.
    pub target: &'a str,
    /// When the run started, RFC 3339.
    pub started: &'a str,
    pub duration_ms: u64,
    /// The `--fail-on` the run was judged at: `must`, `interop` or `should`.
    pub fail_on: &'static str,
    /// How many checks fail the run at `fail_on`; the exit code is 1 exactly when this is not 0.
    pub blocking: usize,
    pub summary: Summary,
    pub throttling: Throttling,
    /// The fails and warns (waived ones aside) grouped by the deviation they share, the one
    /// that breaks an identity provider's sync first at the top.
    pub findings: Vec<FindingGroup<'a>>,
    /// The ids of the fails and warns (waived ones aside) whose suite names no deviation.
    pub ungrouped: Vec<&'a str>,
    pub suites: Vec<Suite<'a>>,
    pub checks: Vec<Check<'a>>,
}

/// One finding: a deviation, what the catalogue says about it, and the checks it covers.
#[derive(Debug, Serialize)]
pub struct FindingGroup<'a> {
    /// The deviation's stable key, such as `error-status-not-string`.
    pub key: &'static str,
    /// `must`, `interop`, `should` or `note`, as `lint` and `doctor` spell it.
    pub level: &'static str,
    pub title: &'static str,
    pub rfc: &'static str,
    /// The first part of an identity provider's sync it breaks (`connection`, `matching`,
    /// `create`, `update`, `deactivation`, `groups`, `import`, `certification`); `null` when
    /// no IdP is known to fail over it.
    pub breaks: Option<&'static str>,
    pub okta: Option<&'static str>,
    pub entra: Option<&'static str>,
    pub fix: &'static str,
    /// Whether one of its checks fails the run at `fail_on`.
    pub blocks: bool,
    /// Where the first of its checks saw it (`{"request": "GET /Users/..."}`, as in `lint`
    /// and `doctor`), and what it saw.
    pub location: serde_json::Value,
    pub seen: &'a str,
    /// The ids of the checks it covers, in run order.
    pub checks: Vec<&'a str>,
}

/// What a check's failure is a finding of.
#[derive(Debug, Serialize)]
pub struct CheckFinding<'a> {
    pub key: &'static str,
    /// The request whose answer showed it: `{"request": "GET /Users/..."}`.
    pub location: serde_json::Value,
    pub seen: &'a str,
}

/// Counts per status; a waived fail or warn is counted as `waived` only.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub warned: usize,
    pub skipped: usize,
    pub errored: usize,
    pub waived: usize,
}

/// 429 answers: never failures, but they explain a slow run.
#[derive(Debug, Serialize)]
pub struct Throttling {
    /// How many 429 Too Many Requests answers came.
    pub responses: u64,
    /// Total time spent waiting as Retry-After asked.
    pub wait_ms: u64,
}

/// One suite and its verdict.
#[derive(Debug, Serialize)]
pub struct Suite<'a> {
    pub name: &'a str,
    pub title: &'a str,
    /// The verdict line, such as `RFC 7644: 142/150 MUST, 12/14 SHOULD` or `Okta: ready`.
    pub verdict: String,
    /// For an identity-provider suite, whether the endpoint is ready; `null` for an RFC suite.
    pub ready: Option<bool>,
    /// Passed and applicable checks per level (skips are not applicable); empty for an
    /// identity-provider suite.
    pub levels: Vec<LevelTally>,
    pub summary: Summary,
}

/// Passed over applicable checks at one deciding level.
#[derive(Debug, Serialize)]
pub struct LevelTally {
    pub level: &'static str,
    pub passed: usize,
    pub applicable: usize,
    /// Of the applicable checks, those waived.
    pub waived: usize,
}

/// One check's verdict.
#[derive(Debug, Serialize)]
pub struct Check<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub suite: &'a str,
    /// The check's level: `MUST`, `SHOULD`, `MAY`, `interop:okta` or `interop:entra`.
    pub level: &'static str,
    /// The level that decided `status`: a missed SHOULD assertion in a MUST check is `SHOULD`.
    pub deciding_level: &'static str,
    /// `pass`, `fail`, `warn`, `skip` or `error`; a waived check keeps its verdict.
    pub status: &'static str,
    /// The reason of the waiver that accepted this fail or warn; `null` when not waived.
    pub waiver: Option<&'a str>,
    /// Whether this check fails the run at `fail_on`.
    pub blocks: bool,
    pub rfc: &'a str,
    pub tags: &'a [String],
    pub message: &'a str,
    /// What the failure that decided a `fail` or `warn` is a finding of, when its suite names
    /// the deviation; `null` otherwise.
    pub finding: Option<CheckFinding<'a>>,
    pub duration_ms: u64,
    /// The exchanges of a failing, warning or erroring check, redacted.
    pub exchanges: Vec<Exchange<'a>>,
}

/// One HTTP exchange, redacted.
#[derive(Debug, Serialize)]
pub struct Exchange<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub request_headers: Vec<Header<'a>>,
    pub request_body: Option<&'a str>,
    /// `null` when no answer came.
    pub status: Option<u16>,
    pub response_headers: Vec<Header<'a>>,
    pub response_body: Option<&'a str>,
    pub elapsed_ms: u64,
}

/// A header as a name/value pair (headers may repeat, so not an object).
#[derive(Debug, Serialize)]
pub struct Header<'a> {
    pub name: &'a str,
    pub value: &'a str,
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl<'a> Report<'a> {
    /// The wire form of `outcome`.
    pub fn of(outcome: &'a RunOutcome) -> Report<'a> {
        let findings = Findings::of(outcome);
        Report {
            format_version: FORMAT_VERSION,
            target: &outcome.target,
            started: &outcome.started,
            duration_ms: millis(outcome.duration),
            fail_on: outcome.fail_on.as_str(),
            blocking: outcome.blocking().count(),
            summary: Summary::of(outcome.checks()),
            throttling: Throttling {
                responses: outcome.throttled,
                wait_ms: millis(outcome.throttle_wait),
            },
            findings: findings
                .causes
                .iter()
                .map(|cause| FindingGroup::of(cause, outcome.fail_on))
                .collect(),
            ungrouped: findings
                .ungrouped
                .iter()
                .map(|check| check.id.as_str())
                .collect(),
            suites: outcome
                .suites
                .iter()
                .map(|suite| Suite::of(suite, outcome.fail_on))
                .collect(),
            checks: outcome
                .checks()
                .map(|check| Check::of(check, outcome.fail_on))
                .collect(),
        }
    }
}

impl<'a> FindingGroup<'a> {
    fn of(cause: &Cause<'a>, fail_on: FailOn) -> FindingGroup<'a> {
        let entry = cause.entry();
        let seen = cause.seen();
        FindingGroup {
            key: entry.key,
            level: entry.level.key(),
            title: entry.title,
            rfc: entry.rfc,
            breaks: entry.breaks.map(|breaks| breaks.key()),
            okta: entry.okta,
            entra: entry.entra,
            fix: entry.fix,
            blocks: cause.blocks(fail_on),
            location: location_json(&seen.location),
            seen: &seen.seen,
            checks: cause.checks.iter().map(|check| check.id.as_str()).collect(),
        }
    }
}

impl<'a> CheckFinding<'a> {
    fn of(finding: &'a Finding) -> CheckFinding<'a> {
        CheckFinding {
            key: finding.deviation.key(),
            location: location_json(&finding.location),
            seen: &finding.seen,
        }
    }
}

impl Summary {
    fn of<'a>(checks: impl IntoIterator<Item = &'a CheckOutcome>) -> Summary {
        let counts = outcome::Summary::of(checks);
        Summary {
            total: counts.total(),
            passed: counts.passed,
            failed: counts.failed,
            warned: counts.warned,
            skipped: counts.skipped,
            errored: counts.errored,
            waived: counts.waived,
        }
    }
}

impl<'a> Suite<'a> {
    fn of(suite: &'a SuiteOutcome, fail_on: FailOn) -> Suite<'a> {
        let verdict = SuiteVerdict::of(suite, fail_on);
        let levels = match &verdict.judgement {
            Judgement::Conformance(tallies) => tallies
                .iter()
                .map(|tally| LevelTally {
                    level: tally.level.as_str(),
                    passed: tally.passed,
                    applicable: tally.applicable,
                    waived: tally.waived,
                })
                .collect(),
            Judgement::Readiness { .. } => Vec::new(),
        };
        Suite {
            name: &suite.name,
            title: &suite.title,
            verdict: verdict.to_string(),
            ready: verdict.ready(),
            levels,
            summary: Summary::of(&suite.checks),
        }
    }
}

impl<'a> Check<'a> {
    fn of(check: &'a CheckOutcome, fail_on: FailOn) -> Check<'a> {
        Check {
            id: &check.id,
            title: &check.title,
            suite: &check.suite,
            level: check.level.as_str(),
            deciding_level: check.deciding_level.as_str(),
            status: check.status.as_str(),
            waiver: check.waiver.as_deref(),
            blocks: check.blocks(fail_on),
            rfc: &check.rfc,
            tags: &check.tags,
            message: &check.message,
            finding: check.finding.as_ref().map(CheckFinding::of),
            duration_ms: millis(check.duration),
            exchanges: check.exchanges.iter().map(Exchange::of).collect(),
        }
    }
}

fn headers(pairs: &[(String, String)]) -> Vec<Header<'_>> {
    pairs
        .iter()
        .map(|(name, value)| Header { name, value })
        .collect()
}

impl<'a> Exchange<'a> {
    fn of(exchange: &'a outcome::Exchange) -> Exchange<'a> {
        Exchange {
            method: exchange.method.as_str(),
            url: &exchange.url,
            request_headers: headers(&exchange.request_headers),
            request_body: exchange.request_body.as_deref(),
            status: exchange.status,
            response_headers: headers(&exchange.response_headers),
            response_body: exchange.response_body.as_deref(),
            elapsed_ms: millis(exchange.elapsed),
        }
    }
}

/// Writes the JSON report of `outcome`, pretty-printed, with a final newline.
pub fn write(outcome: &RunOutcome, out: &mut impl io::Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &Report::of(outcome)).map_err(io::Error::other)?;
    writeln!(out)
}
