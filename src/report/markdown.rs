//! The Markdown report (`--report md=FILE`), for pasting into an issue or a vendor ticket. It
//! writes what the outcome says and lets no server text become markup.
//!
//! It leads with what a vendor needs to act on: the findings (each cause with what was seen,
//! what it breaks in an identity provider's sync, its fix and its checks), the verdicts, a
//! table of failures, errors and warnings, a table of the waived ones (verdict and reason),
//! then each of their exchanges in a fenced block. Passes are only counted and skips folded away. Levels are the ones that
//! decided each verdict. Server text is escaped so a message cannot become markup, raw HTML or a
//! broken table, and fences are longer than any run of backticks inside them.

use std::io::{self, Write};

use super::findings::{Cause, Findings};
use super::verdict::SuiteVerdict;
use super::{Transcript, counted, line, run_result, seconds, summary_line, throttle_note};
use crate::runner::outcome::{CheckOutcome, RunOutcome, Status};

/// Statuses a vendor has to act on, worst first.
const NOTEWORTHY: [Status; 3] = [Status::Fail, Status::Error, Status::Warn];

/// Writes the Markdown report of `outcome`.
pub fn write(outcome: &RunOutcome, out: &mut impl Write) -> io::Result<()> {
    let date = outcome.started.split('T').next().unwrap_or_default();
    writeln!(
        out,
        "# SCIM conformance of {}, {}\n",
        inline(&outcome.target),
        inline(date)
    )?;
    writeln!(
        out,
        "Run by scimctl, started {}, took {}.\n",
        inline(&outcome.started),
        seconds(outcome.duration)
    )?;

    write_findings(out, outcome)?;

    writeln!(out, "## Verdicts\n")?;
    for suite in &outcome.suites {
        let verdict = SuiteVerdict::of(suite, outcome.fail_on);
        writeln!(
            out,
            "- **{}**: {}",
            inline(&verdict.title),
            inline(&verdict.judgement.to_string())
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "**{}**; the run {}.",
        summary_line(&outcome.summary()),
        run_result(outcome)
    )?;
    if let Some(note) = throttle_note(outcome) {
        writeln!(out, "\n{}", inline(&note))?;
    }

    let noteworthy: Vec<&CheckOutcome> = NOTEWORTHY
        .iter()
        .flat_map(|&status| {
            outcome
                .checks()
                .filter(move |c| c.status == status && c.waiver.is_none())
        })
        .collect();
    let waived: Vec<&CheckOutcome> = outcome.checks().filter(|c| c.waiver.is_some()).collect();
    if !noteworthy.is_empty() {
        write_table(out, &noteworthy)?;
    }
    if !waived.is_empty() {
        write_waived(out, &waived)?;
    }
    if !noteworthy.is_empty() || !waived.is_empty() {
        writeln!(out, "\n## Details")?;
        for check in noteworthy.iter().chain(&waived) {
            write_details(out, check)?;
        }
    }

    let skipped: Vec<&CheckOutcome> = outcome
        .checks()
        .filter(|c| c.status == Status::Skip)
        .collect();
    if !skipped.is_empty() {
        write_skipped(out, &skipped)?;
    }

    writeln!(
        out,
        "\n{} passed.",
        counted(outcome.summary().passed, "check", "checks")
    )
}

fn write_findings(out: &mut impl Write, outcome: &RunOutcome) -> io::Result<()> {
    let findings = Findings::of(outcome);
    writeln!(out, "## Findings\n")?;
    writeln!(out, "{}.", inline(&findings.summary()))?;
    for (index, cause) in findings.causes.iter().enumerate() {
        write_cause(out, index + 1, cause)?;
    }
    if !findings.ungrouped.is_empty() {
        writeln!(out, "\n### Without a named deviation\n")?;
        for check in &findings.ungrouped {
            writeln!(
                out,
                "- **{}** {}: {}",
                check.status.as_str().to_ascii_uppercase(),
                inline(&check.id),
                inline(&check.message)
            )?;
        }
    }
    writeln!(out)
}

/// One finding: its headline, then what it is, what was seen, what Okta and Entra do with it,
/// the fix and the checks, one item each.
fn write_cause(out: &mut impl Write, number: usize, cause: &Cause<'_>) -> io::Result<()> {
    let entry = cause.entry();
    writeln!(out, "\n### {number}. {}\n", inline(&cause.headline()))?;
    let mut kind = format!("- **{}**, {}", entry.level.label(), inline(entry.key));
    if let Some(breaks) = entry.breaks {
        kind.push_str(&format!("; breaks {}", inline(breaks.label())));
    }
    writeln!(out, "{kind}")?;
    let seen = cause.seen();
    writeln!(
        out,
        "- Seen: {}: {}",
        inline(&seen.location.to_string()),
        inline(&seen.seen)
    )?;
    for (label, text) in [("Okta", entry.okta), ("Entra", entry.entra)] {
        if let Some(text) = text {
            writeln!(out, "- {label}: {}", inline(text))?;
        }
    }
    writeln!(out, "- Fix: {}", inline(entry.fix))?;
    let ids: Vec<String> = cause.checks.iter().map(|check| inline(&check.id)).collect();
    writeln!(out, "- Checks: {}", ids.join(", "))
}

fn write_table(out: &mut impl Write, checks: &[&CheckOutcome]) -> io::Result<()> {
    write_checks(
        out,
        "Failures, errors and warnings",
        ["Status", "RFC"],
        checks,
        |check| inline(&check.rfc),
    )
}

fn write_waived(out: &mut impl Write, checks: &[&CheckOutcome]) -> io::Result<()> {
    write_checks(out, "Waived", ["Verdict", "Waiver"], checks, |check| {
        inline(check.waiver.as_deref().unwrap_or_default())
    })
}

/// A section with one row per check: its status, id, deciding level, the column `fourth`
/// fills, and its message. `names` are the headings of the first and fourth columns.
fn write_checks(
    out: &mut impl Write,
    title: &str,
    names: [&str; 2],
    checks: &[&CheckOutcome],
    fourth: impl Fn(&CheckOutcome) -> String,
) -> io::Result<()> {
    let [first, fourth_name] = names;
    writeln!(out, "\n## {title}\n")?;
    writeln!(out, "| {first} | Check | Level | {fourth_name} | Message |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for check in checks {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            check.status.as_str().to_ascii_uppercase(),
            inline(&check.id),
            inline(check.deciding_level.as_str()),
            fourth(check),
            inline(&check.message)
        )?;
    }
    Ok(())
}

