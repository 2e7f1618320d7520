//! The conformance suite format: the model (checks, steps, assertions) and its parser, which
//! checks everything on reading. Pure: no I/O, no async, no printing, nothing sent.
//!
//! The format is documented for users in `testsuites/README.md`; the built-in suites and the
//! standard templates are compiled into the binary from `testsuites/`.

mod builtin;
pub mod idp;
mod parse;
mod selector;
mod template;

use std::fmt;

use serde_json::Value;

use crate::scim::percent::QueryEncoding;

pub use crate::findings::Deviation;
pub use builtin::{
    Builtin, NoArgs, Order, PaginateArgs, ReferenceArgs, ResourceTypeByIdArgs,
    SchemaAttributesArgs, SchemaRule, ScimErrorArgs, SortedArgs,
};
pub use parse::parse_suite;
pub use selector::{PathStep, Selector, SelectorPath, render_filter};
pub use template::{Template, TemplatePart, UnknownVariable};

/// The suites shipped with scimctl, by name, in their default run order.
pub const BUILTIN_SUITES: &[(&str, &str)] = &[
    ("rfc7644", include_str!("../../testsuites/rfc7644.toml")),
    ("okta", include_str!("../../testsuites/okta.toml")),
    ("entra", include_str!("../../testsuites/entra.toml")),
];

/// The standard templates, which every suite may `use` (`testsuites/templates.toml`).
pub const STANDARD_TEMPLATES: &str = include_str!("../../testsuites/templates.toml");

/// The text of a built-in suite.
pub fn builtin_suite(name: &str) -> Option<&'static str> {
    BUILTIN_SUITES
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
        .map(|(_, text)| *text)
}

/// How strongly the RFC (or an identity provider) requires what a check tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// RFC MUST, SHALL, REQUIRED.
    Must,
    /// RFC SHOULD, RECOMMENDED.
    Should,
    /// RFC MAY, OPTIONAL: a miss is reported but never fails a run.
    May,
    /// Not an RFC requirement, but Okta depends on it.
    InteropOkta,
    /// Not an RFC requirement, but Microsoft Entra ID depends on it.
    InteropEntra,
}

impl Level {
    /// The spelling used in suite files and reports: `MUST`, `SHOULD`, `MAY`, `interop:okta`,
    /// `interop:entra`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
            Level::InteropOkta => "interop:okta",
            Level::InteropEntra => "interop:entra",
        }
    }

    /// Parses the suite-file spelling (case-insensitive).
    pub fn parse(text: &str) -> Option<Level> {
        Some(match text.to_ascii_lowercase().as_str() {
            "must" => Level::Must,
            "should" => Level::Should,
            "may" => Level::May,
            "interop:okta" => Level::InteropOkta,
            "interop:entra" => Level::InteropEntra,
            _ => return None,
        })
    }

    /// True when missing it is a failure rather than a warning (MUST and interop levels).
    pub fn is_mandatory(self) -> bool {
        !matches!(self, Level::Should | Level::May)
    }
}

/// One suite file.
#[derive(Debug, Clone, PartialEq)]
pub struct Suite {
    /// Short name used on the command line and in reports, such as `rfc7644`.
    pub name: String,
    /// Human title, such as `RFC 7644`.
    pub title: String,
    pub description: String,
    pub checks: Vec<Check>,
}

/// One conformance check: a few requests and what their answers must show.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Stable, unique identifier: API for reports and waivers.
    pub id: String,
    pub title: String,
    /// The reference, such as `RFC 7644 §3.4.2.2`.
    pub rfc: String,
    pub level: Level,
    pub tags: Vec<String>,
    pub requires: Vec<Requirement>,
    /// Names the deviation when the check does not pass; an assertion's own message wins.
    pub message: Option<String>,
    /// The kind of deviation (a key of the findings catalogue) a failure of this check means,
    /// when the assertion that missed (or, for a wrong status, its step) names none of its
    /// own: failures with the same deviation are one finding in the reports.
    pub deviation: Option<Deviation>,
    pub steps: Vec<Step>,
    /// 1-based line of the check in its file.
    pub line: usize,
}

impl Check {
    /// True when any step may change data on the server, by its own request or through a
    /// built-in assertion that sends one: such checks need `--allow-writes`.
    pub fn writes(&self) -> bool {
        self.steps
            .iter()
            .any(|step| step.writes() || step.calls_writing_builtin())
    }
}

