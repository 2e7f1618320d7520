//! Templates: a suite's own `[templates.NAME]`, the identity providers' shapes
//! (`use = "okta.user-lookup"`, `testsuites/idp/`) and the standard templates, resolved into the
//! steps that `use` them, with `with = { ... }` bound into the template. Merging is
//! `RawStep::over`'s, binding `bind`'s and validation `step`'s, not this module's.

use std::collections::{BTreeMap, HashSet};

use toml::Spanned;

use super::bind::bind;
use super::idp::{RawShapes, idp_origin};
use super::raw::{RawStep, RawTemplates};
use super::{Source, did_you_mean, step};
use crate::scim::percent::QueryEncoding;
use crate::suite::idp::IDENTITY_PROVIDERS;
use crate::suite::{STANDARD_TEMPLATES, Step, SuiteError};

/// How deep templates may build on one another.
const MAX_TEMPLATE_DEPTH: usize = 8;

/// Where a template is looked up: a suite's steps see its own templates, then the
/// identity providers' shapes by qualified name (`okta.user-lookup`), then the standard ones;
/// a shape sees the shapes of its identity provider (and of the one it extends) by plain name;
/// a standard template sees only the standard ones.
#[derive(Clone, PartialEq, Eq)]
pub(super) enum Scope {
    Suite,
    Idp(String),
    Standard,
}

/// One identity provider's shapes, as the templates see them.
struct Shapes {
    extends: Option<String>,
    encoding: Option<QueryEncoding>,
    shapes: BTreeMap<String, Spanned<RawStep>>,
}

/// The templates a suite's steps may use.
pub(super) struct Templates {
    own: BTreeMap<String, Spanned<RawStep>>,
    idps: BTreeMap<String, Shapes>,
    standard: BTreeMap<String, Spanned<RawStep>>,
}

impl Templates {
    /// A suite's own templates, with the identity providers' shapes and the standard
    /// templates behind them.
    pub fn new(own: BTreeMap<String, Spanned<RawStep>>) -> Result<Templates, SuiteError> {
        let source = Source {
            origin: "templates.toml",
            text: STANDARD_TEMPLATES,
        };
        let standard: RawTemplates =
            toml::from_str(STANDARD_TEMPLATES).map_err(|e| source.toml(&e, 0..0))?;
        let mut idps = BTreeMap::new();
        for (name, text) in IDENTITY_PROVIDERS {
            let origin = idp_origin(name);
            let source = Source {
                origin: &origin,
                text,
            };
            let raw: RawShapes = toml::from_str(text).map_err(|e| source.toml(&e, 0..0))?;
            let encoding = raw
                .idp
                .encoding
                .as_ref()
                .map(|name| {
                    QueryEncoding::parse(name.get_ref()).ok_or_else(|| {
                        source.error(
                            name.span(),
                            format!(
                                "unknown encoding `{}`; expected `percent` (%20 for a space) or \
                                 `form` (+ for a space)",
                                name.get_ref()
                            ),
                        )
                    })
                })
                .transpose()?;
            idps.insert(
                (*name).to_owned(),
                Shapes {
                    extends: raw.idp.extends.map(Spanned::into_inner),
                    encoding,
                    shapes: raw.shapes,
                },
            );
        }
        Ok(Templates {
            own,
            idps,
            standard: standard.templates,
        })
    }

    /// The shape `name` of `idp` or of the identity provider it extends, and the name of the
    /// identity provider whose file defines it.
    pub fn shape(&self, idp: &str, name: &str) -> Option<(&Spanned<RawStep>, &str)> {
        let mut current = Some(idp);
        for _ in 0..MAX_TEMPLATE_DEPTH {
            let (key, shapes) = self.idps.get_key_value(current?)?;
            if let Some(shape) = shapes.shapes.get(name) {
                return Some((shape, key));
            }
            current = shapes.extends.as_deref();
        }
        None
    }

    /// How `idp` (or the one it extends) writes a value into a query string.
    fn encoding(&self, idp: &str) -> QueryEncoding {
        let mut current = Some(idp);
        for _ in 0..MAX_TEMPLATE_DEPTH {
            let Some(shapes) = current.and_then(|name| self.idps.get(name)) else {
                break;
            };
            if let Some(encoding) = shapes.encoding {
                return encoding;
            }
            current = shapes.extends.as_deref();
        }
        QueryEncoding::Percent
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
        self.step_in(source, spanned, setup, Scope::Suite, defined)
    }

