//! When things go wrong: a server that throttles (429 with Retry-After), one that drops
//! connections after applying the request, and an import killed with SIGKILL half-way. The end
//! state must be exactly as if the import had run once: every row, no duplicate.

use std::process::Stdio;
use std::time::Duration;

use scimctl::serve::Quirk;

use super::common::{assert_generated_rows_on_server, generated_csv, users_by_name, write};
use crate::support::{Env, Running, wait_until};

#[test]
fn a_throttling_server_is_waited_out_and_every_row_lands() {
    let env = Env::with_quirks(&[Quirk::RateLimit(4)]);
    let csv = generated_csv(40);
    let file = write(&env, "users.csv", &csv);
    let run = env.run(&["-v", "import", "users", &file, "--concurrency", "4"]);
    run.exits(0);
    assert!(
        run.stderr.contains("429"),
        "the server throttled: {}",
        run.stderr
    );
    assert_generated_rows_on_server(&env, &csv);
}

#[test]
fn lost_answers_never_duplicate_a_create() {
    // Every 3rd request is applied, then its connection closed: creates whose answer is lost
    // are looked up before being sent again.
    let env = Env::with_quirks(&[Quirk::DropConnections(3)]);
    let csv = generated_csv(120);
    let file = write(&env, "users.csv", &csv);
    let run = env.run(&["import", "users", &file, "--concurrency", "8", "--quiet"]);
    run.exits(0);
    assert_generated_rows_on_server(&env, &csv);
    let again = env.run(&["-v", "import", "users", &file]);
    again.exits(0);
    assert!(
        !again.stderr.contains("POST "),
        "nothing left to create: {}",
        again.stderr
    );
}

#[test]
fn an_update_whose_answer_is_lost_is_found_made_and_counted_as_updated() {
    // Every 3rd request is applied, then its connection closed: an update sent again finds
    // the resource already changed, which is the import's own update landing.
    let env = Env::with_quirks(&[Quirk::DropConnections(3)]);
    let csv = generated_csv(60);
    let file = write(&env, "users.csv", &csv);
    env.run(&["import", "users", &file, "--quiet"]).exits(0);
    let changed = csv.replace("Family, ", "Familia, ");
    write(&env, "users.csv", &changed);
    env.run(&[
        "import",
        "users",
        &file,
        "--quiet",
        "--report",
        "json=report.json",
    ])
    .exits(0);
    assert_generated_rows_on_server(&env, &changed);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.home.join("report.json")).unwrap())
            .expect("a JSON report");
    let outcomes: Vec<&str> = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| row["outcome"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(outcomes.len(), 60);
    assert!(
        outcomes.iter().all(|outcome| *outcome == "updated"),
        "every row's family name changed: {outcomes:?}"
    );
    // Every write the second run announced has its outcome in the journal.
    let journal = std::fs::read_to_string(env.home.join("users.csv.journal")).expect("journal");
    let entries: Vec<serde_json::Value> = journal
        .lines()
        .map(|line| serde_json::from_str(line).expect("a journal line"))
        .collect();
    let run = entries
        .iter()
        .rev()
        .find(|entry| entry["event"] == "session")
        .map(|entry| entry["run"].clone())
        .expect("a session line");
    let of_run = |event: &str| -> Vec<(u64, String)> {
        let mut lines: Vec<(u64, String)> = entries
            .iter()
            .filter(|entry| entry["event"] == event && entry["run"] == run)
            .map(|entry| {
                (
                    entry["line"].as_u64().unwrap_or(0),
                    entry["key"].to_string(),
                )
            })
            .collect();
        lines.sort();
        lines.dedup();
        lines
    };
    assert_eq!(of_run("intent"), of_run("done"));
    assert_eq!(of_run("done").len(), 60);
}

#[test]
fn bulk_requests_create_every_row_once_even_when_answers_are_lost() {
    let env = Env::start();
    let csv = generated_csv(60);
    let file = write(&env, "users.csv", &csv);
    let run = env.run(&["-v", "import", "users", &file, "--use-bulk"]);
    run.exits(0);
    assert!(
        run.stderr.contains("POST http") && run.stderr.contains("/Bulk"),
        "{}",
        run.stderr
    );
    assert_generated_rows_on_server(&env, &csv);

    let dropping = Env::with_quirks(&[Quirk::DropConnections(5)]);
    let file = write(&dropping, "users.csv", &csv);
    dropping
        .run(&["import", "users", &file, "--use-bulk", "--quiet"])
        .exits(0);
    assert_generated_rows_on_server(&dropping, &csv);
}

