//! Schools ("sites") of a trust on both backends: the same answers from
//! PostgreSQL (`SIGNBOOK_TEST_POSTGRES`) as from SQLite. A kiosk paired
//! with a school's code is that school's, and so are its records, its
//! alerts and the audit lines about them; an account limited to a school
//! reads only that school's, and its session says so.

#[path = "evidence_fixture/mod.rs"]
mod evidence_fixture;
#[path = "postgres_support/mod.rs"]
mod postgres_support;

use chrono::Duration;
use evidence_fixture::Kiosk;
use postgres_support::{now, raw, sqlite};
use signbook_office::pairing::{code_hash, new_code};
use signbook_office::store::{Device, FIRST_SITE, RecordQuery, Scope, SiteId, SiteStore, StaffRole};
use signbook_office::testing::{block_on, fresh_postgres_database};
use signbook_office::{OfficeStorage, PgStore};

const OAKFIELD: SiteId = SiteId(2);
const PASSWORD: &str = "correct horse battery";

/// Pairs `kiosk` with a code issued for `site`.
async fn pair_at(store: &dyn OfficeStorage, kiosk: &Kiosk, site: SiteId) -> Device {
    let code = new_code();
    assert!(store.add_pairing_code(site, &code, now(), now() + Duration::minutes(15)).await.unwrap());
    let (key, id) = (kiosk.store.public_key(), kiosk.store.device_id());
    store.pair(&code, &code_hash(&code), id, &key, Some("Reception"), now()).await.unwrap().0
}

/// Adding and renaming schools, as text to compare backends by.
async fn schools(store: &dyn OfficeStorage) -> Vec<String> {
    let mut seen = Vec::new();
    let first = store.sites().await.unwrap();
    assert_eq!((first.len(), first[0].id), (1, FIRST_SITE), "the schema makes the first school");
    let added = store.add_site("  Oakfield   Primary ", now()).await.unwrap();
    assert_eq!((added.id, added.name.as_str()), (OAKFIELD, "Oakfield Primary"), "numbered after the first");
    for refused in [
        store.add_site("oakfield  primary", now()).await.unwrap_err(),
        store.add_site(&first[0].name.to_uppercase(), now()).await.unwrap_err(),
        store.rename_site(OAKFIELD, &first[0].name).await.unwrap_err(),
    ] {
        assert_eq!(refused.code(), "site_exists");
        seen.push(refused.to_string());
    }
    let unknown = store.rename_site(SiteId(9), "Elsewhere").await.unwrap_err();
    assert_eq!(unknown.code(), "site_unknown");
    assert!(unknown.to_string().contains('9'), "{unknown}");
    seen.push(format!("{unknown:?}"));
    assert_eq!(store.add_site("  ", now()).await.unwrap_err().code(), "input_invalid");
    store.rename_site(OAKFIELD, "OAKFIELD primary").await.unwrap();
    store.rename_site(OAKFIELD, "Oakfield Academy").await.unwrap();
    let third = store.add_site("Bryn Celyn", now()).await.unwrap();
    assert_eq!(third.id, SiteId(3), "a refused name took no number");
    let names: Vec<(SiteId, String)> = store.sites().await.unwrap().into_iter().map(|s| (s.id, s.name)).collect();
    seen.push(format!("{names:?}"));
    seen
}

