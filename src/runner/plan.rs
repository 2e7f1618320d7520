//! Which checks a run selects and what it would do with each: run, run if advertised, or skip
//! and why. Pure: the discovery is passed in and nothing is sent.

use super::RunOptions;
use super::discovery::Discovery;
use crate::suite::{Check, Requirement, Suite};

/// True when the tag and resource-type filters select the check; unselected checks are left
/// out of the outcome entirely, as a test filter would.
pub fn selected(check: &Check, options: &RunOptions) -> bool {
    let has_tag = |wanted: &[String]| {
        check
            .tags
            .iter()
            .any(|tag| wanted.iter().any(|w| w.eq_ignore_ascii_case(tag)))
    };
    if !options.only_tags.is_empty() && !has_tag(&options.only_tags) {
        return false;
    }
    if has_tag(&options.skip_tags) {
        return false;
    }
    if options.resource_types.is_empty() {
        return true;
    }
    check.requires.iter().all(|requirement| match requirement {
        Requirement::ResourceType(name)
        | Requirement::Attribute {
            resource_type: name,
            ..
        } => options
            .resource_types
            .iter()
            .any(|wanted| wanted.eq_ignore_ascii_case(name)),
        _ => true,
    })
}

/// What a run would do with a selected check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// It would run.
    Run,
    /// It would run if the server advertises these features and resource types; nobody asked
    /// the server.
    RunIfAdvertised(Vec<String>),
    /// It would be skipped, for this reason.
    Skip(String),
}

/// What a run would do with each selected check, suite by suite, in file order. `discovery` is
/// what the server advertises, or `None` when no server was asked: then what only the server
/// can say is named, not judged.
pub fn plan<'a>(
    suites: &'a [Suite],
    options: &RunOptions,
    discovery: Option<&Discovery>,
) -> Vec<(&'a Suite, Vec<(&'a Check, Plan)>)> {
    suites
        .iter()
        .map(|suite| {
            let checks = suite
                .checks
                .iter()
                .filter(|check| selected(check, options))
                .map(|check| (check, plan_check(check, options, discovery)))
                .collect();
            (suite, checks)
        })
        .collect()
}

/// Why a selected check must not run, if it must not.
pub(super) fn skip_reason(
    check: &Check,
    options: &RunOptions,
    discovery: &Discovery,
) -> Option<String> {
    match plan_check(check, options, Some(discovery)) {
        Plan::Skip(reason) => Some(reason),
        Plan::Run | Plan::RunIfAdvertised(_) => None,
    }
}

fn plan_check(check: &Check, options: &RunOptions, discovery: Option<&Discovery>) -> Plan {
    let mut unasked = Vec::new();
    for requirement in &check.requires {
        let missing = match (requirement, discovery) {
            (
                Requirement::Capability(name)
                | Requirement::ResourceType(name)
                | Requirement::Extension(name),
                None,
            ) => {
                unasked.push(name.clone());
                None
            }
            (
                Requirement::Attribute {
                    resource_type,
                    path,
                },
                None,
            ) => {
                unasked.push(format!("{resource_type}.{path}"));
                None
            }
            (Requirement::Capability(name), Some(discovery)) => missing_capability(name, discovery),
            (
                Requirement::Attribute {
                    resource_type,
                    path,
                },
                Some(discovery),
            ) => missing_attribute(resource_type, path, discovery),
            (Requirement::ResourceType(name), Some(discovery)) => {
                missing_resource_type(name, discovery)
            }
            (Requirement::Extension(urn), Some(discovery)) => missing_extension(urn, discovery),
            (Requirement::OktaFeature(feature), _) => unselected_okta_feature(feature, options),
        };
        if let Some(reason) = missing {
            return Plan::Skip(reason);
        }
    }
    if check.writes() && !options.allow_writes {
        return Plan::Skip(
            "writes data on the server; run with --allow-writes to include it".to_owned(),
        );
    }
    if unasked.is_empty() {
        Plan::Run
    } else {
        Plan::RunIfAdvertised(unasked)
    }
}

