//! Record search for the dashboard, over the narrow `record_index` table
//! (migration 0002): a search reads about 100 bytes a record instead of
//! rows that carry signature images, so 200,000 records stay well under
//! 100 ms (`cargo bench -p signbook-office --bench dashboard`).
//!
//! Names are matched *folded*: lower case, accents removed, runs of spaces
//! made one, curly apostrophes made straight. "zoe  o’brien" finds
//! "Zoë O'Brien". The compliance roster matches with the same [`fold`].

use chrono::NaiveDate;
use rusqlite::{Connection, Transaction, params};
use signbook_core::record::Record;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use uuid::Uuid;

use crate::error::{DbContext, Result};

/// Folds a name for matching (see the module docs).
///
/// ```
/// use signbook_office::store::fold;
/// assert_eq!(fold("  Zoë   O’Brien "), "zoe o'brien");
/// assert_eq!(fold("ŴYN"), "wyn");
/// ```
pub fn fold(text: &str) -> String {
    let stripped: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if matches!(c, '\u{2018}' | '\u{2019}' | '`') { '\'' } else { c })
        .collect();
    stripped.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What staff filter records by. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordQuery {
    /// Part of the signer's name (folded before matching).
    pub name: String,
    /// Part of the organisation (folded).
    pub organisation: String,
    /// Exact role.
    pub role: Option<String>,
    /// First day, at the kiosk's local time when signed.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive.
    pub to: Option<NaiveDate>,
    /// Agreement version (64 hex digits).
    pub agreement: Option<String>,
    /// Kiosk.
    pub kiosk: Option<Uuid>,
}

impl RecordQuery {
    /// Says what the query selects, for export manifests and the audit log.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.name.trim().is_empty() {
            parts.push(format!("name contains \"{}\"", self.name.trim()));
        }
        if !self.organisation.trim().is_empty() {
            parts.push(format!("organisation contains \"{}\"", self.organisation.trim()));
        }
        if let Some(role) = &self.role {
            parts.push(format!("role {role}"));
        }
        match (self.from, self.to) {
            (Some(from), Some(to)) => parts.push(format!("signed {from} to {to}")),
            (Some(from), None) => parts.push(format!("signed on or after {from}")),
            (None, Some(to)) => parts.push(format!("signed on or before {to}")),
            (None, None) => {}
        }
        if let Some(agreement) = &self.agreement {
            parts.push(format!("agreement {}", &agreement[..agreement.len().min(12)]));
        }
        if let Some(kiosk) = &self.kiosk {
            parts.push(format!("kiosk {kiosk}"));
        }
        if parts.is_empty() { "all records".to_owned() } else { parts.join(", ") }
    }

    /// The SQL condition over `record_index` (alias `i`) and its parameters.
    pub(super) fn condition(&self) -> (String, Vec<rusqlite::types::Value>) {
        use rusqlite::types::Value;
        let mut sql = vec!["1".to_owned()];
        let mut args: Vec<Value> = Vec::new();
        let like = |text: &str| {
            Value::Text(format!("%{}%", fold(text).replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")))
        };
        if !fold(&self.name).is_empty() {
            args.push(like(&self.name));
            sql.push(format!("i.name_key LIKE ?{} ESCAPE '\\'", args.len()));
        }
        if !fold(&self.organisation).is_empty() {
            args.push(like(&self.organisation));
            sql.push(format!("i.org_key LIKE ?{} ESCAPE '\\'", args.len()));
        }
        let mut exact = |column: &str, value: Option<String>| {
            if let Some(value) = value {
                args.push(Value::Text(value));
                sql.push(format!("{column} ?{}", args.len()));
            }
        };
        exact("i.role =", self.role.clone());
        // A kiosk's local day lies within 14 hours of the UTC day, so a
        // date range also bounds `signed_at`, the table's key: only that
        // part of the table is read.
        exact("i.signed_at >=", self.from.map(|d| (d - chrono::Days::new(1)).to_string()));
        exact("i.signed_at <", self.to.map(|d| (d + chrono::Days::new(2)).to_string()));
        exact("i.local_date >=", self.from.map(|d| d.to_string()));
        exact("i.local_date <=", self.to.map(|d| d.to_string()));
        exact("i.agreement_hash =", self.agreement.clone());
        exact("i.device_id =", self.kiosk.map(|k| k.hyphenated().to_string()));
        (sql.join(" AND "), args)
    }
}

/// Adds a newly stored record to the index.
pub(super) fn index_record(tx: &Transaction<'_>, record: &Record) -> Result<()> {
    let h = &record.header;
    let personal = record.personal.as_ref();
    tx.prepare_cached(
        "INSERT OR REPLACE INTO record_index (device_id, seq, name_key, org_key, role, signed_at, local_date, agreement_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
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
            out.push(super::rows::stored_record(row).doing(DOING)?.record);
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

/// One page of matches, newest first, and how many match in all.
pub(super) fn search(
    conn: &Connection,
    query: &RecordQuery,
    offset: u64,
    limit: u64,
) -> Result<(Vec<(Uuid, u64)>, u64)> {
    const DOING: &str = "searching records";
    let (condition, mut args) = query.condition();
    let total: u64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM record_index i WHERE {condition}"))
        .and_then(|mut s| s.query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0)))
        .doing(DOING)?;
    args.push(rusqlite::types::Value::Integer(limit as i64));
    args.push(rusqlite::types::Value::Integer(offset as i64));
    let n = args.len();
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT i.device_id, i.seq FROM record_index i WHERE {condition} ORDER BY i.signed_at DESC, i.device_id, i.seq LIMIT ?{} OFFSET ?{n}",
            n - 1
        ))
        .doing(DOING)?;
    let keys = record_keys(&mut stmt, &args, DOING)?;
    Ok((keys, total))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_spacing() {
        for (typed, folded) in [
            ("Zoë O'Brien", "zoe o'brien"),
            ("  ZOE   o’brien ", "zoe o'brien"),
            ("Siân Llŷr", "sian llyr"),
            ("Ægir Øster", "ægir øster"), // letters, not accents: kept
            ("<script>", "<script>"),
        ] {
            assert_eq!(fold(typed), folded, "{typed:?}");
        }
    }

    #[test]
    fn a_query_says_what_it_selects() {
        let query = RecordQuery {
            name: " zoe ".into(),
            role: Some("governor".into()),
            from: NaiveDate::from_ymd_opt(2026, 9, 1),
            ..Default::default()
        };
        assert_eq!(query.describe(), "name contains \"zoe\", role governor, signed on or after 2026-09-01");
        assert_eq!(RecordQuery::default().describe(), "all records");
    }
}
