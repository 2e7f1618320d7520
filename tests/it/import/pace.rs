//! How fast an import may go: `--rate N/s` spaces the requests it starts, whatever the server
//! could take, and a `--rate` that is not a rate stops the run before anything is sent. Timing
//! is only ever bounded from below: what the rate guarantees, never how fast a machine is.

use std::time::{Duration, Instant};

use super::common::{users_by_name, write};
use crate::support::Env;

#[test]
fn a_rate_spaces_the_writes_it_starts() {
    // 16 creates at 10 per second: the last starts 1.5 s after the first at the earliest.
    let env = Env::start();
    let rows: String = (0..16).map(|i| format!("paced{i:02}\n")).collect();
    write(&env, "users.csv", &format!("userName\n{rows}"));
    let started = Instant::now();
    let run = env.run(&["-v", "import", "users", "users.csv", "--rate", "10/s"]);
    let took = started.elapsed();
    run.exits(0);
    let creates = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("POST ") && line.contains(" -> 201 "))
        .count();
    assert_eq!(creates, 16, "{}", run.stderr);
    assert!(
        took >= Duration::from_millis(1500),
        "16 writes at 10/s took {took:?}"
    );
    assert_eq!(users_by_name(&env).len(), 16);
}

#[test]
fn a_malformed_rate_says_which_and_why_and_sends_nothing() {
    let env = Env::start();
    write(&env, "users.csv", "userName\nnobody\n");
    for (rate, why) in [
        (
            "fast",
            "--rate fast: expected a positive number such as 50/s",
        ),
        ("0/s", "--rate 0/s: expected a positive number such as 50/s"),
        ("5/h", "--rate 5/h: per `s` or `min`"),
        // A start every 1e300 seconds is no rate a clock can wait for.
        (
            "1e-300/s",
            "--rate 1e-300/s: slower than one request an hour",
        ),
    ] {
        let run = env.run(&["-v", "import", "users", "users.csv", "--rate", rate]);
        run.exits(2).stderr_contains(why);
        assert!(
            !run.stderr.contains("http://"),
            "nothing was sent: {}",
            run.stderr
        );
    }
    assert!(users_by_name(&env).is_empty());
}
