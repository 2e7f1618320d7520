//! `--use-bulk` beyond creates: a row's update (PATCH of what changed, PUT with `--method
//! put`) and the deactivation or deletion of what the file no longer holds go in `/Bulk`
//! requests (RFC 7644 §3.7), cut by the server's `maxOperations`; lost answers are checked
//! against the server, never blindly sent again, and a second run writes nothing.

use scimctl::serve::{Limits, Quirk, ServeConfig};

use super::common::{assert_no_write, users_by_name, write, writes};
use crate::support::Env;

/// `userName,title` rows: `user{i}` for each `i` of `numbers`, with `title`.
fn titled(numbers: std::ops::Range<usize>, title: &str) -> String {
    numbers.map(|i| format!("user{i:02},{title}\n")).collect()
}

/// Writes `users.csv` with these rows under its header.
fn write_users(env: &Env, rows: &[String]) {
    write(
        env,
        "users.csv",
        &format!("userName,title\n{}", rows.concat()),
    );
}

/// Asserts every write of a `-v` log went in a `/Bulk` request, and returns how many there were.
fn bulk_requests(stderr: &str) -> usize {
    let writes = writes(stderr);
    for write in &writes {
        assert!(
            write.starts_with("POST http") && write.contains("/Bulk -> 200"),
            "a write outside /Bulk: {write}\n{stderr}"
        );
    }
    writes.len()
}

/// Asserts the summary table says `row` (`updated 12`).
fn summary_says(stderr: &str, row: &str) {
    let said = stderr
        .lines()
        .any(|line| line.split_whitespace().collect::<Vec<_>>().join(" ") == row);
    assert!(said, "the summary does not say {row:?}: {stderr}");
}

/// Asserts the users on the server are exactly `expected` (userName, title, active).
fn assert_users(env: &Env, expected: &[(String, &str, bool)]) {
    let users = users_by_name(env);
    assert_eq!(users.len(), expected.len(), "{:?}", users.keys());
    for (name, title, active) in expected {
        let user = &users[name];
        assert_eq!(user["title"], *title, "{name}");
        assert_eq!(user["active"].as_bool().unwrap_or(true), *active, "{name}");
    }
}

fn expected(
    numbers: std::ops::Range<usize>,
    title: &str,
    active: bool,
) -> Vec<(String, &str, bool)> {
    numbers
        .map(|i| (format!("user{i:02}"), title, active))
        .collect()
}

/// Asserts a run of the import with `args` sends no write.
fn runs_again_without_a_write(env: &Env, args: &[&str]) {
    let again = env.run(&[&["-v", "import", "users", "users.csv"], args].concat());
    again.exits(0);
    assert_no_write(&again.stderr);
}

#[test]
fn updates_deactivations_and_deletions_go_in_bulk_requests_of_max_operations() {
    let env = Env::with(ServeConfig {
        limits: Limits {
            bulk_max_operations: 7,
            ..Limits::default()
        },
        ..ServeConfig::default()
    });
    write_users(&env, &[titled(0..30, "Engineer")]);
    env.run(&["import", "users", "users.csv", "--use-bulk", "--quiet"])
        .exits(0);

    // 12 retitled (two requests: 7 + 5), 13 as they were, 5 gone (one request).
    write_users(&env, &[titled(0..12, "Lead"), titled(12..25, "Engineer")]);
    let missing = ["--use-bulk", "--deactivate-missing", "--yes"];
    let dry = env.run(
        &[
            &["-v", "import", "users", "users.csv", "--dry-run"],
            &missing[..],
        ]
        .concat(),
    );
    dry.exits(0);
    assert_no_write(&dry.stderr);
    summary_says(&dry.stderr, "to update 12");
    let run = env.run(&[&["-v", "import", "users", "users.csv"], &missing[..]].concat());
    run.exits(0);
    assert_eq!(bulk_requests(&run.stderr), 3, "{}", run.stderr);
    summary_says(&run.stderr, "updated 12");
    summary_says(&run.stderr, "deactivated 5");
    assert_users(
        &env,
        &[
            expected(0..12, "Lead", true),
            expected(12..25, "Engineer", true),
            expected(25..30, "Engineer", false),
        ]
        .concat(),
    );
    runs_again_without_a_write(&env, &missing);

    // PUT with --method put (one request of 5), and 10 deleted (7 + 3), the deactivated too.
    write_users(
        &env,
        &[
            titled(0..5, "Staff"),
            titled(5..12, "Lead"),
            titled(12..20, "Engineer"),
        ],
    );
    let put = ["--use-bulk", "--method", "put", "--delete-missing", "--yes"];
    let run = env.run(&[&["-v", "import", "users", "users.csv"], &put[..]].concat());
    run.exits(0);
    assert_eq!(bulk_requests(&run.stderr), 3, "{}", run.stderr);
    summary_says(&run.stderr, "updated 5");
    summary_says(&run.stderr, "deleted 10");
    assert_users(
        &env,
        &[
            expected(0..5, "Staff", true),
            expected(5..12, "Lead", true),
            expected(12..20, "Engineer", true),
        ]
        .concat(),
    );
    runs_again_without_a_write(&env, &put);
}

