//! The RFC 7643 §8.7 schemas and §8.6 resource types, attribute for attribute as §8.7.1 lists
//! them (descriptions are our own words): data only, no lookups and no parsing.

use super::{
    AttrType, Attribute, Mutability, ResourceType, Returned, Schema, SchemaExtension, Uniqueness,
};
use crate::scim::model::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};

fn string(name: &str, description: &str) -> Attribute {
    Attribute::new(name, AttrType::String).with_description(description)
}

fn complex(name: &str, description: &str, subs: Vec<Attribute>) -> Attribute {
    Attribute::new(name, AttrType::Complex)
        .with_description(description)
        .with_sub_attributes(subs)
}

/// The `value`/`display`/`type`/`primary` shape of RFC 7643 §2.4 multi-valued attributes.
fn plural(name: &str, description: &str, value: Attribute, types: &[&str]) -> Attribute {
    let mut type_attr = string("type", "A label for the value's function.");
    if !types.is_empty() {
        type_attr = type_attr.with_canonical_values(types);
    }
    complex(
        name,
        description,
        vec![
            value,
            string("display", "A human-readable name, for display only."),
            type_attr,
            Attribute::new("primary", AttrType::Boolean)
                .with_description("Whether this is the preferred value; true at most once."),
        ],
    )
    .as_multi_valued()
}

pub(super) fn common_attribute_list() -> Vec<Attribute> {
    let meta_sub = |name: &str, attr_type: AttrType, description: &str| {
        Attribute::new(name, attr_type)
            .as_case_exact()
            .with_mutability(Mutability::ReadOnly)
            .with_description(description)
    };
    vec![
        string(
            "id",
            "The service provider's stable identifier for the resource.",
        )
        .as_case_exact()
        .with_mutability(Mutability::ReadOnly)
        .with_returned(Returned::Always)
        .with_uniqueness(Uniqueness::Server),
        string(
            "externalId",
            "The provisioning client's identifier for the resource.",
        )
        .as_case_exact(),
        complex(
            "meta",
            "Resource metadata maintained by the service provider.",
            vec![
                meta_sub(
                    "resourceType",
                    AttrType::String,
                    "The resource type's name.",
                ),
                meta_sub(
                    "created",
                    AttrType::DateTime,
                    "When the resource was added.",
                ),
                meta_sub(
                    "lastModified",
                    AttrType::DateTime,
                    "When the resource last changed.",
                ),
                meta_sub("location", AttrType::Reference, "The resource's URI.")
                    .with_reference_types(&["uri"]),
                meta_sub("version", AttrType::String, "The resource's entity tag."),
            ],
        )
        .with_mutability(Mutability::ReadOnly),
    ]
}

/// `urn:ietf:params:scim:schemas:core:2.0:User` (RFC 7643 §4.1, §8.7.1).
pub fn user_schema() -> Schema {
    let name_part = |name: &str, description: &str| string(name, description);
    Schema {
        id: USER_SCHEMA.to_owned(),
        name: "User".to_owned(),
        description: "User Account".to_owned(),
        attributes: vec![
            string("userName", "The unique identifier the user signs in with.")
                .as_required()
                .with_uniqueness(Uniqueness::Server),
            complex(
                "name",
                "The components of the user's real name.",
                vec![
                    name_part("formatted", "The full name, formatted for display."),
                    name_part("familyName", "The family (last) name."),
                    name_part("givenName", "The given (first) name."),
                    name_part("middleName", "The middle name(s)."),
                    name_part("honorificPrefix", "Honorific prefix, such as `Ms.`."),
                    name_part("honorificSuffix", "Honorific suffix, such as `III`."),
                ],
            ),
            string("displayName", "The name shown to end users."),
            string("nickName", "The casual name of the user."),
            Attribute::new("profileUrl", AttrType::Reference)
                .with_reference_types(&["external"])
                .with_description("A URI of the user's online profile."),
            string("title", "The user's title, such as `Vice President`."),
            string("userType", "The user's relationship to the organisation."),
            string(
                "preferredLanguage",
                "The preferred written or spoken language.",
            ),
            string("locale", "The default location for localised values."),
            string(
                "timezone",
                "The IANA time zone, such as `America/Los_Angeles`.",
            ),
            Attribute::new("active", AttrType::Boolean)
                .with_description("Whether the user is administratively active."),
            string("password", "The cleartext password; never returned.")
                .with_mutability(Mutability::WriteOnly)
                .with_returned(Returned::Never),
        ]
        .into_iter()
        .chain(user_multi_valued_attributes())
        .collect(),
    }
}

