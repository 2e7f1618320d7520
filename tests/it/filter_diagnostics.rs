//! How parse errors look to a user: the message, the input, a caret under the offending
//! text and a hint. Snapshots live in `tests/it/snapshots/`.

use scimctl::scim::filter::{ParseOptions, parse_filter, parse_filter_with};
use scimctl::scim::path::parse_patch_path;

fn rendered_filter_error(input: &str) -> String {
    parse_filter(input)
        .expect_err("the filter is invalid")
        .render(input)
}

#[test]
fn a_misspelt_operator_suggests_the_right_one() {
    insta::assert_snapshot!(rendered_filter_error(r#"userName eqq "bjensen""#));
}

#[test]
fn an_unquoted_value_shows_how_to_quote_it() {
    insta::assert_snapshot!(rendered_filter_error("userName eq bjensen"));
}

#[test]
fn single_quotes_are_pointed_at() {
    insta::assert_snapshot!(rendered_filter_error("userName eq 'bjensen'"));
}

#[test]
fn a_capitalised_literal_suggests_lowercase() {
    insta::assert_snapshot!(rendered_filter_error("active eq True"));
}

#[test]
fn not_without_parentheses() {
    insta::assert_snapshot!(rendered_filter_error(r#"not emails co "x""#));
}

#[test]
fn an_unterminated_string_underlines_all_of_it() {
    insta::assert_snapshot!(rendered_filter_error(
        r#"userName eq "bjensen and active eq true"#
    ));
}

#[test]
fn an_unclosed_parenthesis_says_where_it_opened() {
    insta::assert_snapshot!(rendered_filter_error(r#"(userName eq "x" or title pr"#));
}

#[test]
fn entras_sub_attribute_after_a_filter_shows_the_rfc_form() {
    insta::assert_snapshot!(rendered_filter_error(
        r#"emails[type eq "work"].value eq "a@b.c""#
    ));
}

#[test]
fn a_lenient_parse_explains_each_leniency() {
    let input = "userName  eq\t\"x\"";
    let parsed = parse_filter_with(input, ParseOptions::lenient()).expect("lenient parse");
    let notes: Vec<String> = parsed.warnings.iter().map(|w| w.render(input)).collect();
    insta::assert_snapshot!(notes.join("\n\n"));
}

#[test]
fn a_patch_path_with_two_filters() {
    let input = r#"emails[type eq "work"][primary eq true]"#;
    let err = parse_patch_path(input).expect_err("two filters are invalid");
    insta::assert_snapshot!(err.render(input));
}

#[test]
fn a_c_style_equality_operator_suggests_eq() {
    insta::assert_snapshot!(rendered_filter_error(r#"userName == "bjensen""#));
}

#[test]
fn a_c_style_inequality_operator_suggests_ne() {
    insta::assert_snapshot!(rendered_filter_error(r#"userName != "bjensen""#));
}

#[test]
fn a_spelled_out_operator_suggests_the_rfc_one() {
    insta::assert_snapshot!(rendered_filter_error(r#"userName contains "jensen""#));
}

#[test]
fn double_ampersands_suggest_and() {
    insta::assert_snapshot!(rendered_filter_error(
        r#"userName eq "bjensen" && active eq true"#
    ));
}

#[test]
fn double_bars_inside_parentheses_suggest_or() {
    insta::assert_snapshot!(rendered_filter_error(
        r#"(title pr || userType eq "Intern")"#
    ));
}

#[test]
fn two_conditions_without_and_or_or_between_them() {
    insta::assert_snapshot!(rendered_filter_error(r#"userName eq "bjensen" title pr"#));
}

#[test]
fn a_missing_operator_before_a_string_shows_the_comparison() {
    insta::assert_snapshot!(rendered_filter_error(r#"userName "bjensen""#));
}

#[test]
fn a_missing_operator_before_a_bare_word_shows_the_comparison() {
    insta::assert_snapshot!(rendered_filter_error("userName bjensen"));
}

#[test]
fn an_unquoted_value_of_several_words_is_quoted_whole() {
    insta::assert_snapshot!(rendered_filter_error(
        "displayName eq Test Group and title pr"
    ));
}

#[test]
fn an_unquoted_date_is_not_taken_for_a_number() {
    insta::assert_snapshot!(rendered_filter_error(
        "meta.lastModified gt 2011-05-13T04:42:34Z"
    ));
}

#[test]
fn an_exclamation_mark_suggests_not() {
    insta::assert_snapshot!(rendered_filter_error(r#"!(userName eq "bjensen")"#));
}
