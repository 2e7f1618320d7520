//! The writes stage (`--allow-writes` only): a round trip on one throwaway user named
//! `scimctl-test-<run>-doctor`, shaped as `--as` says (Okta, Entra, RFC): a create sent as
//! `application/json` (as Okta's spec test does), a PATCH of `displayName`, a deactivation,
//! bulk when claimed, and a delete, each change read back. With ETags claimed, the versions
//! change and a stale `If-Match` is refused. Every create is in the ledger before it is sent
//! (the same ledger `scimctl test` keeps, so `scimctl test cleanup` finds leftovers); only what
//! this run created is changed; the command layer cleans up what is left. It judges answers
//! only; the [`Sender`] sends.

use serde_json::{Value, json};

use crate::client::{Method, SCIM_MEDIA_TYPE, encode_component};
use crate::findings::{Deviation, Line};
use crate::lint::Kind;
use crate::runner::NAME_PREFIX;
use crate::runner::ledger::{Ledger, LedgerEntry};
use crate::scim::dialect::{Dialect, PatchStep};
use crate::scim::model::{BULK_REQUEST, USER_SCHEMA};
use crate::scim::patch::PatchOpKind;

use super::reads::text;
use super::{Context, Exchange, Probe, Sender, lint_lines};

/// The check name the ledger records the stage's creates under.
pub const LEDGER_CHECK: &str = "doctor";

/// What the writes stage needs besides the context.
pub struct Writes<'a> {
    pub ledger: &'a Ledger,
    pub run_id: &'a str,
    pub dialect: Dialect,
}

/// The round trip in progress.
struct Round<'a> {
    sender: &'a dyn Sender,
    context: &'a Context,
    writes: &'a Writes<'a>,
    lines: Vec<Line>,
    /// The created user's path below the base URL.
    path: String,
    id: String,
}

/// Runs the round trip.
pub async fn run(sender: &dyn Sender, context: &Context, writes: &Writes<'_>) -> Vec<Line> {
    let mut lines = Vec::new();
    let Some((id, created)) = create(sender, context, writes, &mut lines).await else {
        return lines;
    };
    let mut round = Round {
        sender,
        context,
        writes,
        lines,
        path: format!("{}/{}", context.users, encode_component(&id)),
        id,
    };
    let etag = created.header("etag").map(str::to_owned);
    if round.patch_display_name(etag).await {
        round.deactivate().await;
    }
    round.bulk().await;
    round.delete().await;
    round.lines
}

/// The ledger line announcing a create of `name`.
fn announce(writes: &Writes<'_>, endpoint: &str, name: &str) -> Result<(), Line> {
    writes
        .ledger
        .record(LedgerEntry::Create {
            run: writes.run_id.to_owned(),
            check: LEDGER_CHECK.to_owned(),
            endpoint: endpoint.to_owned(),
            name_attr: "userName".to_owned(),
            name: name.to_owned(),
        })
        .map_err(|error| Line::Failed(format!("cannot write the cleanup ledger: {error}")))
}

/// The ledger line recording what a create made.
fn record_created(writes: &Writes<'_>, endpoint: &str, id: &str) -> Option<Line> {
    let entry = LedgerEntry::Created {
        check: LEDGER_CHECK.to_owned(),
        endpoint: endpoint.to_owned(),
        id: id.to_owned(),
    };
    let error = writes.ledger.record(entry).err()?;
    Some(Line::Failed(format!(
        "cannot write the cleanup ledger: {error}"
    )))
}

