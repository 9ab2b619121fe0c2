//! Dashboard search over a trust's 2,000,000 records across 50 schools, on
//! PostgreSQL (issue 18): p99 at most 100 ms, and a school's search no
//! slower than the trust's.
//!
//! Run: `SIGNBOOK_TEST_POSTGRES=postgres://… cargo bench -p signbook-office
//! --bench trust_search` (release build, a few minutes to build the data).
//! The data is left in its database, named on stderr, for `EXPLAIN
//! ANALYZE` in psql; `SIGNBOOK_TRUST_SEARCH_DATABASE=<that URL>` times the
//! searches again on it without building it anew (say after creating an
//! index by hand). Drop it when done: it is about 3 GB.
//!
//! Each search shape is timed three ways: the trust's staff over every
//! school (`Scope::Trust`), a school's staff (`Scope::Sites([k])`), and the
//! trust's staff choosing one school (`Scope::Trust`, `query.site = k`),
//! k turning over the 50 schools run by run.
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
use signbook_office::store::{RecordQuery, RecordStore, Scope, SiteId};
use signbook_office::testing::fresh_postgres_database;
use uuid::Uuid;

/// One kiosk per school: kiosk n is school n + 1's.
const SCHOOLS: i64 = 50;
const RECORDS: i64 = 2_000_000;
/// Timed runs of each case, after two that warm the cache: two per school,
/// so that p99 is not simply the slowest run.
const RUNS: usize = 100;
const TARGET_MS: f64 = 100.0;

/// Fifty schools (site 1, which the migration makes, renamed) with a kiosk
/// each, and two million rows: record i is kiosk i % 50's, one every ~16 s
/// from 2025-09-01 (a school year and more). Names, organisations and roles
/// follow the kiosk's own count (i / 50), not i, so that every school has
/// the trust's mix of them: from i % 5 each school would have had one role.
///
/// The indexes of `record_index` are dropped for the load and made again
/// from their own definitions: two million rows inserted into trigram
/// indexes one by one take far longer than building them once.
const FIXTURE: &str = "
SET maintenance_work_mem = '256MB';
UPDATE sites SET name = 'School 1', name_key = 'school 1' WHERE id = 1;
INSERT INTO sites (name, name_key, created_at)
    SELECT 'School ' || n, 'school ' || n, '2025-08-31T00:00:00Z' FROM generate_series(2, $SCHOOLS) n;
INSERT INTO devices (device_id, public_key, name, paired_at, site_id)
    SELECT d.id, decode(repeat('00', 32), 'hex'), 'Kiosk ' || d.n, '2025-08-31T00:00:00.000Z', d.n + 1
    FROM (SELECT n, substr(md5('kiosk' || n), 1, 8) || '-0000-4000-8000-' || substr(md5('kiosk' || n), 1, 12) AS id
          FROM generate_series(0, $SCHOOLS - 1) n) d;
CREATE TEMP TABLE fixture AS
    SELECT i, substr(md5('kiosk' || (i % $SCHOOLS)), 1, 8) || '-0000-4000-8000-' || substr(md5('kiosk' || (i % $SCHOOLS)), 1, 12) AS device_id,
        i / $SCHOOLS + 1 AS seq,
        (ARRAY['Ann','Siôn','Zoë','Gareth','Mohammed','Aoife','Priya','Tomasz','Eleri','Kwame','Ffion','Dafydd'])[(i / $SCHOOLS) % 12 + 1]
          || ' ' || (ARRAY['Hughes','O''Brien','Jones','Al-Farsi','Nowak','Evans','Patel','Mensah','Llŷr','Price'])[(i / $SCHOOLS / 7) % 10 + 1]
          || ' ' || i AS name,
        CASE WHEN (i / $SCHOOLS) % 5 = 0 THEN 'Acme Building Services Ltd' END AS organisation,
        (ARRAY['visitor','governor','staff','volunteer','contractor'])[(i / $SCHOOLS) % 5 + 1] AS role,
        timestamp '2025-09-01' + (i * interval '16 seconds') AS at
    FROM generate_series(0, $RECORDS - 1) i;
INSERT INTO records (device_id, seq, id, prev_hash, agreement_hash, role, signed_at, utc_offset_minutes, name_digest,
        organisation_digest, signature_digest, record_hash, name, name_salt, organisation, organisation_salt, received_at)
    SELECT device_id, seq, md5(i::text)::uuid::text, repeat('0', 64), repeat('a', 64), role,
        to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), 60, repeat('b', 64), NULL, repeat('c', 64), repeat('d', 64),
        name, '\\x00', organisation, CASE WHEN organisation IS NOT NULL THEN '\\x00'::bytea END,
        to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')
    FROM fixture;
