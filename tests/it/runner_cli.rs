//! `scimctl test` as a user runs it: exit codes (0 pass, 1 failed checks, 2 bad suite, 4
//! unreachable), a user-written suite file, `--list`, `--fail-on`, the ledger and
//! `scimctl test cleanup`. Hermetic (`support::Home`): nothing of the developer's environment
//! reaches the binary, and the server is `serve::spawn()` on a free port, stopped at the end of
//! each test.

use std::path::PathBuf;
use std::process::Output;

use scimctl::client::Method;
use scimctl::serve::{Quirk, Quirks, ServeConfig};

use crate::support::{Home, Server, client_of};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");

/// `scimctl ARGS`, run hermetically in `home`.
fn scimctl(home: &Home, args: &[&str]) -> Output {
    home.scimctl().args(args).output().expect("scimctl runs")
}

/// `scimctl serve` with these quirks, serving while the binary runs.
fn serve(quirks: &[Quirk]) -> Server {
    Server::start(ServeConfig {
        quirks: Quirks::from_list(quirks),
        ..ServeConfig::default()
    })
}

/// `scimctl test ARGS` against `server`, with its URL and token.
fn test_against(home: &Home, server: &Server, args: &[&str]) -> Output {
    let connection = ["--url", server.url(), "--token", server.token()];
    scimctl(home, &[&["test"], args, &connection].concat())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The console line of one check, `    FAIL   <id>  <reason>` (not a finding that lists it).
fn verdict_line<'a>(stdout: &'a str, id: &str) -> &'a str {
    let verdicts = ["PASS", "FAIL", "WARN", "SKIP", "ERROR", "WAIVED"];
    stdout
        .lines()
        .find(|line| {
            let mut words = line.split_whitespace();
            words.next().is_some_and(|word| verdicts.contains(&word)) && words.next() == Some(id)
        })
        .unwrap_or_else(|| panic!("no line for {id} in:\n{stdout}"))
}

