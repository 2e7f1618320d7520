//! Output formats: table, JSON, NDJSON, CSV and raw; `--fields`; paging with `--all`.

use insta::assert_snapshot;
use serde_json::{Value, json};

use crate::support::{Env, table_snapshots};

/// `n` users `u001`... with given names, as a `serve --seed` document.
fn seed(n: usize) -> String {
    let users: Vec<Value> = (1..=n)
        .map(|i| {
            json!({
                "userName": format!("u{i:03}"),
                "name": {"givenName": format!("Given{i}"), "familyName": "Family"},
                "emails": [{"value": format!("u{i}@example.com"), "type": "work", "primary": true}],
                "active": i % 2 == 0,
            })
        })
        .collect();
    json!({ "Users": users }).to_string()
}

#[test]
fn json_is_the_default_off_a_terminal_and_a_list_is_an_array() {
    let env = Env::seeded(&seed(2), &[]);
    let list = env.run(&["users", "list"]).json();
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    assert_eq!(list[0]["userName"], "u001");
}

#[test]
fn a_table_has_the_kind_columns() {
    let env = Env::seeded(&seed(2), &[]);
    let run = env.run(&["users", "list", "-o", "table"]);
    run.exits(0);
    table_snapshots().bind(|| assert_snapshot!("users_table", run.stdout));
}

/// As `kubectl get` and `gh` print them: one header line and one line per resource, without
/// borders or rules between rows.
#[test]
fn a_table_is_one_line_per_resource_under_one_header_line() {
    let env = Env::seeded(&seed(12), &[]);
    let run = env.run(&["users", "list", "-o", "table"]);
    run.exits(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 13, "{}", run.stdout);
    assert!(lines[0].starts_with("id "), "{}", run.stdout);
    assert!(
        lines
            .iter()
            .all(|line| !line.contains('─') && !line.contains('═')),
        "{}",
        run.stdout
    );
    assert!(lines.iter().all(|line| line == &line.trim_end()));
}

/// A user whose name is long and holds an escape sequence, beside a short one.
fn long_named_users() -> String {
    json!({"Users": [
        {"userName": "short", "name": {"givenName": "Ann", "familyName": "Lee"},
         "externalId": "E-1", "active": true},
        {"userName": "long", "name": {
            "givenName": "Maximiliane-Theodora-Konstanze-Friederike-Wilhelmine",
            "familyName": "von Hohenzollern-Sigmaringen-Schwarzburg-Rudolstadt\u{1b}[31m"},
         "emails": [{"value": "max.von.hohenzollern.sigmaringen@example.com", "primary": true}],
         "externalId": "E-2", "active": false},
    ]})
    .to_string()
}

#[test]
fn long_values_are_cut_with_an_ellipsis_to_the_width() {
    let env = Env::seeded(&long_named_users(), &[]);
    let default = env.run(&["users", "list", "-o", "table"]);
    default.exits(0);
    let narrow = env.run_with_env(&["users", "list", "-o", "table"], &[("COLUMNS", "80")]);
    narrow.exits(0);
    for (run, width) in [(&default, 120), (&narrow, 80)] {
        assert!(
            run.stdout.lines().all(|line| line.chars().count() <= width),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains('…'), "{}", run.stdout);
        assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    }
    table_snapshots().bind(|| {
        assert_snapshot!("users_table_long_value", default.stdout);
        assert_snapshot!("users_table_long_value_80_columns", narrow.stdout);
    });
}

#[test]
fn wide_adds_columns_and_cuts_nothing() {
    let env = Env::seeded(&long_named_users(), &[]);
    let run = env.run(&["users", "list", "-o", "table", "--wide"]);
    run.exits(0);
    assert!(
        run.stdout
            .contains("von Hohenzollern-Sigmaringen-Schwarzburg-Rudolstadt\\u{1b}[31m"),
        "escaped, and whole: {}",
        run.stdout
    );
    table_snapshots().bind(|| assert_snapshot!("users_table_wide", run.stdout));
}

#[test]
fn a_single_resource_as_a_table_lists_its_attributes() {
    let env = Env::seeded(&seed(1), &[]);
    let run = env.run(&["users", "get", "--user-name", "u001", "-o", "table"]);
    run.exits(0);
    table_snapshots().bind(|| assert_snapshot!("user_attribute_table", run.stdout));
}

