//! PostgreSQL: the counterpart of `store/sqlite/search.rs`. Record search
//! over the narrow `record_index` table, with the same conditions: names
//! and organisations matched folded anywhere in the name (`LIKE '%…%'`,
//! which the trigram indexes of migration 0003 serve), the local date
//! range also bounding `signed_at` (the table's key), newest first.

use tokio_postgres::types::ToSql;

use super::PgContext;
use super::rows::SELECT_RECORDS;
use crate::error::Result;
use crate::store::search::{RecordQuery, fold};

/// The SQL condition of `query` over `record_index` (alias `i`), with
/// `$1`… parameters, and those parameters (all text).
pub(super) fn condition(query: &RecordQuery) -> (String, Vec<String>) {
    let mut sql = vec!["TRUE".to_owned()];
    let mut args: Vec<String> = Vec::new();
    let like = |text: &str| format!("%{}%", fold(text).replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    if !fold(&query.name).is_empty() {
        args.push(like(&query.name));
        sql.push(format!("i.name_key LIKE ${} ESCAPE '\\'", args.len()));
    }
    if !fold(&query.organisation).is_empty() {
        args.push(like(&query.organisation));
        sql.push(format!("i.org_key LIKE ${} ESCAPE '\\'", args.len()));
    }
    let mut exact = |column: &str, value: Option<String>| {
        if let Some(value) = value {
            args.push(value);
            sql.push(format!("{column} ${}", args.len()));
        }
    };
    exact("i.role =", query.role.clone());
    // A kiosk's local day lies within 14 hours of the UTC day, so a date
    // range also bounds `signed_at`, the table's key: only that part of
    // the table is read.
    exact("i.signed_at >=", query.from.map(|d| (d - chrono::Days::new(1)).to_string()));
    exact("i.signed_at <", query.to.map(|d| (d + chrono::Days::new(2)).to_string()));
    exact("i.local_date >=", query.from.map(|d| d.to_string()));
    exact("i.local_date <=", query.to.map(|d| d.to_string()));
    exact("i.agreement_hash =", query.agreement.clone());
    exact("i.device_id =", query.kiosk.map(|k| k.hyphenated().to_string()));
    (sql.join(" AND "), args)
}

/// `args` as query parameters, then `more`.
pub(super) fn params<'a>(args: &'a [String], more: &[&'a (dyn ToSql + Sync)]) -> Vec<&'a (dyn ToSql + Sync)> {
    args.iter().map(|a| a as &(dyn ToSql + Sync)).chain(more.iter().copied()).collect()
}

/// How many records match `query`. With no filter but perhaps a kiosk,
/// from the per-kiosk counts the database keeps (migration 0003): every
/// record of a trust is millions, too many to count on each page view.
pub(super) async fn count(client: &tokio_postgres::Transaction<'_>, query: &RecordQuery) -> Result<u64> {
    const DOING: &str = "searching records";
    let RecordQuery { name, organisation, role, from, to, agreement, kiosk: _ } = query;
    let unfiltered = fold(name).is_empty()
        && fold(organisation).is_empty()
        && role.is_none()
        && from.is_none()
        && to.is_none()
        && agreement.is_none();
    let row = if unfiltered {
        let kiosk = query.kiosk.map(|k| k.hyphenated().to_string());
        client
            .query_one(
                "SELECT coalesce(sum(records), 0)::BIGINT FROM record_index_counts WHERE $1::TEXT IS NULL OR device_id = $1",
                &[&kiosk],
            )
            .await
    } else {
        let (condition, args) = condition(query);
        client.query_one(&format!("SELECT count(*) FROM record_index i WHERE {condition}"), &params(&args, &[])).await
    };
    super::shared::unsigned(row.doing(DOING)?.get(0))
}

/// The rows of one page of records matching `query`, newest first, in
/// [`SELECT_RECORDS`]'s columns: the page is chosen on the narrow index,
/// then only its records are read.
pub(super) async fn page(
    client: &tokio_postgres::Transaction<'_>,
    query: &RecordQuery,
    offset: u64,
    limit: u64,
) -> Result<Vec<tokio_postgres::Row>> {
    let (condition, args) = condition(query);
    let (limit, offset) = (super::shared::big(limit)?, super::shared::big(offset)?);
    let n = args.len();
    let sql = format!(
        "{SELECT_RECORDS}
         JOIN (SELECT i.signed_at, i.device_id, i.seq FROM record_index i WHERE {condition}
               ORDER BY i.signed_at DESC, i.device_id, i.seq LIMIT ${} OFFSET ${}) page
           ON page.device_id = r.device_id AND page.seq = r.seq
         ORDER BY page.signed_at DESC, page.device_id, page.seq",
        n + 1,
        n + 2
    );
    client.query(&sql, &params(&args, &[&limit, &offset])).await.doing("searching records")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_becomes_numbered_parameters_with_its_text_escaped() {
        let query = RecordQuery {
            name: " Zoë  50%_o'b ".into(),
            role: Some("governor".into()),
            from: chrono::NaiveDate::from_ymd_opt(2026, 9, 1),
            ..Default::default()
        };
        let (sql, args) = condition(&query);
        assert_eq!(
            sql,
            "TRUE AND i.name_key LIKE $1 ESCAPE '\\' AND i.role = $2 AND i.signed_at >= $3 AND i.local_date >= $4"
        );
        assert_eq!(args, ["%zoe 50\\%\\_o'b%", "governor", "2026-08-31", "2026-09-01"]);
    }
}
