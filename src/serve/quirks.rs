//! Real-world server deviations that `scimctl serve --quirk NAME` reproduces on purpose.
//!
//! Each quirk is one flag in [`Quirks`], consulted at exactly one point of the server, so that
//! turning it on changes exactly the behaviour it names and nothing else. The conformance suite
//! is graded against every one of them. Pure: no I/O.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::scim::model::{ScimError, ScimType};
use crate::serve::protocol::get_ci;

/// How often `rate-limit` answers 429 when no N is given.
pub const DEFAULT_RATE_LIMIT_EVERY: u32 = 5;

/// One `--quirk` as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quirk {
    EqSubstring,
    CaseSensitiveUsername,
    FilterNoMatch404,
    ZeroBasedStartIndex,
    TotalResultsPageSize,
    LowercaseResources,
    JsonContentType,
    NumericErrorStatus,
    CaseSensitivePatchOp,
    RejectStringBooleans,
    MemberRemovalEmptiesGroup,
    IgnoreExcludedAttributes,
    PatchNoContent,
    PutNotStored,
    IgnoreIfMatch,
    AlwaysNotModified,
    IgnoreFailOnErrors,
    IgnoreSort,
    IgnoreNullReplace,
    OrAsAnd,
    AddReplacesList,
    RejectValuePathPatch,
    Duplicate400,
    /// Every Nth request is answered 429 with `Retry-After: 1`.
    RateLimit(u32),
    NoAuth,
    Charset,
    /// Every answer is delayed by this many milliseconds.
    Latency(u64),
    IgnoreBulkLimits,
    DiscoveryFilterIgnored,
    RequireUserAgent,
}

/// Name (with its argument, if any) and one-line description of every quirk, in help order.
pub const CATALOGUE: &[(&str, &str)] = &[
    (
        "eq-substring",
        "filter `eq` matches substrings (`px` also finds `px_1`)",
    ),
    (
        "case-sensitive-username",
        "filters compare userName case-sensitively",
    ),
    (
        "filter-no-match-404",
        "a filtered list with no match answers 404, not an empty 200",
    ),
    (
        "zero-based-start-index",
        "startIndex counts from 0 (startIndex=1 skips the first resource)",
    ),
    (
        "total-results-page-size",
        "totalResults is the size of the page, not of the whole result",
    ),
    (
        "lowercase-resources",
        "ListResponse puts its page under `resources`, not `Resources`",
    ),
    (
        "json-content-type",
        "responses say application/json instead of application/scim+json",
    ),
    (
        "numeric-error-status",
        "Error bodies carry `status` as a number, not a string",
    ),
    (
        "case-sensitive-patch-op",
        "PATCH rejects an `op` that is not lowercase (`Replace`) with 400",
    ),
    (
        "reject-string-booleans",
        "\"True\"/\"False\" for boolean attributes are rejected with 400",
    ),
    (
        "member-removal-empties-group",
        "PATCH remove of `members` with a value list removes all members",
    ),
    (
        "ignore-excluded-attributes",
        "the excludedAttributes parameter is ignored",
    ),
    (
        "patch-no-content",
        "PATCH answers 204 without a body (legal; 200 if attributes= sent)",
    ),
    (
        "put-not-stored",
        "PUT answers 200 with the new resource but stores nothing",
    ),
    (
        "ignore-if-match",
        "If-Match is ignored: writes with a stale version succeed, no 412",
    ),
    (
        "always-not-modified",
        "any If-None-Match gets 304, even a version that is out of date",
    ),
    (
        "ignore-fail-on-errors",
        "/Bulk runs every operation whatever failOnErrors says",
    ),
    (
        "ignore-sort",
        "sortBy/sortOrder are accepted but lists keep the store's order",
    ),
    (
        "ignore-null-replace",
        "PATCH replace with value null leaves the attribute unchanged",
    ),
    (
        "or-as-and",
        "the filter operator `or` is evaluated as `and`",
    ),
    (
        "add-replaces-list",
        "PATCH add of a list replaces a multi-valued attribute's values",
    ),
    (
        "reject-value-path-patch",
        "PATCH paths with a filter (`emails[type eq \"work\"]`) get 400",
    ),
    (
        "duplicate-400",
        "a duplicate userName or displayName gets 400, not 409 uniqueness",
    ),
    (
        "rate-limit[=N]",
        "every Nth request (default 5) gets 429 + Retry-After: 1 (legal)",
    ),
    (
        "no-auth",
        "requests without a valid bearer token are served",
    ),
    ("charset", "Content-Type gets `; charset=utf-8` (legal)"),
    (
        "latency=MS",
        "every answer is delayed by MS milliseconds (legal)",
    ),
    (
        "ignore-bulk-limits",
        "bulk requests over maxOperations or maxPayloadSize are run, not refused with 413",
    ),
    (
        "discovery-filter-ignored",
        "discovery endpoints ignore a `filter` instead of answering 403",
    ),
    (
        "require-user-agent",
        "requests without a User-Agent get an HTML 403, as from a web firewall",
    ),
];

