//! The HTML report (`--report html=FILE`): one self-contained page, inline CSS and JS, no
//! external resource (a Content-Security-Policy forbids loading any).
//!
//! The header shows the target, the date and each suite's verdict; then come the findings (each
//! cause with what was seen, what it breaks in an identity provider's sync, its fix and its
//! checks), every area's bar of verdicts in one block so a reader sees at a glance where the
//! server stands, then the checks by suite and area, each area headed by its bar again. Counters and a filter bar (status
//! checkboxes, a text search) narrow the list of checks; each check expands to its message and
//! exchanges. The rows are rendered here, so the page reads without JS; the script
//! only filters. The filter state lives in the URL hash (`#status=fail,error&q=patch`), which
//! makes a filtered view linkable and lets a test drive it. When the script has applied the
//! filter it sets `data-ready="1"` on `<body>`. All server text is HTML-escaped.

use std::io::{self, Write};

use super::findings::{Cause, Findings};
use super::verdict::{SuiteVerdict, Tone};
use super::{Transcript, by_area, line, run_result, seconds, short_duration, throttle_note};
use crate::runner::outcome::{CheckOutcome, FailOn, RunOutcome, Status, SuiteOutcome};

/// The filter bar's categories in order, with their plural labels: the statuses, and the waived
/// fails and warns apart from them.
const CATEGORIES: [(&str, &str); 6] = [
    ("fail", "failed"),
    ("error", "errored"),
    ("warn", "warned"),
    ("waived", "waived"),
    ("skip", "skipped"),
    ("pass", "passed"),
];

/// A check's filter category: `waived` for a waived fail or warn, else its status.
fn category(check: &CheckOutcome) -> &'static str {
    if check.waiver.is_some() {
        "waived"
    } else {
        check.status.as_str()
    }
}

/// Shown when the page opens without a filter in its hash: what needs attention, and what was
/// accepted as it is.
fn shown_by_default(category: &str) -> bool {
    matches!(category, "fail" | "error" | "warn" | "waived")
}

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

/// Writes the HTML report of `outcome`.
pub fn write(outcome: &RunOutcome, out: &mut impl Write) -> io::Result<()> {
    let target = text(&outcome.target);
    writeln!(out, "<!doctype html>\n<html lang=\"en\">\n<head>")?;
    writeln!(out, "<meta charset=\"utf-8\">")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
    )?;
    writeln!(out, "<title>SCIM conformance: {target}</title>")?;
    writeln!(out, "<style>\n{STYLE}</style>\n</head>\n<body>")?;

    write_header(out, outcome)?;
    write_findings(out, outcome)?;
    write_overview(out, outcome)?;
    write_filters(out, outcome)?;
    writeln!(out, "<main>")?;
    for suite in &outcome.suites {
        write_suite(out, suite, outcome.fail_on)?;
    }
    writeln!(
        out,
        "<p id=\"nothing-shown\" class=\"empty\" hidden>No check matches this filter.</p>"
    )?;
    writeln!(out, "</main>")?;
    writeln!(out, "<script>\n{SCRIPT}</script>\n</body>\n</html>")
}

fn write_header(out: &mut impl Write, outcome: &RunOutcome) -> io::Result<()> {
    writeln!(out, "<header>\n<h1>SCIM conformance report</h1>")?;
    writeln!(
        out,
        "<p class=\"run\"><span class=\"target\">{}</span> <span>started {}</span> \
         <span>took {}</span></p>",
        text(&outcome.target),
        text(&outcome.started),
        seconds(outcome.duration)
    )?;
    writeln!(out, "<ul class=\"verdicts\">")?;
    for suite in &outcome.suites {
        let verdict = SuiteVerdict::of(suite, outcome.fail_on);
        writeln!(
            out,
            "<li class=\"verdict {}\"><span class=\"suite-title\">{}</span> \
             <span class=\"judgement\">{}</span></li>",
            tone_class(verdict.tone()),
            text(&verdict.title),
            text(&verdict.judgement.to_string())
        )?;
    }
    writeln!(out, "</ul>")?;
    writeln!(
        out,
        "<p class=\"result\">The run {}.</p>",
        text(&run_result(outcome))
    )?;
    if let Some(note) = throttle_note(outcome) {
        writeln!(out, "<p class=\"throttled\">{}</p>", text(&note))?;
    }
    writeln!(out, "</header>")
}

