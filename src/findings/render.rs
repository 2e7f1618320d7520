//! The one renderer of findings, for people (console) and for tools (`-o json`). It returns
//! the text and never writes it: the caller prints, so nothing here touches a terminal or file.
//!
//! Console: a line saying what was examined, then one headline per finding, most serious
//! first: level, where, what was seen, the RFC section and the key. Under the first finding of
//! each kind come what Okta and Entra do with it and the likely fix, once, however often the
//! kind occurs. A closing line counts the findings by level. Input text is escaped so that
//! nothing in a document can drive the terminal.
//!
//! JSON: a versioned wire format ([`FORMAT_VERSION`]); a key or field is never renamed without
//! a new version.

use std::collections::HashSet;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::{Finding, Level, Location, counts};
use crate::text::{Lines, for_terminal};

/// The version of the JSON form; bumped on any incompatible change.
pub const FORMAT_VERSION: u64 = 1;

/// The longest input-derived text shown on one console line.
const MAX_SHOWN_CHARS: usize = 400;

/// Console or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Console,
    Json,
}

/// What was examined: a name (`stdin`, a file, a URL) and facts about it, such as
/// `("kind", "PatchOp")`, shown in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub name: String,
    pub facts: Vec<(&'static str, String)>,
}

/// Renders `findings` about `subject`, ending with a newline.
pub fn render(subject: &Subject, findings: &[Finding], style: Style) -> String {
    let mut ordered: Vec<&Finding> = findings.iter().collect();
    ordered.sort_by_key(|finding| finding.level());
    match style {
        Style::Console => console(subject, &ordered),
        Style::Json => json(subject, &ordered),
    }
}

/// Input-derived text made safe for one console line.
pub(super) fn shown(text: &str) -> String {
    for_terminal(text, Lines::Escape, MAX_SHOWN_CHARS)
}

fn console(subject: &Subject, findings: &[&Finding]) -> String {
    let mut out = heading(subject);
    let mut explained = HashSet::new();
    for finding in findings {
        write_finding(&mut out, "", finding, &mut explained);
    }
    if !findings.is_empty() {
        out.push('\n');
    }
    out.push_str(&summary(findings.len(), &counts(findings.iter().copied())));
    out.push('\n');
    out
}

/// What was examined and the facts about it, then a blank line.
pub(super) fn heading(subject: &Subject) -> String {
    let mut out = shown(&subject.name);
    if !subject.facts.is_empty() {
        let facts: Vec<String> = subject
            .facts
            .iter()
            .map(|(_, value)| shown(value))
            .collect();
        let _ = write!(out, ": {}", facts.join(", "));
    }
    out.push_str("\n\n");
    out
}

/// The width of the label column: the longest level label and two spaces.
pub(super) const LABEL_WIDTH: usize = 9;

/// One finding's headline after `margin`, in the label column; under the first finding of each
/// kind (tracked in `explained`), what Okta and Entra do with it and the likely fix.
pub(super) fn write_finding(
    out: &mut String,
    margin: &str,
    finding: &Finding,
    explained: &mut HashSet<super::Deviation>,
) {
    let entry = finding.entry();
    let _ = writeln!(
        out,
        "{margin}{:<LABEL_WIDTH$}{}: {} ({}; {})",
        entry.level.label(),
        shown(&finding.location.to_string()),
        shown(&finding.seen),
        entry.rfc,
        entry.key,
    );
    if explained.insert(finding.deviation) {
        let indent = format!("{margin}{}", " ".repeat(LABEL_WIDTH));
        for (label, text) in [("Okta", entry.okta), ("Entra", entry.entra)] {
            if let Some(text) = text {
                let _ = writeln!(out, "{indent}{label}: {text}");
            }
        }
        let _ = writeln!(out, "{indent}fix: {}", entry.fix);
    }
}

/// "no findings", or "3 findings: 1 MUST, 2 interop".
pub(super) fn summary(total: usize, counts: &[(Level, usize)]) -> String {
    if total == 0 {
        return "no findings".to_owned();
    }
    let parts: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(level, n)| format!("{n} {}", level.label()))
        .collect();
    let noun = if total == 1 { "finding" } else { "findings" };
    format!("{total} {noun}: {}", parts.join(", "))
}

