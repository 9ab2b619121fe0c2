//! Records and agreement texts: search, one record, exports.

use rusqlite::{OptionalExtension, params};
use signbook_core::Hash32;
use uuid::Uuid;

use super::Db;
use super::rows::{SELECT_RECORDS, stored_record};
use super::search;
use crate::error::{DbContext, Result};
use crate::store::records::{
    DamagedRecord, ErasureStatus, SEARCH_COUNT_CAP, SearchPage, StoredAgreement, StoredRecord,
};
use crate::store::search::RecordQuery;
use crate::store::sites::Scope;

impl Db {
    /// One page of records matching `query`, newest first, counted up to
    /// [`SEARCH_COUNT_CAP`].
    pub fn search_records(&self, scope: &Scope, query: &RecordQuery, offset: u64, limit: u64) -> Result<SearchPage> {
        // One past the cap tells "more than" from exactly the cap.
        let counted = search::count(&self.conn, scope, query, Some(SEARCH_COUNT_CAP + 1))?;
        let (total, more) = SearchPage::capped(counted, SEARCH_COUNT_CAP);
        let keys = search::page(&self.conn, scope, query, offset, limit)?;
        let (mut records, mut damaged) = (Vec::with_capacity(keys.len()), Vec::new());
        for found in self.records_by_key(&keys)? {
            match found {
                Ok(record) => records.push(record),
                Err(row) => damaged.push(row),
            }
        }
        Ok(SearchPage { records, damaged, total, more })
    }

    /// Every record matching `query`, oldest first, handed to `each` one at
    /// a time from one streaming query (exports of many thousands of
    /// records). Without `signatures`, each signature PNG is left empty,
    /// unread: a CSV never shows it, and it is most of every row. A
    /// damaged row stops the walk with [`crate::OfficeError::DamagedRecord`].
    pub fn for_each_matching(
        &self,
        scope: &Scope,
        query: &RecordQuery,
        signatures: bool,
        mut each: impl FnMut(StoredRecord) -> Result<()>,
    ) -> Result<u64> {
        const DOING: &str = "reading records to export";
        let (condition, args) = search::condition(scope, query);
        let select = if signatures {
            SELECT_RECORDS.to_owned()
        } else {
            SELECT_RECORDS.replace("r.signature_png,", "CASE WHEN r.signature_png IS NULL THEN NULL ELSE x'' END,")
        };
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{select} JOIN record_index i ON i.device_id = r.device_id AND i.seq = r.seq WHERE {condition} ORDER BY i.signed_at, i.device_id, i.seq"))
            .doing(DOING)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args.iter())).doing(DOING)?;
        let mut count = 0;
        while let Some(row) = rows.next().doing(DOING)? {
            each(stored_record(row).map_err(DamagedRecord::into_error)?)?;
            count += 1;
        }
        Ok(count)
    }

    /// How many records match `query`, exactly.
    pub fn count_matching(&self, scope: &Scope, query: &RecordQuery) -> Result<u64> {
        search::count(&self.conn, scope, query, None)
    }

    /// The records at `keys` that are held, each decoded or named as damaged.
    fn records_by_key(&self, keys: &[(Uuid, u64)]) -> Result<Vec<Result<StoredRecord, DamagedRecord>>> {
        const DOING: &str = "reading records";
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT_RECORDS} WHERE r.device_id = ?1 AND r.seq = ?2"))
            .doing(DOING)?;
        let mut out = Vec::with_capacity(keys.len());
        for (device, seq) in keys {
            if let Some(record) = stmt
                .query_row(params![device.hyphenated().to_string(), seq], |row| Ok(stored_record(row)))
                .optional()
                .doing(DOING)?
            {
                out.push(record);
            }
        }
        Ok(out)
    }

    /// One record of `scope`'s schools; a damaged row is [`crate::OfficeError::DamagedRecord`].
    pub fn stored_record(&self, scope: &Scope, device_id: Uuid, seq: u64) -> Result<Option<StoredRecord>> {
        if !self.kiosk_site(device_id)?.is_some_and(|site| scope.allows(site)) {
            return Ok(None);
        }
        self.records_by_key(&[(device_id, seq)])?.pop().transpose().map_err(DamagedRecord::into_error)
    }

    /// An agreement version the office holds.
    pub fn agreement(&self, hash: &Hash32) -> Result<Option<StoredAgreement>> {
        self.conn
            .prepare_cached("SELECT hash, title, text, published_at, received_at FROM agreements WHERE hash = ?1")
            .and_then(|mut s| s.query_row([hash.to_hex()], agreement_row).optional())
            .doing("reading an agreement")
    }

    /// Every agreement version held, the one the office received last
    /// first (never by the kiosk's `published_at`), with how many records name it.
    pub fn agreements(&self, scope: &Scope) -> Result<Vec<(StoredAgreement, u64)>> {
        const DOING: &str = "listing agreements";
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT a.hash, a.title, a.text, a.published_at, a.received_at,
                        (SELECT count(*) FROM record_index i WHERE i.agreement_hash = a.hash AND {})
                 FROM agreements a ORDER BY a.received_at DESC, a.rowid DESC",
                super::sites::in_scope("i.site_id", 1)
            ))
            .doing(DOING)?;
        let rows =
            stmt.query_map([super::sites::scope_param(scope)], |r| Ok((agreement_row(r)?, r.get(5)?))).doing(DOING)?;
        rows.collect::<rusqlite::Result<_>>().doing(DOING)
    }
}

/// Reads `hash, title, text, published_at, received_at`.
pub(super) fn agreement_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredAgreement> {
    Ok(StoredAgreement {
        hash: Hash32::from_hex(&r.get::<_, String>(0)?).unwrap_or(Hash32::ZERO),
        title: r.get(1)?,
        text: r.get(2)?,
        published_at: r.get(3)?,
        received_at: r.get(4)?,
    })
}

impl Db {
    /// How a record came to be erased, if it was.
    pub fn erasure_status(&self, device_id: Uuid, seq: u64) -> Result<Option<ErasureStatus>> {
        self.conn
            .query_row(
                "SELECT origin, erased_by, kiosk_confirmed_at FROM erasures WHERE device_id = ?1 AND seq = ?2",
                params![device_id.hyphenated().to_string(), seq],
                |r| Ok(ErasureStatus { origin: r.get(0)?, erased_by: r.get(1)?, kiosk_confirmed_at: r.get(2)? }),
            )
            .optional()
            .doing("reading an erasure")
    }
}
