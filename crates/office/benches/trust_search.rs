//! Dashboard search over a trust's 2,000,000 records across 50 kiosks, on
//! PostgreSQL (issue 18). Sites (schools) do not exist yet: the 50 kiosks
//! stand in for 50 schools, and the kiosk filter for the school filter.
//!
//! Run: `SIGNBOOK_TEST_POSTGRES=postgres://… cargo bench -p signbook-office
//! --bench trust_search` (release build, a few minutes to build the data).
//!
//! The rows are written by SQL (`generate_series`), not signed by kiosks:
//! signing and ingesting two million records would take hours here, and
//! search reads only the `record_index` and then a page of 50 `records`
//! rows by key. The rows carry names, organisations, roles and dates as
//! real ones do, but no signature image (a page of 50 reads 50 of them,
//! ~450 KB, which is not what this measures) and hashes that are not the
//! records' own, so a page's rows come back as `damaged`: counted with
//! the records, since the work of reading them is the same.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use signbook_office::PgStore;
use signbook_office::store::{RecordQuery, RecordStore};
use signbook_office::testing::fresh_postgres_database;
use uuid::Uuid;

const KIOSKS: i64 = 50;
const RECORDS: i64 = 2_000_000;

/// Two million rows: record i is kiosk i % 50's, one every ~16 s from
/// 2025-09-01 (a school year and more), a name of 12 × 10 × i, a fifth
/// with an organisation, five roles in turn.
const FIXTURE: &str = "
INSERT INTO devices (device_id, public_key, name, paired_at)
    SELECT d.id, decode(repeat('00', 32), 'hex'), 'Kiosk ' || d.n, '2025-08-31T00:00:00.000Z'
    FROM (SELECT n, substr(md5('kiosk' || n), 1, 8) || '-0000-4000-8000-' || substr(md5('kiosk' || n), 1, 12) AS id
          FROM generate_series(0, $KIOSKS - 1) n) d;
CREATE TEMP TABLE fixture AS
    SELECT i, substr(md5('kiosk' || (i % $KIOSKS)), 1, 8) || '-0000-4000-8000-' || substr(md5('kiosk' || (i % $KIOSKS)), 1, 12) AS device_id,
        i / $KIOSKS + 1 AS seq,
        (ARRAY['Ann','Siôn','Zoë','Gareth','Mohammed','Aoife','Priya','Tomasz','Eleri','Kwame','Ffion','Dafydd'])[i % 12 + 1]
          || ' ' || (ARRAY['Hughes','O''Brien','Jones','Al-Farsi','Nowak','Evans','Patel','Mensah','Llŷr','Price'])[(i / 7) % 10 + 1]
          || ' ' || i AS name,
        CASE WHEN i % 5 = 0 THEN 'Acme Building Services Ltd' END AS organisation,
        (ARRAY['visitor','governor','staff','volunteer','contractor'])[i % 5 + 1] AS role,
        timestamp '2025-09-01' + (i * interval '16 seconds') AS at
    FROM generate_series(0, $RECORDS - 1) i;
INSERT INTO records (device_id, seq, id, prev_hash, agreement_hash, role, signed_at, utc_offset_minutes, name_digest,
        organisation_digest, signature_digest, record_hash, name, name_salt, organisation, organisation_salt, received_at)
    SELECT device_id, seq, md5(i::text)::uuid::text, repeat('0', 64), repeat('a', 64), role,
        to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), 60, repeat('b', 64), NULL, repeat('c', 64), repeat('d', 64),
        name, '\\x00', organisation, CASE WHEN organisation IS NOT NULL THEN '\\x00'::bytea END,
        to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')
    FROM fixture;
INSERT INTO record_index (device_id, seq, name_key, org_key, role, signed_at, local_date, agreement_hash)
    SELECT device_id, seq, lower(translate(name, 'ôëŷ', 'oey')), lower(organisation), role,
        to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), to_char(at + interval '1 hour', 'YYYY-MM-DD'), repeat('a', 64)
    FROM fixture;
DROP TABLE fixture;
VACUUM ANALYZE;
";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let url = fresh_postgres_database().expect("SIGNBOOK_TEST_POSTGRES names the PostgreSQL server to measure");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = runtime.block_on(PgStore::connect(&url)).unwrap();
    let started = Instant::now();
    let kiosk7 = runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        let sql = FIXTURE.replace("$KIOSKS", &KIOSKS.to_string()).replace("$RECORDS", &RECORDS.to_string());
        client.batch_execute(&sql).await.unwrap();
        let row = client.query_one("SELECT device_id FROM devices WHERE name = 'Kiosk 7'", &[]).await.unwrap();
        Uuid::parse_str(row.get(0)).unwrap()
    });
    eprintln!("fixture: {RECORDS} records across {KIOSKS} kiosks in {:.0} s", started.elapsed().as_secs_f64());

    let term = || (NaiveDate::from_ymd_opt(2026, 1, 5), NaiveDate::from_ymd_opt(2026, 3, 27));
    let searches: Vec<(&str, RecordQuery)> = vec![
        ("no filter, newest first (page 1)", RecordQuery::default()),
        ("part of a name (\"o'brien\")", RecordQuery { name: "o'brien".into(), ..Default::default() }),
        ("two letters of a name (\"zo\")", RecordQuery { name: "zo".into(), ..Default::default() }),
        ("rare name (\"kwame mensah 19\")", RecordQuery { name: "kwame mensah 19".into(), ..Default::default() }),
        ("name + role", RecordQuery { name: "ann".into(), role: Some("governor".into()), ..Default::default() }),
        ("role + a term's dates", {
            let (from, to) = term();
            RecordQuery { role: Some("governor".into()), from, to, ..Default::default() }
        }),
        ("organisation", RecordQuery { organisation: "acme".into(), ..Default::default() }),
        ("one kiosk (a school)", RecordQuery { kiosk: Some(kiosk7), ..Default::default() }),
        ("one kiosk + name", RecordQuery { kiosk: Some(kiosk7), name: "priya".into(), ..Default::default() }),
        ("one kiosk + a term's dates", {
            let (from, to) = term();
            RecordQuery { kiosk: Some(kiosk7), from, to, ..Default::default() }
        }),
    ];
    let mut rows = Vec::new();
    for (label, query) in &searches {
        let mut times = Vec::new();
        let mut total = 0;
        for run in 0..22 {
            let t = Instant::now();
            let page = runtime.block_on(store.search_records(query, 0, 50)).unwrap();
            if run >= 2 {
                times.push(t.elapsed()); // the first two warm the cache
            }
            assert!(page.total == 0 || page.records.len() + page.damaged.len() == page.total.min(50) as usize);
            total = page.total;
        }
        times.sort();
        rows.push((
            format!("{label} → {total} matches"),
            format!("{:.1} / {:.1} ms", ms(percentile(&times, 0.5)), ms(percentile(&times, 0.99))),
        ));
    }
    println!("\n| search, {RECORDS} records, {KIOSKS} kiosks (PostgreSQL) | p50 / p99 | target |\n| --- | --- | --- |");
    for (what, value) in rows {
        println!("| {what} | {value} | ≤ 100 ms |");
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
