//! The everyday round: import, read every row back, import again (nothing changes), export
//! and import the export (nothing changes), and groups with their members.

use std::collections::BTreeMap;

use scimctl::import::scan::KEPT_ROWS_AT_MOST;
use scimctl::serve::{Seed, ServeConfig};
use serde_json::Value;

use super::common::{
    all, assert_no_write, copy_fixture, csv_rows, enterprise, fixture, generated_csv, read,
    users_by_name, work_email, write, writes,
};
use crate::support::Env;

/// Imports `users.csv` (with its groups) into `env`.
fn import_users(env: &Env) {
    let file = copy_fixture(env, "users.csv");
    env.run(&["import", "users", &file, "--create-groups", "--quiet"])
        .exits(0);
}

/// What `users.csv` says each user is, checked against the server one row at a time.
fn assert_users_csv_on_server(env: &Env) {
    let users = users_by_name(env);
    let rows = csv_rows(&std::fs::read_to_string(fixture("users.csv")).expect("fixture"));
    assert_eq!(users.len(), rows.len());
    let id_of = |name: &str| users[name]["id"].as_str().expect("id").to_owned();
    let groups = all(env, "groups");
    for row in &rows {
        let user = &users[&row["userName"]];
        assert_eq!(user["name"]["givenName"], row["First Name"].as_str());
        assert_eq!(user["name"]["familyName"], row["Last Name"].as_str());
        assert_eq!(work_email(user), Some(row["email"].as_str()));
        assert_eq!(user["title"], row["title"].as_str());
        assert_eq!(enterprise(user)["department"], row["department"].as_str());
        let active = !matches!(row["Status"].as_str(), "Inactive");
        assert_eq!(user["active"], active, "{}", row["userName"]);
        match row["manager"].as_str() {
            "" => assert!(enterprise(user).get("manager").is_none()),
            manager => assert_eq!(enterprise(user)["manager"]["value"], id_of(manager)),
        }
        for name in row["groups"]
            .split(';')
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            let group = groups
                .iter()
                .find(|g| g["displayName"] == name)
                .unwrap_or_else(|| panic!("group {name}"));
            let member_ids: Vec<&str> = group["members"]
                .as_array()
                .expect("members")
                .iter()
                .filter_map(|m| m["value"].as_str())
                .collect();
            assert!(member_ids.contains(&id_of(&row["userName"]).as_str()));
        }
    }
}

#[test]
fn an_import_puts_every_row_on_the_server_as_written() {
    let env = Env::start();
    import_users(&env);
    assert_users_csv_on_server(&env);
}

#[test]
fn running_the_same_import_again_writes_nothing() {
    let env = Env::start();
    import_users(&env);
    let again = env.run(&["-v", "import", "users", "users.csv", "--create-groups"]);
    again.exits(0);
    assert_no_write(&again.stderr);
    again.stderr_contains("unchanged");
    assert_users_csv_on_server(&env);
}

/// A file longer than an import keeps from its first reading is read again to be applied:
/// every row is paired with what the server holds, and a row found invalid at the first reading
/// (its key repeated at the end of the file) is invalid again.
#[test]
fn a_file_too_long_to_keep_is_read_again_with_the_same_verdicts() {
    let rows = KEPT_ROWS_AT_MOST + 20;
    let csv = generated_csv(rows);
    let env = Env::with(ServeConfig {
        seed: Some(Seed::from_csv(&csv).expect("a seed")),
        ..ServeConfig::default()
    });
    let first_row = csv.lines().nth(1).expect("a first row");
    let file = write(&env, "users.csv", &format!("{csv}{first_row}\n"));
    let run = env.run(&[
        "-v",
        "import",
        "users",
        &file,
        "--skip-invalid",
        "--report",
        "json=report.json",
    ]);
    run.exits(3);
    assert_no_write(&run.stderr);
    let report: Value = serde_json::from_str(&read(&env, "report.json")).expect("JSON");
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    for row in report["rows"].as_array().expect("rows") {
        *outcomes
            .entry(row["outcome"].as_str().expect("an outcome"))
            .or_default() += 1;
    }
    assert_eq!(
        outcomes,
        BTreeMap::from([("invalid", 2), ("unchanged", rows - 1)])
    );
}

