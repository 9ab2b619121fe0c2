//! The office's signed erasure log in SQLite (`crate::erasure_log`).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use signbook_core::Hash32;
use signbook_core::record::format_utc;
use uuid::Uuid;

use super::Db;
use crate::erasure_log::OfficeErasure;
use crate::error::{DbContext, OfficeError, Result};
use crate::store::privacy::SignedOfficeErasure;
use crate::tls::OfficeSigner;

// The rules for who asked and why are shared with the PostgreSQL backend.
pub(super) use crate::erasure_log::{office_reason, office_requester};

impl Db {
    /// Signs, with the office certificate's key, every erasure made at the
    /// office that the log does not hold yet; returns how many.
    pub fn sign_office_erasures(&mut self, signer: &OfficeSigner, now: DateTime<Utc>) -> Result<u64> {
        const DOING: &str = "signing the office erasure log";
        let tx = self.conn.transaction().doing(DOING)?;
        let pending: Vec<(String, u64, String, String, String, Option<u64>)> = {
            let mut stmt = tx
                .prepare(
                    "SELECT e.device_id, e.seq, r.record_hash, e.erased_at, e.reason,
                        (SELECT u.rowid FROM users u WHERE u.username = e.erased_by)
                     FROM erasures e JOIN records r ON r.device_id = e.device_id AND r.seq = e.seq
                     WHERE e.origin = 'office' AND NOT EXISTS
                        (SELECT 1 FROM office_erasure_log l WHERE l.device_id = e.device_id AND l.seq = e.seq)
                     ORDER BY e.device_id, e.seq",
                )
                .doing(DOING)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
                .doing(DOING)?;
            rows.collect::<rusqlite::Result<_>>().doing(DOING)?
        };
        let internal = |e: String| OfficeError::Internal(e);
        for (device, seq, hash, erased_at, reason, account) in &pending {
            let erasure = OfficeErasure {
                device_id: Uuid::parse_str(device).map_err(|e| internal(e.to_string()))?,
                seq: *seq,
                record_hash: Hash32::from_hex(hash).map_err(|e| internal(e.to_string()))?,
                erased_at: DateTime::parse_from_rfc3339(erased_at).map_err(|e| internal(e.to_string()))?.to_utc(),
                requested_by: office_requester(*account),
                reason: office_reason(reason).to_owned(),
                certificate_sha256: signer.fingerprint(),
            };
            let statement = erasure.statement();
            let signature = signer.sign_statement(statement.as_bytes())?;
            tx.execute(
                "INSERT INTO office_erasure_log (device_id, seq, statement, signature, certificate_sha256, signed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![device, seq, statement, signature, signer.fingerprint().to_hex(), format_utc(&now)],
            )
            .doing(DOING)?;
        }
        tx.commit().doing(DOING)?;
        Ok(pending.len() as u64)
    }

    /// The signed statement of an erasure made at the office, if signed.
    pub fn office_erasure(&self, device_id: Uuid, seq: u64) -> Result<Option<SignedOfficeErasure>> {
        self.conn
            .query_row(
                "SELECT statement, signature, certificate_sha256 FROM office_erasure_log WHERE device_id = ?1 AND seq = ?2",
                params![device_id.hyphenated().to_string(), seq],
                |r| Ok(SignedOfficeErasure { statement: r.get(0)?, signature: r.get(1)?, certificate_sha256: r.get(2)? }),
            )
            .optional()
            .doing("reading the office erasure log")
    }
}
