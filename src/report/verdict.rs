//! The one-line verdict on a suite, shared by every reporter. Pure: it reads a
//! [`SuiteOutcome`] and writes nothing.
//!
//! An RFC suite is judged per requirement level: `RFC 7644: 142/150 MUST, 12/14 SHOULD` (passed
//! over applicable; skipped checks are not applicable). Each outcome counts at its deciding
//! level, so a MUST check that only missed a SHOULD assertion is a SHOULD miss. A suite written
//! for an identity provider is judged as a readiness question: `Okta: ready` or
//! `Entra: not ready (3 failures)`, where a fail at MUST or an interop level, or an error,
//! stands in the way. Waived outcomes are counted and named, never hidden.
//!
//! The tone (the colour of a line) follows [`CheckOutcome::blocks`] at the run's `--fail-on`,
//! the same rule as the exit code: red exactly when the suite fails the run. Pure: reads a
//! [`SuiteOutcome`].

use std::fmt;

use super::counted;
use crate::runner::outcome::{CheckOutcome, FailOn, Level, Status, SuiteOutcome};

/// Passed and applicable checks at one deciding level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelTally {
    pub level: Level,
    pub passed: usize,
    /// Checks that ran to a verdict: everything but skips.
    pub applicable: usize,
    /// Of the applicable checks, the waived fails and warns.
    pub waived: usize,
}

/// What a suite's verdict says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// An RFC suite: how many checks passed at each level that had applicable checks.
    Conformance(Vec<LevelTally>),
    /// An identity-provider suite: ready when no fail at MUST or an interop level and no error
    /// stands in the way, and something ran.
    Readiness {
        /// Fails at MUST or an interop level, not waived.
        failures: usize,
        /// Errors: checks that reached no verdict.
        errors: usize,
        /// Warns (SHOULD or MAY misses), not waived.
        warnings: usize,
        /// Fails and warns accepted by a waiver.
        waived: usize,
        passed: usize,
        skipped: usize,
    },
}

/// How a verdict should look: the colour of a console line or an HTML badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Everything applicable passed.
    Good,
    /// Something missed, was waived, or failed below `--fail-on`: reported, not failing.
    Warning,
    /// Something fails the run at its `--fail-on`.
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
    tone: Tone,
}

fn is_interop(level: Level) -> bool {
    matches!(level, Level::InteropOkta | Level::InteropEntra)
}

impl SuiteVerdict {
    /// Judges a suite at a `--fail-on`. A suite is an identity-provider suite when at least half
    /// of its checks are at an interop level (counted over all checks, so the kind of verdict
    /// does not depend on what the server under test skipped).
    pub fn of(suite: &SuiteOutcome, fail_on: FailOn) -> SuiteVerdict {
        let interop = suite.checks.iter().filter(|c| is_interop(c.level)).count();
        let judgement = if interop > 0 && interop * 2 >= suite.checks.len() {
            readiness(suite)
        } else {
            conformance(suite)
        };
        SuiteVerdict {
            title: suite.title.clone(),
            judgement,
            tone: tone(&suite.checks, fail_on),
        }
    }

    /// For an identity-provider suite, whether the endpoint is ready; `None` for an RFC suite.
    /// Readiness is a fact about the endpoint, the same at every `--fail-on`.
    pub fn ready(&self) -> Option<bool> {
        match self.judgement {
            Judgement::Conformance(_) => None,
            Judgement::Readiness {
                failures, errors, ..
            } => Some(failures + errors == 0 && self.judgement.ran() > 0),
        }
    }

    /// How the verdict should look.
    pub fn tone(&self) -> Tone {
        self.tone
    }
}

fn tone(checks: &[CheckOutcome], fail_on: FailOn) -> Tone {
    if checks.iter().any(|check| check.blocks(fail_on)) {
        Tone::Bad
    } else if checks.iter().all(|check| check.status == Status::Skip) {
        Tone::Untested
    } else if checks
        .iter()
        .any(|check| !matches!(check.status, Status::Pass | Status::Skip))
    {
        Tone::Warning
    } else {
        Tone::Good
    }
}

impl Judgement {
    /// Checks that ran to a verdict (or an error): everything but skips.
    fn ran(&self) -> usize {
        match self {
            Judgement::Conformance(tallies) => tallies.iter().map(|t| t.applicable).sum(),
            Judgement::Readiness {
                failures,
                errors,
                warnings,
                waived,
                passed,
                ..
            } => failures + errors + warnings + waived + passed,
        }
    }
}

