//! `scimctl config ...` and `scimctl discover`.

use insta::assert_snapshot;
use serde_json::json;

use crate::support::{Env, TOKEN, snapshots, table_snapshots};

#[test]
fn config_set_creates_a_default_profile_that_commands_use() {
    let env = Env::start();
    let mut set_url = env.command();
    set_url
        .env_remove("SCIMCTL_URL")
        .env_remove("SCIMCTL_TOKEN");
    let output = set_url
        .args(["config", "set", "url", &env.url])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let output = env
        .command()
        .env_remove("SCIMCTL_URL")
        .env_remove("SCIMCTL_TOKEN")
        .args(["config", "set", "token", TOKEN])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let listed = env.run(&["config", "list", "-o", "json"]).json();
    assert_eq!(
        listed,
        json!([{"name": "default", "default": true, "url": env.url}])
    );
    let from_profile = env
        .command()
        .env_remove("SCIMCTL_URL")
        .env_remove("SCIMCTL_TOKEN")
        .args(["users", "list", "-o", "json"])
        .output()
        .expect("runs");
    assert!(from_profile.status.success(), "{from_profile:?}");
}

#[test]
fn config_show_origin_says_where_each_value_came_from_with_secrets_redacted() {
    let env = Env::start();
    env.run(&["config", "set", "timeout", "45"]).exits(0);
    let run = env.run(&["config", "show", "--origin", "-o", "csv"]);
    run.exits(0);
    assert!(!run.stdout.contains(TOKEN));
    snapshots().bind(|| {
        let mut settings = insta::Settings::clone_current();
        settings.add_filter(r"/\S*/config\.toml", "[config]");
        settings.bind(|| assert_snapshot!("config_show_origin", run.stdout));
    });
}

#[test]
fn config_tables_are_compact() {
    let env = Env::start();
    env.run(&[
        "config",
        "set",
        "--profile",
        "staging",
        "url",
        "https://staging.example/scim/v2",
    ])
    .exits(0);
    env.run(&[
        "config",
        "set",
        "--profile",
        "prod",
        "url",
        "https://prod.example/scim/v2",
    ])
    .exits(0);
    env.run(&["config", "use", "prod"]).exits(0);
    let run = env.run(&["config", "list", "-o", "table"]);
    run.exits(0);
    table_snapshots().bind(|| assert_snapshot!("config_list_table", run.stdout));
}

#[test]
fn config_use_switches_the_default_profile() {
    let env = Env::start();
    env.run(&[
        "config",
        "set",
        "--profile",
        "staging",
        "url",
        "https://staging.example/scim",
    ])
    .exits(0);
    env.run(&[
        "config",
        "set",
        "--profile",
        "prod",
        "url",
        "https://prod.example/scim",
    ])
    .exits(0);
    env.run(&["config", "use", "prod"]).exits(0);
    let listed = env.run(&["config", "list", "-o", "json"]).json();
    let defaults: Vec<_> = listed
        .as_array()
        .expect("array")
        .iter()
        .filter(|p| p["default"] == true)
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(defaults, [json!("prod")]);
    let unknown = env.run(&["config", "use", "nope"]);
    unknown.exits(2);
}

#[test]
fn discover_shows_the_three_documents_and_caches_them() {
    let env = Env::start();
    let document = env.run(&["discover", "-o", "json"]).json();
    assert_eq!(
        document["serviceProviderConfig"]["patch"]["supported"],
        true
    );
    let names: Vec<_> = document["resourceTypes"]
        .as_array()
        .expect("array")
        .iter()
        .map(|rt| rt["name"].clone())
        .collect();
    assert_eq!(names, [json!("User"), json!("Group")]);
    assert!(document["schemas"].as_array().is_some_and(|s| s.len() >= 2));
    let cached = env.run(&["discover", "-v", "-o", "table"]);
    cached.exits(0);
    assert!(
        !cached.stderr.contains("GET "),
        "served from the cache: {}",
        cached.stderr
    );
    table_snapshots().bind(|| assert_snapshot!("discover_table", cached.stdout));
    let refreshed = env.run(&["discover", "--refresh", "-v", "-o", "json"]);
    refreshed.stderr_contains("GET ");
}
