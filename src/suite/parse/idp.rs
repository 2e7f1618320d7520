//! Reading an identity-provider file (`testsuites/idp/<name>.toml`): its header and shapes, which
//! every suite may use as templates, and its scenarios, validated into the model of
//! [`crate::suite::idp`] with every shape resolved, so that nothing is left to fail when a
//! scenario is replayed.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use serde::Deserialize;
use serde_json::{Map, Value};
use toml::Spanned;

use super::assertion::assertion;
use super::raw::{Entries, RawAssertion, RawCapture, RawStep, StatusSpec};
use super::templates::{Scope, Templates};
use super::{Source, deviation, known_variables};
use crate::findings::Deviation;
use crate::suite::idp::{
    Arg, ArgKind, IDENTITY_PROVIDERS, IdentityProvider, Isolation, Refusal, Scenario, ScenarioStep,
    SentBy, idp_file,
};
use crate::suite::{SuiteError, Template};

/// How many identity-provider files may extend one another.
const MAX_EXTENDS: usize = 4;

/// The file an identity provider is read from, for diagnostics.
pub(super) fn idp_origin(name: &str) -> String {
    format!("testsuites/idp/{name}.toml")
}

/// An identity-provider file's header.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIdpHeader {
    pub name: Spanned<String>,
    pub title: String,
    /// The name its conclusions use (`Entra would ...`) [default: the title].
    pub short: Option<String>,
    #[serde(default)]
    pub description: String,
    /// Another identity provider whose shapes and scenarios this one keeps unless it redefines
    /// them (Entra's legacy shapes extend Entra's).
    pub extends: Option<Spanned<String>>,
    /// How values are written into a query string: `percent` or `form`.
    pub encoding: Option<Spanned<String>>,
}

/// What the templates of every suite see of an identity-provider file (the rest is ignored).
#[derive(Deserialize)]
pub(super) struct RawShapes {
    pub idp: RawIdpHeader,
    #[serde(default)]
    pub shapes: BTreeMap<String, Spanned<RawStep>>,
}

/// A whole identity-provider file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIdpFile {
    idp: RawIdpHeader,
    /// Read by the templates ([`RawShapes`]); named here so that a misspelt table is refused.
    #[serde(default, rename = "shapes")]
    _shapes: Option<serde::de::IgnoredAny>,
    /// Per shape: its variants without some of its deviations.
    #[serde(default)]
    isolate: BTreeMap<String, Vec<Spanned<RawIsolation>>>,
    #[serde(default)]
    scenario: Vec<Spanned<RawScenario>>,
}

