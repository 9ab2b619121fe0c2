//! Replacing the office certificate without pairing every kiosk again.
//!
//! 1. `signbook-office tls rotate` ([`stage_next`]) makes the next
//!    certificate (`next.cert.der`, `next.key.der`) beside the current one,
//!    which is still the one served.
//! 2. While it is staged, every answer to a kiosk's pairing or push names
//!    its fingerprint ([`Announcer`]). The answer travels over TLS pinned
//!    to the current certificate, so a kiosk can trust it: it keeps it as a
//!    second accepted pin.
//! 3. `signbook-office tls activate` ([`activate_next`]) makes it the
//!    current certificate (the old one is kept as `previous.*.der`); the
//!    server serves it from its next start. A kiosk that learnt the
//!    fingerprint connects, finds the certificate it was told of, and makes
//!    it its pin. A kiosk that did not sync during step 2 refuses the new
//!    certificate like any other unknown one, and must be paired again.
//!
//! Activation renames the next files over the current ones one at a time,
//! so a crash can stop it half way: [`super::OfficeIdentity::load_or_create`]
//! finishes it (see [`finish_interrupted_activation`]) and never makes a
//! new certificate while a next key is waiting.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;
use signbook_core::Hash32;
use signbook_sync::fingerprint;

use super::OfficeIdentity;
use crate::error::{OfficeError, Result};

const NEXT_CERT: &str = "next.cert.der";
const NEXT_KEY: &str = "next.key.der";
const PREVIOUS_CERT: &str = "previous.cert.der";
const PREVIOUS_KEY: &str = "previous.key.der";

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OfficeError {
    let path = path.to_owned();
    move |source| OfficeError::Io { path, source }
}

/// The staged next certificate, if there is one.
pub fn staged_next(dir: &Path) -> Result<Option<OfficeIdentity>> {
    let (cert_path, key_path) = (dir.join(NEXT_CERT), dir.join(NEXT_KEY));
    if !cert_path.exists() || !key_path.exists() {
        return Ok(None);
    }
    let cert = fs::read(&cert_path).map_err(io(&cert_path))?;
    let key = fs::read(&key_path).map_err(io(&key_path))?;
    Ok(Some(OfficeIdentity { cert, key, chain: Vec::new() }))
}

/// Makes the next certificate and stages it beside the current one, which
/// stays in use. Refuses if one is staged already (activate or cancel it first).
pub fn stage_next(dir: &Path) -> Result<OfficeIdentity> {
    if let Some(staged) = staged_next(dir)? {
        return Err(OfficeError::Tls(format!(
            "a next certificate is already staged (fingerprint {}); run `signbook-office tls activate` once every kiosk has synced, or `signbook-office tls cancel`",
            staged.fingerprint()
        )));
    }
    let (cert_path, key_path) = (dir.join(NEXT_CERT), dir.join(NEXT_KEY));
    // Leftovers of an earlier attempt that stopped half way.
    for path in [&cert_path, &key_path] {
        if path.exists() {
            fs::remove_file(path).map_err(io(path))?;
        }
    }
    let next = OfficeIdentity::create(&cert_path, &key_path, Utc::now())?;
    next.server_config()?;
    Ok(next)
}

/// Forgets the staged next certificate. Returns whether there was one.
pub fn cancel_next(dir: &Path) -> Result<bool> {
    let staged = staged_next(dir)?.is_some();
    for path in [dir.join(NEXT_CERT), dir.join(NEXT_KEY)] {
        if path.exists() {
            fs::remove_file(&path).map_err(io(&path))?;
        }
    }
    Ok(staged)
}

