//! The one table of `serve --quirk`s: each quirk's variant, switch, name, verdict and wording are
//! written once, in [`quirk_table!`]'s invocation below, and not repeated anywhere else.
//!
//! Generated: the [`Quirk`] enum and its parsing and `Display`, the switches of [`Quirks`] and
//! [`Quirks::enable`], and [`CATALOGUE`], from which `serve --help` ([`help_table`]), README's
//! table ([`readme_table`]) and the accuracy test's lists come. What a quirk does to the server
//! lives in `quirks.rs` and the server's modules, not here. Pure: no I/O.

use std::fmt;
use std::time::Duration;

/// How often `rate-limit` answers 429 when no N is given.
pub const DEFAULT_RATE_LIMIT_EVERY: u32 = 5;

/// How often `drop-connections` closes a connection when no N is given.
pub const DEFAULT_DROP_EVERY: u32 = 10;

/// What a quirk is, for the conformance suite that is graded against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Breaks RFC 7643/7644 or what an IdP relies on: the built-in suites must catch it, with
    /// exactly the verdicts listed in `fixtures/expected/<quirk>.toml`.
    Deviation,
    /// Allowed by the RFCs: a check that fails on it is a false alarm.
    Legal,
    /// A fault below HTTP (a connection closed without an answer) for testing how a client
    /// copes: not graded by the suites, where a check whose connection is cut has no verdict.
    Fault,
}

/// One row of the table, as `serve --help` and README show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuirkInfo {
    /// The name given to `--quirk`.
    pub name: &'static str,
    /// How an argument follows the name (`[=N]`, `=MS`); empty for a quirk without one.
    pub argument: &'static str,
    /// Deviation or legal variant.
    pub kind: Kind,
    /// The one-line description `serve --help` shows.
    pub summary: &'static str,
    /// README's description: the summary, or a longer text that cites the RFC.
    pub details: &'static str,
    /// A valid argument, for examples and tests; empty for a quirk without one.
    pub example_argument: &'static str,
}

impl QuirkInfo {
    /// The name with its argument, as the help writes it: `rate-limit[=N]`.
    pub fn usage(&self) -> String {
        format!("{}{}", self.name, self.argument)
    }

    /// A valid `--quirk` value for this quirk: `latency=20`.
    pub fn example(&self) -> String {
        if self.example_argument.is_empty() {
            self.name.to_owned()
        } else {
            format!("{}={}", self.name, self.example_argument)
        }
    }
}

/// Why a `--quirk` value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownQuirk(pub String);

impl fmt::Display for UnknownQuirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = CATALOGUE.iter().map(QuirkInfo::usage).collect();
        write!(f, "{}; valid quirks: {}", self.0, names.join(", "))
    }
}

impl std::error::Error for UnknownQuirk {}

/// How a quirk that takes an argument (`name=ARG`) reads it and what it switches on.
pub trait QuirkArgument {
    /// What the [`Quirk`] variant carries: the argument as read.
    type Value: Copy + fmt::Debug + fmt::Display + PartialEq + Eq;
    /// What the field of [`Quirks`] holds while the quirk is on.
    type Setting: Copy + fmt::Debug + PartialEq + Eq;
    /// How the help writes the argument after the name.
    const USAGE: &'static str;
    /// A valid argument.
    const EXAMPLE: &'static str;
    /// Reads the text after `=`, if any, for the quirk `name`.
    fn parse(name: &str, argument: Option<&str>) -> Result<Self::Value, UnknownQuirk>;
    /// The switch's value for an argument.
    fn setting(value: Self::Value) -> Self::Setting;
}

/// `NAME[=N]`: every Nth request, N at least 1, by default `DEFAULT`.
#[derive(Debug)]
pub enum EveryNth<const DEFAULT: u32> {}

/// `rate-limit[=N]`, by default every [`DEFAULT_RATE_LIMIT_EVERY`]th request.
pub type RateLimitEvery = EveryNth<DEFAULT_RATE_LIMIT_EVERY>;

/// `drop-connections[=N]`, by default every [`DEFAULT_DROP_EVERY`]th request.
pub type DropEvery = EveryNth<DEFAULT_DROP_EVERY>;

