//! Links between resources: the names in `manager`, `groups` and `members` columns resolved
//! before anything is written (a name that resolves to nothing makes its row invalid), and set
//! once every row has an id. It never creates or updates a row's own resource.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::stream::{self, StreamExt};

use crate::import::apply::{LinkResult, Stop, Target};
use crate::import::mapping::Link;
use crate::import::pipeline::{Outcomes, Prepared, stop_error};
use crate::import::rows::Done;
use crate::import::state;

/// What the links of the rows resolve to.
#[derive(Debug, Default)]
pub struct LinkState {
    /// Managers that are no row of the file: userName (lower case) -> id.
    pub managers: HashMap<String, String>,
    /// Groups named in a `groups` column that exist: name -> (id, member ids).
    pub groups: HashMap<String, (String, Vec<String>)>,
    /// Groups to create (`--create-groups`): lower-case name -> name as written.
    pub new_groups: BTreeMap<String, String>,
    /// Group import: member names -> ids (users by userName, then groups by displayName).
    pub members: HashMap<String, String>,
}

/// What the rows leave for the link pass.
#[derive(Default)]
pub struct LinkWork {
    /// userName (lower case) -> id, for the rows.
    pub ids_by_user_name: HashMap<String, String>,
    /// (line, key, user id, manager name lower case).
    pub managers: Vec<(u64, String, String, String)>,
    /// Group name (lower case) -> user ids to be members.
    pub memberships: BTreeMap<String, Vec<String>>,
}

impl LinkWork {
    /// Notes what the link pass needs of a row that has an id.
    pub fn add(&mut self, done: &Done) {
        let Some(id) = done.id.as_ref().filter(|id| !id.is_empty()) else {
            return;
        };
        if let Some(user_name) = &done.link.user_name {
            self.ids_by_user_name.insert(user_name.clone(), id.clone());
        }
        if let Some(manager) = &done.link.manager {
            self.managers
                .push((done.line, done.key.clone(), id.clone(), manager.clone()));
        }
        for group in &done.link.groups {
            self.memberships
                .entry(group.clone())
                .or_default()
                .push(id.clone());
        }
    }
}

impl Prepared<'_> {
    /// Resolves the names in link columns; rows naming what does not exist become invalid.
    pub(crate) async fn plan_links(&mut self) -> anyhow::Result<()> {
        let client = self.client;
        let mut invalid: Vec<(u64, String)> = Vec::new();
        let names = |link: Link| -> Vec<(String, (String, Vec<u64>))> {
            self.scan
                .links
                .get(&link)
                .map(|names| names.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default()
        };
        let managers: Vec<(String, (String, Vec<u64>))> = names(Link::Manager)
            .into_iter()
            .filter(|(name, _)| !self.scan.user_names.contains(name))
            .collect();
        let mut links = LinkState::default();
        if !managers.is_empty() {
            let wanted: Vec<String> = managers.iter().map(|(name, _)| name.clone()).collect();
            let (found, several) =
                state::resolve_names(client, "/Users", "userName", &wanted).await?;
            for (name, (shown, lines)) in &managers {
                let why = if several.contains(name) {
                    format!("manager `{shown}`: several users have this userName")
                } else if !found.contains_key(name) {
                    format!("unknown manager `{shown}`: no row or user has this userName")
                } else {
                    continue;
                };
                invalid.extend(lines.iter().map(|line| (*line, why.clone())));
            }
            links.managers = found;
        }
        let groups = names(Link::Groups);
        if !groups.is_empty() {
            let wanted: Vec<String> = groups.iter().map(|(name, _)| name.clone()).collect();
            let (found, several) =
                state::resolve_names(client, "/Groups", "displayName", &wanted).await?;
            let ids: Vec<String> = found.values().cloned().collect();
            let mut members = state::members_of(client, &ids).await?;
            let mut unknown: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
            for (name, (shown, lines)) in &groups {
                if several.contains(name) {
                    let why = format!("group `{shown}`: several groups have this displayName");
                    invalid.extend(lines.iter().map(|line| (*line, why.clone())));
                } else if let Some(id) = found.get(name) {
                    let current = members.remove(id).unwrap_or_default();
                    links.groups.insert(name.clone(), (id.clone(), current));
                } else if self.options.create_groups {
                    links.new_groups.insert(name.clone(), shown.clone());
                } else {
                    for line in lines {
                        unknown.entry(*line).or_default().push(shown);
                    }
                }
            }
            for (line, names) in unknown {
                let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                let why = match listed.as_slice() {
                    [one] => format!("unknown group {one} (--create-groups creates it)"),
                    many => format!(
                        "unknown groups {} (--create-groups creates them)",
                        many.join(", ")
                    ),
                };
                invalid.push((line, why));
            }
        }
        let members = names(Link::Members);
        if !members.is_empty() {
            let wanted: Vec<String> = members.iter().map(|(name, _)| name.clone()).collect();
            let (users, several_users) =
                state::resolve_names(client, "/Users", "userName", &wanted).await?;
            let rest: Vec<String> = wanted
                .iter()
                .filter(|name| !users.contains_key(*name) && !several_users.contains(name))
                .cloned()
                .collect();
            let (groups, several_groups) =
                state::resolve_names(client, "/Groups", "displayName", &rest).await?;
            for (name, (shown, lines)) in &members {
                if let Some(id) = users.get(name).or_else(|| groups.get(name)) {
                    links.members.insert(name.clone(), id.clone());
                    continue;
                }
                let why = if several_users.contains(name) || several_groups.contains(name) {
                    format!("member `{shown}`: several users or groups have this name")
                } else {
                    format!(
                        "unknown member `{shown}`: no user has this userName and no group this \
                         displayName"
                    )
                };
                invalid.extend(lines.iter().map(|line| (*line, why.clone())));
            }
        }
        self.links = links;
        self.add_invalid(invalid);
        Ok(())
    }
}