/// Makes the staged certificate the current one, keeping the old pair as
/// `previous.cert.der` and `previous.key.der`. Returns (old, new)
/// fingerprints. The server serves the new one from its next start.
pub fn activate_next(dir: &Path) -> Result<(Hash32, Hash32)> {
    let next = staged_next(dir)?.ok_or_else(|| {
        OfficeError::Tls("no next certificate is staged; make one first with `signbook-office tls rotate`".into())
    })?;
    next.server_config()?;
    let current = OfficeIdentity::load_or_create(dir)?;
    for (from, to) in [("cert.der", PREVIOUS_CERT), ("key.der", PREVIOUS_KEY)] {
        let to = dir.join(to);
        fs::copy(dir.join(from), &to).map_err(io(&to))?;
    }
    // The certificate first, then the key: a crash in between leaves
    // `next.key.der` alone, which the next load finishes with.
    rename(&dir.join(NEXT_CERT), &dir.join("cert.der"))?;
    rename(&dir.join(NEXT_KEY), &dir.join("key.der"))?;
    Ok((current.fingerprint(), next.fingerprint()))
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    fs::rename(from, to).map_err(io(from))?;
    // The rename itself must survive a power cut too.
    if let Some(parent) = to.parent()
        && let Ok(dir) = fs::File::open(parent)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Completes an activation a crash stopped between its two renames (the
/// new certificate in place, its key still `next.key.der`). Called before
/// the current pair is loaded.
pub(super) fn finish_interrupted_activation(dir: &Path) -> Result<()> {
    let key_path = dir.join(NEXT_KEY);
    if !key_path.exists() || dir.join(NEXT_CERT).exists() {
        return Ok(());
    }
    let cert_path = dir.join("cert.der");
    let cert = fs::read(&cert_path).map_err(io(&cert_path))?;
    let key = fs::read(&key_path).map_err(io(&key_path))?;
    // Only a key that belongs to the certificate in place replaces the old key.
    if (OfficeIdentity { cert, key, chain: Vec::new() }).server_config().is_err() {
        return Err(OfficeError::Tls(format!(
            "{} does not belong to {}: a certificate activation was interrupted in an unexpected way. Restore the data directory from its backup, or put previous.cert.der and previous.key.der back as cert.der and key.der",
            key_path.display(),
            cert_path.display()
        )));
    }
    tracing::warn!("finishing a certificate activation that was interrupted");
    rename(&key_path, &dir.join("key.der"))
}

/// What the server announces to kiosks: the staged next certificate, or,
/// once it has been activated but this server still serves the old one
/// (not restarted yet), the new current one, so kiosks never forget it in
/// between. Reads the data directory on each call (a few hundred bytes, once
/// a push), so staging needs no restart.
#[derive(Debug, Clone)]
pub struct Announcer {
    /// `None` for the trust's own files (`--tls-cert`): nothing to announce.
    dir: Option<PathBuf>,
    serving: Hash32,
}

impl Announcer {
    /// For a server serving the certificate `serving` from `dir`.
    pub fn new(dir: &Path, serving: Hash32) -> Self {
        Announcer { dir: Some(dir.to_owned()), serving }
    }

    /// For a server serving the trust's certificate (`--tls-cert`), which
    /// the trust replaces itself: it announces nothing.
    pub fn fixed(serving: Hash32) -> Self {
        Announcer { dir: None, serving }
    }

    /// As the routes take it: `router.layer(announcer.into_extension())`.
    pub fn into_extension(self) -> Rotation {
        axum::Extension(Arc::new(self))
    }

    /// The certificate this server presents: what pairing by code alone binds
    /// into its key confirmation (`crate::code_pairing`).
    pub fn serving(&self) -> Hash32 {
        self.serving
    }

    /// The fingerprint to announce, if any (reads the directory: call it
    /// off the async runtime).
    pub fn announced(&self) -> Option<Hash32> {
        let dir = self.dir.as_ref()?;
        if dir.join(NEXT_KEY).exists()
            && let Ok(cert) = fs::read(dir.join(NEXT_CERT))
        {
            return Some(fingerprint(&cert));
        }
        let on_disk = fingerprint(&fs::read(dir.join("cert.der")).ok()?);
        (on_disk != self.serving).then_some(on_disk)
    }
}

/// What the server's pairing and push answers announce: an [`Announcer`]
/// given to the routes as an axum [`axum::Extension`] (`signbook-office
/// serve` adds one; without it nothing is announced).
pub type Rotation = axum::Extension<Arc<Announcer>>;

/// The fingerprint to announce, read off the async runtime.
pub async fn announced(rotation: Option<Rotation>) -> Option<Hash32> {
    let axum::Extension(announcer) = rotation?;
    tokio::task::spawn_blocking(move || announcer.announced()).await.ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staged_certificate_is_announced_then_activated_and_the_old_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = OfficeIdentity::load_or_create(dir.path()).unwrap();
        let announcer = Announcer::new(dir.path(), first.fingerprint());
        assert_eq!(announcer.announced(), None, "nothing staged, nothing announced");

        let next = stage_next(dir.path()).unwrap();
        assert_ne!(next.fingerprint(), first.fingerprint());
        assert!(next.valid_until().is_some());
        assert_eq!(announcer.announced(), Some(next.fingerprint()));
        assert_eq!(
            OfficeIdentity::load_or_create(dir.path()).unwrap().fingerprint(),
            first.fingerprint(),
            "staging changes nothing served"
        );
        assert!(stage_next(dir.path()).unwrap_err().to_string().contains("already staged"));

        assert_eq!(activate_next(dir.path()).unwrap(), (first.fingerprint(), next.fingerprint()));
        assert_eq!(OfficeIdentity::load_or_create(dir.path()).unwrap().fingerprint(), next.fingerprint());
        assert_eq!(fingerprint(&fs::read(dir.path().join(PREVIOUS_CERT)).unwrap()), first.fingerprint());
        assert_eq!(
            announcer.announced(),
            Some(next.fingerprint()),
            "a server not yet restarted still tells kiosks of the new certificate"
        );
        assert!(staged_next(dir.path()).unwrap().is_none());
        assert!(activate_next(dir.path()).unwrap_err().to_string().contains("tls rotate"));
    }

    #[test]
    fn an_activation_stopped_between_its_renames_is_finished_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        OfficeIdentity::load_or_create(dir.path()).unwrap();
        let next = stage_next(dir.path()).unwrap();
        // As if the power went after the certificate's rename.
        fs::rename(dir.path().join(NEXT_CERT), dir.path().join("cert.der")).unwrap();
        let loaded = OfficeIdentity::load_or_create(dir.path()).unwrap();
        assert_eq!(loaded.fingerprint(), next.fingerprint());
        loaded.server_config().expect("the key matches the certificate");
        assert!(!dir.path().join(NEXT_KEY).exists());
    }

    #[test]
    fn cancelling_forgets_the_staged_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let first = OfficeIdentity::load_or_create(dir.path()).unwrap();
        stage_next(dir.path()).unwrap();
        assert!(cancel_next(dir.path()).unwrap());
        assert!(!cancel_next(dir.path()).unwrap());
        assert!(staged_next(dir.path()).unwrap().is_none());
        assert_eq!(OfficeIdentity::load_or_create(dir.path()).unwrap().fingerprint(), first.fingerprint());
    }
}
