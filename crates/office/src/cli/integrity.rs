//! `signbook-office alerts` and `verify`: what the office noticed, and a walk of every stored chain.

use std::io::Write;

use anyhow::Result;
use signbook_office::OfficeStorage;

/// Prints every alert, newest as stored.
pub async fn alerts(store: &dyn OfficeStorage, out: &mut impl Write) -> Result<()> {
    let alerts = store.alerts().await?;
    if alerts.is_empty() {
        writeln!(out, "No alerts.")?;
    }
    for a in alerts {
        let device = a.device_id.map_or_else(|| "-".to_owned(), |d| d.to_string());
        let seq = a.seq.map_or_else(|| "-".to_owned(), |s| s.to_string());
        writeln!(out, "{}  {}  kiosk {device}  record {seq}: {}", a.raised_at, a.kind, a.detail)?;
    }
    Ok(())
}

/// Walks every chain; `false` when one is broken.
pub async fn verify(store: &dyn OfficeStorage, out: &mut impl Write) -> Result<bool> {
    let mut intact = true;
    for report in store.verify().await? {
        match &report.problem {
            None => {
                writeln!(out, "{}: intact, {} records ({} erased)", report.device_id, report.records, report.erased)?
            }
            Some(problem) => {
                intact = false;
                writeln!(out, "{}: BROKEN at {problem}", report.device_id)?;
            }
        }
    }
    Ok(intact)
}