/// Why a `--quirk` value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownQuirk(pub String);

impl fmt::Display for UnknownQuirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = CATALOGUE.iter().map(|(name, _)| *name).collect();
        write!(f, "{}; valid quirks: {}", self.0, names.join(", "))
    }
}

impl std::error::Error for UnknownQuirk {}

impl Quirk {
    /// Parses `name` or `name=ARG` as listed in [`CATALOGUE`].
    pub fn parse(text: &str) -> Result<Quirk, UnknownQuirk> {
        let (name, arg) = match text.split_once('=') {
            Some((name, arg)) => (name, Some(arg)),
            None => (text, None),
        };
        let number = |what: &str| -> Result<u64, UnknownQuirk> {
            let arg = arg.ok_or_else(|| UnknownQuirk(format!("quirk `{name}` needs `={what}`")))?;
            arg.parse::<u64>().map_err(|_| {
                UnknownQuirk(format!(
                    "quirk `{name}` needs a whole number of {what}, got `{arg}`"
                ))
            })
        };
        let flag = |quirk: Quirk| match arg {
            None => Ok(quirk),
            Some(_) => Err(UnknownQuirk(format!("quirk `{name}` takes no argument"))),
        };
        match name {
            "eq-substring" => flag(Quirk::EqSubstring),
            "case-sensitive-username" => flag(Quirk::CaseSensitiveUsername),
            "filter-no-match-404" => flag(Quirk::FilterNoMatch404),
            "zero-based-start-index" => flag(Quirk::ZeroBasedStartIndex),
            "total-results-page-size" => flag(Quirk::TotalResultsPageSize),
            "lowercase-resources" => flag(Quirk::LowercaseResources),
            "json-content-type" => flag(Quirk::JsonContentType),
            "numeric-error-status" => flag(Quirk::NumericErrorStatus),
            "case-sensitive-patch-op" => flag(Quirk::CaseSensitivePatchOp),
            "reject-string-booleans" => flag(Quirk::RejectStringBooleans),
            "member-removal-empties-group" => flag(Quirk::MemberRemovalEmptiesGroup),
            "ignore-excluded-attributes" => flag(Quirk::IgnoreExcludedAttributes),
            "patch-no-content" => flag(Quirk::PatchNoContent),
            "put-not-stored" => flag(Quirk::PutNotStored),
            "ignore-if-match" => flag(Quirk::IgnoreIfMatch),
            "always-not-modified" => flag(Quirk::AlwaysNotModified),
            "ignore-fail-on-errors" => flag(Quirk::IgnoreFailOnErrors),
            "ignore-sort" => flag(Quirk::IgnoreSort),
            "ignore-null-replace" => flag(Quirk::IgnoreNullReplace),
            "or-as-and" => flag(Quirk::OrAsAnd),
            "add-replaces-list" => flag(Quirk::AddReplacesList),
            "reject-value-path-patch" => flag(Quirk::RejectValuePathPatch),
            "duplicate-400" => flag(Quirk::Duplicate400),
            "no-auth" => flag(Quirk::NoAuth),
            "charset" => flag(Quirk::Charset),
            "rate-limit" => match arg {
                None => Ok(Quirk::RateLimit(DEFAULT_RATE_LIMIT_EVERY)),
                Some(_) => match u32::try_from(number("requests")?) {
                    Ok(every) if every >= 1 => Ok(Quirk::RateLimit(every)),
                    _ => Err(UnknownQuirk(format!(
                        "quirk `rate-limit` needs N between 1 and {}",
                        u32::MAX
                    ))),
                },
            },
            "latency" => Ok(Quirk::Latency(number("milliseconds")?)),
            "ignore-bulk-limits" => flag(Quirk::IgnoreBulkLimits),
            "discovery-filter-ignored" => flag(Quirk::DiscoveryFilterIgnored),
            "require-user-agent" => flag(Quirk::RequireUserAgent),
            _ => Err(UnknownQuirk(format!("unknown quirk `{name}`"))),
        }
    }
}

