//! `scimctl explain filter|path`: every example of RFC 7644 §3.4.2.2 and §3.5.2 explained,
//! JSON for tools, the request as scimctl would send it, and a caret with a suggestion for
//! what does not parse.

use std::path::Path;

use insta::assert_snapshot;

use crate::support::{Env, snapshots};

/// The lines of a fixture list that are neither blank nor comments.
fn listed(path: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path);
    std::fs::read_to_string(path)
        .expect("fixture list")
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_filter_example_of_rfc_7644_is_explained() {
    let env = Env::start();
    let mut all = String::new();
    for filter in listed("rfc/filters.txt") {
        let run = env.run(&["explain", "filter", &filter]);
        run.exits(0);
        assert_eq!(run.stderr, "", "{filter}");
        all.push_str(&run.stdout);
        all.push_str("\n----\n\n");
    }
    assert_snapshot!("rfc_filters", all);
}

#[test]
fn every_patch_path_of_rfc_7644_is_explained() {
    let env = Env::start();
    let mut all = String::new();
    for line in listed("rfc/paths.txt") {
        let (path, resource_type) = line.split_once('\t').expect("path<TAB>type");
        let run = env.run(&["explain", "path", path, "--resource-type", resource_type]);
        run.exits(0);
        all.push_str(&run.stdout);
        all.push_str("\n----\n\n");
    }
    assert_snapshot!("rfc_paths", all);
}

#[test]
fn a_filter_as_json() {
    let env = Env::start();
    let run = env.run(&[
        "explain",
        "filter",
        r#"active eq "true" and meta.lastModified gt "2011-05-13T04:42:34Z""#,
        "-o",
        "json",
    ]);
    run.exits(0);
    assert_snapshot!("filter_json", run.stdout);
}

#[test]
fn a_group_filter_is_explained_against_groups_and_sent_to_the_server() {
    let env = Env::start();
    let run = env.run(&[
        "explain",
        "filter",
        r#"displayName eq "Tour Guides+Staff""#,
        "--resource-type",
        "Group",
        "--url",
        &env.url,
    ]);
    run.exits(0);
    snapshots().bind(|| assert_snapshot!("group_filter_with_url", run.stdout));
}

#[test]
fn a_lenient_filter_shows_each_leniency_and_the_form_scimctl_sends() {
    let env = Env::start();
    let run = env.run(&[
        "explain",
        "filter",
        r#"emails[type eq "work"].value eq "a@b.c""#,
    ]);
    run.exits(0);
    assert_snapshot!("lenient_filter", run.stdout);
}

#[test]
fn invalid_filters_show_a_caret_and_a_suggestion() {
    let env = Env::start();
    let mut all = String::new();
    for filter in [
        r#"userName == "bjensen""#,
        r#"userName eq "bjensen" && active eq true"#,
        "userName eq bjensen",
        r#"userName "bjensen""#,
    ] {
        let run = env.run(&["explain", "filter", filter]);
        run.exits(2);
        assert_eq!(run.stdout, "");
        all.push_str(&run.stderr);
        all.push('\n');
    }
    assert_snapshot!("invalid_filters", all);
}

#[test]
fn an_invalid_path_shows_a_caret() {
    let env = Env::start();
    let run = env.run(&[
        "explain",
        "path",
        r#"emails[type eq "work"][primary eq true]"#,
    ]);
    run.exits(2);
    assert_snapshot!("invalid_path", run.stderr);
}
