//! A daily feed: `--deactivate-missing` and `--delete-missing` touch only what imports through
//! the same journal created (or what `--scope` selects), after confirmation.

use super::common::{users_by_name, write};
use crate::support::Env;

fn day_one(env: &Env) {
    let file = write(
        env,
        "feed.csv",
        "userName,title\nbjensen,Guide\nakumar,Manager\nzoe,Intern\n",
    );
    env.run(&["import", "users", &file, "--quiet"]).exits(0);
}

#[test]
fn deactivate_missing_touches_only_what_imports_created() {
    let env = Env::start();
    env.create_user("outsider");
    day_one(&env);
    let file = write(&env, "feed.csv", "userName,title\nbjensen,Guide\n");
    env.run(&["import", "users", &file, "--deactivate-missing"])
        .exits(2)
        .stderr_contains("refusing to deactivate 2 user(s) without confirmation");
    assert!(
        users_by_name(&env).values().all(|u| u["active"] != false),
        "nothing was written"
    );
    let plan = env.run(&[
        "import",
        "users",
        &file,
        "--deactivate-missing",
        "--dry-run",
    ]);
    plan.exits(0).stderr_contains("to deactivate");
    let run = env.run(&["import", "users", &file, "--deactivate-missing", "--yes"]);
    run.exits(0).stderr_contains("deactivated");
    let users = users_by_name(&env);
    assert_eq!(users["akumar"]["active"], false);
    assert_eq!(users["zoe"]["active"], false);
    assert_ne!(users["bjensen"]["active"], false);
    assert_ne!(
        users["outsider"]["active"], false,
        "not created by an import"
    );
    let again = env.run(&[
        "-v",
        "import",
        "users",
        &file,
        "--deactivate-missing",
        "--yes",
    ]);
    again.exits(0);
    assert!(
        !again.stderr.contains("PATCH "),
        "already inactive: {}",
        again.stderr
    );
}

#[test]
fn delete_missing_removes_what_imports_created_and_forgets_it() {
    let env = Env::start();
    env.create_user("outsider");
    day_one(&env);
    let file = write(
        &env,
        "feed.csv",
        "userName,title\nbjensen,Guide\nakumar,Manager\n",
    );
    env.run(&[
        "import",
        "users",
        &file,
        "--delete-missing",
        "--yes",
        "--quiet",
    ])
    .exits(0);
    let mut names: Vec<String> = users_by_name(&env).into_keys().collect();
    names.sort();
    assert_eq!(names, ["akumar", "bjensen", "outsider"]);
    let journal = std::fs::read_to_string(env.home.join("feed.csv.journal")).expect("journal");
    assert!(journal.contains("\"op\":\"delete\""), "{journal}");
}

#[test]
fn a_scope_filter_chooses_what_may_be_deactivated() {
    let env = Env::start();
    env.create_user("contractor-1");
    env.create_user("contractor-2");
    env.create_user("employee");
    let file = write(&env, "contractors.csv", "userName\ncontractor-1\n");
    env.run(&[
        "import",
        "users",
        &file,
        "--deactivate-missing",
        "--scope",
        "userName sw \"contractor-\"",
        "--yes",
        "--quiet",
    ])
    .exits(0);
    let users = users_by_name(&env);
    assert_eq!(users["contractor-2"]["active"], false);
    assert_ne!(users["contractor-1"]["active"], false);
    assert_ne!(users["employee"]["active"], false, "outside the scope");
}
