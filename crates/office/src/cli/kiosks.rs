//! `signbook-office pair`, `kiosks`, `rename-kiosk` and `revoke`: pairing and the paired kiosks.

use std::collections::HashMap;
use std::io::Write;

use anyhow::Result;
use chrono::Utc;
use signbook_office::OfficeStorage;
use signbook_office::pairing::{PAIRING_CODE_TTL_MINUTES, make_pairing_code};
use signbook_office::tls::OfficeIdentity;
use uuid::Uuid;

/// Prints a one-time pairing code for a kiosk of `school` (the office's
/// only school when `None`) and the certificate fingerprint.
pub async fn pair(
    identity: &OfficeIdentity,
    store: &dyn OfficeStorage,
    school: Option<&str>,
    out: &mut impl Write,
) -> Result<()> {
    let site = super::schools::chosen(store, school).await?;
    let code = make_pairing_code(store, site.id, Utc::now()).await?;
    writeln!(out, "pairing code: {code}")?;
    if store.sites().await?.len() > 1 {
        writeln!(out, "for a kiosk of: {}", site.name)?;
    }
    writeln!(out, "certificate fingerprint (SHA-256): {}", identity.fingerprint())?;
    writeln!(
        out,
        "valid for {PAIRING_CODE_TTL_MINUTES} minutes, for one kiosk. On the kiosk's admin screen (Find offices, then the code), or:"
    )?;
    writeln!(out, "  signbook pair --office https://THIS-COMPUTER:PORT --code {code}")?;
    writeln!(out, "(a kiosk of an older version also asks for the fingerprint above)")?;
    Ok(())
}

/// Lists paired kiosks with their school and the configuration each runs.
pub async fn list(store: &dyn OfficeStorage, out: &mut impl Write) -> Result<()> {
    let kiosks = store.devices().await?;
    let running = store.kiosk_configurations().await?;
    let sites = store.sites().await?;
    let mut offices = HashMap::new();
    for site in &sites {
        offices.insert(site.id, (site.name.clone(), store.current_configuration(site.id, Utc::now()).await?));
    }
    if kiosks.is_empty() {
        writeln!(out, "No kiosk is paired yet. Run `signbook-office pair` and enter the code on the kiosk.")?;
    }
    for k in kiosks {
        let state = k.revoked_at.as_deref().map_or_else(|| "active".to_owned(), |at| format!("REVOKED {at}"));
        writeln!(
            out,
            "{}  {}  records: {}  last: {}  {state}",
            k.device_id,
            k.name.as_deref().unwrap_or("-"),
            k.records,
            k.last_received_at.as_deref().unwrap_or("never")
        )?;
        let site = store.kiosk_site(k.device_id).await?;
        let (school, office) = site.and_then(|s| offices.get(&s)).map_or((None, None), |(n, o)| (Some(n), o.as_ref()));
        if let Some(school) = school.filter(|_| sites.len() > 1) {
            writeln!(out, "  school: {school}")?;
        }
        writeln!(out, "  {}", super::settings::kiosk_line(running.get(&k.device_id), office))?;
    }
    Ok(())
}

/// Names a kiosk after where it stands (`name` already checked by `kiosk_name`).
pub async fn rename(store: &dyn OfficeStorage, device_id: Uuid, name: &str, out: &mut impl Write) -> Result<()> {
    let old = store.rename_kiosk(device_id, name).await?;
    let detail = format!("kiosk {device_id}: \"{}\" to \"{name}\"", old.as_deref().unwrap_or(""));
    store.audit("cli", "kiosk_renamed", &detail, Utc::now()).await?;
    writeln!(out, "Kiosk {device_id} is now called \"{name}\".")?;
    Ok(())
}

/// Refuses a kiosk's pushes from now on.
pub async fn revoke(store: &dyn OfficeStorage, device_id: Uuid, out: &mut impl Write) -> Result<()> {
    if store.revoke(device_id, Utc::now()).await? {
        writeln!(out, "Revoked {device_id}: its pushes are refused from now on. Records already received are kept.")?;
    } else {
        writeln!(out, "{device_id} was already revoked.")?;
    }
    Ok(())
}
