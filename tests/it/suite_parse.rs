//! The suite file format: every built-in suite parses, the reference suites in
//! `fixtures/suites/valid/` read as documented, and each invalid suite in
//! `fixtures/suites/invalid/` is refused with the diagnostic stored next to it (file, line,
//! column, message and the offending line with a caret). Set `SCIMCTL_BLESS=1` to rewrite the
//! stored diagnostics after a deliberate change, then review the diff.

use std::path::Path;

use scimctl::suite::{
    AssertionKind, BUILTIN_SUITES, Body, JsonType, Level, Method, Requirement, Selector,
    SelectorPath, parse_suite,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/suites");

#[test]
fn every_builtin_suite_parses_and_its_ids_carry_the_suite_name() {
    for (name, text) in BUILTIN_SUITES {
        let suite = parse_suite(name, text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(suite.name, *name);
        assert!(!suite.checks.is_empty(), "{name} has no checks");
        for check in &suite.checks {
            assert!(
                check.id.starts_with(&format!("{name}.")),
                "{} should start with `{name}.`",
                check.id
            );
            assert!(!check.rfc.is_empty(), "{} cites nothing", check.id);
        }
    }
}

/// Check ids are API (JUnit names, JSON report keys, waivers, the requirements register):
/// `fixtures/suites/builtin-check-ids.txt` lists every id of the built-in suites in run order,
/// and the suites define exactly those. Renaming or dropping an id fails here; a new check
/// adds its id to the list.
#[test]
fn the_builtin_suites_define_exactly_the_recorded_check_ids() {
    let recorded = std::fs::read_to_string(Path::new(FIXTURES).join("builtin-check-ids.txt"))
        .expect("fixtures/suites/builtin-check-ids.txt");
    let recorded: Vec<&str> = recorded.lines().filter(|line| !line.is_empty()).collect();
    let defined: Vec<String> = BUILTIN_SUITES
        .iter()
        .flat_map(|(name, text)| {
            parse_suite(name, text)
                .unwrap_or_else(|e| panic!("{e}"))
                .checks
        })
        .map(|check| check.id)
        .collect();
    let missing: Vec<&&str> = recorded
        .iter()
        .filter(|id| !defined.iter().any(|d| d == **id))
        .collect();
    let unrecorded: Vec<&String> = defined
        .iter()
        .filter(|id| !recorded.contains(&id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "check ids no suite defines any more: {missing:?}"
    );
    assert!(
        unrecorded.is_empty(),
        "check ids missing from the list: {unrecorded:?}"
    );
    assert_eq!(defined, recorded, "the same ids, in another order");
}

/// A 204 (and a 304) has no content, so its Content-Type means nothing (RFC 9110 §15.3.5,
/// §15.4.5) and servers send `text/html` there: a built-in check judges a media type only on a
/// step whose accepted statuses all carry a body.
#[test]
fn no_builtin_check_judges_the_media_type_of_an_answer_that_may_be_empty() {
    for (name, text) in BUILTIN_SUITES {
        let suite = parse_suite(name, text).unwrap_or_else(|e| panic!("{e}"));
        for check in &suite.checks {
            for step in &check.steps {
                let judges_media_type = step
                    .expect
                    .iter()
                    .any(|assertion| matches!(assertion.kind, AssertionKind::MediaType { .. }));
                let may_be_empty =
                    step.status.is_empty() || step.status.iter().any(|s| matches!(s, 204 | 304));
                assert!(
                    !(judges_media_type && may_be_empty),
                    "{} (line {}) judges the media type of an answer that may have no body",
                    check.id,
                    step.line
                );
            }
        }
    }
}

#[test]
fn the_minimal_suite_is_one_read_only_check() {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("valid/minimal.toml")).unwrap();
    let suite = parse_suite("minimal.toml", &text).unwrap();
    let [check] = suite.checks.as_slice() else {
        panic!("one check expected");
    };
    assert_eq!(check.level, Level::Must);
    assert!(!check.writes());
    assert_eq!(check.line, 6);
    assert_eq!(check.steps[0].status, [200]);
    assert!(check.steps[0].auth, "credentials are sent by default");
}

#[test]
fn every_key_of_the_format_is_read() {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("valid/everything.toml")).unwrap();
    let suite = parse_suite("everything.toml", &text).unwrap();
    let check = &suite.checks[0];
    assert_eq!(suite.description, "each key of the format");
    assert_eq!(check.level, Level::InteropEntra);
    assert_eq!(check.tags, ["a", "b"]);
    assert_eq!(
        check.requires,
        [
            Requirement::Capability("patch".into()),
            Requirement::ResourceType("User".into()),
            Requirement::OktaFeature("groups".into()),
        ]
    );
    assert_eq!(check.message.as_deref(), Some("something is off"));
    assert!(check.writes());

    let post = &check.steps[0];
    assert_eq!(post.method, Method::Post);
    let mut query: Vec<&str> = post.query.iter().map(|(name, _)| name.as_str()).collect();
    query.sort_unstable();
    assert_eq!(
        query,
        ["attributes", "count", "flag"],
        "numbers and booleans become text"
    );
    assert_eq!(post.status, [201, 200]);
    assert!(post.setup);
    let mut capture = post.capture.clone();
    capture.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        capture,
        [
            ("etag".to_owned(), Selector::Header("ETag".into())),
            (
                "first".to_owned(),
                Selector::Pointer("/emails/0/value".into())
            ),
            (
                "id".to_owned(),
                Selector::Path(SelectorPath::parse("id").unwrap())
            ),
        ]
    );
    assert!(matches!(post.body, Some(Body::Json(_))));
    assert_eq!(post.expect.len(), 14);
    assert!(matches!(
        post.expect[0].kind,
        AssertionKind::MediaType { ref media_type, .. } if media_type == "application/scim+json"
    ));
    assert!(matches!(
        post.expect[8].kind,
        AssertionKind::Type {
            json_type: JsonType::Boolean,
            ..
        }
    ));
    assert_eq!(post.expect[8].level, Some(Level::Should));
    assert!(
        matches!(post.expect[11].kind, AssertionKind::Builtin(ref builtin) if builtin.name() == "scim-error")
    );
    assert!(matches!(
        post.expect[12].kind,
        AssertionKind::IsNot {
            value: serde_json::Value::Bool(false),
            ..
        }
    ));
    assert_eq!(
        post.expect[12].when_status, None,
        "judged on every answer unless asked"
    );
    assert_eq!(post.expect[13].when_status, Some(200));

    let patch = &check.steps[1];
    assert!(patch.settle);
    assert!(matches!(patch.body, Some(Body::Json(_))));
    let search = &check.steps[2];
    assert!(!search.writes(), "a POST to .search only reads");
    assert!(!search.auth);
    assert!(search.skip_if_filter_declined);
    assert!(!patch.skip_if_filter_declined, "off unless asked for");
    assert!(search.skip_if_unsupported);
    assert!(!patch.skip_if_unsupported, "off unless asked for");
    assert!(!patch.setup, "a step is under test unless marked setup");
    assert!(matches!(search.body, Some(Body::Raw(_))));

    let exact = &check.steps[3];
    let target = exact.target.as_ref().expect("a target");
    assert_eq!(
        target.render(|name| (name == "unique").then(|| "u".to_owned())),
        Ok(r#"/Users?filter=userName+eq+"u%40example.com"&count=1"#.to_owned()),
        "a target is kept as written, variables inserted as they are"
    );
    assert_eq!(exact.path.render(|_| None), Ok("/Users".to_owned()));
    assert!(exact.query.is_empty() && !exact.writes());
}

/// A suite written with templates, shared setup and inline steps reads exactly as the same suite
/// spelt out: a step's body merges into its template's (keys in order), `expect` adds to the
/// template's, a template may start from another, a `setup` step is a setup step, and a suite's
/// template replaces the standard one of its name.
#[test]
fn templates_and_shared_setup_read_as_the_steps_spelt_out() {
    let read = |name: &str| {
        let text = std::fs::read_to_string(Path::new(FIXTURES).join("valid").join(name)).unwrap();
        let mut suite = parse_suite(name, &text).unwrap_or_else(|e| panic!("{e}"));
        for check in &mut suite.checks {
            check.line = 0;
            for step in &mut check.steps {
                step.line = 0;
                for assertion in &mut step.expect {
                    assertion.line = 0;
                }
            }
        }
        suite
    };
    let (short, long) = (read("reuse.toml"), read("reuse-longhand.toml"));
    assert_eq!(short, long);
    let body = |suite: &scimctl::suite::Suite| match &suite.checks[0].steps[0].body {
        Some(Body::Json(value)) => value.to_string(),
        other => panic!("{other:?}"),
    };
    assert_eq!(body(&short), body(&long), "the same keys in the same order");
    assert!(short.checks[0].steps[0].setup && !short.checks[0].steps[3].setup);
}

#[test]
fn invalid_suites_are_refused_with_a_pointed_diagnostic() {
    let dir = Path::new(FIXTURES).join("invalid");
    let bless = std::env::var_os("SCIMCTL_BLESS").is_some();
    let mut seen = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
    {
        seen += 1;
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let error = match parse_suite(&name, &text) {
            Ok(_) => panic!("{name} should be refused"),
            Err(error) => error.to_string(),
        };
        let expected_path = path.with_extension("diagnostic");
        if bless {
            std::fs::write(&expected_path, format!("{error}\n")).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{} is missing", expected_path.display()));
        assert_eq!(error, expected.trim_end_matches('\n'), "{name}");
    }
    assert!(seen >= 10);
}

#[test]
fn hostile_input_never_panics() {
    let inputs = [
        "",
        "[suite]",
        "[suite]\nname = \"\"\ntitle = \"x\"",
        "[suite]\nname = \"x\"\ntitle = \"x\"\n[[check]]\nid = \"\"",
        "\u{0}\u{1b}[31m",
        "[suite]\nname = \"x\"\ntitle = \"é\"\n[[check]]\nid = \"x.y\"\ntitle = \"t\"\nrfc = \"r\"\nlevel = \"MUST\"\n[[check.step]]\nmethod = \"GET\"\npath = \"/{{\"",
    ];
    for input in inputs {
        assert!(parse_suite("hostile", input).is_err(), "{input:?}");
    }
    let deep = format!(
        "[suite]\nname = \"x\"\ntitle = \"x\"\n[[check]]\nid = \"x.y\"\ntitle = \"t\"\nrfc = \"r\"\nlevel = \"MUST\"\n[[check.step]]\nmethod = \"POST\"\npath = \"/Users\"\nbody_json = '{}{}'\n",
        "[".repeat(100),
        "]".repeat(100)
    );
    let error = parse_suite("deep", &deep).unwrap_err().to_string();
    assert!(error.contains("nested more than 64 levels"), "{error}");
}

#[test]
fn not_equals_reads_on_a_path_and_on_a_header() {
    let text = r#"
[suite]
name = "versions"
title = "Versions"

[[check]]
id = "versions.change"
title = "a write changes the version"
rfc = "RFC 7644 §3.14"
level = "MUST"

[[check.step]]
method = "GET"
path = "/Users/1"
capture = { before = "meta.version", etag = { header = "ETag" } }
expect = [
  { path = "meta.version", not_equals = "{{before}}" },
  { header = "ETag", not_equals = "{{etag}}" },
]
"#;
    let suite = parse_suite("versions.toml", text).unwrap();
    let expect = &suite.checks[0].steps[0].expect;
    assert!(matches!(
        expect[0].kind,
        AssertionKind::NotEquals { selector: Selector::Path(ref p), .. } if p.text() == "meta.version"
    ));
    assert!(matches!(
        expect[1].kind,
        AssertionKind::HeaderNotEquals { ref name, .. } if name == "ETag"
    ));
    let misuse = text.replace(r#"not_equals = "{{etag}}""#, "not_equals = 3");
    let error = parse_suite("versions.toml", &misuse)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("a header's `not_equals` takes a string"),
        "{error}"
    );
}

/// A setup step's missing capture is a setup failure only when it prepares later steps; one
/// that the step's own assertions read is judged with them. `Assertion::uses` tells them apart.
#[test]
fn an_assertion_says_which_variables_it_reads() {
    let text = r#"
[suite]
name = "uses"
title = "Uses"

[[check]]
id = "uses.all"
title = "Reads variables everywhere"
rfc = "-"
level = "MUST"

[[check.step]]
method = "POST"
path = "/Users"
body = { userName = "{{unique}}" }
setup = true
status = 201
capture = { id = "id", etag = { header = "ETag" }, where = "meta.location" }
expect = [
  { header = "ETag", equals = "W/{{etag}}" },
  { path = "meta", equals = { location = ["{{where}}"] } },
  { path = "emails[value eq \"{{unique}}\"].type", exists = true },
  { header = "Location", exists = true },
]
"#;
    let suite = parse_suite("uses.toml", text).unwrap_or_else(|e| panic!("{e}"));
    let expect = &suite.checks[0].steps[0].expect;
    assert!(expect[0].uses("etag") && !expect[0].uses("id"));
    assert!(expect[1].uses("where"), "inside a JSON value");
    assert!(expect[2].uses("unique"), "inside a selector");
    assert!(!expect[3].uses("etag"));
    assert!(!expect.iter().any(|assertion| assertion.uses("id")));
}
