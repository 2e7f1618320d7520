//! The built-in assertions ([`crate::suite::Builtin`]), dispatched to their families. Arguments
//! were typed when the suite was read: nothing here parses, and only the bulk ones write.

mod bulk;
mod paging;
mod shape;

use serde_json::Value;

use super::answer::Answer;
use super::check::CheckRun;
use super::error::Halt;
use crate::suite::{Builtin, Order};
use paging::Walk;

/// Runs a built-in on `answer`.
pub(crate) async fn evaluate(
    run: &CheckRun<'_>,
    builtin: &Builtin,
    answer: &Answer,
) -> Result<Option<String>, Halt> {
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
    }
}
