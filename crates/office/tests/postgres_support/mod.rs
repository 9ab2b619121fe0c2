//! Shared by the PostgreSQL tests: two office servers on one database,
//! a SQLite office to compare with, and pushes made from a kiosk's chain.
#![allow(dead_code)]

use std::sync::OnceLock;

use chrono::{DateTime, Duration, DurationRound, Utc};
use signbook_core::checkpoint::Checkpoint;
use signbook_core::erasure::ChainEntry;
use signbook_core::record::{field_digest, labels};
use signbook_office::pairing::{code_hash, new_code};
use signbook_office::store::{Device, SyncStore};
use signbook_office::{PgStore, SqliteStore, db_path};
use signbook_sync::wire::{PushRequest, WireCheckpoint, WireErasureEntry, WireHeldEntry, WireRecord};

use crate::evidence_fixture::{KIOSK_NAME, Kiosk};
use signbook_office::store::FIRST_SITE;

/// One instant for a whole test, so both backends are told the same time.
pub fn now() -> DateTime<Utc> {
    static NOW: OnceLock<DateTime<Utc>> = OnceLock::new();
    *NOW.get_or_init(|| Utc::now().duration_trunc(Duration::seconds(1)).unwrap())
}

/// Two office servers on the database `url`.
pub async fn two_servers(url: &str) -> (PgStore, PgStore) {
    let (a, b) = tokio::join!(PgStore::connect(url), PgStore::connect(url));
    (a.unwrap(), b.unwrap())
}

/// A SQLite office, for comparison.
pub fn sqlite() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (SqliteStore::open(db_path(dir.path())).unwrap(), dir)
}

/// The database `url` as psql sees it.
pub async fn raw(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// Pairs `kiosk` with a fresh code.
pub async fn pair(store: &dyn SyncStore, kiosk: &Kiosk) -> Device {
    let code = new_code();
    assert!(store.add_pairing_code(FIRST_SITE, &code, now(), now() + Duration::minutes(15)).await.unwrap());
    let (key, id) = (kiosk.store.public_key(), kiosk.store.device_id());
    store.pair(&code, &code_hash(&code), id, &key, Some(KIOSK_NAME), now()).await.unwrap().0
}

/// What the kiosk's next push sends after `after`: its chain entries (no
/// agreements), with a checkpoint at the last.
pub fn push_after(kiosk: &Kiosk, after: u64) -> PushRequest {
    let chain = kiosk.store.chain_after(after, 500).unwrap();
    let mut request = PushRequest {
        records: vec![],
        checkpoint: chain.last().map(|entry| {
            let key = kiosk.store.signing_key();
            WireCheckpoint::new(&Checkpoint::sign(key, kiosk.store.device_id(), entry.seq(), entry.hash()))
        }),
        erasures: vec![],
        agreements: vec![],
        kiosk_head_seq: None,
        erasure_entries: vec![],
        configuration: None,
        held_entries: vec![],
    };
    for entry in &chain {
        match entry {
            ChainEntry::Record(record, erasure) => {
                request.records.push(WireRecord::from_record(record, erasure.as_ref()))
            }
            ChainEntry::Erasure(erasure) => request.erasure_entries.push(WireErasureEntry::new(erasure)),
            ChainEntry::Held(held) => request.held_entries.push(WireHeldEntry::new(held)),
        }
    }
    request
}

/// `batch` with its first record's name changed and everything re-hashed,
/// as a tamperer holding the kiosk's key would: a fork of the chain.
pub fn forked(kiosk: &Kiosk, mut batch: PushRequest) -> PushRequest {
    let (mut record, _) = batch.records[0].to_record().unwrap();
    let personal = record.personal.as_mut().unwrap();
    personal.name = "Someone Else".into();
    record.header.name_digest = field_digest(labels::NAME, &personal.name_salt, personal.name.as_bytes());
    record.hash = record.header.hash();
    batch.records = vec![WireRecord::from_record(&record, None)];
    let key = kiosk.store.signing_key();
    batch.checkpoint = Some(WireCheckpoint::new(&Checkpoint::sign(key, kiosk.store.device_id(), 1, record.hash)));
    batch
}
