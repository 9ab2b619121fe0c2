//! Records as the office holds them: search, one record, agreement texts,
//! and the streams exports are written from.

use async_trait::async_trait;
use signbook_core::Hash32;
use signbook_core::record::{Erasure, Record};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::search::RecordQuery;
use super::sites::Scope;
use crate::error::{OfficeError, Result};

/// A record as the office holds it: the kiosk's record (its personal data
/// is `None` once erased), the erasure if any, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The record, exactly as the kiosk hashed it.
    pub record: Record,
    /// Why and when its personal data was erased, if it was.
    pub erasure: Option<Erasure>,
    /// The name the kiosk gave at pairing.
    pub kiosk_name: Option<String>,
    /// The office's own clock when the record arrived.
    pub received_at: String,
}

/// A stored row that can no longer be read as a record (damaged or
/// tampered with); `verify` reports it as the break in its chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DamagedRecord {
    /// Its kiosk.
    pub device_id: Uuid,
    /// Its sequence number.
    pub seq: u64,
    /// What is wrong with it.
    pub detail: String,
}

impl DamagedRecord {
    /// The error a store reports for the row.
    pub fn into_error(self) -> OfficeError {
        OfficeError::DamagedRecord { device_id: self.device_id, seq: self.seq, detail: self.detail }
    }
}

/// An agreement version as the office holds it (sent by the kiosks that
/// collected signatures for it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAgreement {
    /// SHA-256 of the canonical text: the version's identity.
    pub hash: Hash32,
    /// Its title.
    pub title: String,
    /// The canonical Markdown text people read before signing.
    pub text: String,
    /// When the kiosk that sent it says it published it (RFC 3339, UTC):
    /// its claim, shown as such, never used to choose or order versions.
    pub published_at: String,
    /// When the office first received it (RFC 3339, UTC): how lists order versions.
    pub received_at: String,
}

/// The most matches a search page counts: past it the page says "more
/// than 10,000", as search engines do. Counting every one of 400,000
/// matches took 345 ms on PostgreSQL where the page itself took 10
/// (`docs/benchmarks.md`, `trust_search`); nobody pages that far.
pub const SEARCH_COUNT_CAP: u64 = 10_000;

/// One page of search results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    /// The records on this page, newest first.
    pub records: Vec<StoredRecord>,
    /// Matches on this page whose rows are damaged, so staff see them.
    pub damaged: Vec<DamagedRecord>,
    /// How many records match in all, counted up to [`SEARCH_COUNT_CAP`]:
    /// exact unless `more`, when it is the cap. A backend may count past
    /// the cap where that is cheap (PostgreSQL's searches with no filter,
    /// from its per-kiosk counts): exact then, `more` false.
    pub total: u64,
    /// More than `total` records match: the count stopped at the cap.
    /// [`RecordStore::count_matching`] counts them all.
    pub more: bool,
}

impl SearchPage {
    /// The total of `counted` matches found by a count that stopped after
    /// `cap + 1`: `(total, more)`.
    pub(crate) fn capped(counted: u64, cap: u64) -> (u64, bool) {
        (counted.min(cap), counted > cap)
    }
}

/// Who erased a record, and whether the kiosk has erased its copy too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureStatus {
    /// `kiosk` (its admin erased it there) or `office` (staff here).
    pub origin: String,
    /// The staff account, for an office erasure.
    pub erased_by: Option<String>,
    /// For an office erasure: when the kiosk confirmed its copy is gone.
    pub kiosk_confirmed_at: Option<String>,
}

/// Records arriving one at a time from a query still running, so an export
/// of many thousands never holds them all. A damaged row arrives as
/// [`crate::OfficeError::DamagedRecord`] and ends the stream: an export
/// stops rather than leave a record out. Dropping the stream stops the query.
#[derive(Debug)]
pub struct RecordStream(mpsc::Receiver<Result<StoredRecord>>);

impl RecordStream {
    /// A stream and the sender a backend feeds it from; `buffer` records
    /// may wait in between.
    pub fn channel(buffer: usize) -> (mpsc::Sender<Result<StoredRecord>>, RecordStream) {
        let (sender, receiver) = mpsc::channel(buffer);
        (sender, RecordStream(receiver))
    }

    /// The next record; `None` at the end.
    pub async fn next(&mut self) -> Option<Result<StoredRecord>> {
        self.0.recv().await
    }
}

/// Finding and reading records.
#[async_trait]
pub trait RecordStore: Send + Sync {
    /// One page of the records of `scope`'s schools matching `query`,
    /// newest first, with their number counted up to [`SEARCH_COUNT_CAP`]
    /// (see [`SearchPage::more`]).
    async fn search_records(&self, scope: &Scope, query: &RecordQuery, offset: u64, limit: u64) -> Result<SearchPage>;

    /// How many records of `scope`'s schools match `query`, exactly
    /// (exports check their limits on it), however many.
    async fn count_matching(&self, scope: &Scope, query: &RecordQuery) -> Result<u64>;

    /// Every record of `scope`'s schools matching `query`, oldest first. Without `signatures`,
    /// each signature PNG is left empty, unread: a CSV never shows it, and
    /// it is most of every row.
    ///
    /// Read the stream to its end, or drop it, before the next call on the
    /// same store: a backend may hold its connection until then (SQLite does).
    async fn matching_records(&self, scope: &Scope, query: &RecordQuery, signatures: bool) -> Result<RecordStream>;

    /// One record, if its kiosk belongs to a school of `scope` (a link to
    /// another school's record finds nothing);
    /// [`crate::OfficeError::DamagedRecord`] if its row cannot be read as one.
    async fn stored_record(&self, scope: &Scope, device_id: Uuid, seq: u64) -> Result<Option<StoredRecord>>;

    /// How a record came to be erased, if it was.
    async fn erasure_status(&self, device_id: Uuid, seq: u64) -> Result<Option<ErasureStatus>>;

    /// An agreement version the office holds.
    async fn agreement(&self, hash: &Hash32) -> Result<Option<StoredAgreement>>;

    /// Every agreement version held, the one the office received last
    /// first, with how many records of `scope`'s schools name it (the texts
    /// are the trust's; another school's counts are not a school's to see).
    async fn agreements(&self, scope: &Scope) -> Result<Vec<(StoredAgreement, u64)>>;
}
