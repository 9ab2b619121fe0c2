//! Storing a run of a batch's new records, with their search index rows,
//! by one binary `COPY … FROM STDIN` each whatever the run's length. A
//! statement per record (two round trips each) held ingest to about 1,650
//! records/s; one `INSERT … SELECT FROM unnest(…)` per table to about
//! 4,500. `COPY` is PostgreSQL's bulk path: no arrays to build and take
//! apart, no speculative insertion. It has no `ON CONFLICT` and needs
//! none: the caller holds the kiosk's row lock and has checked that none
//! of these records is held, so a duplicate key is an error, as it was.

use std::pin::pin;

use deadpool_postgres::Transaction;
use signbook_core::record::{Record, format_utc};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

use super::shared::big;
use super::{PgContext, postgres_error};
use crate::error::{OfficeError, Result};
use crate::store::search::fold;

/// Stores `records` (consecutive entries of one kiosk's chain, none held
/// yet: the caller holds the kiosk's row lock) and indexes them for
/// search. A record already held is never overwritten: it is an error.
pub(super) async fn insert_records(tx: &Transaction<'_>, device: &str, records: &[&Record], now: &str) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    store(tx, device, records, now).await?;
    index(tx, device, records).await
}

async fn store(tx: &Transaction<'_>, device: &str, records: &[&Record], now: &str) -> Result<()> {
    const DOING: &str = "storing a record";
    let sink = tx
        .copy_in(
            "COPY records (device_id, seq, id, prev_hash, agreement_hash, role, signed_at, utc_offset_minutes,
                name_digest, organisation_digest, signature_digest, record_hash,
                name, name_salt, organisation, organisation_salt, signature_png, signature_salt, received_at)
             FROM STDIN (FORMAT binary)",
        )
        .await
        .doing(DOING)?;
    let types = [
        Type::TEXT,
        Type::INT8,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::INT4,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::BYTEA,
        Type::TEXT,
        Type::BYTEA,
        Type::BYTEA,
        Type::BYTEA,
        Type::TEXT,
    ];
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
    for record in records {
        let h = &record.header;
        let personal = record.personal.as_ref();
        let organisation = personal.and_then(|p| p.organisation.as_ref());
        writer
            .as_mut()
            .write(&[
                &device,
                &big(h.seq)?,
                &h.id.hyphenated().to_string(),
                &h.prev_hash.to_hex(),
                &h.agreement_hash.to_hex(),
                &h.role.as_str(),
                &format_utc(&h.signed_at),
                &h.utc_offset_minutes,
                &h.name_digest.to_hex(),
                &h.organisation_digest.map(|d| d.to_hex()),
                &h.signature_digest.to_hex(),
                &record.hash.to_hex(),
                &personal.map(|p| p.name.as_str()),
                &personal.map(|p| p.name_salt.as_slice()),
                &organisation.map(|(o, _)| o.as_str()),
                &organisation.map(|(_, s)| s.as_slice()),
                &personal.map(|p| p.signature_png.as_slice()),
                &personal.map(|p| p.signature_salt.as_slice()),
                &now,
            ])
            .await
            .map_err(|e| refused(e, DOING))?;
    }
    finish(writer.as_mut().finish().await, records.len(), DOING)
}

/// Adds newly stored records to the search index, each under its kiosk's
/// school (fixed at pairing; read once for the whole run).
async fn index(tx: &Transaction<'_>, device: &str, records: &[&Record]) -> Result<()> {
    const DOING: &str = "indexing a record for search";
    let school = tx.prepare_cached("SELECT site_id FROM devices WHERE device_id = $1").await.doing(DOING)?;
    let site: i64 = tx.query_one(&school, &[&device]).await.doing(DOING)?.get(0);
    let sink = tx
        .copy_in(
            "COPY record_index (device_id, seq, name_key, org_key, role, signed_at, local_date, agreement_hash, site_id)
             FROM STDIN (FORMAT binary)",
        )
        .await
        .doing(DOING)?;
    let types =
        [Type::TEXT, Type::INT8, Type::TEXT, Type::TEXT, Type::TEXT, Type::TEXT, Type::TEXT, Type::TEXT, Type::INT8];
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
    for record in records {
        let h = &record.header;
        let personal = record.personal.as_ref();
        writer
            .as_mut()
            .write(&[
                &device,
                &big(h.seq)?,
                &personal.map(|p| fold(&p.name)),
                &personal.and_then(|p| p.organisation.as_ref().map(|(o, _)| fold(o))),
                &h.role.as_str(),
                &format_utc(&h.signed_at),
                &h.signed_at_local().date_naive().to_string(),
                &h.agreement_hash.to_hex(),
                &site,
            ])
            .await
            .map_err(|e| refused(e, DOING))?;
    }
    finish(writer.as_mut().finish().await, records.len(), DOING)
}

/// The end of a `COPY`: every row stored, or the server's refusal.
fn finish(copied: std::result::Result<u64, tokio_postgres::Error>, sent: usize, doing: &'static str) -> Result<()> {
    let stored = copied.map_err(|e| refused(e, doing))?;
    if usize::try_from(stored).is_ok_and(|n| n == sent) {
        return Ok(());
    }
    Err(OfficeError::Internal(format!("{doing}: {sent} rows sent, {stored} stored")))
}

/// A duplicate key means a record appeared during the batch: unreachable
/// while we hold the kiosk's row lock, and never an overwrite.
fn refused(e: tokio_postgres::Error, doing: &'static str) -> OfficeError {
    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        return OfficeError::Internal(format!("a record appeared during the batch ({e})"));
    }
    postgres_error(e, doing)
}
