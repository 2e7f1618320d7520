//! The console report: the findings first (each cause with what was seen, what it breaks in an
//! identity provider's sync, its fix and the checks it covers), then every check on one line,
//! grouped by suite and area, then a verdict line per suite and a closing summary line. It only
//! applies colour; whether to colour is the caller's decision (terminal, `NO_COLOR`, `--color`).
//!
//! With `verbose`, the exchanges of failing, warning and erroring checks follow their line,
//! request lines marked `>` and response lines `<`.
//!
//! A check's line is red exactly when it fails the run at `--fail-on`
//! ([`CheckOutcome::blocks`]); a fail or warn below that level is yellow, and a waived one is
//! labelled `WAIVED` with its verdict and the waiver's reason.
//!
//! Server text is escaped so it cannot move the cursor or recolour the terminal.

use std::io::{self, Write};

use super::findings::{Cause, Findings};
use super::verdict::{SuiteVerdict, Tone};
use super::{Transcript, by_area, counted, line, run_result, seconds, summary_line, throttle_note};
use crate::runner::outcome::{CheckOutcome, FailOn, RunOutcome, Status};
use crate::text::paint;

/// How the console report looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsoleOptions {
    /// Colour the verdicts with ANSI escapes.
    pub colour: bool,
    /// Show the exchanges of failing, warning and erroring checks (`-v`).
    pub verbose: bool,
}

/// Ids longer than this are not padded to, so one long id does not push every line right.
const MAX_ID_COLUMN: usize = 44;

const GREEN: &str = "32";
const RED: &str = "1;31";
const YELLOW: &str = "33";
const MAGENTA: &str = "1;35";
const DIM: &str = "2";

/// The label and colour of a check's line.
fn status_label(check: &CheckOutcome, fail_on: FailOn) -> (&'static str, &'static str) {
    let judged = if check.blocks(fail_on) { RED } else { YELLOW };
    match check.status {
        _ if check.waiver.is_some() => ("WAIVED", YELLOW),
        Status::Pass => ("PASS", GREEN),
        Status::Fail => ("FAIL", judged),
        Status::Warn => ("WARN", judged),
        Status::Skip => ("SKIP", DIM),
        Status::Error => ("ERROR", MAGENTA),
    }
}

fn tone_colour(tone: Tone) -> &'static str {
    match tone {
        Tone::Good => GREEN,
        Tone::Warning => YELLOW,
        Tone::Bad => RED,
        Tone::Untested => DIM,
    }
}

/// Writes the console report of `outcome`.
pub fn write(
    outcome: &RunOutcome,
    options: ConsoleOptions,
    out: &mut impl Write,
) -> io::Result<()> {
    write_findings(out, outcome, options.colour)?;
    for suite in &outcome.suites {
        writeln!(out, "{} ({})", line(&suite.title), line(&suite.name))?;
        let id_column = suite
            .checks
            .iter()
            .map(|c| line(&c.id).chars().count())
            .filter(|&width| width <= MAX_ID_COLUMN)
            .max()
            .unwrap_or(0);
        for (area, checks) in by_area(&suite.checks) {
            writeln!(out, "  {}", line(area))?;
            for check in checks {
                write_check(out, check, id_column, outcome.fail_on, options.colour)?;
                if options.verbose {
                    write_exchanges(out, check)?;
                }
            }
        }
        writeln!(out)?;
    }

    writeln!(out, "Verdicts")?;
    for suite in &outcome.suites {
        let verdict = SuiteVerdict::of(suite, outcome.fail_on);
        let text = line(&verdict.to_string());
        writeln!(
            out,
            "  {}",
            paint(&text, tone_colour(verdict.tone()), options.colour)
        )?;
    }
    writeln!(out)?;

    writeln!(
        out,
        "Ran {} against {} in {}",
        counted(outcome.checks().count(), "check", "checks"),
        line(&outcome.target),
        seconds(outcome.duration)
    )?;
    if let Some(note) = throttle_note(outcome) {
        writeln!(out, "{note}")?;
    }
    writeln!(out, "{}", summary_line(&outcome.summary()))?;
    writeln!(out, "The run {}", run_result(outcome))
}

/// The findings, most urgent first, then the fails and warns that name no deviation (as their
/// check lines), then a blank line.
fn write_findings(out: &mut impl Write, outcome: &RunOutcome, colour: bool) -> io::Result<()> {
    let findings = Findings::of(outcome);
    writeln!(out, "{}", findings.summary())?;
    for (index, cause) in findings.causes.iter().enumerate() {
        writeln!(out)?;
        write_cause(out, index + 1, cause, outcome.fail_on, colour)?;
    }
    if !findings.ungrouped.is_empty() {
        writeln!(out, "\nWithout a named deviation")?;
        let id_column = findings
            .ungrouped
            .iter()
            .map(|c| line(&c.id).chars().count())
            .filter(|&width| width <= MAX_ID_COLUMN)
            .max()
            .unwrap_or(0);
        for check in &findings.ungrouped {
            write_check(out, check, id_column, outcome.fail_on, colour)?;
        }
    }
    writeln!(out)
}

/// The width of the labels under a finding's headline (`checks` and a space).
const FINDING_LABEL_WIDTH: usize = 7;
/// Where a finding's details start: under the headline's text, after `12. `.
const FINDING_INDENT: &str = "    ";
/// The check ids of a finding are wrapped to lines of about this many characters.
const CHECKS_LINE_WIDTH: usize = 100;

