//! `scimctl replay`: choose the identity provider (`--as`) and its scenario, bind the command
//! line's ARGS to the scenario's arguments, find the users and groups they name, run
//! [`crate::replay`] through the SCIM client, print the transcript and choose the exit code. It
//! judges nothing itself: every line comes from `src/replay/` and the identity provider's file.

use std::io::Write;

use anyhow::Context as _;

use super::input::usage;
use super::kind::Kind;
use super::session::{Connection, GlobalOptions, Prepared, dialect, prepare};
use super::test::write_har;
use crate::cli::replay::ReplayArgs;
use crate::client::{BoxFuture, RawExchange, RawRequest, ScimClient, equals_filter};
use crate::doctor::NoAnswer;
use crate::exit::{Exit, ExitError};
use crate::findings::{self, Level, Style, Subject, render_transcript};
use crate::replay::{Replayed, Sender, Setting, replay};
use crate::scim::dialect::Dialect;
use crate::scim::resource::get_ci;
use crate::scim::suggest::closest;
use crate::suite::idp::{Arg, ArgKind, IDENTITY_PROVIDERS, IdentityProvider, Scenario, load_idp};

/// The scenario's requests go through the SCIM client: its credentials, 429 handling and
/// recording (`-v`, `--har`).
struct ThroughClient<'a>(&'a ScimClient);

impl Sender for ThroughClient<'_> {
    fn send<'a>(&'a self, request: &'a RawRequest) -> BoxFuture<'a, Result<RawExchange, NoAnswer>> {
        Box::pin(async move {
            self.0.send_raw(request).await.map_err(|error| NoAnswer {
                message: error.to_string(),
                exit: error.exit(),
            })
        })
    }
}

/// `scimctl replay`.
pub fn run(
    args: ReplayArgs,
    connection: &Connection,
    global: &GlobalOptions,
) -> anyhow::Result<()> {
    let style = super::lint::style(global)?;
    if args.list {
        return list(global.dialect, style);
    }
    let threshold = super::lint::level(args.fail_on);
    let Prepared { resolved, recorder } = prepare(connection)?;
    let idp = identity_provider(dialect(global, &resolved)?)?;
    let scenario = scenario(&idp, args.scenario.as_deref().unwrap_or_default())?;
    let given = bind(&idp, scenario, &args.args)?;
    let client = ScimClient::new(resolved.client_options()?, recorder)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    let finished = runtime.block_on(async {
        let replaying = async {
            let (values, prepared) = find(&client, &idp, scenario, given).await?;
            let shown: Vec<&str> = args.args.iter().map(String::as_str).collect();
            let setting = Setting {
                idp: &idp,
                scenario,
                values,
                prepared,
                subject: Subject {
                    name: client.base_url(),
                    facts: vec![
                        ("idp", idp.name.clone()),
                        (
                            "scenario",
                            [&[scenario.name.as_str()][..], &shown].concat().join(" "),
                        ),
                    ],
                },
                base_url: client.base_url(),
                seed: uuid::Uuid::new_v4().as_u64_pair().0,
            };
            anyhow::Ok(replay(&ThroughClient(&client), setting).await)
        };
        tokio::select! {
            biased;
            _ = tokio::signal::ctrl_c() => None,
            replayed = replaying => Some(replayed),
        }
    });
    write_har(&client, connection)?;
    let Some(replayed) = finished else {
        return Err(ExitError::new(Exit::Interrupted, anyhow::anyhow!("interrupted")).into());
    };
    let replayed = replayed?;
    let text = render_transcript(&replayed.transcript, style);
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    verdict(&replayed, threshold).map_err(Into::into)
}