/// One deviation key, or several.
#[derive(Deserialize)]
#[serde(untagged)]
enum Keys {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIsolation {
    deviation: Keys,
    #[serde(rename = "use")]
    uses: Spanned<String>,
    message: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Spanned<String>,
    title: String,
    summary: String,
    #[serde(default)]
    args: Vec<Spanned<RawArg>>,
    outcome: Spanned<String>,
    step: Vec<Spanned<RawScenarioStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArg {
    name: Spanned<String>,
    kind: Spanned<String>,
    #[serde(default)]
    optional: bool,
    default: Option<String>,
    help: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenarioStep {
    #[serde(rename = "use")]
    uses: Spanned<String>,
    with: Option<Spanned<Map<String, Value>>>,
    by: Option<Spanned<String>>,
    when: Option<Spanned<String>>,
    note: Option<String>,
    status: Option<Spanned<StatusSpec>>,
    #[serde(default)]
    capture: Entries<Spanned<RawCapture>>,
    #[serde(default)]
    expect: Vec<Spanned<RawAssertion>>,
    #[serde(default)]
    tolerated: Vec<Spanned<RawAssertion>>,
    #[serde(default)]
    refused: Vec<Spanned<RawRefusal>>,
    done: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRefusal {
    status: StatusSpec,
    deviation: Spanned<String>,
    message: Spanned<String>,
    #[serde(default)]
    go_on: bool,
}

/// A file of the chain `name` extends, read.
struct Loaded {
    name: String,
    text: &'static str,
    raw: RawIdpFile,
}

/// Reads the identity provider `name` (a shipped file) and the ones it extends, and validates
/// its scenarios: every shape resolved, every variable known, every deviation key in the
/// catalogue. `None` when no file has that name.
pub fn load_idp(name: &str) -> Option<Result<IdentityProvider, SuiteError>> {
    idp_file(name)?;
    Some(load(name))
}

fn load(name: &str) -> Result<IdentityProvider, SuiteError> {
    let mut chain: Vec<Loaded> = Vec::new();
    let mut next = Some(name.to_owned());
    while let Some(current) = next.take() {
        let origin = idp_origin(&current);
        let Some(text) = idp_file(&current) else {
            let known: Vec<&str> = IDENTITY_PROVIDERS.iter().map(|(n, _)| *n).collect();
            return Err(SuiteError {
                origin,
                line: 1,
                column: 1,
                message: format!(
                    "no identity provider `{current}` to extend; the files are {}",
                    known.join(", ")
                ),
                source_line: String::new(),
                hint: None,
            });
        };
        let source = Source {
            origin: &origin,
            text,
        };
        let raw: RawIdpFile = toml::from_str(text).map_err(|e| source.toml(&e, 0..0))?;
        if raw.idp.name.get_ref() != &current {
            return Err(source.error(
                raw.idp.name.span(),
                format!("the file of `{current}` must say `name = \"{current}\"`"),
            ));
        }
        if chain.len() >= MAX_EXTENDS || chain.iter().any(|loaded| loaded.name == current) {
            return Err(source.error(
                raw.idp.name.span(),
                "identity-provider files cannot extend one another in a loop or more than \
                 4 deep",
            ));
        }
        next = raw.idp.extends.as_ref().map(|e| e.get_ref().clone());
        chain.push(Loaded {
            name: current,
            text,
            raw,
        });
    }
    let templates = Templates::new(BTreeMap::new())?;
    let written: Vec<Vec<Spanned<RawScenario>>> = chain
        .iter_mut()
        .map(|loaded| std::mem::take(&mut loaded.raw.scenario))
        .collect();
    let mut scenarios: Vec<Scenario> = Vec::new();
    for (loaded, raws) in chain.iter().zip(written).rev() {
        let origin = idp_origin(&loaded.name);
        let source = Source {
            origin: &origin,
            text: loaded.text,
        };
        for raw in raws {
            let span = raw.span();
            let scenario = scenario(&source, &templates, name, &chain, raw.into_inner(), span)?;
            match scenarios
                .iter_mut()
                .find(|known| known.name == scenario.name)
            {
                Some(known) => *known = scenario,
                None => scenarios.push(scenario),
            }
        }
    }
    let own = &chain[0].raw.idp;
    Ok(IdentityProvider {
        name: name.to_owned(),
        title: own.title.clone(),
        short: own.short.clone().unwrap_or_else(|| own.title.clone()),
        description: own.description.clone(),
        scenarios,
    })
}

fn scenario(
    source: &Source<'_>,
    templates: &Templates,
    idp: &str,
    chain: &[Loaded],
    raw: RawScenario,
    span: Range<usize>,
) -> Result<Scenario, SuiteError> {
    let name = raw.name.get_ref().clone();
    let kebab = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !kebab {
        return Err(source.error(
            raw.name.span(),
            format!("scenario name `{name}` must be lowercase letters, digits and `-`"),
        ));
    }
    let mut defined: HashSet<String> = HashSet::new();
    let mut args = Vec::new();
    for spanned in raw.args {
        let arg = argument(source, spanned, args.last())?;
        defined.insert(arg.name.clone());
        if arg.kind.existing() {
            defined.insert(format!("{}_id", arg.name));
        }
        args.push(arg);
    }
    if raw.step.is_empty() {
        return Err(source.error(span, format!("scenario `{name}` has no steps")));
    }
    let mut steps = Vec::with_capacity(raw.step.len());
    for spanned in raw.step {
        let span = spanned.span();
        steps.push(scenario_step(
            source,
            templates,
            (idp, chain),
            &args,
            spanned.into_inner(),
            span,
            &mut defined,
        )?);
    }
    Ok(Scenario {
        name,
        title: raw.title,
        summary: raw.summary,
        args,
        steps,
        outcome: message(source, &raw.outcome, &defined)?,
    })
}

fn argument(
    source: &Source<'_>,
    spanned: Spanned<RawArg>,
    previous: Option<&Arg>,
) -> Result<Arg, SuiteError> {
    let span = spanned.span();
    let raw = spanned.into_inner();
    let name = raw.name.get_ref().clone();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        return Err(source.error(
            raw.name.span(),
            format!("argument name `{name}` must be lowercase letters and `_`"),
        ));
    }
    let kind = ArgKind::parse(raw.kind.get_ref()).ok_or_else(|| {
        source.error(
            raw.kind.span(),
            format!(
                "unknown argument kind `{}`; expected user, group or text",
                raw.kind.get_ref()
            ),
        )
    })?;
    let optional = raw.optional || raw.default.is_some();
    if previous.is_some_and(|before| before.optional) && !optional {
        return Err(source.error(
            span,
            format!("argument `{name}` must be optional: it follows an optional one"),
        ));
    }
    if kind.existing() && raw.default.is_some() {
        return Err(source.error(span, "a user or group argument has no default"));
    }
    Ok(Arg {
        name,
        kind,
        default: raw.default,
        optional,
        help: raw.help,
    })
}

fn scenario_step(
    source: &Source<'_>,
    templates: &Templates,
    (idp, chain): (&str, &[Loaded]),
    args: &[Arg],
    raw: RawScenarioStep,
    span: Range<usize>,
    defined: &mut HashSet<String>,
) -> Result<ScenarioStep, SuiteError> {
    let by = sender(source, raw.by.as_ref())?;
    if let Some(when) = &raw.when
        && !args
            .iter()
            .any(|arg| arg.optional && arg.default.is_none() && arg.name == *when.get_ref())
    {
        return Err(source.error(
            when.span(),
            format!(
                "`when` names an optional argument without a default; `{}` is none",
                when.get_ref()
            ),
        ));
    }
    let scope = Scope::Idp(idp.to_owned());
    let isolate = isolations(source, templates, (idp, chain), &raw, defined)?;
    let mut whole = request(&raw, raw.uses.clone());
    whole.capture = raw.capture;
    whole.expect = raw.expect;
    let step = templates.step_in(
        source,
        Spanned::new(span.clone(), whole),
        false,
        scope,
        defined,
    )?;
    let tolerated = raw
        .tolerated
        .into_iter()
        .map(|spanned| {
            let span = spanned.span();
            assertion(source, spanned.into_inner(), span, defined)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let refused = refusals(source, raw.refused, defined)?;
    for assertion in step.expect.iter().chain(&tolerated) {
        let Some(text) = &assertion.message else {
            return Err(source.error(
                span.clone(),
                "every assertion of a scenario says what the identity provider concludes when \
                 it does not hold: give it a `message`",
            ));
        };
        message(source, &Spanned::new(span.clone(), text.clone()), defined)?;
    }
    if tolerated
        .iter()
        .any(|assertion| assertion.deviation.is_none())
    {
        return Err(source.error(
            span.clone(),
            "a `tolerated` assertion names the `deviation` the identity provider lives with",
        ));
    }
    Ok(ScenarioStep {
        by,
        when: raw.when.map(Spanned::into_inner),
        note: raw.note,
        step,
        tolerated,
        refused,
        isolate,
        done: raw
            .done
            .as_ref()
            .map(|done| message(source, done, defined))
            .transpose()?,
    })
}

/// Who sends a scenario step (`by`): the identity provider, by default, or scimctl itself.
fn sender(source: &Source<'_>, by: Option<&Spanned<String>>) -> Result<SentBy, SuiteError> {
    match by.map(|by| (by.get_ref().as_str(), by.span())) {
        None | Some(("idp", _)) => Ok(SentBy::Idp),
        Some(("scimctl", _)) => Ok(SentBy::Scimctl),
        Some((other, at)) => Err(source.error(
            at,
            format!("unknown sender `{other}`; expected `idp` (the default) or `scimctl`"),
        )),
    }
}

/// The refusals a scenario step expects of some servers: the statuses, the deviation each one
/// names, what the identity provider concludes, and whether the scenario goes on.
fn refusals(
    source: &Source<'_>,
    raw: Vec<Spanned<RawRefusal>>,
    defined: &mut HashSet<String>,
) -> Result<Vec<Refusal>, SuiteError> {
    raw.into_iter()
        .map(|spanned| {
            let raw = spanned.into_inner();
            Ok(Refusal {
                status: match raw.status {
                    StatusSpec::One(code) => vec![code],
                    StatusSpec::Many(codes) => codes,
                },
                deviation: deviation(source, &raw.deviation)?,
                message: message(source, &raw.message, defined)?,
                go_on: raw.go_on,
            })
        })
        .collect()
}

/// The request of a scenario step over the shape `uses`: its parameters bound and its accepted
/// statuses, without captures or assertions.
fn request(raw: &RawScenarioStep, uses: Spanned<String>) -> RawStep {
    RawStep {
        uses: Some(uses),
        with: raw.with.clone(),
        status: raw.status.clone(),
        ..RawStep::default()
    }
}

/// The variants of the step's shape, from the `[isolate]` table of the file that defines the
/// shape, each bound and resolved as the step is.
fn isolations(
    source: &Source<'_>,
    templates: &Templates,
    (idp, chain): (&str, &[Loaded]),
    raw: &RawScenarioStep,
    defined: &HashSet<String>,
) -> Result<Vec<Isolation>, SuiteError> {
    let shape = raw.uses.get_ref();
    let Some((_, defined_in)) = templates.shape(idp, shape) else {
        return Ok(Vec::new());
    };
    let Some(file) = chain.iter().find(|loaded| loaded.name == defined_in) else {
        return Ok(Vec::new());
    };
    let origin = idp_origin(&file.name);
    let file_source = Source {
        origin: &origin,
        text: file.text,
    };
    let mut variants = Vec::new();
    for spanned in file.raw.isolate.get(shape).into_iter().flatten() {
        let variant = spanned.get_ref();
        let keys = match &variant.deviation {
            Keys::One(key) => vec![key],
            Keys::Many(keys) => keys.iter().collect(),
        };
        let deviations = keys
            .into_iter()
            .map(|key| deviation(&file_source, &Spanned::new(spanned.span(), key.clone())))
            .collect::<Result<Vec<Deviation>, _>>()?;
        if deviations.is_empty() {
            return Err(file_source.error(spanned.span(), "a variant names what it fixes"));
        }
        let uses = Spanned::new(raw.uses.span(), variant.uses.get_ref().clone());
        let step = templates.step_in(
            source,
            Spanned::new(raw.uses.span(), request(raw, uses)),
            false,
            Scope::Idp(idp.to_owned()),
            &mut defined.clone(),
        )?;
        variants.push(Isolation {
            deviations,
            shape: variant.uses.get_ref().clone(),
            step,
            message: message(&file_source, &variant.message, defined)?,
        });
    }
    Ok(variants)
}

/// A conclusion or note: text whose variables must be known.
fn message(
    source: &Source<'_>,
    text: &Spanned<String>,
    defined: &HashSet<String>,
) -> Result<Template, SuiteError> {
    let template =
        Template::parse(text.get_ref()).map_err(|(why, _)| source.error(text.span(), why))?;
    known_variables(source, template.variables(), text.span(), defined)?;
    Ok(template)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::{BUILTIN_SUITES, Step, parse_suite};

    /// The request part of a step: what goes on the wire.
    fn request(step: &Step) -> impl std::fmt::Debug + PartialEq + '_ {
        (
            step.method,
            &step.target,
            step.encoding,
            &step.headers,
            &step.body,
            &step.body_base,
        )
    }

    #[test]
    fn the_suites_send_the_very_shapes_replay_sends() {
        // (suite, check, step), (identity provider, scenario, step): the same shape, unbound
        // or bound alike.
        let pairs = [
            (
                ("okta", "okta.credentials.first-page", 0),
                ("okta", "test-connection", 0),
            ),
            (
                ("okta", "okta.deactivate.pathless-patch", 1),
                ("okta", "deactivate", 0),
            ),
            (
                ("okta", "okta.deactivate.pathless-patch", 3),
                ("okta", "reactivate", 0),
            ),
            (
                ("okta", "okta.import.groups-page-of-100", 0),
                ("okta", "import", 1),
            ),
            (
                ("okta", "okta.update.get-then-full-put", 1),
                ("okta", "update-user", 0),
            ),
            (
                ("entra", "entra.modern.disable", 1),
                ("entra", "deactivate", 1),
            ),
            (
                ("entra", "entra.manager.set-and-remove", 2),
                ("entra", "manager-update", 1),
            ),
        ];
        let suites: Vec<_> = BUILTIN_SUITES
            .iter()
            .map(|(name, text)| parse_suite(name, text).expect("a built-in suite"))
            .collect();
        for ((suite, check, at), (idp, scenario, step)) in pairs {
            let check = suites
                .iter()
                .filter(|s| s.name == suite)
                .flat_map(|s| &s.checks)
                .find(|c| c.id == check)
                .unwrap_or_else(|| panic!("no check {check}"));
            let idp = load_idp(idp).expect("shipped").expect("valid");
            let scenario = idp.scenario(scenario).expect("a scenario");
            assert_eq!(
                request(&check.steps[at]),
                request(&scenario.steps[step].step),
                "{} step {at} and {} {} step {step}",
                check.id,
                idp.name,
                scenario.name
            );
        }
    }

    #[test]
    fn every_shipped_identity_provider_loads() {
        for (name, _) in IDENTITY_PROVIDERS {
            let idp = load_idp(name)
                .expect("a shipped file")
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(idp.name, *name);
            assert!(!idp.scenarios.is_empty(), "{name} has scenarios");
        }
        assert!(load_idp("onelogin").is_none());
    }
}
