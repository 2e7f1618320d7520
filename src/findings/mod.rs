//! Findings: what scimctl found wrong, where, why it matters to Okta and Entra, and the fix.
//! The model only: it inspects no document itself, and prints nothing.
//!
//! Every diagnostic command reports in this one form: `scimctl lint` (offline checks of a
//! document), `scimctl doctor` (a check-up on the wire) and `scimctl test`, whose runner records
//! each failure as a [`Finding`] of the deviation its suite names and whose reports group them
//! (`crate::report::findings`). The model is small on purpose:
//!
//! - [`Deviation`]: one *kind* of deviation from RFC 7643/7644 or from what an identity provider
//!   needs, with a stable kebab-case key (`string-boolean`, `error-status-not-string`). The key
//!   is API: it appears in `-o json`, in scripts and in waivers, so renaming one is a breaking
//!   change for the CHANGELOG.
//! - `src/findings/catalogue.rs` ([`Deviation::entry`]): the ONE place that says, per
//!   deviation, its title, level, RFC section, what Okta and Entra do with it, the first part of
//!   their sync it breaks ([`Breaks`]) and the likely fix. A new kind of problem is a new entry
//!   there; producers never write that text themselves.
//! - [`Finding`]: one occurrence: the deviation, where it was seen ([`Location`]) and what was
//!   seen, in words that quote the input ("the string \"False\" for the boolean `active`").
//! - [`render`]: the one renderer, for the console and for `-o json` (versioned).
//!
//! A producer builds `Finding::at(Deviation::StringBoolean, &pointer, seen)` (or
//! [`Finding::new`] with another [`Location`]) and hands the list to `render`, and counts what
//! fails a run with [`reaching`]; what a finding means is looked up in the catalogue, never
//! repeated. Pure: std and serde_json only; no I/O, no printing, no colour.

mod catalogue;
mod render;
mod sections;
mod transcript;

use std::fmt;

pub use catalogue::{Deviation, Entry};
pub use render::{FORMAT_VERSION, Style, Subject, location_json, render};
pub use sections::{Line, Section, render_sections};
pub use transcript::{Remark, ShownAnswer, ShownRequest, Transcript, Turn, render_transcript};

/// How serious a deviation is, most serious first. The order is the order `--fail-on` counts
/// in, the same as `scimctl test`'s: a broken MUST, then what breaks an identity provider's
/// sync (interop), then a missed SHOULD, then what is only worth knowing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// Breaks an RFC MUST, SHALL or REQUIRED.
    Must,
    /// Not an RFC requirement, but an identity provider sends it or depends on it.
    Interop,
    /// Misses an RFC SHOULD.
    Should,
    /// Legal and harmless, but worth knowing (a value the server will ignore).
    Note,
}

impl Level {
    /// Every level, most serious first.
    pub const ALL: [Level; 4] = [Level::Must, Level::Interop, Level::Should, Level::Note];

    /// The level as people read it: `MUST`, `interop`, `SHOULD`, `note`.
    pub fn label(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Interop => "interop",
            Level::Should => "SHOULD",
            Level::Note => "note",
        }
    }

    /// The level as `--fail-on` and `-o json` spell it: `must`, `interop`, `should`, `note`.
    pub fn key(self) -> &'static str {
        match self {
            Level::Must => "must",
            Level::Interop => "interop",
            Level::Should => "should",
            Level::Note => "note",
        }
    }

    /// Whether a finding of this level counts when the threshold is `threshold`.
    pub fn reaches(self, threshold: Level) -> bool {
        self <= threshold
    }
}

/// The part of an identity provider's provisioning a deviation breaks, in the order a sync
/// depends on them: nothing works without the connection, a missed match creates duplicates
/// before any update is sent, and an app that fails the IdP's own conformance test is only kept
/// from its catalogue. The order ranks the findings of `scimctl test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Breaks {
    /// Test Connection, credentials and every request: nothing syncs.
    Connection,
    /// The lookup before a create: a missed match is a duplicate, a false one a lost create.
    Matching,
    /// Creating users and groups.
    Create,
    /// Updating users' attributes.
    Update,
    /// Deactivating and reactivating users.
    Deactivation,
    /// Group push and membership changes.
    Groups,
    /// Importing users and groups, page by page.
    Import,
    /// The IdP's own conformance test (Okta's SCIM spec test for an OIN submission, Entra's
    /// SCIM Validator): syncs run, but the app is not accepted into the catalogue.
    Certification,
}

impl Breaks {
    /// The part of the sync, as people read it after "breaks".
    pub fn label(self) -> &'static str {
        match self {
            Breaks::Connection => "Test Connection and every request",
            Breaks::Matching => "matching existing users and groups before a create",
            Breaks::Create => "creating users and groups",
            Breaks::Update => "updating users",
            Breaks::Deactivation => "deactivating and reactivating users",
            Breaks::Groups => "group push and membership changes",
            Breaks::Import => "importing users and groups",
            Breaks::Certification => "the IdP's own conformance test (app submission)",
        }
    }

    /// The stable spelling of `-o json` and the JSON report: `connection`, `matching` ...
    pub fn key(self) -> &'static str {
        match self {
            Breaks::Connection => "connection",
            Breaks::Matching => "matching",
            Breaks::Create => "create",
            Breaks::Update => "update",
            Breaks::Deactivation => "deactivation",
            Breaks::Groups => "groups",
            Breaks::Import => "import",
            Breaks::Certification => "certification",
        }
    }
}

/// A JSON pointer (RFC 6901), built one reference token at a time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Pointer(String);