#[test]
fn exporting_then_importing_the_export_changes_nothing() {
    let env = Env::start();
    import_users(&env);
    let exported = env.run(&["export", "users", "export.csv"]);
    exported
        .exits(0)
        .stderr_contains("exported 6 user(s) to export.csv");
    let text = read(&env, "export.csv");
    assert!(
        text.starts_with("userName,externalId,givenName,familyName,"),
        "{text}"
    );
    assert!(
        text.contains("\"Support\nEngineer\""),
        "line breaks stay quoted: {text}"
    );
    let again = env.run(&["-v", "import", "users", "export.csv"]);
    again.exits(0);
    assert_no_write(&again.stderr);
    let groups = env.run(&["export", "groups", "groups.csv"]);
    groups.exits(0);
    let again = env.run(&["-v", "import", "groups", "groups.csv"]);
    again.exits(0);
    assert_no_write(&again.stderr);
    assert_users_csv_on_server(&env);
}

#[test]
fn export_writes_json_ndjson_and_the_fields_asked_for_to_stdout() {
    let env = Env::start();
    import_users(&env);
    let ndjson = env.run(&[
        "export",
        "users",
        "-o",
        "ndjson",
        "--filter",
        "active eq false",
    ]);
    ndjson.exits(0);
    let lines: Vec<Value> = ndjson
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["userName"], "mgarcía");
    let json = env.run(&["export", "groups", "-o", "json"]);
    assert_eq!(json.json().as_array().map(Vec::len), Some(3));
    let fields = env.run(&[
        "export",
        "users",
        "--fields",
        "userName,title",
        "--filter",
        "userName eq \"zoë\"",
    ]);
    assert_eq!(
        fields.stdout,
        "userName,title\nzoë,\"Lead \"\"Sparks\"\" Engineer\"\n"
    );
    let table = env.run(&["export", "users", "-o", "table"]);
    table
        .exits(2)
        .stderr_contains("export writes csv, json or ndjson");
}

#[test]
fn the_template_is_a_header_row_import_reads() {
    let env = Env::start();
    let template = env.run(&["import", "users", "--template"]);
    template.exits(0);
    assert_eq!(
        template.stdout,
        "userName,externalId,givenName,familyName,displayName,email,phone,mobile,title,\
         department,employeeNumber,costCenter,manager,active,groups\n"
    );
    let file = write(
        &env,
        "new.csv",
        &format!(
            "{}bjensen,E1,Barbara,Jensen,Babs,b@example.com,+1 555,,Guide,Tour,701984,CC1,,yes,\n",
            template.stdout
        ),
    );
    env.run(&["import", "users", &file, "--quiet"]).exits(0);
    let user = &users_by_name(&env)["bjensen"];
    assert_eq!(user["phoneNumbers"][0]["value"], "+1 555");
    assert_eq!(enterprise(user)["costCenter"], "CC1");
    let groups = env.run(&["import", "groups", "--template"]);
    assert_eq!(groups.stdout, "displayName,externalId,members\n");
}

#[test]
fn stdin_is_read_with_a_dash() {
    let env = Env::start();
    let csv = "userName,givenName\nbjensen,Barbara\n";
    let output = env
        .command()
        .args(["import", "users", "-", "--quiet"])
        .write_stdin(csv)
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        users_by_name(&env)["bjensen"]["name"]["givenName"],
        "Barbara"
    );
    assert!(
        env.home.join("scimctl-import.journal").exists(),
        "stdin's journal goes in the current directory"
    );
}

