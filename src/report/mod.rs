//! Reporters: sinks that turn a finished [`RunOutcome`] into text for people and for CI. Each
//! writes to an `impl io::Write` and reads only the outcome: it never sends HTTP, never opens
//! a file and never reads the clock (times come from the outcome).
//!
//! The formats are
//! the console listing ([`console`]), versioned JSON ([`json`]), JUnit XML ([`junit`]), Markdown
//! for issues and vendor tickets ([`markdown`]) and one self-contained HTML page ([`html`]).
//! Every one opens with the run's findings ([`findings`]: failures grouped by the deviation they
//! share, ranked by what breaks an identity provider's sync first); [`verdict`] computes the
//! per-suite verdict lines they all print.
//!
//! Exchanges and messages come from the server under test, so every reporter escapes them for
//! its medium; this module first makes them safe for a reader (control characters, ANSI escapes
//! and bidi overrides made visible, huge bodies cut) with `crate::text`. Otherwise it reads
//! only `runner::outcome`.

pub mod console;
pub mod findings;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod verdict;

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::exit::Exit;
use crate::runner::outcome::{CheckOutcome, Exchange, RunOutcome, Summary};
use crate::text::{Lines, for_terminal};

/// A file report format, as named in `--report FORMAT=FILE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `json`: the versioned wire format of [`json`].
    Json,
    /// `junit`: JUnit XML for CI.
    Junit,
    /// `md` (or `markdown`): for pasting into an issue.
    Markdown,
    /// `html`: one self-contained page.
    Html,
}

impl Format {
    /// Writes `outcome` in this format.
    pub fn write(self, outcome: &RunOutcome, out: &mut impl io::Write) -> io::Result<()> {
        match self {
            Format::Json => json::write(outcome, out),
            Format::Junit => junit::write(outcome, out),
            Format::Markdown => markdown::write(outcome, out),
            Format::Html => html::write(outcome, out),
        }
    }
}

/// An unknown name in `--report FORMAT=FILE`, or a missing `=FILE`: a usage error (exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ReportArgError(String);

impl ReportArgError {
    /// The exit code: a report request is command-line input.
    pub fn exit(&self) -> Exit {
        Exit::Usage
    }
}

impl FromStr for Format {
    type Err = ReportArgError;

    fn from_str(name: &str) -> Result<Format, ReportArgError> {
        match name.to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "junit" => Ok(Format::Junit),
            "md" | "markdown" => Ok(Format::Markdown),
            "html" => Ok(Format::Html),
            _ => Err(ReportArgError(format!(
                "unknown report format `{}`; expected json, junit, md or html",
                line(name)
            ))),
        }
    }
}

/// One `--report FORMAT=FILE` request: which format to write where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRequest {
    pub format: Format,
    /// Where to write it, as given (relative to the working directory).
    pub path: PathBuf,
}

impl FromStr for ReportRequest {
    type Err = ReportArgError;

    fn from_str(arg: &str) -> Result<ReportRequest, ReportArgError> {
        let Some((format, path)) = arg.split_once('=') else {
            return Err(ReportArgError(format!(
                "`{}` names no file; write FORMAT=FILE, such as json=report.json",
                line(arg)
            )));
        };
        if path.is_empty() {
            return Err(ReportArgError(format!(
                "`{}` names no file after `=`",
                line(arg)
            )));
        }
        Ok(ReportRequest {
            format: format.parse()?,
            path: PathBuf::from(path),
        })
    }
}

/// How much of a body a report shows; longer bodies are cut with a note of what was left out.
const MAX_BODY_CHARS: usize = 20_000;
/// How much of a message, header or URL a report shows.
const MAX_LINE_CHARS: usize = 2_000;

/// Server text made safe to show on one line.
pub(crate) fn line(text: &str) -> String {
    for_terminal(text.trim(), Lines::Escape, MAX_LINE_CHARS)
}

