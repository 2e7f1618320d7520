//! The writes of no single row: managers, group memberships, new groups, and the
//! deactivation or deletion of what the file no longer holds; never a row's own create or update.

use super::*;

/// How a write of no single row ended: its outcome word (`created`, `updated`, ...) and the
/// resource's id, or why it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkResult {
    Done {
        outcome: &'static str,
        id: Option<String>,
    },
    Failed(String),
}

/// Members sent in one request at most.
pub const MEMBERS_PER_REQUEST: usize = 500;

impl Target<'_> {
    /// Sends a write that may be sent again without harm (a replace, an add of members, a
    /// deactivation, a delete), retrying what may pass.
    async fn idempotent_write<F, Fut>(&self, send: F) -> Result<Result<(), String>, Stop>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<(), ClientError>>,
    {
        let mut last_error = String::new();
        for attempt in 0..MAX_ATTEMPTS {
            match self.send(send()).await {
                Ok(()) => return Ok(Ok(())),
                Err(error) => match classify(&error) {
                    Failure::Fatal => return Err(Stop::Client(error)),
                    Failure::Passing => {
                        last_error = error.to_string();
                        tokio::time::sleep(backoff(attempt)).await;
                    }
                    Failure::Refused | Failure::Conflict | Failure::Gone => {
                        return Ok(Err(error.to_string()));
                    }
                },
            }
        }
        Ok(Err(format!(
            "{last_error} (gave up after {MAX_ATTEMPTS} attempts)"
        )))
    }

    /// Records the end of a write of no single row and says how it went.
    pub(super) fn link_done(
        &self,
        line: u64,
        key: &str,
        op: Op,
        result: Result<(&'static str, Option<String>), String>,
    ) -> Result<LinkResult, Stop> {
        let outcome = |word: &str| match word {
            "created" => Outcome::Created,
            "deactivated" => Outcome::Deactivated,
            "deleted" => Outcome::Deleted,
            _ => Outcome::Updated,
        };
        match result {
            Ok((word, id)) => {
                self.journal(
                    self.journal
                        .done(line, key, op, outcome(word), id.as_deref(), None),
                )?;
                Ok(LinkResult::Done { outcome: word, id })
            }
            Err(error) => {
                self.journal(self.journal.done(
                    line,
                    key,
                    op,
                    Outcome::Failed,
                    None,
                    Some(&error),
                ))?;
                Ok(LinkResult::Failed(error))
            }
        }
    }

    /// Sets the manager of the user `id` (the row at `line`) to `manager_id`.
    pub async fn set_manager(
        &self,
        line: u64,
        key: &str,
        id: &str,
        manager_id: &str,
    ) -> Result<LinkResult, Stop> {
        self.journal(self.journal.intent(line, key, Op::Manager))?;
        let body = self.dialect.patch_body(&[PatchStep {
            op: PatchOpKind::Replace,
            path: Some(format!("{ENTERPRISE_USER_SCHEMA}:manager")),
            value: Some(json!({ "value": manager_id })),
        }]);
        let sent = self
            .idempotent_write(|| async { self.client.patch("/Users", id, &body).await.map(drop) })
            .await?;
        self.link_done(
            line,
            key,
            Op::Manager,
            sent.map(|()| ("updated", Some(id.to_owned()))),
        )
    }

    /// Adds members to the group `id` named `name`, in requests of at most
    /// [`MEMBERS_PER_REQUEST`].
    pub async fn add_members(
        &self,
        name: &str,
        id: &str,
        members: &[String],
    ) -> Result<LinkResult, Stop> {
        for chunk in members.chunks(MEMBERS_PER_REQUEST) {
            self.journal(self.journal.intent(0, name, Op::Members))?;
            let body = self.dialect.patch_body(&member_steps(chunk, &[]));
            // `attributes=id`: the answer would otherwise carry every member of the group.
            let sent = self
                .idempotent_write(|| async {
                    self.client
                        .send_json(
                            HttpMethod::Patch,
                            &["Groups", id],
                            &[("attributes", "id")],
                            Some(&body),
                        )
                        .await
                        .map(drop)
                })
                .await?;
            if let Err(error) = sent {
                return self.link_done(0, name, Op::Members, Err(error));
            }
            self.link_done(0, name, Op::Members, Ok(("updated", Some(id.to_owned()))))?;
        }
        Ok(LinkResult::Done {
            outcome: "updated",
            id: Some(id.to_owned()),
        })
    }

    /// Creates the group `name` with `members` (the first [`MEMBERS_PER_REQUEST`] in the
    /// create, the rest added after). A create whose answer is lost is looked up by name
    /// before it is sent again.
    pub async fn create_group(&self, name: &str, members: &[String]) -> Result<LinkResult, Stop> {
        let (first, rest) = members.split_at(members.len().min(MEMBERS_PER_REQUEST));
        let body = json!({
            "schemas": [crate::scim::model::GROUP_SCHEMA],
            "displayName": name,
            "members": members_value(first),
        });
        let mut last_error = String::new();
        for attempt in 0..MAX_ATTEMPTS {
            self.journal(self.journal.intent(0, name, Op::Group))?;
            let error = match self.send(self.client.create("/Groups", &body)).await {
                Ok(Some(created)) if id_of(&created).is_some() => {
                    let id = id_of(&created).unwrap_or_default();
                    self.link_done(0, name, Op::Group, Ok(("created", Some(id.clone()))))?;
                    return self.add_rest(name, id, rest).await;
                }
                Ok(_) => None,
                Err(error) => match classify(&error) {
                    Failure::Fatal => return Err(Stop::Client(error)),
                    Failure::Refused | Failure::Gone => {
                        return self.link_done(0, name, Op::Group, Err(error.to_string()));
                    }
                    Failure::Conflict | Failure::Passing => Some(error),
                },
            };
            if let Some(error) = &error {
                last_error = error.to_string();
            }
            let query = ListQuery {
                filter: Some(equals_filter("displayName", name).to_string()),
                ..ListQuery::default()
            };
            let found = match self.send(self.client.list("/Groups", &query)).await {
                Ok(page) => page.resources.into_iter().find(|group| {
                    group
                        .as_object()
                        .and_then(|g| get_ci(g, "displayName"))
                        .and_then(Value::as_str)
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                }),
                Err(error) if is_unreachable(&error) => return Err(Stop::Client(error)),
                Err(error) => {
                    return self.link_done(
                        0,
                        name,
                        Op::Group,
                        Err(format!("{last_error}; then {error}")),
                    );
                }
            };
            if let Some(id) = found.as_ref().and_then(id_of) {
                // It exists (our lost create, or a 409): its members are added like any group's.
                self.link_done(0, name, Op::Group, Ok(("created", Some(id.clone()))))?;
                return self.add_rest(name, id, members).await;
            }
            tokio::time::sleep(backoff(attempt)).await;
        }
        self.link_done(
            0,
            name,
            Op::Group,
            Err(format!(
                "{last_error} (gave up after {MAX_ATTEMPTS} attempts)"
            )),
        )
    }

    async fn add_rest(&self, name: &str, id: String, rest: &[String]) -> Result<LinkResult, Stop> {
        if !rest.is_empty()
            && let LinkResult::Failed(error) = self.add_members(name, &id, rest).await?
        {
            return Ok(LinkResult::Failed(error));
        }
        Ok(LinkResult::Done {
            outcome: "created",
            id: Some(id),
        })
    }

    /// Sets `active` to false on the resource `id` (key `key`).
    pub async fn deactivate(&self, key: &str, id: &str) -> Result<LinkResult, Stop> {
        self.journal(self.journal.intent(0, key, Op::Deactivate))?;
        let body = self.dialect.set_active(false);
        let sent = self
            .idempotent_write(|| async {
                self.client.patch(self.endpoint, id, &body).await.map(drop)
            })
            .await?;
        self.link_done(
            0,
            key,
            Op::Deactivate,
            sent.map(|()| ("deactivated", Some(id.to_owned()))),
        )
    }

    /// Deletes the resource `id` (key `key`); one already gone counts as deleted.
    pub async fn delete(&self, key: &str, id: &str) -> Result<LinkResult, Stop> {
        self.journal(self.journal.intent(0, key, Op::Delete))?;
        let sent = self
            .idempotent_write(|| async {
                match self.client.delete(self.endpoint, id).await {
                    Err(error) if classify(&error) == Failure::Gone => Ok(()),
                    other => other,
                }
            })
            .await?;
        self.link_done(
            0,
            key,
            Op::Delete,
            sent.map(|()| ("deleted", Some(id.to_owned()))),
        )
    }
}