fn write_findings(out: &mut impl Write, outcome: &RunOutcome) -> io::Result<()> {
    let findings = Findings::of(outcome);
    writeln!(
        out,
        "<section id=\"findings\" class=\"findings\">\n<h2>Findings</h2>"
    )?;
    writeln!(
        out,
        "<p class=\"findings-summary\">{}.</p>",
        text(&findings.summary())
    )?;
    if !findings.causes.is_empty() {
        writeln!(out, "<ol class=\"causes\">")?;
        for cause in &findings.causes {
            write_cause(out, cause, outcome.fail_on)?;
        }
        writeln!(out, "</ol>")?;
    }
    if !findings.ungrouped.is_empty() {
        writeln!(
            out,
            "<h3>Without a named deviation</h3>\n<ul class=\"ungrouped\">"
        )?;
        for check in &findings.ungrouped {
            let status = category(check);
            writeln!(
                out,
                "<li><span class=\"status {status}\">{status}</span> <code class=\"id\">{}</code> \
                 {}</li>",
                text(&check.id),
                text(&check.message)
            )?;
        }
        writeln!(out, "</ul>")?;
    }
    writeln!(out, "</section>")
}

/// One finding: its headline, then what it is, what it breaks, what was seen, what Okta and
/// Entra do with it, the fix and its checks. Red when one of its checks fails the run.
fn write_cause(out: &mut impl Write, cause: &Cause<'_>, fail_on: FailOn) -> io::Result<()> {
    let entry = cause.entry();
    let tone = if cause.blocks(fail_on) {
        Tone::Bad
    } else {
        Tone::Warning
    };
    writeln!(
        out,
        "<li class=\"cause {}\" data-key=\"{}\">\n<p class=\"headline\">{}</p>\n<dl>",
        tone_class(tone),
        text(entry.key),
        catalogue_text(&cause.headline())
    )?;
    writeln!(
        out,
        "<dt>Kind</dt><dd>{} · <code>{}</code></dd>",
        text(entry.level.label()),
        text(entry.key)
    )?;
    if let Some(breaks) = entry.breaks {
        writeln!(out, "<dt>Breaks</dt><dd>{}</dd>", text(breaks.label()))?;
    }
    let seen = cause.seen();
    writeln!(
        out,
        "<dt>Seen</dt><dd><code>{}</code>: {}</dd>",
        text(&seen.location.to_string()),
        text(&seen.seen)
    )?;
    for (label, said) in [("Okta", entry.okta), ("Entra", entry.entra)] {
        if let Some(said) = said {
            writeln!(out, "<dt>{label}</dt><dd>{}</dd>", catalogue_text(said))?;
        }
    }
    writeln!(out, "<dt>Fix</dt><dd>{}</dd>", catalogue_text(entry.fix))?;
    let ids: Vec<String> = cause
        .checks
        .iter()
        .map(|check| format!("<code class=\"id\">{}</code>", text(&check.id)))
        .collect();
    writeln!(
        out,
        "<dt>Checks</dt><dd class=\"checks\">{}</dd>\n</dl>\n</li>",
        ids.join(" ")
    )
}