fn missing_capability(name: &str, discovery: &Discovery) -> Option<String> {
    let supported = discovery
        .capabilities
        .as_ref()
        .and_then(|caps| caps.get(name))
        .copied()
        .unwrap_or(false);
    let stated_instead = discovery.unshaped_capabilities.get(name);
    (!supported).then(|| match (&discovery.capabilities, stated_instead) {
        (Some(_), Some(bare)) => format!(
            "the server does not advertise `{name}` as RFC 7643 §5 defines it: its \
             ServiceProviderConfig says `\"{name}\": {bare}`, not an object with `supported`"
        ),
        (Some(_), None) => format!(
            "the server does not advertise `{name}` (ServiceProviderConfig {name}.supported is \
             not true)"
        ),
        (None, _) => format!("needs `{name}`, and the ServiceProviderConfig could not be read"),
    })
}

fn missing_extension(urn: &str, discovery: &Discovery) -> Option<String> {
    let extensions = discovery.extensions.as_ref()?;
    (!extensions.iter().any(|e| e.eq_ignore_ascii_case(urn))).then(|| match discovery.resource_types {
        Some(_) => format!(
            "no resource type lists the schema extension `{urn}` (/ResourceTypes schemaExtensions)"
        ),
        None => format!(
            "/ResourceTypes could not be read, and /Schemas does not define the schema extension \
             `{urn}`"
        ),
    })
}

fn missing_resource_type(name: &str, discovery: &Discovery) -> Option<String> {
    let types = discovery.resource_types.as_ref()?;
    (!types.iter().any(|t| t.eq_ignore_ascii_case(name)))
        .then(|| format!("the server has no `{name}` resource type (/ResourceTypes)"))
}

/// Why a check that exercises an optional attribute must skip: the server's `/Schemas` says
/// it does not store the attribute, or stores it read-only. Not judged when `/Schemas` (or
/// the resource type's schema in it) cannot be read.
fn missing_attribute(resource_type: &str, path: &str, discovery: &Discovery) -> Option<String> {
    let writable = discovery.writable_attributes(resource_type)?;
    (!writable
        .iter()
        .any(|listed| listed.eq_ignore_ascii_case(path)))
    .then(|| {
        format!(
            "the server's /Schemas does not list `{path}` as a writable attribute of \
             `{resource_type}`; RFC 7644 §3.1 lets a service provider support a subset of the \
             schema"
        )
    })
}

