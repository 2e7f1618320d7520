//! What a person sees while an import runs: on a terminal, a bar with the rate, the time left
//! and the counts, erased before the summary table; nothing with `--quiet`; plain lines without
//! a single cursor control when stderr is a log; `-v` traces each on a line of their own, never
//! on the bar's. The binary runs on a pseudo-terminal (`support::run_on_terminal`); rates and
//! times differ from run to run, so the tests read the shape of each frame, not a snapshot.

use scimctl::serve::Quirk;

use super::common::write;
use crate::support::{Env, has_terminal_controls, is_whole_trace, run_on_terminal, shown_pieces};

/// `userName,title` rows: `title` for each of `names`.
fn users_csv(rows: &[(String, &str)]) -> String {
    let mut text = "userName,title\n".to_owned();
    for (name, title) in rows {
        text.push_str(&format!("{name},{title}\n"));
    }
    text
}

/// `user00`..: `count` names from `from`, each with `title`.
fn named(from: usize, count: usize, title: &str) -> Vec<(String, &str)> {
    (from..from + count)
        .map(|i| (format!("user{i:02}"), title))
        .collect()
}

/// The counts a bar frame ends with, `C created, U updated, N unchanged, F failed`.
fn counts_of(frame: &str) -> Option<[u64; 4]> {
    let tail = &frame[frame.rfind("  ")? + 2..];
    let mut counts = [0; 4];
    let words = ["created", "updated", "unchanged", "failed"];
    for ((part, word), count) in tail.split(", ").zip(words).zip(&mut counts) {
        let (number, named) = part.split_once(' ')?;
        (named == word).then_some(())?;
        *count = number.parse().ok()?;
    }
    Some(counts)
}

/// Whether `piece` is a frame of the bar of an import of `total` rows of `file`:
/// `importing FILE [bar] DONE/TOTAL rows, RATE/s, ETA TIME`, then the counts; before the first
/// row is done, `0/TOTAL rows, -/s, ETA -`.
fn is_rows_frame(piece: &str, file: &str, total: u64) -> bool {
    let Some(rest) = piece.strip_prefix(&format!("importing {file} ")) else {
        return false;
    };
    let Some((before, after)) = rest.split_once(&format!("/{total} rows, ")) else {
        return false;
    };
    let done = before
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse::<u64>().ok());
    let Some((rate, eta)) = after.split_once("/s, ETA ") else {
        return false;
    };
    match done {
        Some(0) => rate == "-" && eta.starts_with('-'),
        Some(done) => done <= total && rate.parse::<u64>().is_ok() && !eta.starts_with('-'),
        None => false,
    }
}

/// A piece with its runs of spaces made one: a table row as `created 10`.
fn words(piece: &str) -> String {
    piece.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn on_a_terminal_a_bar_shows_rate_eta_and_counts_and_gives_way_to_the_summary() {
    let env = Env::with_quirks(&[Quirk::Latency(20)]);
    write(&env, "users.csv", &users_csv(&named(0, 20, "Engineer")));
    env.run(&["import", "users", "users.csv", "--quiet"])
        .exits(0);
    let rows = [
        named(0, 10, "Engineer"),
        named(10, 10, "Lead"),
        named(20, 10, "Engineer"),
    ]
    .concat();
    write(&env, "users.csv", &users_csv(&rows));

    let run =
        run_on_terminal(
            env.scimctl()
                .args(["import", "users", "users.csv", "--concurrency", "1"]),
        );
    run.exits(0);
    let pieces = shown_pieces(&run.stdout);
    let frames: Vec<usize> = (0..pieces.len())
        .filter(|&i| is_rows_frame(&pieces[i], "users.csv", 30))
        .collect();
    assert!(!frames.is_empty(), "no bar was drawn: {pieces:#?}");
    let counted: Vec<[u64; 4]> = pieces.iter().filter_map(|p| counts_of(p)).collect();
    assert!(
        counted.iter().any(|c| c.iter().sum::<u64>() > 0),
        "no frame counted a row: {pieces:#?}"
    );
    for [created, updated, unchanged, failed] in counted {
        assert!(created <= 10 && updated <= 10 && unchanged <= 10 && failed == 0);
    }
    let summary = pieces
        .iter()
        .position(|p| words(p) == "users.csv rows 30")
        .unwrap_or_else(|| panic!("no summary table: {pieces:#?}"));
    assert!(
        frames.iter().all(|&frame| frame < summary),
        "the bar is gone before the summary: {pieces:#?}"
    );
    let table: Vec<String> = pieces[summary..].iter().map(|p| words(p)).collect();
    for row in ["created 10", "updated 10", "unchanged 10", "failed 0"] {
        assert!(table.iter().any(|line| line == row), "{row}: {table:#?}");
    }
}

#[test]
fn with_quiet_nothing_is_drawn_on_the_terminal() {
    let env = Env::with_quirks(&[Quirk::Latency(20)]);
    write(&env, "users.csv", &users_csv(&named(0, 20, "Engineer")));
    let run = run_on_terminal(env.scimctl().args([
        "import",
        "users",
        "users.csv",
        "--concurrency",
        "1",
        "--quiet",
    ]));
    run.exits(0);
    assert_eq!(run.stdout, "", "a quiet import draws nothing");
    assert_eq!(
        super::common::users_by_name(&env).len(),
        20,
        "and imports all"
    );
}

#[test]
fn off_a_terminal_progress_is_plain_lines_with_no_cursor_control() {
    // A plain line comes every five seconds: 150 rows at 25 rows/s take six.
    let env = Env::start();
    write(&env, "users.csv", &users_csv(&named(0, 150, "Engineer")));
    let run = env.run(&["import", "users", "users.csv", "--rate", "25/s"]);
    run.exits(0);
    assert!(
        !has_terminal_controls(&run.stderr),
        "a log gets no escapes or carriage returns: {:?}",
        run.stderr
    );
    let line = run
        .stderr
        .lines()
        .find(|line| line.starts_with("importing users.csv: "))
        .unwrap_or_else(|| panic!("no progress line: {}", run.stderr));
    let (progress, counts) = line.split_once("/s").expect("a rate");
    assert!(progress.contains("/150 ("), "{line}");
    assert!(
        counts.contains(", ETA ") && counts.contains(" s: "),
        "{line}"
    );
    assert!(
        counts.ends_with(" updated, 0 unchanged, 0 failed"),
        "{line}"
    );
    assert!(
        run.stderr.lines().any(|line| words(line) == "created 150"),
        "the summary follows: {}",
        run.stderr
    );
}

#[test]
fn verbose_traces_and_the_bar_never_share_a_line() {
    let env = Env::with_quirks(&[Quirk::Latency(20)]);
    write(&env, "users.csv", &users_csv(&named(0, 20, "Engineer")));
    let run = run_on_terminal(env.scimctl().args([
        "-v",
        "import",
        "users",
        "users.csv",
        "--concurrency",
        "2",
    ]));
    run.exits(0);
    let pieces = shown_pieces(&run.stdout);
    assert!(
        pieces.iter().any(|p| is_rows_frame(p, "users.csv", 20)),
        "a bar was drawn: {pieces:#?}"
    );
    let traces: Vec<&String> = pieces.iter().filter(|p| p.contains("http://")).collect();
    for trace in &traces {
        assert!(
            is_whole_trace(trace),
            "a trace not on a line of its own: {trace:?}"
        );
    }
    let creates = traces
        .iter()
        .filter(|t| t.starts_with("POST ") && t.contains(" -> 201 "))
        .count();
    assert_eq!(creates, 20, "every create traced whole: {pieces:#?}");
}
