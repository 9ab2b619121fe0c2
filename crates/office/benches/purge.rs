//! The retention purge on PostgreSQL: 20,000 expired records, each with a
//! signature the size a real one is (~9 KB), erased in one purge. Prints
//! the time; docs/benchmarks.md keeps the figures.
//!
//! Run: `SIGNBOOK_TEST_POSTGRES=postgres://… cargo bench -p signbook-office --bench purge`
//! (a fresh database on that server; without the variable it says so and stops).

use std::time::Instant;

use chrono::Utc;
use signbook_office::PgStore;
use signbook_office::store::{FIRST_SITE, PrivacyStore};
use signbook_office::testing::fresh_postgres_database;

const RECORDS: i64 = 20_000;
const DEVICES: i64 = 20;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let Some(url) = fresh_postgres_database() else {
        eprintln!("set SIGNBOOK_TEST_POSTGRES to a PostgreSQL server to run the purge benchmark");
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = PgStore::connect(&url).await.unwrap();
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        // Rows as ingest leaves them; the purge reads nothing it would check.
        client
            .execute(
                "INSERT INTO devices (device_id, public_key, paired_at)
                 SELECT '00000000-0000-4000-8000-' || lpad(d::text, 12, '0'), decode(repeat('00', 32), 'hex'),
                        '2025-01-01T00:00:00Z'
                   FROM generate_series(1, $1::bigint) d",
                &[&DEVICES],
            )
            .await
            .unwrap();
        client
            .execute(
                "INSERT INTO records (device_id, seq, id, prev_hash, agreement_hash, role, signed_at,
                    utc_offset_minutes, name_digest, organisation_digest, signature_digest, record_hash, name,
                    name_salt, organisation, organisation_salt, signature_png, signature_salt, received_at)
                 SELECT '00000000-0000-4000-8000-' || lpad((1 + i % $2)::text, 12, '0'), 1 + i / $2,
                        md5(i::text), repeat('0', 64), repeat('a', 64), 'visitor', '2025-02-01T09:00:00Z', 0,
                        repeat('b', 64), NULL, repeat('c', 64), md5(i::text) || md5(i::text), 'Visitor ' || i,
                        decode(repeat('11', 16), 'hex'), NULL, NULL, decode(repeat('89504e47', 2250), 'hex'),
                        decode(repeat('22', 16), 'hex'), '2025-02-01T09:00:01Z'
                   FROM generate_series(0, $1::bigint - 1) i",
                &[&RECORDS, &DEVICES],
            )
            .await
            .unwrap();
        client
            .execute(
                "INSERT INTO record_index (device_id, seq, name_key, org_key, role, signed_at, local_date, agreement_hash)
                 SELECT device_id, seq, lower(name), NULL, role, signed_at, '2025-02-01', agreement_hash FROM records",
                &[],
            )
            .await
            .unwrap();
        client.batch_execute("ANALYZE").await.unwrap();
        store.set_retention(FIRST_SITE, "visitor", Some(30), "bench", Utc::now()).await.unwrap();

        let started = Instant::now();
        let report = store.purge_expired("bench", Utc::now()).await.unwrap();
        let took = started.elapsed();
        assert_eq!(report.total(), RECORDS as u64, "every record was past its retention period");
        let left: i64 = client
            .query_one("SELECT count(*) FROM records WHERE name IS NOT NULL OR signature_png IS NOT NULL", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(left, 0, "no personal data is left");
        println!("purge of {RECORDS} expired records on PostgreSQL: {:.2} s", took.as_secs_f64());
    });
}
