//! `scimctl lint`: findings on the console and as JSON, exit codes by `--fail-on`, unreadable
//! input, and the schemas a document is checked against (built-in, a file, the server's).

use std::path::Path;

use insta::assert_snapshot;
use serde_json::Value;

use crate::support::Home;
use crate::support::{Env, snapshots};

fn fixture(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
        .display()
        .to_string()
}

/// The `request` of an IdP fixture, as the IdP sends it.
fn idp_request(name: &str) -> String {
    let text = std::fs::read_to_string(fixture(&format!("idp/{name}.json"))).expect("fixture");
    let fixture: Value = serde_json::from_str(&text).expect("JSON");
    fixture["request"].to_string()
}

#[test]
fn entras_legacy_disable_names_the_string_boolean_and_the_capitalised_op() {
    let env = Env::start();
    let run = env.run_stdin(&["lint", "-"], &idp_request("entra-legacy-disable"));
    run.exits(1);
    assert_snapshot!("entra_legacy_disable", run.stdout);
    assert_eq!(
        run.stderr,
        "error: 1 finding(s) at or above --fail-on must\n"
    );
}

#[test]
fn findings_as_json_carry_the_catalogue_entry_and_the_pointer() {
    let env = Env::start();
    let run = env.run_stdin(
        &["lint", "-", "-o", "json", "--resource-type", "User"],
        &idp_request("entra-legacy-disable"),
    );
    run.exits(1);
    assert_snapshot!("entra_legacy_disable_json", run.stdout);
}

#[test]
fn fail_on_decides_which_levels_fail_the_run() {
    let env = Env::start();
    let capitalised = idp_request("entra-rename-group");
    env.run_stdin(&["lint", "-"], &capitalised).exits(0);
    env.run_stdin(&["lint", "-", "--fail-on", "interop"], &capitalised)
        .exits(1)
        .stderr_contains("1 finding(s) at or above --fail-on interop");
    let clean = idp_request("okta-deactivate-user");
    env.run_stdin(&["lint", "-", "--fail-on", "note"], &clean)
        .exits(0);
}

#[test]
fn a_numeric_error_status_is_found_in_a_file() {
    let env = Env::start();
    let path = env.home.join("error.json");
    std::fs::write(
        &path,
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":404,"detail":"no such user"}"#,
    )
    .expect("written");
    let run = env.run(&["lint", path.to_str().expect("utf-8")]);
    run.exits(1);
    assert_snapshot!(
        "error_status_number",
        run.stdout.replace(path.to_str().expect("utf-8"), "[file]")
    );
}

#[test]
fn a_list_with_paging_deviations_and_a_leaked_password() {
    let env = Env::start();
    let list = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults":"1","startIndex":0,"itemsPerPage":1,
        "resources":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
                      "id":"2819c223","userName":"bjensen","password":"t1meMa$heen"}]}"#;
    let run = env.run_stdin(&["lint", "-"], list);
    run.exits(1);
    assert_snapshot!("list_deviations", run.stdout);
    assert!(
        !run.stdout.contains("t1meMa$heen"),
        "the password is never echoed"
    );
}

#[test]
fn invalid_json_points_at_the_line_and_column() {
    let env = Env::start();
    let run = env.run_stdin(
        &["lint", "-"],
        "{\n  \"schemas\": [\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"]\n  \"Operations\": []\n}\n",
    );
    run.exits(2);
    assert_snapshot!("invalid_json", run.stderr);
    assert_eq!(run.stdout, "");
}

#[test]
fn what_is_not_a_scim_document_or_names_no_type_is_a_usage_error() {
    let env = Env::start();
    env.run_stdin(&["lint", "-"], "42")
        .exits(2)
        .stderr_contains("the document is a number, not a SCIM resource or message");
    env.run_stdin(
        &["lint", "-", "--resource-type", "Device"],
        r#"{"userName":"b"}"#,
    )
    .exits(2)
    .stderr_contains("unknown resource type `Device`; the schemas define User, Group");
    env.run_stdin(&["lint", "-", "-o", "csv"], "{}")
        .exits(2)
        .stderr_contains("-o table (the default) or -o json");
    env.run_stdin(
        &["lint", "-", "--schemas", "schemas.json", "--url", &env.url],
        "{}",
    )
    .exits(2)
    .stderr_contains("--schemas and --url both say where the schemas are; give one");
}

/// A saved /Schemas answer with an attribute of the server's own.
const SCHEMAS_WITH_BADGE: &str = r#"{
  "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
  "totalResults": 1,
  "Resources": [{
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
    "id": "urn:ietf:params:scim:schemas:core:2.0:User",
    "name": "User",
    "attributes": [
      {"name": "userName", "type": "string", "required": true},
      {"name": "badge", "type": "integer"}
    ]
  }]
}"#;

#[test]
fn a_saved_schemas_answer_replaces_the_built_in_schemas() {
    let env = Env::start();
    let schemas = env.home.join("schemas.json");
    std::fs::write(&schemas, SCHEMAS_WITH_BADGE).expect("written");
    let schemas = schemas.to_str().expect("utf-8");
    let user =
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b","badge":"7"}"#;
    let builtin = env.run_stdin(&["lint", "-", "--fail-on", "interop"], user);
    builtin.exits(1);
    assert!(
        builtin
            .stdout
            .contains("/badge: no schema of the resource type defines `badge`"),
        "{}",
        builtin.stdout
    );
    let own = env.run_stdin(&["lint", "-", "--schemas", schemas], user);
    own.exits(1);
    assert_snapshot!("own_schemas", own.stdout.replace(schemas, "[schemas.json]"));
}

#[test]
fn the_servers_schemas_are_fetched_only_when_the_command_line_names_the_server() {
    let env = Env::start();
    let user = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b"}"#;
    // SCIMCTL_URL is set, but lint stays offline without --url.
    let offline = env.run_stdin(&["lint", "-", "-v"], user);
    offline.exits(0);
    assert!(
        offline.stdout.contains("built-in RFC 7643 schemas"),
        "{}",
        offline.stdout
    );
    assert!(
        !offline.stderr.contains("GET "),
        "nothing was sent: {}",
        offline.stderr
    );
    let online = env.run_stdin(&["lint", "-", "-v", "--url", &env.url], user);
    online.exits(0);
    online.stderr_contains("GET ");
    snapshots().bind(|| assert_snapshot!("server_schemas", online.stdout));
}

#[test]
fn a_closed_stdout_ends_lint_quietly() {
    let home = Home::new();
    let big = home.join("big.json");
    let resources: Vec<Value> = (0..3000)
        .map(|i| {
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": format!("user{i}"),
                "password": "p"
            })
        })
        .collect();
    let list = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 3000,
        "Resources": resources
    });
    std::fs::write(&big, list.to_string()).expect("written");
    let mut child = home
        .scimctl()
        .args(["lint", big.to_str().expect("utf-8")])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut stdout, &mut first).expect("some output");
    drop(stdout);
    let output = child.wait_with_output().expect("ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
