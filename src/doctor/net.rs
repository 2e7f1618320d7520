//! The first two stages: whether the server's name resolves and its port accepts connections,
//! and what its TLS shows (the chain, its validity, the host name). It judges what
//! `src/client/inspect.rs` observed and reaches nothing itself.

use crate::client::inspect::{CertificateProblem, TlsInspection};
use crate::exit::Exit;
use crate::findings::{Deviation, Finding, Line, Location};

use super::certificate::{date, validity};

/// A certificate that expires within this many days is worth a note.
pub const EXPIRY_WARNING_DAYS: i64 = 14;

/// Where the base URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    pub host: String,
    pub port: u16,
}

impl Target {
    /// `host:port`, as findings about the server as a whole are located.
    pub fn location(&self) -> Location {
        Location::Host(self.authority())
    }

    /// `host:port` (an IPv6 address in brackets).
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// What resolving the name and connecting to it gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    /// The addresses the name resolves to, or why it does not.
    pub resolved: Result<Vec<String>, String>,
    /// The address connected to, or why no connection was made (`None`: not tried).
    pub connected: Option<Result<String, String>>,
}

/// The reachability lines, and the exit code when the server cannot be reached.
pub fn reachability(target: &Target, reach: &Reach) -> (Vec<Line>, Option<Exit>) {
    let addresses = match &reach.resolved {
        Ok(addresses) => addresses,
        Err(why) => {
            let line = Line::Failed(format!("cannot resolve `{}`: {why}", target.host));
            return (vec![line], Some(Exit::Network));
        }
    };
    let mut lines = vec![Line::Ok(format!(
        "`{}` resolves to {}",
        target.host,
        addresses.join(", ")
    ))];
    match &reach.connected {
        Some(Ok(address)) => {
            lines.push(Line::Ok(format!("TCP connection to {address}")));
            (lines, None)
        }
        Some(Err(why)) => {
            lines.push(Line::Failed(format!(
                "no TCP connection to port {}: {why}",
                target.port
            )));
            (lines, Some(Exit::Network))
        }
        None => (lines, Some(Exit::Network)),
    }
}

/// What the TLS stage knows besides the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsContext {
    /// Every address the name resolves to is a loopback address.
    pub loopback: bool,
    /// `--insecure`: the later stages go on with a certificate that is not trusted.
    pub insecure: bool,
    /// Now, in seconds since the epoch.
    pub now: i64,
}

/// The TLS lines, and the exit code when the later stages cannot talk to the server.
pub fn tls(
    target: &Target,
    context: TlsContext,
    inspected: Option<&Result<TlsInspection, String>>,
) -> (Vec<Line>, Option<Exit>) {
    if !target.https {
        let line = if context.loopback {
            Line::Ok("not used: http:// to a loopback address, fine for a local server".to_owned())
        } else {
            Line::Finding(Finding::new(
                Deviation::TlsNotUsed,
                target.location(),
                format!(
                    "http://{} carries the token and every user in clear text",
                    target.authority()
                ),
            ))
        };
        return (vec![line], None);
    }
    let inspection = match inspected {
        None => return (super::not_checked("the server cannot be reached"), None),
        Some(Err(why)) => return (vec![Line::Failed(why.clone())], Some(Exit::Network)),
        Some(Ok(inspection)) => inspection,
    };
    let mut lines = vec![Line::Ok(format!(
        "{} handshake; the server sent {} certificate(s)",
        inspection.protocol.replace('_', "."),
        inspection.chain.len()
    ))];
    let finding = |deviation, seen: String| {
        let seen = if context.insecure {
            format!("{seen} (--insecure: the stages below go on regardless)")
        } else {
            seen
        };
        Line::Finding(Finding::new(deviation, target.location(), seen))
    };
    match &inspection.trust {
        Ok(()) => lines.push(Line::Ok("the chain leads to a trusted root".to_owned())),
        Err(CertificateProblem::Untrusted(why)) => {
            lines.push(finding(Deviation::TlsCertificateUntrusted, why.clone()));
        }
        Err(CertificateProblem::Expired(why)) => {
            lines.push(finding(Deviation::TlsCertificateExpired, why.clone()));
        }
    }
    lines.extend(expiry(target, inspection, context.now));
    match &inspection.name {
        Ok(()) => lines.push(Line::Ok(format!(
            "the certificate is valid for `{}`",
            target.host
        ))),
        Err(why) => lines.push(finding(Deviation::TlsHostNameMismatch, why.clone())),
    }
    let refused = inspection.trust.is_err() || inspection.name.is_err();
    let stop = (refused && !context.insecure).then_some(Exit::Network);
    (lines, stop)
}