/// The identity provider `--as` names: one with a file in `testsuites/idp/`.
fn identity_provider(dialect: Dialect) -> Result<IdentityProvider, ExitError> {
    let names: Vec<&str> = IDENTITY_PROVIDERS.iter().map(|(name, _)| *name).collect();
    let Some(loaded) = load_idp(dialect.as_str()) else {
        return Err(usage(format!(
            "replay sends what an identity provider sends: say which with --as {}",
            names.join(", --as ")
        ))
        .with_hint("scimctl replay --list shows each one's scenarios"));
    };
    loaded.map_err(|error| {
        ExitError::new(
            Exit::Usage,
            anyhow::anyhow!("invalid identity-provider file: {error}"),
        )
    })
}

/// The scenario named on the command line.
fn scenario<'a>(idp: &'a IdentityProvider, name: &str) -> Result<&'a Scenario, ExitError> {
    if let Some(scenario) = idp.scenario(name) {
        return Ok(scenario);
    }
    let known: Vec<&str> = idp.scenarios.iter().map(|s| s.name.as_str()).collect();
    let error = usage(format!(
        "{} has no scenario `{name}`; its scenarios are {}",
        idp.title,
        known.join(", ")
    ));
    Err(match closest(name, &known).first() {
        Some(near) => error.with_hint(format!("did you mean `{near}`?")),
        None => error.with_hint(format!(
            "scimctl replay --as {} --list shows them with their arguments",
            idp.name
        )),
    })
}

/// The command line's ARGS matched to the scenario's arguments, defaults filled in; an
/// optional argument left out is `None`.
fn bind<'a>(
    idp: &IdentityProvider,
    scenario: &'a Scenario,
    given: &[String],
) -> Result<Vec<(&'a Arg, Option<String>)>, ExitError> {
    let usage_line = format!("scimctl replay --as {} {}", idp.name, synopsis(scenario));
    if given.len() > scenario.args.len() {
        let takes = match scenario.args.len() {
            0 => "no arguments".to_owned(),
            1 => "1 argument".to_owned(),
            n => format!("at most {n} arguments"),
        };
        return Err(usage(format!(
            "`{}` takes {takes}, and {} were given: {}",
            scenario.name,
            given.len(),
            given.join(" ")
        ))
        .with_hint(usage_line));
    }
    let mut bound = Vec::with_capacity(scenario.args.len());
    for (index, arg) in scenario.args.iter().enumerate() {
        let value = given.get(index).cloned().or_else(|| arg.default.clone());
        if value.is_none() && !arg.optional {
            return Err(usage(format!(
                "`{}` needs {}: {}",
                scenario.name,
                arg.name.to_uppercase(),
                arg.help
            ))
            .with_hint(usage_line));
        }
        if value.as_deref().is_some_and(str::is_empty) {
            return Err(usage(format!(
                "{} cannot be empty: {}",
                arg.name.to_uppercase(),
                arg.help
            )));
        }
        bound.push((arg, value));
    }
    Ok(bound)
}

/// `create-user USER [GIVEN_NAME] [FAMILY_NAME]`.
fn synopsis(scenario: &Scenario) -> String {
    let mut words = vec![scenario.name.clone()];
    for arg in &scenario.args {
        let name = arg.name.to_uppercase();
        words.push(match arg.optional {
            true => format!("[{name}]"),
            false => name,
        });
    }
    words.join(" ")
}