/// ```text
/// 1. Error `status` is a JSON number, not a string: 6 checks, RFC 7644 §3.12
///     MUST, error-status-not-string; breaks the IdP's own conformance test (app submission)
///     seen    GET /Users/x: the Error's `status` is the number 404, not the string "404"
///     Okta    Okta's SCIM spec test expects ...
///     fix     send "status": "404" (a string), not 404
///     checks  rfc7644.errors.unknown-user-404, ...
/// ```
/// The number is red when one of the checks fails the run, yellow otherwise.
fn write_cause(
    out: &mut impl Write,
    number: usize,
    cause: &Cause<'_>,
    fail_on: FailOn,
    colour: bool,
) -> io::Result<()> {
    let entry = cause.entry();
    let tone = if cause.blocks(fail_on) { RED } else { YELLOW };
    writeln!(
        out,
        "{} {}",
        paint(&format!("{number}."), tone, colour),
        cause.headline()
    )?;
    let mut kind = format!("{}, {}", entry.level.label(), entry.key);
    if let Some(breaks) = entry.breaks {
        kind.push_str(&format!("; breaks {}", breaks.label()));
    }
    writeln!(out, "{FINDING_INDENT}{kind}")?;
    let seen = cause.seen();
    let detail =
        |label: &str, text: &str| format!("{FINDING_INDENT}{label:<FINDING_LABEL_WIDTH$} {text}");
    writeln!(
        out,
        "{}",
        detail(
            "seen",
            &format!("{}: {}", line(&seen.location.to_string()), line(&seen.seen))
        )
    )?;
    for (label, text) in [("Okta", entry.okta), ("Entra", entry.entra)] {
        if let Some(text) = text {
            writeln!(out, "{}", detail(label, text))?;
        }
    }
    writeln!(out, "{}", detail("fix", entry.fix))?;
    let ids: Vec<String> = cause.checks.iter().map(|check| line(&check.id)).collect();
    let hanging = " ".repeat(FINDING_INDENT.len() + FINDING_LABEL_WIDTH + 1);
    for (index, row) in wrapped(&ids, CHECKS_LINE_WIDTH).iter().enumerate() {
        if index == 0 {
            writeln!(out, "{}", detail("checks", row))?;
        } else {
            writeln!(out, "{hanging}{row}")?;
        }
    }
    Ok(())
}

/// `items` joined with `, ` into lines of at most about `width` characters (an item longer
/// than that has a line of its own).
fn wrapped(items: &[String], width: usize) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let piece = if index + 1 < items.len() {
            format!("{item},")
        } else {
            item.clone()
        };
        match rows.last_mut() {
            Some(row) if row.chars().count() + 1 + piece.chars().count() <= width => {
                row.push(' ');
                row.push_str(&piece);
            }
            _ => rows.push(piece),
        }
    }
    rows
}

/// `    FAIL    rfc7644.filter.eq  eq matched a substring (MUST, RFC 7644 §3.4.2.2)`: a pass shows
/// its title, anything else its message and where the requirement comes from, at the level
/// that decided the verdict.
fn write_check(
    out: &mut impl Write,
    check: &CheckOutcome,
    id_column: usize,
    fail_on: FailOn,
    colour: bool,
) -> io::Result<()> {
    let (label, label_colour) = status_label(check, fail_on);
    let padded_label = format!("{label:<6}");
    let reason = match check.status {
        Status::Pass => line(&check.title),
        Status::Skip => line(&check.message),
        Status::Fail | Status::Warn | Status::Error => {
            let mut reason = line(&check.message);
            let level = if check.deciding_level == check.level {
                check.level.as_str().to_owned()
            } else {
                format!(
                    "{} in a {} check",
                    check.deciding_level.as_str(),
                    check.level.as_str()
                )
            };
            let mut source = [level.as_str(), check.rfc.trim()]
                .into_iter()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            if let Some(waiver) = &check.waiver {
                source.push_str(&format!("; waived {}: {waiver}", check.status.as_str()));
            }
            reason.push_str(&format!(" ({})", line(&source)));
            reason
        }
    };
    writeln!(
        out,
        "    {}  {:<id_column$}  {reason}",
        paint(&padded_label, label_colour, colour),
        line(&check.id),
    )
}

const EXCHANGE_INDENT: &str = "            ";

fn write_exchanges(out: &mut impl Write, check: &CheckOutcome) -> io::Result<()> {
    for exchange in &check.exchanges {
        let transcript = Transcript::of(exchange);
        for (marker, text) in [(">", &transcript.request), ("<", &transcript.response)] {
            for text_line in text.lines() {
                let marked = format!("{EXCHANGE_INDENT}{marker} {text_line}");
                writeln!(out, "{}", marked.trim_end())?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_wrap_between_items_and_a_long_one_has_its_line() {
        let ids: Vec<String> = ["aaaa", "bbbb", "cccc", "a-very-long-identifier"]
            .iter()
            .map(|id| (*id).to_owned())
            .collect();
        assert_eq!(
            wrapped(&ids, 12),
            ["aaaa, bbbb,", "cccc,", "a-very-long-identifier"]
        );
        assert_eq!(wrapped(&ids[..1], 12), ["aaaa"]);
        assert!(wrapped(&[], 12).is_empty());
    }
}
