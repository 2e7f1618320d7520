//! `scimctl resources TYPE ...`: any type the server lists, named in any letter case.

use serde_json::json;

use crate::support::Env;

#[test]
fn every_action_works_on_a_type_named_in_any_case() {
    let env = Env::start();
    let body = env.home.path().join("user.json");
    std::fs::write(&body, r#"{"userName":"generic"}"#).expect("write");
    let created = env
        .run(&[
            "resources",
            "user",
            "create",
            "--file",
            body.to_str().expect("utf-8"),
            "--set",
            "title=Boss",
            "-o",
            "json",
        ])
        .json();
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(created["title"], "Boss");
    let listed = env
        .run(&["resources", "USERS", "list", "-o", "json"])
        .json();
    assert_eq!(listed[0]["id"], json!(id));
    let got = env
        .run(&["resources", "User", "get", &id, "-o", "json"])
        .json();
    assert_eq!(got["userName"], "generic");
    let replaced = env
        .run(&[
            "resources",
            "user",
            "replace",
            &id,
            "--set",
            "userName=renamed",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(replaced["userName"], "renamed");
    let patched = env
        .run(&[
            "resources",
            "user",
            "patch",
            &id,
            "add",
            "nickName",
            "G",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(patched["nickName"], "G");
    env.run(&["resources", "user", "delete", &id, "--yes"])
        .exits(0);
    env.run(&["resources", "user", "get", &id]).exits(1);
}

#[test]
fn an_unknown_type_lists_the_known_ones() {
    let env = Env::start();
    let run = env.run(&["resources", "Device", "list"]);
    run.exits(2);
    assert_eq!(
        run.stderr,
        "error: unknown resource type `Device`: the server lists User, Group\n"
    );
}
