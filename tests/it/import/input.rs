//! What files look like in the wild: delimiters, byte-order marks, CRLF, Entra's template, HR
//! headers, encodings that are not UTF-8, and columns no rule knows.

use super::common::{copy_fixture, enterprise, users_by_name, work_email, write};
use crate::support::Env;

#[test]
fn a_semicolon_file_with_a_byte_order_mark_and_crlf_imports_with_a_map() {
    let env = Env::start();
    let file = copy_fixture(&env, "semicolon-bom-crlf.csv");
    let map = write(
        &env,
        "de.toml",
        "[columns]\nVorname = \"givenName\"\nNachname = \"familyName\"\nAbteilung = \"department\"\n",
    );
    env.run(&["import", "users", &file, "--map", &map, "--quiet"])
        .exits(0);
    let users = users_by_name(&env);
    let jurgen = &users["jmüller"];
    assert_eq!(jurgen["name"]["givenName"], "Jürgen");
    assert_eq!(
        work_email(jurgen),
        Some("jm@example.de"),
        "E-Mail is an alias of email"
    );
    assert_eq!(enterprise(jurgen)["department"], "Entwicklung; Backend");
}

#[test]
fn unknown_columns_stop_the_run_with_the_closest_names_unless_ignored() {
    let env = Env::start();
    let file = copy_fixture(&env, "semicolon-bom-crlf.csv");
    let run = env.run(&["import", "users", &file]);
    run.exits(2)
        .stderr_contains("unknown columns: `Vorname` (did you mean `forename` or `surname`?)")
        .stderr_contains("`Abteilung`\nhint: ")
        .stderr_contains("--ignore-unknown");
    let typo = write(&env, "typo.csv", "userName,Frist Name\nb,B\n");
    env.run(&["import", "users", &typo])
        .exits(2)
        .stderr_contains("`Frist Name` (did you mean `First Name`?)");
    env.run(&["import", "users", &file, "--ignore-unknown", "--quiet"])
        .exits(0);
    assert_eq!(users_by_name(&env).len(), 2);
}

#[test]
fn a_file_that_is_not_utf8_is_refused_naming_the_line_and_byte() {
    let env = Env::start();
    let file = copy_fixture(&env, "latin1.csv");
    env.run(&["import", "users", &file])
        .exits(2)
        .stderr_contains("line 3 is not UTF-8: byte 0xE9 at byte 5 of the line");
    assert!(users_by_name(&env).is_empty(), "nothing was written");
}

#[test]
fn entras_bulk_create_template_imports_as_it_is() {
    let env = Env::start();
    let file = copy_fixture(&env, "entra-bulk-template.csv");
    env.run(&["import", "users", &file, "--quiet"]).exits(0);
    let users = users_by_name(&env);
    let chris = &users["chris@contoso.com"];
    assert_eq!(chris["displayName"], "Chris Green");
    assert_eq!(chris["active"], true, "not blocked");
    assert_eq!(users["alex@contoso.com"]["active"], false, "blocked");
    assert_eq!(enterprise(chris)["department"], "R&D");
}

#[test]
fn a_map_file_renames_transforms_ignores_and_adds_constants() {
    let env = Env::start();
    let file = copy_fixture(&env, "hr-export.csv");
    let map = copy_fixture(&env, "hr-export.map.toml");
    env.run(&["import", "users", &file, "--map", &map, "--quiet"])
        .exits(0);
    let users = users_by_name(&env);
    let barbara = &users["bjensen@example.com"];
    assert_eq!(barbara["externalId"], "E100");
    assert_eq!(barbara["active"], true);
    assert_eq!(enterprise(barbara)["department"], "TOUR");
    assert_eq!(enterprise(barbara)["organization"], "Example Corp");
    assert_eq!(users["jsmith@example.com"]["active"], false);
    let broken = write(
        &env,
        "broken.toml",
        "[columns]\n\"Dept\" = { path = \"department\", transform = \"shout\" }\n",
    );
    env.run(&["import", "users", &file, "--map", &broken])
        .exits(2)
        .stderr_contains("broken.toml: the map file:");
}