/// Waits (bounded) until the journal next to `users.csv` has `lines` lines.
fn wait_for_journal(env: &Env, lines: usize, child: &mut Running) {
    let journal = env.home.join("users.csv.journal");
    let what = format!("the journal to reach {lines} lines");
    wait_until(&what, Duration::from_secs(60), || {
        if let Ok(Some(status)) = child.0.try_wait() {
            panic!("the import ended ({status}) before its journal reached {lines} lines");
        }
        std::fs::read_to_string(&journal).map_or(0, |text| text.lines().count()) >= lines
    });
}

#[test]
fn an_import_killed_half_way_resumes_to_exactly_one_of_each_row() {
    let env = Env::with_quirks(&[Quirk::Latency(15)]);
    let csv = generated_csv(400);
    write(&env, "users.csv", &csv);
    let mut child = Running::spawn(
        env.scimctl()
            .args([
                "import",
                "users",
                "users.csv",
                "--concurrency",
                "4",
                "--quiet",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    // Intents and outcomes of about a hundred rows: well under way, far from done.
    wait_for_journal(&env, 200, &mut child);
    child.0.kill().expect("SIGKILL");
    let status = child.0.wait().expect("reaped");
    assert!(!status.success(), "killed, not finished");
    let half = users_by_name(&env).len();
    assert!(
        (1..400).contains(&half),
        "{half} of 400 rows were created before the kill"
    );
    let resumed = env.run(&["import", "users", "users.csv", "--concurrency", "4"]);
    resumed
        .exits(0)
        .stderr_contains("resuming the import of users.csv");
    assert_generated_rows_on_server(&env, &csv);
    // Creates the kill left without an answer were found made: they are the import's too.
    let journal = std::fs::File::open(env.home.join("users.csv.journal")).expect("journal");
    let recovered =
        scimctl::import::journal::read(std::io::BufReader::new(journal)).expect("readable");
    assert_eq!(
        recovered.tracked.len(),
        400,
        "every created user is tracked"
    );
    assert_eq!(recovered.interrupted, None, "the resumed run finished");
}

#[test]
fn a_file_changed_after_an_interruption_is_planned_again_not_replayed() {
    let env = Env::with_quirks(&[Quirk::Latency(15)]);
    let csv = generated_csv(200);
    write(&env, "users.csv", &csv);
    let mut child = Running::spawn(
        env.scimctl()
            .args([
                "import",
                "users",
                "users.csv",
                "--concurrency",
                "2",
                "--quiet",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    wait_for_journal(&env, 40, &mut child);
    child.0.kill().expect("SIGKILL");
    child.0.wait().expect("reaped");
    let changed = csv.replacen("Engineer", "Staff Engineer", 1);
    write(&env, "users.csv", &changed);
    let run = env.run(&["import", "users", "users.csv"]);
    run.exits(0)
        .stderr_contains("users.csv or the options changed since the import interrupted");
    assert_generated_rows_on_server(&env, &changed);
}

#[test]
fn ctrl_c_finishes_the_requests_in_flight_and_the_next_run_resumes() {
    let env = Env::with_quirks(&[Quirk::Latency(15)]);
    let csv = generated_csv(300);
    write(&env, "users.csv", &csv);
    let (mut child, _stdout, stderr) = Running::with_output(env.scimctl().args([
        "import",
        "users",
        "users.csv",
        "--concurrency",
        "4",
    ]));
    wait_for_journal(&env, 100, &mut child);
    child.interrupt();
    let status = child.wait_for_exit(Duration::from_secs(60));
    let stderr = stderr.finish();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted; run the same command again to resume"),
        "{stderr}"
    );
    let journal = std::fs::read_to_string(env.home.join("users.csv.journal")).expect("journal");
    let intents = journal.matches("\"event\":\"intent\"").count();
    let outcomes = journal.matches("\"event\":\"done\"").count();
    assert_eq!(
        intents, outcomes,
        "every request in flight was finished and recorded"
    );
    env.run(&["import", "users", "users.csv", "--quiet"])
        .exits(0);
    assert_generated_rows_on_server(&env, &csv);
}

#[test]
fn legal_server_variations_change_nothing_about_the_result() {
    // PATCH answered 204, application/json, a charset parameter, lists under `resources`.
    let env = Env::with_quirks(&[
        Quirk::PatchNoContent,
        Quirk::JsonContentType,
        Quirk::Charset,
        Quirk::LowercaseResources,
    ]);
    let csv = generated_csv(150);
    let file = write(&env, "users.csv", &csv);
    env.run(&["import", "users", &file, "--quiet"]).exits(0);
    let changed = csv.replace("Lead, Platform", "Lead, Core");
    let file = write(&env, "users.csv", &changed);
    env.run(&["import", "users", &file, "--quiet"]).exits(0);
    assert_generated_rows_on_server(&env, &changed);
    let again = env.run(&["-v", "import", "users", &file]);
    again.exits(0);
    assert!(!again.stderr.contains("PATCH "), "{}", again.stderr);
}
