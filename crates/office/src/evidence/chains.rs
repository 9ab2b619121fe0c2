//! An evidence pack's completeness proof (`docs/record-format.md` section
//! 12): for every kiosk with records in the pack, `chains/<device>.jsonl`,
//! a version 2 export of the chain the office holds up to the head the
//! kiosk signed (record lines for the pack's records, `omitted` lines for
//! every other record, the kiosk's erasure entries), and for every record
//! of the pack erased at the office, the office's signed erasure statement
//! (`office-erasures/<device>-<seq>.txt` and `.sig`).

use std::collections::{BTreeMap, HashMap};

use signbook_core::Hash32;
use signbook_core::device::key_fingerprint;
use signbook_core::erasure::ChainEntry;
use signbook_core::export::{
    EXPORT_CHECKPOINT_FORMAT, EXPORT_FORMAT, EXPORT_RECORD_FORMAT, EXPORT_RECORD_FORMAT_WITHOUT_HELD, ExportHeader,
    HeaderCheckpoint, HeaderFilter, JsonlWriter,
};
use signbook_core::record::format_utc;
use uuid::Uuid;

use super::error::EvidenceError;
use crate::error::Result;
use crate::store::{IntegrityStore, KioskHead, PrivacyStore, RecordQuery, SignedOfficeErasure, StoredRecord};

/// What the office holds of each kiosk in a pack, read before the pack is
/// written (the writing itself needs no store).
#[derive(Debug, Clone, Default)]
pub struct HeldChains {
    /// The part of the pack's search a hash-only line can be checked
    /// against: role and kiosk-local days.
    pub filter: HeaderFilter,
    /// The search also chose by name, organisation or agreement version,
    /// which `omitted` lines cannot show: records in `filter`'s range that
    /// the pack leaves out are `omitted` lines, and verifiers say so.
    pub narrowed: bool,
    /// Each kiosk with records in the pack, in device id order.
    pub kiosks: Vec<HeldChain>,
}

/// One kiosk's chain as the office holds it.
#[derive(Debug, Clone)]
pub struct HeldChain {
    /// Its key and the highest checkpoint it signed that the office holds.
    pub head: KioskHead,
    /// Entries 1 to that checkpoint, records without personal data.
    pub entries: Vec<ChainEntry>,
    /// The office's signed statements for the pack's records erased at the office.
    pub office_erasures: Vec<(u64, SignedOfficeErasure)>,
}

impl HeldChains {
    /// Reads, for `records` (the pack's, chosen by `query`), each kiosk's
    /// head, chain and the office's erasure statements.
    pub async fn read<S>(store: &S, query: &RecordQuery, records: &[StoredRecord]) -> Result<HeldChains>
    where
        S: IntegrityStore + PrivacyStore + ?Sized,
    {
        let heads = store.kiosk_heads().await?;
        let mut by_kiosk: BTreeMap<Uuid, Vec<&StoredRecord>> = BTreeMap::new();
        for r in records {
            by_kiosk.entry(r.record.header.device_id).or_default().push(r);
        }
        let mut kiosks = Vec::new();
        for (device, in_pack) in by_kiosk {
            let Some(head) = heads.iter().find(|h| h.device.device_id == device).cloned() else { continue };
            let up_to = head.checkpoint.as_ref().map_or(0, |c| c.seq);
            let entries = if up_to == 0 { Vec::new() } else { store.chain_entries(device, up_to).await? };
            let mut office_erasures = Vec::new();
            for r in in_pack.iter().filter(|r| r.record.personal.is_none()) {
                let seq = r.record.header.seq;
                if let Some(signed) = store.office_erasure(device, seq).await? {
                    office_erasures.push((seq, signed));
                }
            }
            kiosks.push(HeldChain { head, entries, office_erasures });
        }
        let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
        Ok(HeldChains {
            filter: HeaderFilter { role: query.role.clone(), since: query.from.map(day), until: query.to.map(day) },
            narrowed: !query.name.trim().is_empty()
                || !query.organisation.trim().is_empty()
                || query.agreement.is_some(),
            kiosks,
        })
    }
}

/// A file of the pack: its path and bytes.
pub(super) type PackFile = (String, Vec<u8>);

/// The chain file of `held` for the pack's `records`, and its path.
pub(super) fn chain_file(
    held: &HeldChain,
    filter: &HeaderFilter,
    records: &HashMap<(Uuid, u64), &StoredRecord>,
    titles: &HashMap<Hash32, String>,
    generated_at: &chrono::DateTime<chrono::Utc>,
) -> std::result::Result<PackFile, EvidenceError> {
    let device = &held.head.device;
    let header = ExportHeader {
        signbook_export: EXPORT_FORMAT,
        // As the kiosk's own export: format 3 only once the chain holds a held entry.
        record_format: if held.entries.iter().any(|e| matches!(e, ChainEntry::Held(_))) {
            EXPORT_RECORD_FORMAT
        } else {
            EXPORT_RECORD_FORMAT_WITHOUT_HELD
        },
        checkpoint_format: EXPORT_CHECKPOINT_FORMAT,
        device_id: device.device_id.hyphenated().to_string(),
        public_key: hex::encode(device.public_key.as_bytes()),
        key_fingerprint: key_fingerprint(&device.public_key),
        exported_at: format_utc(generated_at),
        filter: filter.clone(),
        checkpoint: held.head.checkpoint.as_ref().map(HeaderCheckpoint::of),
    };
    let mut bytes = Vec::new();
    let mut lines = JsonlWriter::new(&mut bytes);
    let core = |e: signbook_core::Error| EvidenceError::ChainFile { device: device.device_id, detail: e.to_string() };
    lines.header(&header).map_err(core)?;
    for entry in &held.entries {
        match entry {
            ChainEntry::Record(r, _) => match records.get(&(device.device_id, r.header.seq)) {
                Some(full) if full.record.hash == r.hash => {
                    let title = titles.get(&r.header.agreement_hash).map_or("", String::as_str);
                    lines.record(&full.record, full.erasure.as_ref(), title).map_err(core)?;
                }
                _ => lines.omitted(r).map_err(core)?,
            },
            ChainEntry::Erasure(e) => lines.erasure(e).map_err(core)?,
            ChainEntry::Held(h) => lines.held(h).map_err(core)?,
        }
    }
    Ok((format!("chains/{}.jsonl", device.device_id.hyphenated()), bytes))
}

/// The office's statement and signature for each of `held`'s office erasures.
pub(super) fn erasure_files(held: &HeldChain) -> Vec<PackFile> {
    let device = held.head.device.device_id.hyphenated();
    let mut out = Vec::new();
    for (seq, signed) in &held.office_erasures {
        out.push((format!("office-erasures/{device}-{seq}.txt"), signed.statement.clone().into_bytes()));
        out.push((format!("office-erasures/{device}-{seq}.sig"), signed.signature.clone()));
    }
    out
}
