//! Making untrusted text (from a server or a suite file) safe for a terminal, a report or a log.
//!
//! Error details, header values and bodies come from a server we do not trust: control
//! characters, ANSI escapes and bidi overrides could rewrite what the user sees, and a huge value
//! could flood the screen (field guide §7, "Server text"); and "did you mean" suggestions for
//! names typed wrong. Pure: std and strsim only.

use std::fmt::Write as _;

/// Whether line breaks and tabs survive (`-vvv` bodies) or are escaped too (one-line summaries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// Keep `\n` and `\t` as they are.
    Keep,
    /// Escape them, so the result is one line.
    Escape,
}

/// True for characters that must not reach a terminal raw: C0 and C1 controls, DEL, and the
/// Unicode bidi embeddings, overrides and isolates (the "Trojan Source" characters).
fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Escapes dangerous characters as `\u{..}` and cuts the text after `max_chars` characters,
/// saying how much was left out.
pub fn for_terminal(text: &str, lines: Lines, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars));
    for (shown, (index, c)) in text.char_indices().enumerate() {
        if shown == max_chars {
            let rest = text.len() - index;
            // Writing to a String cannot fail.
            let _ = write!(out, "... ({rest} more bytes)");
            return out;
        }
        match c {
            '\n' | '\t' if lines == Lines::Keep => out.push(c),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_dangerous(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// A short one-line rendering of server text, for error summaries.
pub fn one_line(text: &str) -> String {
    for_terminal(text.trim(), Lines::Escape, 200)
}

/// The known names nearest to `wanted` by edit distance, for a "did you mean" hint: those
/// close enough to be a likely typo and about as close as the nearest one, at most three,
/// nearest first.
pub fn closest<'a>(wanted: &str, known: &[&'a str]) -> Vec<&'a str> {
    let near_enough = (wanted.chars().count() / 4).max(3);
    let mut scored: Vec<(usize, &str)> = known
        .iter()
        .map(|id| (strsim::levenshtein(wanted, id), *id))
        .filter(|(distance, _)| *distance <= near_enough)
        .collect();
    scored.sort_unstable();
    scored.dedup();
    let nearest = scored.first().map_or(0, |(distance, _)| *distance);
    scored
        .into_iter()
        .take_while(|(distance, _)| *distance <= nearest + 2)
        .take(3)
        .map(|(_, id)| id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_escapes_and_bidi_overrides_are_made_visible() {
        assert_eq!(one_line("red \u{1b}[31mtext"), "red \\u{1b}[31mtext");
        assert_eq!(one_line("abc\u{202E}def"), "abc\\u{202e}def");
        assert_eq!(one_line("a\u{85}b"), "a\\u{85}b");
    }

    #[test]
    fn line_breaks_are_escaped_in_summaries_and_kept_in_bodies() {
        assert_eq!(one_line("line one\nline two"), "line one\\nline two");
        assert_eq!(for_terminal("a\n\tb\r", Lines::Keep, 100), "a\n\tb\\r");
    }

    #[test]
    fn long_text_is_cut_with_a_count_of_what_was_left_out() {
        let long = "x".repeat(250);
        assert_eq!(
            one_line(&long),
            format!("{}... (50 more bytes)", "x".repeat(200))
        );
        assert_eq!(
            for_terminal("héllo", Lines::Keep, 2),
            "hé... (3 more bytes)"
        );
    }
}
