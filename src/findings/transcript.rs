//! Findings along a transcript of exchanges (`scimctl replay`): each request as it went on the
//! wire and its answer, then what was found in it and what the identity provider concludes, and
//! the conclusion of the whole event. Rendered by the same code as [`super::render`], for the
//! console and for `-o json`, so a finding reads the same in every command. It holds text the
//! caller already redacted; nothing here decides what is a finding.
//!
//! Console: what was replayed and where, scimctl's own preparations, then each exchange as
//! `> ` request lines (the request line, headers, body) and `< ` answer lines, with its lines in
//! the label column; a finding's conclusion on a `→` line under it; the conclusion; the counts.
//! JSON ([`super::FORMAT_VERSION`]): the same, and the findings and counts in `lint`'s shape.

use std::collections::HashSet;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::render::{
    LABEL_WIDTH, context_json, counts_json, finding_json, heading, pretty, shown, summary,
    write_finding,
};
use super::{FORMAT_VERSION, Finding, Line, Subject, counts};
use crate::text::{Lines, for_terminal};

/// The longest body shown on the console (the JSON form keeps it whole).
const MAX_CONSOLE_BODY_CHARS: usize = 2000;

/// Answer headers about the connection and its framing, not about SCIM: left off the console
/// (the JSON form keeps every header).
const FRAMING_HEADERS: &[&str] = &[
    "connection",
    "content-length",
    "date",
    "keep-alive",
    "transfer-encoding",
];

/// A replayed event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    /// The server, and what was replayed (`identity provider`, `scenario`, the arguments).
    pub subject: Subject,
    /// What scimctl did before the first exchange (found the user the scenario names).
    pub prepared: Vec<String>,
    pub turns: Vec<Turn>,
    /// What the identity provider concludes from the whole event.
    pub conclusion: String,
}

impl Transcript {
    /// Every finding, in order.
    pub fn findings(&self) -> Vec<&Finding> {
        self.turns
            .iter()
            .flat_map(|turn| &turn.remarks)
            .filter_map(|remark| match &remark.line {
                Line::Finding(finding) => Some(finding),
                Line::Ok(_) | Line::Skipped(_) | Line::Failed(_) => None,
            })
            .collect()
    }
}

/// One exchange and what it showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// Who sent it: the identity provider's name, or `scimctl`.
    pub by: String,
    /// Why scimctl sent it (`reads the user back`); `None` for the identity provider's own.
    pub note: Option<String>,
    pub request: ShownRequest,
    /// The answer, or why there was none.
    pub answer: Result<ShownAnswer, String>,
    pub remarks: Vec<Remark>,
}

/// A request as it went on the wire, secrets redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownRequest {
    pub method: String,
    /// The request-target below the base URL, as sent (`/Users?filter=userName+eq+"x"`).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl ShownRequest {
    /// `GET /Users?...`: the request as a finding's location.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.target)
    }
}

/// An answer, secrets redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownAnswer {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// A line about an exchange, and what the identity provider concludes from it, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remark {
    pub line: Line,
    pub says: Option<String>,
}

/// Renders `transcript`, ending with a newline.
pub fn render_transcript(transcript: &Transcript, style: super::Style) -> String {
    match style {
        super::Style::Console => console(transcript),
        super::Style::Json => json_form(transcript),
    }
}

const MARGIN: &str = "   ";

