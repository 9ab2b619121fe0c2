//! Storing a run of a batch's new records, with their search index rows,
//! in two statements whatever the run's length: one multi-row
//! `INSERT … SELECT FROM unnest(…)` each. A statement per record (two
//! round trips each) held ingest to about 1,650 records/s; the round
//! trips, not the database's work, were the cost.

use deadpool_postgres::Transaction;
use signbook_core::record::{Record, format_utc};

use super::PgContext;
use super::shared::big;
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
    let statement = tx
        .prepare_cached(
            "INSERT INTO records (device_id, seq, id, prev_hash, agreement_hash, role, signed_at, utc_offset_minutes,
                name_digest, organisation_digest, signature_digest, record_hash,
                name, name_salt, organisation, organisation_salt, signature_png, signature_salt, received_at)
             SELECT $1, r.* , $19 FROM unnest($2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[],
                $7::TEXT[], $8::INTEGER[], $9::TEXT[], $10::TEXT[], $11::TEXT[], $12::TEXT[],
                $13::TEXT[], $14::BYTEA[], $15::TEXT[], $16::BYTEA[], $17::BYTEA[], $18::BYTEA[]) AS r
             ON CONFLICT (device_id, seq) DO NOTHING
             RETURNING seq",
        )
        .await
        .doing(DOING)?;
    let headers = || records.iter().map(|r| &r.header);
    let personal = || records.iter().map(|r| r.personal.as_ref());
    let seqs = headers().map(|h| big(h.seq)).collect::<Result<Vec<i64>>>()?;
    let ids: Vec<String> = headers().map(|h| h.id.hyphenated().to_string()).collect();
    let prev: Vec<String> = headers().map(|h| h.prev_hash.to_hex()).collect();
    let agreements: Vec<String> = headers().map(|h| h.agreement_hash.to_hex()).collect();
    let roles: Vec<&str> = headers().map(|h| h.role.as_str()).collect();
    let signed: Vec<String> = headers().map(|h| format_utc(&h.signed_at)).collect();
    let offsets: Vec<i32> = headers().map(|h| h.utc_offset_minutes).collect();
    let name_digests: Vec<String> = headers().map(|h| h.name_digest.to_hex()).collect();
    let org_digests: Vec<Option<String>> = headers().map(|h| h.organisation_digest.map(|d| d.to_hex())).collect();
    let signature_digests: Vec<String> = headers().map(|h| h.signature_digest.to_hex()).collect();
    let hashes: Vec<String> = records.iter().map(|r| r.hash.to_hex()).collect();
    let names: Vec<Option<&str>> = personal().map(|p| p.map(|p| p.name.as_str())).collect();
    let name_salts: Vec<Option<&[u8]>> = personal().map(|p| p.map(|p| p.name_salt.as_slice())).collect();
    let orgs: Vec<Option<&str>> =
        personal().map(|p| p.and_then(|p| p.organisation.as_ref().map(|(o, _)| o.as_str()))).collect();
    let org_salts: Vec<Option<&[u8]>> =
        personal().map(|p| p.and_then(|p| p.organisation.as_ref().map(|(_, s)| s.as_slice()))).collect();
    let pngs: Vec<Option<&[u8]>> = personal().map(|p| p.map(|p| p.signature_png.as_slice())).collect();
    let png_salts: Vec<Option<&[u8]>> = personal().map(|p| p.map(|p| p.signature_salt.as_slice())).collect();
    let stored = tx
        .query(
            &statement,
            &[
                &device,
                &seqs,
                &ids,
                &prev,
                &agreements,
                &roles,
                &signed,
                &offsets,
                &name_digests,
                &org_digests,
                &signature_digests,
                &hashes,
                &names,
                &name_salts,
                &orgs,
                &org_salts,
                &pngs,
                &png_salts,
                &now,
            ],
        )
        .await
        .doing(DOING)?;
    if stored.len() != records.len() {
        let stored: std::collections::HashSet<i64> = stored.iter().map(|row| row.get(0)).collect();
        let seq = seqs.iter().find(|s| !stored.contains(s)).copied().unwrap_or_default();
        // Unreachable while we hold the kiosk's row lock; never overwrite.
        return Err(OfficeError::Internal(format!("record {seq} appeared during the batch")));
    }
    Ok(())
}

/// Adds newly stored records to the search index, each under its kiosk's
/// school (fixed at pairing; read once for the whole run).
async fn index(tx: &Transaction<'_>, device: &str, records: &[&Record]) -> Result<()> {
    const DOING: &str = "indexing a record for search";
    let statement = tx
        .prepare_cached(
            "INSERT INTO record_index (device_id, seq, name_key, org_key, role, signed_at, local_date, agreement_hash,
                site_id)
             SELECT $1, r.*, (SELECT site_id FROM devices WHERE device_id = $1)
             FROM unnest($2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::TEXT[], $8::TEXT[]) AS r
             ON CONFLICT (device_id, seq) DO UPDATE SET name_key = EXCLUDED.name_key, org_key = EXCLUDED.org_key,
                role = EXCLUDED.role, signed_at = EXCLUDED.signed_at, local_date = EXCLUDED.local_date,
                agreement_hash = EXCLUDED.agreement_hash, site_id = EXCLUDED.site_id",
        )
        .await
        .doing(DOING)?;
    let seqs = records.iter().map(|r| big(r.header.seq)).collect::<Result<Vec<i64>>>()?;
    let personal = || records.iter().map(|r| r.personal.as_ref());
    let names: Vec<Option<String>> = personal().map(|p| p.map(|p| fold(&p.name))).collect();
    let orgs: Vec<Option<String>> =
        personal().map(|p| p.and_then(|p| p.organisation.as_ref().map(|(o, _)| fold(o)))).collect();
    let roles: Vec<&str> = records.iter().map(|r| r.header.role.as_str()).collect();
    let signed: Vec<String> = records.iter().map(|r| format_utc(&r.header.signed_at)).collect();
    let days: Vec<String> = records.iter().map(|r| r.header.signed_at_local().date_naive().to_string()).collect();
    let agreements: Vec<String> = records.iter().map(|r| r.header.agreement_hash.to_hex()).collect();
    tx.execute(&statement, &[&device, &seqs, &names, &orgs, &roles, &signed, &days, &agreements]).await.doing(DOING)?;
    Ok(())
}
