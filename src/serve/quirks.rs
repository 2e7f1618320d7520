//! Real-world server deviations that `scimctl serve --quirk NAME` reproduces on purpose.
//!
//! Each quirk is one flag in [`Quirks`], consulted at exactly one point of the server, so that
//! turning it on changes exactly the behaviour it names and nothing else. The conformance suite
//! is graded against every one of them. Pure: no I/O.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::scim::filter::{CompareOp, Filter};
use crate::scim::model::{ENTERPRISE_USER_SCHEMA, ScimError, ScimType, USER_SCHEMA};
use crate::scim::resource::get_ci;
use crate::serve::query::Projection;

/// How often `rate-limit` answers 429 when no N is given.
pub const DEFAULT_RATE_LIMIT_EVERY: u32 = 5;

/// How often `drop-connections` closes a connection when no N is given.
pub const DEFAULT_DROP_EVERY: u32 = 10;

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
    SoftDelete,
    PasswordEchoed,
    PatchNotAtomic,
    FilteredRemoveClearsAll,
    RejectUrnPaths,
    LocationMismatch,
    SchemasMissingUser,
    ReplaceMergesList,
    DiscoveryWrite404,
    CountZero400,
    PathlessPatchIgnored,
    RejectApplicationJson,
    AttributesDropId,
    EtagNeverChanges,
    ClientIdHonoured,
    EnterpriseExtensionDropped,
    EtagOnlyOnReads,
    NegativeCount400,
    FilterEqOnly,
    NoContentHtml,
    RequireNameFormatted,
    RejectRawQueryChars,
    /// Every Nth request is applied, then its connection is closed without an answer.
    DropConnections(u32),
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
    (
        "soft-delete",
        "DELETE answers 204 but the resource can still be read and listed",
    ),
    (
        "password-echoed",
        "the password (returned \"never\") comes back in responses",
    ),
    (
        "patch-not-atomic",
        "a PATCH that fails keeps the changes of the operations before the failing one",
    ),
    (
        "filtered-remove-clears-all",
        "PATCH remove with a filter (`emails[type eq \"work\"]`) removes every value",
    ),
    (
        "reject-urn-paths",
        "PATCH paths and filters qualified with a schema URN get 400",
    ),
    (
        "location-mismatch",
        "the Location header of a 201 says https, meta.location http",
    ),
    (
        "schemas-missing-user",
        "/Schemas leaves out the core User schema (its URN answers 404)",
    ),
    (
        "replace-merges-list",
        "PATCH replace of a list adds to a multi-valued attribute's values",
    ),
    (
        "discovery-write-404",
        "writes to discovery endpoints get 404, not 405 Method Not Allowed",
    ),
    (
        "count-zero-400",
        "count=0 is refused with 400 instead of answering only totalResults",
    ),
    (
        "pathless-patch-ignored",
        "PATCH operations without a path answer 200 but change nothing",
    ),
    (
        "reject-application-json",
        "request bodies sent as application/json get 415",
    ),
    (
        "attributes-drop-id",
        "attributes/excludedAttributes leave out `id` unless it is named",
    ),
    (
        "etag-never-changes",
        "meta.version and the ETag stay what they were at creation, whatever is written",
    ),
    (
        "client-id-honoured",
        "a create that carries an `id` keeps it instead of issuing one",
    ),
    (
        "enterprise-extension-dropped",
        "POST and PUT accept the enterprise extension but store none of it",
    ),
    (
        "etag-only-on-reads",
        "answers to POST, PUT and PATCH carry no ETag header; GET still does",
    ),
    (
        "negative-count-400",
        "a negative count is refused with 400 instead of being read as 0",
    ),
    (
        "filter-eq-only",
        "filters other than `eq` comparisons joined by `and` get 400 invalidFilter (legal)",
    ),
    (
        "no-content-html",
        "a 204 No Content says `Content-Type: text/html`, as Django's do (legal: it has no content)",
    ),
    (
        "require-name-formatted",
        "POST /Users without `name.formatted` gets 400 invalidValue (only userName is required)",
    ),
    (
        "reject-raw-query-chars",
        "a raw `\"`, `<` or `>` in the query (Entra's `filter=userName+eq+\"x\"`) gets an empty 400 \
         and the connection closes, before any SCIM code runs",
    ),
    (
        "drop-connections[=N]",
        "every Nth request (default 10) is read and applied, then its connection is closed \
         without an answer (a fault, for testing clients)",
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
            "soft-delete" => flag(Quirk::SoftDelete),
            "password-echoed" => flag(Quirk::PasswordEchoed),
            "patch-not-atomic" => flag(Quirk::PatchNotAtomic),
            "filtered-remove-clears-all" => flag(Quirk::FilteredRemoveClearsAll),
            "reject-urn-paths" => flag(Quirk::RejectUrnPaths),
            "location-mismatch" => flag(Quirk::LocationMismatch),
            "schemas-missing-user" => flag(Quirk::SchemasMissingUser),
            "replace-merges-list" => flag(Quirk::ReplaceMergesList),
            "discovery-write-404" => flag(Quirk::DiscoveryWrite404),
            "count-zero-400" => flag(Quirk::CountZero400),
            "pathless-patch-ignored" => flag(Quirk::PathlessPatchIgnored),
            "reject-application-json" => flag(Quirk::RejectApplicationJson),
            "attributes-drop-id" => flag(Quirk::AttributesDropId),
            "etag-never-changes" => flag(Quirk::EtagNeverChanges),
            "client-id-honoured" => flag(Quirk::ClientIdHonoured),
            "enterprise-extension-dropped" => flag(Quirk::EnterpriseExtensionDropped),
            "etag-only-on-reads" => flag(Quirk::EtagOnlyOnReads),
            "negative-count-400" => flag(Quirk::NegativeCount400),
            "filter-eq-only" => flag(Quirk::FilterEqOnly),
            "no-content-html" => flag(Quirk::NoContentHtml),
            "require-name-formatted" => flag(Quirk::RequireNameFormatted),
            "reject-raw-query-chars" => flag(Quirk::RejectRawQueryChars),
            "drop-connections" => match arg {
                None => Ok(Quirk::DropConnections(DEFAULT_DROP_EVERY)),
                Some(_) => match u32::try_from(number("requests")?) {
                    Ok(every) if every >= 1 => Ok(Quirk::DropConnections(every)),
                    _ => Err(UnknownQuirk(format!(
                        "quirk `drop-connections` needs N between 1 and {}",
                        u32::MAX
                    ))),
                },
            },
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
            Quirk::SoftDelete => "soft-delete",
            Quirk::PasswordEchoed => "password-echoed",
            Quirk::PatchNotAtomic => "patch-not-atomic",
            Quirk::FilteredRemoveClearsAll => "filtered-remove-clears-all",
            Quirk::RejectUrnPaths => "reject-urn-paths",
            Quirk::LocationMismatch => "location-mismatch",
            Quirk::SchemasMissingUser => "schemas-missing-user",
            Quirk::ReplaceMergesList => "replace-merges-list",
            Quirk::DiscoveryWrite404 => "discovery-write-404",
            Quirk::CountZero400 => "count-zero-400",
            Quirk::PathlessPatchIgnored => "pathless-patch-ignored",
            Quirk::RejectApplicationJson => "reject-application-json",
            Quirk::AttributesDropId => "attributes-drop-id",
            Quirk::EtagNeverChanges => "etag-never-changes",
            Quirk::ClientIdHonoured => "client-id-honoured",
            Quirk::EnterpriseExtensionDropped => "enterprise-extension-dropped",
            Quirk::EtagOnlyOnReads => "etag-only-on-reads",
            Quirk::NegativeCount400 => "negative-count-400",
            Quirk::FilterEqOnly => "filter-eq-only",
            Quirk::NoContentHtml => "no-content-html",
            Quirk::RequireNameFormatted => "require-name-formatted",
            Quirk::RejectRawQueryChars => "reject-raw-query-chars",
            Quirk::DropConnections(every) => return write!(f, "drop-connections={every}"),
        };
        f.write_str(name)
    }
}