/// A precondition: what the server must advertise or have for a check to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// A `ServiceProviderConfig` feature whose `supported` must be true: `patch`, `bulk`,
    /// `filter`, `changePassword`, `sort`, `etag`.
    Capability(String),
    /// A resource type the server must list in `/ResourceTypes`, such as `User`.
    ResourceType(String),
    /// A schema extension some resource type in `/ResourceTypes` must list in its
    /// `schemaExtensions` (RFC 7643 §6): `enterprise` names the enterprise User extension.
    Extension(String),
    /// An optional core attribute the server must store (RFC 7644 §3.1 lets it hold only a
    /// subset of RFC 7643's schema): `attribute:User.nickName` is met when `/Schemas` lists
    /// `nickName` in the User resource type's schema with a mutability other than `readOnly`.
    /// Held as the resource type and the attribute path (`name.givenName` for a sub-attribute).
    Attribute { resource_type: String, path: String },
    /// An Okta provisioning feature (`okta:create`); checked against `--okta-features`.
    OktaFeature(String),
}

/// The `ServiceProviderConfig` features a check may require.
pub const CAPABILITIES: &[&str] = &["patch", "bulk", "filter", "changePassword", "sort", "etag"];

/// The Okta provisioning features of `--okta-features`.
pub const OKTA_FEATURES: &[&str] = &["create", "update", "deactivate", "import", "groups"];

pub use crate::scim::method::Method;

/// One request and what its answer must show.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub method: Method,
    /// Path below the base URL, a template such as `/Users/{{user_id}}`; for a step with a
    /// `target`, the target's path.
    pub path: Template,
    pub query: Vec<(String, Template)>,
    /// The request-target below the base URL, sent byte for byte as an identity provider writes
    /// it (`/Users?filter=userName+eq+"{{unique}}"`); variables are inserted as they are, or
    /// encoded as `encoding` says.
    pub target: Option<Template>,
    /// For a step built on an identity provider's shape: how that IdP writes a value into a
    /// query string. A variable in the target's query is encoded so (`%20` or `+` for a
    /// space), one in its path as a path segment.
    pub encoding: Option<QueryEncoding>,
    pub headers: Vec<(String, Template)>,
    pub body: Option<Body>,
    /// A variable holding a JSON object (a resource read earlier and captured whole) that the
    /// JSON `body` is merged over when the request is sent: how Okta PUTs back the whole user it
    /// fetched with its changes.
    pub body_base: Option<String>,
    /// False to send the request without credentials.
    pub auth: bool,
    /// Retry the step while its assertions fail, up to `--settle` (read-after-write).
    pub settle: bool,
    /// Skip the check when the server declines the step's filter with 400 `invalidFilter`:
    /// RFC 7644 Table 9 lets a server refuse an attribute and operator it does not support.
    pub skip_if_filter_declined: bool,
    /// Skip the check when the server answers the step 404, 405 or 501: it does not offer the
    /// optional endpoint or operation the step uses (root or resource `.search`, RFC 7644
    /// §3.4.3), so what the check tests does not apply.
    pub skip_if_unsupported: bool,
    /// The step only prepares the ground (a create whose purpose is a later assertion): an
    /// answer outside `status`, or without a value captured for later steps, means the check
    /// could not run, not that the server has the deviation the check tests. The check ends
    /// with an error saying the setup was refused; a refused User create is first retried once
    /// with a fuller body. The step's own assertions judge its answer as usual.
    pub setup: bool,
    /// Acceptable statuses; empty means any.
    pub status: Vec<u16>,
    /// The kind of deviation an answer outside `status` (or without a value to capture) means;
    /// an assertion names its own, and the check's is what is left.
    pub deviation: Option<Deviation>,
    pub expect: Vec<Assertion>,
    /// Variables set from the answer, in order.
    pub capture: Vec<(String, Selector)>,
    /// 1-based line of the step in its file.
    pub line: usize,
}

impl Step {
    /// True when the step may change data: anything but GET, HEAD and a `.search` POST.
    pub fn writes(&self) -> bool {
        match self.method {
            Method::Get | Method::Head => false,
            Method::Post => !self.path.is_search(),
            Method::Put | Method::Patch | Method::Delete => true,
        }
    }