/// Kiosks, records, alerts and the audit log of two schools, as text.
async fn scoped(store: &dyn OfficeStorage, oak: &Kiosk, home: &Kiosk) -> Vec<String> {
    let mut seen = Vec::new();
    let refused = store.add_pairing_code(SiteId(9), &new_code(), now(), now() + Duration::minutes(15)).await;
    assert_eq!(refused.unwrap_err().code(), "site_unknown");
    let oak_device = pair_at(store, oak, OAKFIELD).await;
    assert_eq!(oak_device.site, OAKFIELD, "the kiosk is its code's school's");
    let home_device = pair_at(store, home, FIRST_SITE).await;
    assert_eq!(store.kiosk_site(oak_device.device_id).await.unwrap(), Some(OAKFIELD));
    assert_eq!(store.device(oak_device.device_id).await.unwrap(), Some(oak_device.clone()));
    for (device, kiosk) in [(&oak_device, oak), (&home_device, home)] {
        store.ingest(device, None, kiosk.push_request(), now()).await.unwrap();
    }
    let (oak_id, home_id) = (oak_device.device_id, home_device.device_id);

    // Searches, counts and exports read only the scope's schools.
    let only = |sites: &[i64]| Scope::Sites(sites.iter().copied().map(SiteId).collect());
    let visitors = RecordQuery { role: Some("visitor".into()), ..Default::default() };
    let chosen = |site| RecordQuery { site: Some(SiteId(site)), ..Default::default() };
    for (scope, query) in [
        (Scope::Trust, RecordQuery::default()),
        (only(&[2]), RecordQuery::default()),
        (only(&[1]), RecordQuery::default()),
        (only(&[1, 2]), RecordQuery::default()),
        (only(&[]), RecordQuery::default()),
        (Scope::Trust, chosen(2)),
        (only(&[1]), chosen(2)),
        (only(&[2]), visitors.clone()),
        (only(&[1, 3]), visitors.clone()),
        (Scope::Trust, RecordQuery { kiosk: Some(oak_id), ..chosen(1) }),
    ] {
        let page = store.search_records(&scope, &query, 0, 50).await.unwrap();
        let found: Vec<(bool, u64)> =
            page.records.iter().map(|r| (r.record.header.device_id == oak_id, r.record.header.seq)).collect();
        assert_eq!(page.total, found.len() as u64, "{scope:?} {query:?}");
        assert_eq!(store.count_matching(&scope, &query).await.unwrap(), page.total);
        let mut stream = store.matching_records(&scope, &query, false).await.unwrap();
        let mut streamed = 0;
        while let Some(record) = stream.next().await {
            assert!(scope.narrowed_to(query.site).allows(if record.unwrap().record.header.device_id == oak_id {
                OAKFIELD
            } else {
                FIRST_SITE
            }));
            streamed += 1;
        }
        assert_eq!(streamed, page.total);
        seen.push(format!("{scope:?} {:?}: {found:?}", query.site));
    }
    assert!(store.stored_record(&only(&[1]), oak_id, 1).await.unwrap().is_none(), "another school's record");
    assert!(store.stored_record(&only(&[2]), oak_id, 1).await.unwrap().is_some());
    assert!(store.stored_record(&Scope::Trust, home_id, 1).await.unwrap().is_some());

    let kiosks = |scope: Scope| async move {
        let statuses = store.kiosk_statuses(&scope).await.unwrap();
        statuses.into_iter().map(|k| (k.device_id == oak_id, k.site, k.held)).collect::<Vec<_>>()
    };
    assert_eq!(kiosks(only(&[2])).await, [(true, OAKFIELD, 3)]);
    seen.push(format!("{:?} {:?}", kiosks(Scope::Trust).await, kiosks(only(&[3])).await));

    // Alerts: a kiosk's are its school's; one about no kiosk is the trust's.
    store.raise_alert(Some(oak_id), Some(1), "clock_implausible", "oak", now()).await.unwrap();
    store.raise_alert(Some(home_id), None, "clock_implausible", "home", now()).await.unwrap();
    store.raise_alert(None, None, "pairing_wrong", "nobody's", now()).await.unwrap();
    let alerts = |scope: Scope| async move {
        let rows = store.alert_rows(&scope, true).await.unwrap();
        rows.into_iter().map(|a| (a.detail, a.id, a.acknowledged.is_some())).collect::<Vec<_>>()
    };
    let every = alerts(Scope::Trust).await;
    let id_of = |detail: &str| every.iter().find(|a| a.0 == detail).unwrap().1;
    assert_eq!(alerts(only(&[2])).await.iter().map(|a| a.0.as_str()).collect::<Vec<_>>(), ["oak"]);
    for (scope, alert) in [(only(&[1]), "oak"), (only(&[1, 2]), "nobody's")] {
        let refused = store.acknowledge_alert(&scope, id_of(alert), "head", now()).await.unwrap_err();
        assert_eq!(refused.code(), "not_found", "as an unknown alert");
    }
    assert!(store.acknowledge_alert(&only(&[2]), id_of("oak"), "oak", now()).await.unwrap());
    assert!(!store.acknowledge_alert(&only(&[2]), id_of("oak"), "oak", now()).await.unwrap());
    assert!(store.acknowledge_alert(&Scope::Trust, id_of("nobody's"), "head", now()).await.unwrap());
    seen.push(format!("{every:?} {:?} {:?}", alerts(only(&[1, 2])).await, alerts(Scope::Trust).await));

    // The audit log: a school's lines, and the trust's only to the trust.
    store.audit_for(Some(OAKFIELD), "oak", "export_csv", "all records", now()).await.unwrap();
    store.audit_for(Some(FIRST_SITE), "home", "export_csv", "all records", now()).await.unwrap();
    store.audit("head", "user_added", "oak", now()).await.unwrap();
    let refused = store.erase_record(&only(&[1]), oak_id, 2, "request 7", "home", now()).await.unwrap_err();
    assert_eq!(refused.code(), "input_invalid", "another school's record, as one not held");
    store.erase_record(&only(&[2]), oak_id, 2, "request 7", "oak", now()).await.unwrap();
    // Configurations issued to a school's kiosks are that school's lines
    // (numbered by the kiosk id): counted apart.
    let issued = |scope: Scope| async move {
        let entries = store.audit_log(&scope, 100).await.unwrap();
        entries.iter().filter(|e| e.action == "configuration_issued").map(|e| e.site).collect::<Vec<_>>()
    };
    assert_eq!(issued(only(&[2])).await, [Some(OAKFIELD)], "its kiosk's first configuration");
    let log = |scope: Scope| async move {
        let entries = store.audit_log(&scope, 100).await.unwrap();
        entries
            .into_iter()
            .filter(|e| e.action != "configuration_issued")
            .map(|e| format!("{} {} {:?}", e.actor, e.action, e.site))
            .collect::<Vec<_>>()
    };
    assert_eq!(log(only(&[2])).await, ["oak erasure Some(SiteId(2))", "oak export_csv Some(SiteId(2))"]);
    seen.push(format!("{:?} {:?}", log(only(&[1])).await, log(Scope::Trust).await));
    seen
}

