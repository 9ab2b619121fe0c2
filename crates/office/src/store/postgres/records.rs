//! PostgreSQL: the counterpart of `store/sqlite/records.rs` and of
//! SQLite's `RecordStore` in `boundary.rs`: search, one record, agreement
//! texts, and the record stream exports are written from.

use async_trait::async_trait;
use deadpool_postgres::Object;
use signbook_core::Hash32;
use tokio::sync::mpsc;
use tokio_postgres::IsolationLevel;
use uuid::Uuid;

use super::rows::{SELECT_RECORDS, select_records, stored_record};
use super::search;
use super::shared::{big, unsigned};
use super::sites::{in_scope, scope_param};
use super::{PgContext, PgStore};
use crate::error::Result;
use crate::store::records::{
    DamagedRecord, ErasureStatus, RecordStore, RecordStream, SEARCH_COUNT_CAP, SearchPage, StoredAgreement,
    StoredRecord,
};
use crate::store::search::RecordQuery;
use crate::store::sites::Scope;

/// Records an export may have read ahead of the one being written.
const STREAM_BUFFER: usize = 64;

/// Rows fetched from the server at a time by a long read: enough to hide
/// the round trip, few enough that memory stays flat at any size.
pub(super) const FETCH_ROWS: i32 = 256;

/// A read-only transaction that sees one snapshot throughout, so a count
/// and its page, or an export begun before a push, agree with themselves.
pub(super) async fn snapshot<'a>(
    client: &'a mut Object,
    doing: &'static str,
) -> Result<deadpool_postgres::Transaction<'a>> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .doing(doing)
}

#[async_trait]
impl RecordStore for PgStore {
    async fn search_records(&self, scope: &Scope, query: &RecordQuery, offset: u64, limit: u64) -> Result<SearchPage> {
        let mut client = self.client().await?;
        let tx = snapshot(&mut client, "searching records").await?;
        let (total, more) = search::count(&tx, scope, query, Some(SEARCH_COUNT_CAP)).await?;
        let (mut records, mut damaged) = (Vec::new(), Vec::new());
        for row in search::page(&tx, scope, query, offset, limit).await? {
            match stored_record(&row) {
                Ok(record) => records.push(record),
                Err(row) => damaged.push(row),
            }
        }
        tx.commit().await.doing("searching records")?;
        Ok(SearchPage { records, damaged, total, more })
    }

    async fn count_matching(&self, scope: &Scope, query: &RecordQuery) -> Result<u64> {
        let mut client = self.client().await?;
        let tx = snapshot(&mut client, "searching records").await?;
        let (total, _) = search::count(&tx, scope, query, None).await?;
        tx.commit().await.doing("searching records")?;
        Ok(total)
    }

    async fn matching_records(&self, scope: &Scope, query: &RecordQuery, signatures: bool) -> Result<RecordStream> {
        let (sender, stream) = RecordStream::channel(STREAM_BUFFER);
        // A pooled connection of the stream's own, held until it ends or
        // is dropped: other calls never wait behind an export.
        let client = self.client().await?;
        let (scope, query) = (scope.clone(), query.clone());
        tokio::spawn(async move {
            if let Err(error) = send_matching(client, &scope, &query, signatures, &sender).await {
                let _ = sender.send(Err(error)).await;
            }
        });
        Ok(stream)
    }

    async fn stored_record(&self, scope: &Scope, device_id: Uuid, seq: u64) -> Result<Option<StoredRecord>> {
        let client = self.client().await?;
        // Another school's record is not found, as one not held.
        let row = client
            .query_opt(
                &format!("{SELECT_RECORDS} WHERE r.device_id = $1 AND r.seq = $2 AND {}", in_scope("d.site_id", 3)),
                &[&device_id.hyphenated().to_string(), &big(seq)?, &scope_param(scope)],
            )
            .await
            .doing("reading records")?;
        row.map(|row| stored_record(&row).map_err(DamagedRecord::into_error)).transpose()
    }

    async fn erasure_status(&self, device_id: Uuid, seq: u64) -> Result<Option<ErasureStatus>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT origin, erased_by, kiosk_confirmed_at FROM erasures WHERE device_id = $1 AND seq = $2",
                &[&device_id.hyphenated().to_string(), &big(seq)?],
            )
            .await
            .doing("reading an erasure")?;
        Ok(row.map(|r| ErasureStatus { origin: r.get(0), erased_by: r.get(1), kiosk_confirmed_at: r.get(2) }))
    }

    async fn agreement(&self, hash: &Hash32) -> Result<Option<StoredAgreement>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT hash, title, text, published_at, received_at FROM agreements WHERE hash = $1",
                &[&hash.to_hex()],
            )
            .await
            .doing("reading an agreement")?;
        Ok(row.as_ref().map(agreement_row))
    }

    async fn agreements(&self, scope: &Scope) -> Result<Vec<(StoredAgreement, u64)>> {
        const DOING: &str = "listing agreements";
        let client = self.client().await?;
        // Agreements are only ever inserted, so `ctid` orders those received
        // in the same instant as they arrived, as SQLite's `rowid` does.
        let rows = client
            .query(
                &format!(
                    "SELECT a.hash, a.title, a.text, a.published_at, a.received_at,
                        (SELECT count(*) FROM record_index i WHERE i.agreement_hash = a.hash AND {})
                     FROM agreements a ORDER BY a.received_at DESC, a.ctid DESC",
                    in_scope("i.site_id", 1)
                ),
                &[&scope_param(scope)],
            )
            .await
            .doing(DOING)?;
        rows.iter().map(|r| Ok((agreement_row(r), unsigned(r.get(5))?))).collect()
    }
}

/// Reads `hash, title, text, published_at, received_at`.
fn agreement_row(r: &tokio_postgres::Row) -> StoredAgreement {
    StoredAgreement {
        hash: Hash32::from_hex(r.get::<_, &str>(0)).unwrap_or(Hash32::ZERO),
        title: r.get(1),
        text: r.get(2),
        published_at: r.get(3),
        received_at: r.get(4),
    }
}

/// Sends every record of `scope`'s schools matching `query` to `sender`,
/// oldest first, fetched [`FETCH_ROWS`] at a time from one query in one snapshot. A damaged row
/// ends the stream with its error; a dropped stream ends the query.
async fn send_matching(
    mut client: Object,
    scope: &Scope,
    query: &RecordQuery,
    signatures: bool,
    sender: &mpsc::Sender<Result<StoredRecord>>,
) -> Result<()> {
    const DOING: &str = "reading records to export";
    let tx = snapshot(&mut client, DOING).await?;
    let (condition, args) = search::condition(scope, query);
    let sql = format!(
        "{} JOIN record_index i ON i.device_id = r.device_id AND i.seq = r.seq WHERE {condition}
         ORDER BY i.signed_at, i.device_id, i.seq",
        select_records(signatures)
    );
    let portal = tx.bind(sql.as_str(), &search::params(&args, &[])).await.doing(DOING)?;
    loop {
        let rows = tx.query_portal(&portal, FETCH_ROWS).await.doing(DOING)?;
        for row in &rows {
            let record = stored_record(row).map_err(DamagedRecord::into_error)?;
            if sender.send(Ok(record)).await.is_err() {
                // The export stopped reading: rolled back on drop.
                return Ok(());
            }
        }
        if rows.len() < FETCH_ROWS as usize {
            break;
        }
    }
    tx.commit().await.doing(DOING)?;
    Ok(())
}