/// The throwaway user: its id and the create's exchange, or `None` when nothing was created.
async fn create(
    sender: &dyn Sender,
    context: &Context,
    writes: &Writes<'_>,
    lines: &mut Vec<Line>,
) -> Option<(String, Exchange)> {
    // An email address: servers that sign users in by email refuse any other userName, and
    // RFC 7643 §4.1.1 lets them.
    let name = format!("{NAME_PREFIX}{}-doctor@example.com", writes.run_id);
    let body = writes.dialect.create_user_body(&json!({
        "schemas": [USER_SCHEMA],
        "userName": name,
        "name": { "givenName": "Doctor", "familyName": "Scimctl" },
        "displayName": "scimctl doctor",
        "emails": [{ "value": name, "type": "work", "primary": true }],
        "active": true,
    }));
    if let Err(line) = announce(writes, &context.users, &name) {
        lines.push(line);
        return None;
    }
    let post = |content_type: &str| {
        Probe::new(Method::Post, &context.users, &[])
            .with_body(&body, content_type)
            .noted(content_type)
    };
    let mut created = sender.send(&post("application/json")).await;
    if created.status() == Some(415) {
        lines.push(created.finding(
            Deviation::RequestJsonRefused,
            format!("answered {}", created.summary()),
        ));
        created = sender.send(&post(SCIM_MEDIA_TYPE)).await;
    }
    let id = created
        .json()
        .as_ref()
        .and_then(|user| text(user, "id").map(str::to_owned));
    match (created.succeeded(), id) {
        (true, Some(id)) => {
            lines.extend(record_created(writes, &context.users, &id));
            lines.push(Line::Ok(format!(
                "{}: created `{name}` ({})",
                created.label,
                created.summary()
            )));
            lines.extend(lint_lines(created.linted(Kind::Resource, &context.schemas)));
            if etag_claimed(context) {
                lines.push(etag_present(&created));
            }
            Some((id, created))
        }
        (true, None) => {
            lines.push(created.finding(
                Deviation::CreateAnswerEmpty,
                format!("answered {} without the new user's `id`", created.summary()),
            ));
            lines.extend(super::not_checked("the new user's id is not known"));
            None
        }
        (false, _) => {
            if created.answer.is_ok() {
                let settled = writes.ledger.record(LedgerEntry::Settled {
                    check: LEDGER_CHECK.to_owned(),
                    endpoint: context.users.clone(),
                    name: name.clone(),
                });
                lines.extend(
                    settled
                        .err()
                        .map(|e| Line::Failed(format!("cannot write the cleanup ledger: {e}"))),
                );
                lines.push(created.finding(
                    Deviation::WriteRefused,
                    format!("answered {}", created.summary()),
                ));
            } else {
                lines.push(Line::Failed(created.described()));
            }
            lines.extend(super::not_checked("the throwaway user was not created"));
            None
        }
    }
}

fn etag_claimed(context: &Context) -> bool {
    context.config.as_ref().is_some_and(|config| config.etag)
}

/// An answer that carries the resource has an `ETag` when ETags are claimed.
fn etag_present(exchange: &Exchange) -> Line {
    match exchange.header("etag") {
        Some(tag) => Line::Ok(format!("{}: ETag {tag}", exchange.label)),
        None => exchange.finding(
            Deviation::EtagHeaderMissing,
            format!(
                "the {} answer carries the resource but no `ETag`",
                exchange.summary()
            ),
        ),
    }
}

