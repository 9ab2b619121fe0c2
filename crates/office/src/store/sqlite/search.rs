//! Record search over the narrow `record_index` table (migration 0002): a
//! search reads about 100 bytes a record instead of rows that carry
//! signature images, so 200,000 records stay well under 100 ms
//! (`cargo bench -p signbook-office --bench dashboard`). Names are matched
//! folded (`crate::store::fold`).

use rusqlite::{Connection, Transaction, params};
use signbook_core::record::Record;
use uuid::Uuid;

use super::super::search::{RecordQuery, fold};
use crate::error::{DbContext, Result};
use crate::store::sites::Scope;

/// The SQL condition of `query` over `record_index` (alias `i`), limited to
/// `scope`'s schools, and its parameters.
pub(super) fn condition(scope: &Scope, query: &RecordQuery) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut sql = vec!["1".to_owned()];
    let mut args: Vec<Value> = Vec::new();
    let like = |text: &str| {
        Value::Text(format!("%{}%", fold(text).replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")))
    };
    if !fold(&query.name).is_empty() {
        args.push(like(&query.name));
        sql.push(format!("i.name_key LIKE ?{} ESCAPE '\\'", args.len()));
    }
    if !fold(&query.organisation).is_empty() {
        args.push(like(&query.organisation));
        sql.push(format!("i.org_key LIKE ?{} ESCAPE '\\'", args.len()));
    }
    let mut exact = |column: &str, value: Option<String>| {
        if let Some(value) = value {
            args.push(Value::Text(value));
            sql.push(format!("{column} ?{}", args.len()));
        }
    };
    exact("i.role =", query.role.clone());
    // A kiosk's local day lies within 14 hours of the UTC day, so a
    // date range also bounds `signed_at`, the table's key: only that
    // part of the table is read.
    exact("i.signed_at >=", query.from.map(|d| (d - chrono::Days::new(1)).to_string()));
    exact("i.signed_at <", query.to.map(|d| (d + chrono::Days::new(2)).to_string()));
    exact("i.local_date >=", query.from.map(|d| d.to_string()));
    exact("i.local_date <=", query.to.map(|d| d.to_string()));
    exact("i.agreement_hash =", query.agreement.clone());
    exact("i.device_id =", query.kiosk.map(|k| k.hyphenated().to_string()));
    match scope.narrowed_to(query.site).site_ids().as_deref() {
        None => {}
        // One school (the usual case) reads its part of (site_id, signed_at).
        Some([site]) => {
            args.push(Value::Integer(*site));
            sql.push(format!("i.site_id = ?{}", args.len()));
        }
        Some(sites) => {
            args.push(Value::Text(serde_json::to_string(sites).unwrap_or_else(|_| "[]".into())));
            sql.push(format!("i.site_id IN (SELECT value FROM json_each(?{}))", args.len()));
        }
    }
    (sql.join(" AND "), args)
}

/// Adds a newly stored record to the index.
pub(super) fn index_record(tx: &Transaction<'_>, record: &Record) -> Result<()> {
    let h = &record.header;
    let personal = record.personal.as_ref();
    // The record's school is its kiosk's, fixed at pairing.
    tx.prepare_cached(
        "INSERT OR REPLACE INTO record_index (device_id, seq, name_key, org_key, role, signed_at, local_date, agreement_hash, site_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, (SELECT site_id FROM devices WHERE device_id = ?1))",
    )
    .and_then(|mut s| {
        s.execute(params![
            h.device_id.hyphenated().to_string(),
            h.seq,
            personal.map(|p| fold(&p.name)),
            personal.and_then(|p| p.organisation.as_ref().map(|(o, _)| fold(o))),
            h.role,
            signbook_core::record::format_utc(&h.signed_at),
            h.signed_at_local().date_naive().to_string(),
            h.agreement_hash.to_hex(),
        ])
    })
    .doing("indexing a record for search")?;
    Ok(())
}

/// Drops the personal keys of an erased record.
pub(super) fn forget_personal(tx: &Transaction<'_>, device: &str, seq: u64) -> Result<()> {
    tx.execute(
        "UPDATE record_index SET name_key = NULL, org_key = NULL WHERE device_id = ?1 AND seq = ?2",
        params![device, seq],
    )
    .doing("updating the search index")?;
    Ok(())
}

/// Indexes records stored before the index existed (a database upgraded
/// from schema 1). Cheap when there is nothing to do.
pub(super) fn backfill(conn: &mut Connection) -> Result<()> {
    const DOING: &str = "indexing earlier records for search";
    // Signed: a records table someone cut rows out of has fewer rows than
    // the index, and must still open so that `verify` can name the gap.
    let missing: i64 = conn
        .query_row("SELECT (SELECT count(*) FROM records) - (SELECT count(*) FROM record_index)", [], |r| r.get(0))
        .doing(DOING)?;
    if missing <= 0 {
        return Ok(());
    }
    let tx = conn.transaction().doing(DOING)?;
    let records = {
        let mut stmt = tx
            .prepare(&format!(
                "{} WHERE NOT EXISTS (SELECT 1 FROM record_index i WHERE i.device_id = r.device_id AND i.seq = r.seq)",
                super::rows::SELECT_RECORDS
            ))
            .doing(DOING)?;
        let mut rows = stmt.query([]).doing(DOING)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().doing(DOING)? {
            match super::rows::stored_record(row) {
                Ok(stored) => out.push(stored.record),
                // Left out of search; `verify` names it.
                Err(damaged) => {
                    tracing::warn!(device = %damaged.device_id, seq = damaged.seq, detail = %damaged.detail, "a damaged record was not indexed for search")
                }
            }
        }
        out
    };
    for record in &records {
        index_record(&tx, record)?;
    }
    tx.commit().doing(DOING)?;
    tracing::info!(records = records.len(), "indexed earlier records for search");
    Ok(())
}

/// How many records match, counting no further than `up_to` when given
/// (a page's total: past the cap the count only needs to know there are
/// more, and stops reading).
pub(super) fn count(conn: &Connection, scope: &Scope, query: &RecordQuery, up_to: Option<u64>) -> Result<u64> {
    let (condition, mut args) = condition(scope, query);
    let sql = match up_to {
        None => format!("SELECT count(*) FROM record_index i WHERE {condition}"),
        Some(up_to) => {
            args.push(rusqlite::types::Value::Integer(i64::try_from(up_to).unwrap_or(i64::MAX)));
            format!("SELECT count(*) FROM (SELECT 1 FROM record_index i WHERE {condition} LIMIT ?{})", args.len())
        }
    };
    conn.prepare_cached(&sql)
        .and_then(|mut s| s.query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0)))
        .doing("searching records")
}

