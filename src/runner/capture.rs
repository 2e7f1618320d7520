//! Captures: a step's `capture = { name = selector }`, read from its answer into the variables
//! before its assertions run. It judges nothing: a value the answer lacks is the caller's call.

use super::answer::Answer;
use super::error::CheckError;
use super::select::select;
use super::vars::Vars;
use crate::suite::{Selector, Step};

/// Sets the step's captures in order. Returns the first one the answer lacks, as its selector
/// and variable name: what follows cannot run without it.
pub(crate) fn capture<'s>(
    step: &'s Step,
    answer: &Answer,
    vars: &Vars,
) -> Result<Option<(&'s Selector, &'s str)>, CheckError> {
    for (name, selector) in &step.capture {
        match select(answer, selector, vars)? {
            Some(value) => vars.set(name, value),
            None => return Ok(Some((selector, name))),
        }
    }
    Ok(None)
}