/// When the server's certificate expires: a note within [`EXPIRY_WARNING_DAYS`], else the date.
fn expiry(target: &Target, inspection: &TlsInspection, now: i64) -> Option<Line> {
    let validity = inspection.chain.first().and_then(|der| validity(der))?;
    let left = validity.not_after - now;
    if left < 0 {
        return None;
    }
    let days = left / 86_400;
    if days < EXPIRY_WARNING_DAYS {
        return Some(Line::Finding(Finding::new(
            Deviation::TlsCertificateExpiring,
            target.location(),
            format!(
                "the certificate expires on {} (in {days} day(s))",
                date(validity.not_after)
            ),
        )));
    }
    Some(Line::Ok(format!(
        "the certificate is valid until {}",
        date(validity.not_after)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(https: bool) -> Target {
        Target {
            https,
            host: "scim.example.com".to_owned(),
            port: 443,
        }
    }

    fn context() -> TlsContext {
        TlsContext {
            loopback: false,
            insecure: false,
            now: 0,
        }
    }

    fn keys(lines: &[Line]) -> Vec<&'static str> {
        super::super::findings(lines)
            .map(|f| f.deviation.key())
            .collect()
    }

    fn inspection() -> TlsInspection {
        let pem = include_bytes!("../../fixtures/tls/server.pem");
        let der = rustls::pki_types::pem::PemObject::from_pem_slice(pem)
            .map(|der: rustls::pki_types::CertificateDer<'static>| der.to_vec())
            .expect("PEM");
        TlsInspection {
            protocol: "TLSv1_3".to_owned(),
            chain: vec![der],
            trust: Ok(()),
            name: Ok(()),
        }
    }

    #[test]
    fn an_unresolvable_name_or_a_closed_port_stops_the_check_up() {
        let (lines, stop) = reachability(
            &target(true),
            &Reach {
                resolved: Err("no such host".to_owned()),
                connected: None,
            },
        );
        assert_eq!(stop, Some(Exit::Network));
        assert!(matches!(&lines[0], Line::Failed(text) if text.contains("no such host")));
        let (lines, stop) = reachability(
            &target(true),
            &Reach {
                resolved: Ok(vec!["192.0.2.1".to_owned()]),
                connected: Some(Err("connection refused".to_owned())),
            },
        );
        assert_eq!(stop, Some(Exit::Network));
        assert!(matches!(&lines[1], Line::Failed(text) if text.contains("refused")));
    }

    #[test]
    fn plain_http_is_a_finding_except_on_loopback() {
        let (lines, _) = tls(&target(false), context(), None);
        assert_eq!(keys(&lines), ["tls-not-used"]);
        let loopback = TlsContext {
            loopback: true,
            ..context()
        };
        let (lines, stop) = tls(&target(false), loopback, None);
        assert!(keys(&lines).is_empty() && stop.is_none(), "{lines:?}");
    }

    #[test]
    fn a_trusted_certificate_for_the_host_is_clean_and_shows_its_end() {
        let (lines, stop) = tls(&target(true), context(), Some(&Ok(inspection())));
        assert!(keys(&lines).is_empty(), "{lines:?}");
        assert_eq!(stop, None);
        assert!(lines.contains(&Line::Ok(
            "the certificate is valid until 2126-11-12".to_owned()
        )));
    }

    #[test]
    fn each_certificate_problem_is_named_and_stops_unless_insecure() {
        let broken = TlsInspection {
            trust: Err(CertificateProblem::Untrusted("UnknownIssuer".to_owned())),
            name: Err("not valid for scim.example.com".to_owned()),
            ..inspection()
        };
        let (lines, stop) = tls(&target(true), context(), Some(&Ok(broken.clone())));
        assert_eq!(
            keys(&lines),
            ["tls-certificate-untrusted", "tls-host-name-mismatch"]
        );
        assert_eq!(stop, Some(Exit::Network));
        let insecure = TlsContext {
            insecure: true,
            ..context()
        };
        let (_, stop) = tls(&target(true), insecure, Some(&Ok(broken)));
        assert_eq!(stop, None);
        let expired = TlsInspection {
            trust: Err(CertificateProblem::Expired("expired".to_owned())),
            ..inspection()
        };
        let (lines, _) = tls(&target(true), context(), Some(&Ok(expired)));
        assert_eq!(keys(&lines), ["tls-certificate-expired"]);
    }

    #[test]
    fn a_certificate_within_two_weeks_of_its_end_gets_a_note() {
        let end = validity(&inspection().chain[0])
            .expect("validity")
            .not_after;
        let soon = TlsContext {
            now: end - 13 * 86_400,
            ..context()
        };
        let (lines, _) = tls(&target(true), soon, Some(&Ok(inspection())));
        assert_eq!(keys(&lines), ["tls-certificate-expiring"]);
        let later = TlsContext {
            now: end - 15 * 86_400,
            ..context()
        };
        let (lines, _) = tls(&target(true), later, Some(&Ok(inspection())));
        assert!(keys(&lines).is_empty(), "{lines:?}");
    }
}
