//! Reaching a server below HTTP, for `scimctl doctor`: resolving its name, opening a TCP
//! connection, and a TLS handshake whose certificate chain is kept and then verified step by
//! step (chain and validity, then host name), so each problem is named on its own. It sends no
//! HTTP request and judges nothing: `src/doctor/net.rs` says what the results mean.
//!
//! The trust settings are the transports' (`--cacert` and the system roots, TLS 1.2 at
//! least). The handshake itself accepts any certificate, checking only the signatures, so that
//! an untrusted or expired chain can still be read and described; nothing is sent over it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, ClientConfig};
use tokio::net::TcpStream;

use super::transport::TransportOptions;
use super::verbatim::{AnyCertificate, extra_roots, trusted_roots};

/// Why a certificate chain is not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateProblem {
    /// It does not lead to a trusted root (unknown issuer, bad signature, wrong usage).
    Untrusted(String),
    /// It has expired, or is not valid yet.
    Expired(String),
}

/// What a TLS handshake showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInspection {
    /// The protocol version agreed, such as `TLSv1_3`.
    pub protocol: String,
    /// The certificates the server sent, its own first (DER).
    pub chain: Vec<Vec<u8>>,
    /// Whether the chain leads to a trusted root and is valid now.
    pub trust: Result<(), CertificateProblem>,
    /// Whether the certificate is valid for the host name of the URL.
    pub name: Result<(), String>,
}

/// The addresses `host` resolves to (an IP address resolves to itself).
pub async fn resolve(host: &str, port: u16, limit: Duration) -> Result<Vec<IpAddr>, String> {
    let lookup = tokio::net::lookup_host((host, port));
    let found = tokio::time::timeout(limit, lookup)
        .await
        .map_err(|_| format!("no answer from the resolver within {} s", limit.as_secs()))?
        .map_err(|error| error.to_string())?;
    let mut addresses: Vec<IpAddr> = Vec::new();
    for address in found {
        if !addresses.contains(&address.ip()) {
            addresses.push(address.ip());
        }
    }
    if addresses.is_empty() {
        return Err("the name has no address".to_owned());
    }
    Ok(addresses)
}

/// Opens (and closes) a TCP connection to `address`.
pub async fn connect(address: SocketAddr, limit: Duration) -> Result<(), String> {
    tokio::time::timeout(limit, TcpStream::connect(address))
        .await
        .map_err(|_| format!("no connection within {} s", limit.as_secs()))?
        .map(drop)
        .map_err(|error| error.to_string())
}

/// A TLS handshake with `address` for `host`, then the chain it showed verified against the
/// trusted roots of `options` and against `host`.
pub async fn inspect_tls(
    address: SocketAddr,
    host: &str,
    options: &TransportOptions,
) -> Result<TlsInspection, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(Arc::clone(&provider))))
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_owned())
        .map_err(|error| format!("`{host}` cannot be checked against a certificate: {error}"))?;
    let handshake = async {
        let socket = TcpStream::connect(address)
            .await
            .map_err(|error| error.to_string())?;
        tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name.clone(), socket)
            .await
            .map_err(|error| format!("the TLS handshake failed: {error}"))
    };
    let stream = tokio::time::timeout(options.connect_timeout, handshake)
        .await
        .map_err(|_| {
            format!(
                "no TLS handshake within {} s",
                options.connect_timeout.as_secs()
            )
        })??;
    let connection = stream.get_ref().1;
    let protocol = connection
        .protocol_version()
        .map(|version| format!("{version:?}"))
        .unwrap_or_default();
    let chain: Vec<CertificateDer<'static>> = connection
        .peer_certificates()
        .map(<[CertificateDer<'static>]>::to_vec)
        .unwrap_or_default();
    let (leaf, intermediates) = chain
        .split_first()
        .ok_or_else(|| "the server sent no certificate".to_owned())?;
    let parsed = ParsedCertificate::try_from(leaf)
        .map_err(|error| format!("the server's certificate cannot be read: {error}"))?;
    let roots = trusted_roots(&extra_roots(options).map_err(|error| error.message)?);
    let trust = verify_server_cert_signed_by_trust_anchor(
        &parsed,
        &roots,
        intermediates,
        UnixTime::now(),
        provider.signature_verification_algorithms.all,
    )
    .map_err(|error| match &error {
        rustls::Error::InvalidCertificate(
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. },
        ) => CertificateProblem::Expired(error.to_string()),
        _ => CertificateProblem::Untrusted(error.to_string()),
    });
    let name = verify_server_name(&parsed, &name).map_err(|error| error.to_string());
    Ok(TlsInspection {
        protocol,
        chain: chain.iter().map(|der| der.to_vec()).collect(),
        trust,
        name,
    })
}
