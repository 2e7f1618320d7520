//! `scimctl test`'s progress as a person sees it: on a terminal, a `[done/total]` line naming
//! the last verdict, erased before the report; off a terminal (a CI log), no progress and not a
//! single cursor control; with `-v`, each trace on a line of its own, never on the progress
//! line. The binary runs on a pseudo-terminal (`support::run_on_terminal`) against
//! `scimctl serve`; which check finishes when varies, so the tests read the shape of each frame.

use scimctl::serve::Quirk;

use crate::support::{Env, has_terminal_controls, is_whole_trace, run_on_terminal, shown_pieces};

/// Whether `piece` is a progress frame: `scimctl test [DONE/TOTAL]`, then the last verdict and
/// check id when one is in.
fn is_checks_frame(piece: &str) -> bool {
    let Some(rest) = piece.strip_prefix("scimctl test [") else {
        return false;
    };
    let Some((counts, last)) = rest.split_once(']') else {
        return false;
    };
    let numbers: Vec<Option<u64>> = counts.split('/').map(|n| n.parse().ok()).collect();
    let verdict = last.split_whitespace().next();
    matches!(numbers[..], [Some(done), Some(total)] if done <= total)
        && verdict.is_none_or(|v| ["pass", "fail", "warn", "skip", "error"].contains(&v))
}

#[test]
fn on_a_terminal_the_progress_line_counts_the_checks_and_gives_way_to_the_report() {
    let env = Env::start();
    let run = run_on_terminal(env.scimctl().args(["test", "--suite", "rfc7644"]));
    run.exits(0);
    let pieces = shown_pieces(&run.stdout);
    let frames: Vec<usize> = (0..pieces.len())
        .filter(|&i| is_checks_frame(&pieces[i]))
        .collect();
    // Which check a frame names depends on timing, and so does its verdict.
    assert!(
        frames.iter().any(|&i| pieces[i].contains(" rfc7644.")),
        "a frame names a verdict and its check: {pieces:#?}"
    );
    let report = pieces
        .iter()
        .position(|p| p == "RFC 7644 (rfc7644)")
        .unwrap_or_else(|| panic!("no report: {pieces:#?}"));
    assert!(
        frames.iter().all(|&frame| frame < report),
        "the progress is gone before the report: {pieces:#?}"
    );
}

#[test]
fn off_a_terminal_there_is_no_progress_and_no_cursor_control() {
    let env = Env::start();
    let run = env.run(&["test", "--suite", "rfc7644"]);
    run.exits(0);
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(!has_terminal_controls(text), "{stream}: {text:?}");
        assert!(!text.contains("scimctl test ["), "{stream}: {text}");
    }
    assert!(run.stdout.contains("RFC 7644 (rfc7644)"), "{}", run.stdout);
}

#[test]
fn verbose_traces_and_the_progress_line_never_share_a_line() {
    let env = Env::with_quirks(&[Quirk::Latency(10)]);
    let run = run_on_terminal(env.scimctl().args(["-v", "test", "--suite", "rfc7644"]));
    run.exits(0);
    let pieces = shown_pieces(&run.stdout);
    assert!(
        pieces.iter().any(|p| is_checks_frame(p)),
        "progress was drawn: {pieces:#?}"
    );
    let traces: Vec<&String> = pieces
        .iter()
        .filter(|p| p.contains("http://") && !p.starts_with("Ran "))
        .collect();
    assert!(!traces.is_empty(), "-v traces requests: {pieces:#?}");
    for trace in traces {
        assert!(
            is_whole_trace(trace),
            "a trace not on a line of its own: {trace:?}"
        );
    }
}
