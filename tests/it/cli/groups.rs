//! `scimctl groups ...` against `scimctl serve`, membership changes included.

use insta::assert_snapshot;
use scimctl::serve::Quirk;
use serde_json::json;

use crate::support::{Env, snapshots, table_snapshots};

#[test]
fn create_with_members_then_get_by_display_name_and_list_members() {
    let env = Env::start();
    let alice = env.create_user("alice");
    let group = env
        .run(&[
            "groups",
            "create",
            "--display-name",
            "Tour",
            "--external-id",
            "G1",
            "--member",
            &alice,
            "-o",
            "json",
        ])
        .json();
    assert_eq!(group["members"][0]["value"], json!(alice));
    let found = env
        .run(&["groups", "get", "--display-name", "tour", "-o", "json"])
        .json();
    assert_eq!(found["id"], group["id"]);
    let by_external = env
        .run(&["groups", "get", "--external-id", "G1", "-o", "json"])
        .json();
    assert_eq!(by_external["id"], group["id"]);
    let id = group["id"].as_str().expect("id");
    let members = env.run(&["groups", "members", id, "-o", "csv"]);
    members.exits(0);
    assert_eq!(
        members.stdout,
        format!("value,display,type\n{alice},alice,User\n")
    );
}

#[test]
fn group_lists_leave_members_out_unless_asked() {
    let env = Env::start();
    let alice = env.create_user("alice");
    env.run(&[
        "groups",
        "create",
        "--display-name",
        "Tour",
        "--member",
        &alice,
    ])
    .exits(0);
    let plain = env.run(&["groups", "list", "-v", "-o", "json"]);
    assert_eq!(plain.json()[0].get("members"), None);
    plain.stderr_contains("excludedAttributes=members");
    let asked = env.run(&[
        "groups",
        "list",
        "--attributes",
        "displayName,members",
        "-v",
        "-o",
        "json",
    ]);
    assert_eq!(asked.json()[0]["members"][0]["value"], json!(alice));
    assert!(
        !asked.stderr.contains("excludedAttributes"),
        "{}",
        asked.stderr
    );
    let table = env.run(&[
        "groups",
        "list",
        "--fields",
        "displayName,members",
        "-o",
        "csv",
    ]);
    table.exits(0);
    assert!(table.stdout.contains(&alice), "{}", table.stdout);
}

/// Two groups: `Tour` with two members and `Empty` with none.
fn two_groups() -> Env {
    Env::seeded(
        r#"{"Users": [{"userName": "alice"}, {"userName": "bob"}],
            "Groups": [{"displayName": "Tour", "members": [{"value": "alice"}, {"value": "bob"}]},
                       {"displayName": "Empty"}]}"#,
        &[],
    )
}

/// `groups list` leaves members out of its request, so it has no member count to show: a
/// column of zeros for groups that have members was a number nobody read.
#[test]
fn a_group_list_shows_no_member_count_it_did_not_read() {
    let env = two_groups();
    for format in ["table", "csv"] {
        let run = env.run(&["groups", "list", "-o", format]);
        run.exits(0);
        let header = run.stdout.lines().next().unwrap_or_default();
        assert!(!header.contains("members"), "{}", run.stdout);
    }
    let table = env.run(&["groups", "list", "-o", "table", "--sort-by", "displayName"]);
    table_snapshots().bind(|| assert_snapshot!("groups_table", table.stdout));
}

/// Asked for by name, members are returned whenever a group has any (RFC 7644 §3.4.2.5), so
/// the count is read: 2 for `Tour`, and 0 for `Empty`, which has none.
#[test]
fn a_member_count_is_shown_when_members_were_asked_for() {
    let env = two_groups();
    let run = env.run(&[
        "groups",
        "list",
        "--attributes",
        "displayName,members",
        "--sort-by",
        "displayName",
        "-o",
        "csv",
    ]);
    run.exits(0);
    let rows: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(rows[0], "id,displayName,members");
    assert!(rows[1].ends_with(",Empty,0"), "{}", run.stdout);
    assert!(rows[2].ends_with(",Tour,2"), "{}", run.stdout);
    let table = env.run(&[
        "groups",
        "list",
        "--attributes",
        "displayName,members",
        "--sort-by",
        "displayName",
        "-o",
        "table",
    ]);
    table_snapshots().bind(|| assert_snapshot!("groups_table_with_members", table.stdout));
}

