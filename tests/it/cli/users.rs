//! `scimctl users ...` against `scimctl serve`.

use insta::assert_snapshot;
use serde_json::json;

use crate::support::{Env, snapshots};

#[test]
fn create_from_flags_sends_a_user_and_prints_what_the_server_stored() {
    let env = Env::start();
    let run = env.run(&[
        "users",
        "create",
        "--user-name",
        "bjensen",
        "--given-name",
        "Barbara",
        "--family-name",
        "Jensen",
        "--display-name",
        "Babs Jensen",
        "--email",
        "bjensen@example.com",
        "--email",
        "babs@jensen.org",
        "--external-id",
        "ext-1",
        "--active",
    ]);
    run.exits(0);
    snapshots().bind(|| assert_snapshot!("create_from_flags", run.stdout));
    let user = run.json();
    assert_eq!(user["emails"][0]["primary"], true);
    assert_eq!(user["emails"][1].get("primary"), None);
}

#[test]
fn create_from_a_file_or_stdin_with_set_typed_by_the_schema() {
    let env = Env::start();
    let body = env.home.path().join("user.json");
    std::fs::write(&body, r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"fromfile","title":"Tour Guide"}"#).expect("write");
    let from_file = env
        .run(&[
            "users",
            "create",
            "--file",
            body.to_str().expect("utf-8"),
            "--set",
            "active=FALSE",
            "--set",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department=Tour",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(from_file["userName"], "fromfile");
    assert_eq!(from_file["title"], "Tour Guide");
    assert_eq!(
        from_file["active"], false,
        "typed as a boolean by the schema"
    );
    assert_eq!(
        from_file["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
        "Tour"
    );
    let from_stdin = env
        .run_stdin(
            &[
                "users",
                "create",
                "--file",
                "-",
                "--user-name",
                "flagwins",
                "-o",
                "json",
            ],
            r#"{"userName":"fromstdin","nickName":"S"}"#,
        )
        .json();
    assert_eq!(
        from_stdin["userName"], "flagwins",
        "flags win over the file"
    );
    assert_eq!(from_stdin["nickName"], "S");
}

#[test]
fn repeated_emails_get_distinct_types_so_that_entra_accepts_them() {
    let env = Env::start();
    let created = env
        .run(&[
            "users",
            "create",
            "--user-name",
            "bjensen@example.com",
            "--email",
            "b@work.example",
            "--email",
            "b@home.example",
        ])
        .json();
    assert_eq!(
        created["emails"],
        json!([
            {"value": "b@work.example", "type": "work", "primary": true},
            {"value": "b@home.example", "type": "home"}
        ]),
        "Entra allows one value per type (its SCIM guide; requirement entra-17)"
    );
    let four: Vec<String> = (1..=4).map(|i| format!("b{i}@example.com")).collect();
    let mut args = vec!["users", "create", "--user-name", "four@example.com"];
    for address in &four {
        args.extend(["--email", address.as_str()]);
    }
    let refused = env.run(&args);
    refused.exits(2);
    assert!(
        refused.stderr.contains("--email is given 4 times") && refused.stderr.contains("--set"),
        "{}",
        refused.stderr
    );
    let users = env.run(&["users", "list", "-o", "json"]).json();
    assert_eq!(
        users.as_array().map(Vec::len),
        Some(1),
        "nothing was sent: {users}"
    );
}

#[test]
fn a_duplicate_user_name_is_one_error_line_and_exit_1() {
    let env = Env::start();
    env.create_user("bjensen");
    let run = env.run(&["users", "create", "--user-name", "bjensen"]);
    run.exits(1);
    assert_snapshot!("duplicate_user", run.stderr);
}

#[test]
fn get_by_id_by_user_name_and_by_external_id_find_the_same_user() {
    let env = Env::start();
    let id = env
        .run(&[
            "users",
            "create",
            "--user-name",
            "bjensen",
            "--external-id",
            "E1",
            "-o",
            "json",
        ])
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let by_id = env.run(&["users", "get", &id, "-o", "json"]).json();
    let by_name = env
        .run(&["users", "get", "--user-name", "BJENSEN", "-o", "json"])
        .json();
    let by_external = env
        .run(&["users", "get", "--external-id", "E1", "-o", "json"])
        .json();
    assert_eq!(by_id["id"], json!(id));
    assert_eq!(by_name["id"], json!(id));
    assert_eq!(by_external["id"], json!(id));
}

#[test]
fn a_lookup_that_matches_nothing_says_so() {
    let env = Env::start();
    let run = env.run(&["users", "get", "--user-name", "nobody"]);
    run.exits(1);
    assert_eq!(
        run.stderr,
        "error: no User matches userName eq \"nobody\"\n"
    );
}

#[test]
fn an_unknown_id_is_a_404_line() {
    let env = Env::start();
    let run = env.run(&["users", "get", "does-not-exist"]);
    run.exits(1);
    assert_snapshot!("unknown_id", run.stderr);
}

#[test]
fn get_me_reads_the_authenticated_subject() {
    let env = Env::with(scimctl::serve::ServeConfig {
        me: Some("bjensen".to_owned()),
        ..Default::default()
    });
    env.create_user("bjensen");
    let me = env.run(&["users", "get", "--me", "-o", "json"]).json();
    assert_eq!(me["userName"], "bjensen");
    let unsupported = Env::start();
    unsupported.run(&["users", "get", "--me"]).exits(1);
}

#[test]
fn list_filters_sorts_projects_and_searches() {
    let env = Env::start();
    for name in ["carol", "alice", "bob"] {
        env.create_user(name);
    }
    let sorted = env
        .run(&[
            "users",
            "list",
            "--sort-by",
            "userName",
            "--sort-order",
            "descending",
            "--attributes",
            "userName",
            "-o",
            "json",
        ])
        .json();
    let names: Vec<&str> = sorted
        .as_array()
        .expect("array")
        .iter()
        .map(|u| u["userName"].as_str().expect("userName"))
        .collect();
    assert_eq!(names, ["carol", "bob", "alice"]);
    assert_eq!(
        sorted[0].get("meta"),
        None,
        "only userName (and id) asked for"
    );
    for search in [false, true] {
        let mut args = vec![
            "users",
            "list",
            "--filter",
            r#"userName sw "a""#,
            "-o",
            "json",
        ];
        if search {
            args.push("--search");
        }
        let found = env.run(&args).json();
        assert_eq!(found.as_array().map(Vec::len), Some(1), "search: {search}");
        assert_eq!(found[0]["userName"], "alice");
    }
}

#[test]
fn list_shows_how_many_more_there_are_on_stderr() {
    let env = Env::start();
    for name in ["a1", "a2", "a3"] {
        env.create_user(name);
    }
    let run = env.run(&["users", "list", "--count", "2", "-o", "ndjson"]);
    run.exits(0);
    assert_eq!(run.stdout.lines().count(), 2);
    assert_eq!(
        run.stderr,
        "2 of 3 Users (from 1); --all follows every page\n"
    );
}

#[test]
fn an_invalid_filter_is_refused_with_a_caret_and_nothing_is_sent() {
    let env = Env::start();
    let run = env.run(&["users", "list", "-v", "--filter", r#"userName eq "x" and"#]);
    run.exits(2);
    assert_snapshot!("invalid_filter", run.stderr);
    assert!(
        !run.stderr.contains("GET "),
        "nothing was sent: {}",
        run.stderr
    );
    let raw = env.run(&[
        "users",
        "list",
        "--raw",
        "--filter",
        r#"userName eq "x" and"#,
    ]);
    raw.exits(1);
    raw.stderr_contains("400 invalidFilter");
}

#[test]
fn replace_with_if_match_auto_sends_the_current_etag() {
    let env = Env::start();
    let id = env.create_user("bjensen");
    let run = env.run(&[
        "users",
        "replace",
        &id,
        "--user-name",
        "bjensen",
        "--given-name",
        "Barbara",
        "--if-match",
        "auto",
        "-vv",
        "-o",
        "json",
    ]);
    let replaced = run.json();
    assert_eq!(replaced["name"]["givenName"], "Barbara");
    run.stderr_contains("if-match: W/\"1\"");
    let stale = env.run(&[
        "users",
        "replace",
        &id,
        "--user-name",
        "bjensen",
        "--if-match",
        "W/\"1\"",
    ]);
    stale.exits(1);
    assert!(stale.stderr.starts_with("error: 412"), "{}", stale.stderr);
}

#[test]
fn patch_types_values_by_the_schema_and_diff_shows_each_change() {
    let env = Env::start();
    let id = env
        .run(&[
            "users",
            "create",
            "--user-name",
            "bjensen",
            "--given-name",
            "Barbara",
            "--email",
            "old@example.com",
            "-o",
            "json",
        ])
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let run = env.run(&[
        "users",
        "patch",
        &id,
        "replace",
        "name.givenName",
        "Babs",
        "replace",
        r#"emails[value eq "old@example.com"].value"#,
        "new@example.com",
        "add",
        "active",
        "false",
        "--diff",
        "-o",
        "json",
    ]);
    let patched = run.json();
    assert_eq!(patched["active"], false);
    assert_eq!(patched["emails"][0]["value"], "new@example.com");
    assert_snapshot!("patch_diff", run.stderr);
}

#[test]
fn patch_from_a_file_sends_it_as_is() {
    let env = Env::start();
    let id = env.create_user("bjensen");
    let body = env.home.path().join("patch.json");
    std::fs::write(&body, r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"nickName","value":"Babs"}]}"#).expect("write");
    let patched = env
        .run(&[
            "users",
            "patch",
            &id,
            "--file",
            body.to_str().expect("utf-8"),
            "-o",
            "json",
        ])
        .json();
    assert_eq!(patched["nickName"], "Babs");
}

#[test]
fn an_invalid_patch_path_or_operation_is_refused_before_sending() {
    let env = Env::start();
    let id = env.create_user("bjensen");
    let path = env.run(&[
        "users",
        "patch",
        &id,
        "remove",
        r#"emails[type eq "work"][primary eq true]"#,
    ]);
    path.exits(2);
    assert_snapshot!("invalid_patch_path", path.stderr);
    let op = env.run(&["users", "patch", &id, "delete", "title"]);
    op.exits(2);
    assert!(
        op.stderr
            .contains("expected add, replace or remove, found `delete`"),
        "{}",
        op.stderr
    );
    let value = env.run(&["users", "patch", &id, "replace", "active", "maybe"]);
    value.exits(2);
}

#[test]
fn activate_and_deactivate_follow_the_dialect() {
    let env = Env::start();
    let id = env.create_user("bjensen");
    for (dialect, expected_body) in [
        ("rfc", r#"{"op":"replace","path":"active","value":false}"#),
        ("okta", r#"{"op":"replace","value":{"active":false}}"#),
        ("entra", r#"{"op":"replace","path":"active","value":false}"#),
        (
            "entra-legacy",
            r#"{"op":"Replace","path":"active","value":"False"}"#,
        ),
    ] {
        env.run(&["users", "activate", &id, "-o", "json"]).json();
        let run = env.run(&[
            "users",
            "deactivate",
            &id,
            "--as",
            dialect,
            "--curl",
            "-o",
            "json",
        ]);
        assert_eq!(run.json()["active"], false, "{dialect}");
        assert!(
            run.stderr.contains(expected_body),
            "{dialect}: {}",
            run.stderr
        );
    }
}

#[test]
fn delete_asks_for_yes_when_nobody_can_answer() {
    let env = Env::start();
    let id = env.create_user("bjensen");
    let refused = env.run(&["users", "delete", &id]);
    refused.exits(2);
    refused.stderr_contains("hint: pass --yes");
    env.run(&["users", "get", &id, "-o", "json"]).json();
    let deleted = env.run(&["users", "delete", &id, "--yes"]);
    deleted.exits(0);
    assert_eq!(deleted.stderr, format!("deleted User {id}\n"));
    env.run(&["users", "get", &id]).exits(1);
}

#[test]
fn create_with_diff_shows_every_attribute_as_added() {
    let env = Env::start();
    let run = env.run(&[
        "users",
        "create",
        "--user-name",
        "bjensen",
        "--diff",
        "-o",
        "json",
    ]);
    run.exits(0);
    run.stderr_contains("+ userName: \"bjensen\"");
}

#[test]
fn diff_colour_follows_the_flag_and_the_environment() {
    let env = Env::start();
    let id = env.create_user("bjensen");
    let always = env.run(&[
        "users",
        "deactivate",
        &id,
        "--diff",
        "--color",
        "always",
        "-o",
        "json",
    ]);
    assert!(
        always.stderr.contains("\u{1b}[32m+ active: false\u{1b}[0m"),
        "{:?}",
        always.stderr
    );
    let piped = env.run(&["users", "activate", &id, "--diff", "-o", "json"]);
    assert!(
        !piped.stderr.contains('\u{1b}'),
        "no colour into a pipe: {:?}",
        piped.stderr
    );
    let forced = env
        .command()
        .env("CLICOLOR_FORCE", "1")
        .args(["users", "deactivate", &id, "--diff", "-o", "json"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&forced.stderr).contains('\u{1b}'));
    let vetoed = env
        .command()
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .args(["users", "activate", &id, "--diff", "-o", "json"])
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&vetoed.stderr).contains('\u{1b}'));
}