/// Server text made safe to show as a block: line breaks kept, everything else visible.
fn block(text: &str) -> String {
    for_terminal(text, Lines::Keep, MAX_BODY_CHARS)
}

/// The area a check belongs to: its first tag, else the second segment of its id
/// (`rfc7644.filter.eq` is in `filter`).
pub fn area(check: &CheckOutcome) -> &str {
    check
        .tags
        .first()
        .map(String::as_str)
        .or_else(|| check.id.split('.').nth(1))
        .filter(|area| !area.is_empty())
        .unwrap_or("other")
}

/// Checks grouped by [`area`], areas in order of first appearance, checks in their own order.
pub fn by_area(checks: &[CheckOutcome]) -> Vec<(&str, Vec<&CheckOutcome>)> {
    let mut groups: Vec<(&str, Vec<&CheckOutcome>)> = Vec::new();
    for check in checks {
        let name = area(check);
        match groups.iter_mut().find(|(area, _)| *area == name) {
            Some((_, members)) => members.push(check),
            None => groups.push((name, vec![check])),
        }
    }
    groups
}

/// One exchange as HTTP-like text, safe to show: the request and the response, each a header
/// block, a blank line and the body (JSON bodies pretty-printed).
pub(crate) struct Transcript {
    pub request: String,
    pub response: String,
}

impl Transcript {
    pub(crate) fn of(exchange: &Exchange) -> Transcript {
        let mut request = format!("{} {}", exchange.method, line(&exchange.url));
        append_headers_and_body(
            &mut request,
            &exchange.request_headers,
            exchange.request_body.as_deref(),
        );
        let elapsed = short_duration(exchange.elapsed);
        let mut response = match exchange.status {
            Some(status) => format!("HTTP {status} ({elapsed})"),
            None => format!("no response ({elapsed})"),
        };
        append_headers_and_body(
            &mut response,
            &exchange.response_headers,
            exchange.response_body.as_deref(),
        );
        Transcript { request, response }
    }
}

fn append_headers_and_body(text: &mut String, headers: &[(String, String)], body: Option<&str>) {
    for (name, value) in headers {
        text.push('\n');
        text.push_str(&line(name));
        text.push_str(": ");
        text.push_str(&line(value));
    }
    if let Some(body) = body.filter(|body| !body.is_empty()) {
        text.push_str("\n\n");
        text.push_str(&block(&pretty_body(body)));
    }
}

/// A JSON body pretty-printed (servers often send one long line); anything else as it came.
fn pretty_body(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .filter(|value| value.is_object() || value.is_array())
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| body.to_owned())
}

/// `1.50 s`: durations of runs.
pub(crate) fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

/// `12 ms` under a second, `1.50 s` from a second on: durations of checks and exchanges.
pub(crate) fn short_duration(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{} ms", duration.as_millis())
    } else {
        seconds(duration)
    }
}

/// The closing summary line: `12 passed, 1 failed`, then the other counts that are not zero.
pub fn summary_line(summary: &Summary) -> String {
    let mut parts = vec![
        format!("{} passed", summary.passed),
        format!("{} failed", summary.failed),
    ];
    for (count, word) in [
        (summary.warned, "warned"),
        (summary.skipped, "skipped"),
        (summary.errored, "errored"),
        (summary.waived, "waived"),
    ] {
        if count > 0 {
            parts.push(format!("{count} {word}"));
        }
    }
    parts.join(", ")
}

/// What the run comes to at its `--fail-on`, by the exit code's rule
/// ([`crate::runner::outcome::CheckOutcome::blocks`]): `passes at --fail-on must` or
/// `fails at --fail-on must (3 checks)`.
pub fn run_result(outcome: &RunOutcome) -> String {
    let fail_on = outcome.fail_on.as_str();
    match outcome.blocking().count() {
        0 => format!("passes at --fail-on {fail_on}"),
        blocking => format!(
            "fails at --fail-on {fail_on} ({})",
            counted(blocking, "check", "checks")
        ),
    }
}

