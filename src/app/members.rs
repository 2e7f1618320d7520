//! `groups members`, `groups add-member` and `groups remove-member`, each change verified by
//! reading the members before and after; it never trusts a write's answer alone.
//!
//! The count change is printed, and a warning names what differs from what was asked. Servers
//! that wipe the whole group on a filtered remove, or replace the list on `add`, are caught
//! here (keycloak/keycloak#52752, simpleidserver/SimpleIdServer#164).

use std::collections::BTreeSet;

use serde_json::Value;

use super::input::usage;
use super::kind::Kind;
use super::resources::{Target, read};
use super::session::Session;
use crate::cli::resources::{MemberArgs, MemberKey};
use crate::client::ops::Projection;
use crate::output::Column;
use crate::scim::resource::get_ci;
use crate::text::one_line;

/// Only the members, when reading a group for its membership.
fn members_projection() -> Projection {
    Projection {
        attributes: vec!["members".to_owned()],
        excluded_attributes: Vec::new(),
    }
}

/// The member elements of a group.
fn members_of(group: &Value) -> Vec<Value> {
    group
        .as_object()
        .and_then(|map| get_ci(map, "members"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The ids of a group's members.
fn member_ids(group: &Value) -> BTreeSet<String> {
    members_of(group)
        .iter()
        .filter_map(|member| member.as_object().and_then(|m| get_ci(m, "value")))
        .map(|value| match value {
            Value::String(id) => id.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// `groups members GROUP`: one row per member.
pub async fn list(session: &mut Session, kind: &Kind, group_id: &str) -> anyhow::Result<()> {
    let group = read(
        session,
        kind,
        &Target::Id(group_id.to_owned()),
        &members_projection(),
    )
    .await?;
    let columns = ["value", "display", "type"]
        .iter()
        .filter_map(|path| Column::path(path).ok())
        .collect();
    let mut printer = session.printer(columns, kind.display_schema())?;
    let mut listing = printer.list();
    listing.page(&members_of(&group))?;
    listing.finish()?;
    Ok(())
}

/// `groups add-member` (`adding`) and `groups remove-member`.
pub async fn change(
    session: &mut Session,
    kind: &Kind,
    args: MemberArgs,
    adding: bool,
) -> anyhow::Result<()> {
    let users = resolve_users(session, &args).await?;
    let group_target = Target::Id(args.group.clone());
    let before = read(session, kind, &group_target, &members_projection()).await?;
    let before_ids = member_ids(&before);
    let body = if adding {
        let members: Vec<(&str, Option<&str>)> = users
            .iter()
            .map(|(id, display)| (id.as_str(), display.as_deref()))
            .collect();
        session.dialect.add_members(&members)
    } else {
        let ids: Vec<&str> = users.iter().map(|(id, _)| id.as_str()).collect();
        session.dialect.remove_members(&ids)
    };
    session
        .client
        .patch(&kind.endpoint, &args.group, &body)
        .await?;
    let after = read(session, kind, &group_target, &members_projection()).await?;
    let after_ids = member_ids(&after);
    let asked: BTreeSet<String> = users.into_iter().map(|(id, _)| id).collect();
    let expected: BTreeSet<String> = if adding {
        before_ids.union(&asked).cloned().collect()
    } else {
        before_ids.difference(&asked).cloned().collect()
    };
    session.note(&format!(
        "members of {} {}: {} -> {}",
        kind.name,
        args.group,
        before_ids.len(),
        after_ids.len()
    ));
    if let Some(warning) = membership_surprise(&expected, &after_ids) {
        session.client.recorder().warning(&format!(
            "{warning} (expected {} member(s), found {})",
            expected.len(),
            after_ids.len()
        ));
    }
    let columns = kind.columns(&members_projection().attributes, session.global.wide);
    let mut printer = session.printer(columns, kind.display_schema())?;
    printer.resource(&after, session.last_body().as_deref())?;
    Ok(())
}

/// What differs between the members expected after a change and those found, if anything
/// (ids from the server escaped for the terminal).
fn membership_surprise(expected: &BTreeSet<String>, found: &BTreeSet<String>) -> Option<String> {
    let missing: Vec<String> = expected.difference(found).map(|id| one_line(id)).collect();
    let extra: Vec<String> = found.difference(expected).map(|id| one_line(id)).collect();
    match (missing.is_empty(), extra.is_empty()) {
        (true, true) => None,
        (false, true) => Some(format!(
            "the server's group lacks {} member(s) it should have: {}",
            missing.len(),
            missing.join(", ")
        )),
        (true, false) => Some(format!(
            "the server's group has {} member(s) it should not: {}",
            extra.len(),
            extra.join(", ")
        )),
        (false, false) => Some(format!(
            "the server's members differ from what was asked: missing {}, unexpected {}",
            missing.join(", "),
            extra.join(", ")
        )),
    }
}

/// The users named on the command line as (id, display): ids as given, or userNames looked
/// up one by one (exactly one match each).
async fn resolve_users(
    session: &Session,
    args: &MemberArgs,
) -> anyhow::Result<Vec<(String, Option<String>)>> {
    let users = Kind::users();
    let mut resolved = Vec::with_capacity(args.users.len());
    for name in &args.users {
        match args.by {
            MemberKey::Id => resolved.push((name.clone(), None)),
            MemberKey::UserName => {
                let target = Target::Lookup {
                    attribute: "userName",
                    value: name.clone(),
                };
                let user = read(session, &users, &target, &Projection::default()).await?;
                let id = super::resources::id_of(&user)
                    .ok_or_else(|| usage(format!("the user `{name}` has no id")))?;
                resolved.push((id, Some(name.clone())));
            }
        }
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|id| (*id).to_owned()).collect()
    }

    #[test]
    fn a_change_as_asked_is_no_surprise() {
        assert_eq!(
            membership_surprise(&set(&["a", "b"]), &set(&["a", "b"])),
            None
        );
    }

    #[test]
    fn a_removal_that_emptied_the_group_is_named() {
        let warning = membership_surprise(&set(&["a", "c"]), &set(&[])).expect("surprise");
        assert_eq!(
            warning,
            "the server's group lacks 2 member(s) it should have: a, c"
        );
    }

    #[test]
    fn members_are_read_case_insensitively() {
        let group = json!({"Members": [{"Value": "a"}, {"value": "b"}]});
        assert_eq!(member_ids(&group), set(&["a", "b"]));
    }
}