    /// [`Templates::step`] for a step whose templates are looked up in `scope`.
    pub fn step_in(
        &self,
        source: &Source<'_>,
        spanned: Spanned<RawStep>,
        setup: bool,
        scope: Scope,
        defined: &mut HashSet<String>,
    ) -> Result<Step, SuiteError> {
        let span = spanned.span();
        let raw = spanned.into_inner();
        let used = raw.uses.clone();
        let mut resolved = self.resolve(source, raw, scope.clone(), &mut Vec::new())?;
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
                let qualified = name
                    .get_ref()
                    .split_once('.')
                    .filter(|(idp, _)| self.idps.contains_key(*idp));
                match (qualified, &scope) {
                    (Some((idp, shape)), _) => {
                        format!("in the shape `{shape}` of {}", idp_origin(idp))
                    }
                    (None, Scope::Idp(idp)) if !self.standard.contains_key(name.get_ref()) => {
                        format!("in the shape `{}` of {}", name.get_ref(), idp_origin(idp))
                    }
                    _ => format!(
                        "in the standard template `{}` (testsuites/templates.toml)",
                        name.get_ref()
                    ),
                }
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

    /// The step with the template it uses (and those that one uses) written under it, its
    /// `with` bound into that template.
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
        let Some((template, scope)) = self.lookup(name.get_ref(), &scope) else {
            return Err(self.unknown(source, &name));
        };
        let template = match scope {
            Scope::Suite => template.get_ref().clone(),
            Scope::Idp(_) | Scope::Standard => template.get_ref().clone().respan(&name.span()),
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
        let mut base = self.resolve(source, template, scope.clone(), stack)?;
        stack.pop();
        if let Scope::Idp(idp) = &scope {
            base.encoding = Some(self.encoding(idp));
        }
        if let Some(params) = &step.with {
            base = bind(source, base, params, name.get_ref())?;
        }
        Ok(step.over(base))
    }

    /// The template `name` as seen from `scope`, and the scope its own `use` is read in.
    fn lookup(&self, name: &str, scope: &Scope) -> Option<(&Spanned<RawStep>, Scope)> {
        if *scope == Scope::Suite
            && let Some(own) = self.own.get(name)
        {
            return Some((own, Scope::Suite));
        }
        if *scope != Scope::Standard {
            let qualified = name
                .split_once('.')
                .filter(|(idp, _)| self.idps.contains_key(*idp));
            let found = match (qualified, scope) {
                (Some((idp, shape)), _) => self.shape(idp, shape).map(|(s, _)| (s, idp)),
                (None, Scope::Idp(idp)) => self.shape(idp, name).map(|(s, _)| (s, idp.as_str())),
                (None, _) => None,
            };
            if let Some((shape, idp)) = found {
                return Some((shape, Scope::Idp(idp.to_owned())));
            }
        }
        self.standard
            .get(name)
            .map(|standard| (standard, Scope::Standard))
    }

    fn unknown(&self, source: &Source<'_>, name: &Spanned<String>) -> SuiteError {
        let shapes: Vec<String> = self
            .idps
            .iter()
            .flat_map(|(idp, shapes)| shapes.shapes.keys().map(move |s| format!("{idp}.{s}")))
            .collect();
        let known: Vec<&str> = self
            .own
            .keys()
            .chain(self.standard.keys())
            .map(String::as_str)
            .chain(shapes.iter().map(String::as_str))
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
    fn every_shape_reads_and_resolves_with_its_identity_providers_encoding() {
        let templates = Templates::new(BTreeMap::new()).expect("the shapes read");
        let source = Source {
            origin: "t.toml",
            text: "",
        };
        for (idp, shapes) in &templates.idps {
            assert!(!shapes.shapes.is_empty(), "{idp} has shapes");
            for name in shapes.shapes.keys() {
                let step = RawStep {
                    uses: Some(Spanned::new(0..0, format!("{idp}.{name}"))),
                    ..RawStep::default()
                };
                let resolved = templates
                    .resolve(&source, step, Scope::Suite, &mut Vec::new())
                    .unwrap_or_else(|e| panic!("{idp}.{name}: {e}"));
                assert_eq!(
                    resolved.encoding,
                    Some(templates.encoding(idp)),
                    "{idp}.{name}"
                );
            }
        }
        assert_eq!(templates.encoding("okta"), QueryEncoding::Percent);
        assert_eq!(templates.encoding("entra-legacy"), QueryEncoding::Form);
    }

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
