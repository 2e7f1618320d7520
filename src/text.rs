//! Text for a terminal, a report or a log: untrusted text (from a server or a suite file) made
//! safe to show, and the ANSI colour wrapper. Pure std: it decides nothing about when to colour.
//!
//! Error details, header values and bodies come from a server we do not trust: control
//! characters, ANSI escapes and bidi overrides could rewrite what the user sees, and a huge value
//! could flood the screen.

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

/// Wraps `text` in an SGR colour (`31` red, `32` green, `33` yellow, `1` bold) when `on`.
pub fn paint(text: &str, sgr: &str, on: bool) -> String {
    if on {
        format!("\u{1b}[{sgr}m{text}\u{1b}[0m")
    } else {
        text.to_owned()
    }
}

/// A short one-line rendering of server text, for error summaries.
pub fn one_line(text: &str) -> String {
    for_terminal(text.trim(), Lines::Escape, 200)
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
    fn paint_adds_escapes_only_when_on() {
        assert_eq!(paint("x", "31", false), "x");
        assert_eq!(paint("x", "31", true), "\u{1b}[31mx\u{1b}[0m");
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
