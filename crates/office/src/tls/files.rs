//! The trust's own certificate and key (`--tls-cert FILE --tls-key FILE`),
//! shared by every office server of the trust so a kiosk pinned at pairing
//! is served by any of them. The files are the trust's: the office reads
//! them, never writes, renames or rotates them.
//!
//! Either may be PEM (as certificates usually come) or DER. The key must be
//! an unencrypted PKCS#8 ECDSA P-256 key: the office signs kiosks'
//! configurations and its erasure statements with it, and kiosks and
//! auditors check those signatures as ECDSA P-256 with SHA-256.

use std::fs;
use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::OfficeIdentity;
use crate::error::{OfficeError, Result};

fn refuse(path: &Path, problem: impl Into<String>) -> OfficeError {
    OfficeError::TlsFile { path: path.to_owned(), problem: problem.into() }
}

fn is_pem(bytes: &[u8]) -> bool {
    bytes.trim_ascii_start().starts_with(b"-----BEGIN")
}

impl OfficeIdentity {
    /// Loads the trust's certificate and its key, checking the key belongs
    /// to the certificate, is one the office can sign with, and is not
    /// readable by every user of this computer.
    pub fn from_files(cert_path: &Path, key_path: &Path) -> Result<Self> {
        let (cert, chain) = read_certificates(cert_path)?;
        let key = read_key(key_path)?;
        let signing = rcgen::KeyPair::try_from(key.as_slice()).map_err(|_| {
            refuse(key_path, "is not a private key the office can read; give the certificate's key as PKCS#8 (\"BEGIN PRIVATE KEY\")")
        })?;
        if signing.algorithm() != &rcgen::PKCS_ECDSA_P256_SHA256 {
            return Err(refuse(
                key_path,
                "is not an ECDSA P-256 key: the office signs kiosks' configurations and erasure statements with its key, and kiosks check ECDSA P-256 signatures. Ask for a certificate with an ECDSA P-256 key (e.g. `certbot --key-type ecdsa --elliptic-curve secp256r1`), or leave out --tls-cert and --tls-key to use the office's own certificate",
            ));
        }
        let (_, parsed) = x509_parser::parse_x509_certificate(&cert)
            .map_err(|e| refuse(cert_path, format!("is not a readable X.509 certificate ({e})")))?;
        if parsed.public_key().subject_public_key.data.as_ref() != signing.public_key_raw() {
            return Err(refuse(
                key_path,
                format!(
                    "is not the key of the certificate in {}; give the key that was made with that certificate",
                    cert_path.display()
                ),
            ));
        }
        let identity = OfficeIdentity { cert, key, chain };
        identity.server_config()?;
        Ok(identity)
    }
}

/// The certificate and any intermediates after it (a "full chain" file).
fn read_certificates(path: &Path) -> Result<(Vec<u8>, Vec<Vec<u8>>)> {
    let bytes = fs::read(path).map_err(|source| OfficeError::Io { path: path.to_owned(), source })?;
    let mut all: Vec<Vec<u8>> = if is_pem(&bytes) {
        CertificateDer::pem_slice_iter(&bytes)
            .map(|c| c.map(|c| c.to_vec()))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| refuse(path, format!("is not a readable PEM certificate file ({e})")))?
    } else {
        vec![bytes]
    };
    if all.is_empty() {
        return Err(refuse(
            path,
            "holds no certificate (no \"BEGIN CERTIFICATE\" block); give the trust's certificate, PEM or DER",
        ));
    }
    let leaf = all.remove(0);
    if x509_parser::parse_x509_certificate(&leaf).is_err() {
        return Err(refuse(path, "is not a certificate, PEM or DER; give the trust's certificate file (not its key)"));
    }
    Ok((leaf, all))
}

