//! The one-line verdict on a suite, shared by every reporter.
//!
//! An RFC suite is judged per requirement level: `RFC 7644: 142/150 MUST, 12/14 SHOULD` (passed
//! over applicable; skipped checks are not applicable). A suite written for an identity provider
//! is judged as a readiness question: `Okta: ready` or `Entra: not ready (3 failures)`, where
//! only a fail or an error at MUST or an interop level blocks. Pure: reads a [`SuiteOutcome`].

use std::fmt;

use super::counted;
use crate::runner::outcome::{Level, Status, SuiteOutcome};

/// Passed and applicable checks at one requirement level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelTally {
    pub level: Level,
    pub passed: usize,
    /// Checks that ran to a verdict: everything but skips.
    pub applicable: usize,
}

/// What a suite's verdict says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// An RFC suite: how many checks passed at each level that had applicable checks.
    Conformance(Vec<LevelTally>),
    /// An identity-provider suite: ready when nothing blocking failed and something passed.
    Readiness {
        /// Fails at MUST or an interop level.
        failures: usize,
        /// Errors at MUST or an interop level.
        errors: usize,
        passed: usize,
        skipped: usize,
    },
}

/// How a verdict should look: the colour of a console line or an HTML badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Everything applicable passed.
    Good,
    /// Only SHOULD or MAY checks missed.
    Warning,
    /// A MUST or interop check failed or errored.
    Bad,
    /// Nothing was applicable: no verdict either way.
    Untested,
}

/// The verdict on one suite; its `Display` is the verdict line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteVerdict {
    /// The suite's title, such as `RFC 7644`.
    pub title: String,
    pub judgement: Judgement,
}

/// Whether a miss at this level stands in the way of conformance or of an identity provider.
fn blocks(level: Level) -> bool {
    matches!(
        level,
        Level::Must | Level::InteropOkta | Level::InteropEntra
    )
}

fn is_interop(level: Level) -> bool {
    matches!(level, Level::InteropOkta | Level::InteropEntra)
}

impl SuiteVerdict {
    /// Judges a suite. A suite is an identity-provider suite when at least half of its checks are
    /// at an interop level (counted over all checks, so the kind of verdict does not depend on
    /// what the server under test skipped).
    pub fn of(suite: &SuiteOutcome) -> SuiteVerdict {
        let interop = suite.checks.iter().filter(|c| is_interop(c.level)).count();
        let judgement = if interop > 0 && interop * 2 >= suite.checks.len() {
            readiness(suite)
        } else {
            conformance(suite)
        };
        SuiteVerdict {
            title: suite.title.clone(),
            judgement,
        }
    }

    /// For an identity-provider suite, whether the endpoint is ready; `None` for an RFC suite.
    pub fn ready(&self) -> Option<bool> {
        match self.judgement {
            Judgement::Conformance(_) => None,
            Judgement::Readiness { .. } => Some(self.tone() == Tone::Good),
        }
    }

    /// How the verdict should look.
    pub fn tone(&self) -> Tone {
        self.judgement.tone()
    }
}

impl Judgement {
    /// How the verdict should look.
    pub fn tone(&self) -> Tone {
        match self {
            Judgement::Conformance(tallies) => {
                let missed = |t: &&LevelTally| t.passed < t.applicable;
                if tallies.is_empty() {
                    Tone::Untested
                } else if tallies.iter().filter(missed).any(|t| blocks(t.level)) {
                    Tone::Bad
                } else if tallies.iter().any(|t| missed(&t)) {
                    Tone::Warning
                } else {
                    Tone::Good
                }
            }
            Judgement::Readiness {
                failures,
                errors,
                passed,
                ..
            } => {
                if failures + errors > 0 {
                    Tone::Bad
                } else if *passed > 0 {
                    Tone::Good
                } else {
                    Tone::Untested
                }
            }
        }
    }
}

fn conformance(suite: &SuiteOutcome) -> Judgement {
    let mut tallies: Vec<LevelTally> = Vec::new();
    for check in suite.checks.iter().filter(|c| c.status != Status::Skip) {
        let passed = usize::from(check.status == Status::Pass);
        match tallies.iter_mut().find(|t| t.level == check.level) {
            Some(tally) => {
                tally.passed += passed;
                tally.applicable += 1;
            }
            None => tallies.push(LevelTally {
                level: check.level,
                passed,
                applicable: 1,
            }),
        }
    }
    tallies.sort_by_key(|t| t.level);
    Judgement::Conformance(tallies)
}

fn readiness(suite: &SuiteOutcome) -> Judgement {
    let count = |wanted: Status, blocking_only: bool| {
        suite
            .checks
            .iter()
            .filter(|c| c.status == wanted && (!blocking_only || blocks(c.level)))
            .count()
    };
    Judgement::Readiness {
        failures: count(Status::Fail, true),
        errors: count(Status::Error, true),
        passed: count(Status::Pass, false),
        skipped: count(Status::Skip, false),
    }
}

impl fmt::Display for SuiteVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.title, self.judgement)
    }
}

