//! The filter parser (RFC 7644 §3.4.2.2) and the token-level half of the PATCH path parser
//! (§3.5.2, Figure 7), which shares its value-filter grammar. Syntax only: it evaluates nothing.
//!
//! The RFC's ABNF is ambiguous and gives precedence in prose only; this is the grammar read:
//!
//! ```text
//! filter     := and_expr { SP "or" SP and_expr }
//! and_expr   := unary { SP "and" SP unary }
//! unary      := "not" [SP] "(" filter ")" | "(" filter ")" | attr_path "[" filter "]"
//!             | attr_path SP "pr" | attr_path SP op SP value
//! ```
//!
//! Nesting is bounded ([`MAX_DEPTH`]) and so is the number of comparisons
//! ([`MAX_COMPARISONS`]), so that neither parsing nor the code walking the tree afterwards can
//! exhaust the stack, whatever the input. What an error says about the likely intent ("did you
//! mean `eq`?") is worded in [`super::hints`].

use super::hints;
use super::lexer::{Lexer, Token, TokenKind};
use super::{CompValue, CompareOp, Filter};
use crate::scim::diag::{Diagnostic, Span};
use crate::scim::path::{
    AttrPath, ParsedPath, PatchPath, attr_path_from_word, is_bare_schema_urn, sub_attr_from_word,
};

/// How deeply parentheses, `not` and value filters may nest.
pub const MAX_DEPTH: usize = 64;

/// How many comparisons one filter may hold; a chain of `and`/`or` builds a tree as deep as it
/// is long.
pub const MAX_COMPARISONS: usize = 1000;

/// How forgiving the parser is.
///
/// Strict parsing follows the RFC's grammar. Lenient parsing also accepts what real clients
/// send, and records a warning for each leniency used: runs of whitespace (or tabs, or none
/// around brackets) where the grammar has one space, Entra's `emails[type eq "work"].value eq
/// "x"`, a `$ref` attribute name, and (in PATCH paths) a bare schema URN.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions {
    /// Accept, with a warning each, what real clients send beyond the RFC's grammar.
    pub lenient: bool,
}

impl ParseOptions {
    /// Options for lenient parsing.
    pub fn lenient() -> Self {
        ParseOptions { lenient: true }
    }
}

/// A parsed filter and the leniencies that were needed to read it.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The syntax tree.
    pub filter: Filter,
    /// One note per leniency used, and notes on legal but unusual spellings (`AND`).
    pub warnings: Vec<Diagnostic>,
}

/// Parses a filter strictly.
pub fn parse_filter(input: &str) -> Result<Filter, Diagnostic> {
    parse_filter_with(input, ParseOptions::default()).map(|p| p.filter)
}

/// Parses a filter with the given options.
pub fn parse_filter_with(input: &str, opts: ParseOptions) -> Result<Parsed, Diagnostic> {
    let mut parser = Parser::new(input, opts)?;
    if parser.peek.kind == TokenKind::End {
        return Err(Diagnostic::new("empty filter", parser.peek.span));
    }
    parser.leading_space()?;
    let filter = parser.or_expr(0)?;
    parser.expect_end()?;
    Ok(Parsed {
        filter,
        warnings: parser.warnings,
    })
}

