//! The JSON report (`--report json=FILE`): versioned wire types, separate from the runner's
//! internal outcome so that the outcome can change without breaking a CI script.
//!
//! The format, field by field, is documented in `docs/report-json.md` (a test keeps its example
//! in step with these types). Adding a field is compatible; renaming or removing one, or
//! changing its meaning, bumps [`FORMAT_VERSION`]. Check ids are API too.

use std::io;
use std::time::Duration;

use serde::Serialize;

use super::verdict::{Judgement, SuiteVerdict};
use crate::runner::outcome::{self, CheckOutcome, RunOutcome, SuiteOutcome};

/// The version of the wire format written in `format_version`.
pub const FORMAT_VERSION: u32 = 1;

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub format_version: u32,
    /// The base URL tested.
    pub target: &'a str,
    /// When the run started, RFC 3339.
    pub started: &'a str,
    pub duration_ms: u64,
    pub summary: Summary,
    pub throttling: Throttling,
    pub suites: Vec<Suite<'a>>,
    pub checks: Vec<Check<'a>>,
}

/// Counts per status.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub warned: usize,
    pub skipped: usize,
    pub errored: usize,
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

/// Passed over applicable checks at one level.
#[derive(Debug, Serialize)]
pub struct LevelTally {
    pub level: &'static str,
    pub passed: usize,
    pub applicable: usize,
}

/// One check's verdict.
#[derive(Debug, Serialize)]
pub struct Check<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub suite: &'a str,
    /// `MUST`, `SHOULD`, `MAY`, `interop:okta` or `interop:entra`.
    pub level: &'static str,
    /// `pass`, `fail`, `warn`, `skip` or `error`.
    pub status: &'static str,
    pub rfc: &'a str,
    pub tags: &'a [String],
    pub message: &'a str,
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
        Report {
            format_version: FORMAT_VERSION,
            target: &outcome.target,
            started: &outcome.started,
            duration_ms: millis(outcome.duration),
            summary: Summary::of(outcome.checks()),
            throttling: Throttling {
                responses: outcome.throttled,
                wait_ms: millis(outcome.throttle_wait),
            },
            suites: outcome.suites.iter().map(Suite::of).collect(),
            checks: outcome.checks().map(Check::of).collect(),
        }
    }
}

impl Summary {
    fn of<'a>(checks: impl IntoIterator<Item = &'a CheckOutcome>) -> Summary {
        let counts = outcome::Summary::of(checks);
        Summary {
            total: counts.passed + counts.failed + counts.warned + counts.skipped + counts.errored,
            passed: counts.passed,
            failed: counts.failed,
            warned: counts.warned,
            skipped: counts.skipped,
            errored: counts.errored,
        }
    }
}

impl<'a> Suite<'a> {
    fn of(suite: &'a SuiteOutcome) -> Suite<'a> {
        let verdict = SuiteVerdict::of(suite);
        let levels = match &verdict.judgement {
            Judgement::Conformance(tallies) => tallies
                .iter()
                .map(|tally| LevelTally {
                    level: tally.level.as_str(),
                    passed: tally.passed,
                    applicable: tally.applicable,
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
    fn of(check: &'a CheckOutcome) -> Check<'a> {
        Check {
            id: &check.id,
            title: &check.title,
            suite: &check.suite,
            level: check.level.as_str(),
            status: check.status.as_str(),
            rfc: &check.rfc,
            tags: &check.tags,
            message: &check.message,
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
            method: &exchange.method,
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
