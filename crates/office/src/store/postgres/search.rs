//! PostgreSQL: the counterpart of `store/sqlite/search.rs`. Record search
//! over the narrow `record_index` table, with the same conditions: names
//! and organisations matched folded anywhere in the name (`LIKE '%…%'`,
//! which the trigram indexes of migration 0003 serve), the local date
//! range also bounding `signed_at` (the table's key), newest first; a
//! school's search reads its own part of the index (`site_id, signed_at`).

use tokio_postgres::types::ToSql;

use super::PgContext;
use super::rows::SELECT_RECORDS;
use crate::error::Result;
use crate::store::SearchPage;
use crate::store::search::{RecordQuery, fold};
use crate::store::sites::Scope;

/// A parameter of a search's condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Arg {
    Text(String),
    Site(i64),
    Sites(Vec<i64>),
}

impl Arg {
    fn sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Arg::Text(text) => text,
            Arg::Site(site) => site,
            Arg::Sites(sites) => sites,
        }
    }
}

/// The SQL condition of `query` over `record_index` (alias `i`), limited
/// to `scope`'s schools, with `$1`… parameters, and those parameters.
pub(super) fn condition(scope: &Scope, query: &RecordQuery) -> (String, Vec<Arg>) {
    let mut sql = vec!["TRUE".to_owned()];
    let mut args: Vec<Arg> = Vec::new();
    let like = |text: &str| format!("%{}%", fold(text).replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    if !fold(&query.name).is_empty() {
        args.push(Arg::Text(like(&query.name)));
        sql.push(format!("i.name_key LIKE ${} ESCAPE '\\'", args.len()));
    }
    if !fold(&query.organisation).is_empty() {
        args.push(Arg::Text(like(&query.organisation)));
        sql.push(format!("i.org_key LIKE ${} ESCAPE '\\'", args.len()));
    }
    let mut exact = |column: &str, value: Option<String>| {
        if let Some(value) = value {
            args.push(Arg::Text(value));
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
    match scope.narrowed_to(query.site).site_ids() {
        // A kiosk's records are all of its school's: searching its school's
        // part of `record_index_by_site` reads 1/50 of a trust's rows where
        // the kiosk's own index, ordered by time, reads a name's matches
        // scattered over the whole table (`docs/benchmarks.md`).
        None if query.kiosk.is_some() => {
            sql.push(format!("i.site_id = (SELECT d.site_id FROM devices d WHERE d.device_id = ${})", args.len()));
        }
        None => {}
        // One school (the usual case) reads its part of (site_id, signed_at).
        Some(sites) if sites.len() == 1 => {
            args.push(Arg::Site(sites[0]));
            sql.push(format!("i.site_id = ${}", args.len()));
        }
        // None at all matches nothing: `= ANY('{}')` is false.
        Some(sites) => {
            args.push(Arg::Sites(sites));
            sql.push(format!("i.site_id = ANY(${})", args.len()));
        }
    }
    (sql.join(" AND "), args)
}

/// `args` as query parameters, then `more`.
pub(super) fn params<'a>(args: &'a [Arg], more: &[&'a (dyn ToSql + Sync)]) -> Vec<&'a (dyn ToSql + Sync)> {
    args.iter().map(Arg::sql).chain(more.iter().copied()).collect()
}

/// How many records of `scope`'s schools match `query`: `(total, more)`,
/// counted up to `cap` when given ([`crate::store::SearchPage`]). With no
/// filter but perhaps a kiosk or schools, exactly whatever the cap, from
/// the per-kiosk counts the database keeps (migration 0003), summed over
/// the kiosks of those schools (a kiosk's records are all of its school):
/// every record of a trust is millions, too many to count on each page
/// view. Otherwise a capped count stops reading after `cap + 1` matches:
/// 400,000 counted exactly took 345 ms (`docs/benchmarks.md`).
pub(super) async fn count(
    client: &tokio_postgres::Transaction<'_>,
    scope: &Scope,
    query: &RecordQuery,
    cap: Option<u64>,
) -> Result<(u64, bool)> {
    const DOING: &str = "searching records";
    let RecordQuery { name, organisation, role, from, to, agreement, kiosk: _, site: _ } = query;
    let unfiltered = fold(name).is_empty()
        && fold(organisation).is_empty()
        && role.is_none()
        && from.is_none()
        && to.is_none()
        && agreement.is_none();
    if unfiltered {
        let kiosk = query.kiosk.map(|k| k.hyphenated().to_string());
        let sites = scope.narrowed_to(query.site).site_ids();
        let row = client
            .query_one(
                "SELECT coalesce(sum(c.records), 0)::BIGINT FROM record_index_counts c
                 WHERE ($1::TEXT IS NULL OR c.device_id = $1)
                   AND ($2::BIGINT[] IS NULL OR c.device_id IN (SELECT d.device_id FROM devices d WHERE d.site_id = ANY($2)))",
                &[&kiosk, &sites],
            )
            .await
            .doing(DOING)?;
        return Ok((super::shared::unsigned(row.get(0))?, false));
    }
    let (condition, args) = condition(scope, query);
    let Some(cap) = cap else {
        let sql = format!("SELECT count(*) FROM record_index i WHERE {condition}");
        let row = client.query_one(&sql, &params(&args, &[])).await.doing(DOING)?;
        return Ok((super::shared::unsigned(row.get(0))?, false));
    };
    let sql =
        format!("SELECT count(*) FROM (SELECT 1 FROM record_index i WHERE {condition} LIMIT ${}) t", args.len() + 1);
    let up_to = super::shared::big(cap.saturating_add(1))?;
    let row = client.query_one(&sql, &params(&args, &[&up_to])).await.doing(DOING)?;
    Ok(SearchPage::capped(super::shared::unsigned(row.get(0))?, cap))
}

/// The rows of one page of records matching `query`, newest first, in
/// [`SELECT_RECORDS`]'s columns: the page is chosen on the narrow index,
/// then only its records are read.
pub(super) async fn page(
    client: &tokio_postgres::Transaction<'_>,
    scope: &Scope,
    query: &RecordQuery,
    offset: u64,
    limit: u64,
) -> Result<Vec<tokio_postgres::Row>> {
    let (condition, args) = condition(scope, query);
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
        let (sql, args) = condition(&Scope::Trust, &query);
        assert_eq!(
            sql,
            "TRUE AND i.name_key LIKE $1 ESCAPE '\\' AND i.role = $2 AND i.signed_at >= $3 AND i.local_date >= $4"
        );
        let text = |t: &str| Arg::Text(t.to_owned());
        assert_eq!(args, [text("%zoe 50\\%\\_o'b%"), text("governor"), text("2026-08-31"), text("2026-09-01")]);
    }

    #[test]
    fn a_scope_filters_by_one_school_or_several_and_a_chosen_school_narrows_it() {
        use crate::store::sites::SiteId;
        let query = RecordQuery { role: Some("staff".into()), ..Default::default() };
        let (sql, args) = condition(&Scope::Sites(vec![SiteId(2)]), &query);
        assert_eq!(sql, "TRUE AND i.role = $1 AND i.site_id = $2");
        assert_eq!(args[1], Arg::Site(2));
        let (sql, args) = condition(&Scope::Sites(vec![SiteId(1), SiteId(3)]), &query);
        assert_eq!(sql, "TRUE AND i.role = $1 AND i.site_id = ANY($2)");
        assert_eq!(args[1], Arg::Sites(vec![1, 3]));
        let chosen = RecordQuery { site: Some(SiteId(2)), ..Default::default() };
        let (sql, args) = condition(&Scope::Sites(vec![SiteId(1)]), &chosen);
        assert_eq!(
            (sql.as_str(), args),
            ("TRUE AND i.site_id = ANY($1)", vec![Arg::Sites(vec![])]),
            "another school: nothing"
        );
        assert_eq!(condition(&Scope::Trust, &RecordQuery::default()).0, "TRUE");
        // Trust-wide, one kiosk is searched within its school.
        let kiosk = RecordQuery { kiosk: Some(uuid::Uuid::nil()), ..Default::default() };
        assert_eq!(
            condition(&Scope::Trust, &kiosk).0,
            "TRUE AND i.device_id = $1 AND i.site_id = (SELECT d.site_id FROM devices d WHERE d.device_id = $1)"
        );
    }
}