fn write_filters(out: &mut impl Write, outcome: &RunOutcome) -> io::Result<()> {
    let summary = outcome.summary();
    writeln!(out, "<form id=\"filters\" class=\"filters\">")?;
    for (name, label) in CATEGORIES {
        let count = match name {
            "pass" => summary.passed,
            "fail" => summary.failed,
            "warn" => summary.warned,
            "skip" => summary.skipped,
            "error" => summary.errored,
            _ => summary.waived,
        };
        writeln!(
            out,
            "<label class=\"counter {name}\"><input type=\"checkbox\" name=\"status\" \
             value=\"{name}\"{checked}><span class=\"count\">{count}</span> {label}</label>",
            checked = if shown_by_default(name) {
                " checked"
            } else {
                ""
            },
        )?;
    }
    writeln!(
        out,
        "<input id=\"search\" type=\"search\" placeholder=\"Search ids, titles, messages\" \
         aria-label=\"Search checks\">"
    )?;
    writeln!(out, "<span id=\"shown\" aria-live=\"polite\"></span>")?;
    writeln!(
        out,
        "<button id=\"expand\" type=\"button\">Expand shown</button>\n</form>"
    )
}

fn write_suite(out: &mut impl Write, suite: &SuiteOutcome, fail_on: FailOn) -> io::Result<()> {
    let verdict = SuiteVerdict::of(suite, fail_on);
    writeln!(out, "<section class=\"suite\">")?;
    writeln!(
        out,
        "<h2>{} <span class=\"suite-name\">{}</span> <span class=\"judgement {}\">{}</span></h2>",
        text(&suite.title),
        text(&suite.name),
        tone_class(verdict.tone()),
        text(&verdict.judgement.to_string())
    )?;
    for (area, checks) in by_area(&suite.checks) {
        writeln!(out, "<section class=\"area\">\n<h3>{}</h3>", text(area))?;
        writeln!(out, "{}", tally(&checks))?;
        for check in checks {
            write_check(out, check)?;
        }
        writeln!(out, "</section>")?;
    }
    writeln!(out, "</section>")
}

/// The order of an area's bar: what passed first, then what needs attention, then the rest.
const BAR_ORDER: [&str; 6] = ["pass", "fail", "error", "warn", "waived", "skip"];

/// Every area of every suite with the bar of its verdicts, in one block: where the server
/// stands at a glance, whatever the filter below shows.
fn write_overview(out: &mut impl Write, outcome: &RunOutcome) -> io::Result<()> {
    writeln!(
        out,
        "<section id=\"areas\" class=\"overview\">\n<h2>By area</h2>"
    )?;
    for suite in &outcome.suites {
        writeln!(
            out,
            "<h3>{}</h3>\n<dl class=\"area-bars\">",
            text(&suite.title)
        )?;
        for (area, checks) in by_area(&suite.checks) {
            writeln!(out, "<dt>{}</dt><dd>{}</dd>", text(area), tally(&checks))?;
        }
        writeln!(out, "</dl>")?;
    }
    writeln!(out, "</section>")
}

/// An area's verdicts as a bar, one segment per category as wide as its share of the checks,
/// and the same counts in words (`3 passed, 1 failed`).
fn tally(checks: &[&CheckOutcome]) -> String {
    let counts: Vec<(&str, usize)> = BAR_ORDER
        .iter()
        .map(|&name| {
            let count = checks.iter().filter(|c| category(c) == name).count();
            (name, count)
        })
        .filter(|(_, count)| *count > 0)
        .collect();
    let words: Vec<String> = counts
        .iter()
        .map(|(name, count)| {
            let label = CATEGORIES
                .iter()
                .find(|(category, _)| category == name)
                .map_or(*name, |(_, label)| *label);
            format!("{count} {label}")
        })
        .collect();
    let words = words.join(", ");
    let segments: String = counts
        .iter()
        .map(|(name, count)| format!("<span class=\"{name}\" style=\"flex-grow: {count}\"></span>"))
        .collect();
    format!(
        "<p class=\"tally\"><span class=\"bar\" role=\"img\" aria-label=\"{words}\">{segments}\
         </span> <span class=\"tally-text\">{words}</span></p>"
    )
}