    /// True when one of the step's assertions is a built-in that sends a write of its own.
    pub fn calls_writing_builtin(&self) -> bool {
        self.expect
            .iter()
            .any(|assertion| matches!(&assertion.kind, AssertionKind::Builtin(builtin) if builtin.writes()))
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// JSON whose strings are templates; a string that is exactly one `{{variable}}` takes the
    /// variable's JSON value (a number, an object) rather than its text.
    Json(serde_json::Value),
    /// Bytes sent verbatim after substitution (malformed JSON, other media types).
    Raw(Template),
}

/// One expectation on an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    pub kind: AssertionKind,
    /// Overrides the check's level for this assertion (a SHOULD inside a MUST check).
    pub level: Option<Level>,
    /// Names the deviation when this assertion fails.
    pub message: Option<String>,
    /// The kind of deviation a failure of this assertion means, as written in the suite.
    pub deviation: Option<Deviation>,
    /// Judge the assertion only on an answer with this status (the body of a PATCH answered
    /// 200, where a 204 without a body is as legal).
    pub when_status: Option<u16>,
    /// 1-based line of the assertion in its file.
    pub line: usize,
}

impl Assertion {
    /// True when the assertion judges an answer with this status (see `when_status`).
    pub fn applies_to(&self, status: u16) -> bool {
        self.when_status.is_none_or(|wanted| wanted == status)
    }

    /// True when the assertion reads the variable `name`: in its expected value, its selector
    /// or a builtin's arguments.
    pub fn uses(&self, name: &str) -> bool {
        let in_text = |text: &str| {
            Template::parse(text).is_ok_and(|template| template.variables().any(|v| v == name))
        };
        let in_template = |template: &Template| template.variables().any(|v| v == name);
        let in_selector = |selector: &Selector| selector.variables().iter().any(|v| v == name);
        let in_json = |value: &serde_json::Value| json_strings(value).any(&in_text);
        match &self.kind {
            AssertionKind::HeaderExists { .. } | AssertionKind::MediaType { .. } => false,
            AssertionKind::HeaderEquals { value, .. }
            | AssertionKind::HeaderNotEquals { value, .. }
            | AssertionKind::HeaderContains { value, .. } => in_template(value),
            AssertionKind::EqualsCi { selector, value } => {
                in_selector(selector) || in_template(value)
            }
            AssertionKind::Equals { selector, value }
            | AssertionKind::NotEquals { selector, value }
            | AssertionKind::IsNot { selector, value }
            | AssertionKind::Contains { selector, value } => {
                in_selector(selector) || in_json(value)
            }
            AssertionKind::Exists { selector, .. }
            | AssertionKind::Type { selector, .. }
            | AssertionKind::Count { selector, .. } => in_selector(selector),
            AssertionKind::Builtin(builtin) => builtin.templates().into_iter().any(in_template),
        }
    }
}

