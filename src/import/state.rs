//! Reading what the server holds, for the plan: the whole list, page by page, when the file is
//! large (one request per page instead of one per row), and lookups by key when it is small.
//! Names in link columns (managers, groups, members) are resolved the same way. It only reads:
//! nothing here writes to the server.
//!
//! Only what the plan needs is asked for (`attributes=`); a server that refuses the projection
//! with 400 is asked again without it.

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;

use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use crate::client::ops::{ListQuery, equals_filter};
use crate::client::{ClientError, PagingSummary, ScimClient};
use crate::import::mapping::{ImportKind, Link, Mapping};
use crate::import::plan::MatchKey;
use crate::scim::model::ENTERPRISE_USER_SCHEMA;
use crate::scim::resource::get_ci;

/// Files with at most this many keys are looked up key by key; larger ones read the list.
pub const LOOKUP_LIMIT: usize = 100;

/// Resources asked for per page.
pub const PAGE_SIZE: u64 = 1000;

/// Lookups in flight at most.
const LOOKUPS_IN_FLIGHT: usize = 8;

/// The attributes the plan reads from each resource (`id` named too: some servers drop it from
/// a projection that does not name it).
pub fn projection(mapping: &Mapping, key: MatchKey) -> Vec<String> {
    let mut attributes: Vec<String> = vec!["id".to_owned()];
    let mut add = |name: String| {
        if !attributes.iter().any(|a| a.eq_ignore_ascii_case(&name)) {
            attributes.push(name);
        }
    };
    add(match key {
        MatchKey::Email => "emails".to_owned(),
        other => other.filter_attribute().to_owned(),
    });
    for slot in mapping.slots() {
        add(match slot.urn() {
            Some(urn) => format!("{urn}:{}", slot.name()),
            None => slot.name().to_owned(),
        });
    }
    match mapping.kind {
        ImportKind::Users => {
            add("active".to_owned());
            if mapping.link_column(Link::Manager).is_some() {
                add(format!("{ENTERPRISE_USER_SCHEMA}:manager"));
            }
        }
        ImportKind::Groups => {
            if mapping.link_column(Link::Members).is_some() {
                add("members".to_owned());
            }
        }
    }
    attributes
}

/// Every resource of `endpoint` (those `filter` selects), each handed to `on_resource`.
pub async fn read_all(
    client: &ScimClient,
    endpoint: &str,
    attributes: Vec<String>,
    filter: Option<String>,
    mut on_resource: impl FnMut(&Value),
) -> Result<PagingSummary, ClientError> {
    let mut query = ListQuery {
        filter,
        attributes,
        count: Some(PAGE_SIZE),
        ..ListQuery::default()
    };
    let mut handle = |page: &[Value]| {
        page.iter().for_each(&mut on_resource);
        ControlFlow::Continue(())
    };
    match client.list_all(endpoint, &query, &mut handle).await {
        Err(ClientError::Http(failure))
            if failure.status == 400 && !query.attributes.is_empty() =>
        {
            client.recorder().warning(&format!(
                "{}: the server refused `attributes=`; reading whole resources instead",
                failure.label
            ));
            query.attributes.clear();
            client.list_all(endpoint, &query, &mut handle).await
        }
        other => other,
    }
}

/// The resources `keys` (normalised key, key as written) find, looked up one by one, each
/// handed to `on_resource`.
pub async fn read_keys(
    client: &ScimClient,
    endpoint: &str,
    key: MatchKey,
    keys: &[(String, String)],
    mut on_resource: impl FnMut(&Value),
) -> Result<(), ClientError> {
    let mut found = stream::iter(keys)
        .map(|(normal, shown)| async move {
            let query = ListQuery {
                filter: Some(equals_filter(key.filter_attribute(), shown).to_string()),
                ..ListQuery::default()
            };
            client.list(endpoint, &query).await.map(|page| {
                page.resources
                    .into_iter()
                    .filter(|hit| key.resource_keys(hit).contains(normal))
                    .collect::<Vec<_>>()
            })
        })
        .buffer_unordered(LOOKUPS_IN_FLIGHT);
    while let Some(hits) = found.next().await {
        hits?.iter().for_each(&mut on_resource);
    }
    Ok(())
}

