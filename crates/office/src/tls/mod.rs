//! The office's self-signed certificate: made on first start, kept in the
//! data directory (`cert.der`, and `key.der` readable by the owner only),
//! and identified to kiosks by its SHA-256 fingerprint, which the admin
//! types at pairing. Losing the key means pairing every kiosk again, so
//! back the data directory up as a whole.
//!
//! A certificate is valid for [`CERTIFICATE_YEARS`]; [`rotation`] replaces
//! it without pairing the kiosks again.

pub mod files;
pub mod rotation;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use signbook_core::Hash32;
use signbook_sync::fingerprint;

use crate::error::{OfficeError, Result};

/// How long a new certificate is valid. Kiosks pin its fingerprint rather
/// than trusting its dates, but an auditor or a browser reads them, and
/// rcgen's defaults (1975 to 4096) say nothing true.
pub const CERTIFICATE_YEARS: i32 = 10;

/// A new self-signed certificate for `names`, valid from a day before `now`
/// (a slightly slow clock elsewhere) for [`CERTIFICATE_YEARS`]: (certificate, PKCS#8 key).
fn self_signed(names: Vec<String>, now: DateTime<Utc>) -> Result<(Vec<u8>, Vec<u8>)> {
    let tls = |e: rcgen::Error| OfficeError::Tls(e.to_string());
    let mut params = rcgen::CertificateParams::new(names).map_err(tls)?;
    let start = now - chrono::Duration::days(1);
    let date = |at: DateTime<Utc>, years: i32| {
        // 29 February has no twin in most years: the 28th then.
        let day = if at.month() == 2 && at.day() == 29 { 28 } else { at.day() };
        rcgen::date_time_ymd(at.year() + years, at.month() as u8, day as u8)
    };
    params.not_before = date(start, 0);
    params.not_after = date(start, CERTIFICATE_YEARS);
    let key = rcgen::KeyPair::generate().map_err(tls)?;
    let cert = params.self_signed(&key).map_err(tls)?;
    Ok((cert.der().to_vec(), key.serialize_der()))
}

/// The certificate and key files, loaded.
#[derive(Clone)]
pub struct OfficeIdentity {
    cert: Vec<u8>,
    /// PKCS#8.
    key: Vec<u8>,
    /// Intermediates served after the certificate (a trust's CA-issued
    /// one, [`files`]); kiosks pin the certificate alone.
    chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for OfficeIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfficeIdentity").field("fingerprint", &self.fingerprint()).finish_non_exhaustive()
    }
}

impl OfficeIdentity {
    /// The office's identity: the trust's files when `--tls-cert` and
    /// `--tls-key` name them, else the data directory's own.
    pub fn load(dir: &Path, trust: Option<&files::TrustFiles>) -> Result<Self> {
        match trust {
            Some(files) => OfficeIdentity::from_files(&files.cert, &files.key),
            None => OfficeIdentity::load_or_create(dir),
        }
    }

