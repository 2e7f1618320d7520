//! Robustness: whatever text a server (or a suite file) puts into an outcome, every reporter
//! writes a report without panicking, the JSON report keeps the text verbatim, and the HTML and
//! Markdown reports never let it become markup.

use std::time::Duration;

use proptest::prelude::*;
use scimctl::findings::{Deviation, Finding, Location};
use scimctl::report::console::{self, ConsoleOptions};
use scimctl::report::{Format, html, json, markdown};
use scimctl::runner::outcome::{
    CheckOutcome, Exchange, FailOn, Level, RunOutcome, Status, SuiteOutcome,
};
use scimctl::scim::method::Method;
use serde_json::Value;

/// Text with the characters that break media: markup, Markdown, control characters, bidi
/// overrides, quotes and backticks, mixed with any Unicode.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[<>&\"'`|*_#\\[\\]\\\\\u{1b}\u{7}\r\n\t\u{202e}\u{85} a-zé✗]{0,40}",
        any::<String>(),
        Just("<script>alert(1)</script>".to_owned()),
        Just("```\n</pre><img src=x onerror=alert(1)>".to_owned()),
    ]
}

fn level() -> impl Strategy<Value = Level> {
    prop_oneof![
        Just(Level::Must),
        Just(Level::Should),
        Just(Level::May),
        Just(Level::InteropOkta),
        Just(Level::InteropEntra),
    ]
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Pass),
        Just(Status::Fail),
        Just(Status::Warn),
        Just(Status::Skip),
        Just(Status::Error),
    ]
}

fn fail_on() -> impl Strategy<Value = FailOn> {
    prop_oneof![
        Just(FailOn::Must),
        Just(FailOn::Interop),
        Just(FailOn::Should)
    ]
}

/// Any method: an enum, so a hostile method cannot reach a report.
fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::Get),
        Just(Method::Head),
        Just(Method::Post),
        Just(Method::Put),
        Just(Method::Patch),
        Just(Method::Delete),
    ]
}

fn exchange() -> impl Strategy<Value = Exchange> {
    (
        method(),
        hostile_text(),
        prop::collection::vec((hostile_text(), hostile_text()), 0..3),
        prop::option::of(hostile_text()),
        prop::option::of(any::<u16>()),
        prop::option::of(hostile_text()),
        any::<u64>(),
    )
        .prop_map(
            |(method, url, headers, request_body, status, response_body, nanos)| Exchange {
                method,
                url,
                request_headers: headers.clone(),
                request_body,
                status,
                response_headers: headers,
                response_body,
                elapsed: Duration::from_nanos(nanos),
            },
        )
}

/// What a failure is a finding of: any deviation, at a hostile request, having seen hostile
/// text (the reports group checks by it and quote both).
fn finding() -> impl Strategy<Value = Finding> {
    (
        prop::sample::select(Deviation::ALL),
        hostile_text(),
        hostile_text(),
    )
        .prop_map(|(deviation, request, seen)| {
            Finding::new(deviation, Location::request(request), seen)
        })
}

fn check() -> impl Strategy<Value = CheckOutcome> {
    (
        (hostile_text(), hostile_text(), hostile_text()),
        (level(), level()),
        (status(), prop::option::of(hostile_text())),
        hostile_text(),
        prop::collection::vec(hostile_text(), 0..3),
        (hostile_text(), prop::option::of(finding())),
        prop::collection::vec(exchange(), 0..2),
    )
        .prop_map(
            |(
                (id, title, suite),
                (level, deciding_level),
                (status, waiver),
                rfc,
                tags,
                (message, finding),
                exchanges,
            )| CheckOutcome {
                id,
                title,
                suite,
                level,
                deciding_level,
                status,
                waiver,
                rfc,
                tags,
                message,
                finding,
                duration: Duration::from_millis(3),
                exchanges,
            },
        )
}

