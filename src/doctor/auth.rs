//! The authentication stage: the configured credentials accepted; no credentials and a wrong
//! token each answered 401 with a SCIM Error (not served, not 403, not a sign-in page); and a
//! request without a User-Agent served, as Entra's Test Connection needs. It judges answers
//! only; the [`Sender`] sends.

use crate::client::{FailureBody, classify_failure};
use crate::exit::Exit;
use crate::findings::{Deviation, Line};
use crate::lint::Kind;

use super::{Context, Exchange, Probe, Sender, lint_lines};

/// The `Authorization` header of the wrong-token probe: a token no server issued.
pub const WRONG_TOKEN: &str = "Bearer scimctl-doctor-not-a-valid-token";

/// What the stage found, and the valid-credentials exchange for the media-type stage.
#[derive(Debug)]
pub struct Checked {
    pub lines: Vec<Line>,
    /// Set when the credentials are refused or the server gives no answer at all.
    pub stop: Option<Exit>,
    pub answers: Vec<Exchange>,
}

/// Sends the four probes and judges them.
pub async fn run(sender: &dyn Sender, context: &Context) -> Checked {
    let query = [("startIndex", "1"), ("count", "1")];
    let valid = sender.send(&Probe::get(&context.users, &query)).await;
    let (first, stop) = judge_credentials(context, &valid);
    let mut lines = vec![first];
    if stop == Some(Exit::Network) {
        lines.extend(super::not_checked("the server gave no answer"));
        return Checked {
            lines,
            stop,
            answers: vec![valid],
        };
    }
    let anonymous = Probe::get(&context.users, &query)
        .without_credentials()
        .noted("no credentials");
    let wrong = Probe::get(&context.users, &query)
        .without_credentials()
        .with_header("Authorization", WRONG_TOKEN)
        .noted("a wrong bearer token");
    let mut linted = Vec::new();
    for probe in [anonymous, wrong] {
        let exchange = sender.send(&probe).await;
        lines.push(judge_refusal(&exchange));
        if exchange.status() == Some(401) {
            linted.extend(exchange.linted(Kind::Error, &context.schemas));
        }
    }
    let agentless = Probe::get(&context.users, &query)
        .with_header("User-Agent", "")
        .noted("no User-Agent");
    let exchange = sender.send(&agentless).await;
    lines.push(judge_user_agent(&valid, &exchange));
    lines.extend(lint_lines(linted));
    Checked {
        lines,
        stop,
        answers: vec![valid],
    }
}

/// The request with the configured credentials: accepted, or why the stages after this one
/// cannot run (refused: exit 5; no answer: exit 4).
pub fn judge_credentials(context: &Context, valid: &Exchange) -> (Line, Option<Exit>) {
    let response = match &valid.answer {
        Ok(response) => response,
        Err(failure) => {
            return (
                Line::Failed(format!("{}: no answer: {}", valid.label, failure.message)),
                Some(failure.exit),
            );
        }
    };
    if response.is_success() {
        let text = if context.credentials {
            format!(
                "the configured credentials are accepted ({})",
                valid.described()
            )
        } else {
            format!("no credentials are configured, and {}", valid.described())
        };
        return (Line::Ok(text), None);
    }
    let failure = classify_failure(&valid.label, response);
    if failure.exit() == Exit::Auth {
        let text = if context.credentials {
            format!(
                "the configured credentials are refused: {}",
                valid.described()
            )
        } else {
            format!(
                "no credentials are configured (--token, --token-file, --basic or OAuth) and {}",
                valid.described()
            )
        };
        return (Line::Failed(text), Some(Exit::Auth));
    }
    (Line::Failed(valid.described()), None)
}

/// A request without valid credentials: 401 is right; being served, a sign-in page and any
/// other status are findings.
pub fn judge_refusal(exchange: &Exchange) -> Line {
    let response = match &exchange.answer {
        Ok(response) => response,
        Err(failure) => {
            return Line::Failed(format!(
                "{}: no answer: {}",
                exchange.label, failure.message
            ));
        }
    };
    let failure = classify_failure(&exchange.label, response);
    let front_door = matches!(
        failure.body,
        FailureBody::Redirect { .. } | FailureBody::Html { .. }
    );
    match response.status {
        401 if !front_door => Line::Ok(format!("{}: refused with 401", exchange.label)),
        status if (200..300).contains(&status) => exchange.finding(
            Deviation::AuthNotRequired,
            format!("served ({status}) without valid credentials"),
        ),
        _ if front_door => exchange.finding(Deviation::AuthNotScim, failure.answer()),
        _ => exchange.finding(
            Deviation::AuthStatusWrong,
            format!("answered {}, not 401", failure.answer()),
        ),
    }
}