    /// Loads `cert.der` and `key.der` from `dir`, creating both on first use.
    pub fn load_or_create(dir: &Path) -> Result<Self> {
        rotation::finish_interrupted_activation(dir)?;
        let (cert_path, key_path) = (dir.join("cert.der"), dir.join("key.der"));
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| OfficeError::Io { path, source }
        };
        if cert_path.exists() && key_path.exists() {
            let cert = fs::read(&cert_path).map_err(io(&cert_path))?;
            let key = fs::read(&key_path).map_err(io(&key_path))?;
            return Ok(OfficeIdentity { cert, key, chain: Vec::new() });
        }
        if cert_path.exists() != key_path.exists() {
            return Err(OfficeError::Tls(format!(
                "only one of {} and {} exists",
                cert_path.display(),
                key_path.display()
            )));
        }
        let identity = OfficeIdentity::create(&cert_path, &key_path, Utc::now())?;
        tracing::info!(cert = %cert_path.display(), "created the office TLS certificate");
        Ok(identity)
    }

    /// A new certificate and key, written to `cert_path` and `key_path`
    /// (which must not exist yet).
    fn create(cert_path: &Path, key_path: &Path, now: DateTime<Utc>) -> Result<Self> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| OfficeError::Io { path, source }
        };
        let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "signbook-office".into());
        let (cert, key) = self_signed(vec![host, "localhost".into()], now)?;
        // The certificate first: a staged key without its certificate would
        // look like an interrupted activation (see [`rotation`]).
        write_private(cert_path, &cert).map_err(io(cert_path))?;
        write_private(key_path, &key).map_err(io(key_path))?;
        Ok(OfficeIdentity { cert, key, chain: Vec::new() })
    }

    /// The certificate, DER-encoded.
    pub fn certificate_der(&self) -> &[u8] {
        &self.cert
    }

    /// The last day the certificate is valid, e.g. `2036-11-29`.
    pub fn valid_until(&self) -> Option<String> {
        let (_, parsed) = x509_parser::parse_x509_certificate(&self.cert).ok()?;
        let end = DateTime::from_timestamp(parsed.validity().not_after.timestamp(), 0)?;
        Some(end.format("%Y-%m-%d").to_string())
    }

    /// SHA-256 of the certificate, as kiosks pin it.
    pub fn fingerprint(&self) -> Hash32 {
        fingerprint(&self.cert)
    }

    /// What signs the evidence pack's statement: this certificate's own key,
    /// so the fingerprint staff checked at pairing also vouches for the statement.
    pub fn signer(&self) -> Result<OfficeSigner> {
        let key = rcgen::KeyPair::try_from(self.key.as_slice()).map_err(|e| OfficeError::Tls(e.to_string()))?;
        Ok(OfficeSigner { cert: self.cert.clone(), key: Arc::new(key) })
    }

    /// A rustls server configuration (ring provider, TLS 1.2 and 1.3).
    pub fn server_config(&self) -> Result<Arc<ServerConfig>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| OfficeError::Tls(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(
                std::iter::once(&self.cert).chain(&self.chain).map(|c| CertificateDer::from(c.clone())).collect(),
                key,
            )
            .map_err(|e| OfficeError::Tls(e.to_string()))?;
        Ok(Arc::new(config))
    }
}

/// The office certificate's private key, able to sign statements and
/// nothing else (web code never sees the key bytes).
#[derive(Clone)]
pub struct OfficeSigner {
    cert: Vec<u8>,
    key: Arc<rcgen::KeyPair>,
}

impl std::fmt::Debug for OfficeSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfficeSigner").field("fingerprint", &self.fingerprint()).finish_non_exhaustive()
    }
}

impl OfficeSigner {
    /// Signs exactly `bytes` with the certificate's key. With the key rcgen
    /// makes (ECDSA P-256), the signature is ECDSA with SHA-256, DER-encoded
    /// as X.509 encodes its own signatures; `docs/record-format.md` shows an
    /// auditor how to check it with the certificate's public key.
    pub fn sign_statement(&self, bytes: &[u8]) -> Result<Vec<u8>> {
        use rcgen::SigningKey as _;
        self.key.sign(bytes).map_err(|e| OfficeError::Tls(format!("could not sign the office statement: {e}")))
    }

    /// The certificate whose key signs, DER-encoded.
    pub fn certificate_der(&self) -> &[u8] {
        &self.cert
    }

    /// SHA-256 of the certificate: the fingerprint staff compare at pairing.
    pub fn fingerprint(&self) -> Hash32 {
        fingerprint(&self.cert)
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_is_made_once_and_the_key_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let first = OfficeIdentity::load_or_create(dir.path()).unwrap();
        let again = OfficeIdentity::load_or_create(dir.path()).unwrap();
        assert_eq!(first.fingerprint(), again.fingerprint(), "restarts keep the pinned certificate");
        assert_eq!(first.fingerprint(), fingerprint(&fs::read(dir.path().join("cert.der")).unwrap()));
        first.server_config().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(dir.path().join("key.der")).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let (_, parsed) = x509_parser::parse_x509_certificate(first.certificate_der()).unwrap();
        let validity = parsed.validity();
        let (from, to) = (validity.not_before.timestamp(), validity.not_after.timestamp());
        let now = Utc::now().timestamp();
        let year = 365 * 24 * 3600;
        assert!(from <= now && now - from < 2 * 24 * 3600, "valid from about now, not 1975: {from}");
        assert!((to - from - 10 * year).abs() < 4 * 24 * 3600, "valid for 10 years, not until 4096: {to}");
        fs::remove_file(dir.path().join("key.der")).unwrap();
        assert_eq!(
            OfficeIdentity::load_or_create(dir.path()).unwrap_err().code(),
            "tls",
            "never silently replaces half a pair"
        );
    }
}
