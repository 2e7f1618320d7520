//! Properties of the filter and PATCH path parsers: the canonical text of any tree parses
//! back to that tree, and no input, however broken or deep, makes a parser panic or overflow
//! the stack.

use proptest::prelude::*;
use scimctl::scim::diag::Diagnostic;
use scimctl::scim::filter::{
    CompValue, CompareOp, Filter, MAX_DEPTH, ParseOptions, parse_filter, parse_filter_with,
};
use scimctl::scim::path::{AttrPath, PatchPath, parse_attr_path, parse_patch_path_with};

const OPS: [CompareOp; 9] = [
    CompareOp::Eq,
    CompareOp::Ne,
    CompareOp::Co,
    CompareOp::Sw,
    CompareOp::Ew,
    CompareOp::Gt,
    CompareOp::Lt,
    CompareOp::Ge,
    CompareOp::Le,
];

/// Names, including ones that look like keywords, which must still round-trip.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z][a-zA-Z0-9_-]{0,8}",
        1 => prop::sample::select(vec!["not", "and", "or", "pr", "eq", "true", "null", "NOT"])
            .prop_map(str::to_string),
    ]
}

fn attr_path(with_sub: bool) -> impl Strategy<Value = AttrPath> {
    let urn = prop::option::weighted(
        0.2,
        prop::sample::select(vec![
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:x:y",
        ])
        .prop_map(str::to_string),
    );
    let sub = if with_sub {
        prop::option::weighted(0.3, name()).boxed()
    } else {
        Just(None).boxed()
    };
    (urn, name(), sub).prop_map(|(urn, name, sub)| AttrPath { urn, name, sub })
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        any::<u64>().prop_map(|n| CompValue::Number(n.into())),
        any::<f64>()
            .prop_filter_map("finite", serde_json::Number::from_f64)
            .prop_map(CompValue::Number),
        any::<String>().prop_map(CompValue::String),
    ]
}

fn comparison() -> impl Strategy<Value = Filter> {
    prop_oneof![
        attr_path(true).prop_map(Filter::Present),
        (
            attr_path(true),
            prop::sample::select(OPS.to_vec()),
            comp_value()
        )
            .prop_map(|(path, op, value)| Filter::Compare(path, op, value)),
    ]
}

/// Trees of `and`, `or` and `not` over `leaf`.
fn logical(leaf: BoxedStrategy<Filter>) -> BoxedStrategy<Filter> {
    leaf.prop_recursive(6, 48, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|f| Filter::Not(Box::new(f))),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::And(Box::new(l), Box::new(r))),
            (inner.clone(), inner).prop_map(|(l, r)| Filter::Or(Box::new(l), Box::new(r))),
        ]
    })
    .boxed()
}

/// A value filter's inside: anything but another value path.
fn value_filter() -> BoxedStrategy<Filter> {
    logical(comparison().boxed())
}

fn value_path() -> impl Strategy<Value = Filter> {
    (attr_path(false), value_filter())
        .prop_map(|(attr, inner)| Filter::ValuePath(attr, Box::new(inner)))
}

fn filter() -> BoxedStrategy<Filter> {
    logical(prop_oneof![3 => comparison(), 1 => value_path()].boxed())
}

fn patch_path() -> impl Strategy<Value = PatchPath> {
    prop_oneof![
        attr_path(true).prop_map(PatchPath::Attr),
        (attr_path(false), value_filter(), prop::option::of(name()))
            .prop_map(|(attr, filter, sub)| PatchPath::Filtered { attr, filter, sub }),
    ]
}

/// Fragments of the grammar, valid and broken, to be glued together at random.
fn token_soup() -> impl Strategy<Value = String> {
    let tokens = vec![
        "(",
        ")",
        "[",
        "]",
        " ",
        "  ",
        "\t",
        "\"",
        "\"x\"",
        "\"\\u",
        "\"\\ud800\"",
        "'",
        "not",
        "NOT",
        "and",
        "or",
        "eq",
        "Eq",
        "pr",
        "gt",
        "emails",
        "userName",
        ".value",
        ".",
        "urn:ietf:params:scim:schemas:core:2.0:User",
        ":",
        "$ref",
        "1",
        "-",
        "1e999",
        "0.5",
        "true",
        "True",
        "null",
        "é",
        "😀",
        "\u{0}",
        "\\",
    ];
    prop::collection::vec(prop::sample::select(tokens), 0..24).prop_map(|parts| parts.concat())
}

