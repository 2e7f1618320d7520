//! What distinguishes users, groups and other resource types for the commands: one
//! descriptor (endpoint, schemas, table columns, lookup keys) drives one generic
//! implementation in `resources.rs`. A descriptor only; it sends nothing.

use serde_json::{Value, json};

use crate::output::Column;
use crate::scim::dialect::Dialect;
use crate::scim::model::{GROUP_SCHEMA, USER_SCHEMA};
use crate::scim::schema::{ResourceSchema, ResourceType};
use crate::text::one_line;

/// Which family a resource type belongs to, for the few things an IdP shapes differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    User,
    Group,
    Other,
}

/// A resource type as the commands see it.
#[derive(Debug, Clone)]
pub struct Kind {
    /// The singular name used in messages (`User`).
    pub name: String,
    /// The endpoint below the base URL (`/Users`).
    pub endpoint: String,
    /// The core schema URN, put in `schemas` of bodies built from flags.
    pub core_schema: String,
    pub family: Family,
    /// The RFC's schemas for User and Group, used without discovery; `None` for other types.
    pub builtin_schema: Option<ResourceSchema>,
}

impl Kind {
    /// `/Users`.
    pub fn users() -> Kind {
        Kind {
            name: "User".to_owned(),
            endpoint: "/Users".to_owned(),
            core_schema: USER_SCHEMA.to_owned(),
            family: Family::User,
            builtin_schema: Some(ResourceSchema::user()),
        }
    }

    /// `/Groups`.
    pub fn groups() -> Kind {
        Kind {
            name: "Group".to_owned(),
            endpoint: "/Groups".to_owned(),
            core_schema: GROUP_SCHEMA.to_owned(),
            family: Family::Group,
            builtin_schema: Some(ResourceSchema::group()),
        }
    }

    /// A resource type from /ResourceTypes (User and Group keep their own columns).
    pub fn from_resource_type(resource_type: &ResourceType) -> Kind {
        let family = if resource_type.schema.eq_ignore_ascii_case(USER_SCHEMA) {
            Family::User
        } else if resource_type.schema.eq_ignore_ascii_case(GROUP_SCHEMA) {
            Family::Group
        } else {
            Family::Other
        };
        let builtin_schema = match family {
            Family::User => Some(ResourceSchema::user()),
            Family::Group => Some(ResourceSchema::group()),
            Family::Other => None,
        };
        Kind {
            // The name appears in messages; it comes from the server.
            name: one_line(&resource_type.name),
            endpoint: resource_type.endpoint.clone(),
            core_schema: resource_type.schema.clone(),
            family,
            builtin_schema,
        }
    }

    /// The default table and CSV columns of resources read with `attributes`; `wide` adds
    /// `externalId` and the last modification time (`--wide`).
    ///
    /// A group's member count is a column only when `attributes` names `members`: the server
    /// then returns every member it holds (RFC 7644 §3.4.2.5), so the count is read. Otherwise
    /// members were excluded (as `groups list` asks) or may be left out by the server, and a
    /// count would be a 0 that nobody read.
    pub fn columns(&self, attributes: &[String], wide: bool) -> Vec<Column> {
        let path = |path: &str| Column::path(path).ok();
        let members_read = attributes.iter().any(|path| names_members(path));
        let mut columns = match self.family {
            Family::User => vec![
                path("id"),
                path("userName"),
                Some(Column::person_name("name")),
                Some(Column::primary_value("email", "emails")),
                path("active"),
            ],
            Family::Group => vec![
                path("id"),
                path("displayName"),
                members_read
                    .then(|| Column::count("members", "members").ok())
                    .flatten(),
            ],
            Family::Other => vec![path("id"), path("externalId"), path("displayName")],
        };
        if wide {
            if self.family != Family::Other {
                columns.push(path("externalId"));
            }
            columns.push(Column::titled("lastModified", "meta.lastModified").ok());
        }
        columns.into_iter().flatten().collect()
    }

    /// The start of a body built from flags: just its core schema.
    pub fn body_skeleton(&self) -> Value {
        json!({ "schemas": [self.core_schema] })
    }

    /// A create body as the dialect's IdP sends it.
    pub fn shape_create(&self, dialect: Dialect, body: &Value) -> Value {
        match self.family {
            Family::User => dialect.create_user_body(body),
            Family::Group => dialect.create_group_body(body),
            Family::Other => body.clone(),
        }
    }

    /// The schemas used to read output columns without discovery.
    pub fn display_schema(&self) -> ResourceSchema {
        self.builtin_schema
            .clone()
            .unwrap_or_else(ResourceSchema::user)
    }
}

/// Whether an attribute path names a group's `members` (or one of its sub-attributes), with
/// or without the Group schema's URN.
pub fn names_members(path: &str) -> bool {
    let name = path.trim().rsplit(':').next().unwrap_or_default();
    name.split(['.', '['])
        .next()
        .is_some_and(|name| name.eq_ignore_ascii_case("members"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(kind: Kind, attributes: &[&str], wide: bool) -> Vec<String> {
        let attributes: Vec<String> = attributes.iter().map(|a| (*a).to_owned()).collect();
        kind.columns(&attributes, wide)
            .into_iter()
            .map(|c| c.header)
            .collect()
    }

    #[test]
    fn users_and_groups_have_their_columns() {
        assert_eq!(
            headers(Kind::users(), &[], false),
            ["id", "userName", "name", "email", "active"]
        );
        assert_eq!(
            headers(Kind::users(), &[], true),
            [
                "id",
                "userName",
                "name",
                "email",
                "active",
                "externalId",
                "lastModified"
            ]
        );
        assert_eq!(headers(Kind::groups(), &[], false), ["id", "displayName"]);
    }

    #[test]
    fn a_member_count_is_a_column_only_when_members_were_asked_for_by_name() {
        assert_eq!(
            headers(Kind::groups(), &["displayName", "members"], false),
            ["id", "displayName", "members"]
        );
        assert_eq!(
            headers(
                Kind::groups(),
                &["urn:ietf:params:scim:schemas:core:2.0:Group:members.value"],
                true
            ),
            ["id", "displayName", "members", "externalId", "lastModified"]
        );
        assert_eq!(
            headers(Kind::groups(), &["displayName"], false),
            ["id", "displayName"]
        );
        assert!(names_members("Members[type eq \"User\"]"));
        assert!(!names_members("membership"));
    }

    #[test]
    fn a_listed_user_type_behaves_like_users() {
        let resource_type = ResourceType {
            id: "User".into(),
            name: "User".into(),
            description: String::new(),
            endpoint: "/Users".into(),
            schema: USER_SCHEMA.into(),
            schema_extensions: Vec::new(),
        };
        assert_eq!(
            Kind::from_resource_type(&resource_type).family,
            Family::User
        );
    }
}