#[test]
fn an_invalid_suite_is_a_usage_error_pointing_into_the_file() {
    let home = Home::new();
    let suite = format!("{FIXTURES}/suites/invalid/unknown-level.toml");
    let output = scimctl(
        &home,
        &[
            "test",
            "--suite",
            &suite,
            "--url",
            "http://127.0.0.1:9/scim/v2",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("unknown-level.toml:9:9: unknown level `MUSTNT`"),
        "{stderr}"
    );
    assert!(stderr.contains("9 | level = \"MUSTNT\""), "{stderr}");
}

/// Selectors and built-in arguments are read when the suite is loaded: a typo is a usage error
/// with a caret under it, before anything is sent (the URL leads nowhere and is never tried).
#[test]
fn a_misspelt_selector_or_builtin_argument_is_refused_before_the_run() {
    let home = Home::new();
    for (fixture, place, caret_line) in [
        (
            "selector-typo",
            "selector-typo.toml:14:39: expected a comparison operator after `name`, found `eqq`",
            "hint: did you mean `eq`?",
        ),
        (
            "builtin-unknown-argument",
            "builtin-unknown-argument.toml:14:61: `paginate`: unknown field `coutn`",
            "hint: did you mean `count`?",
        ),
    ] {
        let suite = format!("{FIXTURES}/suites/invalid/{fixture}.toml");
        let output = scimctl(
            &home,
            &[
                "test",
                "--suite",
                &suite,
                "--url",
                "http://127.0.0.1:9/scim/v2",
            ],
        );
        assert_eq!(output.status.code(), Some(2), "{fixture}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains(place), "{stderr}");
        assert!(stderr.contains("^"), "a caret: {stderr}");
        assert!(stderr.contains(caret_line), "{stderr}");
    }
}

#[test]
fn an_unknown_suite_name_lists_the_built_in_ones() {
    let home = Home::new();
    let output = scimctl(
        &home,
        &["test", "--suite", "nope", "--url", "http://127.0.0.1:9"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("built-in suites are rfc7644, okta, entra"));
}

#[test]
fn list_shows_the_checks_without_sending_anything() {
    let home = Home::new();
    let output = scimctl(&home, &["test", "--list", "--suite", "rfc7644"]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("RFC 7644 (rfc7644):"), "{stdout}");
    assert!(stdout.contains("rfc7644.filter.eq-is-not-substring"));
    assert!(stdout.contains("[writes]"));
}

#[test]
fn an_unreachable_endpoint_exits_4() {
    let home = Home::new();
    let output = scimctl(
        &home,
        &[
            "test",
            "--url",
            "http://127.0.0.1:9/scim/v2",
            "--token",
            "t",
        ],
    );
    assert_eq!(output.status.code(), Some(4), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("unreachable"));
}

#[test]
fn a_user_written_suite_runs() {
    let home = Home::new();
    let server = serve(&[]);
    let suite = format!("{FIXTURES}/suites/valid/minimal.toml");
    let output = test_against(&home, &server, &["--suite", &suite]);
    server.stop();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        verdict_line(&stdout, "minimal.spc")
            .trim_start()
            .starts_with("PASS")
    );
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
}

#[test]
fn a_deviation_fails_the_run_and_the_ledger_is_removed_once_clean() {
    let home = Home::new();
    let ledger = home.join("ledger.jsonl");
    let server = serve(&[Quirk::EqSubstring]);
    let output = test_against(
        &home,
        &server,
        &[
            "--suite",
            "rfc7644",
            "--allow-writes",
            "--seed",
            "3",
            "--ledger",
            ledger.to_str().unwrap(),
        ],
    );
    server.stop();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let line = verdict_line(&stdout, "rfc7644.filter.eq-is-not-substring");
    assert!(line.trim_start().starts_with("FAIL"), "{line}");
    assert!(
        line.contains("`eq` matched more than the exact value"),
        "{line}"
    );
    assert!(
        !ledger.exists(),
        "a run that cleaned up everything removes its ledger"
    );
}

#[test]
fn reports_are_written_where_asked() {
    let home = Home::new();
    let json = home.join("r.json");
    let junit = home.join("r.xml");
    let server = serve(&[]);
    let output = test_against(
        &home,
        &server,
        &[
            "--suite",
            "rfc7644",
            "--only",
            "discovery",
            "--report",
            &format!("json={}", json.display()),
            "--report",
            &format!("junit={}", junit.display()),
        ],
    );
    server.stop();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["summary"]["failed"], 0);
    assert!(report["summary"]["passed"].as_u64().unwrap() >= 4);
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("<testsuite")
    );
}

#[test]
fn fail_on_should_makes_warnings_fail_the_run() {
    let home = Home::new();
    let server = serve(&[Quirk::DiscoveryWrite404]);
    let run = |fail_on| {
        let args = [
            "--suite",
            "rfc7644",
            "--only",
            "discovery",
            "--allow-writes",
            "--fail-on",
            fail_on,
        ];
        test_against(&home, &server, &args)
    };
    let must = run("must");
    let should = run("should");
    server.stop();
    let stdout = text(&must.stdout);
    let line = verdict_line(&stdout, "rfc7644.discovery.post-is-405");
    assert!(line.trim_start().starts_with("WARN"), "{line}");
    assert_eq!(
        must.status.code(),
        Some(0),
        "a SHOULD miss is only a warning"
    );
    assert_eq!(should.status.code(), Some(1));
}

#[test]
fn cleanup_removes_what_a_crashed_run_left() {
    let home = Home::new();
    let server = serve(&[]);
    let body = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "scimctl-test-x-1"
    });
    let created = server
        .block_on(client_of(server.url(), server.token()).send_json(
            Method::Post,
            &["Users"],
            &[],
            Some(&body),
        ))
        .unwrap()
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let ledger = home.join("crashed.jsonl");
    std::fs::write(
        &ledger,
        format!(
            "{{\"event\":\"create\",\"run\":\"x\",\"check\":\"c\",\"endpoint\":\"/Users\",\"name_attr\":\"userName\",\"name\":\"scimctl-test-x-1\"}}\n\
             {{\"event\":\"created\",\"check\":\"c\",\"endpoint\":\"/Users\",\"id\":\"{id}\"}}\n"
        ),
    )
    .unwrap();
    let output = test_against(
        &home,
        &server,
        &["cleanup", "--ledger", ledger.to_str().unwrap()],
    );
    server.stop();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("1 leftover(s), 0 not removed"));
    assert!(!ledger.exists());
}