impl<const DEFAULT: u32> QuirkArgument for EveryNth<DEFAULT> {
    type Value = u32;
    type Setting = u32;
    const USAGE: &'static str = "[=N]";
    const EXAMPLE: &'static str = "7";

    fn parse(name: &str, argument: Option<&str>) -> Result<u32, UnknownQuirk> {
        if argument.is_none() {
            return Ok(DEFAULT);
        }
        match u32::try_from(whole_number(name, "requests", argument)?) {
            Ok(every) if every >= 1 => Ok(every),
            _ => Err(UnknownQuirk(format!(
                "quirk `{name}` needs N between 1 and {}",
                u32::MAX
            ))),
        }
    }

    fn setting(every: u32) -> u32 {
        every
    }
}

/// `latency=MS`: a delay in whole milliseconds, which must be given.
#[derive(Debug)]
pub enum Millis {}

impl QuirkArgument for Millis {
    type Value = u64;
    type Setting = Duration;
    const USAGE: &'static str = "=MS";
    const EXAMPLE: &'static str = "20";

    fn parse(name: &str, argument: Option<&str>) -> Result<u64, UnknownQuirk> {
        whole_number(name, "milliseconds", argument)
    }

    fn setting(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }
}

/// The argument of quirk `name` as a whole number of `what`.
fn whole_number(name: &str, what: &str, argument: Option<&str>) -> Result<u64, UnknownQuirk> {
    let argument =
        argument.ok_or_else(|| UnknownQuirk(format!("quirk `{name}` needs `={what}`")))?;
    argument.parse::<u64>().map_err(|_| {
        UnknownQuirk(format!(
            "quirk `{name}` needs a whole number of {what}, got `{argument}`"
        ))
    })
}

/// Generates every spelling of the quirks from one row each:
/// `Kind Variant[(Argument)] field "name" "summary" [, "details"];`.
macro_rules! quirk_table {
    (@pattern $variant:ident $value:ident) => { Quirk::$variant };
    (@pattern $variant:ident $value:ident $argument:ident) => { Quirk::$variant($value) };
    (@parse $variant:ident $name:ident $text:ident) => {
        match $text {
            None => Ok(Quirk::$variant),
            Some(_) => Err(UnknownQuirk(format!("quirk `{}` takes no argument", $name))),
        }
    };
    (@parse $variant:ident $name:ident $text:ident $argument:ident) => {
        <$argument as QuirkArgument>::parse($name, $text).map(Quirk::$variant)
    };
    (@display $f:ident $name:literal $value:ident) => { $f.write_str($name) };
    (@display $f:ident $name:literal $value:ident $argument:ident) => {
        write!($f, "{}={}", $name, $value)
    };
    (@field) => { bool };
    (@field $argument:ident) => { Option<<$argument as QuirkArgument>::Setting> };
    (@setting $value:ident) => { true };
    (@setting $value:ident $argument:ident) => {
        Some(<$argument as QuirkArgument>::setting($value))
    };
    (@usage) => { "" };
    (@usage $argument:ident) => { <$argument as QuirkArgument>::USAGE };
    (@example) => { "" };
    (@example $argument:ident) => { <$argument as QuirkArgument>::EXAMPLE };
    (@details $summary:literal) => { $summary };
    (@details $summary:literal $details:literal) => { $details };
    ($(
        $kind:ident $variant:ident $(($argument:ident))? $field:ident $name:literal
            $summary:literal $(, $details:literal)?;
    )*) => {
        /// One `--quirk` as named on the command line.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Quirk {
            $(
                #[doc = $summary]
                $variant $((<$argument as QuirkArgument>::Value))?,
            )*
        }

        /// Every quirk, in help order.
        pub const CATALOGUE: &[QuirkInfo] = &[$(
            QuirkInfo {
                name: $name,
                argument: quirk_table!(@usage $($argument)?),
                kind: Kind::$kind,
                summary: $summary,
                details: quirk_table!(@details $summary $($details)?),
                example_argument: quirk_table!(@example $($argument)?),
            },
        )*];

        impl Quirk {
            /// Parses `name` or `name=ARG` as listed in [`CATALOGUE`].
            pub fn parse(text: &str) -> Result<Quirk, UnknownQuirk> {
                let (name, argument) = match text.split_once('=') {
                    Some((name, argument)) => (name, Some(argument)),
                    None => (text, None),
                };
                match name {
                    $($name => quirk_table!(@parse $variant name argument $($argument)?),)*
                    _ => Err(UnknownQuirk(format!("unknown quirk `{name}`"))),
                }
            }

            /// The name given to `--quirk`, without its argument.
            pub fn name(&self) -> &'static str {
                match self {
                    $(quirk_table!(@pattern $variant _value $($argument)?) => $name,)*
                }
            }
        }

        impl fmt::Display for Quirk {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $(quirk_table!(@pattern $variant value $($argument)?) =>
                        quirk_table!(@display f $name value $($argument)?),)*
                }
            }
        }

        /// The set of quirks a server runs with: one switch per quirk, all off by default.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct Quirks {
            $(
                #[doc = $summary]
                pub $field: quirk_table!(@field $($argument)?),
            )*
        }

        impl Quirks {
            /// Turns one quirk on; a quirk given again with another argument overrides the first.
            pub fn enable(&mut self, quirk: Quirk) {
                match quirk {
                    $(quirk_table!(@pattern $variant value $($argument)?) =>
                        self.$field = quirk_table!(@setting value $($argument)?),)*
                }
            }
        }
    };
}

