//! An export's header read back: its versions (a file this verifier cannot
//! read is refused, exit 2) and its claims, each in its strict written form.

use chrono::NaiveDate;
use ed25519_dalek::VerifyingKey;
use uuid::Uuid;

use super::fields::{hash, public_key, uuid};
use super::lines::{EXPORT_CHECKPOINT_FORMAT, EXPORT_FORMAT, EXPORT_RECORD_FORMAT, ExportHeader};
use super::verify::{ExportProblemKind, ExportUnreadable};
use crate::checkpoint::Checkpoint;
use crate::device::key_fingerprint;
use crate::role::Role;
use crate::store::RecordFilter;

pub(super) fn read_header(line: &[u8]) -> Result<ExportHeader, ExportUnreadable> {
    let value: serde_json::Value =
        serde_json::from_slice(line).map_err(|e| ExportUnreadable::NotAnExport { detail: e.to_string() })?;
    let Some(version) = value.get("signbook_export") else {
        return Err(if value.get("record_hash").is_some() {
            ExportUnreadable::Version1
        } else {
            ExportUnreadable::NotAnExport { detail: "it has no \"signbook_export\" key".into() }
        });
    };
    match version.as_u64() {
        Some(v) if v == u64::from(EXPORT_FORMAT) => {}
        Some(v) if v > u64::from(EXPORT_FORMAT) => {
            return Err(ExportUnreadable::TooNew {
                what: "export format",
                found: u32::try_from(v).unwrap_or(u32::MAX),
            });
        }
        _ => return Err(ExportUnreadable::NotAnExport { detail: format!("unknown export version {version}") }),
    }
    let header: ExportHeader =
        serde_json::from_value(value).map_err(|e| ExportUnreadable::NotAnExport { detail: e.to_string() })?;
    for (what, found, known) in [
        ("record format", header.record_format, EXPORT_RECORD_FORMAT),
        ("checkpoint format", header.checkpoint_format, EXPORT_CHECKPOINT_FORMAT),
    ] {
        // Record format 1 (before erasure entries) is read too.
        if !(1..=known).contains(&found) {
            return Err(ExportUnreadable::TooNew { what, found });
        }
    }
    Ok(header)
}

pub(super) type HeaderParts = (Uuid, VerifyingKey, Option<Checkpoint>, RecordFilter);

/// The header's claims, each in its strict written form.
pub(super) fn check_header(
    header: &ExportHeader,
    trusted: Option<&VerifyingKey>,
) -> Result<HeaderParts, ExportProblemKind> {
    let bad = |detail: String| ExportProblemKind::Header { detail };
    let device_id = uuid(&header.device_id).map_err(|e| bad(format!("device_id: {e}")))?;
    let key = public_key(&header.public_key).map_err(|e| bad(format!("public_key: {e}")))?;
    if key_fingerprint(&key) != header.key_fingerprint {
        return Err(bad(format!(
            "key_fingerprint {:?} is not the fingerprint of its public key ({})",
            header.key_fingerprint,
            key_fingerprint(&key)
        )));
    }
    if let Some(trusted) = trusted
        && *trusted != key
    {
        return Err(ExportProblemKind::KeyNotTrusted {
            found: header.key_fingerprint.clone(),
            trusted: key_fingerprint(trusted),
        });
    }
    let checkpoint = match &header.checkpoint {
        None => None,
        Some(c) => {
            let head_hash = hash(&c.head).map_err(|e| bad(format!("checkpoint head: {e}")))?;
            let mut signature = [0u8; 64];
            if c.signature.len() != 128 || hex::decode_to_slice(&c.signature, &mut signature).is_err() {
                return Err(bad("checkpoint signature is not 128 hex digits".into()));
            }
            Some(Checkpoint { device_id, seq: c.seq, head_hash, signature })
        }
    };
    let day = |text: &Option<String>, what: &str| -> Result<Option<NaiveDate>, ExportProblemKind> {
        text.as_deref()
            .map(|t| {
                NaiveDate::parse_from_str(t, "%Y-%m-%d")
                    .ok()
                    .filter(|d| d.format("%Y-%m-%d").to_string() == t)
                    .ok_or_else(|| bad(format!("filter {what} {t:?} is not a YYYY-MM-DD date")))
            })
            .transpose()
    };
    let filter = RecordFilter {
        since: day(&header.filter.since, "since")?,
        until: day(&header.filter.until, "until")?,
        role: header.filter.role.as_deref().map(Role::new).transpose().map_err(|e| bad(format!("filter role: {e}")))?,
    };
    Ok((device_id, key, checkpoint, filter))
}
