//! The kiosk's check of a [`SignedConfiguration`] (`docs/sync-protocol.md`,
//! "Configuration", the verification steps): the certificate is the office
//! it paired with, its key signed these exact bytes, and only then is the
//! JSON read and bounded. Nothing of an unverified configuration is parsed.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rustls::pki_types::CertificateDer;
use signbook_core::hash::Hash32;

use crate::configuration::{Configuration, SignedConfiguration};

/// Why a kiosk refused a configuration. Each has a code the admin area's
/// Status tab translates.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigurationRefusal {
    /// Too large, not in its form, or not what the configuration says of itself.
    #[error(
        "the office's configuration is not in its form ({0}); it was not applied. Update Signbook on the office and the kiosk"
    )]
    Malformed(String),
    /// Signed with a certificate this kiosk did not pin.
    #[error(
        "the configuration was signed by a certificate ({got}) that is not the office this kiosk paired with; it was not applied. Pair the kiosk again if the office was replaced"
    )]
    WrongOffice {
        /// SHA-256 of the certificate it carried.
        got: Hash32,
    },
    /// The signature is not over these bytes.
    #[error(
        "the configuration's signature does not match its contents: it was altered on the way. It was not applied; the kiosk keeps what it had"
    )]
    SignatureInvalid,
}

impl ConfigurationRefusal {
    /// Every code, for the kiosk's messages.
    pub const CODES: &[&str] =
        &["configuration_malformed", "configuration_wrong_office", "configuration_signature_invalid"];

    /// The stable code the admin area translates.
    pub fn code(&self) -> &'static str {
        match self {
            ConfigurationRefusal::Malformed(_) => "configuration_malformed",
            ConfigurationRefusal::WrongOffice { .. } => "configuration_wrong_office",
            ConfigurationRefusal::SignatureInvalid => "configuration_signature_invalid",
        }
    }
}

/// Checks `signed` against the pinned certificates (`pins`: the pin and
/// the announced next one) and returns the configuration it carries.
pub fn verify_configuration(
    signed: &SignedConfiguration,
    pins: &[Hash32],
) -> Result<Configuration, ConfigurationRefusal> {
    use ConfigurationRefusal::{Malformed, SignatureInvalid, WrongOffice};
    signed.check_sizes().map_err(Malformed)?;
    let certificate =
        BASE64.decode(&signed.certificate).map_err(|_| Malformed("the certificate is not base64".into()))?;
    let signature = hex::decode(&signed.signature).map_err(|_| Malformed("the signature is not hex".into()))?;
    let got = crate::fingerprint(&certificate);
    if !pins.contains(&got) {
        return Err(WrongOffice { got });
    }
    let certificate = CertificateDer::from(certificate.as_slice());
    let parsed = webpki::EndEntityCert::try_from(&certificate)
        .map_err(|e| Malformed(format!("the certificate cannot be read: {e}")))?;
    parsed
        .verify_signature(webpki::ring::ECDSA_P256_SHA256, signed.configuration.as_bytes(), &signature)
        .map_err(|_| SignatureInvalid)?;
    let configuration: Configuration = serde_json::from_str(&signed.configuration)
        .map_err(|e| Malformed(format!("it is not a configuration: {e}")))?;
    if configuration.office_certificate_sha256 != got {
        return Err(Malformed("it names another certificate than the one that signed it".into()));
    }
    configuration.check_bounds().map_err(Malformed)?;
    Ok(configuration)
}