/// The verdict line without the suite's title: `142/150 MUST, 12/14 SHOULD`, `ready`.
impl fmt::Display for Judgement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Judgement::Conformance(tallies) if tallies.is_empty() => {
                f.write_str("nothing applicable (every check skipped)")
            }
            Judgement::Conformance(tallies) => {
                for (index, tally) in tallies.iter().enumerate() {
                    let separator = if index == 0 { "" } else { ", " };
                    write!(
                        f,
                        "{separator}{}/{} {}",
                        tally.passed,
                        tally.applicable,
                        tally.level.as_str()
                    )?;
                }
                Ok(())
            }
            Judgement::Readiness {
                failures,
                errors,
                skipped,
                ..
            } => {
                let mut notes = Vec::new();
                if *failures > 0 {
                    notes.push(counted(*failures, "failure", "failures"));
                }
                if *errors > 0 {
                    notes.push(counted(*errors, "error", "errors"));
                }
                match self.tone() {
                    Tone::Bad => write!(f, "not ready ({})", notes.join(", ")),
                    Tone::Untested => f.write_str("untested (every check skipped)"),
                    _ if *skipped > 0 => write!(
                        f,
                        "ready ({} skipped)",
                        counted(*skipped, "check", "checks")
                    ),
                    _ => f.write_str("ready"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::runner::outcome::CheckOutcome;

    fn suite(title: &str, checks: &[(Level, Status)]) -> SuiteOutcome {
        SuiteOutcome {
            name: title.to_ascii_lowercase(),
            title: title.to_owned(),
            checks: checks
                .iter()
                .enumerate()
                .map(|(n, &(level, status))| CheckOutcome {
                    id: format!("s.area.c{n}"),
                    title: String::new(),
                    suite: title.to_ascii_lowercase(),
                    level,
                    status,
                    rfc: String::new(),
                    tags: Vec::new(),
                    message: String::new(),
                    duration: Duration::ZERO,
                    exchanges: Vec::new(),
                })
                .collect(),
        }
    }

    fn line(title: &str, checks: &[(Level, Status)]) -> String {
        SuiteVerdict::of(&suite(title, checks)).to_string()
    }

    use Level::{InteropEntra, InteropOkta, Must, Should};
    use Status::{Error, Fail, Pass, Skip, Warn};

    #[test]
    fn an_rfc_suite_counts_passes_over_applicable_checks_per_level_without_skips() {
        let checks = [
            (Should, Warn),
            (Must, Pass),
            (Must, Fail),
            (Must, Error),
            (Must, Skip),
            (Should, Pass),
            (InteropOkta, Pass),
        ];
        assert_eq!(
            line("RFC 7644", &checks),
            "RFC 7644: 1/3 MUST, 1/2 SHOULD, 1/1 interop:okta"
        );
        assert_eq!(
            SuiteVerdict::of(&suite("RFC 7644", &checks)).tone(),
            Tone::Bad
        );
        assert_eq!(SuiteVerdict::of(&suite("RFC 7644", &checks)).ready(), None);
    }

    #[test]
    fn a_missed_should_only_warns() {
        let verdict = SuiteVerdict::of(&suite("RFC 7644", &[(Must, Pass), (Should, Warn)]));
        assert_eq!(verdict.tone(), Tone::Warning);
    }

    #[test]
    fn an_identity_provider_suite_is_ready_when_nothing_blocking_failed() {
        assert_eq!(
            line(
                "Okta",
                &[
                    (InteropOkta, Pass),
                    (InteropOkta, Pass),
                    (Must, Pass),
                    (Should, Warn)
                ]
            ),
            "Okta: ready"
        );
        let verdict = SuiteVerdict::of(&suite("Okta", &[(InteropOkta, Pass), (Must, Pass)]));
        assert_eq!(verdict.ready(), Some(true));
    }

    #[test]
    fn failures_and_errors_at_must_or_interop_level_make_it_not_ready() {
        let checks = [
            (InteropEntra, Fail),
            (InteropEntra, Fail),
            (Must, Fail),
            (InteropEntra, Error),
            (Should, Warn),
            (InteropEntra, Pass),
        ];
        assert_eq!(
            line("Entra", &checks),
            "Entra: not ready (3 failures, 1 error)"
        );
        assert_eq!(
            line("Entra", &[(InteropEntra, Error), (InteropEntra, Pass)]),
            "Entra: not ready (1 error)"
        );
        assert_eq!(
            SuiteVerdict::of(&suite("Entra", &checks)).ready(),
            Some(false)
        );
    }

    #[test]
    fn skips_are_owned_up_to_and_all_skipped_is_no_verdict() {
        assert_eq!(
            line("Okta", &[(InteropOkta, Pass), (InteropOkta, Skip)]),
            "Okta: ready (1 check skipped)"
        );
        assert_eq!(
            line("Okta", &[(InteropOkta, Skip), (InteropOkta, Skip)]),
            "Okta: untested (every check skipped)"
        );
        assert_eq!(
            line("RFC 7644", &[(Must, Skip)]),
            "RFC 7644: nothing applicable (every check skipped)"
        );
        assert_eq!(
            SuiteVerdict::of(&suite("RFC 7644", &[])).tone(),
            Tone::Untested
        );
    }

    #[test]
    fn a_few_interop_checks_do_not_turn_an_rfc_suite_into_a_readiness_question() {
        let checks = [(Must, Pass), (Must, Pass), (InteropOkta, Fail)];
        assert_eq!(
            line("RFC 7644", &checks),
            "RFC 7644: 2/2 MUST, 0/1 interop:okta"
        );
    }
}
