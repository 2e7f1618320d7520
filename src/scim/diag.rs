//! Byte spans into user input and diagnostics that render a caret under the offending text.

use std::fmt;

/// A half-open byte range `[start, end)` into the text that was parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// An empty span at one position (used for "unexpected end of input").
    pub fn at(pos: usize) -> Self {
        Span {
            start: pos,
            end: pos,
        }
    }
}

/// A problem found in user-supplied text, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Lowercase sentence fragment: "expected a comparison operator, found `foo`".
    pub message: String,
    pub span: Span,
    /// An optional suggestion printed on its own `hint:` line.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        Diagnostic {
            message: message.into(),
            span,
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Renders the message, the input line and a caret line under the span.
    ///
    /// Control characters in the input are shown escaped so that the caret stays aligned and
    /// nothing from the input can drive the terminal.
    pub fn render(&self, input: &str) -> String {
        let mut shown = String::new();
        let mut caret_start = 0;
        let mut caret_len = 0;
        for (i, ch) in input.char_indices() {
            let piece: String = if ch.is_control() {
                ch.escape_default().collect()
            } else {
                ch.to_string()
            };
            let width = piece.chars().count();
            if i < self.span.start {
                caret_start += width;
            } else if i < self.span.end {
                caret_len += width;
            }
            shown.push_str(&piece);
        }
        if self.span.start >= input.len() {
            caret_start = shown.chars().count();
        }
        let caret_len = caret_len.max(1);
        let mut out = format!(
            "{}\n  {}\n  {}{}",
            self.message,
            shown,
            " ".repeat(caret_start),
            "^".repeat(caret_len)
        );
        if let Some(hint) = &self.hint {
            out.push_str("\nhint: ");
            out.push_str(hint);
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.span.start)
    }
}

impl std::error::Error for Diagnostic {}

/// The candidates closest to `word`, for a "did you mean" hint: those at the smallest edit
/// distance (insertions, deletions, substitutions and swaps of neighbours), if it is small for
/// the word's length; at most three, one per spelling that `normalise` makes equal.
pub fn closest_names(
    word: &str,
    candidates: &[String],
    normalise: impl Fn(&str) -> String,
) -> Vec<String> {
    let wanted: Vec<char> = normalise(word).chars().collect();
    let limit = (wanted.len() / 3).clamp(1, 3);
    let mut best: Vec<(usize, String, String)> = Vec::new();
    for candidate in candidates {
        let normal = normalise(candidate);
        let have: Vec<char> = normal.chars().collect();
        let distance = edit_distance(&wanted, &have);
        if distance > limit || best.iter().any(|(_, seen, _)| *seen == normal) {
            continue;
        }
        best.push((distance, normal, candidate.clone()));
    }
    let Some(smallest) = best.iter().map(|(d, _, _)| *d).min() else {
        return Vec::new();
    };
    best.into_iter()
        .filter(|(d, _, _)| *d == smallest)
        .map(|(_, _, name)| name)
        .take(3)
        .collect()
}

/// Optimal string alignment distance: Levenshtein with swaps of neighbours counted as one.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let width = b.len() + 1;
    let mut rows = vec![0usize; (a.len() + 1) * width];
    for (i, cell) in rows.iter_mut().step_by(width).enumerate() {
        *cell = i;
    }
    for (j, cell) in rows.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (rows[(i - 1) * width + j] + 1)
                .min(rows[i * width + j - 1] + 1)
                .min(rows[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(rows[(i - 2) * width + j - 2] + 1);
            }
            rows[i * width + j] = value;
        }
    }
    rows[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_sits_under_the_span() {
        let d = Diagnostic::new("unknown operator `eqq`", Span::new(9, 12));
        assert_eq!(
            d.render("userName eqq \"x\""),
            "unknown operator `eqq`\n  userName eqq \"x\"\n           ^^^"
        );
    }

    #[test]
    fn caret_at_end_of_input_points_past_the_last_character() {
        let d = Diagnostic::new("unexpected end of filter", Span::at(5));
        assert_eq!(
            d.render("a and"),
            "unexpected end of filter\n  a and\n       ^"
        );
    }

    #[test]
    fn closest_names_allow_a_few_typos_for_the_length_of_the_word() {
        let names: Vec<String> = ["First Name", "firstname", "Last Name", "email", "mail"]
            .iter()
            .map(|n| (*n).to_owned())
            .collect();
        let lower = |s: &str| s.to_lowercase().replace(' ', "");
        assert_eq!(closest_names("Frist Name", &names, lower), ["First Name"]);
        assert_eq!(closest_names("emial", &names, lower), ["email"]);
        assert_eq!(closest_names("mial", &names, lower), ["mail"]);
        assert!(closest_names("Favourite colour", &names, lower).is_empty());
        assert_eq!(edit_distance(&['a', 'b'], &['b', 'a']), 1);
        assert_eq!(edit_distance(&[], &['x', 'y']), 2);
    }
}
