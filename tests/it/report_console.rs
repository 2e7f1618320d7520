//! The console report of a representative run: grouped by suite and area, one line per check,
//! verdict lines, and a closing summary line. Snapshots live in `tests/it/snapshots/`.

use crate::report_support::{render, sample_outcome};
use scimctl::report::console::{self, ConsoleOptions};

fn console(options: ConsoleOptions) -> String {
    render(|out| console::write(&sample_outcome(), options, out))
}

#[test]
fn the_console_lists_every_check_by_suite_and_area_then_the_verdicts() {
    insta::assert_snapshot!(console(ConsoleOptions::default()));
}

#[test]
fn verbose_shows_the_exchanges_of_checks_that_did_not_pass() {
    insta::assert_snapshot!(console(ConsoleOptions {
        verbose: true,
        colour: false,
    }));
}

#[test]
fn the_summary_and_what_the_run_comes_to_close_the_report() {
    let report = console(ConsoleOptions::default());
    let mut lines = report.lines().rev();
    assert_eq!(
        lines.next(),
        Some("The run fails at --fail-on must (3 checks)"),
        "two MUST failures and an error; the interop failure and the waived one do not count"
    );
    assert_eq!(
        lines.next(),
        Some("4 passed, 3 failed, 2 warned, 2 skipped, 1 errored, 1 waived")
    );
    assert_eq!(
        lines.next(),
        Some("throttled: 3 answers were 429 Too Many Requests, waited 4.50 s in all")
    );
}

#[test]
fn server_text_cannot_reach_the_terminal_raw() {
    let report = console(ConsoleOptions {
        verbose: true,
        colour: false,
    });
    assert!(!report.contains('\u{1b}'), "a raw ESC reached the console");
    assert!(
        !report.contains('\u{202e}'),
        "a raw bidi override reached the console"
    );
    assert!(report.contains(r"\u{1b}[31mrot"));
    assert!(report.contains(r"\u{202e}txet"));
}

/// Red is what fails the run at `--fail-on`, and only that: the interop failure (not failing
/// the run at `must`) and the waived one are yellow, as are their suites' verdict lines and the
/// number of the finding they make.
#[test]
fn colour_marks_verdicts_and_nothing_else() {
    let report = console(ConsoleOptions {
        verbose: false,
        colour: true,
    });
    let (findings, listing) = report
        .split_once("RFC 7644 (rfc7644)")
        .expect("the findings come before the checks");
    let line_of = |id: &str| {
        listing
            .lines()
            .find(|line| line.contains(id))
            .unwrap_or_default()
    };
    assert!(findings.contains("\u{1b}[1;31m1.\u{1b}[0m `eq` matches values"));
    assert!(findings.contains("\u{1b}[33m2.\u{1b}[0m A PATCH `add` or `replace`"));
    assert!(line_of("rfc7644.filter.eq-is-not-substring").contains("\u{1b}[1;31mFAIL  \u{1b}[0m"));
    assert!(line_of("okta.users.deactivate").contains("\u{1b}[33mFAIL  \u{1b}[0m"));
    assert!(line_of("entra.manager.replaced").contains("\u{1b}[33mWAIVED\u{1b}[0m"));
    assert!(report.contains("\u{1b}[32mPASS  \u{1b}[0m"));
    assert!(report.contains("\u{1b}[1;31mRFC 7644: 2/5 MUST, 0/2 SHOULD\u{1b}[0m"));
    assert!(report.contains("\u{1b}[33mOkta: not ready (1 failure)\u{1b}[0m"));
    assert!(report.contains("\u{1b}[33mEntra: ready (1 waived, 1 check skipped)\u{1b}[0m"));
    let plain = console(ConsoleOptions::default());
    let stripped = report
        .replace("\u{1b}[0m", "")
        .replace("\u{1b}[1;31m", "")
        .replace("\u{1b}[1;35m", "")
        .replace("\u{1b}[32m", "")
        .replace("\u{1b}[33m", "")
        .replace("\u{1b}[2m", "");
    assert_eq!(stripped, plain);
}

/// The report opens with the findings: failures sharing a deviation are one finding (the two
/// answers without an Error body), ranked by what breaks a sync first (a missed match before
/// an update, both before a deviation no IdP is known to trip on); a waived failure is none,
/// and a warning whose suite names no deviation is listed as its check.
#[test]
fn the_report_opens_with_the_findings_ranked_by_what_breaks_a_sync_first() {
    let report = console(ConsoleOptions::default());
    let headlines: Vec<&str> = report
        .lines()
        .take_while(|line| !line.starts_with("RFC 7644 (rfc7644)"))
        .filter(|line| {
            line.split_once(". ")
                .is_some_and(|(number, _)| number.parse::<usize>().is_ok())
        })
        .collect();
    assert_eq!(
        headlines,
        [
            "1. `eq` matches values that are not equal (a prefix or a substring): 1 check, \
             RFC 7644 §3.4.2.2",
            "2. A PATCH `add` or `replace` without `path` is answered with success but not \
             applied: 1 check, RFC 7644 §3.5.2.1, §3.5.2.3",
            "3. An error answer has no SCIM Error body: 2 checks, RFC 7644 §3.12",
        ]
    );
    assert!(report.starts_with(
        "3 findings, ranked by what breaks an identity provider's sync first; 1 check failed or \
         warned without naming a deviation\n"
    ));
    assert!(report.contains(
        "    checks  rfc7644.discovery.unknown-schema-is-404, rfc7644.errors.error-schema\n"
    ));
    assert!(
        report.contains("    fix     compare whole values in `eq`"),
        "each finding has its fix"
    );
    let (findings, _) = report.split_once("RFC 7644 (rfc7644)").expect("listing");
    assert!(
        !findings.contains("urn-path-refused"),
        "a waived failure is no finding"
    );
    assert!(findings.contains("Without a named deviation\n    WARN    rfc7644.users.create  "));
    assert!(
        findings.contains(
            "    seen    GET /Users/missing: detail was <script>document.title=\"pwned\"</script> \
             instead of a SCIM Error\n"
        ),
        "what its first failing check saw (not the warning before it), and where"
    );
}
