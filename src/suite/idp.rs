//! Identity providers as data: the requests Okta and Microsoft Entra ID send (their *shapes*)
//! and the sequence each sends for a provisioning event (a *scenario*), read from
//! `testsuites/idp/<name>.toml`. Pure: the model and its loader, nothing that sends; `scimctl
//! replay` sends the scenarios and judges the answers, and the built-in suites use the same
//! shapes through `use = "<idp>.<shape>"`, so that what the suites test and what replay sends
//! cannot drift apart.
//!
//! The file format is documented for users in `testsuites/README.md` ("Identity providers").
//! A shape is a suite template (method, target, headers, body) whose `{{parameters}}` a step
//! binds with `with = { ... }`; a scenario lists steps over shapes, and says for each what the
//! identity provider concludes from the answer, naming deviations of the findings catalogue.

use crate::findings::Deviation;

pub use super::parse::load_idp;
use super::{Assertion, Step, Template};

/// The identity-provider files shipped with scimctl, by name (`--as NAME`).
pub const IDENTITY_PROVIDERS: &[(&str, &str)] = &[
    ("okta", include_str!("../../testsuites/idp/okta.toml")),
    ("entra", include_str!("../../testsuites/idp/entra.toml")),
    (
        "entra-legacy",
        include_str!("../../testsuites/idp/entra-legacy.toml"),
    ),
];

/// The text of a shipped identity-provider file.
pub fn idp_file(name: &str) -> Option<&'static str> {
    IDENTITY_PROVIDERS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, text)| *text)
}

/// One identity provider: its name, and the events it can replay.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityProvider {
    /// `okta`, `entra`, `entra-legacy`: what `--as` takes.
    pub name: String,
    /// `Okta`, `Microsoft Entra ID (legacy shapes)`: how its requests are headed.
    pub title: String,
    /// `Okta`, `Entra`: how conclusions name it (`Entra would ...`).
    pub short: String,
    pub description: String,
    /// Its scenarios, in file order (an extended file's first).
    pub scenarios: Vec<Scenario>,
}

impl IdentityProvider {
    /// The scenario of that name.
    pub fn scenario(&self, name: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.name == name)
    }
}

/// One provisioning event, as the identity provider carries it out.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// `deactivate`, `group-push`: the command line's SCENARIO.
    pub name: String,
    /// What happens, in a few words (`Deactivate a user`).
    pub title: String,
    /// What the identity provider sends, for `--help` and the heading.
    pub summary: String,
    /// The command line's ARGS, in order.
    pub args: Vec<Arg>,
    pub steps: Vec<ScenarioStep>,
    /// What the identity provider concludes when every step went as it expects
    /// (`Okta deactivates {{user}}`).
    pub outcome: Template,
}

/// One argument of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    /// The variable it sets (`user`), also `{{user_id}}` for an existing resource.
    pub name: String,
    pub kind: ArgKind,
    /// Its value when the command line leaves it out; `None` with `optional`: unset.
    pub default: Option<String>,
    /// May be left out (only trailing arguments may).
    pub optional: bool,
    /// What to give, for errors and `--help`.
    pub help: String,
}

/// What an argument names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// An existing user's userName: scimctl finds it and sets `{{NAME_id}}`, the id the
    /// identity provider keeps from when it created the user.
    User,
    /// An existing group's displayName; `{{NAME_id}}` likewise.
    Group,
    /// Any text (a userName to create, a new given name).
    Text,
}

impl ArgKind {
    /// The spelling in identity-provider files.
    pub fn parse(text: &str) -> Option<ArgKind> {
        match text {
            "user" => Some(ArgKind::User),
            "group" => Some(ArgKind::Group),
            "text" => Some(ArgKind::Text),
            _ => None,
        }
    }

    /// Whether the argument names a resource the server already holds.
    pub fn existing(self) -> bool {
        matches!(self, ArgKind::User | ArgKind::Group)
    }
}

/// Who sends a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentBy {
    /// The identity provider: its own request, byte for byte.
    Idp,
    /// scimctl, to see what the identity provider's requests did (a read before or after).
    Scimctl,
}

/// One request of a scenario and what the identity provider makes of its answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioStep {
    pub by: SentBy,
    /// Runs only when this (optional) argument was given.
    pub when: Option<String>,
    /// Why scimctl sends it, for a step of scimctl's own.
    pub note: Option<String>,
    /// The request, its accepted statuses and its captures, as a suite step: `expect` holds the
    /// assertions the identity provider needs; the first one that does not hold ends the
    /// scenario, with its `deviation` as a finding (none: another legitimate outcome, such as
    /// an existing user being linked) and its `message` as the identity provider's conclusion.
    pub step: Step,
    /// Assertions whose miss the identity provider lives with: a finding, and it goes on.
    pub tolerated: Vec<Assertion>,
    /// What a status outside the accepted ones means, by status.
    pub refused: Vec<Refusal>,
    /// When a refused request carries deviations from RFC 7644: the same request with some of
    /// them written as the RFC does, tried in order; the first the server accepts names what it
    /// refused.
    pub isolate: Vec<Isolation>,
    /// Said when every expectation holds (`no user {{user}} yet: Okta creates it`).
    pub done: Option<Template>,
}

/// What the identity provider concludes from a refusal with one of `status`.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub status: Vec<u16>,
    pub deviation: Deviation,
    /// The identity provider's conclusion.
    pub message: Template,
    /// The identity provider carries on regardless (Okta reads a 404 lookup as "absent").
    pub go_on: bool,
}

/// A variant of a refused request without some of its deviations.
#[derive(Debug, Clone, PartialEq)]
pub struct Isolation {
    /// What the variant writes the RFC's way; named when the server accepts it.
    pub deviations: Vec<Deviation>,
    /// The variant's shape, for the transcript.
    pub shape: String,
    pub step: Step,
    /// The identity provider's conclusion when the server takes the variant and not its own
    /// request.
    pub message: Template,
}