impl fmt::Display for Quirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Quirk::EqSubstring => "eq-substring",
            Quirk::CaseSensitiveUsername => "case-sensitive-username",
            Quirk::FilterNoMatch404 => "filter-no-match-404",
            Quirk::ZeroBasedStartIndex => "zero-based-start-index",
            Quirk::TotalResultsPageSize => "total-results-page-size",
            Quirk::LowercaseResources => "lowercase-resources",
            Quirk::JsonContentType => "json-content-type",
            Quirk::NumericErrorStatus => "numeric-error-status",
            Quirk::CaseSensitivePatchOp => "case-sensitive-patch-op",
            Quirk::RejectStringBooleans => "reject-string-booleans",
            Quirk::MemberRemovalEmptiesGroup => "member-removal-empties-group",
            Quirk::IgnoreExcludedAttributes => "ignore-excluded-attributes",
            Quirk::PatchNoContent => "patch-no-content",
            Quirk::PutNotStored => "put-not-stored",
            Quirk::IgnoreIfMatch => "ignore-if-match",
            Quirk::AlwaysNotModified => "always-not-modified",
            Quirk::IgnoreFailOnErrors => "ignore-fail-on-errors",
            Quirk::IgnoreSort => "ignore-sort",
            Quirk::IgnoreNullReplace => "ignore-null-replace",
            Quirk::OrAsAnd => "or-as-and",
            Quirk::AddReplacesList => "add-replaces-list",
            Quirk::RejectValuePathPatch => "reject-value-path-patch",
            Quirk::Duplicate400 => "duplicate-400",
            Quirk::RateLimit(every) => return write!(f, "rate-limit={every}"),
            Quirk::NoAuth => "no-auth",
            Quirk::Charset => "charset",
            Quirk::Latency(ms) => return write!(f, "latency={ms}"),
            Quirk::IgnoreBulkLimits => "ignore-bulk-limits",
            Quirk::DiscoveryFilterIgnored => "discovery-filter-ignored",
            Quirk::RequireUserAgent => "require-user-agent",
        };
        f.write_str(name)
    }
}

/// The help text block listing every quirk, one per line.
pub fn help_table() -> String {
    let width = CATALOGUE.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut text = String::from("Quirks (--quirk NAME, repeatable):\n");
    for (name, description) in CATALOGUE {
        text.push_str(&format!("  {name:<width$}  {description}\n"));
    }
    text
}

