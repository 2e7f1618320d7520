//! Byte spans into user input, and the one renderer of diagnostics: the input line with a caret
//! under the offending text, and the `hint:` line. Pure: it formats text and prints nothing.

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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at byte {}", span.start)]
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

    /// Renders the message, the input line with a caret line under the span ([`snippet`]), and
    /// the hint on its own line ([`hint_line`]).
    pub fn render(&self, input: &str) -> String {
        let mut out = format!("{}\n{}", self.message, snippet(input, self.span, None));
        if let Some(hint) = &self.hint {
            out.push('\n');
            out.push_str(&hint_line(hint));
        }
        out
    }
}

/// One line of user input with a caret line under the bytes `span` of it: indented by two
/// spaces, or behind a `N |` gutter when the input is line `N` of a file.
///
/// Control characters in the input are shown escaped so that the caret stays aligned and
/// nothing from the input can drive the terminal. An empty span gets one caret.
pub fn snippet(input: &str, span: Span, line: Option<usize>) -> String {
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
        if i < span.start {
            caret_start += width;
        } else if i < span.end {
            caret_len += width;
        }
        shown.push_str(&piece);
    }
    if span.start >= input.len() {
        caret_start = shown.chars().count();
    }
    let carets = format!(
        "{}{}",
        " ".repeat(caret_start),
        "^".repeat(caret_len.max(1))
    );
    match line {
        None => format!("  {shown}\n  {carets}"),
        Some(number) => {
            let gutter = number.to_string();
            let pad = " ".repeat(gutter.len());
            format!("{pad} |\n{gutter} | {shown}\n{pad} | {carets}")
        }
    }
}

/// The line that carries a hint under an error or a diagnostic: `hint: ...`. Every hint
/// scimctl prints goes through here, so hints look the same wherever they come from.
pub fn hint_line(hint: &str) -> String {
    format!("hint: {hint}")
}

/// A message followed, when there is a hint, by its [`hint_line`]: how an error that carries a
/// hint displays itself.
pub fn with_hint(message: &str, hint: Option<&str>) -> String {
    match hint {
        Some(hint) => format!("{message}\n{}", hint_line(hint)),
        None => message.to_owned(),
    }
}

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
    fn a_line_of_a_file_is_shown_behind_its_number() {
        assert_eq!(
            snippet("level = \"MUSTNT\"", Span::at(8), Some(9)),
            "  |\n9 | level = \"MUSTNT\"\n  |         ^"
        );
    }

    #[test]
    fn control_characters_are_escaped_and_the_caret_follows_them() {
        assert_eq!(snippet("a\tb", Span::new(2, 3), None), "  a\\tb\n     ^");
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