/// `over` merged into `base`: objects key by key, recursively; anything else (a list too) is
/// replaced. A step's body over its template's, and over a `body_base` when sent.
pub fn merge_into(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (key, value) in over {
                match base.get_mut(&key) {
                    Some(slot) => merge_into(slot, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (slot, over) => *slot = over,
    }
}

/// Every string inside a JSON value, depth first.
fn json_strings(value: &serde_json::Value) -> Box<dyn Iterator<Item = &str> + '_> {
    match value {
        serde_json::Value::String(text) => Box::new(std::iter::once(text.as_str())),
        serde_json::Value::Array(items) => Box::new(items.iter().flat_map(json_strings)),
        serde_json::Value::Object(map) => Box::new(map.values().flat_map(json_strings)),
        _ => Box::new(std::iter::empty()),
    }
}

/// What an assertion tests.
#[derive(Debug, Clone, PartialEq)]
pub enum AssertionKind {
    /// A header is present (or absent, with `false`).
    HeaderExists { name: String, exists: bool },
    /// A header equals a value exactly.
    HeaderEquals { name: String, value: Template },
    /// A header is present and differs from a value (a version that must change).
    HeaderNotEquals { name: String, value: Template },
    /// A header contains a substring.
    HeaderContains { name: String, value: Template },
    /// A header's media type (parameters such as `charset` ignored, case-insensitive) is this.
    MediaType { name: String, media_type: String },
    /// The selected value equals this JSON (templates substituted).
    Equals {
        selector: Selector,
        value: serde_json::Value,
    },
    /// A value is present at the selector and differs from this JSON (templates substituted).
    NotEquals {
        selector: Selector,
        value: serde_json::Value,
    },
    /// No value at the selector equals this JSON: it is absent or different.
    IsNot {
        selector: Selector,
        value: serde_json::Value,
    },
    /// The selected value is a string equal to this one ignoring case.
    EqualsCi { selector: Selector, value: Template },
    /// A value is present (non-null) at the selector, or absent with `false`.
    Exists { selector: Selector, exists: bool },
    /// The selected value has this JSON type.
    Type {
        selector: Selector,
        json_type: JsonType,
    },
    /// The selected array has this many elements (a missing value counts as 0).
    Count { selector: Selector, count: usize },
    /// The selected array has an element equal to this JSON, or the selected string contains
    /// this text.
    Contains {
        selector: Selector,
        value: serde_json::Value,
    },
    /// A rule written in Rust, with its arguments.
    Builtin(Builtin),
}

impl AssertionKind {
    /// The deviation a failure of this test can only mean, whatever the check is about: an
    /// answer's `Content-Type` that is not `application/scim+json` is that, and nothing else.
    /// Most tests mean what their check says they mean, and imply nothing.
    pub fn implied_deviation(&self) -> Option<Deviation> {
        match self {
            AssertionKind::MediaType { name, media_type }
                if name.eq_ignore_ascii_case("Content-Type")
                    && media_type.eq_ignore_ascii_case(crate::scim::model::SCIM_MEDIA_TYPE) =>
            {
                Some(Deviation::ResponseNotScimJson)
            }
            _ => None,
        }
    }
}

/// JSON types an assertion can demand, and one SCIM form of a string: `dateTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Array,
    Object,
    Null,
    /// A string in xsd:dateTime form (RFC 7643 §2.3.5): what no JSON type can say.
    DateTime,
}

impl JsonType {
    /// Parses the suite-file spelling.
    pub fn parse(text: &str) -> Option<JsonType> {
        Some(match text {
            "string" => JsonType::String,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            "boolean" => JsonType::Boolean,
            "array" => JsonType::Array,
            "object" => JsonType::Object,
            "null" => JsonType::Null,
            "dateTime" => JsonType::DateTime,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Array => "array",
            JsonType::Object => "object",
            JsonType::Null => "null",
            JsonType::DateTime => "dateTime",
        }
    }

    /// The type of a JSON value (an integer reports as `integer`, a dateTime as `string`).
    pub fn of(value: &serde_json::Value) -> JsonType {
        match value {
            serde_json::Value::String(_) => JsonType::String,
            serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => JsonType::Integer,
            serde_json::Value::Number(_) => JsonType::Number,
            serde_json::Value::Bool(_) => JsonType::Boolean,
            serde_json::Value::Array(_) => JsonType::Array,
            serde_json::Value::Object(_) => JsonType::Object,
            serde_json::Value::Null => JsonType::Null,
        }
    }

    /// True when `value` is of this type (an integer is also a `number`).
    pub fn admits(self, value: &serde_json::Value) -> bool {
        if self == JsonType::DateTime {
            return value
                .as_str()
                .is_some_and(crate::scim::datetime::is_xsd_date_time);
        }
        let actual = JsonType::of(value);
        actual == self || (self == JsonType::Number && actual == JsonType::Integer)
    }
}

/// Why a suite file was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteError {
    /// The file name or suite name the text came from.
    pub origin: String,
    /// 1-based line and column.
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The offending line of the file, for display under the message.
    pub source_line: String,
    /// A suggestion, shown on its own `hint:` line.
    pub hint: Option<String>,
}

impl fmt::Display for SuiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.origin, self.line, self.column, self.message
        )?;
        if !self.source_line.is_empty() {
            let column = self
                .source_line
                .char_indices()
                .nth(self.column.saturating_sub(1))
                .map_or(self.source_line.len(), |(offset, _)| offset);
            let caret = crate::scim::diag::Span::at(column);
            let shown = crate::scim::diag::snippet(&self.source_line, caret, Some(self.line));
            write!(f, "\n{shown}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SuiteError {}
