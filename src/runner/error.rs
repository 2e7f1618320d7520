//! Why a check has no verdict: [`CheckError`] (an `error`, never a `fail`) and [`Halt::Skip`]
//! (untestable here). Types and messages only: it decides no verdict and sends nothing.

use std::time::Duration;

use crate::client::ClientError;
use crate::scim::method::Method;
use crate::suite::UnknownVariable;

/// A runtime error: the server, the network or the suite kept a check from a verdict. The
/// message is the outcome's message, so each names what happened and where.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CheckError {
    #[error("no answer to {label}: {error}")]
    NoAnswer {
        label: String,
        #[source]
        error: ClientError,
    },
    /// The client already waited out every 429 it was allowed to: throttling says nothing
    /// about conformance, so there is no verdict.
    #[error("{label}: still 429 Too Many Requests after retrying; no verdict")]
    Throttled { label: String },
    #[error(
        "no verdict within {} s (the check's timeout); the server is too slow or stopped answering",
        .0.as_secs_f64()
    )]
    Timeout(Duration),
    #[error("the check crashed: {0}")]
    Crashed(String),
    #[error(transparent)]
    Variable(#[from] UnknownVariable),
    /// Text from the suite that does not parse as a template.
    #[error("{0}")]
    Template(String),
    /// A `body_base` variable that does not hold an object.
    #[error("`{{{{{0}}}}}` does not hold a JSON object for the body to be merged over")]
    BodyBase(String),
    #[error("cannot serialise {what}: {error}")]
    Serialise {
        what: &'static str,
        #[source]
        error: serde_json::Error,
    },
    #[error(
        "refusing to send {method} {path}: a check may change only resources this run created \
         (capture the id of a create) or ids it generated"
    )]
    NotOwned { method: Method, path: String },
    #[error(
        "refusing to create `{name}`: what a check creates must be named from `{{{{unique}}}}` \
         (`{prefix}-...`) so that it can be found and removed"
    )]
    Unnamed { name: String, prefix: String },
    #[error(
        "refusing to send a bulk {method} to `{path}`: only resources this run created may be \
         changed"
    )]
    BulkNotOwned { method: String, path: String },
    #[error("cannot write the cleanup ledger, so nothing was sent: {0}")]
    LedgerBeforeSend(#[source] std::io::Error),
    #[error("cannot write the cleanup ledger: {0}")]
    Ledger(#[source] std::io::Error),
    /// A setup step was answered outside its `status`: the check could not run, which says
    /// nothing of the deviation it tests.
    #[error(
        "setup refused: {} answered {}{}, so the check could not run (step {step})",
        refusal.label, refusal.status, refusal.detail
    )]
    SetupRefused { refusal: Refusal, step: usize },
    /// A refused User create was refused again with the fuller body.
    #[error(
        "setup refused: {} answered {}{}, and {}{} again with {} added, so the check could not \
         run (step {})",
        .0.first.label, .0.first.status, .0.first.detail, .0.second.status, .0.second.detail,
        listed(&.0.added), .0.step
    )]
    SetupRefusedTwice(Box<RefusedTwice>),
    /// A setup step's answer lacks a value later steps need.
    #[error("setup failed: {observed}, so the check could not run")]
    SetupUncaptured { observed: String },
    #[error("bulk.maxPayloadSize {0} does not fit in memory")]
    PayloadTooLarge(u64),
}

/// What refused a setup step: the request, the status and the Error's detail as
/// ` ("the detail")` (empty when it has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub label: String,
    pub status: u16,
    pub detail: String,
}

/// A setup create refused once as written and once with the fuller body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RefusedTwice {
    pub first: Refusal,
    pub second: Refusal,
    /// The attributes the fuller body added.
    pub added: Vec<&'static str>,
    /// The step, counted from 1.
    pub step: usize,
}

/// Why a step stopped before its assertions gave a verdict.
#[derive(Debug)]
pub(crate) enum Halt {
    /// The check could not reach a verdict.
    Error(CheckError),
    /// The rule cannot be tested safely or meaningfully against this server (found out from
    /// what the server advertises or declines); the check is skipped with this reason.
    Skip(String),
}

impl From<CheckError> for Halt {
    fn from(error: CheckError) -> Halt {
        Halt::Error(error)
    }
}

impl From<UnknownVariable> for Halt {
    fn from(error: UnknownVariable) -> Halt {
        Halt::Error(error.into())
    }
}

/// `a, b and c`.
pub(crate) fn listed(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_refusals_name_the_request_the_answer_and_what_was_added() {
        let first = Refusal {
            label: "POST /Users".to_owned(),
            status: 400,
            detail: " (\"name.formatted is required\")".to_owned(),
        };
        let once = CheckError::SetupRefused {
            refusal: first.clone(),
            step: 1,
        };
        assert_eq!(
            once.to_string(),
            "setup refused: POST /Users answered 400 (\"name.formatted is required\"), so the \
             check could not run (step 1)"
        );
        let twice = CheckError::SetupRefusedTwice(Box::new(RefusedTwice {
            first,
            second: Refusal {
                label: "POST /Users".to_owned(),
                status: 422,
                detail: String::new(),
            },
            added: vec!["name.formatted", "displayName", "active"],
            step: 2,
        }));
        assert_eq!(
            twice.to_string(),
            "setup refused: POST /Users answered 400 (\"name.formatted is required\"), and 422 \
             again with name.formatted, displayName and active added, so the check could not run \
             (step 2)"
        );
    }

    #[test]
    fn a_refused_create_names_the_prefix_it_must_carry() {
        let error = CheckError::Unnamed {
            name: "alice".to_owned(),
            prefix: "scimctl-test-r1".to_owned(),
        };
        assert_eq!(
            error.to_string(),
            "refusing to create `alice`: what a check creates must be named from `{{unique}}` \
             (`scimctl-test-r1-...`) so that it can be found and removed"
        );
    }
}
