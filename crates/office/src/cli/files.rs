//! `signbook-office backup` and `import-bundle`: the office's data out to files, and a kiosk's USB bundle in.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use chrono::Utc;
use signbook_office::{OfficeStorage, bundle};

/// Copies the database, certificate and key beside `file`; the database
/// alone when the office serves the trust's certificate files (`trust`).
pub fn backup(data: &Path, file: &Path, trust: bool, out: &mut impl Write) -> Result<()> {
    let report = if trust {
        signbook_office::backup::backup_database_only(data, file)?
    } else {
        signbook_office::backup::backup(data, file)?
    };
    let files: Vec<_> = report.files.iter().map(|f| f.display().to_string()).collect();
    writeln!(
        out,
        "Backed up the office: {} records ({} bytes) to {}. Keep these files together and private.",
        report.records,
        report.bytes,
        files.join(", ")
    )?;
    if trust {
        writeln!(
            out,
            "The certificate and key are the trust's own files (--tls-cert, --tls-key): back them up with them."
        )?;
    }
    Ok(())
}

/// Imports a kiosk's USB bundle.
pub async fn import_bundle(store: &dyn OfficeStorage, file: &Path, out: &mut impl Write) -> Result<()> {
    let report = bundle::import_bundle(store, file, Utc::now()).await?;
    writeln!(
        out,
        "Imported {}: {} new records, {} already held, {} erasures applied; the office now holds records 1 to {} of kiosk {}.",
        file.display(),
        report.stored,
        report.duplicates,
        report.erasures_applied,
        report.acknowledged_seq,
        report.device_id
    )?;
    Ok(())
}
