//! Templates: a suite's own `[templates.NAME]` and the standard ones, resolved into the steps
//! that `use` them. Merging is `RawStep::over`'s and validation `step`'s, not this module's.

use std::collections::{BTreeMap, HashSet};

use toml::Spanned;

use super::raw::{RawStep, RawTemplates};
use super::{Source, did_you_mean, step};
use crate::suite::{STANDARD_TEMPLATES, Step, SuiteError};

/// How deep templates may build on one another.
const MAX_TEMPLATE_DEPTH: usize = 8;

/// Where a template is looked up: a suite's steps see its own templates, then the standard
/// ones; a standard template sees only the standard ones.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Suite,
    Standard,
}

/// The templates a suite's steps may use.
pub(super) struct Templates {
    own: BTreeMap<String, Spanned<RawStep>>,
    standard: BTreeMap<String, Spanned<RawStep>>,
}

impl Templates {
    /// A suite's own templates, with the standard ones behind them.
    pub fn new(own: BTreeMap<String, Spanned<RawStep>>) -> Result<Templates, SuiteError> {
        let source = Source {
            origin: "templates.toml",
            text: STANDARD_TEMPLATES,
        };
        let standard: RawTemplates =
            toml::from_str(STANDARD_TEMPLATES).map_err(|e| source.toml(&e, 0..0))?;
        Ok(Templates {
            own,
            standard: standard.templates,
        })
    }

    /// A step as the check runs it: its templates resolved, then validated. An error found in
    /// a template of the suite says which step used it; one in a standard template is reported
    /// at the step's `use`.
    pub fn step(
        &self,
        source: &Source<'_>,
        spanned: Spanned<RawStep>,
        setup: bool,
        defined: &mut HashSet<String>,
    ) -> Result<Step, SuiteError> {
        let span = spanned.span();
        let raw = spanned.into_inner();
        let used = raw.uses.clone();
        let mut resolved = self.resolve(source, raw, Scope::Suite, &mut Vec::new())?;
        if setup {
            resolved.setup = Some(true);
        }
        step::step(source, resolved, span.clone(), defined).map_err(|error| {
            let Some(name) = used.filter(|_| error.hint.is_none()) else {
                return error;
            };
            let first = source.line_of(&span);
            let last = source.line_of(&(span.end..span.end));
            let at_use = source.error(name.span(), "");
            let hint = if (error.line, error.column) == (at_use.line, at_use.column)
                && !self.own.contains_key(name.get_ref())
            {
                format!(
                    "in the standard template `{}` (testsuites/templates.toml)",
                    name.get_ref()
                )
            } else if !(first..=last).contains(&error.line) {
                format!(
                    "in template `{}`, used by the step at line {first}",
                    name.get_ref()
                )
            } else {
                return error;
            };
            SuiteError {
                hint: Some(hint),
                ..error
            }
        })
    }

    /// The step with the template it uses (and those that one uses) written under it.
    fn resolve(
        &self,
        source: &Source<'_>,
        step: RawStep,
        scope: Scope,
        stack: &mut Vec<String>,
    ) -> Result<RawStep, SuiteError> {
        let Some(name) = step.uses.clone() else {
            return Ok(step);
        };
        let own = self
            .own
            .get(name.get_ref())
            .filter(|_| scope == Scope::Suite);
        let (template, scope) = match (own, self.standard.get(name.get_ref())) {
            (Some(own), _) => (own.get_ref().clone(), Scope::Suite),
            (None, Some(standard)) => (
                standard.get_ref().clone().respan(&name.span()),
                Scope::Standard,
            ),
            (None, None) => return Err(self.unknown(source, &name)),
        };
        if stack.contains(name.get_ref()) || stack.len() >= MAX_TEMPLATE_DEPTH {
            stack.push(name.get_ref().clone());
            return Err(source.error(
                name.span(),
                format!(
                    "templates cannot use one another in a loop or more than {MAX_TEMPLATE_DEPTH} \
                     deep: {}",
                    stack.join(" uses ")
                ),
            ));
        }
        stack.push(name.get_ref().clone());
        let base = self.resolve(source, template, scope, stack)?;
        stack.pop();
        Ok(step.over(base))
    }

    fn unknown(&self, source: &Source<'_>, name: &Spanned<String>) -> SuiteError {
        let known: Vec<&str> = self
            .own
            .keys()
            .chain(self.standard.keys())
            .map(String::as_str)
            .collect();
        SuiteError {
            hint: did_you_mean(name.get_ref(), &known),
            ..source.error(
                name.span(),
                format!(
                    "no template named `{}`; define it as [templates.{}]",
                    name.get_ref(),
                    name.get_ref()
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_standard_template_reads_and_resolves() {
        let templates = Templates::new(BTreeMap::new()).expect("templates.toml reads");
        let source = Source {
            origin: "t.toml",
            text: "",
        };
        assert!(templates.standard.len() >= 10);
        for (name, template) in &templates.standard {
            let resolved = templates
                .resolve(
                    &source,
                    template.get_ref().clone(),
                    Scope::Standard,
                    &mut Vec::new(),
                )
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                resolved.method.is_some() && resolved.status.is_some(),
                "{name}"
            );
        }
    }
}