CREATE TEMP TABLE saved_indexes AS
    SELECT indexname, indexdef FROM pg_indexes
    WHERE schemaname = 'public' AND tablename = 'record_index' AND indexname <> 'record_index_pkey';
DO $$DECLARE saved record; BEGIN
    FOR saved IN SELECT indexname FROM saved_indexes LOOP EXECUTE format('DROP INDEX %I', saved.indexname); END LOOP;
END$$;
ALTER TABLE record_index DISABLE TRIGGER record_index_counted_inserts;
INSERT INTO record_index (device_id, seq, name_key, org_key, role, signed_at, local_date, agreement_hash, site_id)
    SELECT f.device_id, f.seq, lower(translate(f.name, 'ôëŷ', 'oey')), lower(f.organisation), f.role,
        to_char(f.at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), to_char(f.at + interval '1 hour', 'YYYY-MM-DD'), repeat('a', 64),
        d.site_id
    FROM fixture f JOIN devices d ON d.device_id = f.device_id;
ALTER TABLE record_index ENABLE TRIGGER record_index_counted_inserts;
INSERT INTO record_index_counts SELECT device_id, count(*) FROM record_index GROUP BY device_id;
DO $$DECLARE saved record; BEGIN
    FOR saved IN SELECT indexdef FROM saved_indexes LOOP EXECUTE saved.indexdef; END LOOP;
END$$;
DROP TABLE fixture, saved_indexes;
";

/// Whose search a case is.
#[derive(Clone, Copy, PartialEq)]
enum Who {
    Trust,
    SchoolAccount,
    TrustChoosingSchool,
}

impl Who {
    fn label(self) -> &'static str {
        match self {
            Who::Trust => "trust-wide",
            Who::SchoolAccount => "school account",
            Who::TrustChoosingSchool => "trust, one school chosen",
        }
    }
}