fn write_details(out: &mut impl Write, check: &CheckOutcome) -> io::Result<()> {
    let waived = if check.waiver.is_some() {
        " (waived)"
    } else {
        ""
    };
    writeln!(
        out,
        "\n### {}{waived} {}: {}\n",
        check.status.as_str().to_ascii_uppercase(),
        inline(&check.id),
        inline(&check.title)
    )?;
    // The level leads, so server text never starts a line where it could open a list or heading.
    writeln!(
        out,
        "**{}**, {}: {}",
        inline(check.deciding_level.as_str()),
        inline(&check.rfc),
        inline(&check.message)
    )?;
    if let Some(reason) = &check.waiver {
        writeln!(out, "\nWaived: {}", inline(reason))?;
    }
    for exchange in &check.exchanges {
        let transcript = Transcript::of(exchange);
        writeln!(out)?;
        fenced(
            out,
            &format!("{}\n\n{}", transcript.request, transcript.response),
        )?;
    }
    Ok(())
}

fn write_skipped(out: &mut impl Write, checks: &[&CheckOutcome]) -> io::Result<()> {
    writeln!(
        out,
        "\n<details><summary>{} skipped</summary>\n",
        counted(checks.len(), "check", "checks")
    )?;
    writeln!(out, "| Check | Why |")?;
    writeln!(out, "|---|---|")?;
    for check in checks {
        writeln!(
            out,
            "| {} | {} |",
            inline(&check.id),
            inline(&check.message)
        )?;
    }
    writeln!(out, "\n</details>")
}

/// A fenced code block whose fence no line of `text` can close early.
fn fenced(out: &mut impl Write, text: &str) -> io::Result<()> {
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest_run + 1).max(3));
    writeln!(out, "{fence}http\n{text}\n{fence}")
}

/// Server text as inline Markdown that renders literally: one line, every character that could
/// start markup (emphasis, links, HTML, table cells, code) backslash-escaped.
fn inline(text: &str) -> String {
    let mut escaped = String::new();
    for c in line(text).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '!'
        ) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_text_cannot_become_markup_or_break_a_table() {
        assert_eq!(
            inline("<script>a|b</script> *x* [l](u)"),
            r"\<script\>a\|b\</script\> \*x\* \[l\](u)"
        );
        assert_eq!(inline("two\nlines"), r"two\\nlines");
    }

    #[test]
    fn a_fence_outlasts_the_backticks_inside_it() {
        let mut out = Vec::new();
        fenced(&mut out, "a ```` b").expect("writes to memory");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "`````http\na ```` b\n`````\n"
        );
    }
}
