//! The office's self-signed certificate: made on first start, kept in the
//! data directory (`cert.der`, and `key.der` readable by the owner only),
//! and identified to kiosks by its SHA-256 fingerprint, which the admin
//! types at pairing. Losing the key means pairing every kiosk again, so
//! back the data directory up as a whole.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use signbook_core::Hash32;
use signbook_sync::fingerprint;

use crate::error::{OfficeError, Result};

/// The certificate and key files, loaded.
#[derive(Clone)]
pub struct OfficeIdentity {
    cert: Vec<u8>,
    key: Vec<u8>,
}

impl std::fmt::Debug for OfficeIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfficeIdentity").field("fingerprint", &self.fingerprint()).finish_non_exhaustive()
    }
}

impl OfficeIdentity {
    /// Loads `cert.der` and `key.der` from `dir`, creating both on first use.
    pub fn load_or_create(dir: &Path) -> Result<Self> {
        let (cert_path, key_path) = (dir.join("cert.der"), dir.join("key.der"));
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| OfficeError::Io { path, source }
        };
        if cert_path.exists() && key_path.exists() {
            let cert = fs::read(&cert_path).map_err(io(&cert_path))?;
            let key = fs::read(&key_path).map_err(io(&key_path))?;
            return Ok(OfficeIdentity { cert, key });
        }
        if cert_path.exists() != key_path.exists() {
            return Err(OfficeError::Tls(format!(
                "only one of {} and {} exists",
                cert_path.display(),
                key_path.display()
            )));
        }
        let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "signbook-office".into());
        let generated = rcgen::generate_simple_self_signed(vec![host, "localhost".into()])
            .map_err(|e| OfficeError::Tls(e.to_string()))?;
        let cert = generated.cert.der().to_vec();
        let key = generated.signing_key.serialize_der();
        write_private(&key_path, &key).map_err(io(&key_path))?;
        fs::write(&cert_path, &cert).map_err(io(&cert_path))?;
        tracing::info!(cert = %cert_path.display(), "created the office TLS certificate");
        Ok(OfficeIdentity { cert, key })
    }

    /// SHA-256 of the certificate, as kiosks pin it.
    pub fn fingerprint(&self) -> Hash32 {
        fingerprint(&self.cert)
    }

    /// A rustls server configuration (ring provider, TLS 1.2 and 1.3).
    pub fn server_config(&self) -> Result<Arc<ServerConfig>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| OfficeError::Tls(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(self.cert.clone())], key)
            .map_err(|e| OfficeError::Tls(e.to_string()))?;
        Ok(Arc::new(config))
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
        fs::remove_file(dir.path().join("key.der")).unwrap();
        assert_eq!(
            OfficeIdentity::load_or_create(dir.path()).unwrap_err().code(),
            "tls",
            "never silently replaces half a pair"
        );
    }
}
