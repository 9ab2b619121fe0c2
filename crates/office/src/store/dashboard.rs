//! What the staff dashboard reads: records, agreement texts, kiosks and
//! alerts. SQLite only for now; the sync path stays behind
//! [`super::OfficeStore`].

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use signbook_core::Hash32;
use signbook_core::record::format_utc;
use uuid::Uuid;

use super::rows::{SELECT_RECORDS, stored_record};
use super::search::{self, RecordQuery};
use super::{SqliteStore, StoredAgreement, StoredRecord};
use crate::error::{DbContext, OfficeError, Result};

/// One page of search results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    /// The records on this page, newest first.
    pub records: Vec<StoredRecord>,
    /// How many records match in all.
    pub total: u64,
}

/// A kiosk on the dashboard's kiosk page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KioskStatus {
    /// Its id.
    pub device_id: Uuid,
    /// The name it gave.
    pub name: Option<String>,
    /// When it paired.
    pub paired_at: String,
    /// When revoked.
    pub revoked_at: Option<String>,
    /// When it last called (any push, even with nothing to send).
    pub last_seen_at: Option<String>,
    /// Highest sequence the office holds.
    pub held: u64,
    /// Highest sequence the kiosk said it has.
    pub reported_head: Option<u64>,
    /// Highest sequence covered by a kiosk-signed checkpoint.
    pub last_checkpoint: Option<u64>,
    /// Alerts not yet acknowledged.
    pub open_alerts: u64,
}

impl KioskStatus {
    /// Records signed at the kiosk that the office does not hold yet, as
    /// of its last call.
    pub fn backlog(&self) -> Option<u64> {
        self.reported_head.map(|head| head.saturating_sub(self.held))
    }
}

/// An alert with its acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertRow {
    /// Its id.
    pub id: i64,
    /// The kiosk, when known.
    pub device_id: Option<Uuid>,
    /// The record concerned.
    pub seq: Option<u64>,
    /// e.g. `fork`.
    pub kind: String,
    /// What happened.
    pub detail: String,
    /// When the office raised it.
    pub raised_at: String,
    /// When staff acknowledged it, and who.
    pub acknowledged: Option<(String, String)>,
}

impl SqliteStore {
    /// One page of records matching `query`, newest first.
    pub fn search_records(&self, query: &RecordQuery, offset: u64, limit: u64) -> Result<SearchPage> {
        let (keys, total) = search::search(&self.conn, query, offset, limit)?;
        Ok(SearchPage { records: self.records_by_key(&keys)?, total })
    }