/// Accounts limited to schools, and the scope their sessions carry.
async fn accounts(store: &dyn OfficeStorage) -> Vec<String> {
    let t = now().timestamp();
    store.add_user("Head", PASSWORD, StaffRole::Admin, now()).await.unwrap();
    store.add_user("Oak.Office", PASSWORD, StaffRole::Records, now()).await.unwrap();
    store.set_account_sites("oak.office", &[OAKFIELD]).await.unwrap();
    let unknown = store.set_account_sites("oak.office", &[OAKFIELD, SiteId(9)]).await.unwrap_err();
    assert_eq!(unknown.code(), "site_unknown");
    assert_eq!(store.set_account_sites("nobody", &[OAKFIELD]).await.unwrap_err().code(), "unknown_account");
    assert_eq!(store.account_sites("OAK.OFFICE").await.unwrap(), [OAKFIELD], "unchanged by the refusal");
    let token = store.start_session("oak.office", t).await.unwrap();
    let session = store.session(&token, t).await.unwrap().unwrap();
    assert_eq!(session.scope, Scope::Sites(vec![OAKFIELD]));
    let head = store.start_session("head", t).await.unwrap();
    assert_eq!(store.session(&head, t).await.unwrap().unwrap().scope, Scope::Trust);
    store.set_account_sites("Oak.Office", &[SiteId(3), OAKFIELD, SiteId(3)]).await.unwrap();
    let listed: Vec<(String, Vec<SiteId>)> =
        store.users().await.unwrap().into_iter().map(|a| (a.username, a.sites)).collect();
    assert_eq!(listed[1].1, [OAKFIELD, SiteId(3)], "in order, once each");
    let wider = store.session(&token, t).await.unwrap().unwrap().scope;
    store.set_account_sites("oak.office", &[]).await.unwrap();
    let trust = store.session(&token, t).await.unwrap().unwrap().scope;
    assert_eq!(trust, Scope::Trust, "no schools: the trust's account");
    vec![format!("{unknown} {listed:?} {wider:?}")]
}

