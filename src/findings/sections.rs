//! Findings in sections: a check-up that goes through stages (`scimctl doctor`'s
//! reachability, TLS, authentication ...) and says, line by line, what it confirmed, what it
//! found, what it could not check and what failed. Rendered by the same code as
//! [`super::render`], for the console and for `-o json`, so a finding reads the same in every
//! command; nothing here decides what is a finding.
//!
//! Console: the subject, then each section's name and its lines, indented; a finding is the
//! same headline as `lint` prints, with what Okta and Entra do and the fix under the first of
//! its kind; the closing line counts the findings by level. JSON ([`super::FORMAT_VERSION`]):
//! the sections with their lines, and the findings and counts in the same shape as `lint`'s.

use std::collections::HashSet;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::render::{
    LABEL_WIDTH, context_json, counts_json, finding_json, heading, pretty, shown, summary,
    write_finding,
};
use super::{FORMAT_VERSION, Finding, Style, Subject, counts};

/// One line of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// What was checked and found as it should be.
    Ok(String),
    /// A deviation.
    Finding(Finding),
    /// What was not checked, and why (an earlier failure, a missing capability, no data).
    Skipped(String),
    /// What could not be checked because the exchange itself failed (no connection, refused
    /// credentials): not a finding about the server's SCIM, but it stops the check.
    Failed(String),
}

impl Line {
    /// The label in the console's first column and the `status` in JSON.
    fn status(&self) -> &'static str {
        match self {
            Line::Ok(_) => "ok",
            Line::Finding(_) => "finding",
            Line::Skipped(_) => "skipped",
            Line::Failed(_) => "failed",
        }
    }
}

/// A named stage and its lines, in the order they were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: &'static str,
    pub lines: Vec<Line>,
}

/// Renders `sections` about `subject`, ending with a newline.
pub fn render_sections(subject: &Subject, sections: &[Section], style: Style) -> String {
    let findings: Vec<&Finding> = sections
        .iter()
        .flat_map(|section| &section.lines)
        .filter_map(|line| match line {
            Line::Finding(finding) => Some(finding),
            Line::Ok(_) | Line::Skipped(_) | Line::Failed(_) => None,
        })
        .collect();
    match style {
        Style::Console => console(subject, sections, &findings),
        Style::Json => json_form(subject, sections, &findings),
    }
}

const MARGIN: &str = "  ";

fn console(subject: &Subject, sections: &[Section], findings: &[&Finding]) -> String {
    let mut out = heading(subject);
    let mut explained = HashSet::new();
    for section in sections {
        let _ = writeln!(out, "{}", section.name);
        for line in &section.lines {
            match line {
                Line::Finding(finding) => write_finding(&mut out, MARGIN, finding, &mut explained),
                Line::Ok(text) | Line::Skipped(text) | Line::Failed(text) => {
                    let _ = writeln!(
                        out,
                        "{MARGIN}{:<LABEL_WIDTH$}{}",
                        line.status(),
                        shown(text)
                    );
                }
            }
        }
    }
    out.push('\n');
    out.push_str(&summary(findings.len(), &counts(findings.iter().copied())));
    out.push('\n');
    out
}

fn json_form(subject: &Subject, sections: &[Section], findings: &[&Finding]) -> String {
    let sections: Vec<Value> = sections
        .iter()
        .map(|section| {
            let lines: Vec<Value> = section
                .lines
                .iter()
                .map(|line| match line {
                    Line::Finding(finding) => {
                        json!({ "status": line.status(), "finding": finding_json(finding) })
                    }
                    Line::Ok(text) | Line::Skipped(text) | Line::Failed(text) => {
                        json!({ "status": line.status(), "text": text })
                    }
                })
                .collect();
            json!({ "name": section.name, "lines": lines })
        })
        .collect();
    let mut ordered = findings.to_vec();
    ordered.sort_by_key(|finding| finding.level());
    let listed: Vec<Value> = ordered.iter().map(|f| finding_json(f)).collect();
    pretty(&json!({
        "format_version": FORMAT_VERSION,
        "subject": subject.name,
        "context": context_json(subject),
        "sections": sections,
        "findings": listed,
        "counts": counts_json(findings.iter().copied()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Deviation, Location, Pointer};

    fn subject() -> Subject {
        Subject {
            name: "http://127.0.0.1:8080/scim/v2".to_owned(),
            facts: Vec::new(),
        }
    }

    fn sections() -> Vec<Section> {
        vec![
            Section {
                name: "reachability",
                lines: vec![Line::Ok(
                    "127.0.0.1:8080 accepts TCP connections".to_owned(),
                )],
            },
            Section {
                name: "reads",
                lines: vec![
                    Line::Finding(Finding::new(
                        Deviation::MessageKeyCase,
                        Location::Exchange {
                            request: "GET /Users?count=1".to_owned(),
                            pointer: Some(Pointer::root().key("resources")),
                        },
                        "the page is under `resources`",
                    )),
                    Line::Skipped("paging: the server holds one user".to_owned()),
                    Line::Failed("GET /Groups: no answer in time".to_owned()),
                ],
            },
        ]
    }

    #[test]
    fn the_console_shows_each_section_with_a_line_per_check_and_explains_findings() {
        let text = render_sections(&subject(), &sections(), Style::Console);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "http://127.0.0.1:8080/scim/v2");
        assert_eq!(lines[2], "reachability");
        assert_eq!(
            lines[3],
            "  ok       127.0.0.1:8080 accepts TCP connections"
        );
        assert_eq!(lines[4], "reads");
        assert_eq!(
            lines[5],
            "  interop  GET /Users?count=1 at /resources: the page is under `resources` \
             (RFC 7643 §2.1; message-key-case)"
        );
        assert!(lines[6].starts_with("           fix: "), "{text}");
        assert_eq!(lines[7], "  skipped  paging: the server holds one user");
        assert_eq!(lines[8], "  failed   GET /Groups: no answer in time");
        assert!(text.ends_with("\n1 finding: 1 interop\n"), "{text}");
    }

    #[test]
    fn json_keeps_the_sections_and_lists_the_findings_as_lint_does() {
        let text = render_sections(&subject(), &sections(), Style::Json);
        let document: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(document["format_version"], 1);
        assert_eq!(document["sections"][0]["lines"][0]["status"], "ok");
        let finding = &document["sections"][1]["lines"][0];
        assert_eq!(finding["status"], "finding");
        assert_eq!(finding["finding"]["key"], "message-key-case");
        assert_eq!(
            finding["finding"]["location"],
            json!({ "request": "GET /Users?count=1", "pointer": "/resources" })
        );
        assert_eq!(document["sections"][1]["lines"][1]["status"], "skipped");
        assert_eq!(document["sections"][1]["lines"][2]["status"], "failed");
        assert_eq!(document["findings"][0]["key"], "message-key-case");
        assert_eq!(document["counts"]["interop"], 1);
    }

    #[test]
    fn a_clean_check_up_says_no_findings() {
        let clean = vec![Section {
            name: "reachability",
            lines: vec![Line::Ok("fine".to_owned())],
        }];
        let text = render_sections(&subject(), &clean, Style::Console);
        assert!(text.ends_with("  ok       fine\n\nno findings\n"), "{text}");
    }
}