    /// Every record matching `query`, oldest first, handed to `each` one at
    /// a time from one streaming query (exports of many thousands of
    /// records). Without `signatures`, each signature PNG is left empty,
    /// unread: a CSV never shows it, and it is most of every row.
    pub fn for_each_matching(
        &self,
        query: &RecordQuery,
        signatures: bool,
        mut each: impl FnMut(StoredRecord) -> Result<()>,
    ) -> Result<u64> {
        const DOING: &str = "reading records to export";
        let (condition, args) = query.condition();
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
            each(stored_record(row).doing(DOING)?)?;
            count += 1;
        }
        Ok(count)
    }

    /// How many records match `query`.
    pub fn count_matching(&self, query: &RecordQuery) -> Result<u64> {
        Ok(search::search(&self.conn, query, 0, 0)?.1)
    }

    fn records_by_key(&self, keys: &[(Uuid, u64)]) -> Result<Vec<StoredRecord>> {
        const DOING: &str = "reading records";
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT_RECORDS} WHERE r.device_id = ?1 AND r.seq = ?2"))
            .doing(DOING)?;
        let mut out = Vec::with_capacity(keys.len());
        for (device, seq) in keys {
            if let Some(record) =
                stmt.query_row(params![device.hyphenated().to_string(), seq], stored_record).optional().doing(DOING)?
            {
                out.push(record);
            }
        }
        Ok(out)
    }

    /// One record.
    pub fn stored_record(&self, device_id: Uuid, seq: u64) -> Result<Option<StoredRecord>> {
        Ok(self.records_by_key(&[(device_id, seq)])?.pop())
    }

    /// An agreement version the office holds.
    pub fn agreement(&self, hash: &Hash32) -> Result<Option<StoredAgreement>> {
        self.conn
            .prepare_cached("SELECT hash, title, text, published_at FROM agreements WHERE hash = ?1")
            .and_then(|mut s| s.query_row([hash.to_hex()], agreement_row).optional())
            .doing("reading an agreement")
    }

    /// Every agreement version held, newest first, with how many records name it.
    pub fn agreements(&self) -> Result<Vec<(StoredAgreement, u64)>> {
        const DOING: &str = "listing agreements";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.hash, a.title, a.text, a.published_at, (SELECT count(*) FROM record_index i WHERE i.agreement_hash = a.hash)
                 FROM agreements a ORDER BY a.published_at DESC",
            )
            .doing(DOING)?;
        let rows = stmt.query_map([], |r| Ok((agreement_row(r)?, r.get(4)?))).doing(DOING)?;
        rows.collect::<rusqlite::Result<_>>().doing(DOING)
    }

    /// Every kiosk with what staff need to see about it.
    pub fn kiosk_statuses(&self) -> Result<Vec<KioskStatus>> {
        const DOING: &str = "listing kiosks";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT d.device_id, d.name, d.paired_at, d.revoked_at, d.last_seen_at, d.reported_head,
                    (SELECT max(seq) FROM records r WHERE r.device_id = d.device_id),
                    (SELECT max(seq) FROM checkpoints c WHERE c.device_id = d.device_id),
                    (SELECT count(*) FROM alerts a WHERE a.device_id = d.device_id AND a.acknowledged_at IS NULL)
                 FROM devices d ORDER BY d.paired_at",
            )
            .doing(DOING)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(KioskStatus {
                    device_id: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
                    name: r.get(1)?,
                    paired_at: r.get(2)?,
                    revoked_at: r.get(3)?,
                    last_seen_at: r.get(4)?,
                    reported_head: r.get(5)?,
                    held: r.get::<_, Option<u64>>(6)?.unwrap_or(0),
                    last_checkpoint: r.get(7)?,
                    open_alerts: r.get(8)?,
                })
            })
            .doing(DOING)?;
        rows.collect::<rusqlite::Result<_>>().doing(DOING)
    }

    /// Alerts, newest first; only unacknowledged ones unless `all`.
    pub fn alert_rows(&self, all: bool) -> Result<Vec<AlertRow>> {
        const DOING: &str = "listing alerts";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, device_id, seq, kind, detail, raised_at, acknowledged_at, acknowledged_by FROM alerts
                 WHERE ?1 OR acknowledged_at IS NULL ORDER BY id DESC LIMIT 500",
            )
            .doing(DOING)?;
        let rows = stmt
            .query_map([all], |r| {
                let acknowledged = match (r.get::<_, Option<String>>(6)?, r.get::<_, Option<String>>(7)?) {
                    (Some(at), by) => Some((at, by.unwrap_or_default())),
                    _ => None,
                };
                Ok(AlertRow {
                    id: r.get(0)?,
                    device_id: r.get::<_, Option<String>>(1)?.and_then(|d| Uuid::parse_str(&d).ok()),
                    seq: r.get(2)?,
                    kind: r.get(3)?,
                    detail: r.get(4)?,
                    raised_at: r.get(5)?,
                    acknowledged,
                })
            })
            .doing(DOING)?;
        rows.collect::<rusqlite::Result<_>>().doing(DOING)
    }

    /// Marks an alert as seen by `staff`. `false` if it was already.
    pub fn acknowledge_alert(&mut self, id: i64, staff: &str, now: DateTime<Utc>) -> Result<bool> {
        let changed = self
            .conn
            .execute("UPDATE alerts SET acknowledged_at = ?1, acknowledged_by = ?2 WHERE id = ?3 AND acknowledged_at IS NULL", params![format_utc(&now), staff, id])
            .doing("acknowledging an alert")?;
        if changed == 0
            && self
                .conn
                .query_row("SELECT count(*) FROM alerts WHERE id = ?1", [id], |r| r.get::<_, u64>(0))
                .doing("reading an alert")?
                == 0
        {
            return Err(OfficeError::NotFound);
        }
        Ok(changed == 1)
    }
}

fn agreement_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredAgreement> {
    Ok(StoredAgreement {
        hash: Hash32::from_hex(&r.get::<_, String>(0)?).unwrap_or(Hash32::ZERO),
        title: r.get(1)?,
        text: r.get(2)?,
        published_at: r.get(3)?,
    })
}

impl SqliteStore {
    /// The first kiosk-signed checkpoint at or after `seq`: the kiosk's key
    /// vouches for the record through the chain up to it.
    pub fn checkpoint_covering(&self, device_id: Uuid, seq: u64) -> Result<Option<u64>> {
        self.conn
            .query_row(
                "SELECT min(seq) FROM checkpoints WHERE device_id = ?1 AND seq >= ?2",
                params![device_id.hyphenated().to_string(), seq],
                |r| r.get(0),
            )
            .doing("reading checkpoints")
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

impl SqliteStore {
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