/// The ids of the resources whose `attribute` (compared without case) is each of `names`
/// (lower case): looked up one by one when they are few, else read from the whole list. A name
/// more than one resource has is left out of the map and listed in the second part of the
/// answer.
pub async fn resolve_names(
    client: &ScimClient,
    endpoint: &str,
    attribute: &str,
    names: &[String],
) -> Result<(HashMap<String, String>, Vec<String>), ClientError> {
    let wanted: HashSet<&str> = names.iter().map(String::as_str).collect();
    let mut found: HashMap<String, Vec<String>> = HashMap::new();
    let mut note = |resource: &Value| {
        let Some(object) = resource.as_object() else {
            return;
        };
        let (Some(Value::String(name)), Some(Value::String(id))) =
            (get_ci(object, attribute), get_ci(object, "id"))
        else {
            return;
        };
        let name = name.to_lowercase();
        if wanted.contains(name.as_str()) {
            let ids = found.entry(name).or_default();
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
    };
    if names.is_empty() {
        return Ok((HashMap::new(), Vec::new()));
    }
    if names.len() <= LOOKUP_LIMIT {
        let mut answers = stream::iter(names)
            .map(|name| async move {
                let query = ListQuery {
                    filter: Some(equals_filter(attribute, name).to_string()),
                    attributes: vec!["id".to_owned(), attribute.to_owned()],
                    ..ListQuery::default()
                };
                client.list(endpoint, &query).await
            })
            .buffer_unordered(LOOKUPS_IN_FLIGHT);
        while let Some(page) = answers.next().await {
            page?.resources.iter().for_each(&mut note);
        }
    } else {
        let attributes = vec!["id".to_owned(), attribute.to_owned()];
        read_all(client, endpoint, attributes, None, &mut note).await?;
    }
    let mut ambiguous = Vec::new();
    let mut unique = HashMap::new();
    for (name, mut ids) in found {
        if ids.len() == 1 {
            unique.insert(name, ids.pop().unwrap_or_default());
        } else {
            ambiguous.push(name);
        }
    }
    ambiguous.sort();
    Ok((unique, ambiguous))
}

/// The member ids of each group in `ids`, read one group at a time (`attributes=members`).
pub async fn members_of(
    client: &ScimClient,
    ids: &[String],
) -> Result<HashMap<String, Vec<String>>, ClientError> {
    let projection = crate::client::ops::Projection {
        attributes: vec!["members".to_owned()],
        excluded_attributes: Vec::new(),
    };
    let projection = &projection;
    let mut answers = stream::iter(ids)
        .map(|id| async move {
            let group = client.get("/Groups", id, projection).await?;
            Ok::<_, ClientError>((
                id.clone(),
                crate::import::plan::current_links(&group, ImportKind::Groups),
            ))
        })
        .buffer_unordered(LOOKUPS_IN_FLIGHT);
    let mut members = HashMap::new();
    while let Some(answer) = answers.next().await {
        let (id, ids) = answer?;
        members.insert(id, ids);
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schema::ResourceSchema;

    #[test]
    fn the_projection_names_what_the_plan_compares() {
        let headers: Vec<String> = ["userName", "givenName", "email", "department", "manager"]
            .iter()
            .map(|h| (*h).to_owned())
            .collect();
        let mapping = Mapping::new(
            ImportKind::Users,
            &headers,
            &ResourceSchema::user(),
            None,
            false,
        )
        .unwrap();
        assert_eq!(
            projection(&mapping, MatchKey::UserName),
            [
                "id",
                "userName",
                "name",
                "emails",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                "active",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            ]
        );
    }
}
