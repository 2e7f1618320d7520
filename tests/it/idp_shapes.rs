//! The identity providers' request shapes (`testsuites/idp/`) are the one place their requests
//! are written: they match the requests recorded from Okta and Entra (`fixtures/idp/`) byte for
//! byte, key order included; they agree with what `--as` renders for the CRUD commands
//! (`scim::dialect`); and no built-in suite writes an identity provider's headers or bodies
//! itself, so that the suites, `scimctl replay` and the recordings cannot drift apart.

use std::path::Path;

use scimctl::scim::dialect::Dialect;
use scimctl::suite::idp::{IdentityProvider, load_idp};
use scimctl::suite::{BUILTIN_SUITES, Body, Step};
use serde_json::Value;

fn idp(name: &str) -> IdentityProvider {
    load_idp(name)
        .expect("a shipped identity provider")
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The step `at` of a scenario.
fn step<'a>(idp: &'a IdentityProvider, scenario: &str, at: usize) -> &'a Step {
    &idp.scenario(scenario)
        .unwrap_or_else(|| panic!("{} has no {scenario}", idp.name))
        .steps[at]
        .step
}

/// A step's JSON body as the compact text it is sent as, with `values` for its variables.
fn body(step: &Step, values: &[(&str, &str)]) -> String {
    let Some(Body::Json(json)) = &step.body else {
        panic!("no JSON body: {step:?}");
    };
    let mut text = json.to_string();
    for (name, value) in values {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    text
}

/// The `request` of a recorded exchange, as the compact JSON text the IdP sends.
fn recorded(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/idp")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let fixture: Value = serde_json::from_str(&text).expect("fixture is JSON");
    fixture["request"].to_string()
}

#[test]
fn the_shapes_send_what_okta_and_entra_were_recorded_sending() {
    let (okta, entra, legacy) = (idp("okta"), idp("entra"), idp("entra-legacy"));
    let cases = [
        (
            body(step(&okta, "deactivate", 0), &[]),
            "okta-deactivate-user",
        ),
        (
            body(
                step(&okta, "add-member", 2),
                &[
                    ("group_id", "abf4dd94-a4c0-4f67-89c9-76b03340cb9b"),
                    ("group", "Test SCIMv2 renamed"),
                ],
            ),
            "okta-rename-group",
        ),
        (
            body(step(&entra, "deactivate", 1), &[]),
            "entra-2020-disable",
        ),
        (
            body(step(&legacy, "deactivate", 1), &[]),
            "entra-legacy-disable",
        ),
        (
            body(
                step(&entra, "remove-member", 2),
                &[("member_id", "7f4bc1a3-285e-48ae-8202-5accb43efb0e")],
            ),
            "entra-2020-remove-member-by-filter",
        ),
        (
            body(step(&legacy, "remove-member", 2), &[("member_id", "u1091")]),
            "entra-legacy-remove-member-by-value-list",
        ),
        (
            body(
                step(&entra, "manager-update", 1),
                &[("manager_id", "2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2")],
            ),
            "entra-manager-as-string",
        ),
    ];
    for (sent, fixture) in cases {
        assert_eq!(sent, recorded(fixture), "{fixture}");
    }
}

#[test]
fn the_shapes_agree_with_what_as_renders_for_the_crud_commands() {
    let okta = idp("okta");
    let deactivate = step(&okta, "deactivate", 0);
    assert_eq!(
        body(deactivate, &[]),
        Dialect::Okta.set_active(false).to_string()
    );
    let headers: Vec<(&str, String)> = deactivate
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), format!("{value:?}")))
        .collect();
    for (name, value) in Dialect::Okta.headers() {
        assert!(
            deactivate.headers.iter().any(|(shape_name, shape_value)| {
                shape_name == name
                    && shape_value.sole_variable().is_none()
                    && format!("{shape_value:?}").contains(value)
            }),
            "Okta's {name}: {value} is not in its shapes: {headers:?}"
        );
    }
    let legacy = idp("entra-legacy");
    assert_eq!(
        body(step(&legacy, "deactivate", 1), &[]),
        Dialect::EntraLegacy.set_active(false).to_string()
    );
    assert_eq!(
        body(step(&legacy, "reactivate", 1), &[]),
        Dialect::EntraLegacy.set_active(true).to_string()
    );
    assert_eq!(
        body(step(&legacy, "remove-member", 2), &[("member_id", "u1")]),
        Dialect::EntraLegacy.remove_members(&["u1"]).to_string()
    );
    let entra = idp("entra");
    assert_eq!(
        body(step(&entra, "deactivate", 1), &[]),
        Dialect::Entra.set_active(false).to_string()
    );
}

/// The text of every request a suite file writes itself: its targets, headers and bodies,
/// wherever they are (steps, setup steps, templates).
fn written_requests(value: &toml::Value, into: &mut Vec<String>) {
    match value {
        toml::Value::Table(table) => {
            for (key, item) in table {
                if ["target", "headers", "body", "body_json", "body_raw"].contains(&key.as_str()) {
                    into.push(item.to_string());
                }
                written_requests(item, into);
            }
        }
        toml::Value::Array(items) => items.iter().for_each(|item| written_requests(item, into)),
        _ => {}
    }
}

#[test]
fn no_built_in_suite_writes_an_identity_providers_request_itself() {
    for (name, text) in BUILTIN_SUITES {
        let document: toml::Value = toml::from_str(text).expect("a suite is TOML");
        let mut requests = Vec::new();
        written_requests(&document, &mut requests);
        assert!(requests.len() > 10, "{name}: the scan sees the requests");
        for written in [
            "Okta SCIM Client 1.0.0",
            "ADSCIM/2.0/Group",
            "en-US",
            "filter=userName%20eq%20%22",
            "filter=userName+eq+",
        ] {
            let found: Vec<&String> = requests.iter().filter(|r| r.contains(written)).collect();
            assert!(
                found.is_empty(),
                "testsuites/{name}.toml writes `{written}` itself: use the shape of \
                 testsuites/idp/ that sends it: {found:?}"
            );
        }
    }
}
