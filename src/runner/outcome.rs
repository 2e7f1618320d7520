//! What a run produced: one verdict per check, grouped by suite, read by the reporters. Internal
//! types: no wire format (the JSON report has its own versioned types) and no I/O.

use std::time::Duration;

pub use crate::findings::Finding;
use crate::scim::method::Method;
pub use crate::suite::Level;

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// The server did what the check requires.
    Pass,
    /// The server broke a MUST (or an interop requirement): an assertion failed.
    Fail,
    /// The server missed a SHOULD or MAY: reported; a SHOULD miss fails a run only with
    /// `--fail-on should`, a MAY miss never.
    Warn,
    /// No verdict on the server, by rule: a precondition is not met (a feature or resource type
    /// not advertised, writes not allowed, an Okta feature not selected), the server declined a
    /// filter as RFC 7644 Table 9 allows, or a built-in found the rule untestable against what
    /// the server advertises; the message says which. Checks left out by `--only`, `--skip` or
    /// `--resource-type` are not in the outcome at all.
    Skip,
    /// The check could not reach a verdict: network failure, timeout, a server that died or
    /// kept answering 429, a refused setup step (`setup refused: ...`), or a request the write
    /// guard refused to send. Distinct from `Fail` end to end.
    Error,
}

impl Status {
    /// The spelling used in reports: `pass`, `fail`, `warn`, `skip`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Skip => "skip",
            Status::Error => "error",
        }
    }
}

/// The lowest requirement level whose misses fail a run: `--fail-on`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum FailOn {
    /// Failed MUST checks (and errors) fail the run.
    #[default]
    Must,
    /// Failed interop (Okta, Entra) checks too.
    Interop,
    /// SHOULD misses too.
    Should,
}

impl FailOn {
    /// The spelling of `--fail-on` and of the reports: `must`, `interop`, `should`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Must => "must",
            FailOn::Interop => "interop",
            FailOn::Should => "should",
        }
    }
}

/// One HTTP exchange a check made, redacted, kept for failing checks (`-v`, HTML report).
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    pub method: Method,
    /// The URL as sent (credentials never appear in it).
    pub url: String,
    /// Request headers, secrets already replaced.
    pub request_headers: Vec<(String, String)>,
    pub request_body: Option<String>,
    /// `None` when no answer came (network error, timeout).
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<String>,
    pub elapsed: Duration,
}

/// The verdict on one check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    /// Stable identifier, such as `rfc7644.filter.eq-is-not-substring`. It is API: JUnit test
    /// name and JSON report key.
    pub id: String,
    pub title: String,
    /// The suite's name, such as `rfc7644`.
    pub suite: String,
    /// The level the check declares.
    pub level: Level,
    /// The level of the requirement that decided the status: for a fail or a warn, the level
    /// of the assertion that missed (a SHOULD assertion inside a MUST check decides at SHOULD);
    /// otherwise the check's own level. Verdict lines and `--fail-on` count the outcome here.
    pub deciding_level: Level,
    /// The verdict. A waived fail or warn keeps it; [`CheckOutcome::waiver`] says it is waived.
    pub status: Status,
    /// The reason a `--waivers` entry gives for accepting this fail or warn; `None` otherwise.
    /// A waived outcome never fails a run, and is counted apart from the verdicts.
    pub waiver: Option<String>,
    /// The RFC reference, such as `RFC 7644 §3.4.2.2`.
    pub rfc: String,
    pub tags: Vec<String>,
    /// Why it passed, failed, warned, skipped or errored, in one sentence naming the deviation.
    pub message: String,
    /// What the miss that decided a fail or warn is a finding of, when its suite names the
    /// deviation (on the assertion, its step or its check, or implied by a built-in): the
    /// kind, the request whose answer showed it, and what was observed. `None` for a pass, a
    /// skip, an error, and a miss whose suite names no deviation. The reports group fails
    /// and warns by it.
    pub finding: Option<Finding>,
    pub duration: Duration,
    /// The exchanges of a failing, warning or erroring check; empty for passes and skips.
    pub exchanges: Vec<Exchange>,
}

impl CheckOutcome {
    /// Whether this outcome fails a run at `fail_on`: the one rule behind the exit code, the
    /// colour of every verdict line and JUnit's failures. An error always does (no verdict is
    /// not a pass); a fail or warn does when its deciding level is at or above `fail_on`
    /// (MUST always, interop from `interop` on, SHOULD only at `should`, MAY never); a waived
    /// outcome, a pass and a skip never do.
    pub fn blocks(&self, fail_on: FailOn) -> bool {
        if self.waiver.is_some() {
            return false;
        }
        match self.status {
            Status::Error => true,
            Status::Pass | Status::Skip => false,
            Status::Fail | Status::Warn => match self.deciding_level {
                Level::Must => true,
                Level::InteropOkta | Level::InteropEntra => fail_on != FailOn::Must,
                Level::Should => fail_on == FailOn::Should,
                Level::May => false,
            },
        }
    }
}

/// All verdicts of one suite, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteOutcome {
    pub name: String,
    pub title: String,
    pub checks: Vec<CheckOutcome>,
}

/// A whole run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    /// The base URL tested.
    pub target: String,
    /// When the run started, RFC 3339.
    pub started: String,
    pub duration: Duration,
    pub suites: Vec<SuiteOutcome>,
    /// 429 answers received and the total time spent waiting on Retry-After.
    pub throttled: u64,
    pub throttle_wait: Duration,
    /// The `--fail-on` the run is judged at.
    pub fail_on: FailOn,
}

/// Counts per status; waived fails and warns are counted as `waived` only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub warned: usize,
    pub skipped: usize,
    pub errored: usize,
    pub waived: usize,
}

impl Summary {
    /// Counts the verdicts of some checks.
    pub fn of<'a>(checks: impl IntoIterator<Item = &'a CheckOutcome>) -> Summary {
        let mut summary = Summary::default();
        for check in checks {
            if check.waiver.is_some() {
                summary.waived += 1;
                continue;
            }
            match check.status {
                Status::Pass => summary.passed += 1,
                Status::Fail => summary.failed += 1,
                Status::Warn => summary.warned += 1,
                Status::Skip => summary.skipped += 1,
                Status::Error => summary.errored += 1,
            }
        }
        summary
    }

    /// Every check counted.
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.warned + self.skipped + self.errored + self.waived
    }
}

impl RunOutcome {
    /// Every check of every suite, in order.
    pub fn checks(&self) -> impl Iterator<Item = &CheckOutcome> {
        self.suites.iter().flat_map(|s| s.checks.iter())
    }

    pub fn summary(&self) -> Summary {
        Summary::of(self.checks())
    }

    /// The checks that fail the run at its `--fail-on` ([`CheckOutcome::blocks`]).
    pub fn blocking(&self) -> impl Iterator<Item = &CheckOutcome> {
        self.checks().filter(|check| check.blocks(self.fail_on))
    }
}