/// A diagnostic points inside the input, on character boundaries, and renders.
fn assert_well_formed(input: &str, err: &Diagnostic) {
    let span = err.span;
    assert!(
        span.start <= span.end && span.end <= input.len(),
        "{span:?} in {input:?}"
    );
    assert!(input.is_char_boundary(span.start) && input.is_char_boundary(span.end));
    assert!(!err.message.is_empty());
    let _ = err.render(input);
}

/// Every parser survives `input`; whatever parses, prints and reparses to itself.
fn parse_everything(input: &str) {
    for opts in [ParseOptions::default(), ParseOptions::lenient()] {
        match parse_filter_with(input, opts) {
            Ok(parsed) => {
                let again = parse_filter_with(&parsed.filter.to_string(), opts)
                    .unwrap_or_else(|e| panic!("`{}` reparses: {e}", parsed.filter));
                assert_eq!(again.filter, parsed.filter);
            }
            Err(err) => assert_well_formed(input, &err),
        }
        match parse_patch_path_with(input, opts) {
            Ok(parsed) => {
                let again = parse_patch_path_with(&parsed.path.to_string(), opts)
                    .unwrap_or_else(|e| panic!("`{}` reparses: {e}", parsed.path));
                assert_eq!(again.path, parsed.path);
            }
            Err(err) => assert_well_formed(input, &err),
        }
    }
    if let Err(err) = parse_attr_path(input) {
        assert_well_formed(input, &err);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn display_then_parse_gives_the_same_filter(tree in filter()) {
        let text = tree.to_string();
        let parsed = parse_filter(&text).map_err(|e| TestCaseError::fail(e.render(&text)))?;
        prop_assert_eq!(parsed, tree);
    }

    #[test]
    fn display_then_parse_gives_the_same_patch_path(path in patch_path()) {
        let text = path.to_string();
        let parsed = parse_patch_path_with(&text, ParseOptions::default())
            .map_err(|e| TestCaseError::fail(e.render(&text)))?;
        prop_assert_eq!(parsed.path, path);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn arbitrary_text_never_panics_a_parser(input in any::<String>()) {
        parse_everything(&input);
    }

    #[test]
    fn token_soup_never_panics_a_parser(input in token_soup()) {
        parse_everything(&input);
    }
}

#[test]
fn ten_thousand_parentheses_are_an_error_not_a_stack_overflow() {
    let deep = format!("{}a pr{}", "(".repeat(10_000), ")".repeat(10_000));
    let err = parse_filter(&deep).unwrap_err();
    assert_eq!(
        err.message,
        format!("filter nested deeper than {MAX_DEPTH} levels")
    );
    assert_eq!(err.span.start, MAX_DEPTH);
}

#[test]
fn ten_thousand_nots_are_an_error_not_a_stack_overflow() {
    let deep = format!("{}a pr{}", "not(".repeat(10_000), ")".repeat(10_000));
    let err = parse_filter(&deep).unwrap_err();
    assert!(err.message.contains("nested deeper"), "{}", err.message);
}

#[test]
fn a_long_chain_of_or_is_bounded() {
    let chain = vec![r#"userName eq "x""#; 5_000].join(" or ");
    let err = parse_filter(&chain).unwrap_err();
    assert!(
        err.message.contains("more than 1000 comparisons"),
        "{}",
        err.message
    );
    let fine = vec![r#"userName eq "x""#; 1_000].join(" or ");
    assert!(parse_filter(&fine).is_ok());
}

#[test]
fn deep_input_in_a_patch_path_is_an_error() {
    let deep = format!("emails[{}a pr{}]", "(".repeat(10_000), ")".repeat(10_000));
    assert!(parse_patch_path_with(&deep, ParseOptions::default()).is_err());
}
