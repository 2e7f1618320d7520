//! Plan first: `--dry-run` writes nothing, invalid rows stop the run before the first write
//! (exit 2) with messages naming line and column, `--rejects` collects them in a file that can
//! be fixed and imported as it is, and `--report json=FILE` has every row's outcome.

use insta::assert_snapshot;
use serde_json::Value;

use super::common::{copy_fixture, read, users_by_name, write, writes};
use crate::support::{Env, snapshots};

#[test]
fn a_dry_run_prints_the_plan_and_writes_nothing() {
    let env = Env::start();
    let first = write(
        &env,
        "first.csv",
        "userName,title,groups\nbjensen,Guide,Ops\nakumar,Manager,Ops\n",
    );
    env.run(&["import", "users", &first, "--create-groups", "--quiet"])
        .exits(0);
    let next = write(
        &env,
        "next.csv",
        "userName,title,manager,groups\nbjensen,Senior Guide,akumar,Ops\nakumar,Manager,,Ops\nzoë,Intern,akumar,Ops; Interns\n",
    );
    let run = env.run(&[
        "-v",
        "import",
        "users",
        &next,
        "--dry-run",
        "--create-groups",
    ]);
    run.exits(0);
    assert_eq!(writes(&run.stderr), Vec::<&str>::new());
    let plan: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| !line.starts_with("GET "))
        .collect();
    let mut settings = snapshots();
    settings.add_filter(r"\d+/s", "[n]/s");
    settings.bind(|| assert_snapshot!("dry_run_plan", plan.join("\n")));
    assert_eq!(users_by_name(&env).len(), 2);
}

#[test]
fn invalid_rows_stop_the_run_before_any_write_and_go_to_the_rejects_file() {
    let env = Env::start();
    let file = copy_fixture(&env, "invalid.csv");
    let run = env.run(&["import", "users", &file, "--rejects", "rejects.csv"]);
    run.exits(2);
    snapshots().bind(|| assert_snapshot!("invalid_rows", run.stderr));
    assert!(users_by_name(&env).is_empty(), "nothing was written");
    let rejects = read(&env, "rejects.csv");
    snapshots().bind(|| assert_snapshot!("rejects_file", rejects));
}

#[test]
fn a_fixed_rejects_file_imports_as_it_is() {
    let env = Env::start();
    let file = copy_fixture(&env, "invalid.csv");
    env.run(&[
        "import",
        "users",
        &file,
        "--skip-invalid",
        "--rejects",
        "rejects.csv",
        "--quiet",
    ])
    .exits(3);
    assert_eq!(
        users_by_name(&env).len(),
        1,
        "zoe only: bjensen's key is a duplicate"
    );
    let rejects = read(&env, "rejects.csv");
    let mut reader = csv::Reader::from_reader(rejects.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    assert_eq!(headers.iter().next_back(), Some("scimctl_error"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&headers).expect("header");
    for record in reader.records() {
        let mut cells: Vec<String> = record.expect("row").iter().map(str::to_owned).collect();
        match (cells[0].as_str(), cells[1].as_str()) {
            ("", _) => cells[0] = "nobody".to_owned(),
            ("akumar", _) => {
                cells[1] = "akumar@example.com".to_owned();
                cells[2] = "true".to_owned();
            }
            ("bjensen", "other@example.com") => cells[0] = "bjensen2".to_owned(),
            _ => {}
        }
        writer.write_record(&cells).expect("row");
    }
    let fixed = String::from_utf8(writer.into_inner().expect("flushed")).expect("utf-8");
    let fixed_file = write(&env, "fixed.csv", &fixed);
    let run = env.run(&["import", "users", &fixed_file, "--quiet"]);
    run.exits(0);
    let users = users_by_name(&env);
    let mut names: Vec<&String> = users.keys().collect();
    names.sort();
    assert_eq!(names, ["akumar", "bjensen", "bjensen2", "nobody", "zoe"]);
}

#[test]
fn the_json_report_has_every_row_and_a_summary() {
    let env = Env::start();
    let seed = write(
        &env,
        "seed.csv",
        "userName,title\nbjensen,Guide\nakumar,Manager\n",
    );
    env.run(&["import", "users", &seed, "--quiet"]).exits(0);
    let file = write(
        &env,
        "next.csv",
        "userName,title,email\nbjensen,Senior Guide,\nakumar,Manager,\nzoe,Intern,bad address\nnew,Hire,\n",
    );
    env.run(&[
        "import",
        "users",
        &file,
        "--skip-invalid",
        "--report",
        "json=report.json",
        "--quiet",
    ])
    .exits(3);
    let report: Value = serde_json::from_str(&read(&env, "report.json")).expect("JSON");
    assert_eq!(report["format_version"], 1);
    assert_eq!(report["command"], "import users");
    let mut rows: Vec<(u64, String)> = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap_or(0),
                r["outcome"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            (2, "updated".to_owned()),
            (3, "unchanged".to_owned()),
            (4, "invalid".to_owned()),
            (5, "created".to_owned())
        ]
    );
    let updated = report["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["line"] == 2))
        .expect("line 2");
    assert_eq!(
        updated["changes"],
        serde_json::json!([{"path": "title", "before": "Guide", "after": "Senior Guide"}])
    );
    assert_eq!(report["summary"]["created"], 1);
    assert_eq!(report["summary"]["invalid"], 1);
}

#[test]
fn options_that_do_not_fit_are_usage_errors() {
    let env = Env::start();
    let file = write(&env, "a.csv", "displayName\nOps\n");
    env.run(&["import", "groups", &file, "--deactivate-missing"])
        .exits(2)
        .stderr_contains("groups have no `active` attribute");
    env.run(&["import", "groups", &file, "--scope", "displayName sw \"O\""])
        .exits(2)
        .stderr_contains("--scope selects what");
    env.run(&["import", "groups", &file, "--report", "html=r.html"])
        .exits(2)
        .stderr_contains("json=FILE");
    env.run(&["import", "users", &file])
        .exits(2)
        .stderr_contains("no column gives userName");
    env.run(&["import", "users", "missing.csv"])
        .exits(2)
        .stderr_contains("cannot read missing.csv");
}
