//! The rows of the quirk table, one per `serve --quirk`: [`quirk_table!`](super) turns them into
//! the `Quirk` enum, the switches of `Quirks` and the catalogue. Data only: what a quirk does
//! lives in the server's modules.

use super::*;

// Columns: kind, variant (with its argument's type), switch in `Quirks`, `--quirk` name,
// summary for `serve --help`, and README's longer text where the summary is not enough.
quirk_table! {
    Deviation EqSubstring eq_substring "eq-substring"
        "filter `eq` matches substrings (`px` also finds `px_1`)";
    Deviation CaseSensitiveUsername case_sensitive_username "case-sensitive-username"
        "filters compare userName case-sensitively";
    Deviation UnnormalizedComparison unnormalized_comparison "unnormalized-comparison"
        "userNames are stored and compared as sent: `é` and `e` + combining accent are two names",
        "userNames are stored, filtered and checked for uniqueness as sent, without Unicode \
         normalisation: `é` and `e` followed by a combining acute accent are two names (RFC 7644 \
         §5, §7.8: RFC 7613's preparation, normalisation form C)";
    Deviation UnmappedFiltersMatchNothing unmapped_filters_match_nothing
        "unmapped-filters-match-nothing"
        "a filter on `externalId`, `emails` or a group's `displayName` matches nothing (200, \
         no resources), as django-scim2's default filter parsers do";
    Deviation CaseSensitiveAttributeNames case_sensitive_attribute_names
        "case-sensitive-attribute-names"
        "a filter naming an attribute in another case than the schema's (`USERNAME`) matches \
         nothing",
        "a filter naming an attribute in another case than the schema's (`USERNAME eq ...`) \
         matches nothing (RFC 7644 §3.4.2.2: attribute names and operators are case insensitive)";
    Deviation AbsentAttributeFilter400 absent_attribute_filter_400
        "absent-attribute-filter-400"
        "a filter on a sub-attribute of a multi-valued attribute (`emails.value eq`) answers 400 \
         while any stored resource lacks that attribute",
        "a filter comparing a sub-attribute of a multi-valued attribute (`emails.value eq ...`, \
         `emails[type eq \"work\"]`) answers 400 `invalidValue` while any stored resource of \
         the type has no value for that attribute, as SCIMMY does (RFC 7644 §3.4.2.2: a \
         resource without the attribute does not match; RFC 7643 §2.5: unassigned is a state)";
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
    Deviation ExcludedUrnNamesIgnored excluded_urn_names_ignored "excluded-urn-names-ignored"
        "`excludedAttributes` names written with their schema URN are ignored";
    Legal PatchNoContent patch_no_content "patch-no-content"
        "PATCH answers 204 without a body (legal; 200 if `attributes=` sent)";
    Deviation PatchUnsupported patch_unsupported "patch-unsupported"
        "`/ServiceProviderConfig` says `patch.supported: false` and every PATCH gets 501",
        "`/ServiceProviderConfig` says `patch.supported: false` and every PATCH gets 501 (RFC \
         7644 §3.5: implementers SHOULD support PATCH; Entra updates users and groups only with \
         it)";
    Deviation Patch200EmptyBody patch_200_empty_body "patch-200-empty-body"
        "PATCH answers 200 with an empty body instead of the resource (or a 204)";
    Deviation StaleFormattedName stale_formatted_name "stale-formatted-name"
        "a PATCH of a name component leaves `name.formatted` describing the old name";
    Deviation PutNotStored put_not_stored "put-not-stored"
        "PUT answers 200 with the new resource but stores nothing";
    Deviation PutAnswersPrevious put_answers_previous "put-answers-previous"
        "PUT stores the new resource but answers with the one it replaced";
    Deviation IgnoreIfMatch ignore_if_match "ignore-if-match"
        "If-Match is ignored: writes with a stale version succeed, no 412";
    Deviation IfMatchStrongComparison if_match_strong_comparison "if-match-strong-comparison"
        "If-Match is compared strongly, so the server's own weak ETags never match: every \
         conditional write gets 412",
        "If-Match is compared strongly (RFC 7232 §2.3.2), so the weak ETags the server issues \
         never match and every conditional write gets 412 (RFC 7644 §3.14's examples send weak \
         tags in If-Match)";
    Deviation AlwaysNotModified always_not_modified "always-not-modified"
        "any If-None-Match gets 304, even a version that is out of date";
    Deviation IgnoreFailOnErrors ignore_fail_on_errors "ignore-fail-on-errors"
        "`/Bulk` runs every operation whatever `failOnErrors` says";
    Deviation BulkCircular500 bulk_circular_500 "bulk-circular-500"
        "`/Bulk` operations whose `bulkId` references go round in a circle fail with 500, not 409";
    Deviation BulkCircleCreatedTwice bulk_circle_created_twice "bulk-circle-created-twice"
        "`/Bulk` breaks a `bulkId` circle by creating its first resource twice",
        "`/Bulk` breaks a circle of `bulkId` references by creating the first resource without \
         the references it cannot resolve yet, then creating it again with them, as SCIMMY does: \
         two groups of one `displayName` are left, the BulkResponse names the second and the \
         other group's member is the first (RFC 7644 §3.7.1: the circle is resolved or refused \
         with 409; §3.7.3: each POST creates the one resource its `location` names)";
    Deviation BulkExtensionReferencesUnresolved bulk_extension_references_unresolved
        "bulk-extension-references-unresolved"
        "`/Bulk` resolves `bulkId:` references in core attributes only, not inside an extension \
         (an enterprise `manager.value` keeps `bulkId:m`)";
    Deviation BulkStopsAtFirstError bulk_stops_at_first_error "bulk-stops-at-first-error"
        "`/Bulk` without `failOnErrors` stops at the first failed operation",
        "`/Bulk` without `failOnErrors` stops at the first failed operation and leaves the rest \
         undone (RFC 7644 §3.7.3: without it, the server performs as many as it can)";
    Deviation IgnoreSort ignore_sort "ignore-sort"
        "`sortBy`/`sortOrder` are accepted but lists keep the store's order";
    Deviation CaseExactSortedIgnoringCase case_exact_sorted_ignoring_case
        "case-exact-sorted-ignoring-case"
        "`sortBy` compares every string ignoring case, caseExact attributes too (`x` and `X` \
         tie and keep the store's order)",
        "`sortBy` compares every string ignoring case, caseExact attributes too: `x` and `X` tie \
         and keep the store's order in both directions (RFC 7644 §3.4.2.3 sorts caseExact \
         attributes case-sensitively)";
    Deviation SearchRoutedAsCreate search_routed_as_create "search-routed-as-create"
        "`POST /Users/.search` is handled as `POST /Users`, a create (the `.search` segment is \
         ignored)";
    Deviation RootSearchUsersOnly root_search_users_only "root-search-users-only"
        "`POST /.search` at the root searches users only, never groups";
    Deviation RootSearchUnknownAttribute400 root_search_unknown_attribute_400
        "root-search-unknown-attribute-400"
        "`POST /.search` at the root refuses a filter on an attribute one resource type lacks \
         (400 `invalidFilter`)",
        "`POST /.search` at the root refuses a filter on an attribute one resource type lacks \
         with 400 `invalidFilter` (RFC 7644 §3.4.2.1: such an attribute is treated as having no \
         value)";
    Deviation UnknownQueryParameter400 unknown_query_parameter_400
        "unknown-query-parameter-400"
        "a list with a query parameter the server does not know gets 400 `invalidValue`",
        "a list with a query parameter the server does not know gets 400 `invalidValue` (RFC \
         7644 §3.4.2: unknown parameters SHOULD be ignored; Entra adds `aadOptscim062020`)";
    Deviation IgnoreNullReplace ignore_null_replace "ignore-null-replace"
        "PATCH replace with value `null` leaves the attribute unchanged";
    Deviation ReplaceAbsentIsNoTarget replace_absent_is_no_target "replace-absent-is-no-target"
        "PATCH replace of an attribute the resource lacks gets 400 `noTarget` instead of adding \
         it";
    Deviation AddWithoutValueClears add_without_value_clears "add-without-value-clears"
        "PATCH add without a `value` clears the attribute instead of being refused with 400";
    Deviation NoopAddBumpsLastModified noop_add_bumps_last_modified
        "noop-add-bumps-last-modified"
        "a PATCH that changes nothing (an add of a value already held) still stamps a new \
         `meta.lastModified` and version";
    Deviation NullReplaceRefused null_replace_refused "null-replace-refused"
        "PATCH replace with value `null` gets 400 `invalidValue` instead of clearing the attribute";
    Deviation FalseReplaceIgnored false_replace_ignored "false-replace-ignored"
        "PATCH replace with value `false` (`active: false`) changes nothing, as a truthiness \
         test does";
    Deviation OrAsAnd or_as_and "or-as-and"
        "the filter operator `or` is evaluated as `and`";
    Deviation AddReplacesList add_replaces_list "add-replaces-list"
        "PATCH add of a list replaces a multi-valued attribute's values";
    Deviation PatchAddFirstValueOnly patch_add_first_value_only "patch-add-first-value-only"
        "PATCH add of a list of several values adds only the first";
    Deviation AddDuplicatesValues add_duplicates_values "add-duplicates-values"
        "PATCH add of a value a multi-valued attribute already holds adds it a second time";
    Deviation PrimaryNotExclusive primary_not_exclusive "primary-not-exclusive"
        "a PATCH that adds a new `primary` value leaves the old one primary too";
    Deviation ReplaceComplexClearsRest replace_complex_clears_rest "replace-complex-clears-rest"
        "PATCH replace of a complex attribute (`name`) clears the sub-attributes it does not name";
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
    Deviation Delete200 delete_200 "delete-200"
        "DELETE answers 200 with the deleted resource instead of 204 No Content";
    Deviation PasswordEchoed password_echoed "password-echoed"
        "the password (returned \"never\") comes back in responses";
    Deviation PatchNotAtomic patch_not_atomic "patch-not-atomic"
        "a PATCH that fails keeps the changes of the operations before the failing one";
    Deviation FilteredRemoveClearsAll filtered_remove_clears_all "filtered-remove-clears-all"
        "PATCH remove with a filter (`emails[type eq \"work\"]`) removes every value";
    Deviation FilteredSubAttributeRemoveDropsRecord filtered_sub_attribute_remove_drops_record
        "filtered-sub-attribute-remove-drops-record"
        "PATCH remove of `emails[type eq \"work\"].primary` removes the whole matching value, \
         not only its sub-attribute";
    Deviation RejectUrnPaths reject_urn_paths "reject-urn-paths"
        "PATCH paths and filters qualified with a schema URN get 400";
    Deviation LocationMismatch location_mismatch "location-mismatch"
        "the Location header of a 201 says https, meta.location http";
    Deviation SchemasMissingUser schemas_missing_user "schemas-missing-user"
        "`/Schemas` leaves out the core User schema (its URN answers 404)";
    Deviation SchemasMissingGroup schemas_missing_group "schemas-missing-group"
        "`/Schemas` leaves out the core Group schema (its URN answers 404)";
    Deviation ResourceTypeSchemaName resource_type_schema_name "resource-type-schema-name"
        "`/ResourceTypes` gives each `schema` as the type's name (`User`), not its schema URN";
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
    Deviation UserGroupsSchemaReferencesUsers user_groups_schema_references_users
        "user-groups-schema-references-users"
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
    Deviation ProjectionUrnUnknown projection_urn_unknown "projection-urn-unknown"
        "`attributes`/`excludedAttributes` names qualified with a schema URN match no attribute";
    Deviation EtagNeverChanges etag_never_changes "etag-never-changes"
        "`meta.version` and the ETag stay what they were at creation, whatever is written";
    Deviation ClientIdHonoured client_id_honoured "client-id-honoured"
        "a create that carries an `id` keeps it instead of issuing one";
    Deviation EnterpriseExtensionDropped enterprise_extension_dropped
        "enterprise-extension-dropped"
        "POST and PUT accept the enterprise extension but store none of it";
    Deviation X509CertificatesDropped x509_certificates_dropped "x509-certificates-dropped"
        "a user's POST is stored without the `x509Certificates` `/Schemas` declares";
    Deviation EtagOnlyOnReads etag_only_on_reads "etag-only-on-reads"
        "answers to POST, PUT and PATCH carry no ETag header; GET still does";
    Deviation NegativeCount400 negative_count_400 "negative-count-400"
        "a negative `count` is refused with 400 instead of being read as 0";
    Deviation CountIgnored count_ignored "count-ignored"
        "lists and searches ignore `count`: every match comes back, up to the page limit, as \
         the Rust crate scim-server does (RFC 7644 §3.4.2.4)";
    Legal CoreSubset core_subset "core-subset"
        "Users keep only userName, name, displayName, emails, active and externalId; other \
         attributes are dropped and left out of `/Schemas` (legal)",
        "Users keep only userName, name (givenName, familyName, formatted), displayName, emails \
         (value, type, primary), active and externalId, Groups only displayName and members; \
         other core attributes are dropped on every write and left out of `/Schemas`, and a \
         filter on them matches nothing (legal: RFC 7644 §3.1, §3.3, §3.4.2.1)";
    Legal EmailsUntyped emails_untyped "emails-untyped"
        "users' email addresses are stored without their `type`, and `/Schemas` lists none \
         (legal)",
        "users' email addresses are stored without their `type`, `/Schemas` lists no \
         `emails.type`, and a filter on it matches nothing, as django-scim2's default adapter \
         stores one untyped address (legal: RFC 7644 §3.1, §3.3 let a server ignore what it does \
         not hold)";
    Legal NameFormattedOnly name_formatted_only "name-formatted-only"
        "a user's name is kept only as `name.formatted` (legal)",
        "a user's name is kept only as `name.formatted` (composed from `givenName` and \
         `familyName` when not sent), and `/Schemas` lists no other name sub-attribute (legal: \
         RFC 7643 §4.1.1, \"Service providers MAY return just the full name as a single string \
         in the formatted sub-attribute\")";
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
    Legal FilterUndeclared filter_undeclared "filter-undeclared"
        "`/ServiceProviderConfig` says `filter.supported: false`, yet filters work (legal)",
        "`/ServiceProviderConfig` says `filter.supported: false`, yet every filter is answered \
         as usual, as django-scim2's default configuration does (legal: RFC 7643 §5 describes \
         what is supported; Okta and Entra never read it and look users up by filter anyway)";
    Legal SchemaSchemaListed schema_schema_listed "schema-schema-listed"
        "`/Schemas` also lists the Schema schema, as RFC 7643 §8.7.2 writes it (legal)",
        "`/Schemas` also lists the schema of schemas (`urn:ietf:params:scim:schemas:core:2.0:Schema`) \
         as RFC 7643 §8.7.2 writes it, whose `attributes.subAttributes` has sub-attributes of \
         its own, as django-scim2 does (legal: it is the RFC's own definition)";
    Legal SubAttributesListedEmpty sub_attributes_listed_empty "sub-attributes-listed-empty"
        "every attribute definition without sub-attributes says `subAttributes: []` (legal)",
        "every attribute definition in `/Schemas` that has no sub-attributes says \
         `\"subAttributes\": []`, simple sub-attributes included, as the Rust crate scim-server \
         does (legal: an empty list defines no sub-attribute, RFC 7643 §2.3.8, §7)";
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
    Legal UsernameEmailOnly username_email_only "username-email-only"
        "a user whose userName is not an email address gets 400 `invalidValue` (legal)",
        "a create or PUT of a user whose userName has no `@` gets 400 `invalidValue`, as SaaS \
         that sign users in by email answer (legal: RFC 7643 §4.1.1 leaves the form of a \
         userName to the service provider, Table 9's `invalidValue`)";
    Legal AnonymousSelfRegistration anonymous_self_registration "anonymous-self-registration"
        "a `POST /Users` without credentials creates the user (legal: self-registration)",
        "a `POST /Users` without credentials creates the user; every other request still needs \
         the token (legal: RFC 7644 §2.2 lets a server accept an anonymous create, for user \
         self-registration)";
    Legal PublicDiscovery public_discovery "public-discovery"
        "discovery documents are answered to anyone, with no token or a wrong one (legal)",
        "`GET` of `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` (and of each entry \
         under them) is answered without looking at the credentials, none or wrong; every other \
         request still needs the token (legal: RFC 7644 §2.2 lets a deployment accept \
         anonymous requests; scim2-server serves its ServiceProviderConfig so)";
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
    Deviation PatchReplaceIgnored patch_replace_ignored "patch-replace-ignored"
        "PATCH `replace` operations answer 200 but change nothing";
    Deviation PatchAddSingleValueIgnored patch_add_single_value_ignored
        "patch-add-single-value-ignored"
        "PATCH add of a single value (not a list) at a path answers 200 but changes nothing";
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
    Deviation MemberRefNotUri member_ref_not_uri "member-ref-not-uri"
        "a group member's `$ref` is the member's id, not its URI";
    Deviation MemberSubAttributesMutable member_sub_attributes_mutable
        "member-sub-attributes-mutable"
        "a PATCH may change a member's immutable `value` (RFC 7643 §4.2), turning one member \
         into another";
    Deviation UserGroupsRefToUsers user_groups_ref_to_users "user-groups-ref-to-users"
        "a user's `groups[].$ref` points to `/Users/{group id}`, not to the group";
    Deviation UserGroupsWritable user_groups_writable "user-groups-writable"
        "a PATCH adding to a user's readOnly `groups` adds the user to those groups";
    Deviation LastMemberRemovalRefused last_member_removal_refused "last-member-removal-refused"
        "a PATCH that would leave a group without members gets 400 `invalidValue`";
    Deviation CaseSensitiveEmails case_sensitive_emails "case-sensitive-emails"
        "filters compare email addresses case-sensitively (`emails.value` is not caseExact)";
    Deviation MultiValuedFirstValueOnly multi_valued_first_value_only
        "multi-valued-first-value-only"
        "filters look only at the first value of a multi-valued attribute (`emails.value eq` \
         misses a second address)";
    Deviation SchemasNotFilterable schemas_not_filterable "schemas-not-filterable"
        "filters see no `schemas` attribute (`schemas eq \"<extension URN>\"` matches nothing)";
    Deviation MissingPrimaryIsTrue missing_primary_is_true "missing-primary-is-true"
        "filters read a multi-valued value without `primary` as primary (`emails[primary eq \
         true]` finds it)",
        "filters read a multi-valued value without `primary` as primary, so `emails[primary eq \
         true]` finds it (RFC 7643 §2.4: an unspecified `primary` SHALL be assumed false)";
    Deviation BooleanOrderingAccepted boolean_ordering_accepted "boolean-ordering-accepted"
        "filters order booleans (`active lt true` finds inactive users) instead of refusing \
         them with 400 `invalidFilter`";
    Deviation NotBindsLoosely not_binds_loosely "not-binds-loosely"
        "a filter's `not (a) and b` is read as `not (a and b)`: `not` takes the `and` after it";
    Deviation MetaWithoutResourceType meta_without_resource_type "meta-without-resource-type"
        "users and groups carry no `meta.resourceType` (the server SHALL set it)";
    Deviation IdsUniquePerType ids_unique_per_type "ids-unique-per-type"
        "ids are unique only within a resource type: a user and a group of the same name get \
         the same id";
    Deviation ForeignSchemaUrnEchoed foreign_schema_urn_echoed "foreign-schema-urn-echoed"
        "a create or PUT keeps in `schemas` a URN the resource type does not define";
    Deviation SchemasOrderMatters schemas_order_matters "schemas-order-matters"
        "a create or PUT whose `schemas` does not list the core schema first gets 400";
    Deviation BulkidInIds bulkid_in_ids "bulkid-in-ids"
        "issued ids start with `bulkId`, a string RFC 7643 §3.1 reserves";
    Deviation DateOnlyTimestamps date_only_timestamps "date-only-timestamps"
        "`meta.created` and `meta.lastModified` carry the date alone (`2026-12-06`), no time";
    Deviation EpochTimestamps epoch_timestamps "epoch-timestamps"
        "`meta.created` and `meta.lastModified` are JSON numbers of seconds since 1970";
    Deviation LastModifiedDiffersOnCreate last_modified_differs_on_create
        "last-modified-differs-on-create"
        "a new resource's `meta.created` is a second before its `meta.lastModified`";
    Deviation ServerAssignedExternalId server_assigned_external_id "server-assigned-external-id"
        "a user or group created without `externalId` gets its id as `externalId`";
    Deviation UnknownEndpointPage unknown_endpoint_page "unknown-endpoint-page"
        "a GET of an unknown endpoint answers 200 with an HTML page, as a web app's fallback \
         route does";
    Deviation RequireNameFormatted require_name_formatted "require-name-formatted"
        "`POST /Users` without `name.formatted` gets 400 `invalidValue` (only `userName` is \
         required)",
        "`POST /Users` without `name.formatted` gets 400 `invalidValue` (RFC 7643 §4.1.1 \
         requires only `userName`); PUT and `/Bulk` unchanged";
    Deviation UsernameNotRequired username_not_required "username-not-required"
        "`userName` is not enforced: a create or PUT without it, or a PATCH removing it, is \
         accepted (`/Schemas` still says required)";
    Deviation ClientMetaRefused client_meta_refused "client-meta-refused"
        "`POST /Users` carrying `meta` (as Entra sends it) gets 400 `mutability`",
        "`POST /Users` carrying `meta` (as Entra sends it) gets 400 `mutability` instead of \
         ignoring it (RFC 7643 §2.2: readOnly values a client sends SHALL be ignored)";
    Deviation UnknownSchemaUrnRefused unknown_schema_urn_refused "unknown-schema-urn-refused"
        "a create whose `schemas` lists a URN the server does not know (Entra's Microsoft group \
         URN) gets 400 `invalidValue`";
    Deviation CreateIgnoresActive create_ignores_active "create-ignores-active"
        "`POST /Users` stores the user without the `active` it was sent";
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