/// A kiosk for Oakfield (three records) and one for the first school (two).
fn kiosks() -> (Kiosk, Kiosk) {
    let oak = Kiosk::with(&[
        ("visitor", "Ann Hughes", None),
        ("visitor", "Sam Lee", Some("Acme")),
        ("staff", "Zoë Ray", None),
    ]);
    (oak, Kiosk::with(&[("visitor", "Tom Price", None), ("governor", "Tina Price", None)]))
}

async fn scenario(store: &dyn OfficeStorage, oak: &Kiosk, home: &Kiosk) -> Vec<String> {
    let mut seen = schools(store).await;
    seen.extend(scoped(store, oak, home).await);
    seen.extend(accounts(store).await);
    seen
}

#[test]
fn schools_scope_kiosks_records_alerts_audit_and_sessions_as_on_sqlite() {
    let Some(url) = fresh_postgres_database() else { return };
    let (oak, home) = kiosks();
    block_on(async {
        let pg = PgStore::connect(&url).await.unwrap();
        let (office, _dir) = sqlite();
        let on_postgres = scenario(&pg, &oak, &home).await;
        assert_eq!(on_postgres, scenario(&office, &oak, &home).await, "SQLite answers the same");
        // Ingest filed each record under its kiosk's school.
        let client = raw(&url).await;
        let rows = client
            .query("SELECT device_id, site_id, count(*) FROM record_index GROUP BY 1, 2 ORDER BY 2", &[])
            .await
            .unwrap();
        let filed: Vec<(String, i64, i64)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
        let id = |kiosk: &Kiosk| kiosk.store.device_id().hyphenated().to_string();
        assert_eq!(filed, [(id(&home), 1, 2), (id(&oak), 2, 3)]);
    });
}

#[test]
fn a_schools_office_copied_into_postgres_keeps_its_schools() {
    let Some(url) = fresh_postgres_database() else { return };
    let (oak, home) = kiosks();
    block_on(async {
        let (office, dir) = sqlite();
        scenario(&office, &oak, &home).await;
        office.set_account_sites("oak.office", &[OAKFIELD]).await.unwrap();
        let pg = PgStore::connect(&url).await.unwrap();
        pg.copy_in_sqlite(&signbook_office::db_path(dir.path())).await.unwrap();
        let names = |sites: Vec<signbook_office::store::Site>| sites.into_iter().skip(1).collect::<Vec<_>>();
        assert_eq!(
            names(pg.sites().await.unwrap()),
            names(office.sites().await.unwrap()),
            "the schools after the first"
        );
        assert_eq!(pg.account_sites("oak.office").await.unwrap(), [OAKFIELD]);
        let oak_id = oak.store.device_id();
        assert_eq!(pg.kiosk_site(oak_id).await.unwrap(), Some(OAKFIELD));
        let scope = Scope::Sites(vec![OAKFIELD]);
        for store in [&pg as &dyn OfficeStorage, &office] {
            assert_eq!(store.count_matching(&scope, &RecordQuery::default()).await.unwrap(), 3);
            let log = store.audit_log(&scope, 100).await.unwrap();
            // Its export and erasure, and its kiosk's first configuration.
            assert_eq!(log.len(), 3, "{log:?}");
        }
        assert_eq!(pg.add_site("Llanfair", now()).await.unwrap().id, SiteId(4), "numbered after the copied ones");
    });
}
