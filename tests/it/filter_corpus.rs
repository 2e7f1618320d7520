//! Runs the filter and PATCH path corpus in `fixtures/filters/corpus.toml`: every valid entry
//! must parse to its canonical form (and tree, where given) and reparse to the same tree;
//! every invalid entry must fail at its byte position with its message. All mismatches are
//! reported together.

use scimctl::scim::diag::Diagnostic;
use scimctl::scim::filter::{Filter, ParseOptions, parse_filter_with};
use scimctl::scim::path::{PatchPath, parse_patch_path_with};
use serde::Deserialize;

#[derive(Deserialize)]
struct Corpus {
    filter: Vec<Entry>,
    path: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    input: String,
    #[serde(default)]
    lenient: bool,
    /// Expected canonical `Display` of a valid input.
    canonical: Option<String>,
    /// Expected tree of a valid input, in the notation of [`tree`] and [`path_tree`].
    tree: Option<String>,
    /// Expected number of warnings (lenient parses and unusual spellings).
    warnings: Option<usize>,
    /// Expected byte offset of the error of an invalid input.
    error_at: Option<usize>,
    /// A fragment of the expected error message.
    error: Option<String>,
    /// Where the case comes from; read by people, not by the test.
    #[serde(rename = "source")]
    _source: Option<String>,
}

/// A compact, unambiguous notation for trees: `(and (eq userName "x") (pr title))`.
fn tree(filter: &Filter) -> String {
    match filter {
        Filter::Present(path) => format!("(pr {path})"),
        Filter::Compare(path, op, value) => format!("({op} {path} {value})"),
        Filter::Not(inner) => format!("(not {})", tree(inner)),
        Filter::And(l, r) => format!("(and {} {})", tree(l), tree(r)),
        Filter::Or(l, r) => format!("(or {} {})", tree(l), tree(r)),
        Filter::ValuePath(path, inner) => format!("(vp {path} {})", tree(inner)),
    }
}

/// `(attr URN NAME SUB)` with `-` for what is absent, or `(filtered ATTR TREE SUB)`.
fn path_tree(path: &PatchPath) -> String {
    match path {
        PatchPath::Attr(attr) => format!(
            "(attr {} {} {})",
            attr.urn.as_deref().unwrap_or("-"),
            if attr.name.is_empty() {
                "-"
            } else {
                &attr.name
            },
            attr.sub.as_deref().unwrap_or("-")
        ),
        PatchPath::Filtered { attr, filter, sub } => format!(
            "(filtered {attr} {} {})",
            tree(filter),
            sub.as_deref().unwrap_or("-")
        ),
    }
}

/// What parsing an entry gave: canonical text, tree and warning count, or the error; and
/// whether the canonical text parses back to the same tree.
struct Outcome {
    result: Result<(String, String, usize), Diagnostic>,
    reparsed_same: bool,
}

fn check(kind: &str, entry: &Entry, outcome: Outcome, problems: &mut Vec<String>) {
    let mode = if entry.lenient { "lenient" } else { "strict" };
    let label = format!("{kind} ({mode}) `{}`", entry.input);
    match (&outcome.result, entry.error_at) {
        (Ok((canonical, tree, warnings)), None) => {
            match &entry.canonical {
                Some(expected) if expected != canonical => problems.push(format!(
                    "{label}: canonical `{canonical}`, expected `{expected}`"
                )),
                Some(_) => {}
                None => problems.push(format!(
                    "{label}: valid entry without `canonical` (got `{canonical}`)"
                )),
            }
            if let Some(expected) = entry.tree.as_ref().filter(|t| *t != tree) {
                problems.push(format!("{label}: tree {tree}, expected {expected}"));
            }
            let expected_warnings = entry.warnings.unwrap_or(0);
            if expected_warnings != *warnings {
                problems.push(format!(
                    "{label}: {warnings} warnings, expected {expected_warnings}"
                ));
            }
            if !outcome.reparsed_same {
                problems.push(format!(
                    "{label}: `{canonical}` does not reparse to the same tree"
                ));
            }
        }
        (Ok((canonical, _, _)), Some(at)) => {
            problems.push(format!(
                "{label}: parsed as `{canonical}`, expected an error at {at}"
            ));
        }
        (Err(err), None) => problems.push(format!(
            "{label}: unexpected error at {}: {}",
            err.span.start, err.message
        )),
        (Err(err), Some(at)) => {
            if err.span.start != at {
                problems.push(format!(
                    "{label}: error at {} ({}), expected at {at}",
                    err.span.start, err.message
                ));
            }
            if let Some(fragment) = entry
                .error
                .as_ref()
                .filter(|f| !err.message.contains(f.as_str()))
            {
                problems.push(format!(
                    "{label}: error `{}` lacks `{fragment}`",
                    err.message
                ));
            }
        }
    }
}

#[test]
fn corpus_parses_as_recorded() {
    let text = include_str!("../../fixtures/filters/corpus.toml");
    let corpus: Corpus = toml::from_str(text).expect("corpus.toml is valid TOML");
    let mut problems = Vec::new();
    for entry in &corpus.filter {
        let opts = ParseOptions {
            lenient: entry.lenient,
        };
        let parsed = parse_filter_with(&entry.input, opts);
        let reparsed_same = match &parsed {
            Ok(p) => parse_filter_with(&p.filter.to_string(), opts)
                .is_ok_and(|again| again.filter == p.filter),
            Err(_) => true,
        };
        let result = parsed.map(|p| (p.filter.to_string(), tree(&p.filter), p.warnings.len()));
        check(
            "filter",
            entry,
            Outcome {
                result,
                reparsed_same,
            },
            &mut problems,
        );
    }
    for entry in &corpus.path {
        let opts = ParseOptions {
            lenient: entry.lenient,
        };
        let parsed = parse_patch_path_with(&entry.input, opts);
        let reparsed_same = match &parsed {
            Ok(p) => parse_patch_path_with(&p.path.to_string(), opts)
                .is_ok_and(|again| again.path == p.path),
            Err(_) => true,
        };
        let result = parsed.map(|p| (p.path.to_string(), path_tree(&p.path), p.warnings.len()));
        check(
            "path",
            entry,
            Outcome {
                result,
                reparsed_same,
            },
            &mut problems,
        );
    }
    let total = corpus.filter.len() + corpus.path.len();
    assert!(total >= 150, "the corpus has only {total} entries");
    assert!(
        problems.is_empty(),
        "{} of {total} corpus entries disagree:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
