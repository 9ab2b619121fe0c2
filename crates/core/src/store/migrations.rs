//! The kiosk database's embedded schema migrations, tracked in SQLite's
//! `user_version`; [`crate::sqlite::Schema`] applies them.

use crate::sqlite::Schema;

/// The kiosk database format. Its migrations are append only: never edit
/// one that has landed.
pub(super) const SCHEMA: Schema = Schema {
    name: "kiosk",
    // "SBK1": marks the file as a Signbook kiosk database.
    application_id: 0x5342_4B31,
    migrations: &[
        include_str!("migrations/0001_initial.sql"),
        include_str!("migrations/0002_resign_rules.sql"),
        include_str!("migrations/0003_admin_and_settings.sql"),
        include_str!("migrations/0004_sync.sql"),
        include_str!("migrations/0005_next_office_pin.sql"),
        include_str!("migrations/0006_erasure_entries.sql"),
        include_str!("migrations/0007_office_configuration.sql"),
        include_str!("migrations/0008_held_entries.sql"),
    ],
};

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = SCHEMA.version();

/// The first schema of record format version 2 (erasure entries in the chain).
pub(super) const FIRST_V2_SCHEMA: i64 = 6;