/// Parses a PATCH path: `attrPath`, `valuePath` or `valuePath.subAttr`.
pub(crate) fn parse_patch_path_tokens(
    input: &str,
    opts: ParseOptions,
) -> Result<ParsedPath, Diagnostic> {
    let mut parser = Parser::new(input, opts)?;
    if parser.peek.kind == TokenKind::End {
        return Err(Diagnostic::new("empty path", parser.peek.span)
            .with_hint("omit `path` to target the whole resource"));
    }
    parser.leading_space()?;
    let token = parser.advance()?;
    let TokenKind::Word(word) = token.kind else {
        return Err(Diagnostic::new(
            format!(
                "expected an attribute path, found {}",
                token.describe(input)
            ),
            token.span,
        ));
    };
    if is_bare_schema_urn(word) && parser.peek.kind == TokenKind::End {
        let message = format!("`{word}` names a schema, not an attribute");
        if !opts.lenient {
            return Err(Diagnostic::new(message, token.span).with_hint(
                "add an attribute name after the URN, or omit `path` and key the value by the URN",
            ));
        }
        parser.warn(Diagnostic::new(
            format!("{message}; read as the whole extension object"),
            token.span,
        ));
        let attr = AttrPath {
            urn: Some(word.to_string()),
            name: String::new(),
            sub: None,
        };
        return Ok(ParsedPath {
            path: PatchPath::Attr(attr),
            warnings: parser.warnings,
        });
    }
    let attr = parser.attr_path(word, token.span)?;
    if parser.peek.kind != TokenKind::OpenBracket {
        parser.expect_end()?;
        return Ok(ParsedPath {
            path: PatchPath::Attr(attr),
            warnings: parser.warnings,
        });
    }
    let filter = parser.bracket_filter(&attr, 0)?;
    let sub = parser.sub_after_bracket()?.map(|(sub, _)| sub);
    if parser.peek.kind == TokenKind::OpenBracket {
        return Err(
            Diagnostic::new("a PATCH path takes one value filter", parser.peek.span)
                .with_hint("combine the conditions with `and` inside one `[...]`"),
        );
    }
    parser.expect_end()?;
    Ok(ParsedPath {
        path: PatchPath::Filtered { attr, filter, sub },
        warnings: parser.warnings,
    })
}

/// What follows an attribute path: `pr` or a comparison operator.
enum Operator {
    Present,
    Compare(CompareOp),
}