impl Round<'_> {
    /// Sends a PATCH body (with extra headers), labelled with what it does.
    async fn patch(&self, body: &Value, what: &str, headers: &[(&str, &str)]) -> Exchange {
        let mut probe = Probe::new(Method::Patch, &self.path, &[]).with_body(body, SCIM_MEDIA_TYPE);
        for (name, value) in headers {
            probe = probe.with_header(name, value);
        }
        self.sender.send(&probe.noted(what)).await
    }

    /// Reads the user back.
    async fn read_back(&self) -> Exchange {
        self.sender.send(&Probe::get(&self.path, &[])).await
    }

    /// A PATCH refused: a finding, or not judged when PATCH is not claimed. Returns whether
    /// the PATCH was taken.
    fn judge_patch_answer(&mut self, answered: &Exchange, body: &Value) -> bool {
        if answered.succeeded() {
            return true;
        }
        let claimed = self
            .context
            .config
            .as_ref()
            .is_none_or(|config| config.patch);
        let line = match (answered.status(), claimed) {
            (None, _) => Line::Failed(answered.described()),
            (Some(501 | 405), false) => Line::Skipped(format!(
                "{}: not supported, as ServiceProviderConfig says",
                answered.label
            )),
            (Some(status @ (501 | 405)), true) => answered.finding(
                Deviation::SpcClaimNotHonoured,
                format!("patch.supported is true, but PATCH answered {status}"),
            ),
            (Some(_), _) => answered.finding(
                Deviation::WriteRefused,
                format!("answered {} to {}", answered.summary(), operations(body)),
            ),
        };
        self.lines.push(line);
        false
    }

    /// Replaces `displayName` and reads it back; with ETags, checks the version moved and a
    /// stale `If-Match` is refused. Returns whether PATCH works at all.
    async fn patch_display_name(&mut self, created_tag: Option<String>) -> bool {
        let wanted = "scimctl doctor (patched)";
        let body = self.writes.dialect.patch_body(&[PatchStep {
            op: PatchOpKind::Replace,
            path: Some("displayName".to_owned()),
            value: Some(json!(wanted)),
        }]);
        let answered = self.patch(&body, "replace displayName", &[]).await;
        if !self.judge_patch_answer(&answered, &body) {
            return false;
        }
        if etag_claimed(self.context) && answered.status() == Some(200) {
            self.lines.push(etag_present(&answered));
        }
        let read = self.read_back().await;
        let now = read
            .json()
            .as_ref()
            .and_then(|u| text(u, "displayName").map(str::to_owned));
        self.lines.push(if now.as_deref() == Some(wanted) {
            Line::Ok(format!("{}: applied", answered.label))
        } else {
            answered.finding(
                Deviation::WriteNotApplied,
                format!(
                    "answered {}, but a read shows displayName {}",
                    answered.summary(),
                    now.map_or("missing".to_owned(), |n| format!("`{n}`"))
                ),
            )
        });
        if let (true, Some(before)) = (etag_claimed(self.context), created_tag) {
            self.judge_versions(&before, &read, &body).await;
        }
        true
    }

    /// The version after a write differs from the one before, and a write that names the old
    /// one in `If-Match` is refused with 412.
    async fn judge_versions(&mut self, before: &str, read: &Exchange, body: &Value) {
        let Some(after) = read.header("etag").map(str::to_owned) else {
            return;
        };
        if after == before {
            self.lines.push(read.finding(
                Deviation::EtagNotHonoured,
                format!("the ETag is still {after} after a PATCH"),
            ));
            return;
        }
        let stale = self
            .patch(body, "a stale If-Match", &[("If-Match", before)])
            .await;
        self.lines.push(match stale.status() {
            Some(412) => Line::Ok(format!("{}: 412", stale.label)),
            Some(status) if (200..300).contains(&status) => stale.finding(
                Deviation::EtagNotHonoured,
                format!("a PATCH with If-Match: {before} (no longer current) answered {status}"),
            ),
            _ => Line::Skipped(format!("If-Match: not checked: {}", stale.described())),
        });
    }

    /// Deactivates the user as the dialect does and reads `active` back.
    async fn deactivate(&mut self) {
        let body = self.writes.dialect.set_active(false);
        let answered = self.patch(&body, "deactivate", &[]).await;
        if !self.judge_patch_answer(&answered, &body) {
            return;
        }
        let read = self.read_back().await;
        let active = read
            .json()
            .as_ref()
            .and_then(Value::as_object)
            .and_then(|user| crate::scim::resource::get_ci(user, "active").cloned());
        self.lines.push(if active == Some(json!(false)) {
            Line::Ok(format!("{}: applied", answered.label))
        } else {
            answered.finding(
                Deviation::WriteNotApplied,
                format!(
                    "answered {}, but a read shows active {}",
                    answered.summary(),
                    active.map_or("missing".to_owned(), |a| a.to_string())
                ),
            )
        });
    }

    /// With bulk claimed: one create through /Bulk, answered with its own 201.
    async fn bulk(&mut self) {
        if !self
            .context
            .config
            .as_ref()
            .is_some_and(|c| c.bulk.supported)
        {
            return;
        }
        let name = format!(
            "{NAME_PREFIX}{}-doctor-bulk@example.com",
            self.writes.run_id
        );
        if let Err(line) = announce(self.writes, &self.context.users, &name) {
            self.lines.push(line);
            return;
        }
        let body = json!({
            "schemas": [BULK_REQUEST],
            "Operations": [{
                "method": "POST",
                "path": self.context.users,
                "bulkId": "doctor",
                "data": { "schemas": [USER_SCHEMA], "userName": name },
            }],
        });
        let probe = Probe::new(Method::Post, "/Bulk", &[]).with_body(&body, SCIM_MEDIA_TYPE);
        let answered = self.sender.send(&probe).await;
        let operation = answered
            .json()
            .and_then(|reply| reply.get("Operations")?.get(0).cloned());
        let status = operation.as_ref().and_then(|op| match op.get("status") {
            Some(Value::String(text)) => Some(text.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        });
        let id = operation
            .as_ref()
            .and_then(|op| op.get("location")?.as_str())
            .and_then(|location| location.rsplit('/').next())
            .map(str::to_owned);
        if let Some(id) = &id {
            self.lines
                .extend(record_created(self.writes, &self.context.users, id));
        }
        self.lines
            .push(match (answered.succeeded(), status.as_deref()) {
            (true, Some("201")) => Line::Ok(format!("{}: the create answered 201", answered.label)),
            _ => answered.finding(
                Deviation::SpcClaimNotHonoured,
                format!(
                    "bulk.supported is true, but a one-create BulkRequest answered {} (operation \
                     status {})",
                    answered.summary(),
                    status.unwrap_or_else(|| "missing".to_owned())
                ),
            ),
        });
    }

    /// Deletes the user and reads it again: 404.
    async fn delete(&mut self) {
        let probe = Probe::new(Method::Delete, &self.path, &[]);
        let deleted = self.sender.send(&probe).await;
        if !deleted.succeeded() {
            self.lines.push(match deleted.answer {
                Ok(_) => deleted.finding(
                    Deviation::WriteRefused,
                    format!("answered {}", deleted.summary()),
                ),
                Err(_) => Line::Failed(deleted.described()),
            });
            return;
        }
        let read = self.read_back().await;
        self.lines.push(match read.status() {
            Some(404) => {
                let gone = self.writes.ledger.record(LedgerEntry::Deleted {
                    endpoint: self.context.users.clone(),
                    id: self.id.clone(),
                });
                match gone {
                    Ok(()) => Line::Ok(format!("{}: gone ({})", deleted.label, read.described())),
                    Err(error) => Line::Failed(format!("cannot write the cleanup ledger: {error}")),
                }
            }
            _ => deleted.finding(
                Deviation::DeleteNotEffective,
                format!("answered {}, but {}", deleted.summary(), read.described()),
            ),
        });
    }
}

