//! `signbook-office import-bundle FILE`: a kiosk's USB bundle, checked and
//! stored exactly like pushes (format in `signbook_sync` bundle docs).
//!
//! The kiosk must already be paired here: the bundle's trailer signature is
//! checked against the key registered at pairing, never against the key
//! the bundle itself carries, so a stick cannot introduce a new kiosk.

use std::path::Path;

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Verifier};
use serde::Serialize;
use sha2::{Digest, Sha256};
use signbook_sync::wire::PushRequest;
use signbook_sync::{BUNDLE_FORMAT, BundleManifest, BundleTrailer, bundle_signed_message};
use uuid::Uuid;

use crate::error::{OfficeError, Result};
use crate::store::SyncStore;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The kiosk.
    pub device_id: Uuid,
    /// Records newly stored.
    pub stored: u64,
    /// Records already held.
    pub duplicates: u64,
    /// Erasures applied to records held before.
    pub erasures_applied: u64,
    /// The office now holds `1..=acknowledged_seq`.
    pub acknowledged_seq: u64,
}

/// Checks the bundle at `path` whole, then ingests it batch by batch.
pub async fn import_bundle(store: &(impl SyncStore + ?Sized), path: &Path, now: DateTime<Utc>) -> Result<ImportReport> {
    let invalid = |detail: String| OfficeError::BundleInvalid { path: path.to_owned(), detail };
    let bytes = std::fs::read(path).map_err(|source| OfficeError::Io { path: path.to_owned(), source })?;
    let body = bytes
        .strip_suffix(b"\n")
        .ok_or_else(|| invalid("it does not end with a newline; it was cut short while copying".into()))?;
    let trailer_start = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let (content, trailer) = body.split_at(trailer_start);
    let trailer: BundleTrailer = serde_json::from_slice(trailer)
        .map_err(|e| invalid(format!("its last line is not the signature ({e}); it was cut short or altered")))?;
    let mut lines = content.split(|&b| b == b'\n').filter(|l| !l.is_empty());
    let manifest: BundleManifest = serde_json::from_slice(lines.next().unwrap_or_default()).map_err(|e| {
        invalid(format!("its first line is not a bundle manifest ({e}); is this a file from `signbook export-bundle`?"))
    })?;
    if manifest.format != BUNDLE_FORMAT {
        return Err(invalid(format!("format {:?} is not {BUNDLE_FORMAT}; update signbook-office", manifest.format)));
    }
    let device = store.device(manifest.device_id).await?.ok_or_else(|| {
        invalid(format!("kiosk {} is not paired with this office; pair it once (`signbook-office pair`, then `signbook pair` on the kiosk when it is on the network), then import", manifest.device_id))
    })?;
    if let Some(revoked_at) = &device.revoked_at {
        return Err(OfficeError::DeviceRevoked { device_id: device.device_id, revoked_at: revoked_at.clone() });
    }
    let mut signature = [0u8; 64];
    hex::decode_to_slice(&trailer.signature, &mut signature)
        .map_err(|_| invalid("its signature is not 128 hex digits".into()))?;
    let message = bundle_signed_message(&device.device_id, &Sha256::digest(content));
    if device.public_key.verify(&message, &Signature::from_bytes(&signature)).is_err() {
        store
            .raise_alert(
                Some(device.device_id),
                None,
                "bundle_signature_invalid",
                &format!("bundle {} failed its signature check", path.display()),
                now,
            )
            .await?;
        return Err(invalid(format!(
            "its signature is not kiosk {}'s registered key: the file was altered or did not come from that kiosk; nothing was imported",
            device.device_id
        )));
    }
    let mut report = ImportReport {
        device_id: device.device_id,
        stored: 0,
        duplicates: 0,
        erasures_applied: 0,
        acknowledged_seq: 0,
    };
    for (index, line) in lines.enumerate() {
        let batch: PushRequest =
            serde_json::from_slice(line).map_err(|e| invalid(format!("batch {} is not valid ({e})", index + 1)))?;
        match store.ingest(&device, None, batch, now).await {
            Ok(answer) => {
                report.stored += answer.stored;
                report.duplicates += answer.duplicates;
                report.erasures_applied += answer.erasures_applied;
                report.acknowledged_seq = answer.acknowledged_seq;
            }
            Err(error) => {
                if error.is_alert() {
                    store
                        .raise_alert(
                            Some(device.device_id),
                            None,
                            error.code(),
                            &format!("bundle {}: {error}", path.display()),
                            now,
                        )
                        .await?;
                }
                return Err(error);
            }
        }
    }
    Ok(report)
}