#[test]
fn bulk_updates_and_deletions_whose_answers_are_lost_are_checked_never_repeated_blindly() {
    // Every 4th request is applied, then its connection closed, /Bulk ones included.
    let env = Env::with_quirks(&[Quirk::DropConnections(4)]);
    write_users(&env, &[titled(0..40, "Engineer")]);
    env.run(&["import", "users", "users.csv", "--use-bulk", "--quiet"])
        .exits(0);
    write_users(&env, &[titled(0..30, "Lead")]);
    let args = ["--use-bulk", "--delete-missing", "--yes"];
    let run = env.run(&[&["-v", "import", "users", "users.csv"], &args[..]].concat());
    run.exits(0);
    assert!(
        writes(&run.stderr)
            .iter()
            .any(|write| write.starts_with("POST http") && write.contains("/Bulk")),
        "updates and deletions went in /Bulk: {}",
        run.stderr
    );
    // The quirk applies a request before dropping its connection: an update whose /Bulk answer
    // is lost is found made when read again, and never sent again on its own.
    assert!(
        !writes(&run.stderr).iter().any(|w| w.starts_with("PATCH ")),
        "{}",
        run.stderr
    );
    assert_users(&env, &expected(0..30, "Lead", true));
    let journal = std::fs::File::open(env.home.join("users.csv.journal")).expect("journal");
    let recovered =
        scimctl::import::journal::read(std::io::BufReader::new(journal)).expect("readable");
    assert_eq!(
        recovered.interrupted, None,
        "every write's outcome is recorded"
    );
    runs_again_without_a_write(&env, &args);
}

#[test]
fn scim2_server_takes_updates_and_deletions_in_bulk() {
    let Some(env) = Env::scim2_server() else {
        return;
    };
    write_users(&env, &[titled(0..20, "Engineer")]);
    env.run(&["import", "users", "users.csv", "--use-bulk", "--quiet"])
        .exits(0);
    write_users(&env, &[titled(0..8, "Lead"), titled(8..15, "Engineer")]);
    let args = ["--use-bulk", "--delete-missing", "--yes"];
    let run = env.run(&[&["-v", "import", "users", "users.csv"], &args[..]].concat());
    run.exits(0);
    assert_eq!(bulk_requests(&run.stderr), 2, "{}", run.stderr);
    assert_users(
        &env,
        &[
            expected(0..8, "Lead", true),
            expected(8..15, "Engineer", true),
        ]
        .concat(),
    );
    runs_again_without_a_write(&env, &args);
}

#[test]
fn bulk_updates_are_cut_under_the_servers_max_payload_size() {
    // A 1,500-byte limit on every request body (larger ones get 413): twelve updates with
    // 100-character titles need two /Bulk requests at least.
    let env = Env::with(ServeConfig {
        limits: Limits {
            max_payload_size: 1500,
            ..Limits::default()
        },
        ..ServeConfig::default()
    });
    write_users(&env, &[titled(0..12, "Engineer")]);
    env.run(&["import", "users", "users.csv", "--use-bulk", "--quiet"])
        .exits(0);
    let long = "L".repeat(100);
    write_users(&env, &[titled(0..12, &long)]);
    let run = env.run(&["-v", "import", "users", "users.csv", "--use-bulk"]);
    run.exits(0);
    assert!(bulk_requests(&run.stderr) >= 2, "{}", run.stderr);
    summary_says(&run.stderr, "updated 12");
    assert_users(&env, &expected(0..12, &long, true));
}

#[test]
fn a_groups_changed_members_go_in_a_bulk_request() {
    let env = Env::start();
    write(&env, "people.csv", "userName\nann\nbob\ncyd\n");
    env.run(&["import", "users", "people.csv", "--quiet"])
        .exits(0);
    write(&env, "groups.csv", "displayName,members\nops,ann;bob\n");
    env.run(&["import", "groups", "groups.csv", "--use-bulk", "--quiet"])
        .exits(0);
    write(&env, "groups.csv", "displayName,members\nops,bob;cyd\n");
    let run = env.run(&["-v", "import", "groups", "groups.csv", "--use-bulk"]);
    run.exits(0);
    assert_eq!(bulk_requests(&run.stderr), 1, "{}", run.stderr);
    summary_says(&run.stderr, "updated 1");
    let users = users_by_name(&env);
    let groups = super::common::all(&env, "groups");
    let mut members: Vec<&str> = groups[0]["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| users.values().find(|u| u["id"] == m["value"]))
        .filter_map(|u| u["userName"].as_str())
        .collect();
    members.sort_unstable();
    assert_eq!(members, ["bob", "cyd"]);
}
