//! The console report: every check on one line, grouped by suite and area, then a verdict line
//! per suite and a closing summary line. With `verbose`, the exchanges of failing, warning and
//! erroring checks follow their line, request lines marked `>` and response lines `<`.
//!
//! Colour is the caller's decision (terminal, `NO_COLOR`, `--color`); this module only applies
//! it. Server text is escaped so it cannot move the cursor or recolour the terminal.

use std::io::{self, Write};

use super::verdict::{SuiteVerdict, Tone};
use super::{Transcript, by_area, counted, line, seconds, summary_line, throttle_note};
use crate::runner::outcome::{CheckOutcome, RunOutcome, Status};

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

struct Painter {
    colour: bool,
}

impl Painter {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_owned()
        }
    }
}

fn status_label(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Pass => ("PASS", GREEN),
        Status::Fail => ("FAIL", RED),
        Status::Warn => ("WARN", YELLOW),
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
    let painter = Painter {
        colour: options.colour,
    };
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
                write_check(out, check, id_column, &painter)?;
                if options.verbose {
                    write_exchanges(out, check)?;
                }
            }
        }
        writeln!(out)?;
    }

    writeln!(out, "Verdicts")?;
    for suite in &outcome.suites {
        let verdict = SuiteVerdict::of(suite);
        let text = line(&verdict.to_string());
        writeln!(
            out,
            "  {}",
            painter.paint(tone_colour(verdict.tone()), &text)
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
    writeln!(out, "{}", summary_line(&outcome.summary()))
}

/// `    FAIL   rfc7644.filter.eq  eq matched a substring (MUST, RFC 7644 §3.4.2.2)`: a pass shows
/// its title, anything else its message and where the requirement comes from.
fn write_check(
    out: &mut impl Write,
    check: &CheckOutcome,
    id_column: usize,
    painter: &Painter,
) -> io::Result<()> {
    let (label, colour) = status_label(check.status);
    let padded_label = format!("{label:<5}");
    let reason = match check.status {
        Status::Pass => line(&check.title),
        Status::Skip => line(&check.message),
        _ => {
            let mut reason = line(&check.message);
            let source = [check.level.as_str(), check.rfc.trim()]
                .into_iter()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            reason.push_str(&format!(" ({})", line(&source)));
            reason
        }
    };
    writeln!(
        out,
        "    {}  {:<id_column$}  {reason}",
        painter.paint(colour, &padded_label),
        line(&check.id),
    )
}

const EXCHANGE_INDENT: &str = "           ";

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