#[test]
fn a_group_import_sets_members_to_exactly_those_listed() {
    let env = Env::start();
    import_users(&env);
    let file = copy_fixture(&env, "groups.csv");
    env.run(&["import", "groups", &file, "--quiet"]).exits(0);
    let users = users_by_name(&env);
    let member_names = |group: &Value| -> Vec<String> {
        let mut names: Vec<String> = group["members"]
            .as_array()
            .map(|members| {
                members
                    .iter()
                    .filter_map(|m| {
                        users
                            .values()
                            .find(|u| u["id"] == m["value"])
                            .and_then(|u| u["userName"].as_str())
                            .map(str::to_owned)
                    })
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let groups = all(&env, "groups");
    let by_name = |name: &str| {
        groups
            .iter()
            .find(|g| g["displayName"] == name)
            .expect(name)
            .clone()
    };
    assert_eq!(member_names(&by_name("Tour Guides")), ["bjensen", "zoë"]);
    assert_eq!(by_name("Tour Guides")["externalId"], "grp-tour");
    assert_eq!(member_names(&by_name("Platform, Core")), ["akumar"]);
    assert_eq!(
        member_names(&by_name("Everyone")),
        ["akumar", "bjensen", "zoë"],
        "jnoël is removed"
    );
    let again = env.run(&["-v", "import", "groups", &file]);
    assert_no_write(&again.stderr);
}

#[test]
fn put_updates_whole_resources_for_servers_without_patch() {
    let env = Env::start();
    import_users(&env);
    let file = write(
        &env,
        "change.csv",
        "userName,title\nbjensen,Senior Tour Guide\n",
    );
    let run = env.run(&["-v", "import", "users", &file, "--method", "put"]);
    run.exits(0);
    assert!(
        writes(&run.stderr).iter().all(|w| w.starts_with("PUT ")),
        "{}",
        run.stderr
    );
    let user = &users_by_name(&env)["bjensen"];
    assert_eq!(user["title"], "Senior Tour Guide");
    assert_eq!(
        user["name"]["givenName"], "Barbara",
        "what the row does not name is kept"
    );
}

#[test]
fn rows_pair_by_external_id_or_email_when_asked() {
    let env = Env::start();
    let first = write(
        &env,
        "a.csv",
        "userName,externalId,email\nbjensen,E1,b@example.com\n",
    );
    env.run(&["import", "users", &first, "--quiet"]).exits(0);
    let renamed = write(&env, "b.csv", "userName,externalId\nbarbara,E1\n");
    env.run(&[
        "import",
        "users",
        &renamed,
        "--match",
        "externalId",
        "--quiet",
    ])
    .exits(0);
    let users = users_by_name(&env);
    assert_eq!(users.len(), 1, "paired by externalId: renamed, not created");
    assert!(users.contains_key("barbara"));
    let by_email = write(
        &env,
        "c.csv",
        "userName,email,title\nbarbara,B@EXAMPLE.COM,Guide\n",
    );
    env.run(&["import", "users", &by_email, "--match", "email", "--quiet"])
        .exits(0);
    assert_eq!(users_by_name(&env)["barbara"]["title"], "Guide");
    env.run(&["import", "users", &by_email, "--match", "displayName"])
        .exits(2)
        .stderr_contains("users match by userName, externalId or email");
}

#[test]
fn an_empty_cell_clears_only_when_asked() {
    let env = Env::start();
    let full = write(
        &env,
        "full.csv",
        "userName,title,email\nbjensen,Guide,b@example.com\n",
    );
    env.run(&["import", "users", &full, "--quiet"]).exits(0);
    let blank = write(&env, "blank.csv", "userName,title,email\nbjensen,,\n");
    env.run(&["import", "users", &blank, "--quiet"]).exits(0);
    assert_eq!(users_by_name(&env)["bjensen"]["title"], "Guide");
    env.run(&["import", "users", &blank, "--empty", "clears", "--quiet"])
        .exits(0);
    let user = &users_by_name(&env)["bjensen"];
    assert!(user.get("title").is_none(), "{user}");
    assert!(work_email(user).is_none(), "{user}");
}
