//! The findings of a run, which every report opens with: the fails and warns whose suites name
//! the same deviation are one finding (one cause, its fix, the checks it covers), ranked by
//! what breaks an identity provider's sync first. Pure: it reads a [`RunOutcome`] and writes
//! nothing; what a deviation means is the findings catalogue's ([`crate::findings`]).
//!
//! Only what a vendor has to act on is grouped: a fail or warn that no waiver accepts. A fail or
//! warn whose suite names no deviation is kept apart ([`Findings::ungrouped`]), never dropped.
//! The rank: first the part of a sync a deviation breaks, in the order a sync depends on them
//! ([`Breaks`]; those that break none come last), then the deviation's level, then how many
//! checks it covers, then its key, so the order is the same on every run.

use std::cmp::Reverse;

use super::counted;
use crate::findings::{Breaks, Deviation, Entry, Finding, Level};
use crate::runner::outcome::{CheckOutcome, FailOn, RunOutcome, Status};

/// The failures of a run that share one cause.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause<'a> {
    pub deviation: Deviation,
    /// The checks it covers, in run order; each has a [`CheckOutcome::finding`] of this kind.
    pub checks: Vec<&'a CheckOutcome>,
}

impl<'a> Cause<'a> {
    /// What the catalogue says about the deviation: title, RFC section, IdPs, fix.
    pub fn entry(&self) -> &'static Entry {
        self.deviation.entry()
    }

    /// What its first failing check saw (its first warning's, when none fails): where (the
    /// request) and what.
    pub fn seen(&self) -> &'a Finding {
        self.checks
            .iter()
            .find(|check| check.status == Status::Fail)
            .or_else(|| self.checks.first())
            .and_then(|check| check.finding.as_ref())
            .expect("a cause is made of checks with findings")
    }

    /// `Error `status` is a JSON number, not a string: 6 checks, RFC 7644 §3.12`.
    pub fn headline(&self) -> String {
        let entry = self.entry();
        format!(
            "{}: {}, {}",
            capitalised(entry.title),
            counted(self.checks.len(), "check", "checks"),
            entry.rfc
        )
    }

    /// Whether one of its checks fails the run at `fail_on`.
    pub fn blocks(&self, fail_on: FailOn) -> bool {
        self.checks.iter().any(|check| check.blocks(fail_on))
    }

    /// The order of [`Findings::causes`]: what a sync needs first, then the level, then the
    /// most checks, then the key.
    fn rank(&self) -> (bool, Option<Breaks>, Level, Reverse<usize>, &str) {
        let entry = self.entry();
        (
            entry.breaks.is_none(),
            entry.breaks,
            entry.level,
            Reverse(self.checks.len()),
            entry.key,
        )
    }
}

/// What a run found: the causes, ranked, and the failures no cause explains.
#[derive(Debug, Clone, PartialEq)]
pub struct Findings<'a> {
    pub causes: Vec<Cause<'a>>,
    /// Fails and warns whose suite names no deviation, in run order: shown as their checks.
    pub ungrouped: Vec<&'a CheckOutcome>,
}

