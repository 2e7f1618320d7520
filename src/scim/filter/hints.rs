//! What the filter parser says when the input leaves the grammar: the likely intent behind it
//! ("did you mean `eq`?", `&&` for `and`, a missing operator, an unquoted value of several
//! words). It only words diagnostics; it never decides what parses, which is the parser's call.

use super::lexer::{Token, TokenKind, ends_word, is_space};
use super::parser::{is_json_number, is_logical};
use crate::scim::diag::{Diagnostic, Span};

/// The text of `span` in `input`.
fn text(input: &str, span: Span) -> &str {
    input.get(span.start..span.end).unwrap_or("")
}

/// An attribute path followed by `found` where `pr` or a comparison operator belongs.
pub(super) fn operator_error(input: &str, path_text: &str, found: &Token<'_>) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        format!(
            "expected a comparison operator after `{path_text}`, found {}",
            match found.kind {
                TokenKind::End => "end of filter".to_string(),
                _ => found.describe(input),
            }
        ),
        found.span,
    );
    let add_an_operator =
        || format!("add an operator, e.g. `{path_text} pr` or `{path_text} eq \"...\"`");
    let hint = match found.kind {
        TokenKind::Word(word) if is_logical(word) => Some(add_an_operator()),
        TokenKind::Word(word) => operator_suggestion(word).or_else(|| {
            // A word followed by a value was meant as an operator; otherwise it is the
            // value, and the operator is what is missing.
            let after = input.get(found.span.end..).unwrap_or("").trim_start();
            let value_follows = after.starts_with('"')
                || after.starts_with(|c: char| c.is_ascii_digit())
                || ["true", "false", "null"]
                    .iter()
                    .any(|l| after.starts_with(l));
            (!value_follows).then(|| {
                format!(
                    "missing operator: did you mean `{path_text} eq {}`?",
                    suggested_value(word)
                )
            })
        }),
        TokenKind::String(_) => Some(format!(
            "missing operator: did you mean `{path_text} eq {}`?",
            text(input, found.span)
        )),
        TokenKind::End => Some(add_an_operator()),
        _ => None,
    };
    match hint {
        Some(hint) => diagnostic.with_hint(hint),
        None => diagnostic.with_hint("operators: eq ne co sw ew gt lt ge le pr"),
    }
}

/// A bare word where a comparison value belongs that is neither a JSON literal nor a number:
/// a literal in capitals, a single-quoted string, or unquoted text (all of it, up to the next
/// `and` or `or`, as one value).
pub(super) fn bare_value_error(input: &str, token: &Token<'_>, word: &str) -> Diagnostic {
    let lower = word.to_ascii_lowercase();
    if matches!(lower.as_str(), "true" | "false" | "null") {
        return Diagnostic::new(
            format!("`{word}` is not a JSON literal: JSON literals are lowercase"),
            token.span,
        )
        .with_hint(format!("did you mean `{lower}`?"));
    }
    if word.starts_with('\'') {
        let inner = word.trim_matches('\'');
        return Diagnostic::new(
            "single quotes are not allowed: values are JSON strings",
            token.span,
        )
        .with_hint(format!("write \"{inner}\""));
    }
    let run = unquoted_run(input, token.span.start);
    let text = text(input, run);
    Diagnostic::new(
        format!("unquoted value `{text}`: string values must be in double quotes"),
        run,
    )
    .with_hint(format!("write {}", quoted(text)))
}

/// What to say when a complete expression is followed by `token` instead of `and`, `or` or
/// the end: `&&` and `||` are other languages' spellings; a word that could start another
/// condition means the `and` or `or` between them is missing.
pub(super) fn logical_suggestion(token: &Token<'_>) -> Option<String> {
    let TokenKind::Word(word) = token.kind else {
        return None;
    };
    if word.starts_with('&') {
        return Some("use `and`".to_owned());
    }
    if word.starts_with('|') {
        return Some("use `or`".to_owned());
    }
    word.starts_with(|c: char| c.is_ascii_alphabetic())
        .then(|| format!("missing `and` or `or` before `{word}`?"))
}

/// A JSON string literal of `text`, for hints.
fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// `word` as a comparison value: JSON literals and numbers as they are, anything else quoted.
fn suggested_value(word: &str) -> String {
    if matches!(word, "true" | "false" | "null") || is_json_number(word) {
        word.to_owned()
    } else {
        quoted(word)
    }
}

/// The unquoted text someone meant as one value, from `start` up to the next `and`, `or`,
/// bracket, parenthesis or quote: for `displayName eq Test Group` that is `Test Group`.
fn unquoted_run(input: &str, start: usize) -> Span {
    let mut end = start;
    let mut pos = start;
    loop {
        let rest = input.get(pos..).unwrap_or("");
        let word_len = rest.find(ends_word).unwrap_or(rest.len());
        let word = &rest[..word_len];
        if word.is_empty() || (pos > start && is_logical(word)) {
            break;
        }
        end = pos + word_len;
        let after = input.get(end..).unwrap_or("");
        let space_len = after.len() - after.trim_start_matches(is_space).len();
        if space_len == 0 {
            break;
        }
        pos = end + space_len;
    }
    Span::new(start, end)
}

/// Suggests the operator someone probably meant.
fn operator_suggestion(word: &str) -> Option<String> {
    let spelled_out = match word.to_ascii_lowercase().as_str() {
        "equals" | "is" => Some("eq"),
        "contains" | "contain" | "like" => Some("co"),
        "startswith" | "starts_with" => Some("sw"),
        "endswith" | "ends_with" => Some("ew"),
        "present" | "exists" => Some("pr"),
        _ => None,
    };
    if let Some(op) = spelled_out {
        return Some(format!("use `{op}`"));
    }
    let symbolic = match word {
        "=" | "==" | "===" => Some("eq"),
        "!=" | "!==" | "<>" => Some("ne"),
        ">" => Some("gt"),
        ">=" => Some("ge"),
        "<" => Some("lt"),
        "<=" => Some("le"),
        _ => None,
    };
    if let Some(op) = symbolic {
        return Some(format!("use `{op}`"));
    }
    let lower = word.to_ascii_lowercase();
    const KEYWORDS: [&str; 10] = ["eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le", "pr"];
    KEYWORDS
        .iter()
        .find(|op| lower.starts_with(*op) && lower.len() <= op.len() + 2)
        .or_else(|| {
            KEYWORDS
                .iter()
                .find(|op| lower.len() == 2 && one_letter_apart(&lower, op))
        })
        .map(|op| format!("did you mean `{op}`?"))
}

fn one_letter_apart(a: &str, b: &str) -> bool {
    a.chars().zip(b.chars()).filter(|(x, y)| x != y).count() == 1
}
