//! Reading records on the PostgreSQL backend, on a real server
//! (`SIGNBOOK_TEST_POSTGRES`): what staff search, open, export and verify
//! reads the same as on SQLite, and a tampered row is named the same way.
//!
//! Each fixture (`postgres_read_fixture`) holds the same rows on both backends,
//! so every answer is compared with SQLite's.

mod postgres_read_fixture;

use chrono::{NaiveDate, Utc};
use postgres_read_fixture::{drain, fixture, names, tamper};
use signbook_core::verify::ProblemKind;
use signbook_office::store::{FIRST_SITE, SEARCH_COUNT_CAP, Scope};
use signbook_office::store::{IntegrityStore, RecordQuery, RecordStore};
use signbook_office::testing::{block_on, fresh_postgres_database};

#[test]
fn staff_searches_find_the_same_records_newest_first_on_both_backends() {
    let Some(url) = fresh_postgres_database() else { return };
    block_on(async {
        let f = fixture(&url).await;
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 5, d);
        let named = |name: &str| RecordQuery { name: name.into(), ..Default::default() };
        let cases: Vec<(RecordQuery, Vec<(&str, &str)>)> = vec![
            (named("  ZOE "), vec![("Main reception", "Zoe Jones"), ("Main reception", "Zoë O'Brien")]),
            (named("o’brien"), vec![("Main reception", "Zoë O'Brien")]),
            // `%` and `_` are letters to search for, not wildcards.
            (named("50%_"), vec![("Main reception", "Rhys 50%_Off")]),
            (named("0%"), vec![("Main reception", "Rhys 50%_Off")]),
            (named("n%"), vec![]),
            // An erased record is no longer found by its name.
            (named("hughes"), vec![]),
            (
                RecordQuery { organisation: "acme".into(), ..Default::default() },
                vec![("Main reception", "Rhys 50%_Off"), ("Main reception", "Tom Price")],
            ),
            (
                RecordQuery { role: Some("governor".into()), ..Default::default() },
                vec![("Sports hall", "Siân Llŷr"), ("Main reception", "Zoë O'Brien")],
            ),
            // The kiosk's local day: 00:30 BST on the 21st is the 20th in UTC.
            (
                RecordQuery { from: day(21), to: day(21), ..Default::default() },
                vec![("Sports hall", "Tom Evans"), ("Main reception", "Zoe Jones"), ("Main reception", "Tom Price")],
            ),
            (
                RecordQuery { from: day(22), ..Default::default() },
                vec![("Main reception", "Rhys 50%_Off"), ("Main reception", "(erased)"), ("Sports hall", "Siân Llŷr")],
            ),
            (
                RecordQuery { kiosk: Some(f.b.store.device_id()), ..Default::default() },
                vec![("Sports hall", "Siân Llŷr"), ("Sports hall", "Tom Evans")],
            ),
            (
                RecordQuery {
                    role: Some("visitor".into()),
                    to: day(21),
                    kiosk: Some(f.a.store.device_id()),
                    ..Default::default()
                },
                vec![("Main reception", "Zoe Jones"), ("Main reception", "Tom Price")],
            ),
        ];
        for (query, expected) in cases {
            let page = f.pg.search_records(&Scope::Trust, &query, 0, 50).await.unwrap();
            let expected: Vec<(String, String)> =
                expected.iter().map(|(k, n)| (k.to_string(), n.to_string())).collect();
            assert_eq!(names(&page.records), expected, "{}", query.describe());
            assert_eq!(page.total, expected.len() as u64, "{}", query.describe());
            assert!(page.damaged.is_empty());
            assert_eq!(f.pg.count_matching(&Scope::Trust, &query).await.unwrap(), page.total);
            let on_sqlite = f.sqlite.search_records(&Scope::Trust, &query, 0, 50).await.unwrap();
            assert_eq!((page.records, page.total), (on_sqlite.records, on_sqlite.total), "{}", query.describe());
        }

        // Pages of two: newest first, the total on every page.
        let all = RecordQuery::default();
        let mut seen = Vec::new();
        for offset in [0, 2, 4, 6] {
            let page = f.pg.search_records(&Scope::Trust, &all, offset, 2).await.unwrap();
            assert_eq!(page.total, 7);
            let sqlite = f.sqlite.search_records(&Scope::Trust, &all, offset, 2).await.unwrap();
            assert_eq!(page.records, sqlite.records, "page at {offset}");
            seen.extend(page.records);
        }
        assert_eq!(seen.len(), 7);
        assert!(seen.windows(2).all(|w| w[0].record.header.signed_at >= w[1].record.header.signed_at));

        // The unfiltered total comes from counts the database keeps: a
        // record indexed again (ingest's upsert) is not counted twice.
        f.raw
            .execute(
                "INSERT INTO record_index SELECT * FROM record_index WHERE seq = 1
                 ON CONFLICT (device_id, seq) DO UPDATE SET role = EXCLUDED.role",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(f.pg.count_matching(&Scope::Trust, &all).await.unwrap(), 7);
        assert_eq!(f.sqlite.count_matching(&Scope::Trust, &all).await.unwrap(), 7);
    });
}

