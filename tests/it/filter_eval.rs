//! Filter evaluation against JSON resources (RFC 7644 §3.4.2.2), typed by a hand-built schema
//! shaped like RFC 7643's User and enterprise extension.

use scimctl::scim::filter::{
    EvalError, ParseOptions, matches, matches_element, parse_filter, parse_filter_with, validate,
};
use scimctl::scim::schema::{
    AttrType, Attribute, Mutability, ResourceSchema, Returned, Schema, Uniqueness,
};
use serde_json::{Value, json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn attribute(name: &str, attr_type: AttrType) -> Attribute {
    Attribute {
        name: name.to_string(),
        attr_type,
        multi_valued: false,
        required: false,
        case_exact: false,
        mutability: Mutability::ReadWrite,
        returned: Returned::Default,
        uniqueness: Uniqueness::None,
        canonical_values: Vec::new(),
        reference_types: Vec::new(),
        description: String::new(),
        sub_attributes: Vec::new(),
    }
}

fn case_exact(mut attr: Attribute) -> Attribute {
    attr.case_exact = true;
    attr
}

fn complex(name: &str, multi_valued: bool, subs: Vec<Attribute>) -> Attribute {
    let mut attr = attribute(name, AttrType::Complex);
    attr.multi_valued = multi_valued;
    attr.sub_attributes = subs;
    attr
}

fn schema() -> ResourceSchema {
    let core = Schema {
        id: "urn:ietf:params:scim:schemas:core:2.0:User".to_string(),
        name: "User".to_string(),
        description: String::new(),
        attributes: vec![
            case_exact(attribute("id", AttrType::String)),
            case_exact(attribute("externalId", AttrType::String)),
            attribute("userName", AttrType::String),
            attribute("title", AttrType::String),
            attribute("active", AttrType::Boolean),
            attribute("age", AttrType::Integer),
            attribute("score", AttrType::Decimal),
            attribute("photoBytes", AttrType::Binary),
            complex(
                "name",
                false,
                vec![
                    attribute("givenName", AttrType::String),
                    attribute("familyName", AttrType::String),
                ],
            ),
            complex(
                "emails",
                true,
                vec![
                    attribute("value", AttrType::String),
                    attribute("type", AttrType::String),
                    attribute("primary", AttrType::Boolean),
                ],
            ),
            complex(
                "meta",
                false,
                vec![
                    attribute("created", AttrType::DateTime),
                    attribute("lastModified", AttrType::DateTime),
                ],
            ),
        ],
    };
    let enterprise = Schema {
        id: ENTERPRISE.to_string(),
        name: "EnterpriseUser".to_string(),
        description: String::new(),
        attributes: vec![
            attribute("employeeNumber", AttrType::String),
            complex(
                "manager",
                false,
                vec![
                    case_exact(attribute("value", AttrType::String)),
                    attribute("displayName", AttrType::String),
                ],
            ),
        ],
    };
    ResourceSchema {
        core,
        extensions: vec![enterprise],
    }
}

fn bjensen() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "bjensen-ext",
        "UserName": "bjensen",
        "title": "",
        "active": true,
        "age": 42,
        "score": 7.5,
        "nickName": "Babs",
        "name": {"givenName": "Barbara", "familyName": "Renée"},
        "emails": [
            {"value": "bjensen@other.org", "type": "work", "primary": true},
            {"value": "babs@example.com", "type": "home"}
        ],
        "meta": {"created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T06:42:34+02:00"},
        "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {
            "employeeNumber": "701984",
            "manager": {"value": "26118915", "displayName": "John Smith", "location": "Paris"}
        }
    })
}

/// Parses `filter` strictly and evaluates it against bjensen.
fn eval(filter: &str) -> Result<bool, EvalError> {
    let filter = parse_filter(filter).unwrap_or_else(|e| panic!("`{filter}` parses: {e}"));
    matches(&filter, &bjensen(), &schema())
}

fn holds(filter: &str) -> bool {
    eval(filter).unwrap_or_else(|e| panic!("`{filter}` evaluates: {e}"))
}

