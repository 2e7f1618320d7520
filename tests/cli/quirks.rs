//! Riding through server deviations (`scimctl serve --quirk`): every command still works,
//! and what was tolerated is said at `-v`.

use scimctl::serve::Quirk;
use serde_json::json;

use crate::common::Env;

const TWO_USERS: &str = r#"{"Users":[{"userName":"px"},{"userName":"px_1"}]}"#;

#[test]
fn a_lowercase_resources_key_is_read() {
    let env = Env::seeded(TWO_USERS, &[Quirk::LowercaseResources]);
    let run = env.run(&["users", "list", "-v", "-o", "json"]);
    assert_eq!(run.json().as_array().map(Vec::len), Some(2));
    assert!(
        run.stderr.contains("resources"),
        "noted at -v: {}",
        run.stderr
    );
    let all = env.run(&["users", "list", "--all", "-o", "ndjson"]);
    all.exits(0);
    assert_eq!(all.stdout.lines().count(), 2);
}

#[test]
fn an_application_json_content_type_is_tolerated_with_a_note_at_v() {
    let env = Env::seeded(TWO_USERS, &[Quirk::JsonContentType]);
    let quiet = env.run(&["users", "list", "-o", "json"]);
    assert_eq!(quiet.json().as_array().map(Vec::len), Some(2));
    assert_eq!(quiet.stderr, "");
    let verbose = env.run(&["users", "list", "-v", "-o", "json"]);
    assert!(
        verbose
            .stderr
            .contains("application/json, not application/scim+json"),
        "{}",
        verbose.stderr
    );
}

#[test]
fn a_numeric_error_status_still_gives_one_error_line() {
    let env = Env::with_quirks(&[Quirk::NumericErrorStatus]);
    let run = env.run(&["users", "get", "missing"]);
    run.exits(1);
    assert!(run.stderr.starts_with("error: 404"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn a_patch_answered_with_204_shows_the_resource_read_again() {
    let env = Env::with_quirks(&[Quirk::PatchNoContent]);
    let id = env.create_user("bjensen");
    let patched = env
        .run(&[
            "users", "patch", &id, "replace", "nickName", "B", "-o", "json",
        ])
        .json();
    assert_eq!(patched["nickName"], "B");
    let deactivated = env.run(&["users", "deactivate", &id, "--diff", "-o", "json"]);
    assert_eq!(deactivated.json()["active"], false);
    deactivated.stderr_contains("+ active: false");
}

#[test]
fn rate_limiting_is_waited_out() {
    let env = Env::seeded(TWO_USERS, &[Quirk::RateLimit(3)]);
    for _ in 0..4 {
        let listed = env.run(&["users", "list", "-o", "json"]).json();
        assert_eq!(listed.as_array().map(Vec::len), Some(2));
    }
}

#[test]
fn a_404_for_no_match_is_read_as_an_empty_list() {
    let env = Env::with_quirks(&[Quirk::FilterNoMatch404]);
    let run = env.run(&[
        "users",
        "list",
        "--filter",
        r#"userName eq "nobody""#,
        "-o",
        "json",
    ]);
    assert_eq!(run.json(), json!([]));
    run.stderr_contains("404");
    let lookup = env.run(&["users", "get", "--user-name", "nobody"]);
    lookup.exits(1);
    lookup.stderr_contains("no User matches");
}

#[test]
fn an_eq_that_matches_substrings_is_checked_again_on_lookups() {
    let env = Env::seeded(TWO_USERS, &[Quirk::EqSubstring]);
    let run = env.run(&["users", "get", "--user-name", "px", "-o", "json"]);
    assert_eq!(run.json()["userName"], "px");
    run.stderr_contains("not an exact comparison");
}

/// Django answers DELETE with 204 and `Content-Type: text/html`: the user is deleted, and a 204
/// has no content whatever its label (RFC 9110 §15.3.5), so the command succeeds.
#[test]
fn a_204_labelled_html_is_a_success() {
    let env = Env::with_quirks(&[Quirk::NoContentHtml, Quirk::PatchNoContent]);
    let id = env.create_user("bjensen");
    let patched = env
        .run(&[
            "users", "patch", &id, "replace", "nickName", "B", "-o", "json",
        ])
        .json();
    assert_eq!(patched["nickName"], "B");
    let deleted = env.run(&["users", "delete", &id, "--yes"]);
    deleted.exits(0);
    assert_eq!(deleted.stderr, format!("deleted User {id}\n"));
    env.run(&["users", "get", &id]).exits(1);
    let group = env.create_group("staff");
    env.run(&["groups", "delete", &group, "--yes"]).exits(0);
}