/// The keys of one page of matches, newest first.
pub(super) fn page(
    conn: &Connection,
    scope: &Scope,
    query: &RecordQuery,
    offset: u64,
    limit: u64,
) -> Result<Vec<(Uuid, u64)>> {
    const DOING: &str = "searching records";
    let (condition, mut args) = condition(scope, query);
    args.push(rusqlite::types::Value::Integer(limit as i64));
    args.push(rusqlite::types::Value::Integer(offset as i64));
    let n = args.len();
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT i.device_id, i.seq FROM record_index i WHERE {condition} ORDER BY i.signed_at DESC, i.device_id, i.seq LIMIT ?{} OFFSET ?{n}",
            n - 1
        ))
        .doing(DOING)?;
    record_keys(&mut stmt, &args, DOING)
}

/// Runs a `SELECT device_id, seq` and collects the keys.
fn record_keys(
    stmt: &mut rusqlite::CachedStatement<'_>,
    args: &[rusqlite::types::Value],
    doing: &'static str,
) -> Result<Vec<(Uuid, u64)>> {
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))
        .doing(doing)?;
    let mut keys = Vec::new();
    for row in rows {
        let (device, seq) = row.doing(doing)?;
        keys.push((Uuid::parse_str(&device).unwrap_or_default(), seq));
    }
    Ok(keys)
}