/// `scimctl test` with a wrong token against a server with `quirks` exits 5 before any check
/// runs, naming the request that was refused.
fn a_wrong_token_exits_5_before_any_check(quirks: &[Quirk], refused: &str) {
    let home = Home::new();
    let server = serve(quirks);
    let output = scimctl(
        &home,
        &["test", "--url", server.url(), "--token", "not-the-token"],
    );
    server.stop();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains(&format!("refused the credentials: {refused} answered 401")),
        "{stderr}"
    );
    assert!(text(&output.stdout).is_empty(), "no check ran");
}

#[test]
fn refused_credentials_exit_5_before_any_check() {
    a_wrong_token_exits_5_before_any_check(&[], "GET /ServiceProviderConfig");
}

#[test]
fn a_wrong_token_is_caught_up_front_even_where_discovery_is_public() {
    // Discovery answered to anyone (legal, RFC 7644 §2.2): only the read of a user tells that
    // the token is wrong, before every check fails for that one reason.
    a_wrong_token_exits_5_before_any_check(&[Quirk::PublicDiscovery], "GET /Users?count=1");
}

#[test]
fn the_har_file_holds_every_exchange_without_the_token() {
    let home = Home::new();
    let har = home.join("run.har");
    let server = serve(&[]);
    let token = server.token().to_owned();
    let output = test_against(
        &home,
        &server,
        &[
            "--suite",
            "rfc7644",
            "--only",
            "discovery",
            "--har",
            har.to_str().unwrap(),
        ],
    );
    server.stop();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let written = std::fs::read_to_string(&har).unwrap();
    let document: serde_json::Value = serde_json::from_str(&written).unwrap();
    let entries = document["log"]["entries"].as_array().unwrap();
    assert!(entries.len() >= 6, "discovery, then every check's requests");
    assert!(!written.contains(&token), "the token is redacted");
}

#[test]
fn a_should_miss_that_leaves_a_capture_unset_is_a_warning_not_an_error() {
    let home = Home::new();
    let suite_path = home.join("should.toml");
    std::fs::write(
        &suite_path,
        r#"
[suite]
name = "should"
title = "A SHOULD check whose first step misses"

[[check]]
id = "should.capture"
title = "the later step needs what the missed step did not capture"
rfc = "RFC 7644 §3.4.1"
level = "SHOULD"

[[check.step]]
method = "GET"
path = "/Users/{{uuid.nobody}}"
status = 200
capture = { user_id = "id" }

[[check.step]]
method = "GET"
path = "/Users/{{user_id}}"
status = 200
"#,
    )
    .unwrap();
    let server = serve(&[]);
    let output = test_against(&home, &server, &["--suite", &suite_path.to_string_lossy()]);
    server.stop();
    let stdout = text(&output.stdout);
    let line = verdict_line(&stdout, "should.capture");
    assert!(line.trim_start().starts_with("WARN"), "{line}");
    assert!(line.contains("expected status 200, got 404"), "{line}");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}

/// `scimctl test --list` of the suite with one check for each reason `--list` gives.
fn list_gating(home: &Home, extra: &[&str]) -> Output {
    let suite = format!("{FIXTURES}/suites/valid/gating.toml");
    let mut args = vec![
        "test",
        "--list",
        "--suite",
        &suite,
        "--okta-features",
        "create",
    ];
    args.extend_from_slice(extra);
    scimctl(home, &args)
}