/// A PATCH body's operations in one line, for a finding that quotes what was refused.
fn operations(body: &Value) -> String {
    let operations = body.get("Operations").unwrap_or(body);
    crate::text::one_line(&operations.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::scripted::{Scripted, ready};
    use crate::runner::ledger::NoSink;

    fn keys(lines: &[Line]) -> Vec<&'static str> {
        super::super::findings(lines)
            .map(|f| f.deviation.key())
            .collect()
    }

    #[test]
    fn a_create_answered_without_the_user_is_named_and_nothing_else_is_sent() {
        let ledger = Ledger::new(Box::new(NoSink), Vec::new());
        let writes = Writes {
            ledger: &ledger,
            run_id: "r1",
            dialect: Dialect::Okta,
        };
        let sender = Scripted::new(&[(201, "")]);
        let context = Context::new(true, "nonce".to_owned());
        let lines = ready(run(&sender, &context, &writes));
        assert_eq!(keys(&lines), ["create-answer-empty"]);
        assert_eq!(sender.sent.lock().expect("lock").len(), 1);
        assert_eq!(
            ledger.leftovers().len(),
            1,
            "the create stays in the ledger, to be found by name"
        );
    }

    #[test]
    fn a_refused_create_is_settled_in_the_ledger() {
        let ledger = Ledger::new(Box::new(NoSink), Vec::new());
        let writes = Writes {
            ledger: &ledger,
            run_id: "r1",
            dialect: Dialect::Rfc,
        };
        let refused = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"name.formatted is required"}"#;
        let sender = Scripted::new(&[(400, refused)]);
        let context = Context::new(true, "nonce".to_owned());
        let lines = ready(run(&sender, &context, &writes));
        assert_eq!(keys(&lines), ["write-refused"]);
        assert!(ledger.leftovers().is_empty());
    }
}