fn unselected_okta_feature(feature: &str, options: &RunOptions) -> Option<String> {
    let features = options.okta_features.as_ref()?;
    (!features.iter().any(|f| f.eq_ignore_ascii_case(feature)))
        .then(|| format!("tests the Okta feature `{feature}`, not selected by --okta-features"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::scim::model::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
    use crate::suite::parse_suite;

    /// A suite of one read-only check that needs `requirement`.
    fn suite_needing(requirement: &str) -> Suite {
        let text = format!(
            r#"
[suite]
name = "x"
title = "X"

[[check]]
id = "x.needs"
title = "Needs {requirement}"
rfc = "RFC 7643"
level = "MUST"
requires = ["{requirement}"]

[[check.step]]
method = "GET"
path = "/Users"
"#
        );
        parse_suite("x.toml", &text).expect("valid suite")
    }

    fn plan_with(extensions: Option<Vec<String>>) -> Plan {
        let suite = suite_needing("enterprise");
        let discovery = Discovery {
            capabilities: Some(HashMap::new()),
            resource_types: Some(vec!["User".to_owned()]),
            extensions,
            ..Discovery::default()
        };
        plan_check(&suite.checks[0], &RunOptions::default(), Some(&discovery))
    }

    const NEEDS_NICKNAME: &str = r#"
[suite]
name = "x"
title = "X"

[[check]]
id = "x.nickname"
title = "Needs a stored nickName"
rfc = "RFC 7643 §4.1.1"
level = "MUST"
requires = ["attribute:User.nickName", "attribute:User.name.givenName"]

[[check.step]]
method = "GET"
path = "/Users"
"#;

    fn plan_with_writable(user_attributes: Option<&[&str]>) -> Plan {
        let suite = parse_suite("x.toml", NEEDS_NICKNAME).expect("valid suite");
        let writable = user_attributes
            .map(|paths| {
                let paths = paths.iter().map(|p| (*p).to_owned()).collect();
                HashMap::from([("user".to_owned(), paths)])
            })
            .unwrap_or_default();
        let discovery = Discovery {
            capabilities: Some(HashMap::new()),
            resource_types: Some(vec!["User".to_owned()]),
            extensions: Some(Vec::new()),
            writable,
            ..Discovery::default()
        };
        plan_check(&suite.checks[0], &RunOptions::default(), Some(&discovery))
    }

    #[test]
    fn an_attribute_requirement_follows_the_writable_attributes_of_schemas() {
        assert_eq!(
            plan_with_writable(Some(&["NICKNAME", "name", "name.givenName"])),
            Plan::Run,
            "listed (names compare case-insensitively), sub-attribute included"
        );
        match plan_with_writable(Some(&["name", "name.givenName"])) {
            Plan::Skip(reason) => {
                assert!(reason.contains("`nickName`"), "{reason}");
                assert!(reason.contains("RFC 7644 §3.1"), "{reason}");
            }
            other => panic!("an unlisted attribute should skip, got {other:?}"),
        }
        match plan_with_writable(Some(&["nickName", "name"])) {
            Plan::Skip(reason) => assert!(reason.contains("`name.givenName`"), "{reason}"),
            other => panic!("an unlisted sub-attribute should skip, got {other:?}"),
        }
        assert_eq!(
            plan_with_writable(None),
            Plan::Run,
            "an unreadable /Schemas is not judged"
        );
    }

    #[test]
    fn an_attribute_requirement_is_named_when_no_server_was_asked() {
        let suite = parse_suite("x.toml", NEEDS_NICKNAME).expect("valid suite");
        assert_eq!(
            plan_check(&suite.checks[0], &RunOptions::default(), None),
            Plan::RunIfAdvertised(vec![
                "User.nickName".to_owned(),
                "User.name.givenName".to_owned()
            ])
        );
    }

    /// scim-server (Rust) says `"patch": true`: not advertised, and the skip says what the
    /// server wrote instead of claiming it said nothing.
    #[test]
    fn a_capability_stated_as_a_bare_value_is_skipped_naming_that_value() {
        let suite = suite_needing("patch");
        let plan = |unshaped: &[(&str, &str)]| {
            let discovery = Discovery {
                capabilities: Some(HashMap::from([("patch".to_owned(), false)])),
                unshaped_capabilities: unshaped
                    .iter()
                    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                    .collect(),
                ..Discovery::default()
            };
            plan_check(&suite.checks[0], &RunOptions::default(), Some(&discovery))
        };
        assert_eq!(
            plan(&[("patch", "true")]),
            Plan::Skip(
                "the server does not advertise `patch` as RFC 7643 §5 defines it: its \
                 ServiceProviderConfig says `\"patch\": true`, not an object with `supported`"
                    .to_owned()
            )
        );
        assert_eq!(
            plan(&[]),
            Plan::Skip(
                "the server does not advertise `patch` (ServiceProviderConfig patch.supported \
                 is not true)"
                    .to_owned()
            ),
            "a feature in the RFC's shape keeps the plain reason"
        );
    }

    #[test]
    fn an_extension_requirement_follows_the_resource_types_schema_extensions() {
        let listed = plan_with(Some(vec![ENTERPRISE_USER_SCHEMA.to_ascii_lowercase()]));
        assert_eq!(
            listed,
            Plan::Run,
            "listed (URNs compare case-insensitively)"
        );
        match plan_with(Some(Vec::new())) {
            Plan::Skip(reason) => assert!(reason.contains(ENTERPRISE_USER_SCHEMA), "{reason}"),
            other => panic!("not listed should skip, got {other:?}"),
        }
        assert_eq!(
            plan_with(None),
            Plan::Run,
            "unreadable /ResourceTypes is not judged"
        );
    }

    /// scim-server (Rust) serves no /ResourceTypes; its /Schemas still says it has no
    /// enterprise extension, so the checks that need it skip instead of failing the server.
    #[test]
    fn without_resource_types_an_extension_requirement_follows_schemas() {
        let suite = suite_needing("enterprise");
        let plan = |schema_ids: &[&str]| {
            let discovery = Discovery {
                capabilities: Some(HashMap::new()),
                resource_types: None,
                extensions: Some(schema_ids.iter().map(|id| (*id).to_owned()).collect()),
                ..Discovery::default()
            };
            plan_check(&suite.checks[0], &RunOptions::default(), Some(&discovery))
        };
        assert_eq!(
            plan(&[USER_SCHEMA, GROUP_SCHEMA]),
            Plan::Skip(format!(
                "/ResourceTypes could not be read, and /Schemas does not define the schema \
                 extension `{ENTERPRISE_USER_SCHEMA}`"
            ))
        );
        assert_eq!(plan(&[USER_SCHEMA, ENTERPRISE_USER_SCHEMA]), Plan::Run);
    }
}
