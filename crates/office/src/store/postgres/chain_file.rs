//! PostgreSQL: the counterpart of `store/sqlite/chain_file.rs`. A kiosk's
//! chain as the office holds it, entry by entry, for an evidence pack's
//! chain file: records by their hashed fields alone (the pack's own
//! records come with their personal data from the record stream), and the
//! kiosk's erasure and "held at the office" entries in their places.

use signbook_core::erasure::ChainEntry;
use signbook_core::sqlite::record_row::{RowDefect, decode_erasure_row, decode_held_row, decode_record_row};
use uuid::Uuid;

use super::rows::PgRow;
use super::shared::big;
use super::{PgContext, PgStore};
use crate::error::{OfficeError, Result};

/// `decode_erasure_row`'s columns, in its order; add `WHERE` after it.
pub(super) const SELECT_ERASURE_ENTRIES: &str =
    "SELECT seq, id, device_id, prev_hash, target_seq, target_hash, erased_at,
        recorded_at, requested_by, reason, entry_hash, reason_text
     FROM erasure_entries";

/// `decode_held_row`'s columns, in its order; add `WHERE` after it.
pub(super) const SELECT_HELD_ENTRIES: &str =
    "SELECT seq, id, device_id, prev_hash, target_seq, target_hash, removed_at,
        acknowledged_at, office_certificate_sha256, entry_hash
     FROM held_entries";

/// A kiosk's erasure and held entries up to `up_to`, in sequence order,
/// each decoded or named as damaged. They are few (one per erasure or
/// record the kiosk let go), so they are read whole.
pub(super) async fn entries(
    tx: &tokio_postgres::Transaction<'_>,
    device: &str,
    up_to: u64,
) -> Result<Vec<Result<ChainEntry, RowDefect>>> {
    const DOING: &str = "reading a kiosk's erasure entries";
    let up_to = big(up_to)?;
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&device, &up_to];
    let erasures = tx
        .query(&format!("{SELECT_ERASURE_ENTRIES} WHERE device_id = $1 AND seq <= $2 ORDER BY seq"), &params)
        .await
        .doing(DOING)?;
    let held = tx
        .query(&format!("{SELECT_HELD_ENTRIES} WHERE device_id = $1 AND seq <= $2 ORDER BY seq"), &params)
        .await
        .doing(DOING)?;
    let mut out: Vec<_> = erasures.iter().map(|r| decode_erasure_row(&PgRow(r)).map(ChainEntry::Erasure)).collect();
    out.extend(held.iter().map(|r| decode_held_row(&PgRow(r)).map(ChainEntry::Held)));
    out.sort_by_key(|e| e.as_ref().map_or_else(|d| d.seq, ChainEntry::seq));
    Ok(out)
}

impl PgStore {
    /// Entries 1 to `up_to` of `device_id`'s chain, in sequence order; a
    /// damaged row ends it with [`OfficeError::DamagedRecord`].
    pub(super) async fn chain_file(&self, device_id: Uuid, up_to: u64) -> Result<Vec<ChainEntry>> {
        const DOING: &str = "reading a kiosk's chain for an evidence pack";
        let mut client = self.client().await?;
        let tx = super::records::snapshot(&mut client, DOING).await?;
        let id = device_id.hyphenated().to_string();
        let records = tx
            .query(
                // `decode_record_row`'s columns, personal data and erasure left out.
                "SELECT seq, id, device_id, prev_hash, agreement_hash, role, signed_at, utc_offset_minutes,
                    name_digest, organisation_digest, signature_digest, record_hash, NULL::text, NULL::bytea,
                    NULL::text, NULL::bytea, NULL::bytea, NULL::bytea, NULL::text, NULL::text
                 FROM records WHERE device_id = $1 AND seq <= $2 ORDER BY seq",
                &[&id, &big(up_to)? as &(dyn tokio_postgres::types::ToSql + Sync)],
            )
            .await
            .doing(DOING)?;
        let damaged = |d: RowDefect| OfficeError::DamagedRecord { device_id, seq: d.seq, detail: d.detail };
        let mut out = Vec::with_capacity(records.len());
        for row in &records {
            out.push(ChainEntry::Record(decode_record_row(&PgRow(row)).map_err(damaged)?.0, None));
        }
        for entry in entries(&tx, &id, up_to).await? {
            out.push(entry.map_err(damaged)?);
        }
        tx.commit().await.doing(DOING)?;
        out.sort_by_key(ChainEntry::seq);
        Ok(out)
    }
}
