//! The office's storage boundary: small traits grouped by concern, which
//! the sync server, the dashboard, the evidence exports and the CLI all go
//! through, and their two implementations: [`SqliteStore`] (one school,
//! one file in the data folder, the default) and [`PgStore`] (a trust's
//! PostgreSQL, shared by every office server: `--database postgres://…`).
//! [`crate::open_store`] picks one when a command starts. The office test
//! suite runs on both (`SIGNBOOK_TEST_BACKEND=postgres`), and the
//! PostgreSQL tests compare the two backends' answers on the same rows.
//!
//! | trait | concern |
//! |---|---|
//! | [`SyncStore`] | pairing, request nonces, ingesting pushed batches, alerts, revocation |
//! | [`IntegrityStore`] | kiosks, alerts, verification of the stored chains |
//! | [`RecordStore`] | search, one record, agreement texts, streams for exports |
//! | [`StaffStore`] | staff accounts and their roles, sessions, the failed-login throttle |
//! | [`PrivacyStore`] | audit log, erasure, retention periods and the purge |
//! | [`RosterStore`] | the compliance roster |
//! | [`AgreementStore`] | which agreement version each role must sign |
//! | [`SiteStore`] | the trust's schools, and which kiosks and staff belong to which |
//!
//! Every read of a school's data takes a [`Scope`]: the schools the
//! caller's account may see ([`sites`]).
//!
//! [`OfficeStorage`] is all of them; the server holds one as
//! [`SharedStore`], an `Arc<dyn OfficeStorage>`.
//!
//! # Why `dyn` and `async-trait`
//!
//! Every method is `async`, so a backend on an async driver with a
//! connection pool (sqlx or tokio-postgres with deadpool) can await its
//! queries inside the axum server without a blocking thread per request.
//! The traits are object-safe through the `async-trait` crate (Rust's own
//! `async fn` in traits cannot be called through `dyn`): the backend is
//! then chosen when the server starts, from its configuration, and the
//! handlers are plain functions instead of being generic over the store.
//! The price is one boxed future per call, nothing beside a database round
//! trip.
//!
//! [`PgStore`] awaits tokio-postgres on a deadpool pool; a write that two
//! servers could race on (a kiosk's chain, a pairing code, the last admin)
//! locks its row or an advisory lock first.
//!
//! [`SqliteStore`] keeps rusqlite, which blocks: each call runs on tokio's
//! blocking pool against the store's connection, except the long reads (an
//! export's records, verifying every chain), which take a read connection
//! of their own, so a login never waits behind an export. The sync server
//! and the dashboard each open their own [`SqliteStore`], so neither holds
//! up the other either (WAL lets them read and write side by side).
//!
//! Every method is one transaction. Verification rules live in
//! [`crate::ingest`] and in `signbook_core::verify::ChainWalk`, password
//! hashing and session tokens in [`staff`], name folding in [`fold`], and
//! roster matching in [`roster`], not in a backend, so a second backend
//! cannot drift from the first.

mod agreements;
pub mod configuration;
mod integrity;
mod postgres;
mod privacy;
mod records;
pub mod roles;
pub mod roster;
mod search;
pub mod sites;
mod sqlite;
pub mod staff;
mod sync;

use std::sync::Arc;

pub use agreements::{AgreementSender, AgreementStanding, AgreementStore};
pub use configuration::ConfigurationStore;
pub use integrity::{Alert, AlertRow, DeviceSummary, IntegrityStore, KioskHead, KioskStatus};
pub use postgres::{PgStore, redact_url};
pub use privacy::{AuditEntry, PrivacyStore, PurgeReport, SignedOfficeErasure};
pub use records::{
    DamagedRecord, ErasureStatus, RecordStore, RecordStream, SEARCH_COUNT_CAP, SearchPage, StoredAgreement,
    StoredRecord,
};
pub use roles::{Permission, StaffRole};
pub use roster::{RosterEntry, RosterStatus, RosterStore, parse_roster};
pub use search::{RecordQuery, fold};
pub use sites::{FIRST_SITE, Scope, Site, SiteId, SiteStore};
pub use sqlite::SqliteStore;
pub use staff::{
    LoginThrottle, MIN_PASSWORD_CHARS, NewLockouts, RecentFailures, Session, StaffAccount, StaffStore,
    check_new_account, check_username,
};
pub use sync::{Device, PakeExchange, SyncStore};

/// Everything the office keeps: every concern's trait, on one backend.
pub trait OfficeStorage:
    SyncStore
    + IntegrityStore
    + RecordStore
    + StaffStore
    + PrivacyStore
    + RosterStore
    + AgreementStore
    + ConfigurationStore
    + SiteStore
    + std::fmt::Debug
{
}

impl<T> OfficeStorage for T where
    T: SyncStore
        + IntegrityStore
        + RecordStore
        + StaffStore
        + PrivacyStore
        + RosterStore
        + AgreementStore
        + ConfigurationStore
        + SiteStore
        + std::fmt::Debug
{
}

/// The store the server's handlers share.
pub type SharedStore = Arc<dyn OfficeStorage>;
