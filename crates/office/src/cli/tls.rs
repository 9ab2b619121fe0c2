//! `signbook-office tls status | rotate | activate | cancel`: replacing the
//! office certificate without pairing every kiosk again
//! ([`signbook_office::tls::rotation`]; the procedure is in `docs/deploy.md`).

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use clap::Subcommand;
use signbook_office::OfficeStorage;
use signbook_office::tls::OfficeIdentity;
use signbook_office::tls::files::TrustFiles;
use signbook_office::tls::rotation::{activate_next, cancel_next, stage_next, staged_next};

#[derive(Debug, Subcommand)]
pub enum TlsAction {
    /// The current certificate, its validity, and the next one if staged.
    Status,
    /// Make the next certificate and announce it to kiosks as they sync; the current one stays in use.
    Rotate,
    /// Make the staged certificate the current one (restart the server after).
    Activate,
    /// Forget the staged certificate; kiosks stop accepting it at their next sync.
    Cancel,
}

pub async fn run(
    place: &crate::Place,
    store: &dyn OfficeStorage,
    action: TlsAction,
    out: &mut impl Write,
) -> Result<()> {
    let until = |id: &OfficeIdentity| id.valid_until().unwrap_or_else(|| "an unreadable date".into());
    if let Some(files) = &place.trust {
        return trust_files(files, action, out);
    }
    let data = place.data.as_path();
    match action {
        TlsAction::Status => {
            let current = OfficeIdentity::load_or_create(data)?;
            writeln!(out, "current certificate: {} (valid until {})", current.fingerprint(), until(&current))?;
            match staged_next(data)? {
                None => writeln!(out, "next certificate: none staged")?,
                Some(next) => {
                    writeln!(out, "next certificate: {} (valid until {})", next.fingerprint(), until(&next))?;
                    kiosks_since_staged(data, store, out).await?;
                }
            }
        }
        TlsAction::Rotate => {
            let next = stage_next(data)?;
            writeln!(out, "Staged the next certificate: {} (valid until {}).", next.fingerprint(), until(&next))?;
            writeln!(
                out,
                "Kiosks learn it at their next sync; the current certificate stays in use. When every kiosk has synced (`signbook-office tls status`), run `signbook-office tls activate` and restart the server."
            )?;
        }
        TlsAction::Activate => {
            let (old, new) = activate_next(data)?;
            writeln!(
                out,
                "The office certificate is now {new} (was {old}; kept as previous.cert.der and previous.key.der)."
            )?;
            writeln!(
                out,
                "Restart the server now (e.g. `systemctl restart signbook-office`). Kiosks that synced while it was staged switch by themselves; any other kiosk must be paired again."
            )?;
        }
        TlsAction::Cancel => {
            if cancel_next(data)? {
                writeln!(out, "Forgot the staged certificate; kiosks stop accepting it at their next sync.")?;
            } else {
                writeln!(out, "No next certificate was staged.")?;
            }
        }
    }
    Ok(())
}

/// With `--tls-cert`: the certificate is the trust's, renewed by the trust
/// in its own files, so the office shows it but stages nothing beside it.
fn trust_files(files: &TrustFiles, action: TlsAction, out: &mut impl Write) -> Result<()> {
    let current = OfficeIdentity::from_files(&files.cert, &files.key)?;
    match action {
        TlsAction::Status => {
            let until = current.valid_until().unwrap_or_else(|| "an unreadable date".into());
            writeln!(out, "current certificate: {} (valid until {until})", current.fingerprint())?;
            writeln!(out, "the trust's certificate, from {} (--tls-cert)", files.cert.display())?;
        }
        TlsAction::Rotate | TlsAction::Activate | TlsAction::Cancel => anyhow::bail!(
            "the office serves the trust's certificate ({}, --tls-cert), which the office does not replace: kiosks pin its fingerprint, so a new certificate (even a renewal) means pairing each kiosk again. `signbook-office tls rotate` works on the office's own certificate in --data, without --tls-cert and --tls-key (docs/deploy.md, \"A trust on PostgreSQL\")",
            files.cert.display()
        ),
    }
    Ok(())
}

/// Which kiosks have synced since the next certificate was staged (so were
/// told of it, if their Signbook is new enough to keep it).
async fn kiosks_since_staged(data: &Path, store: &dyn OfficeStorage, out: &mut impl Write) -> Result<()> {
    let staged_at = std::fs::metadata(data.join("next.cert.der"))?.modified()?;
    let staged_at = chrono::DateTime::<chrono::Utc>::from(staged_at);
    writeln!(out, "staged at {}; kiosks:", staged_at.format("%Y-%m-%d %H:%M UTC"))?;
    for k in store.kiosk_statuses(&signbook_office::store::Scope::Trust).await? {
        if k.revoked_at.is_some() {
            continue;
        }
        let seen = k.last_seen_at.as_deref().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
        let ready = seen.is_some_and(|t| t >= staged_at);
        writeln!(
            out,
            "  {} {}: {} (last synced {})",
            k.device_id,
            k.name.as_deref().unwrap_or(""),
            if ready {
                "has synced since: told of the next certificate"
            } else {
                "NOT synced since: would need pairing again"
            },
            k.last_seen_at.as_deref().unwrap_or("never")
        )?;
    }
    Ok(())
}
