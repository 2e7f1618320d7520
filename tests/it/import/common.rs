//! What the import tests share: fixtures copied into the test's home (the binary's working
//! directory), CSV made hard on purpose, and reading back what the server holds. Nothing here
//! starts a server or runs the binary in its own way: that is `support::Env`'s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::Env;

/// The fixture `fixtures/csv/NAME`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/csv")
        .join(name)
}

/// Copies fixture `name` into the test's directory; returns the copy's file name.
pub fn copy_fixture(env: &Env, name: &str) -> String {
    std::fs::copy(fixture(name), env.home.join(name)).expect("fixture copied");
    name.to_owned()
}

/// Writes `text` as `name` in the test's directory.
pub fn write(env: &Env, name: &str, text: &str) -> String {
    std::fs::write(env.home.join(name), text).expect("file written");
    name.to_owned()
}

/// Reads a file of the test's directory.
pub fn read(env: &Env, name: &str) -> String {
    std::fs::read_to_string(env.home.join(name)).expect("readable")
}

/// Every resource of `family` (`users` or `groups`, with their members), as the server lists
/// them.
pub fn all(env: &Env, family: &str) -> Vec<Value> {
    let run = match family {
        "groups" => env.run(&[
            family,
            "list",
            "--all",
            "-o",
            "json",
            "--attributes",
            "id,displayName,externalId,members",
        ]),
        _ => env.run(&[family, "list", "--all", "-o", "json"]),
    };
    match run.json() {
        Value::Array(items) => items,
        other => panic!("not a list: {other}"),
    }
}

/// Users by userName; panics on a duplicate.
pub fn users_by_name(env: &Env) -> HashMap<String, Value> {
    let mut found = HashMap::new();
    for user in all(env, "users") {
        let name = user["userName"].as_str().expect("a userName").to_owned();
        assert!(
            found.insert(name.clone(), user).is_none(),
            "duplicate userName {name}"
        );
    }
    found
}

/// The rows of a CSV text, each a map from header to cell.
pub fn csv_rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    reader
        .records()
        .map(|record| {
            let record = record.expect("a record");
            headers
                .iter()
                .zip(record.iter())
                .map(|(h, c)| (h.to_owned(), c.to_owned()))
                .collect()
        })
        .collect()
}

/// The work email of a user.
pub fn work_email(user: &Value) -> Option<&str> {
    user["emails"]
        .as_array()?
        .iter()
        .find(|e| e["type"] == "work")?["value"]
        .as_str()
}

/// The enterprise extension of a user.
pub fn enterprise(user: &Value) -> &Value {
    &user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
}

/// `n` rows of users with what CSV makes hard: unicode, commas, quotes and line breaks.
pub fn generated_csv(n: usize) -> String {
    const GIVEN: [&str; 6] = ["Zoë", "李", "Jean-Noël", "Ågot", "O'Neil", "Łukasz"];
    const TITLES: [&str; 4] = [
        "Engineer",
        "Lead, Platform",
        "\"Chief\" Tinkerer",
        "Support\nEngineer",
    ];
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(["userName", "givenName", "familyName", "email", "title"])
        .expect("header");
    for i in 0..n {
        let user_name = format!("user{i:05}.{}", ["zoë", "ana", "李雷"][i % 3]);
        writer
            .write_record([
                user_name.as_str(),
                GIVEN[i % GIVEN.len()],
                &format!("Family, {i}"),
                &format!("u{i}@example.com"),
                TITLES[i % TITLES.len()],
            ])
            .expect("row");
    }
    String::from_utf8(writer.into_inner().expect("flushed")).expect("utf-8")
}

/// Asserts every row of a [`generated_csv`] is on the server exactly once, as written.
pub fn assert_generated_rows_on_server(env: &Env, csv: &str) {
    let users = users_by_name(env);
    let rows = csv_rows(csv);
    assert_eq!(
        users.len(),
        rows.len(),
        "one user per row, no more, no less"
    );
    for row in rows {
        let user = users
            .get(&row["userName"])
            .unwrap_or_else(|| panic!("{} is missing", row["userName"]));
        assert_eq!(user["name"]["givenName"], row["givenName"].as_str());
        assert_eq!(user["name"]["familyName"], row["familyName"].as_str());
        assert_eq!(work_email(user), Some(row["email"].as_str()));
        assert_eq!(user["title"], row["title"].as_str());
    }
}

/// Asserts that a `-v` run's trace shows no write.
#[track_caller]
pub fn assert_no_write(stderr: &str) {
    assert_eq!(writes(stderr), Vec::<&str>::new(), "{stderr}");
}

/// The lines of a `-v` log that are writes.
pub fn writes(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|line| {
            ["POST ", "PUT ", "PATCH ", "DELETE "]
                .iter()
                .any(|method| line.starts_with(method))
        })
        .collect()
}
