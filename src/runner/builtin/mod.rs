//! The built-in assertions a suite calls with `builtin = "NAME"`: rules that need code, such as
//! walking every page of a list. Their names and contracts are listed in
//! [`crate::suite::BUILTINS`]; each returns `None` when the rule holds, else what was observed,
//! or halts with a reason to skip when the server's own advertisement makes it untestable.

mod bulk;
mod paging;
mod shape;

use serde_json::{Map, Value};

use super::answer::Answer;
use super::check::CheckRun;
use super::error::{CheckError, Halt};
use paging::Walk;

/// Runs the built-in `name` on `answer` with its (rendered) arguments.
pub(crate) async fn evaluate(
    run: &CheckRun<'_>,
    name: &str,
    args: &Value,
    answer: &Answer,
) -> Result<Option<String>, Halt> {
    let empty = Map::new();
    let args = args.as_object().unwrap_or(&empty);
    let text = |name: &str| args.get(name).and_then(Value::as_str);
    match name {
        "scim-error" => Ok(shape::scim_error(text("scimType"), answer)),
        "list-response" => Ok(answer.json.as_ref().and_then(shape::list_response)),
        "paginate" => {
            let walk = Walk {
                path: text("path").unwrap_or("/Users"),
                filter: text("filter"),
                count: args
                    .get("count")
                    .and_then(Value::as_u64)
                    .unwrap_or(2)
                    .max(1),
                total: args.get("total").and_then(Value::as_u64),
            };
            Ok(paging::paginate(run, &walk).await?)
        }
        "sorted" => {
            let descending = text("order").is_some_and(|o| o.eq_ignore_ascii_case("descending"));
            let resources = answer
                .json
                .as_ref()
                .and_then(Value::as_object)
                .and_then(|m| m.get("Resources"))
                .and_then(Value::as_array);
            Ok(resources.and_then(|resources| {
                paging::sorted(text("by").unwrap_or("userName"), descending, resources)
            }))
        }
        "bulk-over-max-operations" => bulk::over_max_operations(run, answer).await,
        "bulk-over-max-payload" => bulk::over_max_payload(run, answer).await,
        other => unreachable_builtin(other),
    }
}

/// The parser refuses unknown names; a suite built in code could still carry one.
fn unreachable_builtin(name: &str) -> Result<Option<String>, Halt> {
    Err(Halt::Error(CheckError::Template(format!(
        "no builtin assertion named `{name}`"
    ))))
}
