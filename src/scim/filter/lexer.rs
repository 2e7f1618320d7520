//! Tokens of the filter grammar (RFC 7644 §3.4.2.2), shared by the filter and PATCH path parsers.
//! It decides no token's role: whether a word is a path, a keyword or a value is the parser's call.
//!
//! A word is any run of characters other than whitespace, brackets, parentheses and double
//! quotes; whether it is an attribute path, a keyword or a bare value is for the parser to say,
//! because only it knows which one it expects. Strings are decoded here, with JSON escapes
//! (RFC 8259 §7), so that an error inside a string points at the offending escape.

use crate::scim::diag::{Diagnostic, Span};

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind<'a> {
    /// An attribute path, a keyword (`and`, `eq`, `pr`, `true` ...) or a bare number.
    Word(&'a str),
    /// A double-quoted JSON string, already decoded.
    String(String),
    OpenParen,
    CloseParen,
    OpenBracket,
    CloseBracket,
    End,
}

/// One token with where it is and the whitespace that came before it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token<'a> {
    pub kind: TokenKind<'a>,
    pub span: Span,
    /// The whitespace run just before the token; empty (`start == end`) when there is none.
    pub space_before: Span,
}

impl Token<'_> {
    /// Whether whitespace precedes the token.
    pub fn has_space_before(&self) -> bool {
        self.space_before.end > self.space_before.start
    }

    /// How the token reads in a message: "`eqq`", "a string", "end of filter".
    pub fn describe(&self, input: &str) -> String {
        match &self.kind {
            TokenKind::End => "end of input".to_string(),
            TokenKind::String(_) => "a string".to_string(),
            _ => format!(
                "`{}`",
                input.get(self.span.start..self.span.end).unwrap_or("")
            ),
        }
    }
}

/// Splits input into tokens on demand.
pub(crate) struct Lexer<'a> {
    input: &'a str,
    pos: usize,
}

pub(super) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