/// The scenario's variables: each argument's value, and for a user or group the id the
/// identity provider keeps from when it provisioned it, found by userName or displayName
/// (scimctl's own lookup, with exact matching). Also the lines saying what was found.
async fn find(
    client: &ScimClient,
    idp: &IdentityProvider,
    scenario: &Scenario,
    bound: Vec<(&Arg, Option<String>)>,
) -> anyhow::Result<(Vec<(String, String)>, Vec<String>)> {
    let mut values = Vec::new();
    let mut prepared = Vec::new();
    for (arg, value) in bound {
        let Some(value) = value else {
            continue;
        };
        let (kind, attribute, noun) = match arg.kind {
            ArgKind::Text => {
                values.push((arg.name.clone(), value));
                continue;
            }
            ArgKind::User => (Kind::users(), "userName", "user"),
            ArgKind::Group => (Kind::groups(), "displayName", "group"),
        };
        let filter = equals_filter(attribute, &value);
        let found = client
            .find_unique(&kind.endpoint, &filter, &kind.display_schema())
            .await
            .map_err(|error| {
                let exit = error.exit();
                ExitError::new(
                    exit,
                    anyhow::anyhow!(
                        "`{}` needs an existing {noun} for {}: {error}",
                        scenario.name,
                        arg.name.to_uppercase()
                    ),
                )
            })?;
        let id = found
            .as_object()
            .and_then(|resource| get_ci(resource, "id"))
            .and_then(|id| id.as_str())
            .map(str::to_owned)
            .ok_or_else(|| {
                ExitError::new(
                    Exit::ServerError,
                    anyhow::anyhow!("the {noun} `{value}` the server found has no `id`"),
                )
            })?;
        prepared.push(format!(
            "found {noun} `{value}`: id {id}, which {} keeps from provisioning it",
            idp.title
        ));
        values.push((arg.name.clone(), value));
        values.push((format!("{}_id", arg.name), id));
    }
    Ok((values, prepared))
}

/// The exit code: a failure that cut the event short first (4, 5, or 1), then findings at
/// `--fail-on` (1).
fn verdict(replayed: &Replayed, threshold: Level) -> Result<(), ExitError> {
    if let Some(exit) = replayed.failed {
        let why = match exit {
            Exit::Auth => "the server refuses the credentials",
            Exit::Network => "the server cannot be reached, or its TLS is not accepted",
            _ => "a request failed, so the replay stopped before the event was carried out",
        };
        return Err(ExitError::new(exit, anyhow::anyhow!("{why}")));
    }
    let findings: Vec<findings::Finding> = replayed
        .transcript
        .findings()
        .into_iter()
        .cloned()
        .collect();
    let failing = findings::reaching(&findings, threshold);
    if failing > 0 {
        return Err(ExitError::new(
            Exit::ServerError,
            anyhow::anyhow!(
                "{failing} finding(s) at or above --fail-on {}",
                threshold.key()
            ),
        ));
    }
    Ok(())
}

/// `--list`: the scenarios of `--as`, or of every identity provider, with their arguments.
fn list(dialect: Option<Dialect>, style: Style) -> anyhow::Result<()> {
    let providers = match dialect {
        Some(dialect) => vec![identity_provider(dialect)?],
        None => IDENTITY_PROVIDERS
            .iter()
            .filter_map(|(name, _)| load_idp(name))
            .collect::<Result<Vec<_>, _>>()
            .context("invalid identity-provider file")?,
    };
    let text = match style {
        Style::Console => listed(&providers),
        Style::Json => {
            let document: Vec<serde_json::Value> = providers
                .iter()
                .map(|idp| {
                    serde_json::json!({
                        "idp": idp.name,
                        "title": idp.title,
                        "scenarios": idp.scenarios.iter().map(|scenario| serde_json::json!({
                            "name": scenario.name,
                            "title": scenario.title,
                            "summary": scenario.summary,
                            "args": scenario.args.iter().map(|arg| serde_json::json!({
                                "name": arg.name,
                                "optional": arg.optional,
                                "default": arg.default,
                                "help": arg.help,
                            })).collect::<Vec<_>>(),
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let mut text = serde_json::to_string_pretty(&document)?;
            text.push('\n');
            text
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

fn listed(providers: &[IdentityProvider]) -> String {
    let mut out = String::new();
    for idp in providers {
        out.push_str(&format!("--as {}: {}\n", idp.name, idp.title));
        for scenario in &idp.scenarios {
            out.push_str(&format!(
                "  {}\n      {}: {}\n",
                synopsis(scenario),
                scenario.title,
                scenario.summary
            ));
            for arg in &scenario.args {
                let default = arg
                    .default
                    .as_ref()
                    .map(|value| format!(" (default: {value})"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "      {}: {}{default}\n",
                    arg.name.to_uppercase(),
                    arg.help
                ));
            }
        }
        out.push('\n');
    }
    out
}
