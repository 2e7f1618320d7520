//! Reading headers: the `--map` file's rules first, then aliases, SCIM paths and Entra's
//! `Label [property]`; only names, never cells' values (the slots type those).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::aliases::{aliases, normalise};
use super::*;

/// How a column's cells are read before they are typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct CellRule {
    /// Replacements applied to the whole cell first (`A` -> `true`), from the map file.
    pub(super) values: BTreeMap<String, String>,
    pub(super) transform: Transform,
    /// A boolean the header states the other way round (Entra's "Block sign in").
    pub(super) inverted: bool,
}

/// A transformation of a cell's text, from the map file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transform {
    #[default]
    None,
    Lowercase,
    Uppercase,
    Trim,
}

/// The `--map FILE.toml` file: renames, constants and transforms for what the built-in rules
/// do not cover.
///
/// ```toml
/// [columns]
/// "Emp ID" = "externalId"                        # a header read as another name or path
/// "Dept" = { path = "department", transform = "uppercase" }
/// "State" = { path = "active", values = { "A" = "true", "T" = "false" } }
/// "Notes" = "ignore"
///
/// [constants]                                    # the same value in every row
/// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization" = "Example Corp"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapFile {
    #[serde(default)]
    pub(super) columns: BTreeMap<String, ColumnRule>,
    #[serde(default)]
    pub(super) constants: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub(super) enum ColumnRule {
    Target(String),
    Detailed(DetailedRule),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DetailedRule {
    path: Option<String>,
    #[serde(default)]
    transform: Transform,
    #[serde(default)]
    values: BTreeMap<String, String>,
}

impl MapFile {
    /// Parses the TOML text of a map file.
    pub fn parse(text: &str) -> Result<MapFile, MappingError> {
        toml::from_str(text).map_err(|e| MappingError::MapFile(e.to_string().trim().to_owned()))
    }

    pub(super) fn rule_for(&self, header: &str) -> Option<&ColumnRule> {
        self.columns.get(header).or_else(|| {
            self.columns
                .iter()
                .find(|(name, _)| normalise(name) == normalise(header))
                .map(|(_, rule)| rule)
        })
    }
}

/// How a header was understood, before it gets a slot.
pub(super) enum Resolved {
    Path(String, CellRule),
    Link(Link, CellRule),
    Ignored,
}

impl CellRule {
    pub(super) fn apply(&self, text: &str) -> String {
        let text = self
            .values
            .get(text)
            .map_or(text, String::as_str)
            .to_owned();
        match self.transform {
            Transform::None => text,
            Transform::Lowercase => text.to_lowercase(),
            Transform::Uppercase => text.to_uppercase(),
            Transform::Trim => text.trim().to_owned(),
        }
    }
}

/// How one header is understood: the map file first, then aliases, SCIM paths and Entra's
/// `Label [property]`. `None` when nothing recognises it.
pub(super) fn resolve_header(
    kind: ImportKind,
    header: &str,
    schema: &ResourceSchema,
    map: Option<&MapFile>,
) -> Result<Option<Resolved>, MappingError> {
    let header = header.trim();
    if header.eq_ignore_ascii_case(ERROR_COLUMN) {
        return Ok(Some(Resolved::Ignored));
    }
    if let Some(rule) = map.and_then(|map| map.rule_for(header)) {
        let (target, cell_rule) = match rule {
            ColumnRule::Target(target) => (Some(target.as_str()), CellRule::default()),
            ColumnRule::Detailed(detailed) => (
                detailed.path.as_deref(),
                CellRule {
                    values: detailed.values.clone(),
                    transform: detailed.transform,
                    inverted: false,
                },
            ),
        };
        let target = target.unwrap_or(header);
        if target.eq_ignore_ascii_case("ignore") {
            return Ok(Some(Resolved::Ignored));
        }
        return match resolve_name(kind, target, schema) {
            Some(resolved) => Ok(Some(resolved.with_rule(cell_rule))),
            None => Err(MappingError::MapFile(format!(
                "column `{header}`: `{target}` is neither a SCIM attribute path nor a known name"
            ))),
        };
    }
    if let Some(resolved) = resolve_name(kind, header, schema) {
        return Ok(Some(resolved));
    }
    let Some((label, property)) = entra_header(header) else {
        return Ok(None);
    };
    Ok(
        resolve_name(kind, property, schema).map(|resolved| match resolved {
            Resolved::Path(path, mut rule) if path == "active" => {
                rule.inverted = label.to_lowercase().contains("block");
                Resolved::Path(path, rule)
            }
            other => other,
        }),
    )
}

impl Resolved {
    fn with_rule(self, rule: CellRule) -> Resolved {
        match self {
            Resolved::Path(path, _) => Resolved::Path(path, rule),
            Resolved::Link(link, _) => Resolved::Link(link, rule),
            Resolved::Ignored => Resolved::Ignored,
        }
    }
}

/// An alias, else a SCIM path the schema knows (or qualified with an extension URN).
pub(super) fn resolve_name(
    kind: ImportKind,
    name: &str,
    schema: &ResourceSchema,
) -> Option<Resolved> {
    match alias(kind, name) {
        Some(Target::Path(path)) => {
            return Some(Resolved::Path(path.to_owned(), CellRule::default()));
        }
        Some(Target::Link(link)) => return Some(Resolved::Link(link, CellRule::default())),
        None => {}
    }
    let path = parse_patch_path(name).ok()?;
    let attr = match &path {
        PatchPath::Attr(attr) => attr.clone(),
        PatchPath::Filtered { attr, sub, .. } => AttrPath {
            sub: sub.clone(),
            ..attr.clone()
        },
    };
    let known = schema.resolve(&attr).is_some()
        || attr
            .urn
            .as_deref()
            .is_some_and(|urn| !urn.eq_ignore_ascii_case(schema.core.id.as_str()));
    known.then(|| Resolved::Path(name.to_owned(), CellRule::default()))
}

/// `Label [property] Required` -> (`Label`, `property`), as in Entra's bulk-create template.
pub(super) fn entra_header(header: &str) -> Option<(&str, &str)> {
    let open = header.rfind('[')?;
    let close = open + header[open..].find(']')?;
    let property = header[open + 1..close].trim();
    (!property.is_empty()).then(|| (header[..open].trim(), property))
}

/// Known names close to `header`: aliases and the schema's attribute paths.
pub(super) fn suggestions(kind: ImportKind, header: &str, schema: &ResourceSchema) -> Vec<String> {
    let mut known: Vec<String> = aliases(kind)
        .iter()
        .map(|(spelling, _)| (*spelling).to_owned())
        .collect();
    for attribute in schema.core.attributes.iter() {
        known.push(attribute.name.clone());
        for sub in &attribute.sub_attributes {
            known.push(format!("{}.{}", attribute.name, sub.name));
        }
    }
    let wanted = entra_header(header).map_or(header, |(_, property)| property);
    closest_names(wanted, &known, normalise)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::mapping::tests::*;
    use serde_json::json;

    #[test]
    fn scim_paths_aliases_and_hr_spellings_find_their_attributes() {
        let mapping = users(&[
            "userName",
            "First Name",
            "last_name",
            "SURNAME_",
            r#"emails[type eq "work"].value"#,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        ]);
        // Two columns for the family name are one too many.
        assert_eq!(
            mapping.unwrap_err(),
            MappingError::Duplicate {
                first: "last_name".into(),
                second: "SURNAME_".into(),
                target: "name.familyName".into()
            }
        );
        let mapping = users(&[
            "login",
            "given_name",
            "Surname",
            "work email",
            "Mobile",
            "Job Title",
            "Dept",
            "Employee ID",
            "costCenter",
            "manager",
            "externalId",
            "Status",
            "groups",
            "name.middleName",
        ])
        .expect("every header is known");
        assert_eq!(
            paths(&mapping),
            [
                "userName",
                "name.givenName",
                "name.familyName",
                r#"emails[type eq "work"].value"#,
                r#"phoneNumbers[type eq "mobile"].value"#,
                "title",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
                "<manager>",
                "externalId",
                "active",
                "<groups>",
                "name.middleName",
            ]
        );
    }

    #[test]
    fn entra_bulk_template_headers_read_the_property_in_brackets() {
        let mapping = users(&[
            "Name [displayName] Required",
            "User name [userPrincipalName] Required",
            "Initial password [passwordProfile] Required",
            "Block sign in (Yes/No) [accountEnabled] Required",
            "First name [givenName]",
            "Last name [surname]",
            "Job title [jobTitle]",
            "Department [department]",
            "Mobile phone [mobile]",
        ])
        .expect("the template's headers are known");
        assert_eq!(
            paths(&mapping)[..4],
            ["displayName", "userName", "password", "active"]
        );
        let user = created(
            &mapping,
            &[
                "Chris Green",
                "chris@contoso.com",
                "Pa55word!",
                "No",
                "Chris",
                "Green",
                "Engineer",
                "R&D",
                "+1 555 0100",
            ],
        );
        assert_eq!(user["active"], true, "not blocked means active");
        assert_eq!(
            user["name"],
            json!({"givenName": "Chris", "familyName": "Green"})
        );
        assert_eq!(
            user["phoneNumbers"],
            json!([{"type": "mobile", "value": "+1 555 0100"}])
        );
        assert_eq!(user[ENTERPRISE]["department"], "R&D");
        let blocked = created(
            &mapping,
            &["x", "x@contoso.com", "p", "Yes", "", "", "", "", ""],
        );
        assert_eq!(blocked["active"], false);
    }

    #[test]
    fn unknown_columns_are_listed_together_with_the_closest_known_names() {
        let error = users(&["userName", "Frist Name", "Favourite colour", "emial"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown columns: `Frist Name` (did you mean `First Name`?), `Favourite colour`, \
             `emial` (did you mean `email`?)"
        );
        let ignored = Mapping::new(
            ImportKind::Users,
            &headers(&["userName", "Favourite colour"]),
            &ResourceSchema::user(),
            None,
            true,
        )
        .expect("--ignore-unknown");
        assert_eq!(paths(&ignored), ["userName", "<ignored>"]);
    }

    #[test]
    fn the_rejects_error_column_is_always_ignored() {
        let mapping = users(&["userName", ERROR_COLUMN]).expect("known");
        assert_eq!(paths(&mapping), ["userName", "<ignored>"]);
    }

    #[test]
    fn a_map_file_renames_transforms_ignores_and_adds_constants() {
        let map = MapFile::parse(
            r#"
            [columns]
            "Emp ID" = "externalId"
            "Dept" = { path = "department", transform = "uppercase" }
            "State" = { path = "active", values = { "A" = "true", "T" = "false" } }
            "Notes" = "ignore"

            [constants]
            organization = "Example Corp"
            "#,
        )
        .expect("valid");
        let mapping = Mapping::new(
            ImportKind::Users,
            &headers(&["userName", "emp id", "Dept", "State", "Notes"]),
            &ResourceSchema::user(),
            Some(&map),
            false,
        )
        .expect("mapped");
        let user = created(&mapping, &["b", "E1", "tour", "T", "anything"]);
        assert_eq!(user["externalId"], "E1");
        assert_eq!(user["active"], false);
        assert_eq!(
            user[ENTERPRISE],
            json!({"department": "TOUR", "organization": "Example Corp"})
        );
        let error = MapFile::parse("[columns]\nx = 3\n")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("the map file: "), "{error}");
        let error = MapFile::parse("[colums]\n").unwrap_err().to_string();
        assert!(error.contains("colums"), "{error}");
    }
}