pub(super) fn ends_word(c: char) -> bool {
    is_space(c) || matches!(c, '(' | ')' | '[' | ']' | '"')
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a str) -> Self {
        Lexer { input, pos: 0 }
    }

    /// Reads the next token; at the end of input it keeps returning [`TokenKind::End`].
    pub fn next_token(&mut self) -> Result<Token<'a>, Diagnostic> {
        let rest = self.rest();
        let space_len = rest.len() - rest.trim_start_matches(is_space).len();
        let space_before = Span::new(self.pos, self.pos + space_len);
        self.pos += space_len;
        let start = self.pos;
        let Some(first) = self.rest().chars().next() else {
            return Ok(Token {
                kind: TokenKind::End,
                span: Span::at(start),
                space_before,
            });
        };
        let kind = match first {
            '(' => self.single(TokenKind::OpenParen),
            ')' => self.single(TokenKind::CloseParen),
            '[' => self.single(TokenKind::OpenBracket),
            ']' => self.single(TokenKind::CloseBracket),
            '"' => TokenKind::String(self.string()?),
            _ => {
                let rest = self.rest();
                let len = rest.find(ends_word).unwrap_or(rest.len());
                self.pos += len;
                TokenKind::Word(&rest[..len])
            }
        };
        Ok(Token {
            kind,
            span: Span::new(start, self.pos),
            space_before,
        })
    }

    fn rest(&self) -> &'a str {
        self.input.get(self.pos..).unwrap_or("")
    }

    fn single(&mut self, kind: TokenKind<'a>) -> TokenKind<'a> {
        self.pos += 1;
        kind
    }

    /// Decodes a JSON string starting at the opening quote.
    fn string(&mut self) -> Result<String, Diagnostic> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let at = self.pos;
            let Some(c) = self.rest().chars().next() else {
                return Err(Diagnostic::new("unterminated string", Span::new(open, at))
                    .with_hint("close the string with `\"`"));
            };
            self.pos += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => out.push(self.escape(at)?),
                c if u32::from(c) < 0x20 => {
                    return Err(Diagnostic::new(
                        format!(
                            "control character {} in a string must be escaped",
                            c.escape_default()
                        ),
                        Span::new(at, self.pos),
                    )
                    .with_hint(format!("write it as `\\u{:04x}`", u32::from(c))));
                }
                c => out.push(c),
            }
        }
    }

    /// Decodes one escape; `backslash` is where its `\` is.
    fn escape(&mut self, backslash: usize) -> Result<char, Diagnostic> {
        let Some(c) = self.rest().chars().next() else {
            return Err(Diagnostic::new(
                "unterminated string",
                Span::new(backslash, self.pos),
            ));
        };
        self.pos += c.len_utf8();
        Ok(match c {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => return self.unicode_escape(backslash),
            other => {
                return Err(Diagnostic::new(
                    format!("invalid escape `\\{other}` in string"),
                    Span::new(backslash, self.pos),
                )
                .with_hint("JSON strings allow \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX"));
            }
        })
    }

    /// Decodes `\uXXXX` (the `\u` already read), joining a UTF-16 surrogate pair.
    fn unicode_escape(&mut self, backslash: usize) -> Result<char, Diagnostic> {
        let high = self.hex4(backslash)?;
        if !(0xD800..0xE000).contains(&high) {
            return char::from_u32(high).ok_or_else(|| self.lone_surrogate(backslash));
        }
        if high >= 0xDC00 || !self.rest().starts_with("\\u") {
            return Err(self.lone_surrogate(backslash));
        }
        self.pos += 2;
        let low = self.hex4(backslash)?;
        if !(0xDC00..0xE000).contains(&low) {
            return Err(self.lone_surrogate(backslash));
        }
        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
        char::from_u32(code).ok_or_else(|| self.lone_surrogate(backslash))
    }

    fn hex4(&mut self, backslash: usize) -> Result<u32, Diagnostic> {
        let digits = self
            .rest()
            .get(..4)
            .filter(|d| d.chars().all(|c| c.is_ascii_hexdigit()));
        let Some(digits) = digits else {
            let end = self.pos
                + self
                    .rest()
                    .chars()
                    .take(4)
                    .map(char::len_utf8)
                    .sum::<usize>();
            return Err(Diagnostic::new(
                "`\\u` must be followed by four hexadecimal digits",
                Span::new(backslash, end),
            ));
        };
        self.pos += 4;
        u32::from_str_radix(digits, 16)
            .map_err(|_| Diagnostic::new("invalid `\\u` escape", Span::new(backslash, self.pos)))
    }

    fn lone_surrogate(&self, backslash: usize) -> Diagnostic {
        Diagnostic::new(
            "unpaired UTF-16 surrogate in `\\u` escape",
            Span::new(backslash, self.pos),
        )
        .with_hint(
            "a surrogate pair is a high `\\uD800`-`\\uDBFF` followed by a low `\\uDC00`-`\\uDFFF`",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(input: &str) -> Vec<TokenKind<'_>> {
        let mut lexer = Lexer::new(input);
        let mut out = Vec::new();
        loop {
            let token = lexer.next_token().expect("lexes");
            if token.kind == TokenKind::End {
                return out;
            }
            out.push(token.kind);
        }
    }

    #[test]
    fn words_stop_at_brackets_parentheses_quotes_and_space() {
        assert_eq!(
            kinds(r#"emails[type eq "work"].value not(x)"#),
            vec![
                TokenKind::Word("emails"),
                TokenKind::OpenBracket,
                TokenKind::Word("type"),
                TokenKind::Word("eq"),
                TokenKind::String("work".into()),
                TokenKind::CloseBracket,
                TokenKind::Word(".value"),
                TokenKind::Word("not"),
                TokenKind::OpenParen,
                TokenKind::Word("x"),
                TokenKind::CloseParen,
            ]
        );
    }

    #[test]
    fn strings_decode_json_escapes_and_surrogate_pairs() {
        assert_eq!(
            kinds(r#""a\"b\\c\/\n\u00e9\ud83d\ude00""#),
            vec![TokenKind::String("a\"b\\c/\né😀".into())]
        );
    }

    #[test]
    fn a_lone_surrogate_is_an_error_at_its_escape() {
        let err = Lexer::new(r#""x\ud800y""#).next_token().unwrap_err();
        assert_eq!(err.span, Span::new(2, 8));
    }

    #[test]
    fn whitespace_before_a_token_is_recorded() {
        let mut lexer = Lexer::new("a \t b");
        lexer.next_token().unwrap();
        let b = lexer.next_token().unwrap();
        assert_eq!(b.space_before, Span::new(1, 4));
        assert_eq!(b.span, Span::new(4, 5));
    }
}