/// The widest line of [`help_table`]: clap re-wraps longer lines without indenting them.
const HELP_WIDTH: usize = 98;

/// The help text block listing every quirk, one per entry; long descriptions wrap under
/// themselves.
pub fn help_table() -> String {
    let width = CATALOGUE.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let indent = 2 + width + 2;
    let room = HELP_WIDTH.saturating_sub(indent).max(20);
    let mut text = String::from("Quirks (--quirk NAME, repeatable):\n");
    for (name, description) in CATALOGUE {
        let mut line = format!("  {name:<width$}  ");
        // Characters of the description on the current line.
        let mut column = 0;
        for word in description.split_whitespace() {
            if column > 0 && column + 1 + word.len() > room {
                line.push('\n');
                line.push_str(&" ".repeat(indent));
                column = 0;
            } else if column > 0 {
                line.push(' ');
                column += 1;
            }
            line.push_str(word);
            column += word.len();
        }
        text.push_str(&line);
        text.push('\n');
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
    pub soft_delete: bool,
    pub password_echoed: bool,
    pub patch_not_atomic: bool,
    pub filtered_remove_clears_all: bool,
    pub reject_urn_paths: bool,
    pub location_mismatch: bool,
    pub schemas_missing_user: bool,
    pub replace_merges_list: bool,
    pub discovery_write_404: bool,
    pub count_zero_400: bool,
    pub pathless_patch_ignored: bool,
    pub reject_application_json: bool,
    pub attributes_drop_id: bool,
    pub etag_never_changes: bool,
    pub client_id_honoured: bool,
    pub enterprise_extension_dropped: bool,
    pub etag_only_on_reads: bool,
    pub negative_count_400: bool,
    pub filter_eq_only: bool,
    pub no_content_html: bool,
    pub require_name_formatted: bool,
    pub reject_raw_query_chars: bool,
    /// `Some(n)`: every nth request is applied and its connection closed without an answer.
    pub drop_connections_every: Option<u32>,
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
            Quirk::DropConnections(every) => self.drop_connections_every = Some(every),
            Quirk::IgnoreBulkLimits => self.ignore_bulk_limits = true,
            Quirk::DiscoveryFilterIgnored => self.discovery_filter_ignored = true,
            Quirk::RequireUserAgent => self.require_user_agent = true,
            Quirk::SoftDelete => self.soft_delete = true,
            Quirk::PasswordEchoed => self.password_echoed = true,
            Quirk::PatchNotAtomic => self.patch_not_atomic = true,
            Quirk::FilteredRemoveClearsAll => self.filtered_remove_clears_all = true,
            Quirk::RejectUrnPaths => self.reject_urn_paths = true,
            Quirk::LocationMismatch => self.location_mismatch = true,
            Quirk::SchemasMissingUser => self.schemas_missing_user = true,
            Quirk::ReplaceMergesList => self.replace_merges_list = true,
            Quirk::DiscoveryWrite404 => self.discovery_write_404 = true,
            Quirk::CountZero400 => self.count_zero_400 = true,
            Quirk::PathlessPatchIgnored => self.pathless_patch_ignored = true,
            Quirk::RejectApplicationJson => self.reject_application_json = true,
            Quirk::AttributesDropId => self.attributes_drop_id = true,
            Quirk::EtagNeverChanges => self.etag_never_changes = true,
            Quirk::ClientIdHonoured => self.client_id_honoured = true,
            Quirk::EnterpriseExtensionDropped => self.enterprise_extension_dropped = true,
            Quirk::EtagOnlyOnReads => self.etag_only_on_reads = true,
            Quirk::NegativeCount400 => self.negative_count_400 = true,
            Quirk::FilterEqOnly => self.filter_eq_only = true,
            Quirk::NoContentHtml => self.no_content_html = true,
            Quirk::RequireNameFormatted => self.require_name_formatted = true,
            Quirk::RejectRawQueryChars => self.reject_raw_query_chars = true,
        }
    }

    /// The 400 a quirk answers to a PATCH body that the clean server accepts:
    /// `case-sensitive-patch-op` refuses an `op` not spelled in lowercase,
    /// `reject-value-path-patch` a `path` with a value filter, `reject-urn-paths` a `path`
    /// qualified with a schema URN (which RFC 7644 §3.10 allows everywhere).
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
        if self.reject_urn_paths
            && let Some(path) = texts("path").find(|path| starts_with_urn(path))
        {
            return Some(ScimError::typed(
                ScimType::InvalidPath,
                format!("unsupported PATCH path `{path}`: schema URNs in paths are not supported"),
            ));
        }
        None
    }

    /// The 400 for a filter the server declines: under `reject-urn-paths` one naming an
    /// attribute by its schema URN (a deviation), under `filter-eq-only` anything but `eq`
    /// comparisons joined by `and` (legal: RFC 7644 Table 9 lets a server refuse an attribute
    /// and operator combination it does not support, with `invalidFilter`).
    pub fn refused_filter(&self, filter: &Filter) -> Option<ScimError> {
        let reason = if self.reject_urn_paths && names_a_urn(filter) {
            "unsupported filter: schema URNs in attribute names are not supported"
        } else if self.filter_eq_only && !only_eq_and(filter) {
            "unsupported filter: only `eq` comparisons joined by `and` are supported"
        } else {
            return None;
        };
        Some(ScimError::typed(ScimType::InvalidFilter, reason))
    }

    /// `patch-not-atomic`: the operations of a PATCH body, each as a PATCH body of its own,
    /// for a server that applies them one by one and stops at the first failure instead of
    /// applying all or none (RFC 7644 §3.5.2).
    pub fn one_operation_each(body: &Value) -> Vec<Value> {
        let Some(operations) = operations(body) else {
            return Vec::new();
        };
        operations
            .iter()
            .map(|operation| {
                let mut single = body.clone();
                if let Some(list) = operations_mut(&mut single) {
                    *list = vec![operation.clone()];
                }
                single
            })
            .collect()
    }

    /// The `Location` header of a 201: `location-mismatch` swaps the scheme, as a server behind
    /// a TLS proxy does when only one of the two is built from the public URL (RFC 7644 §3.3
    /// gives the one URI of the new resource in both).
    pub fn location_header<'l>(&self, location: &'l str) -> Cow<'l, str> {
        if !self.location_mismatch {
            return Cow::Borrowed(location);
        }
        match location.strip_prefix("http://") {
            Some(rest) => Cow::Owned(format!("https://{rest}")),
            None => Cow::Owned(location.replacen("https://", "http://", 1)),
        }
    }

    /// `count-zero-400` and `negative-count-400`: the 400 for `count=0` or a negative count,
    /// which RFC 7644 §3.4.2.4 answers with the total and no resources.
    pub fn refused_count(&self, count: Option<i64>) -> Option<ScimError> {
        let refused = match count {
            Some(0) => self.count_zero_400,
            Some(negative) if negative < 0 => self.negative_count_400,
            _ => false,
        };
        refused
            .then(|| ScimError::typed(ScimType::InvalidValue, "count must be between 1 and 1000"))
    }

    /// `etag-only-on-reads`: whether the answer to a request with this method loses its ETag
    /// header, which RFC 7644 §3.14 requires on every answer with a versioned resource.
    pub fn drops_etag(&self, method_writes: bool) -> bool {
        self.etag_only_on_reads && method_writes
    }

    /// `enterprise-extension-dropped`: takes the enterprise extension (RFC 7643 §4.3) and its
    /// URN in `schemas` out of a POST or PUT body, as a server that only knows the core schema
    /// and ignores what it does not know would.
    pub fn drop_enterprise_extension(&self, body: &mut Value) {
        if !self.enterprise_extension_dropped {
            return;
        }
        let Some(object) = body.as_object_mut() else {
            return;
        };
        let is_extension = |text: &str| text.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA);
        object.retain(|key, _| !is_extension(key));
        if let Some(Value::Array(schemas)) = object.get_mut("schemas") {
            schemas.retain(|schema| !schema.as_str().is_some_and(is_extension));
        }
    }

    /// `attributes-drop-id`: whether a projected resource loses its `id`, which is returned
    /// "always" (RFC 7643 §3.1, §7) however `attributes` or `excludedAttributes` read.
    pub fn drops_id(&self, projection: &Projection) -> bool {
        self.attributes_drop_id
            && !projection.is_default()
            && !projection
                .attributes
                .iter()
                .any(|path| path.name.eq_ignore_ascii_case("id"))
    }

    /// The schemas `/Schemas` serves: `schemas-missing-user` leaves out the core User schema.
    pub fn served_schemas(&self, mut schemas: Vec<Value>) -> Vec<Value> {
        if self.schemas_missing_user {
            schemas.retain(|schema| schema.get("id").and_then(Value::as_str) != Some(USER_SCHEMA));
        }
        schemas
    }

    /// Rewrites a PATCH body the way the misreading quirks understand it. The body is copied
    /// only when one of them is on.
    pub fn rewrite_patch(&self, body: &mut Cow<'_, Value>, on_group: bool) {
        let widen_member_removal = self.member_removal_empties_group && on_group;
        if !(widen_member_removal
            || self.ignore_null_replace
            || self.add_replaces_list
            || self.replace_merges_list
            || self.filtered_remove_clears_all
            || self.pathless_patch_ignored)
        {
            return;
        }
        let Some(operations) = operations_mut(body.to_mut()) else {
            return;
        };
        for op in operations.iter_mut().filter_map(Value::as_object_mut) {
            if self.pathless_patch_ignored {
                empty_pathless_value(op);
            }
            let kind = text_of(op, "op").map(str::to_ascii_lowercase);
            match kind.as_deref() {
                Some("remove") => {
                    if widen_member_removal {
                        drop_member_list(op);
                    }
                    if self.filtered_remove_clears_all {
                        drop_value_filter(op);
                    }
                }
                Some("replace") => {
                    if self.ignore_null_replace {
                        skip_nulls(op);
                    }
                    if self.replace_merges_list {
                        swap_list_op(op, "add");
                    }
                }
                Some("add") if self.add_replaces_list => swap_list_op(op, "replace"),
                _ => {}
            }
        }
    }

    /// `require-name-formatted`: the 400 for a User create (`POST /Users`) whose body has no
    /// non-empty `name.formatted`, as a server that demands more than RFC 7643 §4.1 does (only
    /// `userName` is required there). PUT, PATCH and `/Bulk` are left as they are.
    pub fn refused_user_create(&self, body: &Value) -> Option<ScimError> {
        if !self.require_name_formatted {
            return None;
        }
        let formatted = get_ci(body, "name")
            .and_then(|name| get_ci(name, "formatted"))
            .and_then(Value::as_str)
            .is_some_and(|text| !text.trim().is_empty());
        (!formatted)
            .then(|| ScimError::typed(ScimType::InvalidValue, "Field 'name.formatted' is required"))
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

    /// Whether a request body's media type (its essence, lowercased) is refused with 415:
    /// `reject-application-json` accepts only `application/scim+json`, though RFC 7644 §3.8
    /// says servers SHOULD take `application/json` too.
    pub fn refuses_media_type(&self, essence: &str) -> bool {
        self.reject_application_json && essence == "application/json"
    }

    /// The `Content-Type` a 204 No Content carries: none, or under `no-content-html` Django's
    /// `text/html`. Legal: a 204 has no content (RFC 9110 §15.3.5), so its label says nothing.
    pub fn no_content_type(&self) -> Option<&'static str> {
        self.no_content_html.then_some("text/html; charset=utf-8")
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

/// `pathless-patch-ignored`: an operation without a path gets an empty object as its value, so
/// it is accepted and changes nothing, like a server that only looks at `path` (RFC 7644
/// §3.5.2.1 and §3.5.2.3 apply a pathless value's attributes to the resource).
fn empty_pathless_value(op: &mut Map<String, Value>) {
    if text_of(op, "path").is_some_and(|path| !path.trim().is_empty()) {
        return;
    }
    if let Some(value) = value_of(op) {
        *value = Value::Object(Map::new());
    }
}

/// `filtered-remove-clears-all`: a `remove` whose path has a value filter loses the filter and
/// everything after it, so `emails[type eq "work"]` removes every email (RFC 7644 §3.5.2.2
/// removes only the matching values).
fn drop_value_filter(op: &mut Map<String, Value>) {
    let Some((_, Value::String(path))) =
        op.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("path"))
    else {
        return;
    };
    if let Some(bracket) = path.find('[') {
        path.truncate(bracket);
    }
}

