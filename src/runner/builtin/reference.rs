//! `reference-resolves`: a reference URI in an answer (`members[].$ref`, `meta.location`) leads
//! to its resource (RFC 7643 §2.3.7). It sends one GET, below the base URL only: a reference
//! that leaves the base URL is reported and never followed, so credentials go nowhere else.

use serde_json::Value;

use super::Miss;
use crate::findings::Deviation;
use crate::runner::answer::Answer;
use crate::runner::check::CheckRun;
use crate::runner::error::CheckError;
use crate::runner::request::plain;
use crate::runner::select::select_path;
use crate::scim::method::Method;
use crate::scim::reference::below_base;
use crate::scim::resource::get_ci;
use crate::suite::ReferenceArgs;

/// No reference at `args.path` holds (the attribute is optional); one that is not a URI, leaves
/// the base URL, or whose GET does not answer 200 with the resource (`args.id`) is a miss.
pub(super) async fn resolves(
    run: &CheckRun<'_>,
    args: &ReferenceArgs,
    answer: &Answer,
) -> Result<Option<Miss>, CheckError> {
    let Some(found) = answer
        .json
        .as_ref()
        .map(|body| select_path(body, &args.path, run.vars()))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    let path = args.path.text();
    let Some(reference) = found.as_str() else {
        return Ok(Some(Miss::of(
            Deviation::ReferenceUnresolvable,
            format!("`{path}` is {found}, not a URI"),
        )));
    };
    let target = match below_base(&run.base_url(), reference) {
        Ok(target) => target,
        Err(error) => {
            return Ok(Some(Miss::of(
                Deviation::ReferenceUnresolvable,
                format!("`{path}`: {error}"),
            )));
        }
    };
    let wanted = args
        .id
        .as_ref()
        .map(|id| run.vars().render(id))
        .transpose()?;
    let mut request = plain(Method::Get, &target, Vec::new());
    if let Some((below, query)) = target.split_once('?') {
        request.path = below.to_owned();
        request.target = Some(target.clone());
        request.query = query
            .split('&')
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (name.to_owned(), value.to_owned())
            })
            .collect();
    }
    let label = format!("GET {reference}");
    let resolved = run.send(&request, &label).await?;
    if resolved.status != 200 {
        return Ok(Some(Miss::of(
            Deviation::ReferenceUnresolvable,
            format!(
                "`{path}` is {reference}, and {label} answered {}",
                resolved.status
            ),
        )));
    }
    let id = resolved
        .json
        .as_ref()
        .and_then(|body| get_ci(body, "id"))
        .and_then(Value::as_str);
    match (wanted, id) {
        (Some(wanted), Some(id)) if id == wanted => Ok(None),
        (None, Some(_)) => Ok(None),
        (wanted, id) => Ok(Some(Miss::of(
            Deviation::ReferenceUnresolvable,
            format!(
                "`{path}` is {reference}, and {label} answered 200 with {}{}",
                id.map_or_else(|| "no resource id".to_owned(), |id| format!("id `{id}`")),
                wanted.map_or_else(String::new, |wanted| format!(", expected `{wanted}`"))
            ),
        ))),
    }
}