fn console(transcript: &Transcript) -> String {
    let mut out = heading(&transcript.subject);
    for prepared in &transcript.prepared {
        let _ = writeln!(out, "scimctl {}", shown(prepared));
    }
    if !transcript.prepared.is_empty() {
        out.push('\n');
    }
    let mut explained = HashSet::new();
    for (index, turn) in transcript.turns.iter().enumerate() {
        let who = match &turn.note {
            Some(note) => format!("{} {}", turn.by, note),
            None => turn.by.clone(),
        };
        let _ = writeln!(out, "{}. {}", index + 1, shown(&who));
        let request = &turn.request;
        let _ = writeln!(out, "{MARGIN}> {}", shown(&request.label()));
        write_message(&mut out, '>', &request.headers, request.body.as_deref());
        match &turn.answer {
            Ok(answer) => {
                let _ = writeln!(out, "{MARGIN}< {} {}", answer.status, answer.reason);
                let headers: Vec<(String, String)> = answer
                    .headers
                    .iter()
                    .filter(|(name, _)| {
                        !FRAMING_HEADERS.iter().any(|f| f.eq_ignore_ascii_case(name))
                    })
                    .cloned()
                    .collect();
                write_message(&mut out, '<', &headers, answer.body.as_deref());
            }
            Err(why) => {
                let _ = writeln!(out, "{MARGIN}< no answer: {}", shown(why));
            }
        }
        for remark in &turn.remarks {
            match &remark.line {
                Line::Finding(finding) => {
                    write_finding(&mut out, MARGIN, finding, &mut explained);
                }
                line @ (Line::Ok(text) | Line::Skipped(text) | Line::Failed(text)) => {
                    let _ = writeln!(out, "{MARGIN}{:<LABEL_WIDTH$}{}", status(line), shown(text));
                }
            }
            if let Some(says) = &remark.says {
                let indent = " ".repeat(LABEL_WIDTH);
                let _ = writeln!(out, "{MARGIN}{indent}→ {}", shown(says));
            }
        }
        out.push('\n');
    }
    let findings = transcript.findings();
    let _ = writeln!(out, "{}", shown(&transcript.conclusion));
    out.push_str(&summary(findings.len(), &counts(findings.iter().copied())));
    out.push('\n');
    out
}

/// Headers, a blank marker line and the body of a request or answer, each line marked.
fn write_message(out: &mut String, mark: char, headers: &[(String, String)], body: Option<&str>) {
    for (name, value) in headers {
        let _ = writeln!(out, "{MARGIN}{mark} {}: {}", shown(name), shown(value));
    }
    if let Some(body) = body.filter(|body| !body.is_empty()) {
        let _ = writeln!(out, "{MARGIN}{mark}");
        let cut = for_terminal(body, Lines::Escape, MAX_CONSOLE_BODY_CHARS);
        let _ = writeln!(out, "{MARGIN}{mark} {cut}");
    }
}

fn status(line: &Line) -> &'static str {
    match line {
        Line::Ok(_) => "ok",
        Line::Finding(_) => "finding",
        Line::Skipped(_) => "skipped",
        Line::Failed(_) => "failed",
    }
}