#[test]
fn a_record_reads_back_as_it_was_signed_and_exports_stream_every_record_in_order() {
    let Some(url) = fresh_postgres_database() else { return };
    block_on(async {
        let f = fixture(&url).await;
        let signed = f.a.records();
        for kiosk_record in &signed {
            let h = &kiosk_record.record.header;
            let held = f.pg.stored_record(&Scope::Trust, h.device_id, h.seq).await.unwrap().expect("held");
            assert_eq!((&held.record, &held.erasure), (&kiosk_record.record, &kiosk_record.erasure), "seq {}", h.seq);
            assert_eq!(held.kiosk_name.as_deref(), Some("Main reception"));
            assert_eq!(Some(held), f.sqlite.stored_record(&Scope::Trust, h.device_id, h.seq).await.unwrap());
        }
        assert_eq!(f.pg.stored_record(&Scope::Trust, f.a.store.device_id(), 99).await.unwrap(), None);
        let erasure = f.pg.erasure_status(f.a.store.device_id(), 4).await.unwrap().expect("seq 4 is erased");
        assert_eq!(erasure.origin, "kiosk");
        assert_eq!(Some(erasure), f.sqlite.erasure_status(f.a.store.device_id(), 4).await.unwrap());
        assert_eq!(f.pg.erasure_status(f.a.store.device_id(), 3).await.unwrap(), None);

        // Exports: every record, oldest first, the same as SQLite's.
        for (query, signatures) in [
            (RecordQuery::default(), true),
            (RecordQuery::default(), false),
            (RecordQuery { role: Some("visitor".into()), ..Default::default() }, true),
        ] {
            let (pg, sqlite) = (
                drain(f.pg.matching_records(&Scope::Trust, &query, signatures).await.unwrap()).await,
                drain(f.sqlite.matching_records(&Scope::Trust, &query, signatures).await.unwrap()).await,
            );
            assert_eq!(pg, sqlite, "{}", query.describe());
            assert!(pg.windows(2).all(|w| w[0].record.header.signed_at <= w[1].record.header.signed_at));
            let with_png = pg.iter().filter_map(|r| r.record.personal.as_ref()).all(|p| !p.signature_png.is_empty());
            assert_eq!(with_png, signatures);
        }
        assert_eq!(
            drain(f.pg.matching_records(&Scope::Trust, &RecordQuery::default(), true).await.unwrap()).await.len(),
            7
        );

        // Agreement texts and how many records name each.
        let agreements = f.pg.agreements(&Scope::Trust).await.unwrap();
        assert_eq!(agreements, f.sqlite.agreements(&Scope::Trust).await.unwrap());
        let none = Scope::Sites(vec![]);
        assert_eq!(f.pg.agreements(&none).await.unwrap(), f.sqlite.agreements(&none).await.unwrap());
        assert_eq!(agreements.iter().map(|(_, n)| n).sum::<u64>(), 7);
        let (text, _) = &agreements[0];
        assert_eq!(f.pg.agreement(&text.hash).await.unwrap().as_ref(), Some(text));
    });
}

