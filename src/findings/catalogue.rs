//! The catalogue of deviations: every kind of finding scimctl reports, with its stable key,
//! level, RFC section, what Okta and Entra do with it, and the likely fix. It is text only:
//! nothing here finds a deviation or formats a finding.
//!
//! This is the one place that text lives. A producer names a [`Deviation`]; renderers look the
//! rest up. What an identity provider does is written only where the SCIM field guide (§4, §5)
//! documents it; `None` means nothing IdP-specific is known, not that the IdP is unaffected.
//! A new entry needs a test that produces it; keys are API (see the module docs of
//! [`crate::findings`]).

use super::{Breaks, Level};

/// What the catalogue says about one kind of deviation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Stable kebab-case key, such as `string-boolean`.
    pub key: &'static str,
    pub level: Level,
    /// The section that sets the rule, such as `RFC 7644 §3.12`.
    pub rfc: &'static str,
    /// The deviation in a few words.
    pub title: &'static str,
    /// What Okta sends or does about it, and which of its operations breaks.
    pub okta: Option<&'static str>,
    /// What Microsoft Entra ID sends or does about it, and which of its operations breaks.
    pub entra: Option<&'static str>,
    /// The first part of an identity provider's sync it breaks, where `okta` or `entra` says
    /// it breaks one; `None` when no IdP is known to fail over it.
    pub breaks: Option<Breaks>,
    /// The likely fix, for whoever wrote the document (and, where an IdP needs it, for the
    /// server that receives it).
    pub fix: &'static str,
}

/// Declares [`Deviation`], [`Deviation::ALL`] and [`Deviation::entry`] from one list, so that
/// a deviation cannot exist without its catalogue entry.
macro_rules! catalogue {
    (@breaks) => { None };
    (@breaks $breaks:ident) => { Some(Breaks::$breaks) };
    ($(
        $(#[$doc:meta])*
        $variant:ident {
            key: $key:literal,
            level: $level:ident,
            rfc: $rfc:literal,
            title: $title:literal,
            okta: $okta:expr,
            entra: $entra:expr,
            $(breaks: $breaks:ident,)?
            fix: $fix:literal $(,)?
        }
    ),* $(,)?) => {
        /// A kind of deviation; see [`Deviation::entry`] for what it means.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Deviation {
            $($(#[$doc])* $variant,)*
        }

        impl Deviation {
            /// Every deviation, in catalogue order.
            pub const ALL: &'static [Deviation] = &[$(Deviation::$variant),*];

            /// The catalogue entry.
            pub fn entry(self) -> &'static Entry {
                match self {
                    $(Deviation::$variant => &Entry {
                        key: $key,
                        level: Level::$level,
                        rfc: $rfc,
                        title: $title,
                        okta: $okta,
                        entra: $entra,
                        breaks: catalogue!(@breaks $($breaks)?),
                        fix: $fix,
                    },)*
                }
            }
        }
    };
}

impl Deviation {
    /// The stable key.
    pub fn key(self) -> &'static str {
        self.entry().key
    }

    /// The deviation with this key.
    pub fn from_key(key: &str) -> Option<Deviation> {
        Deviation::ALL.iter().copied().find(|d| d.key() == key)
    }
}