impl Pointer {
    /// The whole document (the empty pointer).
    pub fn root() -> Pointer {
        Pointer::default()
    }

    /// The member `name` of the object this pointer designates (`~` and `/` escaped).
    pub fn key(&self, name: &str) -> Pointer {
        let escaped = name.replace('~', "~0").replace('/', "~1");
        Pointer(format!("{}/{escaped}", self.0))
    }

    /// The element `index` of the array this pointer designates.
    pub fn index(&self, index: usize) -> Pointer {
        Pointer(format!("{}/{index}", self.0))
    }

    /// The pointer as RFC 6901 writes it (`""` for the whole document).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a finding was seen: a place in a document (`lint`), an exchange with a server and
/// perhaps a place in its answer (`doctor`), or the server's host as a whole (`doctor`'s
/// reachability and TLS).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Location {
    /// A place in a JSON document.
    Pointer(Pointer),
    /// A request sent to a server, as people read it (`GET /Users?filter=userName eq "x"`),
    /// and the place in its answer's body the finding is about, if it is about one.
    Exchange {
        request: String,
        pointer: Option<Pointer>,
    },
    /// The server as reached over the network: `host:port`.
    Host(String),
}

impl Location {
    /// A whole exchange: the request, and no particular place in the answer.
    pub fn request(request: impl Into<String>) -> Location {
        Location::Exchange {
            request: request.into(),
            pointer: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Pointer(pointer) if pointer.as_str().is_empty() => f.write_str("(document)"),
            Location::Pointer(pointer) => pointer.fmt(f),
            Location::Exchange {
                request,
                pointer: None,
            } => f.write_str(request),
            Location::Exchange {
                request,
                pointer: Some(pointer),
            } if pointer.as_str().is_empty() => f.write_str(request),
            Location::Exchange {
                request,
                pointer: Some(pointer),
            } => write!(f, "{request} at {pointer}"),
            Location::Host(host) => f.write_str(host),
        }
    }
}

/// One occurrence of a deviation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Finding {
    pub deviation: Deviation,
    pub location: Location,
    /// What was seen, quoting the input: "the string \"False\" for the boolean `active`".
    pub seen: String,
}

impl Finding {
    /// A finding of `deviation` at `location`.
    pub fn new(deviation: Deviation, location: Location, seen: impl Into<String>) -> Finding {
        Finding {
            deviation,
            location,
            seen: seen.into(),
        }
    }

    /// A finding at a place in a JSON document.
    pub fn at(deviation: Deviation, pointer: &Pointer, seen: impl Into<String>) -> Finding {
        Finding::new(deviation, Location::Pointer(pointer.clone()), seen)
    }

    /// What the catalogue says about this kind of finding.
    pub fn entry(&self) -> &'static Entry {
        self.deviation.entry()
    }

    /// The finding's level (its deviation's).
    pub fn level(&self) -> Level {
        self.entry().level
    }
}

/// How many findings reach `threshold` (`--fail-on`): a run fails when there is one.
pub fn reaching(findings: &[Finding], threshold: Level) -> usize {
    findings
        .iter()
        .filter(|f| f.level().reaches(threshold))
        .count()
}

/// How many findings there are of each level, in [`Level::ALL`] order.
pub fn counts<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> [(Level, usize); 4] {
    let mut counted = Level::ALL.map(|level| (level, 0));
    for finding in findings {
        if let Some((_, n)) = counted
            .iter_mut()
            .find(|(level, _)| *level == finding.level())
        {
            *n += 1;
        }
    }
    counted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_tilde_and_slash() {
        let pointer = Pointer::root().key("a/b").key("m~n").index(0);
        assert_eq!(pointer.as_str(), "/a~1b/m~0n/0");
        assert_eq!(Location::Pointer(Pointer::root()).to_string(), "(document)");
    }

    #[test]
    fn an_exchange_reads_as_its_request_and_the_place_in_the_answer() {
        assert_eq!(
            Location::request("GET /Users?count=1").to_string(),
            "GET /Users?count=1"
        );
        let at = Location::Exchange {
            request: "GET /Users?count=1".to_owned(),
            pointer: Some(Pointer::root().key("resources")),
        };
        assert_eq!(at.to_string(), "GET /Users?count=1 at /resources");
        assert_eq!(
            Location::Host("scim.example.com:443".to_owned()).to_string(),
            "scim.example.com:443"
        );
    }

    #[test]
    fn a_threshold_counts_its_own_level_and_every_more_serious_one() {
        assert!(Level::Must.reaches(Level::Must));
        assert!(Level::Must.reaches(Level::Note));
        assert!(Level::Interop.reaches(Level::Should));
        assert!(!Level::Interop.reaches(Level::Must));
        assert!(!Level::Note.reaches(Level::Should));
    }

    #[test]
    fn counts_follow_the_level_of_each_deviation() {
        let findings = [
            Finding::at(Deviation::StringBoolean, &Pointer::root(), "x"),
            Finding::at(Deviation::PatchOpCapitalised, &Pointer::root(), "y"),
            Finding::at(Deviation::PatchOpCapitalised, &Pointer::root(), "z"),
        ];
        assert_eq!(
            counts(&findings),
            [
                (Level::Must, 1),
                (Level::Interop, 2),
                (Level::Should, 0),
                (Level::Note, 0)
            ]
        );
        assert_eq!(reaching(&findings, Level::Must), 1);
        assert_eq!(reaching(&findings, Level::Interop), 3);
        assert_eq!(reaching(&findings[1..], Level::Must), 0);
    }
}