/// Whether a PATCH path or attribute name starts with a schema URN (`urn:...:User:title`).
fn starts_with_urn(path: &str) -> bool {
    path.get(..4)
        .is_some_and(|head| head.eq_ignore_ascii_case("urn:"))
}

/// Whether `filter` is only `eq` comparisons joined by `and`. The depth is the parser's, which
/// bounds it.
fn only_eq_and(filter: &Filter) -> bool {
    match filter {
        Filter::Compare(_, CompareOp::Eq, _) => true,
        Filter::And(left, right) => only_eq_and(left) && only_eq_and(right),
        _ => false,
    }
}

/// Whether any attribute path in `filter` is URN-qualified. The depth is the parser's, which
/// bounds it.
fn names_a_urn(filter: &Filter) -> bool {
    match filter {
        Filter::Present(path) | Filter::Compare(path, _, _) => path.urn.is_some(),
        Filter::Not(inner) => names_a_urn(inner),
        Filter::And(a, b) | Filter::Or(a, b) => names_a_urn(a) || names_a_urn(b),
        Filter::ValuePath(path, inner) => path.urn.is_some() || names_a_urn(inner),
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

/// An operation that sets a list at a path is applied as the other kind: under
/// `add-replaces-list` an `add` becomes a `replace`, so the list takes the place of the
/// attribute's values instead of joining them (RFC 7644 §3.5.2.1); under `replace-merges-list`
/// a `replace` becomes an `add`, so the old values stay (§3.5.2.3).
fn swap_list_op(op: &mut Map<String, Value>, applied_as: &str) {
    let has_path = text_of(op, "path").is_some_and(|path| !path.trim().is_empty());
    if !(has_path && value_of(op).is_some_and(|value| value.is_array())) {
        return;
    }
    if let Some((_, kind)) = op.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("op")) {
        *kind = applied_as.into();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_table_fits_its_width_and_wraps_under_the_description() {
        let table = help_table();
        let indent = 2 + CATALOGUE.iter().map(|(n, _)| n.len()).max().unwrap_or(0) + 2;
        for line in table.lines() {
            assert!(line.chars().count() <= HELP_WIDTH, "too wide: {line}");
        }
        for (name, description) in CATALOGUE {
            let entry = table
                .split(&format!("\n  {name} "))
                .nth(1)
                .unwrap_or_else(|| panic!("{name} is not listed"));
            let mut lines = entry.lines();
            let mut words: Vec<&str> = lines
                .next()
                .unwrap_or_default()
                .split_whitespace()
                .collect();
            for continuation in lines.take_while(|l| l.starts_with(&" ".repeat(indent))) {
                words.extend(continuation.split_whitespace());
            }
            assert_eq!(words.join(" "), *description, "{name}");
        }
    }

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
        assert_eq!(
            Quirk::parse("drop-connections"),
            Ok(Quirk::DropConnections(DEFAULT_DROP_EVERY))
        );
        assert_eq!(
            Quirk::parse("drop-connections=3"),
            Ok(Quirk::DropConnections(3))
        );
        assert!(Quirk::parse("drop-connections=0").is_err());
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
            {"op": "remove", "path": "emails[type eq \"work\"].value"},
            {"op": "replace", "path": "phoneNumbers", "value": [{"value": "1"}]},
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
            Quirk::FilteredRemoveClearsAll,
            Quirk::ReplaceMergesList,
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
                {"op": "remove", "path": "emails"},
                {"op": "add", "path": "phoneNumbers", "value": [{"value": "1"}]},
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
