//! What the Rust ecosystem expects of a crate, checked offline from the lock file and the
//! package's own files:
//! - no dependency that ships in the binary comes in two semver-incompatible versions unless
//!   [`ALLOWED_DUPLICATES`] says why (`cargo tree -d`, normal and build edges, this platform);
//! - no such dependency needs a newer Rust than the `rust-version` Cargo.toml declares (what a
//!   build with that toolchain would find first; `scripts/test` builds with it when rustup has
//!   it);
//! - CHANGELOG.md keeps the Keep a Changelog form, and both licence files exist.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;

/// Crates that ship in two semver-incompatible versions, each with why it cannot be one. An
/// entry that is no longer duplicated fails the test too, so the list stays true.
const ALLOWED_DUPLICATES: &[(&str, &str)] = &[
    (
        "base64",
        "reqwest 0.12 (the HTTP client) uses 0.22 and hyper-util 0.1.21 (axum's and reqwest's \
         runtime glue) moved to 0.23; one goes when reqwest 0.13 is adopted",
    ),
    (
        "getrandom",
        "ring 0.17 (rustls's cryptography) is on 0.2 and uuid 1.x (ids, quick-junit) on 0.4; \
         neither has a release on the other's",
    ),
];

fn package_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs cargo on this package, locked and offline; its standard output.
fn cargo(args: &[&str]) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(args)
        .args(["--locked", "--offline", "--manifest-path"])
        .arg(package_dir().join("Cargo.toml"))
        .timeout(Duration::from_secs(120))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// What semver calls compatible: `1.x.y` share `1`, `0.22.x` share `0.22`, `0.0.3` is alone.
fn compatibility(version: &str) -> String {
    let parts: Vec<&str> = version.split(['.', '-', '+']).take(3).collect();
    match parts.as_slice() {
        ["0", "0", patch] => format!("0.0.{patch}"),
        ["0", minor, _] => format!("0.{minor}"),
        [major, ..] => (*major).to_owned(),
        [] => String::new(),
    }
}

#[test]
fn no_dependency_ships_in_two_incompatible_versions_without_a_reason() {
    let listing = cargo(&[
        "tree",
        "--duplicates",
        "--edges",
        "normal,build",
        "--depth",
        "0",
        "--prefix",
        "none",
    ]);
    let mut versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in listing.lines().filter(|l| !l.trim().is_empty()) {
        let mut words = line.split_whitespace();
        let (Some(name), Some(version)) = (words.next(), words.next()) else {
            panic!("unexpected `cargo tree` line: {line}");
        };
        let version = version.trim_start_matches('v');
        versions
            .entry(name.to_owned())
            .or_default()
            .insert(compatibility(version));
    }
    let duplicated: BTreeSet<&str> = versions
        .iter()
        .filter(|(_, lines)| lines.len() > 1)
        .map(|(name, _)| name.as_str())
        .collect();
    let allowed: BTreeSet<&str> = ALLOWED_DUPLICATES.iter().map(|(name, _)| *name).collect();
    let unexplained: Vec<_> = duplicated.difference(&allowed).collect();
    assert!(
        unexplained.is_empty(),
        "shipped in two incompatible versions: {unexplained:?} (see `cargo tree -d -e normal,build`); \
         align them, or add each to ALLOWED_DUPLICATES with the reason"
    );
    let stale: Vec<_> = allowed.difference(&duplicated).collect();
    assert!(
        stale.is_empty(),
        "no longer duplicated, remove from ALLOWED_DUPLICATES: {stale:?}"
    );
}

#[test]
fn semver_compatibility_is_read_as_cargo_reads_it() {
    assert_eq!(compatibility("1.26.1"), "1");
    assert_eq!(compatibility("0.22.1"), "0.22");
    assert_eq!(compatibility("0.0.3"), "0.0.3");
    assert_eq!(compatibility("1.2.2+spec-1.1.0"), "1");
}