struct Parser<'a> {
    input: &'a str,
    lexer: Lexer<'a>,
    peek: Token<'a>,
    opts: ParseOptions,
    warnings: Vec<Diagnostic>,
    comparisons: usize,
    /// Set while parsing the inside of `[...]`, where another `[` may not appear.
    inside_value_filter: bool,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str, opts: ParseOptions) -> Result<Self, Diagnostic> {
        let mut lexer = Lexer::new(input);
        let peek = lexer.next_token()?;
        Ok(Parser {
            input,
            lexer,
            peek,
            opts,
            warnings: Vec::new(),
            comparisons: 0,
            inside_value_filter: false,
        })
    }

    fn advance(&mut self) -> Result<Token<'a>, Diagnostic> {
        let next = self.lexer.next_token()?;
        Ok(std::mem::replace(&mut self.peek, next))
    }

    fn warn(&mut self, warning: Diagnostic) {
        self.warnings.push(warning);
    }

    fn text(&self, span: Span) -> &'a str {
        self.input.get(span.start..span.end).unwrap_or("")
    }

    /// Applies `strict_error` in strict mode, or records it as a warning in lenient mode.
    fn leniency(&mut self, strict_error: Diagnostic) -> Result<(), Diagnostic> {
        if self.opts.lenient {
            self.warn(strict_error);
            Ok(())
        } else {
            Err(strict_error.with_hint("lenient parsing accepts this"))
        }
    }

    fn leading_space(&mut self) -> Result<(), Diagnostic> {
        if self.peek.has_space_before() {
            let span = self.peek.space_before;
            self.leniency(Diagnostic::new("unexpected whitespace at the start", span))?;
        }
        Ok(())
    }

    /// Where the grammar has `SP`: exactly one space before the next token.
    fn one_space_before_peek(&mut self) -> Result<(), Diagnostic> {
        let space = self.peek.space_before;
        if self.peek.kind == TokenKind::End {
            return Err(Diagnostic::new(
                "unexpected end of filter: expected an expression",
                self.peek.span,
            ));
        }
        if !self.peek.has_space_before() {
            // RFC 7644 §3.5.2.2's own example has `members[value eq\"2819c223...\"]`.
            let found = self.peek.describe(self.input);
            return self.leniency(Diagnostic::new(
                format!("expected a space before {found}"),
                self.peek.span,
            ));
        }
        if self.text(space) != " " {
            self.leniency(Diagnostic::new(
                "expected exactly one space here (RFC 7644 §3.4.2.2 `SP`)",
                space,
            ))?;
        }
        Ok(())
    }

    /// Where the grammar has no whitespace: before `)`, `]`, `[`, after `(` and `[`.
    fn no_space_before_peek(&mut self) -> Result<(), Diagnostic> {
        if self.peek.has_space_before() {
            let message = match self.peek.kind {
                TokenKind::End => "unexpected whitespace at the end".to_string(),
                _ => format!(
                    "unexpected whitespace before {}",
                    self.peek.describe(self.input)
                ),
            };
            let span = self.peek.space_before;
            self.leniency(Diagnostic::new(message, span))?;
        }
        Ok(())
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek.kind, TokenKind::Word(w) if w.eq_ignore_ascii_case(word))
    }

    /// Consumes a logical keyword, noting a spelling other than lowercase, which the RFC never
    /// shows though it calls the operators case-insensitive only for comparisons.
    fn logical_keyword(&mut self) -> Result<(), Diagnostic> {
        let token = self.advance()?;
        let text = self.text(token.span);
        if text.chars().any(|c| c.is_ascii_uppercase()) {
            self.warn(Diagnostic::new(
                format!(
                    "`{text}` is not lowercase; the RFC spells logical operators `{}`",
                    text.to_ascii_lowercase()
                ),
                token.span,
            ));
        }
        Ok(())
    }

    /// `and_expr { SP "or" SP and_expr }`.
    fn or_expr(&mut self, depth: usize) -> Result<Filter, Diagnostic> {
        self.chain(depth, "or", Self::and_expr, Filter::Or)
    }

    /// `unary { SP "and" SP unary }`.
    fn and_expr(&mut self, depth: usize) -> Result<Filter, Diagnostic> {
        self.chain(depth, "and", Self::unary, Filter::And)
    }

    /// `operand { SP keyword SP operand }`, joined left-associatively.
    fn chain(
        &mut self,
        depth: usize,
        keyword: &str,
        operand: fn(&mut Self, usize) -> Result<Filter, Diagnostic>,
        join: fn(Box<Filter>, Box<Filter>) -> Filter,
    ) -> Result<Filter, Diagnostic> {
        let mut left = operand(self, depth)?;
        while self.keyword(keyword) {
            self.one_space_before_peek()?;
            self.logical_keyword()?;
            self.one_space_before_peek()?;
            let right = operand(self, depth)?;
            left = join(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn nested(&self, depth: usize, opener: Span) -> Result<usize, Diagnostic> {
        if depth >= MAX_DEPTH {
            return Err(Diagnostic::new(
                format!("filter nested deeper than {MAX_DEPTH} levels"),
                opener,
            ));
        }
        Ok(depth + 1)
    }

    fn unary(&mut self, depth: usize) -> Result<Filter, Diagnostic> {
        let token = self.advance()?;
        match token.kind {
            TokenKind::OpenParen => self.group(depth, token.span),
            TokenKind::Word(word)
                if word.eq_ignore_ascii_case("not") && self.peek.kind == TokenKind::OpenParen =>
            {
                self.not(depth, token)
            }
            TokenKind::Word(word)
                if word.eq_ignore_ascii_case("not") && self.negates_unparenthesised() =>
            {
                Err(Diagnostic::new("`not` needs parentheses", token.span)
                    .with_hint("write `not (...)` around the expression to negate"))
            }
            TokenKind::Word(word) if word.starts_with('!') => {
                Err(Diagnostic::new("`!` is not a SCIM operator", token.span)
                    .with_hint("write `not (...)` around the expression to negate"))
            }
            TokenKind::Word(word) => {
                let path = self.attr_path(word, token.span)?;
                self.attr_expr(path, token.span, depth)
            }
            TokenKind::End => Err(Diagnostic::new(
                "unexpected end of filter: expected an expression",
                token.span,
            )),
            _ => Err(Diagnostic::new(
                format!(
                    "expected an attribute path, `not` or `(`, found {}",
                    token.describe(self.input)
                ),
                token.span,
            )),
        }
    }

    /// After `not`: whether what follows reads as an operand rather than as the operator of an
    /// attribute that happens to be called `not` (`not pr`, `not[...]`).
    fn negates_unparenthesised(&self) -> bool {
        match self.peek.kind {
            TokenKind::Word(w) => {
                CompareOp::from_keyword(w).is_none() && !w.eq_ignore_ascii_case("pr")
            }
            TokenKind::End | TokenKind::String(_) => true,
            _ => false,
        }
    }

    /// `"(" filter ")"` after the `(`.
    fn group(&mut self, depth: usize, open: Span) -> Result<Filter, Diagnostic> {
        let depth = self.nested(depth, open)?;
        self.no_space_before_peek()?;
        let inner = self.or_expr(depth)?;
        self.close(TokenKind::CloseParen, open, "`(`")?;
        Ok(inner)
    }

    /// Consumes the closing `)` or `]` of a group opened at `open`.
    fn close(
        &mut self,
        closer: TokenKind<'static>,
        open: Span,
        opener: &str,
    ) -> Result<(), Diagnostic> {
        if self.peek.kind == closer {
            self.no_space_before_peek()?;
            self.advance()?;
            return Ok(());
        }
        let found = self.peek.describe(self.input);
        let wanted = if closer == TokenKind::CloseParen {
            "`)`"
        } else {
            "`]`"
        };
        let message = if self.peek.kind == TokenKind::End {
            format!("unclosed {opener}: expected {wanted}, found end of filter")
        } else {
            format!("expected `and`, `or` or {wanted}, found {found}")
        };
        let mut diagnostic = Diagnostic::new(message, self.peek.span);
        if self.peek.kind == TokenKind::End {
            diagnostic = diagnostic.with_hint(format!(
                "the {opener} at byte {} is never closed",
                open.start
            ));
        } else if let Some(hint) = hints::logical_suggestion(&self.peek) {
            diagnostic = diagnostic.with_hint(hint);
        }
        Err(diagnostic)
    }

    /// `"not" [SP] "(" filter ")"`; RFC 7644's own example has the space (erratum 7319).
    fn not(&mut self, depth: usize, not: Token<'a>) -> Result<Filter, Diagnostic> {
        let text = self.text(not.span);
        if text != "not" {
            self.warn(Diagnostic::new(
                format!("`{text}` is not lowercase; the RFC spells it `not`"),
                not.span,
            ));
        }
        if self.peek.has_space_before() && self.text(self.peek.space_before) != " " {
            let space = self.peek.space_before;
            self.leniency(Diagnostic::new(
                "expected at most one space between `not` and `(`",
                space,
            ))?;
        }
        let open = self.advance()?;
        let inner = self.group(depth, open.span)?;
        Ok(Filter::Not(Box::new(inner)))
    }

    fn attr_path(&mut self, word: &str, span: Span) -> Result<AttrPath, Diagnostic> {
        attr_path_from_word(word, span.start, self.opts, &mut self.warnings)
    }

    /// What follows an attribute path in a filter: `[...]`, `pr`, or an operator and a value.
    fn attr_expr(
        &mut self,
        path: AttrPath,
        path_span: Span,
        depth: usize,
    ) -> Result<Filter, Diagnostic> {
        if self.peek.kind == TokenKind::OpenBracket {
            let inner = self.bracket_filter(&path, depth)?;
            return self.after_value_path(path, inner);
        }
        self.comparison(path, path_span)
    }

    /// `SP "pr"` or `SP op SP value` after an attribute path.
    fn comparison(&mut self, path: AttrPath, path_span: Span) -> Result<Filter, Diagnostic> {
        let path_text = self.text(path_span);
        let op_token = self.peek.clone();
        let operator = match op_token.kind {
            TokenKind::Word(word) if word.eq_ignore_ascii_case("pr") => Some(Operator::Present),
            TokenKind::Word(word) => CompareOp::from_keyword(word).map(Operator::Compare),
            _ => None,
        };
        let Some(operator) = operator else {
            return Err(hints::operator_error(self.input, path_text, &op_token));
        };
        self.one_space_before_peek()?;
        self.advance()?;
        self.comparisons += 1;
        if self.comparisons > MAX_COMPARISONS {
            return Err(Diagnostic::new(
                format!("filter has more than {MAX_COMPARISONS} comparisons"),
                op_token.span,
            ));
        }
        let op = match operator {
            Operator::Compare(op) => op,
            Operator::Present => {
                let value_follows = match self.peek.kind {
                    TokenKind::String(_) => true,
                    TokenKind::Word(w) => !is_logical(w) && !w.starts_with(['&', '|']),
                    _ => false,
                };
                if value_follows {
                    return Err(Diagnostic::new("`pr` takes no value", self.peek.span)
                        .with_hint(format!("write `{path_text} pr` or `{path_text} eq ...`")));
                }
                return Ok(Filter::Present(path));
            }
        };
        let op_text = self.text(op_token.span);
        if self.peek.kind == TokenKind::End {
            return Err(Diagnostic::new(
                format!("expected a value after `{op_text}`, found end of filter"),
                self.peek.span,
            ));
        }
        self.one_space_before_peek()?;
        let value_token = self.advance()?;
        let value = self.value(value_token, op_text)?;
        Ok(Filter::Compare(path, op, value))
    }

    /// A comparison value: a JSON string, number, `true`, `false` or `null`.
    fn value(&mut self, token: Token<'a>, op_text: &str) -> Result<CompValue, Diagnostic> {
        let word = match token.kind {
            TokenKind::String(s) => return Ok(CompValue::String(s)),
            TokenKind::Word(word) => word,
            _ => {
                return Err(Diagnostic::new(
                    format!(
                        "expected a value after `{op_text}`, found {}",
                        token.describe(self.input)
                    ),
                    token.span,
                ));
            }
        };
        match word {
            "true" => return Ok(CompValue::Bool(true)),
            "false" => return Ok(CompValue::Bool(false)),
            "null" => return Ok(CompValue::Null),
            _ => {}
        }
        let number_like = word
            .starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '.')
            && word
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
        if number_like {
            return parse_number(word, token.span).map(CompValue::Number);
        }
        Err(hints::bare_value_error(self.input, &token, word))
    }

    /// `"[" filter "]"` after `attr`; value filters do not nest (§3.4.2.2 `valFilter`).
    fn bracket_filter(&mut self, attr: &AttrPath, depth: usize) -> Result<Filter, Diagnostic> {
        self.no_space_before_peek()?;
        let open = self.advance()?;
        if self.inside_value_filter {
            return Err(Diagnostic::new("value filters cannot be nested", open.span)
                .with_hint("a `[...]` filter applies to one multi-valued attribute; combine conditions with `and`"));
        }
        if let Some(sub) = &attr.sub {
            return Err(Diagnostic::new(
                format!("a value filter applies to a top-level attribute, not to the sub-attribute `{sub}`"),
                open.span,
            )
            .with_hint("complex attributes cannot contain complex attributes (RFC 7643 §2.3.8)"));
        }
        let depth = self.nested(depth, open.span)?;
        self.no_space_before_peek()?;
        self.inside_value_filter = true;
        let inner = self.or_expr(depth);
        self.inside_value_filter = false;
        let inner = inner?;
        self.close(TokenKind::CloseBracket, open.span, "`[`")?;
        Ok(inner)
    }

    /// A `.subAttr` right after `]`, as a PATCH path has it (Figure 7).
    fn sub_after_bracket(&mut self) -> Result<Option<(String, Span)>, Diagnostic> {
        let TokenKind::Word(word) = self.peek.kind else {
            return Ok(None);
        };
        let Some(sub) = word.strip_prefix('.') else {
            return Ok(None);
        };
        if self.peek.has_space_before() {
            return Ok(None);
        }
        let token = self.advance()?;
        let sub_span = Span::new(token.span.start + 1, token.span.end);
        let sub = sub_attr_from_word(sub, sub_span.start, self.opts, &mut self.warnings)?;
        Ok(Some((sub, token.span)))
    }

    /// Entra writes `emails[type eq "work"].value eq "x"`, which the filter grammar lacks;
    /// it means `emails[type eq "work" and value eq "x"]`.
    fn after_value_path(&mut self, attr: AttrPath, inner: Filter) -> Result<Filter, Diagnostic> {
        let Some((sub, sub_span)) = self.sub_after_bracket()? else {
            return Ok(Filter::ValuePath(attr, Box::new(inner)));
        };
        let sub_path = AttrPath {
            urn: None,
            name: sub,
            sub: None,
        };
        let comparison = self.comparison(sub_path, Span::new(sub_span.start + 1, sub_span.end))?;
        let combined = Filter::ValuePath(
            attr,
            Box::new(Filter::And(Box::new(inner), Box::new(comparison))),
        );
        let message = "a sub-attribute after `]` belongs in PATCH paths, not filters";
        if !self.opts.lenient {
            return Err(Diagnostic::new(message, sub_span)
                .with_hint(format!("write `{combined}`; lenient parsing reads it so")));
        }
        self.warn(Diagnostic::new(
            format!("{message}; read as `{combined}`"),
            sub_span,
        ));
        Ok(combined)
    }

    /// After a complete filter (or PATCH path): only the end of input may follow.
    fn expect_end(&mut self) -> Result<(), Diagnostic> {
        if self.peek.kind == TokenKind::End {
            return self.no_space_before_peek();
        }
        let found = self.peek.describe(self.input);
        let message = match self.peek.kind {
            TokenKind::CloseParen => "unmatched `)`".to_string(),
            TokenKind::CloseBracket => "unmatched `]`".to_string(),
            _ => format!("expected `and`, `or` or end of input, found {found}"),
        };
        let diagnostic = Diagnostic::new(message, self.peek.span);
        Err(match hints::logical_suggestion(&self.peek) {
            Some(hint) => diagnostic.with_hint(hint),
            None => diagnostic,
        })
    }
}

/// Whether `word` is a logical operator (`and`, `or`) in any case.
pub(super) fn is_logical(word: &str) -> bool {
    word.eq_ignore_ascii_case("and") || word.eq_ignore_ascii_case("or")
}

/// A JSON number (RFC 8259 §6): an integer when it fits `i64`/`u64`, else an `f64`, as
/// serde_json reads numbers, but rounded correctly so that printing and reparsing is exact.
fn parse_number(word: &str, span: Span) -> Result<serde_json::Number, Diagnostic> {
    if !is_json_number(word) {
        return Err(Diagnostic::new(format!("invalid number `{word}`"), span)
            .with_hint("numbers are JSON numbers, such as 42, -1.5 or 1e3; quote strings"));
    }
    let is_integer = !word.contains(['.', 'e', 'E']);
    if is_integer {
        if let Ok(n) = word.parse::<i64>() {
            return Ok(n.into());
        }
        if let Ok(n) = word.parse::<u64>() {
            return Ok(n.into());
        }
    }
    word.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .ok_or_else(|| Diagnostic::new(format!("number `{word}` is out of range"), span))
}

pub(super) fn is_json_number(word: &str) -> bool {
    let bytes = word.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == bytes.len()
}