fn write_check(out: &mut impl Write, check: &CheckOutcome) -> io::Result<()> {
    let status = category(check);
    writeln!(out, "<details class=\"check\" data-status=\"{status}\">")?;
    // A check that did not pass shows why under its title, so a reader scanning the list need
    // not expand every row; a waived one leads with its verdict.
    let why = match (&check.waiver, check.status) {
        (_, Status::Pass) => String::new(),
        (Some(_), verdict) => format!(
            "<span class=\"why\">{}: {}</span>",
            verdict.as_str(),
            text(&check.message)
        ),
        (None, _) => format!("<span class=\"why\">{}</span>", text(&check.message)),
    };
    writeln!(
        out,
        "<summary><span class=\"status {status}\">{status}</span> \
         <code class=\"id\">{}</code> <span class=\"title\"><span>{}</span>{why}</span> \
         <span class=\"level\">{}</span></summary>",
        text(&check.id),
        text(&check.title),
        text(check.deciding_level.as_str())
    )?;
    writeln!(out, "<div class=\"detail\">")?;
    writeln!(out, "<p class=\"message\">{}</p>", text(&check.message))?;
    writeln!(out, "<dl>")?;
    let level = if check.deciding_level == check.level {
        text(check.level.as_str())
    } else {
        format!(
            "{} (in a {} check)",
            text(check.deciding_level.as_str()),
            text(check.level.as_str())
        )
    };
    writeln!(
        out,
        "<dt>Requirement</dt><dd>{level} · {}</dd>",
        text(&check.rfc)
    )?;
    if let Some(reason) = &check.waiver {
        writeln!(
            out,
            "<dt>Waived</dt><dd>{} (verdict: {})</dd>",
            text(reason),
            check.status.as_str()
        )?;
    }
    if !check.tags.is_empty() {
        let tags: Vec<String> = check
            .tags
            .iter()
            .map(|tag| format!("<span class=\"tag\">{}</span>", text(tag)))
            .collect();
        writeln!(out, "<dt>Tags</dt><dd>{}</dd>", tags.join(" "))?;
    }
    writeln!(
        out,
        "<dt>Duration</dt><dd>{}</dd>\n</dl>",
        short_duration(check.duration)
    )?;
    for exchange in &check.exchanges {
        let transcript = Transcript::of(exchange);
        writeln!(
            out,
            "<div class=\"exchange\"><h4>Request</h4><pre>{}</pre>\
             <h4>Response</h4><pre>{}</pre></div>",
            escape(&transcript.request),
            escape(&transcript.response)
        )?;
    }
    writeln!(out, "</div>\n</details>")
}

fn tone_class(tone: Tone) -> &'static str {
    match tone {
        Tone::Good => "good",
        Tone::Warning => "warning",
        Tone::Bad => "bad",
        Tone::Untested => "untested",
    }
}

/// Server text for an HTML text node or attribute: on one line, controls visible, escaped.
fn text(raw: &str) -> String {
    escape(&line(raw))
}

/// The findings catalogue's own text (never a server's), escaped, with what it writes between
/// backticks set as code.
fn catalogue_text(raw: &str) -> String {
    let shown = line(raw);
    let pieces: Vec<&str> = shown.split('`').collect();
    if pieces.len() % 2 == 0 {
        return escape(&shown);
    }
    pieces
        .iter()
        .enumerate()
        .map(|(index, piece)| {
            if index % 2 == 1 {
                format!("<code>{}</code>", escape(piece))
            } else {
                escape(piece)
            }
        })
        .collect()
}

/// Escapes the five characters that can end a text node or a quoted attribute.
fn escape(raw: &str) -> String {
    let mut escaped = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_server_text_is_escaped() {
        assert_eq!(
            text("<img src=x onerror='a()'> & \"q\""),
            "&lt;img src=x onerror=&#39;a()&#39;&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(text("bell\u{7}"), "bell\\u{7}");
    }

    #[test]
    fn the_catalogues_code_is_set_as_code_and_its_text_escaped() {
        assert_eq!(
            catalogue_text("send `\"status\": \"404\"` & <b>"),
            "send <code>&quot;status&quot;: &quot;404&quot;</code> &amp; &lt;b&gt;"
        );
        assert_eq!(catalogue_text("one ` alone"), "one ` alone");
    }
}
