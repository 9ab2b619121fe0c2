//! Writing a USB bundle (the format is in [`crate::bundle`]'s docs and
//! `docs/sync-protocol.md`).

use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::Utc;
use ed25519_dalek::Signer;
use serde::Serialize;
use sha2::{Digest, Sha256};
use signbook_core::Hash32;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::erasure::ChainEntry;
use signbook_core::record::format_utc;
use signbook_core::store::Store;

use crate::BATCH_SIZE;
use crate::bundle::{BUNDLE_FORMAT, BundleManifest, BundleTrailer, bundle_signed_message};
use crate::client::agreements_named;
use crate::error::Result;
use crate::wire::{PushRequest, WireCheckpoint, WireErasureEntry, WireHeldEntry, WireRecord};

/// A batch being filled: records, erasure entries, the chain's last entry
/// in it (which the batch checkpoint signs), held entries.
type Batch = (Vec<WireRecord>, Vec<WireErasureEntry>, Option<(u64, Hash32)>, Vec<WireHeldEntry>);

/// What [`export_bundle`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleReport {
    /// Records written.
    pub records: u64,
    /// Of those, tombstones.
    pub erased: u64,
    /// Batches.
    pub batches: u64,
}

/// Writes every record to `out` (replaced atomically when complete).
pub fn export_bundle(store: &Store, out: &Path) -> Result<BundleReport> {
    let io = |source| signbook_core::Error::Io { path: out.to_owned(), source };
    let dir = out.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let device_id = store.device_id();
    let head = store.head()?.map_or(0, |(seq, _)| seq);
    let batches = head.div_ceil(BATCH_SIZE as u64);
    let temp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut writer = BufWriter::new(temp);
    let mut write_line = |line: Vec<u8>, writer: &mut BufWriter<_>| -> signbook_core::Result<()> {
        hasher.update(&line);
        hasher.update(b"\n");
        writer.write_all(&line).and_then(|()| writer.write_all(b"\n")).map_err(io)
    };
    let manifest = BundleManifest {
        format: BUNDLE_FORMAT.into(),
        device_id,
        public_key: hex::encode(store.public_key().as_bytes()),
        created_at: format_utc(&Utc::now()),
        records: head,
        batches,
    };
    write_line(serde_json::to_vec(&manifest).expect("a manifest serialises"), &mut writer)?;
    let mut report = BundleReport { records: 0, erased: 0, batches: 0 };
    // A batch: its records and erasure entries (record format 2), and the
    // chain's last entry in it, which the batch checkpoint signs.
    let mut batch: Batch = (Vec::with_capacity(BATCH_SIZE), Vec::new(), None, Vec::new());
    let key = store.signing_key();
    let mut flush =
        |batch: &mut Batch, writer: &mut BufWriter<_>, report: &mut BundleReport| -> signbook_core::Result<()> {
            let Some((seq, hash)) = batch.2.take() else { return Ok(()) };
            let checkpoint = WireCheckpoint::new(&Checkpoint::sign(key, device_id, seq, hash));
            let agreements = agreements_named(store, batch.0.iter().map(|r| &r.agreement_hash))?;
            let request = PushRequest {
                records: std::mem::take(&mut batch.0),
                checkpoint: Some(checkpoint),
                erasures: Vec::new(),
                agreements,
                kiosk_head_seq: None,
                erasure_entries: std::mem::take(&mut batch.1),
                configuration: None,
                held_entries: std::mem::take(&mut batch.3),
            };
            report.batches += 1;
            write_line(serde_json::to_vec(&request).expect("a batch serialises"), writer)
        };
    store.for_each_chain_entry(|entry| {
        batch.2 = Some((entry.seq(), entry.hash()));
        match entry {
            ChainEntry::Record(record, erasure) => {
                report.records += 1;
                report.erased += u64::from(erasure.is_some());
                batch.0.push(WireRecord::from_record(&record, erasure.as_ref()));
            }
            ChainEntry::Erasure(erasure) => batch.1.push(WireErasureEntry::new(&erasure)),
            ChainEntry::Held(held) => batch.3.push(WireHeldEntry::new(&held)),
        }
        if batch.0.len() + batch.1.len() + batch.3.len() == BATCH_SIZE {
            flush(&mut batch, &mut writer, &mut report)?;
        }
        Ok(())
    })?;
    flush(&mut batch, &mut writer, &mut report)?;
    let signature = key.sign(&bundle_signed_message(&device_id, &hasher.finalize()));
    let trailer = BundleTrailer { signature: hex::encode(signature.to_bytes()) };
    let mut line = serde_json::to_vec(&trailer).expect("a trailer serialises");
    line.push(b'\n');
    writer.write_all(&line).map_err(io)?;
    let temp = writer.into_inner().map_err(|e| io(e.into_error()))?;
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(out).map_err(|e| io(e.error))?;
    Ok(report)
}