impl<'a> Findings<'a> {
    /// Groups the unwaived fails and warns of `outcome`.
    pub fn of(outcome: &'a RunOutcome) -> Findings<'a> {
        Findings::of_checks(outcome.checks())
    }

    /// Groups the unwaived fails and warns among `checks` (one suite's, say).
    pub fn of_checks(checks: impl IntoIterator<Item = &'a CheckOutcome>) -> Findings<'a> {
        let mut causes: Vec<Cause<'a>> = Vec::new();
        let mut ungrouped = Vec::new();
        let noteworthy = checks.into_iter().filter(|check| {
            matches!(check.status, Status::Fail | Status::Warn) && check.waiver.is_none()
        });
        for check in noteworthy {
            let Some(finding) = &check.finding else {
                ungrouped.push(check);
                continue;
            };
            match causes
                .iter_mut()
                .find(|cause| cause.deviation == finding.deviation)
            {
                Some(cause) => cause.checks.push(check),
                None => causes.push(Cause {
                    deviation: finding.deviation,
                    checks: vec![check],
                }),
            }
        }
        causes.sort_by(|a, b| a.rank().cmp(&b.rank()));
        Findings { causes, ungrouped }
    }

    /// True when nothing failed or warned (waived checks aside).
    pub fn is_empty(&self) -> bool {
        self.causes.is_empty() && self.ungrouped.is_empty()
    }

    /// The line that opens the findings: `2 findings, ranked by what breaks an identity
    /// provider's sync first` (and the failures without a cause), or that there are none.
    pub fn summary(&self) -> String {
        let ungrouped = match self.ungrouped.len() {
            0 => String::new(),
            n => format!(
                "; {} failed or warned without naming a deviation",
                counted(n, "check", "checks")
            ),
        };
        match self.causes.len() {
            0 if self.ungrouped.is_empty() => "No findings: no check failed or warned".to_owned(),
            0 => format!("No findings{ungrouped}"),
            n => format!(
                "{}, ranked by what breaks an identity provider's sync first{ungrouped}",
                counted(n, "finding", "findings")
            ),
        }
    }
}

/// The catalogue writes titles as phrases (`an attribute ...`); a headline starts with a capital.
fn capitalised(title: &str) -> String {
    let mut chars = title.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::findings::Location;
    use crate::runner::outcome::SuiteOutcome;

    fn check(id: &str, status: Status, deviation: Option<Deviation>) -> CheckOutcome {
        CheckOutcome {
            id: id.to_owned(),
            title: String::new(),
            suite: "s".to_owned(),
            level: crate::suite::Level::Must,
            deciding_level: crate::suite::Level::Must,
            status,
            waiver: None,
            rfc: String::new(),
            tags: Vec::new(),
            message: format!("{id} missed"),
            finding: deviation
                .map(|d| Finding::new(d, Location::request("GET /Users"), format!("{id} saw"))),
            duration: Duration::ZERO,
            exchanges: Vec::new(),
        }
    }

    fn outcome(checks: Vec<CheckOutcome>) -> RunOutcome {
        RunOutcome {
            target: "http://h".to_owned(),
            started: "2026-01-01T00:00:00Z".to_owned(),
            duration: Duration::ZERO,
            suites: vec![SuiteOutcome {
                name: "s".to_owned(),
                title: "S".to_owned(),
                checks,
            }],
            throttled: 0,
            throttle_wait: Duration::ZERO,
            fail_on: FailOn::Must,
        }
    }

    fn ids<'a>(checks: &[&'a CheckOutcome]) -> Vec<&'a str> {
        checks.iter().map(|check| check.id.as_str()).collect()
    }

    #[test]
    fn failures_sharing_a_deviation_are_one_finding_covering_their_checks() {
        let numeric = Some(Deviation::ErrorStatusNotString);
        let run = outcome(vec![
            check("a", Status::Fail, numeric),
            check("b", Status::Pass, None),
            check("c", Status::Warn, numeric),
            check("d", Status::Fail, Some(Deviation::FilterEqNotExact)),
            check("e", Status::Fail, None),
        ]);
        let findings = Findings::of(&run);
        let keys: Vec<&str> = findings.causes.iter().map(|c| c.entry().key).collect();
        assert_eq!(keys, ["filter-eq-not-exact", "error-status-not-string"]);
        let numeric = &findings.causes[1];
        assert_eq!(ids(&numeric.checks), ["a", "c"]);
        assert_eq!(numeric.seen().seen, "a saw");
        assert_eq!(
            numeric.headline(),
            "Error `status` is a JSON number, not a string: 2 checks, RFC 7644 §3.12"
        );
        assert_eq!(ids(&findings.ungrouped), ["e"]);
        assert_eq!(
            findings.summary(),
            "2 findings, ranked by what breaks an identity provider's sync first; 1 check \
             failed or warned without naming a deviation"
        );
    }

    /// A lookup that misses (matching, duplicates) outranks a rejected certification test, and
    /// both outrank a MUST no IdP is known to trip on; within a part of the sync, the level
    /// and then the number of checks decide.
    #[test]
    fn what_breaks_a_sync_first_comes_first() {
        let run = outcome(vec![
            check("atomic", Status::Fail, Some(Deviation::PatchNotAtomic)),
            check(
                "status",
                Status::Fail,
                Some(Deviation::ErrorStatusNotString),
            ),
            check("eq", Status::Fail, Some(Deviation::FilterEqNotExact)),
            check("ua", Status::Fail, Some(Deviation::UserAgentRequired)),
            check(
                "case",
                Status::Fail,
                Some(Deviation::FilterUserNameCaseSensitive),
            ),
            check(
                "case2",
                Status::Fail,
                Some(Deviation::FilterUserNameCaseSensitive),
            ),
        ]);
        let keys: Vec<&str> = Findings::of(&run)
            .causes
            .iter()
            .map(|cause| cause.entry().key)
            .collect();
        assert_eq!(
            keys,
            [
                "user-agent-required",
                "filter-username-case-sensitive",
                "filter-eq-not-exact",
                "error-status-not-string",
                "patch-not-atomic",
            ]
        );
    }

    /// What a finding shows as seen is what a failing check saw: a warning comes first only
    /// when nothing fails.
    #[test]
    fn what_was_seen_comes_from_a_failing_check_first() {
        let numeric = Some(Deviation::ErrorStatusNotString);
        let run = outcome(vec![
            check("warned", Status::Warn, numeric),
            check("failed", Status::Fail, numeric),
        ]);
        let findings = Findings::of(&run);
        assert_eq!(findings.causes[0].seen().seen, "failed saw");
        assert_eq!(ids(&findings.causes[0].checks), ["warned", "failed"]);
        let warned_only = outcome(vec![check("warned", Status::Warn, numeric)]);
        assert_eq!(
            Findings::of(&warned_only).causes[0].seen().seen,
            "warned saw"
        );
    }

    #[test]
    fn waived_skipped_and_errored_checks_are_no_finding() {
        let mut waived = check("w", Status::Fail, Some(Deviation::PatchNotAtomic));
        waived.waiver = Some("VENDOR-1".to_owned());
        let run = outcome(vec![
            waived,
            check("s", Status::Skip, None),
            check("x", Status::Error, None),
            check("p", Status::Pass, None),
        ]);
        let findings = Findings::of(&run);
        assert!(findings.is_empty());
        assert_eq!(findings.summary(), "No findings: no check failed or warned");
    }
}