/// `1 check`, `3 checks`.
pub(crate) fn counted<N>(count: N, one: &str, many: &str) -> String
where
    N: fmt::Display + PartialEq + From<u8>,
{
    let word = if count == N::from(1) { one } else { many };
    format!("{count} {word}")
}

/// The line about 429 answers, when there were any: they are never failures, but they slow a
/// run and a user should know why it took long.
pub(crate) fn throttle_note(outcome: &RunOutcome) -> Option<String> {
    (outcome.throttled > 0).then(|| {
        format!(
            "throttled: {} 429 Too Many Requests, waited {} in all",
            counted(outcome.throttled, "answer was", "answers were"),
            seconds(outcome.throttle_wait)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::outcome::{Level, Status};

    fn check(id: &str, tags: &[&str]) -> CheckOutcome {
        CheckOutcome {
            id: id.to_owned(),
            title: String::new(),
            suite: "rfc7644".to_owned(),
            level: Level::Must,
            deciding_level: Level::Must,
            status: Status::Pass,
            waiver: None,
            rfc: String::new(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            message: String::new(),
            finding: None,
            duration: Duration::ZERO,
            exchanges: Vec::new(),
        }
    }

    #[test]
    fn the_area_is_the_first_tag_else_the_ids_second_segment() {
        assert_eq!(
            area(&check("rfc7644.filter.eq", &["paging", "x"])),
            "paging"
        );
        assert_eq!(area(&check("rfc7644.filter.eq", &[])), "filter");
        assert_eq!(area(&check("lonely", &[])), "other");
        assert_eq!(area(&check("a..b", &[])), "other");
    }

    #[test]
    fn areas_keep_the_order_of_first_appearance() {
        let checks = [
            check("s.b.one", &[]),
            check("s.a.two", &[]),
            check("s.b.three", &[]),
        ];
        let groups = by_area(&checks);
        let names: Vec<_> = groups
            .iter()
            .map(|(area, members)| {
                (
                    *area,
                    members.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [("b", vec!["s.b.one", "s.b.three"]), ("a", vec!["s.a.two"])]
        );
    }

    #[test]
    fn report_requests_name_a_format_and_a_file() {
        let request: ReportRequest = "junit=out/r.xml".parse().expect("valid");
        assert_eq!(request.format, Format::Junit);
        assert_eq!(request.path, PathBuf::from("out/r.xml"));
        assert_eq!(
            "Markdown=r.md".parse::<ReportRequest>().map(|r| r.format),
            Ok(Format::Markdown)
        );
        assert_eq!(
            "xml=r.xml"
                .parse::<ReportRequest>()
                .map_err(|e| e.to_string()),
            Err("unknown report format `xml`; expected json, junit, md or html".to_owned())
        );
        assert_eq!(
            "r.json".parse::<ReportRequest>().map_err(|e| e.to_string()),
            Err("`r.json` names no file; write FORMAT=FILE, such as json=report.json".to_owned())
        );
        assert!("json=".parse::<ReportRequest>().is_err());
    }

    #[test]
    fn a_transcript_escapes_controls_and_pretty_prints_json() {
        let exchange = Exchange {
            method: crate::scim::method::Method::Post,
            url: "http://h/Users".to_owned(),
            request_headers: vec![("X-Note".to_owned(), "a\u{1b}[31mb".to_owned())],
            request_body: Some(r#"{"userName":"x"}"#.to_owned()),
            status: None,
            response_headers: Vec::new(),
            response_body: None,
            elapsed: Duration::from_millis(7),
        };
        let transcript = Transcript::of(&exchange);
        assert_eq!(
            transcript.request,
            "POST http://h/Users\nX-Note: a\\u{1b}[31mb\n\n{\n  \"userName\": \"x\"\n}"
        );
        assert_eq!(transcript.response, "no response (7 ms)");
    }
}
