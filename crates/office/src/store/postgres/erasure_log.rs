//! The office's signed erasure log in PostgreSQL (`crate::erasure_log`), as
//! `store/sqlite/erasure_log.rs` keeps it.
//!
//! Signing takes [`SIGNING_LOCK`] before reading what is unsigned: two
//! servers signing at once (each after its own erasure) would otherwise
//! both sign the same erasure, and the second insert would fail.

use chrono::{DateTime, Utc};
use signbook_core::Hash32;
use signbook_core::record::format_utc;
use uuid::Uuid;

use super::shared::{big, unsigned};
use super::{PgContext, PgStore};
use crate::erasure_log::{OfficeErasure, office_reason, office_requester};
use crate::error::{OfficeError, Result};
use crate::store::privacy::SignedOfficeErasure;
use crate::tls::OfficeSigner;

/// Advisory lock held while office erasures are signed ("SBEL").
const SIGNING_LOCK: i64 = 0x5342_454C;

/// Signs, with the office certificate's key, every erasure made at the
/// office that the log does not hold yet; returns how many.
pub(super) async fn sign_office_erasures(store: &PgStore, signer: &OfficeSigner, now: DateTime<Utc>) -> Result<u64> {
    const DOING: &str = "signing the office erasure log";
    let mut client = store.client().await?;
    let tx = client.transaction().await.doing(DOING)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SIGNING_LOCK]).await.doing(DOING)?;
    // Who asked is named by the account's number (schema 2), never its name.
    let pending = tx
        .query(
            "SELECT e.device_id, e.seq, r.record_hash, e.erased_at, e.reason,
                (SELECT u.id FROM users u WHERE lower(u.username) = lower(e.erased_by))
             FROM erasures e JOIN records r ON r.device_id = e.device_id AND r.seq = e.seq
             WHERE e.origin = 'office' AND NOT EXISTS
                (SELECT 1 FROM office_erasure_log l WHERE l.device_id = e.device_id AND l.seq = e.seq)
             ORDER BY e.device_id COLLATE \"C\", e.seq",
            &[],
        )
        .await
        .doing(DOING)?;
    let internal = |e: String| OfficeError::Internal(e);
    for row in &pending {
        let (device, seq): (&str, i64) = (row.get(0), row.get(1));
        let account = row.get::<_, Option<i64>>(5).map(unsigned).transpose()?;
        let erasure = OfficeErasure {
            device_id: Uuid::parse_str(device).map_err(|e| internal(e.to_string()))?,
            seq: unsigned(seq)?,
            record_hash: Hash32::from_hex(row.get::<_, &str>(2)).map_err(|e| internal(e.to_string()))?,
            erased_at: DateTime::parse_from_rfc3339(row.get::<_, &str>(3))
                .map_err(|e| internal(e.to_string()))?
                .to_utc(),
            requested_by: office_requester(account),
            reason: office_reason(row.get::<_, &str>(4)).to_owned(),
            certificate_sha256: signer.fingerprint(),
        };
        let statement = erasure.statement();
        let signature = signer.sign_statement(statement.as_bytes())?;
        tx.execute(
            "INSERT INTO office_erasure_log (device_id, seq, statement, signature, certificate_sha256, signed_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&device, &seq, &statement, &signature, &signer.fingerprint().to_hex(), &format_utc(&now)],
        )
        .await
        .doing(DOING)?;
    }
    tx.commit().await.doing(DOING)?;
    Ok(pending.len() as u64)
}

/// The signed statement of an erasure made at the office, if signed.
pub(super) async fn office_erasure(store: &PgStore, device_id: Uuid, seq: u64) -> Result<Option<SignedOfficeErasure>> {
    let row = store
        .client()
        .await?
        .query_opt(
            "SELECT statement, signature, certificate_sha256 FROM office_erasure_log WHERE device_id = $1 AND seq = $2",
            &[&device_id.hyphenated().to_string(), &big(seq)?],
        )
        .await
        .doing("reading the office erasure log")?;
    Ok(row.map(|r| SignedOfficeErasure { statement: r.get(0), signature: r.get(1), certificate_sha256: r.get(2) }))
}
