//! USB bundles: the whole chain in one file for a site with no network.
//!
//! A bundle is JSON Lines: a [`BundleManifest`], then one
//! [`PushRequest`] per line exactly as [`super::push`] would send it
//! (records from 1 in batches of [`BATCH_SIZE`], each batch with a
//! checkpoint), then a [`BundleTrailer`] whose Ed25519 signature covers
//! the SHA-256 of every byte before it. The office imports a bundle only
//! for a kiosk it has paired, checks the trailer against the registered
//! key, then applies each batch with the same code as a push, so a bundle
//! imported twice, or after the same records arrived over the network,
//! changes nothing.

use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::Utc;
use ed25519_dalek::Signer;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::BATCH_SIZE;
use super::wire::{PushRequest, WireCheckpoint, WireRecord};
use crate::checkpoint::Checkpoint;
use crate::error::{Error, Result};
use crate::record::format_utc;
use crate::store::{RecordFilter, Store};

/// `format` of a bundle's first line.
pub const BUNDLE_FORMAT: &str = "signbook-bundle-v1";

/// First line of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleManifest {
    /// Always [`BUNDLE_FORMAT`].
    pub format: String,
    /// The kiosk.
    pub device_id: Uuid,
    /// Its Ed25519 public key, 64 hex digits (must match the paired key).
    pub public_key: String,
    /// When the bundle was written.
    pub created_at: String,
    /// Records in the bundle (all of `1..=head_seq`).
    pub records: u64,
    /// Batch lines that follow.
    pub batches: u64,
}

/// Last line of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleTrailer {
    /// Ed25519 signature of [`bundle_signed_message`], 128 hex digits.
    pub signature: String,
}

/// What the trailer signs, given the SHA-256 of every byte before it.
pub fn bundle_signed_message(device_id: &Uuid, content_sha256: &[u8]) -> Vec<u8> {
    format!("{BUNDLE_FORMAT}\ndevice:{}\ncontent:{}\n", device_id.hyphenated(), hex::encode(content_sha256))
        .into_bytes()
}

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
    let io = |source| Error::Io { path: out.to_owned(), source };
    let dir = out.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let device_id = store.device_id();
    let head = store.head()?.map_or(0, |(seq, _)| seq);
    let batches = head.div_ceil(BATCH_SIZE as u64);
    let temp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut writer = BufWriter::new(temp);
    let mut write_line = |line: Vec<u8>, writer: &mut BufWriter<_>| -> Result<()> {
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
    let mut batch: Vec<WireRecord> = Vec::with_capacity(BATCH_SIZE);
    let key = store.signing_key();
    let mut flush = |batch: &mut Vec<WireRecord>, writer: &mut BufWriter<_>, report: &mut BundleReport| -> Result<()> {
        let Some(last) = batch.last() else { return Ok(()) };
        let checkpoint = WireCheckpoint::new(&Checkpoint::sign(key, device_id, last.seq, last.hash));
        let agreements = super::agreements_named(store, batch.iter().map(|r| &r.agreement_hash))?;
        let request = PushRequest {
            records: std::mem::take(batch),
            checkpoint: Some(checkpoint),
            erasures: Vec::new(),
            agreements,
            kiosk_head_seq: None,
        };
        report.batches += 1;
        write_line(serde_json::to_vec(&request).expect("a batch serialises"), writer)
    };
    store.for_each_record(&RecordFilter::default(), |record, erasure| {
        report.records += 1;
        report.erased += u64::from(erasure.is_some());
        batch.push(WireRecord::from_record(&record, erasure.as_ref()));
        if batch.len() == BATCH_SIZE {
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
