//! Text with `{{variable}}` placeholders, split when the suite is read so that a typo is
//! reported at its place in the file. Pure: it holds no values; they come from the caller.

/// A piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    Literal(String),
    /// A variable name: letters, digits, `_`, `-` and `.`.
    Variable(String),
}

/// A template named a variable that has no value (yet).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown variable `{{{{{0}}}}}`")]
pub struct UnknownVariable(pub String);

/// Text with `{{variable}}` placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
}

impl Template {
    /// Splits `text` into literals and variables. The error says what is wrong and at which
    /// byte offset of `text`.
    pub fn parse(text: &str) -> Result<Template, (String, usize)> {
        let mut parts = Vec::new();
        let mut rest = text;
        let mut offset = 0;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(TemplatePart::Literal(rest[..open].to_owned()));
            }
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                return Err(("`{{` without a closing `}}`".to_owned(), offset + open));
            };
            let name = after[..close].trim();
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !valid {
                return Err((
                    format!(
                        "`{{{{{}}}}}` is not a variable name (letters, digits, `_`, `-`, `.`)",
                        &after[..close]
                    ),
                    offset + open,
                ));
            }
            parts.push(TemplatePart::Variable(name.to_owned()));
            let consumed = open + 2 + close + 2;
            offset += consumed;
            rest = &rest[consumed..];
        }
        if !rest.is_empty() {
            parts.push(TemplatePart::Literal(rest.to_owned()));
        }
        Ok(Template { parts })
    }

    /// The variable name when the template is exactly one placeholder and nothing else.
    pub fn sole_variable(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [TemplatePart::Variable(name)] => Some(name),
            _ => None,
        }
    }

    /// Every variable the template uses.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            TemplatePart::Variable(name) => Some(name.as_str()),
            TemplatePart::Literal(_) => None,
        })
    }

    /// Substitutes every variable through `lookup`; the error names the first unknown one.
    pub fn render(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<String, UnknownVariable> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                TemplatePart::Literal(text) => out.push_str(text),
                TemplatePart::Variable(name) => match lookup(name) {
                    Some(value) => out.push_str(&value),
                    None => return Err(UnknownVariable(name.clone())),
                },
            }
        }
        Ok(out)
    }

    /// True for a path ending in `/.search` (RFC 7644 §3.4.3): a read, although a POST.
    pub fn is_search(&self) -> bool {
        matches!(self.parts.last(), Some(TemplatePart::Literal(text)) if text.ends_with("/.search"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_split_from_literals() {
        let template = Template::parse("/Users/{{ user_id }}?x").unwrap();
        assert_eq!(
            template.parts,
            vec![
                TemplatePart::Literal("/Users/".into()),
                TemplatePart::Variable("user_id".into()),
                TemplatePart::Literal("?x".into()),
            ]
        );
        let rendered = template.render(|name| (name == "user_id").then(|| "42".to_owned()));
        assert_eq!(rendered.unwrap(), "/Users/42?x");
    }

    #[test]
    fn an_unclosed_or_odd_placeholder_is_reported_with_its_offset() {
        assert_eq!(
            Template::parse("ab{{x").unwrap_err(),
            ("`{{` without a closing `}}`".to_owned(), 2)
        );
        assert!(
            Template::parse("{{a b}}")
                .unwrap_err()
                .0
                .contains("not a variable name")
        );
    }

    #[test]
    fn an_unknown_variable_is_named() {
        let template = Template::parse("{{nope}}").unwrap();
        assert_eq!(template.sole_variable(), Some("nope"));
        assert_eq!(
            template.render(|_| None).unwrap_err().to_string(),
            "unknown variable `{{nope}}`"
        );
    }
}
