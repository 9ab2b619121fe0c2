//! TLS pinned to the office's certificate fingerprint.
//!
//! The office uses a self-signed certificate, so there is no CA to trust;
//! instead the admin types the SHA-256 fingerprint the office printed, and
//! [`PinnedVerifier`] accepts exactly that certificate. It still checks
//! the handshake signatures with rustls's own helpers, so a party that
//! merely copied the (public) certificate cannot complete a handshake.
//!
//! While the office rotates its certificate it announces the next one's
//! fingerprint over this pinned channel, and the kiosk accepts that one too
//! ([`PinnedVerifier::accept_next`]); nothing else is ever accepted.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

use signbook_core::hash::Hash32;

pub use crate::fingerprint;

/// Accepts only the certificate whose SHA-256 is `expected`, or the next
/// one the office announced.
#[derive(Debug)]
pub struct PinnedVerifier {
    expected: Hash32,
    /// The office's announced next certificate, if any.
    next: Mutex<Option<Hash32>>,
    provider: Arc<CryptoProvider>,
    /// The fingerprint the server presented, for the error message.
    seen: Mutex<Option<Hash32>>,
}

impl PinnedVerifier {
    /// The fingerprint of the last certificate a server presented.
    pub fn seen(&self) -> Option<Hash32> {
        *self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Also accepts `next` (the certificate the office announced over the
    /// pinned channel), or stops accepting any second one (`None`).
    pub fn accept_next(&self, next: Option<Hash32>) {
        *self.next.lock().unwrap_or_else(|p| p.into_inner()) = next;
    }

    /// The announced next certificate this verifier accepts, if any.
    pub fn next(&self) -> Option<Hash32> {
        *self.next.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // The pin replaces name and chain checks: the admin vouched for this
        // exact certificate, whatever address the office is reached at.
        let got = fingerprint(end_entity.as_ref());
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(got);
        if got == self.expected || Some(got) == self.next() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "certificate fingerprint {got} does not match the pinned {}",
                self.expected
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// A client configuration that trusts only the certificate `expected`.
pub fn pinned_client_config(expected: Hash32) -> (Arc<ClientConfig>, Arc<PinnedVerifier>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(PinnedVerifier {
        expected,
        next: Mutex::new(None),
        provider: provider.clone(),
        seen: Mutex::new(None),
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports the default TLS versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    (Arc::new(config), verifier)
}