/// The set of quirks a server runs with: one field per quirk, all off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quirks {
    pub eq_substring: bool,
    pub case_sensitive_username: bool,
    pub filter_no_match_404: bool,
    pub zero_based_start_index: bool,
    pub total_results_page_size: bool,
    pub lowercase_resources: bool,
    pub json_content_type: bool,
    pub numeric_error_status: bool,
    pub case_sensitive_patch_op: bool,
    pub reject_string_booleans: bool,
    pub member_removal_empties_group: bool,
    pub ignore_excluded_attributes: bool,
    pub patch_no_content: bool,
    pub put_not_stored: bool,
    pub ignore_if_match: bool,
    pub always_not_modified: bool,
    pub ignore_fail_on_errors: bool,
    pub ignore_sort: bool,
    pub ignore_null_replace: bool,
    pub or_as_and: bool,
    pub add_replaces_list: bool,
    pub reject_value_path_patch: bool,
    pub duplicate_400: bool,
    /// `Some(n)`: every nth request gets 429.
    pub rate_limit_every: Option<u32>,
    pub no_auth: bool,
    pub charset: bool,
    pub latency: Option<Duration>,
    pub ignore_bulk_limits: bool,
    pub discovery_filter_ignored: bool,
    pub require_user_agent: bool,
}

impl Quirks {
    /// Collects quirks; a later `rate-limit` or `latency` overrides an earlier one.
    pub fn from_list(list: &[Quirk]) -> Quirks {
        let mut quirks = Quirks::default();
        for quirk in list {
            quirks.enable(*quirk);
        }
        quirks
    }

    /// Turns one quirk on.
    pub fn enable(&mut self, quirk: Quirk) {
        match quirk {
            Quirk::EqSubstring => self.eq_substring = true,
            Quirk::CaseSensitiveUsername => self.case_sensitive_username = true,
            Quirk::FilterNoMatch404 => self.filter_no_match_404 = true,
            Quirk::ZeroBasedStartIndex => self.zero_based_start_index = true,
            Quirk::TotalResultsPageSize => self.total_results_page_size = true,
            Quirk::LowercaseResources => self.lowercase_resources = true,
            Quirk::JsonContentType => self.json_content_type = true,
            Quirk::NumericErrorStatus => self.numeric_error_status = true,
            Quirk::CaseSensitivePatchOp => self.case_sensitive_patch_op = true,
            Quirk::RejectStringBooleans => self.reject_string_booleans = true,
            Quirk::MemberRemovalEmptiesGroup => self.member_removal_empties_group = true,
            Quirk::IgnoreExcludedAttributes => self.ignore_excluded_attributes = true,
            Quirk::PatchNoContent => self.patch_no_content = true,
            Quirk::PutNotStored => self.put_not_stored = true,
            Quirk::IgnoreIfMatch => self.ignore_if_match = true,
            Quirk::AlwaysNotModified => self.always_not_modified = true,
            Quirk::IgnoreFailOnErrors => self.ignore_fail_on_errors = true,
            Quirk::IgnoreSort => self.ignore_sort = true,
            Quirk::IgnoreNullReplace => self.ignore_null_replace = true,
            Quirk::OrAsAnd => self.or_as_and = true,
            Quirk::AddReplacesList => self.add_replaces_list = true,
            Quirk::RejectValuePathPatch => self.reject_value_path_patch = true,
            Quirk::Duplicate400 => self.duplicate_400 = true,
            Quirk::RateLimit(every) => self.rate_limit_every = Some(every),
            Quirk::NoAuth => self.no_auth = true,
            Quirk::Charset => self.charset = true,
            Quirk::Latency(ms) => self.latency = Some(Duration::from_millis(ms)),
            Quirk::IgnoreBulkLimits => self.ignore_bulk_limits = true,
            Quirk::DiscoveryFilterIgnored => self.discovery_filter_ignored = true,
            Quirk::RequireUserAgent => self.require_user_agent = true,
        }
    }

