//! The issue's "Done when" flow, as a new user would try it, in one test.

use serde_json::{Value, json};

use crate::support::{Env, TOKEN};

#[test]
fn the_whole_flow_against_scimctl_serve() {
    the_whole_flow(&Env::start());
}

#[test]
fn the_whole_flow_against_scim2_server() {
    if let Some(env) = Env::scim2_server() {
        the_whole_flow(&env);
    }
}

/// Create a user, find it, patch it, deactivate it, use it in a group, list, see the wire,
/// get refused for a bad filter, and clean up.
fn the_whole_flow(env: &Env) {
    // Create a user from flags, find it by userName.
    let created = env
        .run(&[
            "users",
            "create",
            "--user-name",
            "bjensen",
            "--given-name",
            "Barbara",
            "--family-name",
            "Jensen",
            "--email",
            "bjensen@example.com",
        ])
        .json();
    let user = created["id"].as_str().expect("id").to_owned();
    let found = env.run(&["users", "get", "--user-name", "bjensen"]).json();
    assert_eq!(found["id"], json!(user));

    // Patch its name and an email by value path.
    let patched = env
        .run(&[
            "users",
            "patch",
            &user,
            "replace",
            "name.givenName",
            "Babs",
            "replace",
            r#"emails[value eq "bjensen@example.com"].value"#,
            "babs@example.com",
        ])
        .json();
    assert_eq!(patched["name"]["givenName"], "Babs");
    assert_eq!(patched["emails"][0]["value"], "babs@example.com");

    // Deactivate it.
    assert_eq!(
        env.run(&["users", "deactivate", &user]).json()["active"],
        false
    );

    // Create a group, add and remove the user as member.
    let group = env.create_group("Tour Guides");
    let added = env.run(&[
        "groups",
        "add-member",
        &group,
        "bjensen",
        "--by",
        "user-name",
    ]);
    assert_eq!(added.json()["members"][0]["value"], json!(user));
    let removed = env.run(&["groups", "remove-member", &group, &user]);
    assert_eq!(
        removed
            .json()
            .get("members")
            .and_then(Value::as_array)
            .map_or(0, Vec::len),
        0
    );

    // List with filters, each answer checked against its filter without a word.
    let filtered = env.run(&["users", "list", "--filter", r#"name.givenName eq "Babs""#]);
    assert_eq!(filtered.json().as_array().map(Vec::len), Some(1));
    assert_eq!(filtered.stderr, "");
    for filter in [
        r#"emails[value co "babs"] and active eq false"#,
        r#"userName sw "BJ" or meta.lastModified gt "2000-01-01T00:00:00Z""#,
        "not (name.familyName pr)",
    ] {
        let run = env.run(&["users", "list", "--filter", filter]);
        run.exits(0);
        assert_eq!(run.stderr, "", "{filter}");
    }
    let all = env.run(&["users", "list", "--all", "-o", "ndjson"]);
    all.exits(0);
    assert_eq!(all.stdout.lines().count(), 1);
    assert!(
        all.stderr.starts_with("paging: 1 page(s), 1 item(s)"),
        "{}",
        all.stderr
    );

    // -vv shows the exchanges with the token redacted.
    let verbose = env.run(&["users", "get", &user, "-vv"]);
    verbose.exits(0);
    verbose.stderr_contains("authorization: (redacted)");
    assert!(!verbose.stderr.contains(TOKEN));

    // An invalid filter is refused with a caret and exit 2.
    let invalid = env.run(&["users", "list", "--filter", "userName eq bjensen'"]);
    invalid.exits(2);
    invalid.stderr_contains("^");

    // Delete both.
    env.run(&["users", "delete", &user, "--yes"]).exits(0);
    env.run(&["groups", "delete", &group, "--yes"]).exits(0);
    assert_eq!(env.run(&["users", "list"]).json(), json!([]));
    assert_eq!(env.run(&["groups", "list"]).json(), json!([]));
}

#[test]
fn the_other_commands_against_scim2_server() {
    let Some(env) = Env::scim2_server() else {
        return;
    };
    let discovered = env.run(&["discover", "-o", "json"]).json();
    assert!(
        discovered["resourceTypes"]
            .as_array()
            .is_some_and(|types| !types.is_empty())
    );
    let user = env.create_user("bjensen");
    let listed = env.run(&["resources", "user", "list", "-o", "json"]).json();
    assert_eq!(listed[0]["id"], json!(user));
    let replaced = env.run(&[
        "users",
        "replace",
        &user,
        "--user-name",
        "bjensen",
        "--display-name",
        "Babs",
        "--if-match",
        "auto",
        "--diff",
        "-o",
        "json",
    ]);
    assert_eq!(replaced.json()["displayName"], "Babs");
    replaced.stderr_contains("+ displayName: \"Babs\"");
    let group = env
        .run(&[
            "groups",
            "create",
            "--display-name",
            "Tour",
            "--member",
            &user,
            "-o",
            "json",
        ])
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let members = env.run(&["groups", "members", &group, "-o", "json"]).json();
    assert_eq!(members[0]["value"], json!(user));
    let paged = env.run(&["users", "list", "--all", "--count", "1", "-o", "ndjson"]);
    paged.exits(0);
    assert_eq!(paged.stdout.lines().count(), 1);
    env.run(&["groups", "delete", &group, "--yes"]).exits(0);
    env.run(&["users", "delete", &user, "--yes"]).exits(0);
}
