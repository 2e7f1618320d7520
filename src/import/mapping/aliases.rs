//! The names HR and directory exports give columns, and the standard columns of `--template`
//! and `export`: a table only, with no schema lookups (the headers module does those).

use super::*;

/// Where a name leads, before the schema is consulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Path(&'static str),
    Link(Link),
}

pub(super) const ENTERPRISE_DEPARTMENT: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
const ENTERPRISE_EMPLOYEE_NUMBER: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber";
const ENTERPRISE_COST_CENTER: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter";
const ENTERPRISE_ORGANIZATION: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization";
const ENTERPRISE_DIVISION: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division";
const WORK_EMAIL: &str = r#"emails[type eq "work"].value"#;
const HOME_EMAIL: &str = r#"emails[type eq "home"].value"#;
const WORK_PHONE: &str = r#"phoneNumbers[type eq "work"].value"#;
const MOBILE_PHONE: &str = r#"phoneNumbers[type eq "mobile"].value"#;

/// User aliases: the spelling shown in suggestions, and where it leads. Compared after
/// [`normalise`], so `First Name`, `first_name` and `FIRSTNAME` are one entry.
const USER_ALIASES: &[(&str, Target)] = &[
    ("userName", Target::Path("userName")),
    ("login", Target::Path("userName")),
    ("user name", Target::Path("userName")),
    ("user_name", Target::Path("userName")),
    ("loginName", Target::Path("userName")),
    ("userPrincipalName", Target::Path("userName")),
    ("upn", Target::Path("userName")),
    ("givenName", Target::Path("name.givenName")),
    ("First Name", Target::Path("name.givenName")),
    ("firstname", Target::Path("name.givenName")),
    ("given_name", Target::Path("name.givenName")),
    ("forename", Target::Path("name.givenName")),
    ("familyName", Target::Path("name.familyName")),
    ("Last Name", Target::Path("name.familyName")),
    ("surname", Target::Path("name.familyName")),
    ("family_name", Target::Path("name.familyName")),
    ("sn", Target::Path("name.familyName")),
    ("middleName", Target::Path("name.middleName")),
    ("Middle Name", Target::Path("name.middleName")),
    ("formatted", Target::Path("name.formatted")),
    ("Full Name", Target::Path("name.formatted")),
    ("honorificPrefix", Target::Path("name.honorificPrefix")),
    ("honorificSuffix", Target::Path("name.honorificSuffix")),
    ("displayName", Target::Path("displayName")),
    ("Display Name", Target::Path("displayName")),
    ("name", Target::Path("displayName")),
    ("nickName", Target::Path("nickName")),
    ("email", Target::Path(WORK_EMAIL)),
    ("mail", Target::Path(WORK_EMAIL)),
    ("e-mail", Target::Path(WORK_EMAIL)),
    ("Email Address", Target::Path(WORK_EMAIL)),
    ("work email", Target::Path(WORK_EMAIL)),
    ("home email", Target::Path(HOME_EMAIL)),
    ("personal email", Target::Path(HOME_EMAIL)),
    ("phone", Target::Path(WORK_PHONE)),
    ("phoneNumber", Target::Path(WORK_PHONE)),
    ("work phone", Target::Path(WORK_PHONE)),
    ("office phone", Target::Path(WORK_PHONE)),
    ("telephone", Target::Path(WORK_PHONE)),
    ("telephoneNumber", Target::Path(WORK_PHONE)),
    ("businessPhone", Target::Path(WORK_PHONE)),
    ("mobile", Target::Path(MOBILE_PHONE)),
    ("mobile phone", Target::Path(MOBILE_PHONE)),
    ("cell", Target::Path(MOBILE_PHONE)),
    ("cell phone", Target::Path(MOBILE_PHONE)),
    ("title", Target::Path("title")),
    ("job title", Target::Path("title")),
    ("position", Target::Path("title")),
    ("userType", Target::Path("userType")),
    ("employee type", Target::Path("userType")),
    ("preferredLanguage", Target::Path("preferredLanguage")),
    ("language", Target::Path("preferredLanguage")),
    ("locale", Target::Path("locale")),
    ("timezone", Target::Path("timezone")),
    ("time zone", Target::Path("timezone")),
    ("profileUrl", Target::Path("profileUrl")),
    ("password", Target::Path("password")),
    ("initial password", Target::Path("password")),
    ("passwordProfile", Target::Path("password")),
    ("externalId", Target::Path("externalId")),
    ("external_id", Target::Path("externalId")),
    ("active", Target::Path("active")),
    ("enabled", Target::Path("active")),
    ("status", Target::Path("active")),
    ("is active", Target::Path("active")),
    ("accountEnabled", Target::Path("active")),
    (
        "streetAddress",
        Target::Path(r#"addresses[type eq "work"].streetAddress"#),
    ),
    (
        "street",
        Target::Path(r#"addresses[type eq "work"].streetAddress"#),
    ),
    (
        "city",
        Target::Path(r#"addresses[type eq "work"].locality"#),
    ),
    (
        "locality",
        Target::Path(r#"addresses[type eq "work"].locality"#),
    ),
    ("state", Target::Path(r#"addresses[type eq "work"].region"#)),
    (
        "region",
        Target::Path(r#"addresses[type eq "work"].region"#),
    ),
    (
        "province",
        Target::Path(r#"addresses[type eq "work"].region"#),
    ),
    (
        "postalCode",
        Target::Path(r#"addresses[type eq "work"].postalCode"#),
    ),
    (
        "zip",
        Target::Path(r#"addresses[type eq "work"].postalCode"#),
    ),
    (
        "zip code",
        Target::Path(r#"addresses[type eq "work"].postalCode"#),
    ),
    (
        "postcode",
        Target::Path(r#"addresses[type eq "work"].postalCode"#),
    ),
    (
        "country",
        Target::Path(r#"addresses[type eq "work"].country"#),
    ),
    ("department", Target::Path(ENTERPRISE_DEPARTMENT)),
    ("dept", Target::Path(ENTERPRISE_DEPARTMENT)),
    ("employeeNumber", Target::Path(ENTERPRISE_EMPLOYEE_NUMBER)),
    ("employee id", Target::Path(ENTERPRISE_EMPLOYEE_NUMBER)),
    ("employee no", Target::Path(ENTERPRISE_EMPLOYEE_NUMBER)),
    ("staff id", Target::Path(ENTERPRISE_EMPLOYEE_NUMBER)),
    ("costCenter", Target::Path(ENTERPRISE_COST_CENTER)),
    ("cost centre", Target::Path(ENTERPRISE_COST_CENTER)),
    ("organization", Target::Path(ENTERPRISE_ORGANIZATION)),
    ("organisation", Target::Path(ENTERPRISE_ORGANIZATION)),
    ("company", Target::Path(ENTERPRISE_ORGANIZATION)),
    ("company name", Target::Path(ENTERPRISE_ORGANIZATION)),
    ("division", Target::Path(ENTERPRISE_DIVISION)),
    ("manager", Target::Link(Link::Manager)),
    ("manager userName", Target::Link(Link::Manager)),
    ("manager login", Target::Link(Link::Manager)),
    ("groups", Target::Link(Link::Groups)),
    ("group", Target::Link(Link::Groups)),
    ("memberOf", Target::Link(Link::Groups)),
];

/// Group aliases.
const GROUP_ALIASES: &[(&str, Target)] = &[
    ("displayName", Target::Path("displayName")),
    ("Display Name", Target::Path("displayName")),
    ("name", Target::Path("displayName")),
    ("group", Target::Path("displayName")),
    ("group name", Target::Path("displayName")),
    ("externalId", Target::Path("externalId")),
    ("external_id", Target::Path("externalId")),
    ("members", Target::Link(Link::Members)),
    ("member", Target::Link(Link::Members)),
    ("users", Target::Link(Link::Members)),
];

/// The headers of `--template` and of `export`'s CSV, in order, each with where it leads.
pub fn standard_columns(kind: ImportKind) -> Vec<(&'static str, StandardColumn)> {
    let path = StandardColumn::Path;
    match kind {
        ImportKind::Users => vec![
            ("userName", path("userName")),
            ("externalId", path("externalId")),
            ("givenName", path("name.givenName")),
            ("familyName", path("name.familyName")),
            ("displayName", path("displayName")),
            ("email", path(WORK_EMAIL)),
            ("phone", path(WORK_PHONE)),
            ("mobile", path(MOBILE_PHONE)),
            ("title", path("title")),
            ("department", path(ENTERPRISE_DEPARTMENT)),
            ("employeeNumber", path(ENTERPRISE_EMPLOYEE_NUMBER)),
            ("costCenter", path(ENTERPRISE_COST_CENTER)),
            ("manager", StandardColumn::Link(Link::Manager)),
            ("active", path("active")),
            ("groups", StandardColumn::Link(Link::Groups)),
        ],
        ImportKind::Groups => vec![
            ("displayName", path("displayName")),
            ("externalId", path("externalId")),
            ("members", StandardColumn::Link(Link::Members)),
        ],
    }
}

/// What a standard column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StandardColumn {
    /// The values at this SCIM path.
    Path(&'static str),
    /// Names of other resources.
    Link(Link),
}

/// The header row `--template` prints.
pub fn template(kind: ImportKind) -> Vec<&'static str> {
    standard_columns(kind)
        .into_iter()
        .map(|(header, _)| header)
        .collect()
}

/// A name compared without case, spaces, `_`, `-` and `.`.
pub(super) fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

pub(super) fn aliases(kind: ImportKind) -> &'static [(&'static str, Target)] {
    match kind {
        ImportKind::Users => USER_ALIASES,
        ImportKind::Groups => GROUP_ALIASES,
    }
}

pub(super) fn alias(kind: ImportKind, name: &str) -> Option<Target> {
    let wanted = normalise(name);
    aliases(kind)
        .iter()
        .find(|(spelling, _)| normalise(spelling) == wanted)
        .map(|(_, target)| *target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_reads_back_as_the_standard_columns() {
        for kind in [ImportKind::Users, ImportKind::Groups] {
            let names: Vec<String> = template(kind).into_iter().map(str::to_owned).collect();
            let mapping = Mapping::new(kind, &names, &kind.builtin_schema(), None, false)
                .expect("the template maps");
            assert_eq!(mapping.columns.len(), names.len());
        }
    }
}
