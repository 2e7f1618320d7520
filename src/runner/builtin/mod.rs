//! The built-in assertions ([`crate::suite::Builtin`]), dispatched to their families. Arguments
//! were typed when the suite was read: nothing here parses, and only the bulk ones write.
//!
//! A built-in knows which of its rules an answer broke, so what it observed comes with the
//! deviation that observation is, when only one can be meant ([`Miss`]): a suite need not say
//! that an Error whose `status` is a number has a numeric `status`.

mod bulk;
mod discovery;
mod me;
mod paging;
mod reference;
mod schema;
mod shape;

use serde_json::Value;

use super::answer::Answer;
use super::check::CheckRun;
use super::error::Halt;
use crate::findings::Deviation;
use crate::suite::{Builtin, Order};
use paging::Walk;

/// What a built-in observed when its rule does not hold, and the kind of deviation it is when
/// the built-in can tell; `None` leaves that to the assertion, its step or its check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Miss {
    pub observed: String,
    pub deviation: Option<Deviation>,
}

impl Miss {
    /// An observation that can only mean `deviation`.
    pub fn of(deviation: Deviation, observed: impl Into<String>) -> Miss {
        Miss {
            observed: observed.into(),
            deviation: Some(deviation),
        }
    }

    /// An observation the built-in cannot put a name to.
    pub fn unnamed(observed: impl Into<String>) -> Miss {
        Miss {
            observed: observed.into(),
            deviation: None,
        }
    }

    /// The same miss, said of `context` (`the 413 answer to 2 operations: ...`).
    pub fn within(self, context: &str) -> Miss {
        Miss {
            observed: format!("{context}: {}", self.observed),
            ..self
        }
    }
}

/// Runs a built-in on `answer`.
pub(crate) async fn evaluate(
    run: &CheckRun<'_>,
    builtin: &Builtin,
    answer: &Answer,
) -> Result<Option<Miss>, Halt> {
    match builtin {
        Builtin::ScimError(args) => Ok(shape::scim_error(
            args.scim_type.map(|kind| kind.as_str()),
            answer,
        )),
        Builtin::ListResponse(_) => Ok(answer.json.as_ref().and_then(shape::list_response)),
        Builtin::Paginate(args) => {
            let path = run.vars().render(&args.path)?;
            let filter = args
                .filter
                .as_ref()
                .map(|filter| run.vars().render(filter))
                .transpose()?;
            let walk = Walk {
                path: &path,
                filter: filter.as_deref(),
                count: args.count,
                total: args.total,
            };
            Ok(paging::paginate(run, &walk).await?)
        }
        Builtin::Sorted(args) => {
            let resources = answer
                .json
                .as_ref()
                .and_then(Value::as_object)
                .and_then(|m| m.get("Resources"))
                .and_then(Value::as_array);
            let descending = args.order == Order::Descending;
            match resources {
                Some(resources) => Ok(paging::sorted(run.vars(), &args.by, descending, resources)?),
                None => Ok(None),
            }
        }
        Builtin::BulkOverMaxOperations(_) => bulk::over_max_operations(run, answer).await,
        Builtin::BulkOverMaxPayload(_) => bulk::over_max_payload(run, answer).await,
        Builtin::ReferenceResolves(args) => Ok(reference::resolves(run, args, answer).await?),
        Builtin::SchemaAttributes(args) => Ok(answer.json.as_ref().map_or_else(
            || Some(Miss::unnamed("the answer has no JSON body")),
            |body| schema::attributes(args.rule, body),
        )),
        Builtin::Utf8Charset(_) => Ok(shape::utf8_charset(answer)),
        Builtin::MeLocation(_) => me::location(answer),
        Builtin::ResourceTypeById(args) => Ok(discovery::by_id(run, answer, &args.name).await?),
    }
}