    /// The 400 a quirk answers to a PATCH body that the clean server accepts:
    /// `case-sensitive-patch-op` refuses an `op` not spelled in lowercase,
    /// `reject-value-path-patch` a `path` with a value filter.
    pub fn refused_patch(&self, body: &Value) -> Option<ScimError> {
        let operations = operations(body)?;
        let texts = |key: &'static str| {
            operations
                .iter()
                .filter_map(move |op| get_ci(op, key).and_then(Value::as_str))
        };
        if self.case_sensitive_patch_op
            && let Some(sent) = texts("op").find(|op| !matches!(*op, "add" | "remove" | "replace"))
        {
            return Some(ScimError::typed(
                ScimType::InvalidSyntax,
                format!("unknown PATCH op `{sent}`: expected add, remove or replace"),
            ));
        }
        if self.reject_value_path_patch
            && let Some(path) = texts("path").find(|path| path.contains('['))
        {
            return Some(ScimError::typed(
                ScimType::InvalidPath,
                format!("unsupported PATCH path `{path}`: filters in paths are not supported"),
            ));
        }
        None
    }

    /// Rewrites a PATCH body the way the misreading quirks understand it. The body is copied
    /// only when one of them is on.
    pub fn rewrite_patch(&self, body: &mut Cow<'_, Value>, on_group: bool) {
        let widen_member_removal = self.member_removal_empties_group && on_group;
        if !(widen_member_removal || self.ignore_null_replace || self.add_replaces_list) {
            return;
        }
        let Some(operations) = operations_mut(body.to_mut()) else {
            return;
        };
        for op in operations.iter_mut().filter_map(Value::as_object_mut) {
            let kind = text_of(op, "op").map(str::to_ascii_lowercase);
            match kind.as_deref() {
                Some("remove") if widen_member_removal => drop_member_list(op),
                Some("replace") if self.ignore_null_replace => skip_nulls(op),
                Some("add") if self.add_replaces_list => add_list_as_replace(op),
                _ => {}
            }
        }
    }

    /// `duplicate-400`: a uniqueness conflict (409, RFC 7644 §3.3) is answered as a plain
    /// 400 `invalidValue`; every other error is left as it is.
    pub fn reshape_error<'e>(&self, error: &'e ScimError) -> Cow<'e, ScimError> {
        if self.duplicate_400 && error.scim_type == Some(ScimType::Uniqueness) {
            Cow::Owned(ScimError::typed(
                ScimType::InvalidValue,
                error.detail.clone(),
            ))
        } else {
            Cow::Borrowed(error)
        }
    }

    /// The `Content-Type` of every JSON response.
    pub fn content_type(&self) -> &'static str {
        if self.json_content_type {
            "application/json"
        } else if self.charset {
            "application/scim+json; charset=utf-8"
        } else {
            "application/scim+json"
        }
    }
}

fn operations(body: &Value) -> Option<&Vec<Value>> {
    get_ci(body, "Operations")?.as_array()
}

fn operations_mut(body: &mut Value) -> Option<&mut Vec<Value>> {
    body.as_object_mut()?
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
        .and_then(|(_, v)| v.as_array_mut())
}

/// A string member of a PATCH operation, its key matched case-insensitively.
fn text_of<'a>(op: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    op.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str())
}

/// The `value` member of a PATCH operation, its key matched case-insensitively.
fn value_of(op: &mut Map<String, Value>) -> Option<&mut Value> {
    op.iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case("value"))
        .map(|(_, v)| v)
}

/// `member-removal-empties-group`: a `remove` of `members` that lists the members to drop
/// (Entra's legacy shape) loses its list, so it removes every member.
fn drop_member_list(op: &mut Map<String, Value>) {
    if text_of(op, "path").is_some_and(|path| path.eq_ignore_ascii_case("members")) {
        op.retain(|k, _| !k.eq_ignore_ascii_case("value"));
    }
}

/// `ignore-null-replace`: a `replace` whose value is `null` becomes a replace of nothing (no
/// path, no attributes), and `null` members of an object value are dropped, the way a server
/// that skips nulls while merging behaves (RFC 7643 §2.5 says null clears).
fn skip_nulls(op: &mut Map<String, Value>) {
    match value_of(op) {
        Some(value @ Value::Null) => {
            *value = Value::Object(Map::new());
            op.retain(|k, _| !k.eq_ignore_ascii_case("path"));
        }
        Some(Value::Object(members)) => members.retain(|_, member| !member.is_null()),
        _ => {}
    }
}

