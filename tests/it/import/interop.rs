//! Against python-scim's scim2-server, a server scimctl did not write: the same file imports,
//! reads back row by row, and imports again without a write.

use super::common::{
    assert_generated_rows_on_server, assert_no_write, copy_fixture, generated_csv, users_by_name,
    write,
};
use crate::support::Env;

#[test]
fn an_import_into_scim2_server_reads_back_and_runs_again_without_a_write() {
    let Some(env) = Env::scim2_server() else {
        return;
    };
    let csv = generated_csv(150);
    let file = write(&env, "users.csv", &csv);
    env.run(&["import", "users", &file, "--quiet"]).exits(0);
    assert_generated_rows_on_server(&env, &csv);
    let again = env.run(&["-v", "import", "users", &file]);
    again.exits(0);
    assert_no_write(&again.stderr);
}

#[test]
fn the_users_fixture_with_groups_and_managers_imports_into_scim2_server() {
    let Some(env) = Env::scim2_server() else {
        return;
    };
    let file = copy_fixture(&env, "users.csv");
    env.run(&["import", "users", &file, "--create-groups", "--quiet"])
        .exits(0);
    let users = users_by_name(&env);
    assert_eq!(users.len(), 6);
    assert_eq!(users["zoë"]["title"], "Lead \"Sparks\" Engineer");
    let again = env.run(&["-v", "import", "users", &file, "--create-groups"]);
    again.exits(0);
    assert_no_write(&again.stderr);
    let exported = env.run(&["export", "users", "export.csv"]);
    exported.exits(0);
    let round_trip = env.run(&["-v", "import", "users", "export.csv"]);
    round_trip.exits(0);
    assert_no_write(&round_trip.stderr);
}
