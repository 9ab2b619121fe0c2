//! The PostgreSQL backend's own guarantees, on a real server
//! (`SIGNBOOK_TEST_POSTGRES`, started by `scripts/test`): its schema is
//! created once and a newer or foreign one refused untouched, and the
//! append-only tables refuse changes from any client, not just ours.

use signbook_office::PgStore;
use signbook_office::testing::{block_on, fresh_postgres_database};

/// A fresh database's URL, or `None` (the test then has nothing to run
/// against: `fresh_postgres_database` fails instead when CI requires it).
fn database() -> Option<String> {
    fresh_postgres_database()
}

async fn raw(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

#[test]
fn a_new_database_is_migrated_once_even_by_two_servers_starting_together() {
    let Some(url) = database() else { return };
    block_on(async {
        let (a, b) = tokio::join!(PgStore::connect(&url), PgStore::connect(&url));
        a.unwrap();
        b.unwrap();
        let client = raw(&url).await;
        let row = client.query_one("SELECT application, version FROM signbook_schema", &[]).await.unwrap();
        assert_eq!(row.get::<_, String>(0), "signbook-office");
        assert!(row.get::<_, i64>(1) >= 1);
        let tables: i64 = client
            .query_one("SELECT count(*) FROM pg_tables WHERE tablename IN ('records', 'audit_log', 'nonces')", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(tables, 3);
        // Connecting again changes nothing.
        PgStore::connect(&url).await.unwrap();
    });
}

#[test]
fn a_database_from_a_newer_office_is_refused_untouched() {
    let Some(url) = database() else { return };
    block_on(async {
        PgStore::connect(&url).await.unwrap();
        let client = raw(&url).await;
        client.execute("UPDATE signbook_schema SET version = 99", &[]).await.unwrap();
        let err = PgStore::connect(&url).await.unwrap_err();
        assert_eq!(err.code(), "schema_too_new");
        assert!(err.to_string().contains("schema 99") && err.to_string().contains("has not been changed"), "{err}");
        assert!(!err.to_string().contains("password"), "{err}");
        let version: i64 = client.query_one("SELECT version FROM signbook_schema", &[]).await.unwrap().get(0);
        assert_eq!(version, 99);
    });
}

#[test]
fn a_database_holding_other_tables_is_refused_untouched() {
    let Some(url) = database() else { return };
    block_on(async {
        let client = raw(&url).await;
        client.batch_execute("CREATE TABLE payroll (id int)").await.unwrap();
        let err = PgStore::connect(&url).await.unwrap_err();
        assert_eq!(err.code(), "foreign_database");
        assert!(err.to_string().contains("--database"), "{err}");
        let ours: bool =
            client.query_one("SELECT to_regclass('signbook_schema') IS NOT NULL", &[]).await.unwrap().get(0);
        assert!(!ours, "nothing was created in someone else's database");
    });
}

#[test]
fn an_unreachable_server_is_named_without_its_password() {
    block_on(async {
        let err = PgStore::connect("postgres://office:s3cret@127.0.0.1:9/trust").await.unwrap_err();
        assert_eq!(err.code(), "database");
        let text = err.to_string();
        assert!(text.contains("postgres://office@127.0.0.1:9/trust") && !text.contains("s3cret"), "{text}");
    });
}

#[test]
fn records_and_the_audit_log_refuse_changes_from_any_client() {
    let Some(url) = database() else { return };
    block_on(async {
        PgStore::connect(&url).await.unwrap();
        let client = raw(&url).await;
        client
            .batch_execute(
                "INSERT INTO devices (device_id, public_key, paired_at) VALUES ('d', decode(repeat('00', 32), 'hex'), 't');
                 INSERT INTO records (device_id, seq, id, prev_hash, agreement_hash, role, signed_at, utc_offset_minutes,
                    name_digest, signature_digest, record_hash, name, name_salt, signature_png, signature_salt, received_at)
                 VALUES ('d', 1, 'i', 'p', 'a', 'staff', 's', 0, 'n', 'g', 'h', 'Ann', '\\x00', '\\x00', '\\x00', 'r');
                 INSERT INTO audit_log (at, actor, action, detail) VALUES ('t', 'admin', 'export', 'all');",
            )
            .await
            .unwrap();
        for (sql, refusal) in [
            ("DELETE FROM records", "never deleted"),
            ("TRUNCATE records CASCADE", "never deleted"),
            ("UPDATE records SET record_hash = 'x'", "immutable"),
            ("UPDATE records SET name = 'Bob'", "immutable"),
            ("DELETE FROM audit_log", "append only"),
            ("UPDATE audit_log SET detail = 'nothing'", "append only"),
            ("TRUNCATE audit_log", "append only"),
        ] {
            let err = client.batch_execute(sql).await.expect_err(sql);
            let message = err.as_db_error().map(|e| e.message().to_owned()).unwrap_or_default();
            assert!(message.contains(refusal), "{sql}: {message}");
        }
        // Erasure, the one change allowed: personal data to NULL.
        client
            .batch_execute(
                "UPDATE records SET name = NULL, name_salt = NULL, signature_png = NULL, signature_salt = NULL",
            )
            .await
            .unwrap();
        let detail: String = client.query_one("SELECT detail FROM audit_log", &[]).await.unwrap().get(0);
        assert_eq!(detail, "all");
    });
}

/// PostgreSQL's own client programs (`pg_dump`, `pg_restore`) from
/// Debian's packages, newest version installed.
fn pg_program(name: &str) -> std::path::PathBuf {
    let mut dirs: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (scripts/setup)")
        .map(|e| e.unwrap().path().join("bin"))
        .collect();
    dirs.sort_by_key(|d| d.parent().and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok()));
    dirs.pop().expect("a PostgreSQL version").join(name)
}

/// docs/deploy.md's backup and restore test, as a trust would run it: an
/// office on PostgreSQL takes records, `pg_dump` backs it up, `pg_restore`
/// puts it in a new database, and the office verifies every chain there
/// and serves its kiosk on from it, same certificate, nothing missing.
#[test]
fn a_pg_dump_backup_restores_into_a_database_the_office_verifies_and_serves_on() {
    use signbook_office::testing::{Office, office_command};
    use std::path::Path;
    let (Some(url), Some(restored)) = (database(), database()) else { return };
    let office_binary = Path::new(env!("CARGO_BIN_EXE_signbook-office"));
    let (data, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let serve = |database: &str| {
        Office::start_with(office_binary, data.path(), "127.0.0.1:0", "error", &["--no-mdns", "--database", database])
            .unwrap()
    };
    let mut office = serve(&url);
    let mut kiosk = signbook_core::Store::open(kiosk_dir.path().join("kiosk.db")).unwrap();
    kiosk.unsafe_disable_fsync_for_fixtures().unwrap();
    kiosk
        .publish_agreement("# AUP\n\nI will log off.\n", "AUP", &[signbook_core::role::Role::new("staff").unwrap()])
        .unwrap();
    let png = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/demo-signature.json")).unwrap();
    let png =
        signbook_core::signature::render_png(&signbook_core::signature::Strokes::from_json(&png).unwrap()).unwrap();
    let role = signbook_core::role::Role::new("staff").unwrap();
    for i in 0..12 {
        kiosk
            .sign_prerendered_at(
                &role,
                &format!("Staff Member{i}"),
                None,
                png.clone(),
                chrono::Utc::now().fixed_offset(),
            )
            .unwrap();
    }
    kiosk.erase(3, "left the school").unwrap();
    let code = office_command(office_binary, data.path(), Some(&url)).arg("pair").output().unwrap();
    let code = String::from_utf8_lossy(&code.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("pairing code: ").map(str::to_owned))
        .expect("a pairing code");
    signbook_sync::pair(&mut kiosk, &office.url(), &code, &office.fingerprint).unwrap();
    signbook_sync::push(&mut kiosk).unwrap();

    let dump = data.path().join("office.dump");
    let dumped = std::process::Command::new(pg_program("pg_dump"))
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg(&url)
        .output()
        .unwrap();
    assert!(dumped.status.success(), "{}", String::from_utf8_lossy(&dumped.stderr));
    office.kill();
    let restore = std::process::Command::new(pg_program("pg_restore"))
        .args(["--no-owner", "--dbname", &restored])
        .arg(&dump)
        .output()
        .unwrap();
    assert!(restore.status.success(), "{}", String::from_utf8_lossy(&restore.stderr));

    let verify = office_command(office_binary, data.path(), Some(&restored)).arg("verify").output().unwrap();
    let said = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "{said}");
    assert!(said.contains(&format!("{}: intact, 12 records (1 erased)", kiosk.device_id())), "{said}");

    // The office runs on the restored database; the kiosk syncs on.
    let office = serve(&restored);
    kiosk.sign_prerendered_at(&role, "New Starter", None, png, chrono::Utc::now().fixed_offset()).unwrap();
    // (On its own port here: the kiosk is told it, the certificate is the pinned one.)
    let report = signbook_sync::move_to_address(&mut kiosk, &office.url()).unwrap();
    assert_eq!((report.acknowledged_seq, report.pending), (14, 0), "{report:?}");
    drop(office);
}