/// A location as every JSON form writes it: `{"pointer": ...}`, `{"request": ...}` (with the
/// `pointer` in the answer when there is one), or `{"host": ...}`.
pub fn location_json(location: &Location) -> Value {
    match location {
        Location::Pointer(pointer) => json!({ "pointer": pointer.as_str() }),
        Location::Exchange { request, pointer } => match pointer {
            Some(pointer) => json!({ "request": request, "pointer": pointer.as_str() }),
            None => json!({ "request": request }),
        },
        Location::Host(host) => json!({ "host": host }),
    }
}

/// One finding in the JSON form, with its catalogue entry.
pub(super) fn finding_json(finding: &Finding) -> Value {
    let entry = finding.entry();
    json!({
        "key": entry.key,
        "level": entry.level.key(),
        "title": entry.title,
        "rfc": entry.rfc,
        "location": location_json(&finding.location),
        "seen": finding.seen,
        "okta": entry.okta,
        "entra": entry.entra,
        "fix": entry.fix,
    })
}

/// The subject's facts as the JSON `context` object.
pub(super) fn context_json(subject: &Subject) -> Map<String, Value> {
    subject
        .facts
        .iter()
        .map(|(key, value)| ((*key).to_owned(), Value::from(value.as_str())))
        .collect()
}

/// The number of findings of each level, keyed as `--fail-on` spells the levels.
pub(super) fn counts_json<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
) -> Map<String, Value> {
    counts(findings)
        .iter()
        .map(|(level, n)| (level.key().to_owned(), Value::from(*n)))
        .collect()
}

/// Pretty JSON text ending with a newline.
pub(super) fn pretty(document: &Value) -> String {
    let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
    text.push('\n');
    text
}

fn json(subject: &Subject, findings: &[&Finding]) -> String {
    let listed: Vec<Value> = findings.iter().map(|f| finding_json(f)).collect();
    pretty(&json!({
        "format_version": FORMAT_VERSION,
        "subject": subject.name,
        "context": context_json(subject),
        "findings": listed,
        "counts": counts_json(findings.iter().copied()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Deviation, Pointer};

    fn subject() -> Subject {
        Subject {
            name: "stdin".to_owned(),
            facts: vec![("kind", "PatchOp".to_owned())],
        }
    }

    fn legacy_disable() -> Vec<Finding> {
        let op = Pointer::root().key("Operations").index(0);
        vec![
            Finding::at(
                Deviation::PatchOpCapitalised,
                &op.key("op"),
                "`Replace` is not lowercase",
            ),
            Finding::at(
                Deviation::StringBoolean,
                &op.key("value"),
                "the string \"False\" for the boolean `active`",
            ),
            Finding::at(
                Deviation::StringBoolean,
                &Pointer::root().key("Operations").index(1).key("value"),
                "the string \"True\" for the boolean `active`",
            ),
        ]
    }

    #[test]
    fn the_console_puts_the_most_serious_first_and_explains_each_kind_once() {
        let text = render(&subject(), &legacy_disable(), Style::Console);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "stdin: PatchOp");
        assert!(lines[2].starts_with("MUST     /Operations/0/value: the string \"False\""));
        assert!(
            lines[2].ends_with("(RFC 7643 §2.3.2; string-boolean)"),
            "{}",
            lines[2]
        );
        assert_eq!(
            text.matches("Entra: Entra's legacy shapes").count(),
            2,
            "{text}"
        );
        assert_eq!(text.matches("fix: send true or false").count(), 1, "{text}");
        assert!(text.ends_with("3 findings: 2 MUST, 1 interop\n"), "{text}");
    }

    #[test]
    fn input_text_cannot_drive_the_terminal() {
        let findings = [Finding::at(
            Deviation::AttributeUnknown,
            &Pointer::root().key("evil\u{1b}[31m"),
            "the attribute `evil\u{1b}[31m`",
        )];
        let text = render(&subject(), &findings, Style::Console);
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("\\u{1b}[31m"), "{text}");
    }

    #[test]
    fn json_is_versioned_and_carries_the_catalogue_entry() {
        let text = render(&subject(), &legacy_disable(), Style::Json);
        let document: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(document["format_version"], 1);
        assert_eq!(document["context"]["kind"], "PatchOp");
        assert_eq!(document["counts"]["must"], 2);
        let first = &document["findings"][0];
        assert_eq!(first["key"], "string-boolean");
        assert_eq!(first["level"], "must");
        assert_eq!(first["location"]["pointer"], "/Operations/0/value");
        assert_eq!(first["okta"], "Okta sends JSON booleans");
    }

    #[test]
    fn nothing_found_says_so() {
        let text = render(&subject(), &[], Style::Console);
        assert_eq!(text, "stdin: PatchOp\n\nno findings\n");
    }
}
