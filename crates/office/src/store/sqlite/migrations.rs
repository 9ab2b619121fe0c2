//! The office database's embedded schema migrations, tracked in SQLite's
//! `user_version`; `signbook_core::sqlite::Schema` applies them exactly as
//! it does the kiosk's.

use signbook_core::sqlite::Schema;

/// The office database format. Its migrations are append only: never edit
/// one that has landed.
pub(super) const SCHEMA: Schema = Schema {
    name: "office",
    // "SBO1": marks the file as a Signbook office database.
    application_id: 0x5342_4F31,
    migrations: &[
        include_str!("migrations/0001_office.sql"),
        include_str!("migrations/0002_dashboard.sql"),
        include_str!("migrations/0003_sign_in_problems.sql"),
        include_str!("migrations/0004_staff_roles.sql"),
        include_str!("migrations/0005_current_agreements.sql"),
        include_str!("migrations/0006_publishers.sql"),
        include_str!("migrations/0007_erasure_entries.sql"),
        include_str!("migrations/0008_office_erasure_log.sql"),
        include_str!("migrations/0009_pake_pairing.sql"),
        include_str!("migrations/0010_kiosk_configuration.sql"),
        include_str!("migrations/0011_kiosk_privacy_notice.sql"),
        include_str!("migrations/0012_languages.sql"),
        include_str!("migrations/0013_held_entries.sql"),
        include_str!("migrations/0014_sites.sql"),
        include_str!("migrations/0015_school_roster_retention.sql"),
        include_str!("migrations/0016_school_configuration.sql"),
        include_str!("migrations/0017_school_agreements.sql"),
    ],
};
