//! `signbook-office backup`: the database, copied with SQLite's online
//! backup API while the server runs, plus the TLS certificate and key that
//! kiosks have pinned (without them every kiosk must be paired again).

use std::path::{Path, PathBuf};

use signbook_core::backup::{BackupError, BackupReport, backup_database, copy_file};

/// Where the certificate and key go beside a backup written to `out`.
pub fn identity_files(out: &Path) -> [PathBuf; 2] {
    ["cert.der", "key.der"].map(|name| {
        let mut path = out.as_os_str().to_owned();
        path.push(format!(".{name}"));
        PathBuf::from(path)
    })
}

/// Backs up the data directory `data` to `out`, `<out>.cert.der` and `<out>.key.der`.
pub fn backup(data: &Path, out: &Path) -> Result<BackupReport, BackupError> {
    let mut report = backup_database(&crate::db_path(data), out)?;
    for (name, to) in ["cert.der", "key.der"].into_iter().zip(identity_files(out)) {
        report.files.push(copy_file(&data.join(name), &to)?);
    }
    Ok(report)
}

/// Backs up the database alone, for an office serving the trust's own
/// certificate (`--tls-cert`): those files are the trust's to keep, and a
/// `cert.der` in the data directory is not the one kiosks pinned.
pub fn backup_database_only(data: &Path, out: &Path) -> Result<BackupReport, BackupError> {
    backup_database(&crate::db_path(data), out)
}
