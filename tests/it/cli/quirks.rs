//! Riding through server deviations (`scimctl serve --quirk`): every command still works,
//! and what was tolerated is said at `-v`.

use scimctl::serve::Quirk;
use serde_json::json;

use crate::support::Env;

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

// ---------------------------------------------------------------------------------------------
// Lists checked against the filter they sent

const PX_USERS: &str =
    r#"{"Users":[{"userName":"px"},{"userName":"px_1"},{"userName":"px_2"},{"userName":"qz"}]}"#;

/// The warning lines a run printed.
fn warnings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|line| line.starts_with("warning:"))
        .collect()
}

/// A server whose `eq` matches substrings answers `userName eq "px"` with three users; the list
/// shows what the server returned and says, once, that two of them do not match.
#[test]
fn a_list_whose_results_do_not_match_the_filter_warns_once() {
    let env = Env::seeded(PX_USERS, &[Quirk::EqSubstring]);
    let filter = r#"userName eq "px""#;
    let expected = "warning: the server ignored or misapplied the filter: 2 of 3 resources do \
                    not match `userName eq \"px\"` (RFC 7644 §3.4.2.2; --no-verify-filter turns \
                    this check off)";
    let run = env.run(&["users", "list", "--filter", filter, "-o", "json"]);
    assert_eq!(
        run.json().as_array().map(Vec::len),
        Some(3),
        "shown as served"
    );
    assert_eq!(warnings(&run.stderr), [expected]);
    let search = env.run(&[
        "users", "list", "--search", "--filter", filter, "-o", "json",
    ]);
    search.exits(0);
    assert_eq!(warnings(&search.stderr), [expected]);
    let paged = env.run(&[
        "users", "list", "--all", "--count", "1", "--filter", filter, "-o", "ndjson",
    ]);
    paged.exits(0);
    assert_eq!(paged.stdout.lines().count(), 3);
    assert_eq!(warnings(&paged.stderr), [expected], "once over every page");
    let typed = env.run(&[
        "resources",
        "User",
        "list",
        "--filter",
        filter,
        "-o",
        "json",
    ]);
    typed.exits(0);
    assert_eq!(warnings(&typed.stderr), [expected]);
    let unchecked = env.run(&[
        "users",
        "list",
        "--filter",
        filter,
        "--no-verify-filter",
        "-o",
        "json",
    ]);
    unchecked.exits(0);
    assert_eq!(unchecked.stderr, "");
}

/// `or-as-and` evaluates `or` as `and`, so `not (A or B)` becomes `not (A and B)`: everyone.
#[test]
fn a_misapplied_operator_is_caught_as_well() {
    let env = Env::seeded(PX_USERS, &[Quirk::OrAsAnd]);
    let run = env.run(&[
        "users",
        "list",
        "--filter",
        r#"not (userName eq "px" or userName eq "qz")"#,
        "-o",
        "json",
    ]);
    assert_eq!(run.json().as_array().map(Vec::len), Some(4));
    run.stderr_contains("2 of 4 resources do not match");
    let groups = Env::seeded(
        r#"{"Groups":[{"displayName":"Tour"},{"displayName":"Tour Guides"}]}"#,
        &[Quirk::EqSubstring],
    );
    let listed = groups.run(&["groups", "list", "--filter", r#"displayName eq "Tour""#]);
    listed.exits(0);
    listed.stderr_contains("1 of 2 resources do not match `displayName eq \"Tour\"`");
}

/// A conformant server's answers match; nothing is said.
#[test]
fn a_list_that_matches_its_filter_says_nothing() {
    let env = Env::seeded(PX_USERS, &[]);
    for filter in [
        r#"userName eq "px""#,
        r#"userName sw "px" and not (userName ew "2")"#,
        r#"userName eq "PX" or userName co "z""#,
    ] {
        let run = env.run(&["users", "list", "--filter", filter, "-o", "json"]);
        run.exits(0);
        assert_eq!(run.stderr, "", "{filter}");
    }
}

/// When the request kept the filter's attribute out of the answer, its absence says nothing:
/// no warning, and `-v` says why the answer was not checked.
#[test]
fn an_answer_without_the_filtered_attribute_is_not_judged() {
    let env = Env::seeded(PX_USERS, &[Quirk::EqSubstring]);
    let args = [
        "users",
        "list",
        "--filter",
        r#"userName eq "px""#,
        "--attributes",
        "emails",
        "-o",
        "json",
    ];
    let quiet = env.run(&args);
    quiet.exits(0);
    assert_eq!(quiet.stderr, "");
    let verbose = env.run(&[&args[..], &["-v"]].concat());
    verbose.stderr_contains(
        "the answer is not checked against the filter: the filter reads `userName`, which the \
         answer need not carry (`attributes` does not name it)",
    );
    assert!(
        warnings(&verbose.stderr)
            .iter()
            .all(|w| !w.contains("misapplied"))
    );
    let groups = Env::seeded(
        r#"{"Users":[{"userName":"alice"}],
            "Groups":[{"displayName":"Tour","members":[{"value":"alice"}]}]}"#,
        &[],
    );
    let alice = groups
        .run(&["users", "get", "--user-name", "alice", "-o", "json"])
        .json();
    let by_member = format!(
        r#"members[value eq "{}"]"#,
        alice["id"].as_str().expect("id")
    );
    let run = groups.run(&["groups", "list", "--filter", &by_member, "-v", "-o", "json"]);
    assert_eq!(run.json().as_array().map(Vec::len), Some(1));
    run.stderr_contains("(`excludedAttributes` names it)");
    assert!(
        warnings(&run.stderr)
            .iter()
            .all(|w| !w.contains("misapplied"))
    );
}