fn redact_port(stdout: &str) -> String {
    let mut out = String::new();
    let mut rest = stdout;
    while let Some(at) = rest.find("127.0.0.1:") {
        let (head, tail) = rest.split_at(at + "127.0.0.1:".len());
        out.push_str(head);
        out.push_str("PORT");
        rest = tail.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

#[test]
fn list_asks_the_server_and_says_per_check_whether_it_would_run_and_why() {
    let home = Home::new();
    let server = serve(&[]);
    let connection = ["--url", server.url(), "--token", server.token()];
    let output = list_gating(&home, &connection);
    let with_writes = list_gating(&home, &[&connection[..], &["--allow-writes"]].concat());
    let users = server
        .block_on(client_of(server.url(), server.token()).send_json(
            Method::Get,
            &["Users"],
            &[],
            None,
        ))
        .unwrap()
        .unwrap();
    server.stop();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    insta::assert_snapshot!(redact_port(&text(&output.stdout)));
    let stdout = text(&with_writes.stdout);
    assert!(
        stdout.contains("  run   MUST          gating.creates  "),
        "{stdout}"
    );
    assert_eq!(users["totalResults"], 0, "--list sent no write");
}

#[test]
fn list_without_a_server_gives_the_static_list_and_says_so() {
    let home = Home::new();
    let output = list_gating(&home, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    insta::assert_snapshot!(text(&output.stdout));
}

#[test]
fn list_against_an_unreachable_server_says_it_could_not_ask() {
    let home = Home::new();
    let output = list_gating(
        &home,
        &["--url", "http://127.0.0.1:9/scim/v2", "--token", "t"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let first = stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("preconditions not checked (http://127.0.0.1:9/scim/v2 could not be asked: the SCIM endpoint is unreachable"),
        "{first}"
    );
    assert!(
        stdout.contains("runs if the server advertises changePassword"),
        "{stdout}"
    );
}

#[test]
fn is_not_holds_for_an_absent_or_different_value_and_fails_on_an_equal_one() {
    let home = Home::new();
    let suite_path = home.join("is-not.toml");
    let check = |id: &str, path: &str, value: &str| {
        format!(
            "[[check]]\nid = \"isnot.{id}\"\ntitle = \"{id}\"\nrfc = \"RFC 7643 §5\"\nlevel = \"MUST\"\n\n\
             [[check.step]]\nmethod = \"GET\"\npath = \"/ServiceProviderConfig\"\nstatus = 200\n\
             expect = [{{ path = \"{path}\", is_not = {value} }}]\n\n"
        )
    };
    let suite = [
        "[suite]\nname = \"isnot\"\ntitle = \"is_not both ways\"\n\n".to_owned(),
        check("different", "patch.supported", "false"),
        check("absent", "noSuchAttribute.supported", "true"),
        check("equal", "patch.supported", "true"),
    ]
    .concat();
    std::fs::write(&suite_path, suite).unwrap();
    let server = serve(&[]);
    let output = test_against(&home, &server, &["--suite", &suite_path.to_string_lossy()]);
    server.stop();
    let stdout = text(&output.stdout);
    for passing in ["isnot.different", "isnot.absent"] {
        let line = verdict_line(&stdout, passing);
        assert!(line.trim_start().starts_with("PASS"), "{line}");
    }
    let line = verdict_line(&stdout, "isnot.equal");
    assert!(line.trim_start().starts_with("FAIL"), "{line}");
    assert!(line.contains("`patch.supported` is true"), "{line}");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
}

/// The requirement levels a check or an assertion can have, as suite files spell them.
const LEVELS: [&str; 5] = ["MUST", "SHOULD", "MAY", "interop:okta", "interop:entra"];

/// A suite with one check per check level and assertion level (`None`: the assertion
/// inherits the check's level), each tagged `c<check>-a<assertion>` so that `--only` runs it
/// alone. Every check reads the ServiceProviderConfig and demands an attribute it lacks, so
/// each ends decided by its one assertion.
fn levels_suite() -> String {
    let mut suite = String::from("[suite]\nname = \"levels\"\ntitle = \"Levels\"\n");
    for (c, check_level) in LEVELS.iter().enumerate() {
        for (a, assertion_level) in [None].into_iter().chain(LEVELS.map(Some)).enumerate() {
            let level = assertion_level
                .map(|level| format!(", level = \"{level}\""))
                .unwrap_or_default();
            suite.push_str(&format!(
                "\n[[check]]\nid = \"levels.c{c}.a{a}\"\ntitle = \"No such attribute\"\n\
                 rfc = \"RFC 7643 §5\"\nlevel = \"{check_level}\"\ntags = [\"c{c}-a{a}\"]\n\n\
                 [[check.step]]\nmethod = \"GET\"\npath = \"/ServiceProviderConfig\"\n\
                 status = 200\nexpect = [{{ path = \"noSuchAttribute\", exists = true{level} }}]\n"
            ));
        }
    }
    suite
}

/// Whether a miss decided at `level` fails a run at `fail_on`: the documented table.
fn fails_the_run(level: &str, fail_on: &str) -> bool {
    match level {
        "MUST" => true,
        "interop:okta" | "interop:entra" => fail_on != "must",
        "SHOULD" => fail_on == "should",
        _ => false,
    }
}

/// The field trial's item: a MUST check that failed only a SHOULD assertion was counted as a
/// missed MUST ("149/150 MUST", red) while the exit code was 0, and `--fail-on should` ignored
/// it. Every check level × assertion level × `--fail-on`: the status, the deciding level, the
/// suite's verdict line, `blocks` in the JSON report and the exit code all agree.
#[test]
fn every_check_level_assertion_level_and_fail_on_give_one_consistent_verdict() {
    let home = Home::new();
    let suite = home.join("levels.toml");
    std::fs::write(&suite, levels_suite()).unwrap();
    let report = home.join("r.json");
    let server = serve(&[]);
    let mut seen = Vec::new();
    for (c, check_level) in LEVELS.iter().enumerate() {
        for (a, assertion_level) in [None].into_iter().chain(LEVELS.map(Some)).enumerate() {
            let deciding = assertion_level.unwrap_or(check_level);
            let mandatory = !matches!(deciding, "SHOULD" | "MAY");
            for fail_on in ["must", "interop", "should"] {
                let case =
                    format!("check {check_level}, assertion {deciding}, --fail-on {fail_on}");
                let output = test_against(
                    &home,
                    &server,
                    &[
                        "--suite",
                        suite.to_str().unwrap(),
                        "--only",
                        &format!("c{c}-a{a}"),
                        "--fail-on",
                        fail_on,
                        "--report",
                        &format!("json={}", report.display()),
                    ],
                );
                let json: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
                let check = &json["checks"][0];
                assert_eq!(
                    check["status"],
                    if mandatory { "fail" } else { "warn" },
                    "{case}"
                );
                assert_eq!(check["deciding_level"], deciding, "{case}");
                let fails = fails_the_run(deciding, fail_on);
                assert_eq!(check["blocks"], fails, "{case}");
                assert_eq!(json["blocking"], usize::from(fails), "{case}");
                assert_eq!(
                    output.status.code(),
                    Some(i32::from(fails)),
                    "{case}: {}",
                    text(&output.stderr)
                );
                let verdict = if check_level.starts_with("interop") {
                    if mandatory {
                        "Levels: not ready (1 failure)".to_owned()
                    } else {
                        "Levels: ready (1 warning)".to_owned()
                    }
                } else {
                    format!("Levels: 0/1 {deciding}")
                };
                assert_eq!(json["suites"][0]["verdict"], verdict.as_str(), "{case}");
                assert!(text(&output.stdout).contains(&verdict), "{case}");
                seen.push(case);
            }
        }
    }
    server.stop();
    assert_eq!(seen.len(), 5 * 6 * 3);
}

/// A waivers file that names every check it means to waive.
fn waivers_file(home: &Home, text: &str) -> PathBuf {
    let path = home.join("waivers.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A waiver whose id matches no check used to be accepted silently, waiving nothing.
#[test]
fn a_waiver_for_no_check_is_a_usage_error_naming_the_line_and_the_closest_ids() {
    let home = Home::new();
    let waivers = waivers_file(
        &home,
        "[[waiver]]\nid = \"rfc7644.projection.attributes-on-create\"\nreason = \"VENDOR-1\"\n\n\
         [[waiver]]\nid = \"rfc7644.filter.eq-is-not-substrng\"\nreason = \"VENDOR-2\"\n",
    );
    let output = scimctl(
        &home,
        &[
            "test",
            "--suite",
            "rfc7644",
            "--waivers",
            waivers.to_str().unwrap(),
            "--url",
            "http://127.0.0.1:9/scim/v2",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "nothing is sent");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:6: no check has the id `rfc7644.filter.eq-is-not-substrng`",
            waivers.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: did you mean `rfc7644.filter.eq-is-not-substring`?"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("attributes-on-create"),
        "a known id is not reported: {stderr}"
    );
}

/// A waiver may name a check of a built-in suite this run leaves out: one waivers file serves
/// runs of different suites.
#[test]
fn a_waiver_for_a_check_of_a_suite_not_run_is_accepted() {
    let home = Home::new();
    let waivers = waivers_file(
        &home,
        "[[waiver]]\nid = \"entra.manager.replaced\"\nreason = \"VENDOR-3\"\n",
    );
    let server = serve(&[]);
    let output = test_against(
        &home,
        &server,
        &[
            "--suite",
            "rfc7644",
            "--only",
            "discovery",
            "--waivers",
            waivers.to_str().unwrap(),
        ],
    );
    server.stop();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}

/// A waived failure used to be reported as a skip: now it keeps its verdict, is labelled as
/// waived with its reason, is counted apart, and does not fail the run.
#[test]
fn a_waived_failure_is_shown_as_waived_and_does_not_fail_the_run() {
    let home = Home::new();
    let waivers = waivers_file(
        &home,
        "[[waiver]]\nid = \"rfc7644.filter.eq-is-not-substring\"\nreason = \"VENDOR-1234\"\n",
    );
    let report = home.join("r.json");
    let server = serve(&[Quirk::EqSubstring]);
    let output = test_against(
        &home,
        &server,
        &[
            "--suite",
            "rfc7644",
            "--only",
            "filter",
            "--allow-writes",
            "--waivers",
            waivers.to_str().unwrap(),
            "--report",
            &format!("json={}", report.display()),
        ],
    );
    server.stop();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let line = verdict_line(&stdout, "rfc7644.filter.eq-is-not-substring");
    assert!(line.trim_start().starts_with("WAIVED"), "{line}");
    assert!(line.contains("waived fail: VENDOR-1234"), "{line}");
    assert!(
        line.contains("`eq` matched more than the exact value"),
        "{line}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let check = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "rfc7644.filter.eq-is-not-substring")
        .unwrap();
    assert_eq!(check["status"], "fail");
    assert_eq!(check["waiver"], "VENDOR-1234");
    assert_eq!(json["summary"]["waived"], 1);
    assert_eq!(
        json["summary"]["failed"], 0,
        "counted as waived, not as failed"
    );
}

/// `scimctl test` connects the way every other command does: a profile that holds a token in
/// a file others can read is used, with the same warning `users list` gives.
#[cfg(unix)]
#[test]
fn a_profile_readable_by_others_is_warned_about_as_for_every_command() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    let server = serve(&[]);
    // The configuration file SCIMCTL_CONFIG names in a hermetic home.
    let config = home.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.local]\nurl = \"{}\"\ntoken = \"{}\"\n",
            server.url(),
            server.token()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let warning = "holds secrets and is readable by group or others";
    let listed = scimctl(&home, &["test", "--list", "--profile", "local"]);
    let users = scimctl(&home, &["users", "list", "--profile", "local"]);
    server.stop();
    assert_eq!(users.status.code(), Some(0), "{}", text(&users.stderr));
    assert!(
        text(&users.stderr).contains(warning),
        "{}",
        text(&users.stderr)
    );
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed.stderr));
    assert!(
        text(&listed.stderr).contains(warning),
        "{}",
        text(&listed.stderr)
    );
}