#[test]
fn intact_chains_verify_and_kiosk_views_match_sqlite() {
    let Some(url) = fresh_postgres_database() else { return };
    block_on(async {
        let f = fixture(&url).await;
        let reports = f.pg.verify().await.unwrap();
        assert_eq!(reports.len(), 2);
        assert!(reports.iter().all(|r| r.is_intact()), "{reports:?}");
        let a = reports.iter().find(|r| r.device_id == f.a.store.device_id()).unwrap();
        assert_eq!((a.records, a.erased, a.checkpoints, a.head_seq), (5, 1, 1, Some(6)), "the erasure entry is seq 6");
        assert_eq!(reports, f.sqlite.verify().await.unwrap());

        let device = f.a.store.device_id();
        assert_eq!(f.pg.record_count(device).await.unwrap(), 5);
        assert_eq!(f.pg.record_hashes(device).await.unwrap(), f.sqlite.record_hashes(device).await.unwrap());
        let chain = f.pg.chain_entries(device, 6).await.unwrap();
        assert_eq!(chain.iter().map(|e| e.seq()).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6]);
        assert_eq!(chain, f.sqlite.chain_entries(device, 6).await.unwrap());
        assert_eq!(f.pg.chain_entries(device, 3).await.unwrap(), f.sqlite.chain_entries(device, 3).await.unwrap());
        assert_eq!(f.pg.checkpoint_covering(device, 2).await.unwrap(), Some(6));
        assert_eq!(f.pg.checkpoint_covering(device, 7).await.unwrap(), None);
        assert_eq!(f.pg.kiosk_heads().await.unwrap(), f.sqlite.kiosk_heads().await.unwrap());
        assert_eq!(f.pg.devices().await.unwrap(), f.sqlite.devices().await.unwrap());
        let statuses = f.pg.kiosk_statuses(&Scope::Trust).await.unwrap();
        assert_eq!(statuses, f.sqlite.kiosk_statuses(&Scope::Trust).await.unwrap());
        assert_eq!(
            statuses.iter().map(|s| (s.held, s.last_checkpoint)).collect::<Vec<_>>(),
            [(6, Some(6)), (2, Some(2))]
        );
    });
}

#[test]
fn alerts_are_listed_and_acknowledged_once() {
    let Some(url) = fresh_postgres_database() else { return };
    block_on(async {
        let f = fixture(&url).await;
        let device = f.a.store.device_id().to_string();
        f.raw
            .execute(
                "INSERT INTO alerts (device_id, seq, kind, detail, raised_at) VALUES
                    ($1, 3, 'fork', 'two records 3', '2026-05-22T08:00:00.000Z'),
                    (NULL, NULL, 'login_locked_out', 'j.evans locked out', '2026-05-22T09:00:00.000Z')",
                &[&device],
            )
            .await
            .unwrap();
        let alerts = f.pg.alerts().await.unwrap();
        assert_eq!(
            alerts.iter().map(|a| (a.kind.as_str(), a.seq)).collect::<Vec<_>>(),
            [("fork", Some(3)), ("login_locked_out", None)]
        );
        assert_eq!(alerts[0].device_id, Some(f.a.store.device_id()));
        let open = f.pg.alert_rows(&Scope::Trust, false).await.unwrap();
        assert_eq!(
            open.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>(),
            ["login_locked_out", "fork"],
            "newest first"
        );
        let now = Utc::now();
        assert!(f.pg.acknowledge_alert(&Scope::Trust, open[1].id, "j.evans", now).await.unwrap());
        assert!(
            !f.pg.acknowledge_alert(&Scope::Trust, open[1].id, "j.evans", now).await.unwrap(),
            "already acknowledged"
        );
        assert_eq!(f.pg.acknowledge_alert(&Scope::Trust, 9999, "j.evans", now).await.unwrap_err().code(), "not_found");
        assert_eq!(f.pg.alert_rows(&Scope::Trust, false).await.unwrap().len(), 1);
        let all = f.pg.alert_rows(&Scope::Trust, true).await.unwrap();
        assert_eq!(all[1].acknowledged.as_ref().map(|(_, by)| by.as_str()), Some("j.evans"));
        assert_eq!(f.pg.kiosk_statuses(&Scope::Trust).await.unwrap()[0].open_alerts, 0);
    });
}

