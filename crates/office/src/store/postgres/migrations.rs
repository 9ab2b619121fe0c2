//! The PostgreSQL schema's embedded migrations. The version lives in a
//! one-row table, `signbook_schema`, the counterpart of SQLite's
//! `user_version` and `application_id`.
//!
//! All pending migrations run in one transaction under an advisory lock,
//! so two office servers starting at once against one database migrate it
//! once; a database from a newer signbook-office is refused untouched.

use deadpool_postgres::Client;

use super::PgContext;
use crate::error::{OfficeError, Result};

/// The PostgreSQL office schema. Append only: never edit one that has landed.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_office.sql"),
    include_str!("migrations/0002_staff_numbers.sql"),
    include_str!("migrations/0003_search.sql"),
    include_str!("migrations/0004_sites.sql"),
    include_str!("migrations/0005_school_search.sql"),
    include_str!("migrations/0006_school_roster_retention.sql"),
    include_str!("migrations/0007_counted_per_statement.sql"),
    include_str!("migrations/0008_school_configuration.sql"),
    include_str!("migrations/0009_signature_storage.sql"),
    include_str!("migrations/0010_school_agreements.sql"),
];

/// Names the database as Signbook's, as SQLite's `application_id` does.
const APPLICATION: &str = "signbook-office";

/// Key of the advisory lock held while migrating ("SBO1", as SQLite's id).
const MIGRATION_LOCK: i64 = 0x5342_4F31;

/// The schema version this build writes.
pub(super) fn supported() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the database to [`supported`], or refuses it unchanged.
pub(super) async fn migrate(client: &mut Client, database: &str) -> Result<()> {
    const DOING: &str = "upgrading the office database schema";
    let tx = client.transaction().await.doing(DOING)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await.doing(DOING)?;
    let ours =
        tx.query_one("SELECT to_regclass('signbook_schema') IS NOT NULL", &[]).await.doing(DOING)?.get::<_, bool>(0);
    let found = if ours {
        let row = tx.query_one("SELECT application, version FROM signbook_schema", &[]).await.doing(DOING)?;
        if row.get::<_, String>(0) != APPLICATION {
            return Err(OfficeError::ForeignPostgres { database: database.to_owned() });
        }
        row.get::<_, i64>(1)
    } else {
        let others: i64 = tx
            .query_one(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
                &[],
            )
            .await
            .doing(DOING)?
            .get(0);
        if others > 0 {
            return Err(OfficeError::ForeignPostgres { database: database.to_owned() });
        }
        tx.batch_execute(
            "CREATE TABLE signbook_schema (
                singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
                application  TEXT NOT NULL,
                version      BIGINT NOT NULL
             )",
        )
        .await
        .doing(DOING)?;
        tx.execute("INSERT INTO signbook_schema VALUES (1, $1, 0)", &[&APPLICATION]).await.doing(DOING)?;
        0
    };
    if found > supported() {
        // Dropped without commit: nothing was written.
        return Err(OfficeError::SchemaTooNew { path: database.into(), found, supported: supported() });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(usize::try_from(found).unwrap_or(0)) {
        tx.batch_execute(migration).await.doing(DOING)?;
        tx.execute("UPDATE signbook_schema SET version = $1", &[&(index as i64 + 1)]).await.doing(DOING)?;
    }
    tx.commit().await.doing(DOING)
}