/// The User's multi-valued attributes (RFC 7643 §4.1.2), in the §8.7.1 order.
fn user_multi_valued_attributes() -> Vec<Attribute> {
    vec![
        plural(
            "emails",
            "Email addresses of the user.",
            string("value", "An email address."),
            &["work", "home", "other"],
        ),
        plural(
            "phoneNumbers",
            "Phone numbers of the user.",
            string("value", "A phone number."),
            &["work", "home", "mobile", "fax", "pager", "other"],
        ),
        plural(
            "ims",
            "Instant messaging addresses of the user.",
            string("value", "An instant messaging address."),
            &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
        ),
        plural(
            "photos",
            "URLs of images of the user.",
            Attribute::new("value", AttrType::Reference)
                .with_reference_types(&["external"])
                .with_description("The URL of a photo."),
            &["photo", "thumbnail"],
        ),
        complex(
            "addresses",
            "Physical mailing addresses of the user.",
            vec![
                string("formatted", "The full address, formatted for a label."),
                string("streetAddress", "The street address component."),
                string("locality", "The city or locality component."),
                string("region", "The state or region component."),
                string("postalCode", "The postal code component."),
                string("country", "The ISO 3166-1 alpha-2 country code."),
                string("type", "A label for the address's function.")
                    .with_canonical_values(&["work", "home", "other"]),
                Attribute::new("primary", AttrType::Boolean)
                    .with_description("Whether this is the preferred address."),
            ],
        )
        .as_multi_valued(),
        complex(
            "groups",
            "Groups the user belongs to; changed through the groups, never here.",
            vec![
                string("value", "The group's id.").with_mutability(Mutability::ReadOnly),
                // Groups only: RFC 7643 erratum 8471 corrects §8.7.1's ["User", "Group"].
                Attribute::new("$ref", AttrType::Reference)
                    .with_reference_types(&["Group"])
                    .with_mutability(Mutability::ReadOnly)
                    .with_description("The group's URI."),
                string("display", "The group's display name.")
                    .with_mutability(Mutability::ReadOnly),
                string("type", "Whether membership is direct or indirect.")
                    .with_canonical_values(&["direct", "indirect"])
                    .with_mutability(Mutability::ReadOnly),
            ],
        )
        .as_multi_valued()
        .with_mutability(Mutability::ReadOnly),
        plural(
            "entitlements",
            "Entitlements of the user.",
            string("value", "An entitlement."),
            &[],
        ),
        plural(
            "roles",
            "Roles of the user.",
            string("value", "A role."),
            &[],
        ),
        plural(
            "x509Certificates",
            "X.509 certificates of the user.",
            Attribute::new("value", AttrType::Binary)
                .with_description("A DER-encoded certificate, base64."),
            &[],
        ),
    ]
}

/// `urn:ietf:params:scim:schemas:core:2.0:Group` (RFC 7643 §4.2, §8.7.1).
///
/// `displayName` is required: §4.2 says REQUIRED, and erratum 5368 corrects the §8.7.1 listing,
/// which had `"required": false`.
pub fn group_schema() -> Schema {
    let member_sub = |attr: Attribute| attr.with_mutability(Mutability::Immutable);
    Schema {
        id: GROUP_SCHEMA.to_owned(),
        name: "Group".to_owned(),
        description: "Group".to_owned(),
        attributes: vec![
            string("displayName", "The name of the group.").as_required(),
            complex(
                "members",
                "The members of the group.",
                vec![
                    member_sub(string("value", "The member's id.")),
                    member_sub(
                        Attribute::new("$ref", AttrType::Reference)
                            .with_reference_types(&["User", "Group"])
                            .with_description("The member's URI."),
                    ),
                    string("display", "The member's display name."),
                    member_sub(
                        string("type", "Whether the member is a user or a group.")
                            .with_canonical_values(&["User", "Group"]),
                    ),
                ],
            )
            .as_multi_valued(),
        ],
    }
}

/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` (RFC 7643 §4.3, §8.7.1).
pub fn enterprise_user_schema() -> Schema {
    Schema {
        id: ENTERPRISE_USER_SCHEMA.to_owned(),
        name: "EnterpriseUser".to_owned(),
        description: "Enterprise User".to_owned(),
        attributes: vec![
            string("employeeNumber", "The identifier the organisation assigns."),
            string("costCenter", "The cost centre."),
            string("organization", "The organisation."),
            string("division", "The division."),
            string("department", "The department."),
            complex(
                "manager",
                "The user's manager.",
                vec![
                    string("value", "The manager's id."),
                    Attribute::new("$ref", AttrType::Reference)
                        .with_reference_types(&["User"])
                        .with_description("The manager's URI."),
                    string("displayName", "The manager's display name.")
                        .with_mutability(Mutability::ReadOnly),
                ],
            ),
        ],
    }
}

/// The `User` resource type (RFC 7643 §8.6) with the enterprise extension optional.
pub fn user_resource_type() -> ResourceType {
    ResourceType {
        id: "User".to_owned(),
        name: "User".to_owned(),
        description: "User Account".to_owned(),
        endpoint: "/Users".to_owned(),
        schema: USER_SCHEMA.to_owned(),
        schema_extensions: vec![SchemaExtension {
            schema: ENTERPRISE_USER_SCHEMA.to_owned(),
            required: false,
        }],
    }
}

/// The `Group` resource type (RFC 7643 §8.6).
pub fn group_resource_type() -> ResourceType {
    ResourceType {
        id: "Group".to_owned(),
        name: "Group".to_owned(),
        description: "Group".to_owned(),
        endpoint: "/Groups".to_owned(),
        schema: GROUP_SCHEMA.to_owned(),
        schema_extensions: Vec::new(),
    }
}