/// Managers and group memberships, once every row has an id.
pub async fn link_pass(
    ctx: &Prepared<'_>,
    target: &Target<'_>,
    out: &mut dyn Outcomes,
    stopped: &AtomicBool,
    links: LinkWork,
) -> anyhow::Result<()> {
    let dry_run = ctx.options.dry_run;
    let jobs = link_jobs(ctx, links);
    let results = stream::iter(jobs)
        .take_while(|_| std::future::ready(!stopped.load(Ordering::SeqCst)))
        .map(|job| async move {
            let planned = |id: Option<&str>| LinkResult::Done {
                outcome: "planned",
                id: id.map(str::to_owned),
            };
            match job {
                LinkJob::Manager {
                    line,
                    key,
                    id,
                    manager,
                } => {
                    let result = if dry_run {
                        planned(Some(&id))
                    } else {
                        target.set_manager(line, &key, &id, &manager).await?
                    };
                    Ok(("manager", key, result, 0))
                }
                LinkJob::Members { name, id, add } => {
                    let count = add.len() as u64;
                    let result = if dry_run {
                        planned(Some(&id))
                    } else {
                        target.add_members(&name, &id, &add).await?
                    };
                    Ok(("members", name, result, count))
                }
                LinkJob::Group { name, members } => {
                    let count = members.len() as u64;
                    let result = if dry_run {
                        planned(None)
                    } else {
                        target.create_group(&name, &members).await?
                    };
                    Ok::<_, Stop>(("group", name, result, count))
                }
            }
        })
        .buffer_unordered(ctx.options.concurrency);
    tokio::pin!(results);
    while let Some(result) = results.next().await {
        let (what, target_name, result, count) = result.map_err(stop_error)?;
        let added = match &result {
            LinkResult::Done { .. } => count,
            LinkResult::Failed(_) => 0,
        };
        out.write(what, &target_name, &result, added)?;
    }
    Ok(())
}

/// A write the link pass makes.
enum LinkJob {
    Manager {
        line: u64,
        key: String,
        id: String,
        manager: String,
    },
    Members {
        name: String,
        id: String,
        add: Vec<String>,
    },
    Group {
        name: String,
        members: Vec<String>,
    },
}

/// The writes that set what differs: managers not yet set, members not yet in their groups,
/// groups to create (`--create-groups`).
fn link_jobs(ctx: &Prepared<'_>, links: LinkWork) -> Vec<LinkJob> {
    let mut jobs: Vec<LinkJob> = Vec::new();
    for (line, key, id, manager) in links.managers {
        let Some(manager_id) = links
            .ids_by_user_name
            .get(&manager)
            .or_else(|| ctx.links.managers.get(&manager))
        else {
            continue;
        };
        let current = ctx.index.by_id(&id).and_then(|e| e.links.first());
        if current != Some(manager_id) {
            jobs.push(LinkJob::Manager {
                line,
                key,
                id,
                manager: manager_id.clone(),
            });
        }
    }
    for (name, members) in links.memberships {
        if let Some((id, current)) = ctx.links.groups.get(&name) {
            let current: HashSet<&String> = current.iter().collect();
            let mut add: Vec<String> = members
                .into_iter()
                .filter(|member| !current.contains(member))
                .collect();
            add.dedup();
            if !add.is_empty() {
                jobs.push(LinkJob::Members {
                    name: name.clone(),
                    id: id.clone(),
                    add,
                });
            }
        } else if let Some(shown) = ctx.links.new_groups.get(&name) {
            jobs.push(LinkJob::Group {
                name: shown.clone(),
                members,
            });
        }
    }
    jobs
}