/// `add-replaces-list`: an `add` of a list to a path is applied as a `replace`, so the list
/// takes the place of the attribute's values instead of joining them (RFC 7644 §3.5.2.1).
fn add_list_as_replace(op: &mut Map<String, Value>) {
    let has_path = text_of(op, "path").is_some_and(|path| !path.trim().is_empty());
    if !(has_path && value_of(op).is_some_and(|value| value.is_array())) {
        return;
    }
    if let Some((_, kind)) = op.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("op")) {
        *kind = "replace".into();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogued_name_parses() {
        for (name, _) in CATALOGUE {
            let text = name.replace("[=N]", "").replace("=MS", "=25");
            assert!(Quirk::parse(&text).is_ok(), "{text} should parse");
        }
    }

    #[test]
    fn display_gives_back_what_parse_reads() {
        for (name, _) in CATALOGUE {
            let text = name.replace("[=N]", "=3").replace("=MS", "=25");
            let quirk = Quirk::parse(&text).unwrap();
            assert_eq!(quirk.to_string(), text);
        }
    }

    #[test]
    fn arguments_are_read_and_checked() {
        assert_eq!(
            Quirk::parse("rate-limit"),
            Ok(Quirk::RateLimit(DEFAULT_RATE_LIMIT_EVERY))
        );
        assert_eq!(Quirk::parse("rate-limit=3"), Ok(Quirk::RateLimit(3)));
        assert!(Quirk::parse("rate-limit=0").is_err());
        assert_eq!(Quirk::parse("latency=40"), Ok(Quirk::Latency(40)));
        assert!(Quirk::parse("latency").is_err());
        assert!(Quirk::parse("latency=fast").is_err());
        assert!(Quirk::parse("no-auth=1").is_err());
    }

    #[test]
    fn an_unknown_name_lists_the_valid_ones() {
        let message = Quirk::parse("eq-prefix").unwrap_err().to_string();
        assert!(message.starts_with("unknown quirk `eq-prefix`; valid quirks: eq-substring"));
        assert!(message.contains("latency=MS"));
    }

    #[test]
    fn patch_rewrites_touch_only_the_operations_they_name() {
        let body = serde_json::json!({"Operations": [
            {"op": "Add", "path": "emails", "value": [{"value": "a@b.c"}]},
            {"op": "add", "path": "title", "value": "T"},
            {"op": "replace", "path": "nickName", "value": null},
            {"op": "replace", "value": {"title": null, "displayName": "D"}},
            {"op": "remove", "path": "members", "value": [{"value": "1"}]},
        ]});
        let mut untouched = Cow::Borrowed(&body);
        Quirks::default().rewrite_patch(&mut untouched, true);
        assert!(
            matches!(untouched, Cow::Borrowed(_)),
            "no copy without a quirk"
        );
        let quirks = Quirks::from_list(&[
            Quirk::AddReplacesList,
            Quirk::IgnoreNullReplace,
            Quirk::MemberRemovalEmptiesGroup,
        ]);
        let mut rewritten = Cow::Borrowed(&body);
        quirks.rewrite_patch(&mut rewritten, true);
        assert_eq!(
            rewritten.into_owned(),
            serde_json::json!({"Operations": [
                {"op": "replace", "path": "emails", "value": [{"value": "a@b.c"}]},
                {"op": "add", "path": "title", "value": "T"},
                {"op": "replace", "value": {}},
                {"op": "replace", "value": {"displayName": "D"}},
                {"op": "remove", "path": "members"},
            ]})
        );
        let mut on_a_user = Cow::Borrowed(&body);
        quirks.rewrite_patch(&mut on_a_user, false);
        assert_eq!(
            on_a_user["Operations"][4]["value"][0]["value"], "1",
            "member removal is widened on groups only"
        );
    }

    #[test]
    fn content_type_follows_the_quirks() {
        let mut quirks = Quirks::default();
        assert_eq!(quirks.content_type(), "application/scim+json");
        quirks.enable(Quirk::Charset);
        assert_eq!(
            quirks.content_type(),
            "application/scim+json; charset=utf-8"
        );
        quirks.enable(Quirk::JsonContentType);
        assert_eq!(quirks.content_type(), "application/json");
    }
}