/// A server that ignores `excludedAttributes` returns the members anyway; the table still has
/// no count, since the request did not ask for one.
#[test]
fn members_returned_despite_the_exclusion_are_not_counted() {
    let env = Env::seeded(
        r#"{"Users": [{"userName": "alice"}],
            "Groups": [{"displayName": "Tour", "members": [{"value": "alice"}]}]}"#,
        &[Quirk::IgnoreExcludedAttributes],
    );
    let listed = env.run(&["groups", "list", "-o", "json"]).json();
    assert_eq!(listed[0]["members"].as_array().map(Vec::len), Some(1));
    let run = env.run(&["groups", "list", "-o", "csv"]);
    run.exits(0);
    assert_eq!(run.stdout.lines().next(), Some("id,displayName"));
}

#[test]
fn add_and_remove_members_report_the_count_before_and_after() {
    let env = Env::start();
    let group = env.create_group("Tour");
    let alice = env.create_user("alice");
    env.create_user("bob");
    let added = env.run(&[
        "groups",
        "add-member",
        &group,
        "alice",
        "bob",
        "--by",
        "user-name",
        "-o",
        "json",
    ]);
    assert_eq!(added.json()["members"].as_array().map(Vec::len), Some(2));
    assert_eq!(added.stderr, format!("members of Group {group}: 0 -> 2\n"));
    let removed = env.run(&["groups", "remove-member", &group, &alice, "-o", "json"]);
    assert_eq!(removed.json()["members"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        removed.stderr,
        format!("members of Group {group}: 2 -> 1\n")
    );
}

#[test]
fn a_removal_that_empties_the_group_is_called_out() {
    let env = Env::with_quirks(&[Quirk::MemberRemovalEmptiesGroup]);
    let group = env.create_group("Tour");
    let alice = env.create_user("alice");
    let bob = env.create_user("bob");
    env.run(&["groups", "add-member", &group, &alice, &bob])
        .exits(0);
    let run = env.run(&[
        "groups",
        "remove-member",
        &group,
        &alice,
        "--as",
        "entra-legacy",
        "-o",
        "json",
    ]);
    run.exits(0);
    snapshots().bind(|| assert_snapshot!("removal_empties_group", run.stderr));
    let safe = Env::with_quirks(&[Quirk::MemberRemovalEmptiesGroup]);
    let group = safe.create_group("Tour");
    let alice = safe.create_user("alice");
    let bob = safe.create_user("bob");
    safe.run(&["groups", "add-member", &group, &alice, &bob])
        .exits(0);
    let rfc = safe.run(&["groups", "remove-member", &group, &alice]);
    assert!(
        !rfc.stderr.contains("warning"),
        "the RFC filter form is safe: {}",
        rfc.stderr
    );
}

#[test]
fn adding_an_unknown_user_name_fails_before_the_patch() {
    let env = Env::start();
    let group = env.create_group("Tour");
    let run = env.run(&[
        "groups",
        "add-member",
        &group,
        "ghost",
        "--by",
        "user-name",
        "-v",
    ]);
    run.exits(1);
    run.stderr_contains("no User matches userName eq \"ghost\"");
    assert!(!run.stderr.contains("PATCH"), "{}", run.stderr);
}

#[test]
fn replace_patch_and_delete_a_group() {
    let env = Env::start();
    let group = env.create_group("Tour");
    let replaced = env
        .run(&[
            "groups",
            "replace",
            &group,
            "--display-name",
            "Tours",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(replaced["displayName"], "Tours");
    let patched = env
        .run(&[
            "groups",
            "patch",
            &group,
            "replace",
            "displayName",
            "Travel",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(patched["displayName"], "Travel");
    env.run(&["groups", "delete", &group, "--yes"]).exits(0);
    env.run(&["groups", "get", &group]).exits(1);
}
