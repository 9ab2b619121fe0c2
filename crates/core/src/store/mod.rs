//! The kiosk's SQLite store.
//!
//! One database file per kiosk, opened with WAL, `synchronous=FULL` (a
//! signature acknowledged on screen survives a power cut), foreign keys and
//! a busy timeout, so the kiosk app and the `signbook` CLI can use the same
//! file at once. Migrations are embedded and applied in one transaction at
//! open; a database from a newer Signbook is refused untouched.

mod admin;
mod agreements;
mod database;
mod erasures;
mod held;
mod migrations;
mod office_configuration;
mod records;
mod resign;
mod settings;
mod sync_state;

pub use database::Store;

pub use crate::pin::{PIN_DIGITS, PinRule};
pub use admin::FREE_ATTEMPTS;
pub use agreements::Published;
pub use migrations::SCHEMA_VERSION;
pub use office_configuration::{ConfigurationRefused, ConfigurationState, ConfigurationUpdate};
// `Erasure` is a record's, not the store's; re-exported where its users
// have always found it (the sync wire format's golden test among them).
pub use crate::record::Erasure;
pub use erasures::{ErasureReceipt, ErasureRequest};
pub use held::{DEFAULT_LOCAL_RETENTION_DAYS, LOCAL_RETENTION_DAYS, RELEASE_BATCH, Released};
pub use records::{Receipt, RecordFilter, SignRequest};
pub use resign::{MustSignReason, ResignRule, RoleOverview, SigningStatus};
pub use settings::{IDLE_TIMEOUT_SECS, KioskSettings, MAX_ROLES, MAX_SCHOOL_NAME_CHARS};
pub use sync_state::{SyncConfig, SyncProgress};
