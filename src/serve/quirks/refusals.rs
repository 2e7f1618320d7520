//! The refusals of requests a conformant server takes, one per deviation quirk that answers
//! 400 or 501 where RFC 7644 asks for an answer: a PATCH `replace` of an absent attribute, an
//! unknown query parameter, a root `.search` on an attribute one resource type lacks, a filter
//! on an attribute a stored resource lacks, and PATCH altogether. Pure: no I/O.

use serde_json::Value;

use super::{Quirks, names_any, operations};
use crate::scim::filter::Filter;
use crate::scim::model::{ScimError, ScimType};
use crate::scim::path::{AttrPath, PatchPath, parse_patch_path};
use crate::scim::resource::get_ci;
use crate::scim::schema::ResourceSchema;
use crate::serve::query::QueryPairs;

impl Quirks {
    /// `absent-attribute-filter-400`: the 400 for a filter that compares a sub-attribute of a
    /// multi-valued attribute (`emails.value eq`, `emails[type eq "work"]`) while `lacks` says
    /// a stored resource has no value for that attribute: SCIMMY's matcher reads the missing
    /// attribute's values and throws. A presence test (`emails pr`) is answered.
    pub fn refused_filter_over_absent(
        &self,
        filter: &Filter,
        schema: &ResourceSchema,
        lacks: &dyn Fn(&str) -> bool,
    ) -> Option<ScimError> {
        if !self.absent_attribute_filter_400 {
            return None;
        }
        let multi_valued = |path: &AttrPath| {
            schema
                .core
                .attribute(&path.name)
                .is_some_and(|attribute| attribute.multi_valued)
        };
        let reads_absent =
            compares_sub_attributes(filter, &|path| multi_valued(path) && lacks(&path.name));
        reads_absent.then(|| {
            ScimError::typed(
                ScimType::InvalidValue,
                "Cannot convert undefined or null to object",
            )
        })
    }

    /// `replace-absent-is-no-target`: the 400 `noTarget` for a PATCH `replace` whose path (a
    /// plain attribute path, without URN or filter) names an attribute `resource` has no value
    /// for, which RFC 7644 §3.5.2.3 treats as an `add`.
    pub fn refused_replace_of_absent(&self, body: &Value, resource: &Value) -> Option<ScimError> {
        if !self.replace_absent_is_no_target {
            return None;
        }
        let absent = operations(body)?.iter().find_map(|op| {
            let is_replace = get_ci(op, "op")
                .and_then(Value::as_str)
                .is_some_and(|kind| kind.eq_ignore_ascii_case("replace"));
            let path = get_ci(op, "path").and_then(Value::as_str)?;
            let unheld = match parse_patch_path(path) {
                Ok(PatchPath::Attr(attribute)) if attribute.urn.is_none() => {
                    get_ci(resource, &attribute.name).is_none_or(Value::is_null)
                }
                _ => false,
            };
            (is_replace && unheld).then_some(path)
        })?;
        Some(ScimError::typed(
            ScimType::NoTarget,
            format!("no value at `{absent}` to replace"),
        ))
    }

    /// `unknown-query-parameter-400`: the 400 for a list whose query names a parameter other
    /// than RFC 7644 §3.4.2's, which the RFC says SHOULD be ignored.
    pub fn refused_query(&self, query: &QueryPairs) -> Option<ScimError> {
        const KNOWN: [&str; 7] = [
            "filter",
            "sortBy",
            "sortOrder",
            "startIndex",
            "count",
            "attributes",
            "excludedAttributes",
        ];
        if !self.unknown_query_parameter_400 {
            return None;
        }
        let unknown = query
            .names()
            .find(|name| !KNOWN.iter().any(|known| known.eq_ignore_ascii_case(name)))?;
        Some(ScimError::typed(
            ScimType::InvalidValue,
            format!("unknown query parameter `{unknown}`"),
        ))
    }

    /// `root-search-unknown-attribute-400`: the 400 for a root `.search` whose filter names an
    /// attribute one of the searched resource types does not define, which RFC 7644 §3.4.2.1
    /// treats as an attribute without a value.
    pub fn refused_root_filter(
        &self,
        filter: &Filter,
        schemas: &[&ResourceSchema],
    ) -> Option<ScimError> {
        let lacking = |path: &AttrPath| schemas.iter().any(|schema| schema.resolve(path).is_none());
        (self.root_search_unknown_attribute_400 && names_any(filter, &lacking)).then(|| {
            ScimError::typed(
                ScimType::InvalidFilter,
                "the filter names an attribute that not every resource type has",
            )
        })
    }

    /// `patch-unsupported`: the 501 every PATCH gets from a server without PATCH support,
    /// which RFC 7644 §3.5 says implementers SHOULD offer.
    pub fn refused_patch_method(&self) -> Option<ScimError> {
        self.patch_unsupported
            .then(|| ScimError::status(501, "PATCH is not supported"))
    }
}

/// Whether `filter` compares a sub-attribute of an attribute `test` holds for: `a.b op v`, or
/// a value filter `a[...]`; `a pr` does not.
fn compares_sub_attributes(filter: &Filter, test: &dyn Fn(&AttrPath) -> bool) -> bool {
    match filter {
        Filter::Compare(path, _, _) => path.sub.is_some() && test(path),
        Filter::Present(_) => false,
        Filter::ValuePath(path, _) => test(path),
        Filter::Not(inner) => compares_sub_attributes(inner, test),
        Filter::And(a, b) | Filter::Or(a, b) => {
            compares_sub_attributes(a, test) || compares_sub_attributes(b, test)
        }
    }
}