/// One case's figures.
struct Case {
    shape: &'static str,
    who: Who,
    /// The fewest and most matches over the runs, and whether a count
    /// stopped at the page's cap ("more than").
    matches: (u64, u64, bool),
    p50: Duration,
    p99: Duration,
    max: Duration,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (url, fresh) = match std::env::var("SIGNBOOK_TRUST_SEARCH_DATABASE") {
        Ok(url) => (url, false),
        Err(_) => {
            (fresh_postgres_database().expect("SIGNBOOK_TEST_POSTGRES names the PostgreSQL server to measure"), true)
        }
    };
    eprintln!("database: {url}");
    let store = runtime.block_on(PgStore::connect(&url)).unwrap();
    let started = Instant::now();
    // kiosks[k - 1] is school k's kiosk.
    let kiosks: Vec<Uuid> = runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        if fresh {
            let sql = FIXTURE.replace("$SCHOOLS", &SCHOOLS.to_string()).replace("$RECORDS", &RECORDS.to_string());
            client.batch_execute(&sql).await.unwrap();
            // Apart: VACUUM cannot run in the one transaction a batch of statements is.
            client.batch_execute("VACUUM ANALYZE").await.unwrap();
        }
        let rows = client.query("SELECT device_id FROM devices ORDER BY site_id", &[]).await.unwrap();
        rows.iter().map(|row| Uuid::parse_str(row.get(0)).unwrap()).collect()
    });
    assert_eq!(kiosks.len() as i64, SCHOOLS, "one kiosk per school");
    if fresh {
        eprintln!("fixture: {RECORDS} records across {SCHOOLS} schools in {:.0} s", started.elapsed().as_secs_f64());
    }

    let term = || (NaiveDate::from_ymd_opt(2026, 1, 5), NaiveDate::from_ymd_opt(2026, 3, 27));
    // The bool: the shape names a kiosk, the chosen school's own.
    let shapes: Vec<(&str, RecordQuery, bool)> = vec![
        ("no filter, newest first (page 1)", RecordQuery::default(), false),
        ("part of a name (\"o'brien\")", RecordQuery { name: "o'brien".into(), ..Default::default() }, false),
        ("two letters of a name (\"zo\")", RecordQuery { name: "zo".into(), ..Default::default() }, false),
        (
            "rare name (\"kwame mensah 19\")",
            RecordQuery { name: "kwame mensah 19".into(), ..Default::default() },
            false,
        ),
        ("name + role", RecordQuery { name: "ann".into(), role: Some("governor".into()), ..Default::default() }, false),
        (
            "role + a term's dates",
            {
                let (from, to) = term();
                RecordQuery { role: Some("governor".into()), from, to, ..Default::default() }
            },
            false,
        ),
        ("organisation", RecordQuery { organisation: "acme".into(), ..Default::default() }, false),
        ("one kiosk", RecordQuery::default(), true),
        ("one kiosk + name", RecordQuery { name: "priya".into(), ..Default::default() }, true),
        (
            "one kiosk + a term's dates",
            {
                let (from, to) = term();
                RecordQuery { from, to, ..Default::default() }
            },
            true,
        ),
    ];
    let mut cases = Vec::new();
    for (shape, query, by_kiosk) in &shapes {
        for who in [Who::Trust, Who::SchoolAccount, Who::TrustChoosingSchool] {
            let mut times = Vec::new();
            let mut matches = (u64::MAX, 0, false);
            for run in 0..RUNS + 2 {
                let school = SiteId(run as i64 % SCHOOLS + 1);
                let mut query = query.clone();
                if *by_kiosk {
                    query.kiosk = Some(kiosks[(school.0 - 1) as usize]);
                }
                let scope = match who {
                    Who::Trust => Scope::Trust,
                    Who::SchoolAccount => Scope::Sites(vec![school]),
                    Who::TrustChoosingSchool => {
                        query.site = Some(school);
                        Scope::Trust
                    }
                };
                let t = Instant::now();
                let page = runtime.block_on(store.search_records(&scope, &query, 0, 50)).unwrap();
                if run >= 2 {
                    times.push(t.elapsed()); // the first two warm the cache
                }
                assert!(page.total == 0 || page.records.len() + page.damaged.len() == page.total.min(50) as usize);
                matches = (matches.0.min(page.total), matches.1.max(page.total), matches.2 || page.more);
            }
            times.sort();
            cases.push(Case {
                shape,
                who,
                matches,
                p50: percentile(&times, 0.5),
                p99: percentile(&times, 0.99),
                max: times[times.len() - 1],
            });
        }
    }

    println!(
        "\n| search, {RECORDS} records, {SCHOOLS} schools (PostgreSQL) | whose | matches | p50 / p99 / max | target |\n\
         | --- | --- | --- | --- | --- |"
    );
    for case in &cases {
        let matches = match case.matches {
            (_, max, true) => format!("more than {max}"),
            (min, max, false) if min == max => min.to_string(),
            (min, max, false) => format!("{min}-{max}"),
        };
        println!(
            "| {} | {} | {matches} | {:.1} / {:.1} / {:.1} ms | p99 ≤ {TARGET_MS} ms |",
            case.shape,
            case.who.label(),
            ms(case.p50),
            ms(case.p99),
            ms(case.max)
        );
    }

    let over: Vec<String> = cases
        .iter()
        .filter(|c| ms(c.p99) > TARGET_MS)
        .map(|c| format!("{} ({}, {:.0} ms)", c.shape, c.who.label(), ms(c.p99)))
        .collect();
    println!(
        "\nverdict: p99 ≤ {TARGET_MS} ms: {}",
        if over.is_empty() {
            format!("MET in all {} cases", cases.len())
        } else {
            format!("NOT MET in {} of {} cases: {}", over.len(), cases.len(), over.join("; "))
        }
    );
    // Two runs of the same search differ by a few per cent and a fraction
    // of a millisecond on a shared machine: "slower" is beyond that.
    let slower = |school: Duration, trust: Duration| ms(school) > ms(trust) * 1.1 + 1.0;
    let mut slow_shapes = Vec::new();
    for trust in cases.iter().filter(|c| c.who == Who::Trust) {
        for school in cases.iter().filter(|c| c.shape == trust.shape && c.who != Who::Trust) {
            if slower(school.p50, trust.p50) || slower(school.p99, trust.p99) {
                slow_shapes.push(format!(
                    "{} ({}: {:.1} / {:.1} ms against {:.1} / {:.1} ms)",
                    trust.shape,
                    school.who.label(),
                    ms(school.p50),
                    ms(school.p99),
                    ms(trust.p50),
                    ms(trust.p99)
                ));
            }
        }
    }
    println!(
        "verdict: school-scoped no slower than trust-wide (p50 and p99 within 10 % + 1 ms): {}",
        if slow_shapes.is_empty() {
            format!("MET for all {} shapes", shapes.len())
        } else {
            format!("NOT MET in {} cases: {}", slow_shapes.len(), slow_shapes.join("; "))
        }
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