// Columns: kind, variant (with its argument's type), switch in `Quirks`, `--quirk` name,
// summary for `serve --help`, and README's longer text where the summary is not enough.
quirk_table! {
    Deviation EqSubstring eq_substring "eq-substring"
        "filter `eq` matches substrings (`px` also finds `px_1`)";
    Deviation CaseSensitiveUsername case_sensitive_username "case-sensitive-username"
        "filters compare userName case-sensitively";
    Deviation FilterNoMatch404 filter_no_match_404 "filter-no-match-404"
        "a filtered list with no match answers 404, not an empty 200";
    Deviation ZeroBasedStartIndex zero_based_start_index "zero-based-start-index"
        "startIndex counts from 0 (startIndex=1 skips the first resource)";
    Deviation TotalResultsPageSize total_results_page_size "total-results-page-size"
        "totalResults is the size of the page, not of the whole result";
    Deviation LowercaseResources lowercase_resources "lowercase-resources"
        "ListResponse puts its page under `resources`, not `Resources`";
    Deviation JsonContentType json_content_type "json-content-type"
        "responses say application/json instead of application/scim+json";
    Deviation NumericErrorStatus numeric_error_status "numeric-error-status"
        "Error bodies carry `status` as a number, not a string";
    Deviation CaseSensitivePatchOp case_sensitive_patch_op "case-sensitive-patch-op"
        "PATCH rejects an `op` that is not lowercase (`Replace`) with 400";
    Deviation BinaryUnpadded binary_unpadded "binary-unpadded"
        "`x509Certificates` values are stored and returned without their base64 `=` padding \
         (RFC 7643 §2.3.6: base64 as RFC 4648 §4 writes it)";
    Deviation RejectStringBooleans reject_string_booleans "reject-string-booleans"
        "`\"True\"`/`\"False\"` for boolean attributes are rejected with 400";
    Deviation MemberRemovalEmptiesGroup member_removal_empties_group
        "member-removal-empties-group"
        "PATCH remove of `members` with a value list removes all members";
    Deviation IgnoreExcludedAttributes ignore_excluded_attributes "ignore-excluded-attributes"
        "the excludedAttributes parameter is ignored";
    Legal PatchNoContent patch_no_content "patch-no-content"
        "PATCH answers 204 without a body (legal; 200 if `attributes=` sent)";
    Deviation PutNotStored put_not_stored "put-not-stored"
        "PUT answers 200 with the new resource but stores nothing";
    Deviation IgnoreIfMatch ignore_if_match "ignore-if-match"
        "If-Match is ignored: writes with a stale version succeed, no 412";
    Deviation AlwaysNotModified always_not_modified "always-not-modified"
        "any If-None-Match gets 304, even a version that is out of date";
    Deviation IgnoreFailOnErrors ignore_fail_on_errors "ignore-fail-on-errors"
        "`/Bulk` runs every operation whatever `failOnErrors` says";
    Deviation IgnoreSort ignore_sort "ignore-sort"
        "`sortBy`/`sortOrder` are accepted but lists keep the store's order";
    Deviation IgnoreNullReplace ignore_null_replace "ignore-null-replace"
        "PATCH replace with value `null` leaves the attribute unchanged";
    Deviation OrAsAnd or_as_and "or-as-and"
        "the filter operator `or` is evaluated as `and`";
    Deviation AddReplacesList add_replaces_list "add-replaces-list"
        "PATCH add of a list replaces a multi-valued attribute's values";
    Deviation RejectValuePathPatch reject_value_path_patch "reject-value-path-patch"
        "PATCH paths with a filter (`emails[type eq \"work\"]`) get 400";
    Deviation Duplicate400 duplicate_400 "duplicate-400"
        "a duplicate userName or displayName gets 400, not 409 uniqueness";
    Legal RateLimit(RateLimitEvery) rate_limit_every "rate-limit"
        "every Nth request (default 5) gets 429 + `Retry-After: 1` (legal)";
    Deviation NoAuth no_auth "no-auth"
        "requests without a valid bearer token are served";
    Deviation NoWwwAuthenticate no_www_authenticate "no-www-authenticate"
        "a 401 carries no `WWW-Authenticate` header naming the scheme (RFC 7644 §2: SHALL)";
    Legal Charset charset "charset"
        "Content-Type gets `; charset=utf-8` (legal)";
    Deviation Latin1Responses latin1_responses "latin1-responses"
        "JSON responses are labelled `; charset=iso-8859-1` (RFC 7644 §3.8: UTF-8 SHALL be the \
         encoding)";
    Legal Latency(Millis) latency "latency"
        "every answer is delayed by MS milliseconds (legal)";
    Deviation IgnoreBulkLimits ignore_bulk_limits "ignore-bulk-limits"
        "bulk requests over maxOperations or maxPayloadSize are run, not refused with 413";
    Deviation DiscoveryFilterIgnored discovery_filter_ignored "discovery-filter-ignored"
        "discovery endpoints ignore a `filter` instead of answering 403";
    Deviation RequireUserAgent require_user_agent "require-user-agent"
        "requests without a User-Agent get an HTML 403, as from a web firewall";
    Deviation SoftDelete soft_delete "soft-delete"
        "DELETE answers 204 but the resource can still be read and listed";
    Deviation PasswordEchoed password_echoed "password-echoed"
        "the password (returned \"never\") comes back in responses";
    Deviation PatchNotAtomic patch_not_atomic "patch-not-atomic"
        "a PATCH that fails keeps the changes of the operations before the failing one";
    Deviation FilteredRemoveClearsAll filtered_remove_clears_all "filtered-remove-clears-all"
        "PATCH remove with a filter (`emails[type eq \"work\"]`) removes every value";
    Deviation RejectUrnPaths reject_urn_paths "reject-urn-paths"
        "PATCH paths and filters qualified with a schema URN get 400";
    Deviation LocationMismatch location_mismatch "location-mismatch"
        "the Location header of a 201 says https, meta.location http";
    Deviation SchemasMissingUser schemas_missing_user "schemas-missing-user"
        "`/Schemas` leaves out the core User schema (its URN answers 404)";
    Deviation ExtensionSchemaMissing extension_schema_missing "extension-schema-missing"
        "`/Schemas` leaves out the enterprise User schema that `/ResourceTypes` lists as an \
         extension (RFC 7643 §6)";
    Deviation ExtensionRequiredMissing extension_required_missing "extension-required-missing"
        "`/ResourceTypes` lists schema extensions without their REQUIRED `required` (RFC 7643 \
         §6)";
    Deviation SchemaResourcesWithoutMeta schema_resources_without_meta
        "schema-resources-without-meta"
        "the schemas `/Schemas` serves carry no `meta` (RFC 7643 erratum 8417)";
    Deviation MessageSchemasListed message_schemas_listed "message-schemas-listed"
        "`/Schemas` also lists the ListResponse message schema (RFC 7644 §3.1: SHALL NOT)";
    Deviation SchemaBadAttributeName schema_bad_attribute_name "schema-bad-attribute-name"
        "`/Schemas` names the enterprise `costCenter` \"cost center\", which is no attribute \
         name (RFC 7643 §2.1)";
    Deviation ExtensionRedefinesCore extension_redefines_core "extension-redefines-core"
        "`/Schemas` names the enterprise `division` \"title\", like a core User attribute \
         (RFC 7643 §3.3: SHOULD avoid)";
    Deviation SchemaNestedComplex schema_nested_complex "schema-nested-complex"
        "`/Schemas` gives User `addresses` a complex sub-attribute `geo` (RFC 7643 §2.3.8)";
    Deviation SchemaUnknownType schema_unknown_type "schema-unknown-type"
        "`/Schemas` types the enterprise `employeeNumber` \"int\", not one of RFC 7643 §7's \
         data types";
    Deviation ReferenceTypesNotArray reference_types_not_array "reference-types-not-array"
        "`/Schemas` writes the enterprise `manager.$ref` `referenceTypes` as a string, not an \
         array (RFC 7643 erratum 5607)";
    Deviation SchemaComplexWithoutSubAttributes schema_complex_without_sub_attributes
        "schema-complex-without-sub-attributes"
        "`/Schemas` describes the complex enterprise `manager` without its `subAttributes` \
         (RFC 7643 §7: SHOULD)";
    Deviation UserGroupsRefToUsers user_groups_ref_to_users "user-groups-ref-to-users"
        "`/Schemas` lets User `groups.$ref` reference Users too (RFC 7643 erratum 8471: \
         Groups only)";
    Deviation SchemaNulls schema_nulls "schema-nulls"
        "`/Schemas` sends `canonicalValues: null` on every attribute without canonical values \
         (Entra: no nulls)";
    Deviation SchemaLowercaseKeywords schema_lowercase_keywords "schema-lowercase-keywords"
        "`/Schemas` spells `mutability` in lowercase (`readwrite`), not as RFC 7643 §7 does \
         (Entra: SHOULD)";
    Deviation ReplaceMergesList replace_merges_list "replace-merges-list"
        "PATCH replace of a list adds to a multi-valued attribute's values";
    Deviation DiscoveryWrite404 discovery_write_404 "discovery-write-404"
        "writes to discovery endpoints get 404, not 405 Method Not Allowed";
    Deviation CountZero400 count_zero_400 "count-zero-400"
        "`count=0` is refused with 400 instead of answering only `totalResults`";
    Deviation PathlessPatchIgnored pathless_patch_ignored "pathless-patch-ignored"
        "PATCH operations without a path answer 200 but change nothing";
    Deviation RejectApplicationJson reject_application_json "reject-application-json"
        "request bodies sent as `application/json` get 415";
    Deviation AttributesDropId attributes_drop_id "attributes-drop-id"
        "`attributes`/`excludedAttributes` leave out `id` unless it is named";
    Deviation EtagNeverChanges etag_never_changes "etag-never-changes"
        "`meta.version` and the ETag stay what they were at creation, whatever is written";
    Deviation ClientIdHonoured client_id_honoured "client-id-honoured"
        "a create that carries an `id` keeps it instead of issuing one";
    Deviation EnterpriseExtensionDropped enterprise_extension_dropped
        "enterprise-extension-dropped"
        "POST and PUT accept the enterprise extension but store none of it";
    Deviation EtagOnlyOnReads etag_only_on_reads "etag-only-on-reads"
        "answers to POST, PUT and PATCH carry no ETag header; GET still does";
    Deviation NegativeCount400 negative_count_400 "negative-count-400"
        "a negative `count` is refused with 400 instead of being read as 0";
    Legal CoreSubset core_subset "core-subset"
        "Users keep only userName, name, displayName, emails, active and externalId; other \
         attributes are dropped and left out of `/Schemas` (legal)",
        "Users keep only userName, name (givenName, familyName, formatted), displayName, emails \
         (value, type, primary), active and externalId, Groups only displayName and members; \
         other core attributes are dropped on every write and left out of `/Schemas`, and a \
         filter on them matches nothing (legal: RFC 7644 §3.1, §3.3, §3.4.2.1)";
    Legal FilterEqOnly filter_eq_only "filter-eq-only"
        "filters other than `eq` comparisons joined by `and` get 400 `invalidFilter` (legal)",
        "filters other than `eq` comparisons joined by `and` get 400 `invalidFilter` (legal: \
         RFC 7644 Table 9)";
    Legal DiscoveryWrite501 discovery_write_501 "discovery-write-501"
        "writes to discovery endpoints get 501 Not Implemented, not 405 (legal)",
        "writes to discovery endpoints get 501 Not Implemented, not 405 (legal: RFC 7644 \
         Table 8, \"service provider does not support the request operation\")";
    Legal ItemsPerPageIsCount items_per_page_is_count "items-per-page-is-count"
        "`itemsPerPage` is the page size asked for (or the page limit), not what the page holds \
         (legal)",
        "`itemsPerPage` is the page size asked for (`count`, or the page limit), not what the page \
         holds (legal: RFC 7644 §4's Figure 9 answers two resource types with `itemsPerPage` 10)";
    Legal FilterUsernameOnly filter_username_only "filter-username-only"
        "filters naming any attribute but `userName` get 400 `invalidFilter` (legal)",
        "filters naming any attribute but `userName` get 400 `invalidFilter` (legal: RFC 7644 \
         Table 9 lets a server decline an attribute it does not filter on)";
    Legal NoContentHtml no_content_html "no-content-html"
        "a 204 No Content says `Content-Type: text/html`, as Django's do (legal: it has no \
         content)",
        "a 204 No Content says `Content-Type: text/html`, as Django's do (legal: a 204 has no \
         content, RFC 9110 §15.3.5)";
    Legal UniqueEmails unique_emails "unique-emails"
        "an email address another user holds gets 409 `uniqueness` (legal: the schema decides)",
        "a create, PUT or PATCH giving a user an email address another user holds gets 409 \
         `uniqueness`, and `/Schemas` says `emails.value` is unique (legal: the server's schema \
         decides what is unique, RFC 7643 §2.2, §7)";
    Legal ResourceTypeEndpointUnslashed resource_type_endpoint_unslashed
        "resource-type-endpoint-unslashed"
        "`/ResourceTypes` writes `endpoint` as `Users`, without the leading `/` (legal)",
        "`/ResourceTypes` writes `endpoint` as `Users`, without the leading `/` (legal: RFC 7643 \
         §6's own example, relative to the base URL)";
    Legal VersionConflict409 version_conflict_409 "version-conflict-409"
        "a write with a stale `If-Match` gets 409, not 412 (legal: RFC 7644 Table 8)",
        "a write with a stale `If-Match` gets 409 Conflict, not 412 (legal: RFC 7644 Table 8 \
         gives 409 for a version that does not match the latest)";
    Legal ResourceTypesWithoutId resource_types_without_id "resource-types-without-id"
        "`/ResourceTypes` entries have no `id`; `/ResourceTypes/{name}` serves each (legal)",
        "`/ResourceTypes` entries have no `id` and `/ResourceTypes/{name}` serves each (legal: \
         RFC 7643 §6 makes a resource type's `id` OPTIONAL)";
    Deviation PatchRemoveIgnored patch_remove_ignored "patch-remove-ignored"
        "PATCH `remove` operations answer 200 but change nothing";
    Deviation IfNoneMatchIgnored if_none_match_ignored "if-none-match-ignored"
        "a GET with the current version in If-None-Match gets 200 and the resource, never 304";
    Deviation Me404 me_404 "me-404"
        "`/Me` answers 404 as an unknown endpoint, not 501 Not Implemented";
    Deviation MeWithoutLocation me_without_location "me-without-location"
        "`/Me` answers the user without a `Location` header naming it (RFC 7644 §3.11: MUST)";
    Deviation SpcWithoutMaxResults spc_without_max_results "spc-without-max-results"
        "`/ServiceProviderConfig` leaves out `filter.maxResults` (RFC 7643 §5: REQUIRED)";
    Deviation AuthSchemeIncomplete auth_scheme_incomplete "auth-scheme-incomplete"
        "`/ServiceProviderConfig` describes its authentication scheme by `type` alone, without \
         the REQUIRED `name` and `description` (RFC 7643 §5)";
    Deviation SpcWithoutChangePassword spc_without_change_password "spc-without-change-password"
        "`/ServiceProviderConfig` leaves out `changePassword` (REQUIRED) instead of saying it is \
         unsupported",
        "`/ServiceProviderConfig` leaves out `changePassword` instead of saying `supported: false` \
         (RFC 7643 §5 makes it REQUIRED)";
    Deviation GroupDisplayNameOptional group_display_name_optional
        "group-display-name-optional"
        "groups need no `displayName`: `/Schemas` says `required: false` and a group without one \
         is stored (RFC 7643 §4.2: REQUIRED; erratum 5368)";
    Deviation DiscoveryPages discovery_pages "discovery-pages"
        "`/ResourceTypes` and `/Schemas` page by `startIndex` and `count` instead of ignoring \
         them (RFC 7644 §4)";
    Deviation GroupCreateDropsMembers group_create_drops_members "group-create-drops-members"
        "`POST /Groups` stores the group without the `members` it was sent (PATCH adds them)";
    Deviation CaseSensitiveEmails case_sensitive_emails "case-sensitive-emails"
        "filters compare email addresses case-sensitively (`emails.value` is not caseExact)";
    Deviation BooleanOrderingAccepted boolean_ordering_accepted "boolean-ordering-accepted"
        "filters order booleans (`active lt true` finds inactive users) instead of refusing \
         them with 400 `invalidFilter`";
    Deviation NotBindsLoosely not_binds_loosely "not-binds-loosely"
        "a filter's `not (a) and b` is read as `not (a and b)`: `not` takes the `and` after it";
    Deviation MetaWithoutResourceType meta_without_resource_type "meta-without-resource-type"
        "users and groups carry no `meta.resourceType` (the server SHALL set it)";
    Deviation UnknownEndpointPage unknown_endpoint_page "unknown-endpoint-page"
        "a GET of an unknown endpoint answers 200 with an HTML page, as a web app's fallback \
         route does";
    Deviation RequireNameFormatted require_name_formatted "require-name-formatted"
        "`POST /Users` without `name.formatted` gets 400 `invalidValue` (only `userName` is \
         required)",
        "`POST /Users` without `name.formatted` gets 400 `invalidValue` (RFC 7643 §4.1.1 \
         requires only `userName`); PUT and `/Bulk` unchanged";
    Deviation RejectRawQueryChars reject_raw_query_chars "reject-raw-query-chars"
        "a raw `\"`, `<` or `>` in the query (Entra's `filter=userName+eq+\"x\"`) gets an empty \
         400 and the connection closes, before any SCIM code runs",
        "a raw `\"`, `<` or `>` in the query (Entra's `filter=userName+eq+\"x\"`) gets an empty \
         400 and a closed connection, before any SCIM code runs, as Tomcat and hyper-based \
         servers answer";
    Fault DropConnections(DropEvery) drop_connections_every "drop-connections"
        "every Nth request (default 10) is read and applied, then its connection is closed \
         without an answer (a fault, for testing clients)",
        "every Nth request (default 10) is read and applied, then its connection is closed \
         without an answer: a fault for testing clients such as `scimctl import`, not a \
         deviation: a check whose connection is cut has no verdict (`error`)";
}