fn conformance(suite: &SuiteOutcome) -> Judgement {
    let mut tallies: Vec<LevelTally> = Vec::new();
    for check in suite.checks.iter().filter(|c| c.status != Status::Skip) {
        let passed = usize::from(check.status == Status::Pass);
        let waived = usize::from(check.waiver.is_some());
        match tallies.iter_mut().find(|t| t.level == check.deciding_level) {
            Some(tally) => {
                tally.passed += passed;
                tally.applicable += 1;
                tally.waived += waived;
            }
            None => tallies.push(LevelTally {
                level: check.deciding_level,
                passed,
                applicable: 1,
                waived,
            }),
        }
    }
    tallies.sort_by_key(|t| t.level);
    Judgement::Conformance(tallies)
}

fn readiness(suite: &SuiteOutcome) -> Judgement {
    let count = |counted: &dyn Fn(&CheckOutcome) -> bool| {
        suite.checks.iter().filter(|check| counted(check)).count()
    };
    let unwaived =
        |check: &CheckOutcome, status: Status| check.status == status && check.waiver.is_none();
    Judgement::Readiness {
        failures: count(&|c| unwaived(c, Status::Fail) && c.deciding_level.is_mandatory()),
        errors: count(&|c| c.status == Status::Error),
        warnings: count(&|c| unwaived(c, Status::Warn)),
        waived: count(&|c| c.waiver.is_some()),
        passed: count(&|c| c.status == Status::Pass),
        skipped: count(&|c| c.status == Status::Skip),
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
                    if tally.waived > 0 {
                        write!(f, " ({} waived)", tally.waived)?;
                    }
                }
                Ok(())
            }
            Judgement::Readiness {
                failures,
                errors,
                warnings,
                waived,
                skipped,
                ..
            } => {
                let mut blockers = Vec::new();
                if *failures > 0 {
                    blockers.push(counted(*failures, "failure", "failures"));
                }
                if *errors > 0 {
                    blockers.push(counted(*errors, "error", "errors"));
                }
                let mut notes = Vec::new();
                if *warnings > 0 {
                    notes.push(counted(*warnings, "warning", "warnings"));
                }
                if *waived > 0 {
                    notes.push(format!("{waived} waived"));
                }
                if !blockers.is_empty() {
                    blockers.extend(notes);
                    return write!(f, "not ready ({})", blockers.join(", "));
                }
                if self.ran() == 0 {
                    return f.write_str("untested (every check skipped)");
                }
                if *skipped > 0 {
                    notes.push(counted(*skipped, "check skipped", "checks skipped"));
                }
                if notes.is_empty() {
                    f.write_str("ready")
                } else {
                    write!(f, "ready ({})", notes.join(", "))
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

    /// A check declared at `level` whose verdict `status` was decided at `deciding`.
    fn decided(level: Level, deciding: Level, status: Status) -> CheckOutcome {
        CheckOutcome {
            id: "s.area.c".to_owned(),
            title: String::new(),
            suite: "s".to_owned(),
            level,
            deciding_level: deciding,
            status,
            waiver: None,
            rfc: String::new(),
            tags: Vec::new(),
            message: String::new(),
            finding: None,
            duration: Duration::ZERO,
            exchanges: Vec::new(),
        }
    }

    fn suite_of(title: &str, checks: Vec<CheckOutcome>) -> SuiteOutcome {
        SuiteOutcome {
            name: title.to_ascii_lowercase(),
            title: title.to_owned(),
            checks,
        }
    }

    fn suite(title: &str, checks: &[(Level, Status)]) -> SuiteOutcome {
        let checks = checks
            .iter()
            .map(|&(level, status)| decided(level, level, status))
            .collect();
        suite_of(title, checks)
    }

    fn verdict(title: &str, checks: &[(Level, Status)]) -> SuiteVerdict {
        SuiteVerdict::of(&suite(title, checks), FailOn::Must)
    }

    fn line(title: &str, checks: &[(Level, Status)]) -> String {
        verdict(title, checks).to_string()
    }

    use Level::{InteropEntra, InteropOkta, May, Must, Should};
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
        assert_eq!(verdict("RFC 7644", &checks).tone(), Tone::Bad);
        assert_eq!(verdict("RFC 7644", &checks).ready(), None);
    }

    #[test]
    fn a_missed_should_only_warns() {
        assert_eq!(
            verdict("RFC 7644", &[(Must, Pass), (Should, Warn)]).tone(),
            Tone::Warning
        );
    }

    /// The field trial's "149/150 MUST" in red with exit code 0: a MUST check whose only miss
    /// is a SHOULD assertion is a SHOULD miss, in the tally and in the colour.
    #[test]
    fn a_must_check_that_missed_only_a_should_assertion_counts_as_a_should_miss() {
        let suite = suite_of(
            "RFC 7644",
            vec![
                decided(Must, Must, Pass),
                decided(Must, Should, Warn),
                decided(Should, Should, Pass),
            ],
        );
        let verdict = SuiteVerdict::of(&suite, FailOn::Must);
        assert_eq!(verdict.to_string(), "RFC 7644: 1/1 MUST, 1/2 SHOULD");
        assert_eq!(verdict.tone(), Tone::Warning);
        assert_eq!(SuiteVerdict::of(&suite, FailOn::Should).tone(), Tone::Bad);
    }

    #[test]
    fn the_tone_is_red_exactly_when_the_suite_fails_the_run_at_its_fail_on() {
        let checks = [(Must, Pass), (InteropOkta, Fail), (InteropOkta, Pass)];
        let at = |fail_on| SuiteVerdict::of(&suite("RFC 7644", &checks), fail_on).tone();
        assert_eq!(at(FailOn::Must), Tone::Warning);
        assert_eq!(at(FailOn::Interop), Tone::Bad);
        assert_eq!(at(FailOn::Should), Tone::Bad);
        let may = [(Must, Pass), (May, Warn)];
        let at = |fail_on| SuiteVerdict::of(&suite("RFC 7644", &may), fail_on).tone();
        assert_eq!(at(FailOn::Should), Tone::Warning, "a MAY never fails a run");
    }

    #[test]
    fn waived_outcomes_are_counted_and_named_but_do_not_turn_the_suite_red() {
        let mut waived = decided(Must, Must, Fail);
        waived.waiver = Some("VENDOR-1".to_owned());
        let suite = suite_of("RFC 7644", vec![decided(Must, Must, Pass), waived.clone()]);
        let verdict = SuiteVerdict::of(&suite, FailOn::Should);
        assert_eq!(verdict.to_string(), "RFC 7644: 1/2 MUST (1 waived)");
        assert_eq!(verdict.tone(), Tone::Warning);
        waived.level = InteropOkta;
        waived.deciding_level = InteropOkta;
        let okta = suite_of(
            "Okta",
            vec![decided(InteropOkta, InteropOkta, Pass), waived],
        );
        let verdict = SuiteVerdict::of(&okta, FailOn::Interop);
        assert_eq!(verdict.to_string(), "Okta: ready (1 waived)");
        assert_eq!(verdict.ready(), Some(true));
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
            "Okta: ready (1 warning)"
        );
        assert_eq!(
            verdict("Okta", &[(InteropOkta, Pass), (Must, Pass)]).ready(),
            Some(true)
        );
        assert_eq!(
            line("Okta", &[(InteropOkta, Warn)]),
            "Okta: ready (1 warning)",
            "a suite whose only check warned ran: it is not untested"
        );
    }

    #[test]
    fn failures_and_errors_make_it_not_ready_whatever_the_fail_on() {
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
            "Entra: not ready (3 failures, 1 error, 1 warning)"
        );
        assert_eq!(
            line("Entra", &[(InteropEntra, Error), (InteropEntra, Pass)]),
            "Entra: not ready (1 error)"
        );
        assert_eq!(verdict("Entra", &checks).ready(), Some(false));
        let interop_only = [(InteropEntra, Fail), (InteropEntra, Pass)];
        let at = |fail_on| SuiteVerdict::of(&suite("Entra", &interop_only), fail_on);
        assert_eq!(at(FailOn::Must).ready(), Some(false));
        assert_eq!(
            at(FailOn::Must).tone(),
            Tone::Warning,
            "not failing the run"
        );
        assert_eq!(at(FailOn::Interop).tone(), Tone::Bad);
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
        assert_eq!(verdict("Okta", &[(InteropOkta, Skip)]).ready(), Some(false));
        assert_eq!(
            line("RFC 7644", &[(Must, Skip)]),
            "RFC 7644: nothing applicable (every check skipped)"
        );
        assert_eq!(verdict("RFC 7644", &[]).tone(), Tone::Untested);
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