/// A request without a User-Agent: served like the same request with one, or a finding.
pub fn judge_user_agent(valid: &Exchange, agentless: &Exchange) -> Line {
    if !valid.succeeded() {
        return Line::Skipped(format!(
            "{}: not checked: the same request with a User-Agent was not served either",
            agentless.label
        ));
    }
    match &agentless.answer {
        Ok(response) if response.is_success() => Line::Ok(format!("{}: served", agentless.label)),
        Ok(_) => agentless.finding(
            Deviation::UserAgentRequired,
            format!("answered {}", agentless.summary()),
        ),
        Err(failure) => Line::Failed(format!(
            "{}: no answer: {}",
            agentless.label, failure.message
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::client::Response;
    use crate::doctor::NoAnswer;

    fn exchange(status: u16, headers: &[(&str, &str)], body: &str) -> Exchange {
        Exchange {
            label: "GET /Users?startIndex=1&count=1".to_owned(),
            answer: Ok(Response {
                status,
                headers: headers
                    .iter()
                    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                    .collect(),
                body: body.as_bytes().to_vec(),
                elapsed: Duration::ZERO,
            }),
        }
    }

    const ERROR_401: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"no token"}"#;

    fn key(line: &Line) -> Option<&'static str> {
        match line {
            Line::Finding(finding) => Some(finding.deviation.key()),
            Line::Ok(_) | Line::Skipped(_) | Line::Failed(_) => None,
        }
    }

    #[test]
    fn refused_credentials_stop_with_the_authentication_exit_code() {
        let context = Context::new(true, "nonce".to_owned());
        let (line, stop) = judge_credentials(&context, &exchange(401, &[], ERROR_401));
        assert_eq!(stop, Some(Exit::Auth));
        assert!(matches!(line, Line::Failed(text) if text.contains("refused")));
        let unreachable = Exchange {
            label: "GET /Users".to_owned(),
            answer: Err(NoAnswer {
                message: "cannot connect".to_owned(),
                exit: Exit::Network,
            }),
        };
        assert_eq!(
            judge_credentials(&context, &unreachable).1,
            Some(Exit::Network)
        );
        let (line, stop) = judge_credentials(&context, &exchange(200, &[], "{}"));
        assert_eq!(stop, None);
        assert!(matches!(line, Line::Ok(_)));
    }

    #[test]
    fn only_a_401_is_the_right_refusal() {
        assert_eq!(key(&judge_refusal(&exchange(401, &[], ERROR_401))), None);
        assert_eq!(
            key(&judge_refusal(&exchange(200, &[], "{}"))),
            Some("auth-not-required")
        );
        assert_eq!(
            key(&judge_refusal(&exchange(403, &[], ERROR_401))),
            Some("auth-status-wrong")
        );
        let login = exchange(
            302,
            &[(
                "location",
                "https://login.example.com/oauth2/authorize?client_id=x",
            )],
            "",
        );
        assert_eq!(key(&judge_refusal(&login)), Some("auth-not-scim"));
        let html = exchange(
            401,
            &[("content-type", "text/html")],
            "<html><title>Sign in</title><input type=password></html>",
        );
        assert_eq!(key(&judge_refusal(&html)), Some("auth-not-scim"));
    }

    #[test]
    fn a_request_without_user_agent_must_be_served_like_one_with_it() {
        let served = exchange(200, &[], "{}");
        let firewall = exchange(403, &[("content-type", "text/html")], "<h1>403</h1>");
        assert_eq!(
            key(&judge_user_agent(&served, &firewall)),
            Some("user-agent-required")
        );
        assert_eq!(key(&judge_user_agent(&served, &served)), None);
        assert!(matches!(
            judge_user_agent(&firewall, &firewall),
            Line::Skipped(_)
        ));
    }
}