#[test]
fn csv_takes_scim_paths_as_fields() {
    let env = Env::seeded(&seed(2), &[]);
    let run = env.run(&[
        "users",
        "list",
        "-o",
        "csv",
        "--fields",
        r#"userName,name.givenName,emails[type eq "work"].value,active"#,
    ]);
    run.exits(0);
    assert_eq!(
        run.stdout,
        "userName,name.givenName,\"emails[type eq \"\"work\"\"].value\",active\n\
         u001,Given1,u1@example.com,false\n\
         u002,Given2,u2@example.com,true\n"
    );
}

#[test]
fn an_invalid_field_path_is_a_usage_error_with_a_caret() {
    let env = Env::start();
    let run = env.run(&[
        "users",
        "list",
        "-o",
        "csv",
        "--fields",
        "id,emails[type eq]",
    ]);
    run.exits(2);
    assert_snapshot!("invalid_field", run.stderr);
}

#[test]
fn all_pages_stream_as_ndjson_with_a_summary_on_stderr() {
    let env = Env::seeded(&seed(5), &[]);
    let run = env.run(&["users", "list", "--all", "--count", "2", "-o", "ndjson"]);
    run.exits(0);
    let names: Vec<String> = run
        .stdout
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).expect("one JSON per line")["userName"]
                .as_str()
                .expect("name")
                .to_owned()
        })
        .collect();
    assert_eq!(names, ["u001", "u002", "u003", "u004", "u005"]);
    assert_eq!(
        run.stderr,
        "paging: 3 page(s), 5 item(s), 0 duplicate(s), totalResults 5; stopped on totalResults reached\n"
    );
}

#[test]
fn broken_paging_is_stopped_and_reported() {
    let env = Env::seeded(&seed(5), &[scimctl::serve::Quirk::ZeroBasedStartIndex]);
    let run = env.run(&["users", "list", "--all", "--count", "2", "-o", "ndjson"]);
    run.exits(0);
    assert!(
        run.stderr.starts_with("warning: paging: "),
        "{}",
        run.stderr
    );
    assert!(run.stdout.lines().count() <= 5);
}

#[test]
fn raw_prints_the_server_body_as_received() {
    let env = Env::seeded(&seed(1), &[]);
    let page = env.run(&["users", "list", "-o", "raw"]);
    page.exits(0);
    let body: Value = serde_json::from_str(&page.stdout).expect("JSON");
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    );
    let all = env.run(&["users", "list", "--all", "-o", "raw"]);
    assert!(all.stdout.contains("\"totalResults\":1"), "{}", all.stdout);
}

#[test]
fn server_text_with_control_characters_is_escaped_in_tables() {
    let env = Env::start();
    env.run(&[
        "users",
        "create",
        "--user-name",
        "evil",
        "--display-name",
        "red\u{1b}[31mtext",
    ])
    .exits(0);
    let run = env.run(&["users", "get", "--user-name", "evil", "-o", "table"]);
    run.exits(0);
    assert!(run.stdout.contains("red\\u{1b}[31mtext"), "{}", run.stdout);
    assert!(!run.stdout.contains('\u{1b}'));
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let env = Env::seeded(&seed(50), &[]);
    let mut child = env
        .scimctl()
        .args([
            "users", "list", "--all", "--count", "5", "-o", "ndjson", "-v",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    drop(child.stdout.take());
    let status = child.wait().expect("ends");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("reads");
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("error"),
        "{stderr}"
    );
    // The first page that cannot be written ends the traversal: no more pages are fetched.
    let pages_fetched = stderr.lines().filter(|l| l.starts_with("GET ")).count();
    assert_eq!(pages_fetched, 1, "{stderr}");
}

/// `primary` is optional (RFC 7643 §2.4): a user whose only email is not marked primary still
/// shows it, instead of an empty cell that reads as "no email".
#[test]
fn the_email_column_falls_back_to_the_first_email() {
    let env = Env::seeded(
        r#"{"Users": [{"userName": "ann", "emails": [{"value": "ann@example.com", "type": "work"}]}]}"#,
        &[],
    );
    let run = env.run(&["users", "list", "-o", "csv"]);
    run.exits(0);
    let row = run.stdout.lines().nth(1).unwrap_or_default();
    assert!(row.ends_with(",ann,,ann@example.com,"), "{}", run.stdout);
}