/// The key as PKCS#8 DER.
fn read_key(path: &Path) -> Result<Vec<u8>> {
    refuse_if_everyone_reads(path)?;
    let bytes = fs::read(path).map_err(|source| OfficeError::Io { path: path.to_owned(), source })?;
    if is_pem(&bytes) && String::from_utf8_lossy(&bytes).contains("ENCRYPTED PRIVATE KEY") {
        return Err(refuse(
            path,
            "is encrypted with a passphrase, which a service cannot type; decrypt it (`openssl pkcs8 -in FILE -out NEW -nocrypt`) into a file only the office's account can read",
        ));
    }
    let key = if is_pem(&bytes) {
        PrivateKeyDer::from_pem_slice(&bytes).map_err(|_| {
            refuse(path, "holds no private key (no \"BEGIN PRIVATE KEY\" block); give the certificate's private key")
        })?
    } else {
        PrivateKeyDer::try_from(bytes)
            .map_err(|_| refuse(path, "is not a private key, PEM or DER; give the certificate's private key"))?
    };
    match key {
        PrivateKeyDer::Pkcs8(key) => Ok(key.secret_pkcs8_der().to_vec()),
        _ => Err(refuse(
            path,
            "is an older key format (\"BEGIN EC PRIVATE KEY\" or \"BEGIN RSA PRIVATE KEY\"); convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt -in FILE -out NEW` and give NEW",
        )),
    }
}

/// A key every account on the machine can read is no secret: refused, as
/// the office keeps its own key readable by its owner only.
fn refuse_if_everyone_reads(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)
            .map_err(|source| OfficeError::Io { path: path.to_owned(), source })?
            .permissions()
            .mode();
        if mode & 0o004 != 0 {
            return Err(refuse(
                path,
                format!(
                    "can be read by every user of this computer (mode {:o}); make it readable only by the office's account, e.g. `chmod 600 {}` (or 640 with the service's group)",
                    mode & 0o777,
                    path.display()
                ),
            ));
        }
    }
    Ok(())
}

/// `--tls-cert FILE --tls-key FILE`, when given: where a command finds the
/// office's identity instead of the data directory.
#[derive(Debug, Clone)]
pub struct TrustFiles {
    /// The certificate (PEM or DER; a PEM file may carry the chain after it).
    pub cert: PathBuf,
    /// Its private key.
    pub key: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner_only(path: &Path) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
        }
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, bytes).unwrap();
        owner_only(&path);
        path
    }

    #[test]
    fn pem_and_der_give_one_identity_and_a_chain_after_the_certificate_is_served_not_pinned() {
        let dir = tempfile::tempdir().unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert =
            rcgen::CertificateParams::new(vec!["office.trust.example".into()]).unwrap().self_signed(&key).unwrap();
        let issuer_key = rcgen::KeyPair::generate().unwrap();
        let issuer = rcgen::CertificateParams::new(vec!["Trust CA".into()]).unwrap().self_signed(&issuer_key).unwrap();
        let full_chain = write(dir.path(), "full.pem", format!("{}{}", cert.pem(), issuer.pem()).as_bytes());
        let pem_key = write(dir.path(), "key.pem", key.serialize_pem().as_bytes());
        let der_cert = write(dir.path(), "cert.der", cert.der());
        let der_key = write(dir.path(), "key.der", &key.serialize_der());

        let from_pem = OfficeIdentity::from_files(&full_chain, &pem_key).unwrap();
        let from_der = OfficeIdentity::from_files(&der_cert, &der_key).unwrap();
        assert_eq!(from_pem.fingerprint(), signbook_sync::fingerprint(cert.der()), "the leaf is pinned");
        assert_eq!(from_der.fingerprint(), from_pem.fingerprint());
        assert_eq!(from_pem.chain.len(), 1, "the intermediate is kept to serve");
        // It signs as the office's own key does.
        assert!(!from_pem.signer().unwrap().sign_statement(b"statement").unwrap().is_empty());
    }

    #[test]
    fn a_key_kiosks_cannot_check_signatures_of_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["office".into()]).unwrap().self_signed(&key).unwrap();
        let cert_path = write(dir.path(), "cert.pem", cert.pem().as_bytes());
        let key_path = write(dir.path(), "key.pem", key.serialize_pem().as_bytes());
        let error = OfficeIdentity::from_files(&cert_path, &key_path).unwrap_err();
        assert_eq!(error.code(), "tls");
        assert!(error.to_string().contains("is not an ECDSA P-256 key"), "{error}");
    }
}