/// `1.85` or `1.85.0` as comparable numbers.
fn rust_version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|p| p.parse::<u64>().expect("a number"));
    let major = parts.next().expect("a major version");
    (major, parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

#[test]
fn no_shipped_dependency_needs_a_newer_rust_than_the_declared_one() {
    let metadata: serde_json::Value =
        serde_json::from_str(&cargo(&["metadata", "--format-version", "1"])).expect("JSON");
    let packages: BTreeMap<&str, &serde_json::Value> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| (p["id"].as_str().expect("id"), p))
        .collect();
    let root = metadata["resolve"]["root"].as_str().expect("the package");
    let declared = packages[root]["rust_version"]
        .as_str()
        .expect("rust-version is declared");
    let nodes: BTreeMap<&str, &serde_json::Value> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| (n["id"].as_str().expect("id"), n))
        .collect();
    let mut shipped = BTreeSet::new();
    let mut pending = vec![root];
    while let Some(id) = pending.pop() {
        if !shipped.insert(id) {
            continue;
        }
        for dependency in nodes[id]["deps"].as_array().expect("deps") {
            let kinds = dependency["dep_kinds"].as_array().expect("kinds");
            if kinds.iter().any(|k| k["kind"].as_str() != Some("dev")) {
                pending.push(dependency["pkg"].as_str().expect("pkg"));
            }
        }
    }
    let too_new: Vec<String> = shipped
        .iter()
        .filter_map(|id| {
            let package = packages[id];
            let needs = package["rust_version"].as_str()?;
            (rust_version(needs) > rust_version(declared)).then(|| {
                format!(
                    "{} {} needs Rust {needs}",
                    package["name"], package["version"]
                )
            })
        })
        .collect();
    assert!(shipped.len() > 50, "only {} packages found", shipped.len());
    assert!(
        too_new.is_empty(),
        "rust-version is {declared}, but: {too_new:#?}"
    );
}

/// The release headings Keep a Changelog allows: `## [Unreleased]` and `## [1.2.3] - YYYY-MM-DD`.
fn is_release_heading(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("## [") else {
        return false;
    };
    if rest == "Unreleased]" {
        return true;
    }
    let Some((version, date)) = rest.split_once("] - ") else {
        return false;
    };
    let date_ok = date.len() == 10
        && date.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    version.split('.').count() == 3 && date_ok
}

#[test]
fn the_changelog_keeps_the_keep_a_changelog_form() {
    const KINDS: &[&str] = &[
        "Added",
        "Changed",
        "Deprecated",
        "Removed",
        "Fixed",
        "Security",
    ];
    let changelog =
        std::fs::read_to_string(package_dir().join("CHANGELOG.md")).expect("CHANGELOG.md");
    let mut lines = changelog.lines();
    assert_eq!(lines.next(), Some("# Changelog"));
    assert!(
        changelog.contains("https://keepachangelog.com/"),
        "it names the form it follows"
    );
    let mut problems = Vec::new();
    let mut releases = Vec::new();
    let mut kinds_seen: Vec<&str> = Vec::new();
    for line in changelog.lines() {
        if line.starts_with("## ") {
            if !is_release_heading(line) {
                problems.push(format!("not a release heading: `{line}`"));
            }
            releases.push(line);
            kinds_seen.clear();
        } else if let Some(kind) = line.strip_prefix("### ") {
            if !KINDS.contains(&kind) {
                problems.push(format!(
                    "`{line}` under {:?}: use one of {KINDS:?}",
                    releases.last()
                ));
            }
            if kinds_seen.contains(&kind) {
                problems.push(format!("`{line}` twice under {:?}", releases.last()));
            }
            if releases.is_empty() {
                problems.push(format!("`{line}` before any release heading"));
            }
            kinds_seen.push(kind);
        }
    }
    assert_eq!(
        releases.first(),
        Some(&"## [Unreleased]"),
        "the newest section is Unreleased"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(is_release_heading("## [0.1.0] - 2027-01-15"));
    assert!(!is_release_heading("## 0.1.0"));
}

#[test]
fn both_licences_are_shipped() {
    let manifest = std::fs::read_to_string(package_dir().join("Cargo.toml")).expect("Cargo.toml");
    assert!(manifest.contains("license = \"MIT OR Apache-2.0\""));
    for file in ["LICENSE-MIT", "LICENSE-APACHE"] {
        let text = std::fs::read_to_string(package_dir().join(file)).expect(file);
        assert!(text.len() > 500, "{file} holds the licence text");
    }
}