impl Quirk {
    /// This quirk's row of [`CATALOGUE`].
    pub fn info(&self) -> &'static QuirkInfo {
        let name = self.name();
        CATALOGUE
            .iter()
            .find(|info| info.name == name)
            .expect("every variant has a row: both come from the same table")
    }
}

impl Quirks {
    /// Collects quirks; a quirk given again with another argument overrides the first.
    pub fn from_list(list: &[Quirk]) -> Quirks {
        let mut quirks = Quirks::default();
        for quirk in list {
            quirks.enable(*quirk);
        }
        quirks
    }
}

/// The widest line of [`help_table`]: clap re-wraps longer lines without indenting them.
const HELP_WIDTH: usize = 98;

/// The help text block listing every quirk, one per entry; long descriptions wrap under
/// themselves.
pub fn help_table() -> String {
    let width = CATALOGUE
        .iter()
        .map(|info| info.usage().len())
        .max()
        .unwrap_or(0);
    let indent = 2 + width + 2;
    let room = HELP_WIDTH.saturating_sub(indent).max(20);
    let mut text = String::from("Quirks (--quirk NAME, repeatable):\n");
    for info in CATALOGUE {
        let mut line = format!("  {:<width$}  ", info.usage());
        // Characters of the description on the current line.
        let mut column = 0;
        for word in info.summary.split_whitespace() {
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

/// README's table of quirks (Markdown), between its header row and the blank line after it.
pub fn readme_table() -> String {
    let mut text = String::from("| Quirk | What changes |\n|---|---|\n");
    for info in CATALOGUE {
        text.push_str(&format!("| `{}` | {} |\n", info.usage(), info.details));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_table_fits_its_width_and_wraps_under_the_description() {
        let table = help_table();
        let indent = 2 + CATALOGUE.iter().map(|q| q.usage().len()).max().unwrap_or(0) + 2;
        for line in table.lines() {
            assert!(line.chars().count() <= HELP_WIDTH, "too wide: {line}");
        }
        for info in CATALOGUE {
            let name = info.usage();
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
            assert_eq!(words.join(" "), info.summary, "{name}");
        }
    }

    #[test]
    fn every_catalogued_name_parses_with_and_without_its_example_argument() {
        for info in CATALOGUE {
            assert!(Quirk::parse(&info.example()).is_ok(), "{}", info.example());
            let bare = Quirk::parse(info.name);
            match info.argument {
                "" | "[=N]" => assert!(bare.is_ok(), "{} should parse", info.name),
                _ => assert!(bare.is_err(), "{} needs its argument", info.name),
            }
        }
    }

    #[test]
    fn display_gives_back_what_parse_reads() {
        for info in CATALOGUE {
            let quirk = Quirk::parse(&info.example()).unwrap();
            assert_eq!(quirk.to_string(), info.example());
            assert_eq!(quirk.info(), info);
        }
    }

    #[test]
    fn names_are_unique_and_in_kebab_case() {
        for (index, info) in CATALOGUE.iter().enumerate() {
            assert!(
                info.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                info.name
            );
            assert!(
                CATALOGUE[..index]
                    .iter()
                    .all(|other| other.name != info.name),
                "{} is listed twice",
                info.name
            );
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
    fn argument_errors_say_what_is_wanted() {
        let message = |text: &str| Quirk::parse(text).unwrap_err().0;
        assert_eq!(message("latency"), "quirk `latency` needs `=milliseconds`");
        assert_eq!(
            message("latency=fast"),
            "quirk `latency` needs a whole number of milliseconds, got `fast`"
        );
        assert_eq!(
            message("rate-limit=x"),
            "quirk `rate-limit` needs a whole number of requests, got `x`"
        );
        assert_eq!(
            message("rate-limit=0"),
            format!("quirk `rate-limit` needs N between 1 and {}", u32::MAX)
        );
        assert_eq!(message("no-auth=1"), "quirk `no-auth` takes no argument");
    }

    #[test]
    fn an_unknown_name_lists_the_valid_ones() {
        let message = Quirk::parse("eq-prefix").unwrap_err().to_string();
        assert!(message.starts_with("unknown quirk `eq-prefix`; valid quirks: eq-substring"));
        assert!(message.contains("latency=MS"));
    }

    #[test]
    fn enabling_sets_the_switch_the_quirk_names() {
        let mut quirks = Quirks::default();
        quirks.enable(Quirk::EqSubstring);
        quirks.enable(Quirk::RateLimit(3));
        quirks.enable(Quirk::Latency(40));
        assert_eq!(
            quirks,
            Quirks {
                eq_substring: true,
                rate_limit_every: Some(3),
                latency: Some(Duration::from_millis(40)),
                ..Quirks::default()
            }
        );
        quirks.enable(Quirk::RateLimit(9));
        assert_eq!(quirks.rate_limit_every, Some(9), "a later one overrides");
    }
}
