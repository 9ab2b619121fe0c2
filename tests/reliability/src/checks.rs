//! The guarantees, as checks every scenario ends with. A broken guarantee
//! is a [`Violation`]: the run stops and exits non-zero.

use std::path::Path;
use std::process::Command;

use signbook_core::{Hash32, Store};
use signbook_office::SharedStore;
use signbook_office::testing::block_on;

use crate::env::binary;

/// A guarantee that did not hold, with what was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// e.g. "acknowledged records survive a kill".
    pub guarantee: &'static str,
    /// What was found instead.
    pub detail: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GUARANTEE BROKEN: {}: {}", self.guarantee, self.detail)
    }
}

impl std::error::Error for Violation {}

/// `Err(Violation)` unless `ok`.
pub fn ensure(ok: bool, guarantee: &'static str, detail: impl FnOnce() -> String) -> Result<(), Violation> {
    if ok { Ok(()) } else { Err(Violation { guarantee, detail: detail() }) }
}

/// After a restart: the database opens, `PRAGMA integrity_check` is ok,
/// every acknowledged record is there, the chain verifies in process and
/// (when `with_cli`) `signbook verify` exits 0. Returns the head.
pub fn kiosk_sound(db: &Path, acknowledged: u64, with_cli: bool) -> anyhow::Result<u64> {
    let store = Store::open(db)
        .map_err(|e| Violation { guarantee: "the kiosk database reopens after a crash", detail: e.to_string() })?;
    let integrity = store.integrity_check()?;
    ensure(integrity.is_ok(), "PRAGMA integrity_check is ok", || format!("{integrity:?}"))?;
    let head = store.head()?.map_or(0, |(s, _)| s);
    ensure(head >= acknowledged, "every acknowledged record is present", || {
        format!("acknowledged {acknowledged}, head {head}")
    })?;
    let report = store.verify()?;
    ensure(report.is_intact(), "the chain verifies", || format!("{:?}", report.problem))?;
    drop(store);
    if with_cli {
        let out = Command::new(binary("signbook")?).arg("--db").arg(db).arg("verify").output()?;
        ensure(out.status.success(), "`signbook verify` passes", || {
            format!(
                "exit {:?}: {}{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    }
    Ok(head)
}

/// Every `(seq, hash)` of a kiosk's chain.
pub fn kiosk_hashes(store: &Store) -> anyhow::Result<Vec<(u64, Hash32)>> {
    let head = store.head()?.map_or(0, |(s, _)| s);
    (1..=head).map(|s| Ok((s, store.record(s)?.hash))).collect()
}

/// The office holds exactly the kiosk's chain, once each, and it verifies.
pub fn office_holds(office: &SharedStore, store: &Store) -> anyhow::Result<()> {
    let expected = kiosk_hashes(store)?;
    let held = block_on(office.record_hashes(store.device_id()))?;
    compare_chains(&expected, &held)?;
    let count = block_on(office.record_count(store.device_id()))?;
    ensure(count == expected.len() as u64, "zero duplicated at the office", || {
        format!("{count} rows for {} records", expected.len())
    })?;
    let reports = block_on(office.verify())?;
    let report = reports.iter().find(|r| r.device_id == store.device_id());
    ensure(report.is_some_and(|r| r.is_intact()), "the office copy verifies", || format!("{report:?}"))?;
    Ok(())
}

/// Compares the kiosk's chain with what the office holds, naming the
/// first lost, extra or different record.
pub fn compare_chains(kiosk: &[(u64, Hash32)], office: &[(u64, Hash32)]) -> Result<(), Violation> {
    if let Some(w) = office.windows(2).find(|w| w[0].0 >= w[1].0) {
        return Err(Violation {
            guarantee: "zero duplicated",
            detail: format!("the office holds record {} more than once", w[1].0),
        });
    }
    for (i, k) in kiosk.iter().enumerate() {
        match office.get(i) {
            None => {
                return Err(Violation {
                    guarantee: "zero lost",
                    detail: format!("record {} never reached the office ({} held)", k.0, office.len()),
                });
            }
            Some(o) if o != k => {
                return Err(Violation {
                    guarantee: "converged",
                    detail: format!("office has {o:?} where the kiosk has {k:?}"),
                });
            }
            Some(_) => {}
        }
    }
    ensure(office.len() == kiosk.len(), "zero duplicated", || {
        format!("office holds {} records, kiosk signed {}", office.len(), kiosk.len())
    })
}