catalogue! {
    // --- `schemas` and extensions -------------------------------------------------------------

    /// A resource without `schemas`, or without its core schema's URN there.
    SchemasMissing {
        key: "schemas-missing",
        level: Must,
        rfc: "RFC 7643 §3",
        title: "`schemas` is missing or does not list the resource's core schema",
        okta: None,
        entra: None,
        fix: "list the core schema's URN, and each extension's, in `schemas`",
    },
    /// A message (PatchOp, ListResponse, Error) without its message URN in `schemas`.
    MessageSchemasMissing {
        key: "message-schemas-missing",
        level: Must,
        rfc: "RFC 7644 §3.4.2, §3.5.2, §3.12",
        title: "`schemas` is missing or does not list the message's URN",
        okta: None,
        entra: None,
        fix: "list the message's URN (`urn:ietf:params:scim:api:messages:2.0:...`) in `schemas`",
    },
    /// `schemas` lists a URN that is neither the core schema nor an extension of the type.
    SchemasUnknownUrn {
        key: "schemas-unknown-urn",
        level: Interop,
        rfc: "RFC 7643 §3",
        title: "`schemas` lists a URN the resource type does not have",
        okta: None,
        entra: Some(
            "Entra creates groups with `http://schemas.microsoft.com/2006/11/ResourceManagement/\
             ADSCIM/2.0/Group` in `schemas`; a server that refuses the URN fails every group it \
             provisions",
        ),
        breaks: Groups,
        fix: "a client lists only the resource type's schemas; a server ignores URNs it does \
              not know",
    },
    /// Extension data under a URN key whose URN `schemas` does not list.
    ExtensionUndeclared {
        key: "extension-undeclared",
        level: Must,
        rfc: "RFC 7643 §3",
        title: "extension attributes are sent but the extension's URN is not in `schemas`",
        okta: None,
        entra: None,
        fix: "add the extension's URN to `schemas`",
    },
    /// An extension's attribute at the top level instead of under its URN key.
    ExtensionAttributeOutsideUrn {
        key: "extension-attribute-outside-urn",
        level: Must,
        rfc: "RFC 7643 §3.3",
        title: "an extension attribute outside the object keyed by its extension's URN",
        okta: None,
        entra: None,
        fix: "put it under `\"<extension URN>\": {...}`; a server reads extension attributes \
              only there and drops or refuses them elsewhere",
    },

    // --- attributes and values ------------------------------------------------------------------

    /// A member no schema of the resource type defines.
    AttributeUnknown {
        key: "attribute-unknown",
        level: Interop,
        rfc: "RFC 7643 §2",
        title: "an attribute the schema does not define",
        okta: None,
        entra: None,
        fix: "use the schema's name (names are case-insensitive) or add the attribute to the \
              server's schema; servers drop unknown attributes or answer 400",
    },
    /// A required attribute has no value.
    RequiredMissing {
        key: "required-missing",
        level: Must,
        rfc: "RFC 7643 §2.2",
        title: "a required attribute is missing",
        okta: None,
        entra: None,
        fix: "send a value for it; servers answer 400 invalidValue without one",
    },
    /// A readOnly attribute with a value in a resource body.
    ReadOnlyIgnored {
        key: "read-only-ignored",
        level: Note,
        rfc: "RFC 7644 §3.3, §3.5.1",
        title: "a readOnly attribute in a resource body, which a server ignores",
        okta: Some(
            "Okta updates a user by PUTting back the whole object it fetched, readOnly \
             attributes included; a server must ignore them, not refuse them",
        ),
        entra: None,
        fix: "leave it out: the server sets it (group membership changes through the Group)",
    },
    /// A value of the wrong JSON type.
    TypeMismatch {
        key: "type-mismatch",
        level: Must,
        rfc: "RFC 7643 §2.3",
        title: "a value of the wrong type",
        okta: None,
        entra: None,
        fix: "send the type the schema declares; servers answer 400 invalidValue",
    },
    /// A boolean sent as the string "True" or "False".
    StringBoolean {
        key: "string-boolean",
        level: Must,
        rfc: "RFC 7643 §2.3.2",
        title: "a boolean sent as a string (\"True\", \"False\")",
        okta: Some("Okta sends JSON booleans"),
        entra: Some(
            "Entra's legacy shapes (an app without `aadOptscim062020`) send \"True\"/\"False\", \
             e.g. `{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}` to disable a \
             user; a server that answers 400 fails every disable, one that stores the string \
             may leave the user active",
        ),
        breaks: Deactivation,
        fix: "send true or false; a server that serves Entra reads \"True\"/\"False\" in any \
              case as booleans",
    },
    /// A dateTime that is not in xsd:dateTime form.
    DateTimeFormat {
        key: "date-time-format",
        level: Must,
        rfc: "RFC 7643 §2.3.5",
        title: "a dateTime that is not an xsd:dateTime",
        okta: None,
        entra: None,
        fix: "write it as 2015-02-23T08:30:00Z (date, `T`, time and a time zone)",
    },
    /// A binary value that is not base64.
    BinaryNotBase64 {
        key: "binary-not-base64",
        level: Must,
        rfc: "RFC 7643 §2.3.6",
        title: "a binary value that is not base64",
        okta: None,
        entra: None,
        fix: "encode the bytes in base64",
    },
    /// A complex attribute given as a plain string (Entra's manager).
    ComplexAsString {
        key: "complex-as-string",
        level: Must,
        rfc: "RFC 7643 §2.3.8",
        title: "a complex attribute sent as a plain string",
        okta: None,
        entra: Some(
            "Entra sets the manager as a plain string on its URN path \
             (`\"path\":\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager\",\
             \"value\":\"<id>\"`); a server that refuses it never receives managers \
             (Captain-P-Goldfish/SCIM-SDK#686)",
        ),
        breaks: Update,
        fix: "send an object such as {\"value\": \"<id>\"}; a server that serves Entra reads a \
              string as the `value` sub-attribute",
    },
    /// A single value where a multi-valued attribute takes an array.
    SingleValueForMultiValued {
        key: "single-value-for-multi-valued",
        level: Must,
        rfc: "RFC 7643 §2.4",
        title: "a single value where a multi-valued attribute takes an array",
        okta: None,
        entra: None,
        fix: "wrap the value in [ ]",
    },
    /// More than one `primary: true` in one multi-valued attribute.
    MultiplePrimary {
        key: "multiple-primary",
        level: Must,
        rfc: "RFC 7643 §2.4",
        title: "more than one value marked `primary: true`",
        okta: None,
        entra: None,
        fix: "mark one value primary at most",
    },
    /// An empty string sent to clear an attribute (Entra).
    EmptyStringValue {
        key: "empty-string-value",
        level: Interop,
        rfc: "RFC 7643 §2.5",
        title: "an empty string used to clear an attribute",
        okta: None,
        entra: Some(
            "Entra clears attributes with \"\" and the manager with \"\" or {\"value\": \"\"}, and \
             expects a later GET to show no value; a server that stores \"\" keeps a blank value",
        ),
        breaks: Update,
        fix: "send null or remove the attribute (unassigned is null or absent); a server that \
              serves Entra reads \"\" as clearing",
    },
    /// An attribute the schema says is never returned, in a server's answer.
    ReturnedNeverPresent {
        key: "returned-never-present",
        level: Must,
        rfc: "RFC 7643 §2.2",
        title: "an attribute that is never returned (`password`) in a server's answer",
        okta: Some(
            "Okta sends `password` in create bodies even without password sync; a server that \
             returns it leaks it",
        ),
        entra: None,
        fix: "never return attributes whose `returned` is `never`",
    },

    // --- PATCH (RFC 7644 §3.5.2) ------------------------------------------------------------

    /// `Operations` missing, empty or not an array.
    PatchOperationsMissing {
        key: "patch-operations-missing",
        level: Must,
        rfc: "RFC 7644 §3.5.2",
        title: "`Operations` is missing, empty or not an array",
        okta: None,
        entra: None,
        fix: "send `\"Operations\": [{\"op\": ..., \"path\": ..., \"value\": ...}]`",
    },
    /// An operation without a valid `op`.
    PatchOpInvalid {
        key: "patch-op-invalid",
        level: Must,
        rfc: "RFC 7644 §3.5.2",
        title: "a PATCH operation without a valid `op`",
        okta: None,
        entra: None,
        fix: "give each operation an `op` of add, remove or replace",
    },
    /// `op` not lowercase, such as Entra's `Replace`.
    PatchOpCapitalised {
        key: "patch-op-capitalised",
        level: Interop,
        rfc: "RFC 7644 §3.5.2",
        title: "`op` is not lowercase (`Replace`)",
        okta: Some("Okta sends lowercase ops"),
        entra: Some(
            "Entra's legacy shapes send `Add`, `Replace` and `Remove`; a server that refuses \
             them fails every update, and one that answers 200 but ignores them loses the \
             update silently",
        ),
        breaks: Update,
        fix: "send add, remove or replace; a server matches `op` case-insensitively",
    },
    /// A `path` that does not parse.
    PatchPathInvalid {
        key: "patch-path-invalid",
        level: Must,
        rfc: "RFC 7644 §3.5.2",
        title: "a PATCH `path` that does not parse",
        okta: None,
        entra: None,
        fix: "write `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`; `scimctl explain \
              path` shows where it goes wrong",
    },
    /// A `path` that only a lenient parser reads.
    PatchPathLenient {
        key: "patch-path-lenient",
        level: Interop,
        rfc: "RFC 7644 §3.5.2",
        title: "a PATCH `path` outside the RFC's grammar that lenient servers read",
        okta: None,
        entra: None,
        fix: "write the path as `scimctl explain path` shows it; strict servers answer 400 \
              invalidPath",
    },
    /// `path` is an empty string.
    PatchPathEmpty {
        key: "patch-path-empty",
        level: Interop,
        rfc: "RFC 7644 §3.5.2",
        title: "`path` is an empty string",
        okta: None,
        entra: None,
        fix: "leave `path` out for a pathless add or replace",
    },
    /// `remove` without a path.
    PatchRemoveWithoutPath {
        key: "patch-remove-without-path",
        level: Must,
        rfc: "RFC 7644 §3.5.2.2",
        title: "`remove` without a `path`",
        okta: None,
        entra: None,
        fix: "name what to remove in `path`; servers answer 400 noTarget",
    },
    /// `add` or `replace` without a value.
    PatchValueMissing {
        key: "patch-value-missing",
        level: Must,
        rfc: "RFC 7644 §3.5.2.1, §3.5.2.3",
        title: "`add` or `replace` without a `value`",
        okta: None,
        entra: None,
        fix: "send the value; to clear an attribute use `remove`",
    },
    /// A pathless `add`/`replace` whose value is not an object.
    PatchPathlessValueNotObject {
        key: "patch-pathless-value-not-object",
        level: Must,
        rfc: "RFC 7644 §3.5.2.1, §3.5.2.3",
        title: "a pathless `add` or `replace` whose `value` is not an object of attributes",
        okta: None,
        entra: None,
        fix: "give a `path`, or make `value` an object keyed by attribute names",
    },
    /// A pathless value keyed by paths (Entra's `name.givenName`, `urn:…:employeeNumber`).
    PathlessPathKey {
        key: "pathless-path-key",
        level: Interop,
        rfc: "RFC 7644 §3.5.2.3",
        title: "a pathless value keyed by a path (`name.givenName`, `urn:...:employeeNumber`)",
        okta: Some("Okta's pathless values are keyed by plain attribute names"),
        entra: Some(
            "Entra (with `aadOptscim062020`) sends several replacements as one pathless \
             `replace` keyed by paths, e.g. {\"name.givenName\": \"Kkom\", \
             \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber\": \
             \"Aklq\"}; a server that stores such keys literally or at the top level loses the \
             update (Captain-P-Goldfish/SCIM-SDK#193)",
        ),
        breaks: Update,
        fix: "send one operation per path, or nest the values (`{\"name\": {\"givenName\": ...}}`); \
              a server that serves Entra reads such keys as paths",
    },
    /// `remove` of members by a `value` list rather than a filter (Entra legacy).
    RemoveByValueList {
        key: "remove-by-value-list",
        level: Interop,
        rfc: "RFC 7644 §3.5.2.2",
        title: "values removed by a `value` list instead of a filtered `path`",
        okta: Some("Okta removes a member with `\"path\": \"members[value eq \\\"<id>\\\"]\"`"),
        entra: Some(
            "Entra's legacy shapes remove members with `{\"op\":\"Remove\",\"path\":\"members\",\
             \"value\":[{\"value\":\"<id>\"}]}`; a server that ignores `value` removes every \
             member (data loss), one that refuses it leaves removed users in the group",
        ),
        breaks: Groups,
        fix: "send `\"path\": \"members[value eq \\\"<id>\\\"]\"`; a server that serves Entra \
              removes only the listed values",
    },
    /// A PATCH operation that targets a readOnly attribute.
    PatchReadOnlyTarget {
        key: "patch-read-only-target",
        level: Must,
        rfc: "RFC 7643 §2.2, RFC 7644 §3.5.2",
        title: "a PATCH operation on a readOnly attribute",
        okta: None,
        entra: None,
        fix: "leave it to the server, which answers 400 mutability (group membership changes \
              through the Group)",
    },
    /// A readOnly attribute inside a pathless value (Okta's own `id`).
    PathlessReadOnly {
        key: "pathless-read-only",
        level: Interop,
        rfc: "RFC 7643 §2.2, RFC 7644 §3.5.2",
        title: "a readOnly attribute inside a pathless value",
        okta: Some(
            "Okta sends the group's own `id` in the pathless `replace` of every rename and \
             membership change; a server that answers 400 mutability fails group push",
        ),
        entra: None,
        breaks: Groups,
        fix: "a server accepts a readOnly attribute whose value would not change; a client \
              leaves it out",
    },
    /// `replace` of an immutable attribute.
    PatchImmutableTarget {
        key: "patch-immutable-target",
        level: Must,
        rfc: "RFC 7644 §3.5.2, RFC 7643 §2.2",
        title: "`replace` of an immutable attribute, which a client must not modify",
        okta: None,
        entra: None,
        fix: "remove the element and add a new one instead; servers answer 400 mutability",
    },

    // --- ListResponse (RFC 7644 §3.4.2) -----------------------------------------------------

    /// A list sent as a bare JSON array.
    ListBareArray {
        key: "list-bare-array",
        level: Must,
        rfc: "RFC 7644 §3.4.2",
        title: "a list sent as a bare JSON array, not a ListResponse",
        okta: None,
        entra: None,
        fix: "wrap the resources in {\"schemas\": [...ListResponse], \"totalResults\": n, \
              \"Resources\": [...]}",
    },
    /// `totalResults` missing.
    ListTotalResultsMissing {
        key: "list-total-results-missing",
        level: Must,
        rfc: "RFC 7644 §3.4.2",
        title: "`totalResults` is missing",
        okta: None,
        entra: None,
        fix: "send the number of matching resources across all pages",
    },
    /// A paging number sent as a string.
    ListNumberAsString {
        key: "list-number-as-string",
        level: Must,
        rfc: "RFC 7644 §3.4.2",
        title: "a paging number sent as a string",
        okta: Some("Okta's import reads integer paging fields"),
        entra: None,
        breaks: Import,
        fix: "send `totalResults`, `startIndex` and `itemsPerPage` as JSON integers",
    },
    /// `startIndex` 0: the server counts from 0.
    ListStartIndexZero {
        key: "list-start-index-zero",
        level: Must,
        rfc: "RFC 7644 §3.4.2.4",
        title: "`startIndex` is 0: the first result is 1",
        okta: Some(
            "Okta's import asks for startIndex=1, 101, 201 ...; a server that counts from 0 skips \
             or repeats a resource at every page boundary",
        ),
        entra: None,
        breaks: Import,
        fix: "count results from 1",
    },
    /// `itemsPerPage` is below the number of resources in the page (the page size asked for,
    /// as in RFC 7644 Figure 9, is accepted).
    ListItemsPerPageWrong {
        key: "list-items-per-page-wrong",
        level: Must,
        rfc: "RFC 7644 §3.4.2",
        title: "`itemsPerPage` is below the number of resources in the page",
        okta: None,
        entra: None,
        fix: "send the number of resources this page holds",
    },
    /// `Resources` missing although `totalResults` is above 0.
    ListResourcesMissing {
        key: "list-resources-missing",
        level: Must,
        rfc: "RFC 7644 §3.4.2",
        title: "`Resources` is missing although `totalResults` is above 0",
        okta: None,
        entra: None,
        fix: "send the page's resources in `Resources`",
    },
    /// `totalResults` smaller than the page.
    ListTotalBelowPage {
        key: "list-total-below-page",
        level: Must,
        rfc: "RFC 7644 §3.4.2",
        title: "`totalResults` is smaller than the number of resources in the page",
        okta: None,
        entra: None,
        fix: "count every match across all pages in `totalResults`",
    },
    /// A message member spelled in another case (`resources`, `operations`).
    MessageKeyCase {
        key: "message-key-case",
        level: Interop,
        rfc: "RFC 7643 §2.1",
        title: "a message member spelled in another case (`resources`, `operations`)",
        okta: None,
        entra: None,
        fix: "write `Resources` and `Operations` as RFC 7644 does: names are case-insensitive, \
              but some implementations read them exactly (wso2 answers 500 to `operations`)",
    },

    // --- Error (RFC 7644 §3.12) -------------------------------------------------------------

    /// An error answered without a SCIM Error body (empty, HTML, plain text).
    ErrorBodyMissing {
        key: "error-body-missing",
        level: Must,
        rfc: "RFC 7644 §3.12",
        title: "an error answer has no SCIM Error body",
        okta: None,
        entra: None,
        fix: "answer every error with a JSON Error: `schemas` with the Error URN, `status` and a \
              `detail` saying what went wrong",
    },
    /// An Error whose `scimType` is not the one RFC 7644 Table 9 gives for the problem.
    ScimTypeWrong {
        key: "scim-type-wrong",
        level: Must,
        rfc: "RFC 7644 §3.12",
        title: "an Error's `scimType` is missing or not the one RFC 7644 gives for the problem",
        okta: None,
        entra: None,
        fix: "send the `scimType` of RFC 7644 Table 9 (`invalidFilter`, `uniqueness`, \
              `mutability`, `invalidPath`, `noTarget` ...) with every 400 and 409 it covers",
    },
    /// An Error without `status`.
    ErrorStatusMissing {
        key: "error-status-missing",
        level: Must,
        rfc: "RFC 7644 §3.12",
        title: "an Error without `status`",
        okta: None,
        entra: None,
        fix: "send the HTTP status code as a string, e.g. \"status\": \"404\"",
    },
    /// An Error whose `status` is a JSON number.
    ErrorStatusNotString {
        key: "error-status-not-string",
        level: Must,
        rfc: "RFC 7644 §3.12",
        title: "Error `status` is a JSON number, not a string",
        okta: Some(
            "Okta's SCIM spec test expects `status` as the string \"401\" for a bad token and \
             \"404\" for an unknown id",
        ),
        entra: None,
        breaks: Certification,
        fix: "send \"status\": \"404\" (a string), not 404",
    },
    /// An Error whose `status` is not an HTTP status code.
    ErrorStatusInvalid {
        key: "error-status-invalid",
        level: Must,
        rfc: "RFC 7644 §3.12",
        title: "Error `status` is not an HTTP status code",
        okta: None,
        entra: None,
        fix: "send the response's HTTP status code, e.g. \"400\"",
    },

    // --- the service on the network: TLS and authentication (`scimctl doctor`) ---------------

    /// An `http://` endpoint on an address other than loopback.
    TlsNotUsed {
        key: "tls-not-used",
        level: Must,
        rfc: "RFC 7644 §7.2",
        title: "the endpoint is plain http://: tokens and personal data cross the network in \
                clear text",
        okta: None,
        entra: Some("Entra expects a SCIM endpoint to speak TLS 1.2"),
        breaks: Connection,
        fix: "serve SCIM over https:// with TLS 1.2 or later",
    },
    /// The certificate chain does not lead to a trusted root.
    TlsCertificateUntrusted {
        key: "tls-certificate-untrusted",
        level: Must,
        rfc: "RFC 7644 §7.2",
        title: "the TLS certificate is not issued by a trusted authority",
        okta: None,
        entra: None,
        fix: "serve the whole chain (the certificate and its intermediates) from a public CA; \
              for a private CA, pass its certificate with --cacert",
    },
    /// The certificate has expired or is not valid yet.
    TlsCertificateExpired {
        key: "tls-certificate-expired",
        level: Must,
        rfc: "RFC 7644 §7.2",
        title: "the TLS certificate has expired or is not valid yet",
        okta: None,
        entra: None,
        fix: "renew the certificate (and check the server's clock)",
    },
    /// The certificate expires soon.
    TlsCertificateExpiring {
        key: "tls-certificate-expiring",
        level: Note,
        rfc: "RFC 7644 §7.2",
        title: "the TLS certificate expires within 14 days",
        okta: None,
        entra: None,
        fix: "renew the certificate before it expires: every client stops connecting then",
    },
    /// The certificate does not name the host in the URL.
    TlsHostNameMismatch {
        key: "tls-host-name-mismatch",
        level: Must,
        rfc: "RFC 7644 §7.2",
        title: "the TLS certificate is not valid for the host name in the URL",
        okta: None,
        entra: None,
        fix: "use a certificate whose subjectAltName lists the host name clients connect to",
    },
    /// A request without credentials, or with wrong ones, is served.
    AuthNotRequired {
        key: "auth-not-required",
        level: Must,
        rfc: "RFC 7644 §2, §3.12",
        title: "requests without valid credentials are served",
        okta: Some(
            "Okta's SCIM spec test sends a bad token and expects 401 with `status` \"401\"",
        ),
        entra: None,
        breaks: Certification,
        fix: "authenticate every request and answer 401 (a SCIM Error) to a missing or invalid \
              token",
    },
    /// A 401 without the challenge naming the scheme the server takes.
    AuthChallengeMissing {
        key: "auth-challenge-missing",
        level: Must,
        rfc: "RFC 7644 §2; RFC 7235 §4.1",
        title: "a 401 carries no WWW-Authenticate header naming the authentication scheme",
        okta: None,
        entra: None,
        fix: "send `WWW-Authenticate: Bearer realm=\"...\"` (or the scheme the server takes) with \
              every 401",
    },
    /// A missing or wrong token answered with something other than 401.
    AuthStatusWrong {
        key: "auth-status-wrong",
        level: Must,
        rfc: "RFC 7644 §3.12",
        title: "a missing or invalid token is not answered with 401",
        okta: Some(
            "Okta's SCIM spec test sends a bad token and expects 401 with `status` \"401\"",
        ),
        entra: None,
        breaks: Certification,
        fix: "answer 401 to a missing or invalid token; keep 403 for a valid token that lacks \
              permission",
    },
    /// An unauthenticated request redirected to a sign-in page or answered with HTML.
    AuthNotScim {
        key: "auth-not-scim",
        level: Interop,
        rfc: "RFC 7644 §3.12",
        title: "an unauthenticated request gets a sign-in page or redirect, not a SCIM Error",
        okta: None,
        entra: None,
        fix: "exempt the SCIM path from the SSO proxy or login page in front of it: SCIM clients \
              authenticate with a token and read a 401 SCIM Error",
    },
    /// A request without a User-Agent is refused, as by a web application firewall.
    UserAgentRequired {
        key: "user-agent-required",
        level: Interop,
        rfc: "RFC 7644 §3.12",
        title: "a request without a User-Agent header is refused",
        okta: None,
        entra: Some(
            "Entra's Test Connection arrives without a User-Agent; a firewall that answers it \
             with an HTML 403 fails the connection test",
        ),
        breaks: Connection,
        fix: "let the firewall in front of the SCIM endpoint pass requests without a User-Agent",
    },

    // --- discovery and media types (`scimctl doctor`) ----------------------------------------

    /// Answers labelled with an encoding other than UTF-8.
    CharsetNotUtf8 {
        key: "charset-not-utf8",
        level: Must,
        rfc: "RFC 7644 §3.8",
        title: "answers declare an encoding other than UTF-8",
        okta: None,
        entra: None,
        fix: "encode answers in UTF-8, and name it (`charset=utf-8`) or no charset at all",
    },
    /// A discovery endpoint missing, or its answer unreadable.
    DiscoveryUnavailable {
        key: "discovery-unavailable",
        level: Must,
        rfc: "RFC 7644 §4",
        title: "a discovery document is missing or cannot be read",
        okta: None,
        entra: None,
        fix: "serve /ServiceProviderConfig, /ResourceTypes and /Schemas as RFC 7643 §5-§7 \
              define them",
    },
    /// A resource type names a schema `/Schemas` does not serve.
    DiscoverySchemaMissing {
        key: "discovery-schema-missing",
        level: Must,
        rfc: "RFC 7643 §6, §7",
        title: "/Schemas leaves out a schema that /ResourceTypes names",
        okta: None,
        entra: None,
        fix: "serve every schema and extension the resource types name at /Schemas",
    },
    /// A resource type whose description leaves out what RFC 7643 §6 requires.
    ResourceTypeIncomplete {
        key: "resource-type-incomplete",
        level: Must,
        rfc: "RFC 7643 §6",
        title: "a resource type lists a schema extension without its `schema` or `required`",
        okta: None,
        entra: None,
        fix: "give every `schemaExtensions` entry its schema URN and a boolean `required`",
    },
    /// A discovery list paged or sorted by its query parameters.
    DiscoveryQueryHonoured {
        key: "discovery-query-honoured",
        level: Must,
        rfc: "RFC 7644 §4",
        title: "a discovery endpoint pages or sorts its list by the query parameters",
        okta: None,
        entra: None,
        fix: "answer /ResourceTypes and /Schemas whole, ignoring startIndex, count, sortBy and \
              sortOrder",
    },
    /// A schema at /Schemas that breaks the rules of RFC 7643 for schema definitions.
    SchemaDefinitionInvalid {
        key: "schema-definition-invalid",
        level: Must,
        rfc: "RFC 7643 §2, §7, §8.7",
        title: "/Schemas publishes a schema definition that breaks RFC 7643",
        okta: None,
        entra: None,
        fix: "describe every attribute as RFC 7643 §7 and its errata do: ATTRNAME names, the \
              eight data types, flat sub-attributes, referenceTypes as arrays; label each schema \
              as a Schema resource, and leave the message schemas out",
    },
    /// A schema definition that departs from the RFC's conventions without breaking a MUST.
    SchemaDefinitionUnconventional {
        key: "schema-definition-unconventional",
        level: Should,
        rfc: "RFC 7643 §7",
        title: "/Schemas describes attributes otherwise than RFC 7643 recommends",
        okta: None,
        entra: Some("Entra expects the keywords camel cased as RFC 7643 spells them (readWrite)"),
        fix: "list the sub-attributes of every complex attribute and spell type, mutability, \
              returned and uniqueness as RFC 7643 §7 does",
    },
    /// A schema definition that sends null characteristics.
    SchemaNullCharacteristics {
        key: "schema-null-characteristics",
        level: Interop,
        rfc: "RFC 7643 §7",
        title: "/Schemas sends attribute characteristics as null",
        okta: None,
        entra: Some("Entra's guidance for /Schemas: if a value isn't present, don't send null"),
        fix: "leave out a characteristic that has no value instead of sending null",
    },
    /// A group created without displayName, or a schema that says it may be.
    GroupDisplayNameOptional {
        key: "group-display-name-optional",
        level: Must,
        rfc: "RFC 7643 §4.2; erratum 5368",
        title: "a group's displayName is treated as optional",
        okta: None,
        entra: None,
        fix: "declare Group displayName `\"required\": true` and refuse a group without one with \
              400 invalidValue",
    },
    /// A discovery endpoint that filters instead of answering 403.
    DiscoveryFilterAccepted {
        key: "discovery-filter-accepted",
        level: Should,
        rfc: "RFC 7644 §4",
        title: "a discovery endpoint answers a `filter` instead of refusing it with 403",
        okta: None,
        entra: None,
        fix: "answer 403 to a `filter` on /ServiceProviderConfig, /ResourceTypes and /Schemas",
    },
    /// A SCIM answer not labelled `application/scim+json`.
    ResponseNotScimJson {
        key: "response-not-scim-json",
        level: Must,
        rfc: "RFC 7644 §3.8, §8.1",
        title: "a SCIM answer is not labelled `application/scim+json`",
        okta: None,
        entra: Some(
            "Entra expects `application/scim+json` back: answers labelled `application/json` \
             aborted its validator's runs (MicrosoftDocs/azure-docs#104859)",
        ),
        breaks: Certification,
        fix: "send `Content-Type: application/scim+json` (a `charset` parameter is fine)",
    },
    /// A request body labelled `application/json` refused.
    RequestJsonRefused {
        key: "request-json-refused",
        level: Should,
        rfc: "RFC 7644 §3.8",
        title: "a request body labelled `application/json` is refused",
        okta: Some(
            "Okta's SCIM spec test creates a user with `Content-Type: application/json` and \
             expects 201",
        ),
        entra: None,
        breaks: Certification,
        fix: "accept `application/json` request bodies as well as `application/scim+json`",
    },

    // --- reads (`scimctl doctor`) -------------------------------------------------------------

    /// A filter that matches nothing answered with an error instead of an empty list.
    FilterNoMatchError {
        key: "filter-no-match-error",
        level: Must,
        rfc: "RFC 7644 §3.4.2",
        title: "a filter that matches nothing gets an error, not 200 with `totalResults` 0",
        okta: Some("Okta's create looks the user up first and reads a 404 Error there as absent"),
        entra: Some(
            "Entra's Test Connection filters on a random userName (`userName eq \"<GUID>\"`) and \
             expects 200 with an empty list: a 404 or 400 fails the connection test",
        ),
        breaks: Connection,
        fix: "answer 200 with {\"totalResults\": 0, \"Resources\": []} when nothing matches",
    },
    /// A filter on an existing userName that does not find the user.
    FilterMissesExisting {
        key: "filter-misses-existing",
        level: Must,
        rfc: "RFC 7644 §3.4.2.2",
        title: "an `eq` lookup (`userName eq`, `displayName eq`) does not find what the server \
                holds",
        okta: Some(
            "Okta looks a user or a pushed group up before creating it and posts when nothing \
             matches: what the lookup misses is posted again, and the create fails with 409",
        ),
        entra: Some(
            "Entra looks a user up with `userName eq` before creating it: when the lookup misses \
             (a 404, or an empty list), Entra creates a duplicate",
        ),
        breaks: Matching,
        fix: "answer the filter with a ListResponse holding, from `startIndex` 1, every resource \
              whose attribute equals the value",
    },
    /// `eq` matching more than equal values.
    FilterEqNotExact {
        key: "filter-eq-not-exact",
        level: Must,
        rfc: "RFC 7644 §3.4.2.2",
        title: "`eq` matches values that are not equal (a prefix or a substring)",
        okta: Some(
            "Okta's create looks the user up with `userName eq` and posts only when nobody \
             matches: a hit on another user stops the create",
        ),
        entra: Some(
            "Entra matches users with `userName eq \"...\"`: an answer that lists another user \
             is taken as the match",
        ),
        breaks: Matching,
        fix: "compare whole values in `eq`; `sw` and `co` are the prefix and substring operators",
    },
    /// `userName` compared case-sensitively.
    FilterUserNameCaseSensitive {
        key: "filter-username-case-sensitive",
        level: Must,
        rfc: "RFC 7643 §4.1.1, RFC 7644 §3.4.2.2",
        title: "`userName` is compared case-sensitively, though it is caseExact false",
        okta: Some(
            "Okta's SCIM spec test filters with the userName upper-cased and expects the user \
             back; a create whose lookup misses the user creates it again",
        ),
        entra: Some(
            "Entra looks a user up with `userName eq` as its directory spells the name: when \
             the case differs from the server's, the lookup misses and Entra creates a duplicate",
        ),
        breaks: Matching,
        fix: "compare `userName` (and every caseExact false attribute) without regard to case",
    },
    /// userNames that differ only in Unicode normalisation compared as different.
    UnicodeNotNormalised {
        key: "unicode-not-normalised",
        level: Must,
        rfc: "RFC 7644 §5, §7.8",
        title: "userNames that differ only in Unicode normalisation (`é` precomposed or not) are \
                compared as different names",
        okta: None,
        entra: None,
        fix: "prepare userName (and passwords) as RFC 7613 says before comparing or checking \
              uniqueness: at least normalise to NFC, in filters and in the uniqueness index",
    },
    /// `totalResults` that counts the page rather than every match.
    ListTotalResultsWrong {
        key: "list-total-results-wrong",
        level: Must,
        rfc: "RFC 7644 §3.4.2",
        title: "`totalResults` is not the number of matches across all pages",
        okta: None,
        entra: None,
        fix: "count every match in `totalResults`, however many the page holds",
    },
    /// `count=0` refused.
    CountZeroRefused {
        key: "count-zero-refused",
        level: Must,
        rfc: "RFC 7644 §3.4.2.4",
        title: "`count=0` is refused instead of answering with `totalResults` alone",
        okta: None,
        entra: None,
        fix: "answer `count=0` with 200, `totalResults` and no resources",
    },
    /// A negative `count` refused.
    CountNegativeRefused {
        key: "count-negative-refused",
        level: Must,
        rfc: "RFC 7644 §3.4.2.4",
        title: "a negative `count` is refused instead of being read as 0",
        okta: None,
        entra: None,
        fix: "read a negative `count` as 0",
    },
    /// `count` not applied to the page.
    CountIgnored {
        key: "count-ignored",
        level: Must,
        rfc: "RFC 7644 §3.4.2.4",
        title: "`count` is ignored: a page holds more resources than it asked for",
        okta: None,
        entra: None,
        fix: "return at most `count` resources on a page, none for `count=0` or a negative count",
    },
    /// An unknown id answered with something other than a 404 Error.
    UnknownIdNot404 {
        key: "unknown-id-not-404",
        level: Must,
        rfc: "RFC 7644 §3.4.1, §3.12",
        title: "a resource id that does not exist is not answered with 404",
        okta: Some(
            "Okta's SCIM spec test reads an unknown id and expects 404 with `status` \"404\" and \
             a `detail`",
        ),
        entra: None,
        breaks: Certification,
        fix: "answer 404 with a SCIM Error for an id the server does not hold",
    },
    /// `id` left out of a projected resource.
    ProjectionDropsId {
        key: "projection-drops-id",
        level: Must,
        rfc: "RFC 7643 §3.1, RFC 7644 §3.4.2.5",
        title: "`id` is left out when `attributes` or `excludedAttributes` is given",
        okta: None,
        entra: None,
        fix: "always return `id` (returned \"always\"), whatever the projection",
    },
    /// An `attributes` name qualified with its schema URN, not recognised.
    ProjectionUrnIgnored {
        key: "projection-urn-ignored",
        level: Must,
        rfc: "RFC 7644 §3.4.2.5, §3.10",
        title: "an `attributes` name qualified with its schema URN is not recognised",
        okta: None,
        entra: None,
        fix: "read `urn:...:User:userName` as `userName`: strip the URN of the resource's own \
              schema (or of an extension) before looking the name up",
    },
    /// `excludedAttributes` ignored.
    ExcludedAttributesIgnored {
        key: "excluded-attributes-ignored",
        level: Should,
        rfc: "RFC 7644 §3.4.2.5",
        title: "`excludedAttributes` is ignored",
        okta: None,
        entra: Some(
            "Entra reads groups with `excludedAttributes=members`; a server that sends the members \
             anyway makes each read of a large group slow, up to timeouts",
        ),
        breaks: Groups,
        fix: "leave out the attributes `excludedAttributes` names (unless they are returned \
              \"always\")",
    },
    /// A request-target with raw quotes and `+` refused.
    RawQueryRefused {
        key: "raw-query-refused",
        level: Interop,
        rfc: "RFC 7644 §3.4.2.2",
        title: "a filter sent with raw quotes and `+` for spaces is refused",
        okta: None,
        entra: Some(
            "Entra's Test Connection sends `GET /Users?filter=userName+eq+\"<GUID>\"`, raw quotes \
             and all; a server or proxy that refuses the request line fails the connection test \
             and every lookup",
        ),
        breaks: Connection,
        fix: "accept `\"` in the query and read `+` as a space, as Entra's requests need",
    },

    // --- what a server does with a request (`scimctl test`) ----------------------------------

    /// A request RFC 7644 says to refuse with 400 answered otherwise.
    BadRequestNotRefused {
        key: "bad-request-not-refused",
        level: Must,
        rfc: "RFC 7644 §3.12",
        title: "a request that must be refused with 400 (a malformed filter, PATCH or body) is \
                answered otherwise",
        okta: None,
        entra: None,
        fix: "refuse it with 400 and a SCIM Error whose `scimType` says what is wrong \
              (RFC 7644 Table 9); a 500 or a success hides the client's mistake",
    },
    /// A filter combining conditions with `and`, `or` and parentheses evaluated wrongly.
    FilterLogicWrong {
        key: "filter-logic-wrong",
        level: Must,
        rfc: "RFC 7644 §3.4.2.2",
        title: "`and`, `or`, `not` and parentheses in a filter are evaluated wrongly",
        okta: None,
        entra: None,
        fix: "match `or` when either side matches and `and` when both do, bind `not` tighter \
              than `and` and `and` tighter than `or`, and evaluate parentheses first",
    },
    /// A filter refused because a stored resource lacks the attribute it names.
    FilterRefusedOnAbsentAttribute {
        key: "filter-refused-on-absent-attribute",
        level: Must,
        rfc: "RFC 7644 §3.4.2.2; RFC 7643 §2.5",
        title: "a filter on a sub-attribute (`emails.value eq`) is refused while some stored \
                resource has no value for the attribute",
        okta: None,
        entra: None,
        fix: "treat a resource without the attribute as not matching (an unassigned attribute \
              has no value to compare), never as an error",
    },
    /// A filter operator other than `eq` (`co`, `sw`, `pr`, `gt`, a value path ...) that
    /// answers with the wrong resources.
    FilterOperatorWrong {
        key: "filter-operator-wrong",
        level: Must,
        rfc: "RFC 7644 §3.4.2.2",
        title: "a filter answers with resources its operator does not match, or leaves out ones \
                it does",
        okta: None,
        entra: None,
        fix: "evaluate each operator as RFC 7644 §3.4.2.2 defines it, on the attribute's type \
              and its caseExact",
    },
    /// Walking the pages of a list from startIndex=1 skips or repeats resources.
    PagingSkipsResources {
        key: "paging-skips-resources",
        level: Must,
        rfc: "RFC 7644 §3.4.2.4",
        title: "walking the pages of a list from startIndex=1 skips or repeats resources",
        okta: Some(
            "Okta imports with startIndex=1, 101, 201 ...: a resource that falls between two \
             pages is never imported",
        ),
        entra: None,
        breaks: Import,
        fix: "count `startIndex` from 1, keep the order stable from page to page, and count \
              every match in `totalResults`",
    },
    /// `sortBy` accepted but not applied.
    SortIgnored {
        key: "sort-ignored",
        level: Must,
        rfc: "RFC 7644 §3.4.2.3",
        title: "a list asked for with `sortBy` is not in that order",
        okta: None,
        entra: None,
        fix: "order the results by `sortBy` (caseExact attributes case-sensitively, the others \
              not) in `sortOrder`, or say `\"sort\": {\"supported\": false}`",
    },
    /// A `.search` answered as if it were something other than a query.
    SearchNotAQuery {
        key: "search-not-a-query",
        level: Must,
        rfc: "RFC 7644 §3.4.3",
        title: "a POST to `.../.search` is not handled as a query",
        okta: None,
        entra: None,
        fix: "route `POST <endpoint>/.search` to the query handler and answer a ListResponse, or \
              answer 404, 405 or 501 when `.search` is not offered; never create a resource",
    },
    /// A root `.search` that leaves out a resource type.
    RootSearchIncomplete {
        key: "root-search-incomplete",
        level: Must,
        rfc: "RFC 7644 §3.4.2.1",
        title: "a query at the server root leaves out matching resources of a resource type, or \
                refuses a filter on an attribute one resource type lacks",
        okta: None,
        entra: None,
        fix: "search every resource type at the root, and read an attribute a type does not \
              have as one without a value (it matches nothing) instead of refusing the filter",
    },
    /// A query parameter the server does not know refused.
    UnknownQueryParameterRefused {
        key: "unknown-query-parameter-refused",
        level: Should,
        rfc: "RFC 7644 §3.4.2",
        title: "a query parameter the server does not know makes it refuse the request",
        okta: None,
        entra: None,
        fix: "ignore query parameters you do not recognise, as RFC 7644 §3.4.2 asks for \
              versioning compatibility",
    },
    /// A create with only `schemas` and `userName` refused.
    CreateMinimalRefused {
        key: "create-minimal-refused",
        level: Must,
        rfc: "RFC 7643 §4.1.1",
        title: "a user with only `userName`, the one required attribute, cannot be created",
        okta: Some(
            "Okta's create sends the attributes its app maps (`name.givenName`, \
             `name.familyName`, `emails` ...): a server that demands one more refuses every user \
             Okta creates",
        ),
        entra: None,
        breaks: Create,
        fix: "require only `userName`; store what else a create carries, and leave the rest \
              unassigned",
    },
    /// A duplicate create not refused with 409 `uniqueness`.
    DuplicateNot409 {
        key: "duplicate-not-409",
        level: Must,
        rfc: "RFC 7644 §3.3, §3.12",
        title: "a create that repeats a unique `userName` or `displayName` is not refused with \
                409 `uniqueness`",
        okta: Some(
            "Okta's SCIM spec test creates the same user twice and expects 409 the second time",
        ),
        entra: None,
        breaks: Certification,
        fix: "answer 409 with a SCIM Error whose `scimType` is `uniqueness`",
    },
    /// A create that keeps the `id` the client sent.
    CreateKeepsClientId {
        key: "create-keeps-client-id",
        level: Must,
        rfc: "RFC 7643 §3.1",
        title: "a create keeps the `id` the client sent instead of issuing one",
        okta: None,
        entra: None,
        fix: "ignore a client's `id` (it is readOnly) and issue a new one for every resource \
              created",
    },
    /// Two resources of different types share an id.
    IdNotUnique {
        key: "id-not-unique",
        level: Must,
        rfc: "RFC 7643 §3.1",
        title: "an id is shared by resources of different types",
        okta: Some(
            "Okta's documentation requires ids unique across the server's entire set of \
             resources: a group that shares a user's id is indistinguishable from it in group \
             push and in the members it lists",
        ),
        entra: None,
        breaks: Groups,
        fix: "issue ids from one space for every resource type (a UUID per resource, not a \
              counter or a name per type)",
    },
    /// An issued id contains the reserved string `bulkId`.
    IdContainsBulkId {
        key: "id-contains-bulk-id",
        level: Must,
        rfc: "RFC 7643 §3.1",
        title: "an issued id contains the reserved string `bulkId`",
        okta: Some("Okta's documentation forbids the string `bulkId` in any unique identifier"),
        entra: None,
        breaks: Certification,
        fix: "issue ids that never contain `bulkId`: a bulk request reads `bulkId:` values as \
              references to its own operations",
    },
    /// The server gave `externalId` a value the client never sent.
    ExternalIdInvented {
        key: "external-id-invented",
        level: Must,
        rfc: "RFC 7643 §3.1",
        title: "the server sets `externalId`, which only the provisioning client issues",
        okta: None,
        entra: Some(
            "Entra matches users by `externalId` when its mapping says so: a value the server \
             invented matches nothing Entra knows",
        ),
        breaks: Matching,
        fix: "leave `externalId` absent until a client sends one, and store it as sent",
    },
    /// `meta.lastModified` of a resource never modified differs from `meta.created`.
    LastModifiedNotCreated {
        key: "last-modified-not-created",
        level: Must,
        rfc: "RFC 7643 §3.1",
        title: "`meta.lastModified` of a resource never modified differs from `meta.created`",
        okta: None,
        entra: None,
        fix: "read the clock once per write and set `meta.created` and `meta.lastModified` of a \
              new resource from that one reading",
    },
    /// A write to a readOnly attribute changed the resource.
    ReadOnlyWritten {
        key: "read-only-written",
        level: Must,
        rfc: "RFC 7643 §2.2, §4.1.2",
        title: "a write to a readOnly attribute (a user's `groups`) changed the resource",
        okta: None,
        entra: None,
        fix: "refuse the write with 400 `mutability` or ignore the value; change memberships \
              only through the Group's `members`",
    },
    /// A resource's `schemas` keeps a URN its resource type does not define.
    SchemasForeignUrnKept {
        key: "schemas-foreign-urn-kept",
        level: Must,
        rfc: "RFC 7643 §3",
        title: "a resource's `schemas` lists a URN its resource type does not define",
        okta: None,
        entra: None,
        fix: "list in `schemas` only the resource type's schema and the extensions it declares \
              (refuse an unknown URN with 400, or leave it out)",
    },
    /// A body is refused because its `schemas` are in another order.
    SchemasOrderMatters {
        key: "schemas-order-matters",
        level: Must,
        rfc: "RFC 7643 §3",
        title: "a body is refused or read differently because of the order of its `schemas`",
        okta: None,
        entra: None,
        fix: "read `schemas` as a set: its order is not specified and must not change what is \
              stored",
    },
    /// A reference URI (`members[].$ref`) does not lead to its resource.
    ReferenceUnresolvable {
        key: "reference-unresolvable",
        level: Must,
        rfc: "RFC 7643 §2.3.7",
        title: "a reference URI (`$ref`) does not lead to the resource it names",
        okta: None,
        entra: None,
        fix: "write `$ref` as the resource's absolute URI (its `meta.location`), or as a URI \
              relative to the SCIM base URL with its version segment (`Users/{id}`)",
    },
    /// The `Location` header of a create differs from the resource's `meta.location`.
    LocationMismatch {
        key: "location-mismatch",
        level: Must,
        rfc: "RFC 7644 §3.3, RFC 7643 §3.1",
        title: "the `Location` of a created resource differs from its `meta.location`",
        okta: None,
        entra: None,
        fix: "build `Location`, `meta.location` and bulk locations from the same public base URL \
              (the one clients call, not the address behind a proxy)",
    },
    /// The enterprise extension's attributes accepted and dropped.
    ExtensionNotStored {
        key: "extension-not-stored",
        level: Must,
        rfc: "RFC 7643 §3, §4.3",
        title: "the enterprise extension's attributes are accepted but not stored",
        okta: None,
        entra: Some(
            "Entra sends `department`, `employeeNumber` and `manager` in the enterprise \
             extension: a server that drops them answers 201 and 200, and they never arrive",
        ),
        breaks: Create,
        fix: "store the attributes under the extension's URN and list the URN in `schemas`, as \
              /ResourceTypes advertises it",
    },
    /// A PUT answered with success that did not replace the resource.
    PutNotStored {
        key: "put-not-stored",
        level: Must,
        rfc: "RFC 7644 §3.5.1",
        title: "a PUT answered with success did not replace the stored resource",
        okta: Some(
            "Okta updates a user by reading it and PUTting the whole user back: every profile \
             change is lost",
        ),
        entra: None,
        breaks: Update,
        fix: "store the resource the PUT carries (readOnly attributes aside) before answering \
              with it",
    },
    /// A PUT answered with the resource as it was before.
    PutAnswerNotUpdated {
        key: "put-answer-not-updated",
        level: Interop,
        rfc: "RFC 7644 §3.5.1",
        title: "a PUT is answered with the resource as it was, not as it was replaced",
        okta: Some(
            "Okta reads the user from the PUT's answer: it sees the old profile and takes the \
             update for failed",
        ),
        entra: None,
        breaks: Update,
        fix: "answer a PUT with the resource as stored after it",
    },
    /// A created user read back without attributes the create sent.
    CreateNotStoredAsSent {
        key: "create-not-stored-as-sent",
        level: Interop,
        rfc: "RFC 7644 §3.3",
        title: "a created user reads back without attributes its create sent",
        okta: Some(
            "Okta's spec test creates a user with userName, name, a work email and `active`, \
             then reads it back by id and on a page of users, expecting each as sent",
        ),
        entra: None,
        breaks: Certification,
        fix: "store every attribute of a create the schema holds (`active` included), or leave \
              the attribute out of /Schemas",
    },
    /// A PATCH `add` to a multi-valued attribute that replaces its values.
    PatchAddReplaces {
        key: "patch-add-replaces",
        level: Must,
        rfc: "RFC 7644 §3.5.2.1",
        title: "a PATCH `add` to a multi-valued attribute replaces its values instead of adding \
                to them",
        okta: Some(
            "Okta adds a member with `add` on `members`: a server that replaces the list drops \
             every other member of the group",
        ),
        entra: Some(
            "Entra adds members with `Add` on `members`, a few per operation: the group keeps \
             only the last ones added",
        ),
        breaks: Groups,
        fix: "add the values to the ones the attribute already holds (a value already there is \
              not added twice)",
    },
    /// A PATCH `add` of several values that adds only some of them.
    PatchAddPartial {
        key: "patch-add-partial",
        level: Must,
        rfc: "RFC 7644 §3.5.2.1",
        title: "a PATCH `add` of several values adds only some of them",
        okta: None,
        entra: Some(
            "Entra adds several members in one `Add` on `members`: the others never join the \
             group",
        ),
        breaks: Groups,
        fix: "add every value of the operation's list, not only the first",
    },
    /// A PATCH `add` of a value already held that stores it again.
    PatchAddDuplicates {
        key: "patch-add-duplicates",
        level: Should,
        rfc: "RFC 7644 §3.5.2.1",
        title: "a PATCH `add` of a value the attribute already holds stores it a second time",
        okta: None,
        entra: None,
        fix: "compare each added value with the ones held (by `value` and `type`) and leave a \
              value already there as it is",
    },
    /// A PATCH `replace` of a multi-valued attribute that merges instead.
    PatchReplaceMerges {
        key: "patch-replace-merges",
        level: Must,
        rfc: "RFC 7644 §3.5.2.3",
        title: "a PATCH `replace` of a multi-valued attribute merges the new values into the old",
        okta: Some(
            "Okta's group push can replace the whole member list: a server that merges keeps \
             removed members in the group",
        ),
        entra: None,
        breaks: Groups,
        fix: "replace all of the attribute's values with the new ones (a filter in `path` \
              narrows a replace to the values it matches)",
    },
    /// A PATCH `replace` of a complex attribute that clears the sub-attributes it leaves out.
    PatchReplaceClearsSubAttributes {
        key: "patch-replace-clears-sub-attributes",
        level: Must,
        rfc: "RFC 7644 §3.5.2.3",
        title: "a PATCH `replace` of a complex attribute clears the sub-attributes it does not \
                name",
        okta: None,
        entra: None,
        fix: "replace only the sub-attributes the value gives and keep the others",
    },
    /// A `remove` through a value filter that removes values the filter does not match.
    PatchRemoveFilterIgnored {
        key: "patch-remove-filter-ignored",
        level: Must,
        rfc: "RFC 7644 §3.5.2.2",
        title: "a PATCH `remove` through a value filter removes values the filter does not match",
        okta: Some(
            "Okta unassigns a member with `remove` of `members[value eq \"<id>\"]`: a server \
             that drops the filter empties the group",
        ),
        entra: Some(
            "Entra (with `aadOptscim062020`) removes a member the same way: every removal \
             empties the group",
        ),
        breaks: Groups,
        fix: "remove only the values the filter matches",
    },
    /// Entra's legacy member removal (a `value` list) that removes more than it lists.
    RemoveValueListIgnored {
        key: "remove-value-list-ignored",
        level: Interop,
        rfc: "RFC 7644 §3.5.2.2",
        title: "a `remove` of `members` with a `value` list removes more than the listed members",
        okta: None,
        entra: Some(
            "Entra's legacy shapes remove a member with \
             `{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"value\":\"<id>\"}]}`: a \
             server that ignores `value` empties the group at every removal",
        ),
        breaks: Groups,
        fix: "read the `value` list of a remove as the values to remove, as Entra needs",
    },
    /// A PATCH whose `op` is not lowercase refused or ignored.
    PatchOpCaseSensitive {
        key: "patch-op-case-sensitive",
        level: Interop,
        rfc: "RFC 7644 §3.5.2",
        title: "a PATCH `op` not written in lowercase (`Replace`) is refused or ignored",
        okta: None,
        entra: Some(
            "Entra's legacy shapes (an app without `aadOptscim062020`) send `Add`, `Replace` \
             and `Remove`: every update, rename and disable fails",
        ),
        breaks: Update,
        fix: "match `op` without regard to case",
    },
    /// The string booleans Entra sends refused.
    StringBooleanRefused {
        key: "string-boolean-refused",
        level: Interop,
        rfc: "RFC 7643 §2.3.2",
        title: "the booleans Entra sends as strings (\"True\", \"False\") are refused or not \
                applied",
        okta: None,
        entra: Some(
            "Entra's legacy shapes disable a user with \
             `{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}`: a server that \
             refuses it leaves every disabled user active",
        ),
        breaks: Deactivation,
        fix: "read \"True\" and \"False\", in any case, as the booleans true and false",
    },
    /// A complex attribute sent as a plain string refused, where an IdP sends it so.
    ComplexAsStringRefused {
        key: "complex-as-string-refused",
        level: Interop,
        rfc: "RFC 7643 §2.3.8, §4.3",
        title: "a complex attribute sent as a plain string (Entra's manager) is refused",
        okta: None,
        entra: Some(
            "Entra sets the manager as the manager's id, a plain string on its URN path; a \
             server that refuses it never receives managers (Captain-P-Goldfish/SCIM-SDK#686)",
        ),
        breaks: Update,
        fix: "read a string sent for a complex attribute as its `value` sub-attribute",
    },
    /// An attribute named by its schema URN refused in a PATCH path or a filter.
    UrnPathRefused {
        key: "urn-path-refused",
        level: Must,
        rfc: "RFC 7644 §3.10",
        title: "an attribute named by its schema URN (`urn:...:User:employeeNumber`) is refused \
                or not understood",
        okta: None,
        entra: Some(
            "Entra sends the enterprise attributes (`employeeNumber`, `manager`) on their URN \
             paths: a server that refuses them never receives them",
        ),
        breaks: Update,
        fix: "accept the fully qualified name (the schema URN, `:`, the attribute) wherever an \
              attribute name goes, in PATCH paths and filters",
    },
    /// A PATCH path with a value filter refused.
    ValuePathPatchRefused {
        key: "value-path-patch-refused",
        level: Must,
        rfc: "RFC 7644 §3.5.2",
        title: "a PATCH path with a value filter (`members[value eq \"<id>\"]`) is refused",
        okta: Some(
            "Okta removes a member with `members[value eq \"<id>\"]`: a refusal leaves \
             unassigned users in the group",
        ),
        entra: Some(
            "Entra changes a work email through `emails[type eq \"work\"].value` and removes \
             members by filter; after a 400 it retries the whole batch, deactivations included",
        ),
        breaks: Update,
        fix: "support value filters in PATCH paths, as RFC 7644 Figure 7 writes them",
    },
    /// An `add` or `replace` without `path` answered with success but not applied.
    PathlessPatchIgnored {
        key: "pathless-patch-ignored",
        level: Must,
        rfc: "RFC 7644 §3.5.2.1, §3.5.2.3",
        title: "a PATCH `add` or `replace` without `path` is answered with success but not \
                applied",
        okta: Some(
            "Okta deactivates users with a pathless `replace` of {\"active\": false} and \
             renames pushed groups the same way: the users stay active",
        ),
        entra: Some(
            "Entra (with `aadOptscim062020`) sends several attributes as one pathless `replace`, \
             and its validator renames groups that way: the update is lost",
        ),
        breaks: Update,
        fix: "apply each attribute of a pathless operation's `value` as if it were the path",
    },
    /// A `replace` with `null` that does not clear the attribute.
    PatchNullReplaceIgnored {
        key: "patch-null-replace-ignored",
        level: Must,
        rfc: "RFC 7643 §2.5, RFC 7644 §3.5.2.3",
        title: "a PATCH `replace` with `null` does not clear the attribute",
        okta: None,
        entra: Some(
            "Entra clears an attribute with \"\" and then null, and expects a later GET to \
             show no value: the old value stays",
        ),
        breaks: Update,
        fix: "read null as unassigned: a replace with null removes the attribute",
    },
    /// A PATCH that fails and keeps the effect of its earlier operations.
    PatchNotAtomic {
        key: "patch-not-atomic",
        level: Must,
        rfc: "RFC 7644 §3.5.2",
        title: "a PATCH that fails keeps the effect of the operations before the failing one",
        okta: None,
        entra: None,
        fix: "apply all operations or none: leave the resource as it was when one fails",
    },
    /// A PATCH answered 200 without the resource.
    PatchAnswerNotResource {
        key: "patch-answer-not-resource",
        level: Must,
        rfc: "RFC 7644 §3.5.2",
        title: "a PATCH answered 200 does not carry the whole changed resource",
        okta: None,
        entra: None,
        fix: "answer 200 with the entire resource as it is after the PATCH, or 204 without a body",
    },
    /// A PATCH that changed nothing and yet moved `meta.lastModified`.
    PatchNoOpRestamped {
        key: "patch-no-op-restamped",
        level: Must,
        rfc: "RFC 7644 §3.5.2.1",
        title: "a PATCH that changes nothing changes `meta.lastModified`",
        okta: None,
        entra: None,
        fix: "compare the patched resource with the stored one and keep the stored one, \
              timestamp included, when nothing changed",
    },
    /// A remove of a sub-attribute through a value filter that removes the whole value.
    PatchRemoveDropsValue {
        key: "patch-remove-drops-value",
        level: Must,
        rfc: "RFC 7644 §3.5.2.2",
        title: "a PATCH `remove` of a sub-attribute through a value filter removes the whole \
                value",
        okta: None,
        entra: None,
        fix: "remove only the sub-attribute the path names (`emails[type eq \"work\"].primary`) \
              from each matching value, and keep the values",
    },
    /// `name.formatted` left describing the name before a PATCH of its components.
    FormattedNameStale {
        key: "formatted-name-stale",
        level: Should,
        rfc: "RFC 7643 §4.1.1",
        title: "after a change of the name's components, `name.formatted` still describes the \
                old name",
        okta: None,
        entra: None,
        fix: "recompute `name.formatted` from the components when they change, or leave it out",
    },
    /// No PATCH support.
    PatchUnsupported {
        key: "patch-unsupported",
        level: Should,
        rfc: "RFC 7644 §3.5",
        title: "the server does not support PATCH",
        okta: None,
        entra: Some(
            "Entra sends every user and group update as a PATCH: a server without PATCH cannot \
             be provisioned by Entra",
        ),
        breaks: Update,
        fix: "support PATCH (RFC 7644 §3.5.2) and say `\"patch\": {\"supported\": true}`",
    },
    /// A write to a discovery endpoint not answered 405.
    DiscoveryWriteNot405 {
        key: "discovery-write-not-405",
        level: Should,
        rfc: "RFC 7644 §4",
        title: "a write to a discovery endpoint is not answered 405 Method Not Allowed (or 501)",
        okta: Some(
            "the 2016 export of Okta's SCIM spec test POSTs to each discovery endpoint and \
             expects 405",
        ),
        entra: None,
        breaks: Certification,
        fix: "answer 405 with `Allow: GET`: the discovery endpoints exist and are read-only",
    },
    /// Bulk limits advertised but not enforced.
    BulkLimitsNotEnforced {
        key: "bulk-limits-not-enforced",
        level: Must,
        rfc: "RFC 7644 §3.7.4",
        title: "a BulkRequest over `bulk.maxOperations` or `maxPayloadSize` is not refused with \
                413",
        okta: None,
        entra: None,
        fix: "refuse a larger request with 413 and a SCIM Error naming the limit, or advertise \
              the limits the server applies",
    },
    /// A failed bulk operation not reported, or the ones after it left undone.
    BulkFailureMishandled {
        key: "bulk-failure-mishandled",
        level: Must,
        rfc: "RFC 7644 §3.7, §3.7.3",
        title: "a failed bulk operation is not reported with an Error, or the operations after \
                it are left undone without `failOnErrors`",
        okta: None,
        entra: None,
        fix: "answer each failed operation with its Error in `response`, and without \
              `failOnErrors` perform every other operation",
    },
    /// `failOnErrors` not honoured.
    BulkFailOnErrorsIgnored {
        key: "bulk-fail-on-errors-ignored",
        level: Must,
        rfc: "RFC 7644 §3.7.3",
        title: "a BulkRequest goes on after `failOnErrors` errors",
        okta: None,
        entra: None,
        fix: "stop at the `failOnErrors`th error and leave the remaining operations undone",
    },
    /// A `bulkId:` reference left unresolved.
    BulkReferenceUnresolved {
        key: "bulk-reference-unresolved",
        level: Must,
        rfc: "RFC 7644 §3.7.2",
        title: "a `bulkId:` reference in a bulk request is not replaced by the new resource's id",
        okta: None,
        entra: None,
        fix: "resolve `bulkId:` references wherever they appear in an operation's data, inside \
              extensions too, before storing the resource",
    },
    /// A bulk circle broken by creating one of its resources twice.
    BulkCircleCreatedTwice {
        key: "bulk-circle-created-twice",
        level: Must,
        rfc: "RFC 7644 §3.7.1, §3.7.3",
        title: "a circle of `bulkId` references is broken by creating one resource twice: a \
                duplicate is left that the BulkResponse does not name",
        okta: None,
        entra: None,
        fix: "create each resource of a circle once and complete it afterwards (a PATCH of the \
              resource already created, not a second POST), or refuse the circle with 409",
    },

    // --- what ServiceProviderConfig claims (`scimctl doctor`) ---------------------------------

    /// A capability ServiceProviderConfig claims and the server does not honour.
    SpcClaimNotHonoured {
        key: "spc-claim-not-honoured",
        level: Should,
        rfc: "RFC 7643 §5",
        title: "ServiceProviderConfig claims a feature the server does not honour",
        okta: None,
        entra: None,
        fix: "make the feature work, or say `\"supported\": false` for it",
    },
    /// ETags supported, but an answer without an ETag header.
    EtagHeaderMissing {
        key: "etag-header-missing",
        level: Must,
        rfc: "RFC 7644 §3.14",
        title: "ETags are supported, but an answer with a resource has no `ETag` header",
        okta: None,
        entra: None,
        fix: "send the resource's version in an `ETag` header on every answer that carries it",
    },
    /// `meta.version` that differs from the `ETag` header.
    EtagVersionMismatch {
        key: "etag-version-mismatch",
        level: Should,
        rfc: "RFC 7644 §3.14, RFC 7643 §3.1",
        title: "`meta.version` differs from the `ETag` header",
        okta: None,
        entra: None,
        fix: "put the same entity tag in `meta.version` and in the `ETag` header",
    },
    /// ETag preconditions ignored, or versions that do not change.
    EtagNotHonoured {
        key: "etag-not-honoured",
        level: Must,
        rfc: "RFC 7644 §3.14",
        title: "ETag versions or preconditions (`If-Match`, `If-None-Match`) are not honoured",
        okta: None,
        entra: None,
        fix: "change the version on every write, answer 412 to a stale `If-Match` and 304 only \
              to a current `If-None-Match`",
    },

    // --- writes (`scimctl doctor --allow-writes`) --------------------------------------------

    /// A write a conformant server accepts, refused.
    WriteRefused {
        key: "write-refused",
        level: Must,
        rfc: "RFC 7644 §3.3, §3.5.2, §3.6",
        title: "a create, PATCH or DELETE a conformant server accepts is refused",
        okta: None,
        entra: None,
        fix: "accept the request as RFC 7644 writes it; the answer's `detail` says what the \
              server objected to",
    },
    /// A create answered without the new resource (no body, or no `id` in it).
    CreateAnswerEmpty {
        key: "create-answer-empty",
        level: Interop,
        rfc: "RFC 7644 §3.3",
        title: "a create is answered without the new resource and its `id`",
        okta: Some(
            "Okta reads the new user from the 201's body: an empty body is an error in Okta \
             (\"Create new user returned empty user\")",
        ),
        entra: None,
        breaks: Create,
        fix: "answer 201 with the created resource, its `id` and `meta` included",
    },
    /// A write answered with success that did not change the resource.
    WriteNotApplied {
        key: "write-not-applied",
        level: Must,
        rfc: "RFC 7644 §3.5.1, §3.5.2",
        title: "a PUT or PATCH answered with success did not change the resource",
        okta: None,
        entra: None,
        fix: "store every change of the PUT, or every operation of the PATCH, or refuse it with \
              an Error",
    },
    /// A deleted resource can still be read.
    DeleteNotEffective {
        key: "delete-not-effective",
        level: Must,
        rfc: "RFC 7644 §3.6",
        title: "a deleted resource can still be read",
        okta: None,
        entra: None,
        fix: "answer 404 for a deleted resource and leave it out of lists",
    },
    /// A Group POST that stores the group without the members it carried.
    GroupCreateDropsMembers {
        key: "group-create-drops-members",
        level: Must,
        rfc: "RFC 7644 §3.3; RFC 7643 §4.2",
        title: "a group created with members is stored without them",
        okta: None,
        entra: None,
        fix: "store the `members` a create sends (they are readWrite), or refuse the create with \
              an Error",
    },
    /// A created resource whose `meta` does not name its resource type.
    MetaResourceTypeMissing {
        key: "meta-resource-type-missing",
        level: Must,
        rfc: "RFC 7643 §3.1; RFC 7644 §3.3.1",
        title: "`meta.resourceType` is missing or does not name the resource's type",
        okta: None,
        entra: None,
        fix: "set `meta.resourceType` to the resource type of the endpoint (`User`, `Group`) on \
              every resource the server returns",
    },
    /// ServiceProviderConfig leaves out a capability or its `supported` flag.
    SpcIncomplete {
        key: "spc-incomplete",
        level: Must,
        rfc: "RFC 7643 §5",
        title: "ServiceProviderConfig leaves out a capability it must describe",
        okta: None,
        entra: None,
        fix: "describe every capability (`patch`, `bulk`, `filter`, `changePassword`, `sort`, \
              `etag`, `authenticationSchemes`), with `\"supported\": false` for the ones the \
              server lacks",
    },
    /// A served /Me whose answer does not name the aliased resource.
    MeLocationMissing {
        key: "me-location-missing",
        level: Must,
        rfc: "RFC 7644 §3.11",
        title: "/Me does not name the aliased resource in its Location header",
        okta: None,
        entra: None,
        fix: "answer /Me with a Location header holding the permanent URI of the authenticated \
              subject's resource (/Users/{id})",
    },
    /// An unsupported /Me answered with something other than 501.
    MeNot501 {
        key: "me-not-501",
        level: Should,
        rfc: "RFC 7644 §3.11",
        title: "/Me is neither served nor answered 501 Not Implemented",
        okta: None,
        entra: None,
        fix: "serve /Me as the authenticated subject's resource, or answer 501 Not Implemented \
              so that a client can tell it from a wrong base URL",
    },
    /// An endpoint that does not exist answered with something other than 404.
    UnknownEndpointNot404 {
        key: "unknown-endpoint-not-404",
        level: Should,
        rfc: "RFC 7644 §3.12",
        title: "an endpoint that does not exist is not answered with 404",
        okta: None,
        entra: None,
        fix: "answer 404 with a SCIM Error below the base URL instead of a catch-all page, so \
              that a wrong path is not taken for success",
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_kebab_case_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for &deviation in Deviation::ALL {
            let key = deviation.key();
            assert!(seen.insert(key), "duplicate key {key}");
            assert!(
                key.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{key} is not kebab-case"
            );
            assert_eq!(Deviation::from_key(key), Some(deviation));
        }
        assert_eq!(Deviation::from_key("no-such-key"), None);
    }

    #[test]
    fn every_entry_names_its_rfc_section_and_a_fix() {
        for &deviation in Deviation::ALL {
            let entry = deviation.entry();
            assert!(
                entry.rfc.starts_with("RFC 764"),
                "{}: {}",
                entry.key,
                entry.rfc
            );
            assert!(entry.rfc.contains('§'), "{}: {}", entry.key, entry.rfc);
            assert!(
                !entry.title.is_empty() && !entry.fix.is_empty(),
                "{}",
                entry.key
            );
        }
    }
}