#[test]
fn a_tampered_row_is_named_as_sqlite_names_it() {
    let Some(url) = fresh_postgres_database() else { return };
    // Each on a fresh copy: (what was done, the SQL, the record named).
    let cases = [
        ("a hash that is not one", "UPDATE records SET record_hash = 'not a hash' WHERE seq = 3", 3),
        ("another record's hash", "UPDATE records SET record_hash = prev_hash WHERE seq = 2", 2),
        ("a name put back into an erased record", "UPDATE records SET name = 'Mallory' WHERE seq = 4", 4),
        (
            "an organisation added where there was none",
            "UPDATE records SET organisation = 'Evil Corp' WHERE seq = 3",
            3,
        ),
        (
            "a record cut out of the chain",
            "DELETE FROM record_index WHERE seq = 2; DELETE FROM records WHERE seq = 2",
            2,
        ),
    ];
    let base = url.rsplit_once('/').unwrap().0.to_owned();
    for (i, (what, sql, seq)) in cases.into_iter().enumerate() {
        let url = if i == 0 { url.clone() } else { fresh_postgres_database().unwrap() };
        assert!(url.starts_with(&base));
        block_on(async {
            let f = fixture(&url).await;
            let device = f.a.store.device_id();
            let sql = sql.replace("WHERE seq", &format!("WHERE device_id = '{device}' AND seq"));
            tamper(&f, &sql).await;
            let reports = f.pg.verify().await.unwrap();
            let report = reports.iter().find(|r| r.device_id == device).unwrap();
            let problem = report.problem.as_ref().unwrap_or_else(|| panic!("{what}: went unnoticed"));
            assert_eq!(problem.seq, seq, "{what}: {problem}");
            assert_eq!(reports, f.sqlite.verify().await.unwrap(), "{what}: named as SQLite names it");
            assert!(reports.iter().any(|r| r.device_id == f.b.store.device_id() && r.is_intact()), "{what}");
            if let ProblemKind::Unreadable { .. } = problem.kind {
                // Opening it says what is wrong; search lists it as damaged.
                let err = f.pg.stored_record(&Scope::Trust, device, seq).await.unwrap_err();
                assert_eq!(err.code(), "damaged_record", "{what}");
                assert_eq!(
                    err.to_string(),
                    f.sqlite.stored_record(&Scope::Trust, device, seq).await.unwrap_err().to_string()
                );
                let page = f.pg.search_records(&Scope::Trust, &RecordQuery::default(), 0, 50).await.unwrap();
                assert_eq!(page.damaged.iter().map(|d| d.seq).collect::<Vec<_>>(), [seq], "{what}");
                assert_eq!((page.records.len(), page.total), (6, 7), "{what}");
                // An export stops at it rather than leave it out.
                let mut stream = f.pg.matching_records(&Scope::Trust, &RecordQuery::default(), false).await.unwrap();
                let mut ended = None;
                while let Some(next) = stream.next().await {
                    if let Err(e) = next {
                        ended = Some(e.code());
                    }
                }
                assert_eq!(ended, Some("damaged_record"), "{what}");
            }
        });
    }
}

/// A page counts at most `SEARCH_COUNT_CAP` (10,000) matches on both
/// backends: past it the total is the cap and `more` says there are more;
/// at or under it, the exact number. `count_matching` (exports' limits)
/// stays exact. The entries are added to the index alone, by SQL: the
/// count reads nothing else, and 20,000 signed records would take minutes.
#[test]
fn a_page_counts_up_to_ten_thousand_matches_and_says_when_there_are_more() {
    let Some(url) = fresh_postgres_database() else { return };
    block_on(async {
        let f = fixture(&url).await;
        assert_eq!(SEARCH_COUNT_CAP, 10_000);
        tamper(
            &f,
            &format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {})
                 INSERT INTO record_index (signed_at, device_id, seq, name_key, role, local_date, agreement_hash, site_id)
                 SELECT '2020-01-01T00:00:00Z', '{}', 1000 + i,
                        CASE WHEN i <= {} THEN 'capped many' ELSE 'capped just' END, 'visitor', '2020-01-01', 'none', 1
                 FROM n",
                2 * SEARCH_COUNT_CAP + 1,
                f.a.store.device_id(),
                SEARCH_COUNT_CAP + 1
            ),
        )
        .await;
        let named = |name: &str| RecordQuery { name: name.into(), ..Default::default() };
        let school = Scope::Sites(vec![FIRST_SITE]);
        for (query, scope, total, more, exact) in [
            (named("capped many"), &Scope::Trust, SEARCH_COUNT_CAP, true, SEARCH_COUNT_CAP + 1),
            (named("capped"), &school, SEARCH_COUNT_CAP, true, 2 * SEARCH_COUNT_CAP + 1),
            (named("capped just"), &Scope::Trust, SEARCH_COUNT_CAP, false, SEARCH_COUNT_CAP),
            (named("capped just"), &school, SEARCH_COUNT_CAP, false, SEARCH_COUNT_CAP),
            (named("zoe"), &Scope::Trust, 2, false, 2),
        ] {
            let what = format!("{} {scope:?}", query.describe());
            let pg = f.pg.search_records(scope, &query, 0, 50).await.unwrap();
            assert_eq!((pg.total, pg.more), (total, more), "{what}");
            let sqlite = f.sqlite.search_records(scope, &query, 0, 50).await.unwrap();
            assert_eq!((sqlite.total, sqlite.more), (total, more), "{what}");
            assert_eq!(f.pg.count_matching(scope, &query).await.unwrap(), exact, "{what}");
            assert_eq!(f.sqlite.count_matching(scope, &query).await.unwrap(), exact, "{what}");
        }
    });
}
