//! Small steps more than one concern's transaction takes: a chain's head,
//! the search index, dropping personal data, "report a problem once a
//! window". Each mirrors the SQLite function of the same name.

use deadpool_postgres::Transaction;
use signbook_core::Hash32;

use super::PgContext;
use crate::error::{OfficeError, Result};

/// A sequence number or count as PostgreSQL's BIGINT; numbers past
/// `i64::MAX` never come from a checked request, so one is an error.
pub(super) fn big(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| OfficeError::InputInvalid(format!("{n} is too large")))
}

/// A stored BIGINT that must not be negative, back as `u64`.
pub(super) fn unsigned(n: i64) -> Result<u64> {
    u64::try_from(n).map_err(|_| OfficeError::Internal(format!("a stored sequence number or count is negative: {n}")))
}

/// The head of the office's copy of `device`'s chain: its last record,
/// erasure entry or held entry; `(0, ZERO)` for none.
pub(super) async fn head(tx: &Transaction<'_>, device: &str) -> Result<(u64, Hash32)> {
    let statement = tx
        .prepare_cached(
            "SELECT seq, hash FROM (
                (SELECT seq, record_hash AS hash FROM records WHERE device_id = $1 ORDER BY seq DESC LIMIT 1)
                UNION ALL
                (SELECT seq, entry_hash FROM erasure_entries WHERE device_id = $1 ORDER BY seq DESC LIMIT 1)
                UNION ALL
                (SELECT seq, entry_hash FROM held_entries WHERE device_id = $1 ORDER BY seq DESC LIMIT 1)
             ) heads ORDER BY seq DESC LIMIT 1",
        )
        .await
        .doing("reading the chain head")?;
    let row = tx.query_opt(&statement, &[&device]).await.doing("reading the chain head")?;
    match row {
        None => Ok((0, Hash32::ZERO)),
        Some(row) => Ok((
            unsigned(row.get(0))?,
            Hash32::from_hex(row.get::<_, &str>(1)).map_err(|e| OfficeError::Internal(e.to_string()))?,
        )),
    }
}

/// Drops the personal search keys of an erased record.
pub(super) async fn forget_personal(tx: &Transaction<'_>, device: &str, seq: u64) -> Result<()> {
    tx.execute(
        "UPDATE record_index SET name_key = NULL, org_key = NULL WHERE device_id = $1 AND seq = $2",
        &[&device, &big(seq)?],
    )
    .await
    .doing("updating the search index")?;
    Ok(())
}

/// Replaces a record's personal data with a tombstone (its erasure row is
/// the caller's), and drops it from the search index.
pub(super) async fn drop_personal_data(tx: &Transaction<'_>, device: &str, seq: u64) -> Result<()> {
    tx.execute(
        "UPDATE records SET name = NULL, name_salt = NULL, organisation = NULL, organisation_salt = NULL,
            signature_png = NULL, signature_salt = NULL WHERE device_id = $1 AND seq = $2",
        &[&device, &big(seq)?],
    )
    .await
    .doing("erasing personal data")?;
    forget_personal(tx, device, seq).await
}

/// Whether the problem `key` is to be reported now: not reported within
/// `window_secs` of `now`. One statement, so two servers seeing the same
/// problem at once report it once.
pub(super) async fn first_report(tx: &Transaction<'_>, key: &str, window_secs: i64, now: i64) -> Result<bool> {
    let reported = tx
        .query_opt(
            "INSERT INTO problem_reports (key, at) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET at = EXCLUDED.at WHERE problem_reports.at <= $2 - $3
             RETURNING 1",
            &[&key, &now, &window_secs],
        )
        .await
        .doing("noting a reported problem")?;
    Ok(reported.is_some())
}