fn outcome() -> impl Strategy<Value = RunOutcome> {
    (
        hostile_text(),
        hostile_text(),
        prop::collection::vec(
            (
                hostile_text(),
                hostile_text(),
                prop::collection::vec(check(), 0..4),
            ),
            0..3,
        ),
        any::<u64>(),
        fail_on(),
    )
        .prop_map(|(target, started, suites, throttled, fail_on)| RunOutcome {
            target,
            started,
            duration: Duration::from_secs(1),
            suites: suites
                .into_iter()
                .map(|(name, title, checks)| SuiteOutcome {
                    name,
                    title,
                    checks,
                })
                .collect(),
            throttled,
            throttle_wait: Duration::from_secs(throttled % 1000),
            fail_on,
        })
}

fn rendered(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("reports are UTF-8")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_reporter_writes_any_outcome(outcome in outcome()) {
        for format in [Format::Json, Format::Junit, Format::Markdown, Format::Html] {
            rendered(|out| format.write(&outcome, out));
        }
        for verbose in [false, true] {
            let text = rendered(|out| {
                console::write(&outcome, ConsoleOptions { colour: false, verbose }, out)
            });
            prop_assert!(!text.contains('\x1b'), "a raw ESC reached the console");
        }
    }

    #[test]
    fn the_json_report_keeps_server_text_verbatim(outcome in outcome()) {
        let report: Value = serde_json::from_str(&rendered(|out| json::write(&outcome, out)))
            .expect("the report is JSON");
        let messages: Vec<&str> = report["checks"]
            .as_array()
            .expect("checks is an array")
            .iter()
            .map(|check| check["message"].as_str().unwrap_or_default())
            .collect();
        let expected: Vec<&str> = outcome.checks().map(|c| c.message.as_str()).collect();
        prop_assert_eq!(messages, expected);
    }

    #[test]
    fn server_text_never_becomes_html(outcome in outcome()) {
        let page = rendered(|out| html::write(&outcome, out));
        prop_assert_eq!(page.matches("<script").count(), 1);
        prop_assert_eq!(page.matches("<details ").count(), outcome.checks().count());
        prop_assert_eq!(page.matches("<pre>").count(), page.matches("</pre>").count());
        prop_assert!(!page.contains("<img"));
    }

    #[test]
    fn server_text_never_becomes_markdown_markup(outcome in outcome()) {
        let report = rendered(|out| markdown::write(&outcome, out));
        prop_assert!(!report.contains('\x1b'), "a raw ESC reached the Markdown");
        let prose = outside_fences(&report);
        for line in &prose {
            let own_tags_removed = line
                .replace("<details><summary>", "")
                .replace("</summary>", "")
                .replace("</details>", "");
            prop_assert_eq!(unescaped(&own_tags_removed, '<'), 0, "raw HTML in {}", line);
        }
        let mut columns = 0;
        for row in prose.iter().filter(|line| line.starts_with('|')) {
            if row.starts_with("| Status |")
                || row.starts_with("| Verdict |")
                || row.starts_with("| Check |")
            {
                columns = unescaped(row, '|');
            }
            prop_assert_eq!(unescaped(row, '|'), columns, "a cell split in {}", row);
        }
    }
}

/// The lines of a Markdown text that are not inside fenced code blocks (which render literally).
fn outside_fences(markdown: &str) -> Vec<&str> {
    let mut prose = Vec::new();
    let mut open_fence: Option<&str> = None;
    for line in markdown.lines() {
        match open_fence {
            Some(fence) if line == fence => open_fence = None,
            Some(_) => {}
            None if line.starts_with("```") => {
                open_fence = Some(line.trim_end_matches(|c: char| c != '`'));
            }
            None => prose.push(line),
        }
    }
    prose
}

/// How often `wanted` occurs in Markdown text not escaped by a backslash.
fn unescaped(text: &str, wanted: char) -> usize {
    let mut count = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c == wanted {
            count += 1;
        }
    }
    count
}