fn json_form(transcript: &Transcript) -> String {
    let pairs = |headers: &[(String, String)]| -> Vec<Value> {
        headers
            .iter()
            .map(|(name, value)| json!([name, value]))
            .collect()
    };
    let turns: Vec<Value> = transcript
        .turns
        .iter()
        .map(|turn| {
            let request = &turn.request;
            let answer = match &turn.answer {
                Ok(answer) => json!({
                    "status": answer.status,
                    "headers": pairs(&answer.headers),
                    "body": answer.body,
                }),
                Err(why) => json!({ "error": why }),
            };
            let remarks: Vec<Value> = turn
                .remarks
                .iter()
                .map(|remark| {
                    let mut line = match &remark.line {
                        Line::Finding(finding) => {
                            json!({ "status": "finding", "finding": finding_json(finding) })
                        }
                        line @ (Line::Ok(text) | Line::Skipped(text) | Line::Failed(text)) => {
                            json!({ "status": status(line), "text": text })
                        }
                    };
                    if let Some(says) = &remark.says {
                        line["says"] = json!(says);
                    }
                    line
                })
                .collect();
            json!({
                "by": turn.by,
                "note": turn.note,
                "request": {
                    "method": request.method,
                    "target": request.target,
                    "headers": pairs(&request.headers),
                    "body": request.body,
                },
                "response": answer,
                "lines": remarks,
            })
        })
        .collect();
    let findings = transcript.findings();
    let mut ordered = findings.clone();
    ordered.sort_by_key(|finding| finding.level());
    let listed: Vec<Value> = ordered.iter().map(|f| finding_json(f)).collect();
    pretty(&json!({
        "format_version": FORMAT_VERSION,
        "subject": transcript.subject.name,
        "context": context_json(&transcript.subject),
        "prepared": transcript.prepared,
        "exchanges": turns,
        "conclusion": transcript.conclusion,
        "findings": listed,
        "counts": counts_json(findings.iter().copied()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Deviation, Location, Style};

    fn transcript() -> Transcript {
        let request = ShownRequest {
            method: "PATCH".to_owned(),
            target: "/Users/u1".to_owned(),
            headers: vec![
                ("Authorization".to_owned(), "(redacted)".to_owned()),
                (
                    "Content-Type".to_owned(),
                    "application/scim+json".to_owned(),
                ),
            ],
            body: Some(
                r#"{"Operations":[{"op":"Replace","path":"active","value":"False"}]}"#.to_owned(),
            ),
        };
        let finding = Finding::new(
            Deviation::StringBooleanRefused,
            Location::request(request.label()),
            "answered 400",
        );
        Transcript {
            subject: Subject {
                name: "http://127.0.0.1:8080/scim/v2".to_owned(),
                facts: vec![("scenario", "Entra: deactivate".to_owned())],
            },
            prepared: vec!["found user `alice` (id u1)".to_owned()],
            turns: vec![Turn {
                by: "Entra".to_owned(),
                note: None,
                request,
                answer: Ok(ShownAnswer {
                    status: 400,
                    reason: "Bad Request".to_owned(),
                    headers: vec![(
                        "content-type".to_owned(),
                        "application/scim+json".to_owned(),
                    )],
                    body: Some(r#"{"status":"400"}"#.to_owned()),
                }),
                remarks: vec![Remark {
                    line: Line::Finding(finding),
                    says: Some("Entra would retry the disable".to_owned()),
                }],
            }],
            conclusion: "Entra would retry the disable".to_owned(),
        }
    }

    #[test]
    fn the_console_shows_each_exchange_marked_then_its_findings_and_the_conclusion() {
        let text = render_transcript(&transcript(), Style::Console);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "http://127.0.0.1:8080/scim/v2: Entra: deactivate");
        assert_eq!(lines[2], "scimctl found user `alice` (id u1)");
        assert_eq!(lines[4], "1. Entra");
        assert_eq!(lines[5], "   > PATCH /Users/u1");
        assert_eq!(lines[6], "   > Authorization: (redacted)");
        assert_eq!(lines[8], "   >");
        assert!(lines[9].contains(r#""value":"False""#), "{text}");
        assert_eq!(lines[10], "   < 400 Bad Request");
        assert!(
            lines[14].starts_with("   interop  PATCH /Users/u1: answered 400"),
            "{text}"
        );
        assert!(
            text.contains("   → Entra would retry the disable\n"),
            "{text}"
        );
        assert!(
            text.ends_with("\nEntra would retry the disable\n1 finding: 1 interop\n"),
            "{text}"
        );
    }

    #[test]
    fn json_keeps_every_exchange_whole_with_its_lines() {
        let text = render_transcript(&transcript(), Style::Json);
        let document: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(document["format_version"], 1);
        let exchange = &document["exchanges"][0];
        assert_eq!(exchange["by"], "Entra");
        assert_eq!(exchange["request"]["target"], "/Users/u1");
        assert_eq!(
            exchange["request"]["headers"][0],
            json!(["Authorization", "(redacted)"])
        );
        assert_eq!(exchange["response"]["status"], 400);
        assert_eq!(
            exchange["lines"][0]["finding"]["key"],
            "string-boolean-refused"
        );
        assert_eq!(
            exchange["lines"][0]["says"],
            "Entra would retry the disable"
        );
        assert_eq!(document["conclusion"], "Entra would retry the disable");
        assert_eq!(document["counts"]["interop"], 1);
    }
}