#[test]
fn attribute_names_match_json_keys_in_any_case() {
    assert!(holds(r#"userName eq "bjensen""#));
    assert!(holds(r#"USERNAME EQ "bjensen""#));
    assert!(holds(r#"name.FAMILYNAME eq "Renée""#));
    assert!(holds(
        r#"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME eq "bjensen""#
    ));
}

#[test]
fn user_name_ignores_case_but_id_and_external_id_do_not() {
    assert!(holds(r#"userName eq "BJensen""#));
    assert!(holds(r#"id eq "2819c223-7f76-453a-919d-413861904646""#));
    assert!(!holds(r#"id eq "2819C223-7F76-453A-919D-413861904646""#));
    assert!(holds(r#"externalId eq "bjensen-ext""#));
    assert!(!holds(r#"externalId eq "BJENSEN-EXT""#));
}

#[test]
fn eq_is_exact_not_a_prefix() {
    assert!(!holds(r#"userName eq "bjens""#));
    assert!(!holds(r#"userName eq "bjensen_1""#));
}

#[test]
fn unknown_attributes_compare_case_insensitively_by_json_type() {
    assert!(holds(r#"nickName eq "BABS""#));
    assert!(!holds(r#"nickName eq 1"#));
    assert!(!holds(r#"noSuchThing eq "x""#));
}

#[test]
fn substring_operators_follow_case_exactness_and_unicode() {
    assert!(holds(r#"userName sw "BJ""#));
    assert!(holds(r#"userName ew "SEN""#));
    assert!(holds(r#"userName co "ENS""#));
    assert!(holds(r#"name.familyName ew "ÉE""#));
    assert!(holds(r#"name.familyName co "NÉ""#));
    assert!(!holds(r#"id sw "2819C""#));
    assert!(holds(r#"id sw "2819c""#));
    assert!(holds(r#"userName co """#));
}

#[test]
fn strings_order_lexicographically() {
    assert!(holds(r#"userName gt "alice""#));
    assert!(holds(r#"userName lt "Carol""#));
    assert!(holds(r#"userName ge "BJENSEN""#));
    assert!(!holds(r#"userName gt "BJENSEN""#));
}

#[test]
fn a_multi_valued_attribute_matches_when_any_value_does() {
    assert!(holds(r#"emails.value eq "babs@example.com""#));
    assert!(holds(r#"emails.type eq "home""#));
    // The surprise: with two addresses, one of them always differs.
    assert!(holds(r#"emails.value ne "babs@example.com""#));
}

#[test]
fn a_value_path_needs_one_element_to_match_every_condition() {
    let same_element = r#"emails[type eq "work" and value co "@example.com"]"#;
    let any_elements = r#"emails.type eq "work" and emails.value co "@example.com""#;
    assert!(!holds(same_element));
    assert!(holds(any_elements));
    assert!(holds(
        r#"emails[type eq "home" and value co "@example.com"]"#
    ));
    assert!(holds(r#"emails[primary eq true]"#));
    assert!(holds(r#"emails[not (primary pr)]"#));
}

#[test]
fn entras_value_path_with_a_sub_attribute_means_one_element() {
    let filter = parse_filter_with(
        r#"emails[type eq "work"].value eq "babs@example.com""#,
        ParseOptions::lenient(),
    )
    .expect("lenient parse")
    .filter;
    assert!(!matches(&filter, &bjensen(), &schema()).unwrap());
}

#[test]
fn a_complex_attribute_without_sub_attribute_compares_its_value() {
    assert!(holds(r#"emails co "example.com""#));
    assert!(holds(r#"emails eq "BJENSEN@other.org""#));
    assert_eq!(
        eval(r#"name eq "Barbara""#),
        Err(EvalError::ComplexWithoutValue {
            attribute: "name".to_string()
        })
    );
}

#[test]
fn numbers_compare_numerically_across_integer_and_decimal() {
    assert!(holds("age eq 42"));
    assert!(holds("age eq 42.0"));
    assert!(holds("age gt 9"));
    assert!(holds("age le 42"));
    assert!(!holds("age lt 42"));
    assert!(holds("score gt 7"));
    assert!(holds("score lt 7.6"));
    assert!(holds("score ge 7.5e0"));
    assert!(!holds(r#"age eq "42""#));
}

#[test]
fn booleans_compare_only_for_equality() {
    assert!(holds("active eq true"));
    assert!(holds("active ne false"));
    assert!(!holds(r#"active eq "true""#));
    let error = eval("active gt false").unwrap_err();
    assert_eq!(
        error.to_string(),
        "`gt` cannot order the boolean attribute `active`"
    );
    assert!(matches!(
        eval(r#"active co "t""#),
        Err(EvalError::OperatorNotSupported { .. })
    ));
    assert!(matches!(
        eval("photoBytes lt \"AAAA\""),
        Err(EvalError::OperatorNotSupported { .. })
    ));
    assert!(matches!(
        eval("nickName gt true"),
        Err(EvalError::ValueNotSupported { .. })
    ));
}

#[test]
fn validate_rejects_a_bad_filter_without_any_data() {
    let filter = parse_filter(r#"userName eq "x" and active ge true"#).unwrap();
    assert!(matches!(
        validate(&filter, &schema()),
        Err(EvalError::OperatorNotSupported { .. })
    ));
    let fine = parse_filter(r#"userName eq "x" and emails[primary eq true]"#).unwrap();
    assert_eq!(validate(&fine, &schema()), Ok(()));
    let inner = parse_filter(r#"emails[primary gt false]"#).unwrap();
    assert!(validate(&inner, &schema()).is_err());
}

#[test]
fn date_times_compare_chronologically_across_offsets() {
    // lastModified is 2011-05-13T04:42:34Z written with a +02:00 offset.
    assert!(holds(r#"meta.lastModified eq "2011-05-13T04:42:34Z""#));
    assert!(holds(r#"meta.lastModified ge "2011-05-13T04:42:34Z""#));
    assert!(!holds(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#));
    assert!(holds(r#"meta.lastModified gt "2011-05-13T04:42:33.999Z""#));
    assert!(holds(r#"meta.created lt "2011-01-01T00:00:00""#));
    assert!(holds(r#"meta.created sw "2010-01""#));
    assert_eq!(
        eval(r#"meta.created gt "yesterday""#),
        Err(EvalError::InvalidDateTime {
            attribute: "meta.created".to_string(),
            value: "yesterday".to_string()
        })
    );
}

#[test]
fn present_means_a_non_empty_value() {
    assert!(holds("userName pr"));
    assert!(!holds("title pr"));
    assert!(!holds("nothing pr"));
    assert!(holds("emails pr"));
    assert!(holds("name pr"));
    let empty = json!({"emails": [], "name": {"givenName": null}, "title": null, "phones": [{}]});
    let schema = schema();
    for filter in [
        "emails pr",
        "name pr",
        "title pr",
        "phones pr",
        "name.givenName pr",
    ] {
        let parsed = parse_filter(filter).unwrap();
        assert!(!matches(&parsed, &empty, &schema).unwrap(), "{filter}");
    }
}

#[test]
fn eq_null_matches_absent_null_and_empty() {
    assert!(holds("nothing eq null"));
    assert!(holds("title eq null"));
    assert!(!holds("userName eq null"));
    assert!(holds("userName ne null"));
    assert!(matches!(
        eval("userName gt null"),
        Err(EvalError::ValueNotSupported { .. })
    ));
}

#[test]
fn ne_matches_an_absent_attribute() {
    assert!(holds(r#"nothing ne "x""#));
    let no_emails = json!({"emails": []});
    let filter = parse_filter(r#"emails.value ne "x""#).unwrap();
    assert!(matches(&filter, &no_emails, &schema()).unwrap());
    assert!(!holds(r#"userName ne "BJENSEN""#));
}

#[test]
fn extension_attributes_are_found_with_or_without_their_urn() {
    assert!(holds(&format!(
        r#"{ENTERPRISE}:employeeNumber eq "701984""#
    )));
    assert!(holds(r#"employeeNumber eq "701984""#));
    assert!(holds(&format!(
        r#"{ENTERPRISE}:manager.value eq "26118915""#
    )));
    assert!(holds(&format!(r#"{ENTERPRISE}:manager eq "26118915""#)));
    assert!(holds(&format!(
        r#"{ENTERPRISE}:manager.displayName eq "JOHN SMITH""#
    )));
    assert!(!holds(&format!(r#"{ENTERPRISE}:userName eq "bjensen""#)));
    // A sub-attribute the schema does not define is still looked for in the extension.
    assert!(holds(r#"manager.location eq "PARIS""#));
}

#[test]
fn logical_operators_combine_as_expected() {
    assert!(holds(r#"userName eq "x" or active eq true"#));
    assert!(!holds(r#"userName eq "x" and active eq true"#));
    assert!(holds(r#"not (userName eq "x")"#));
    assert!(holds(
        r#"userName eq "x" or age eq 1 or (emails.type eq "home" and not (title pr))"#
    ));
}

#[test]
fn an_element_filter_uses_the_sub_attribute_definitions() {
    let emails = schema().core.attribute("emails").cloned().unwrap();
    let filter = parse_filter(r#"value eq "BABS@EXAMPLE.COM" and type eq "home""#).unwrap();
    let element = json!({"value": "babs@example.com", "type": "home"});
    assert!(matches_element(&filter, &element, &emails).unwrap());
    let ordering = parse_filter("primary gt false").unwrap();
    assert!(matches_element(&ordering, &element, &emails).is_err());
}

/// The same rules hold with the built-in RFC 7643 User schema, whose common attributes
/// (`id`, `externalId`, `meta`) come from RFC 7643 §3.1 rather than the schema's listing.
#[test]
fn the_built_in_user_schema_types_common_and_extension_attributes() {
    let schema = ResourceSchema::user();
    let user = bjensen();
    let holds_for_user = |filter: &str| {
        let parsed = parse_filter(filter).unwrap_or_else(|e| panic!("{e}"));
        matches(&parsed, &user, &schema).unwrap_or_else(|e| panic!("`{filter}`: {e}"))
    };
    assert!(holds_for_user(r#"userName eq "BJENSEN""#));
    assert!(!holds_for_user(
        r#"id eq "2819C223-7F76-453A-919D-413861904646""#
    ));
    assert!(!holds_for_user(r#"externalId eq "BJENSEN-EXT""#));
    assert!(holds_for_user(
        r#"meta.lastModified eq "2011-05-13T04:42:34Z""#
    ));
    assert!(holds_for_user(
        r#"emails[type eq "home" and value ew ".COM"]"#
    ));
    assert!(holds_for_user(&format!(
        r#"{ENTERPRISE}:manager.value eq "26118915""#
    )));
    let ordering = parse_filter("active gt false").unwrap();
    assert!(validate(&ordering, &schema).is_err());
}
