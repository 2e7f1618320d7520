//! Filter evaluation.

use super::Filter;
use crate::scim::schema::ResourceSchema;

#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {}

pub fn matches(
    _filter: &Filter,
    _resource: &serde_json::Value,
    _schema: &ResourceSchema,
) -> Result<bool, EvalError> {
    unimplemented!("filter evaluation")
}
