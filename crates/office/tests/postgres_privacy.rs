//! The roster, retention, erasure, the purge and the audit log on the
//! PostgreSQL backend, against a real server (`SIGNBOOK_TEST_POSTGRES`):
//! the same answers as SQLite's over the same kiosk's records, no personal
//! data left where a record was erased, and right when two office servers
//! share the database.
//!
//! The records come from `postgres_fixture`: a push for SQLite, plain SQL
//! for PostgreSQL (whose ingest is not written yet).

#[path = "evidence_fixture/mod.rs"]
mod evidence_fixture;
mod postgres_fixture;

use std::future::Future;

use chrono::Duration;
use evidence_fixture::Kiosk;
use postgres_fixture::{ROLES, hold_in_postgres, now, raw, sqlite_office};
use signbook_office::PgStore;
use signbook_office::store::{FIRST_SITE, Scope};
use signbook_office::store::{PrivacyStore, RosterStatus, RosterStore, SiteStore, StaffRole, StaffStore, parse_roster};
use signbook_office::testing::fresh_postgres_database;
use signbook_office::tls::{OfficeIdentity, OfficeSigner};
use uuid::Uuid;

const PEOPLE: &[(&str, &str, Option<&str>)] = &[
    ("visitor", "Ann Hughes", None),
    ("visitor", "Samuel Lee", Some("Acme Ltd")),
    ("governor", "Tom Price", None),
    ("staff", "Zoë Ray", None),
    ("governor", "Tina Price", None),
];
const ROSTER: &str = "name,role,email\nAnn Hughes,visitor,\nSam Lee,visitor,sam@example.org\nTom Price,governor,\n\
                      Zoe Ray,staff,\nzoë  ray,staff,\nPat Kay,cleaner,\nTam Price,governor,\n";

fn run<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap().block_on(future)
}

/// The roster, retention, erasure and purge pages through one scenario, as
/// text to compare backends by.
async fn privacy_scenario<S>(store: &S, device: Uuid, signer: &OfficeSigner) -> Vec<String>
where
    S: PrivacyStore + RosterStore + StaffStore + SiteStore,
{
    let now = now();
    let mut seen = Vec::new();
    store.add_user("head", "correct horse battery", StaffRole::Admin, now).await.unwrap();
    store.replace_roster(FIRST_SITE, &parse_roster(ROSTER.as_bytes()).unwrap(), "head", now).await.unwrap();
    let status = store.roster_status(FIRST_SITE).await.unwrap();
    let names: Vec<&str> = status.iter().map(|(e, _)| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["Ann Hughes", "Sam Lee", "Tom Price", "Zoe Ray", "zoë ray", "Pat Kay", "Tam Price"],
        "in roster order"
    );
    let outstanding =
        |possible: &[&str]| RosterStatus::Outstanding { possible: possible.iter().map(|&n| n.into()).collect() };
    assert!(matches!(status[0].1, RosterStatus::Signed { seq: 1, .. }), "{status:?}");
    assert_eq!(status[1].1, outstanding(&["Samuel Lee"]), "a possible match, never counted as signed");
    assert!(matches!(status[2].1, RosterStatus::Signed { seq: 3, .. }));
    assert_eq!(status[3].1, RosterStatus::Ambiguous { with: vec!["zoë ray".into()] });
    assert_eq!(status[5].1, RosterStatus::NoAgreement);
    assert_eq!(status[6].1, outstanding(&["Tom Price", "Tina Price"]), "in the order they first signed");
    seen.push(format!("{status:?}"));
    let current = store.current_agreements().await.unwrap();
    assert_eq!(current.len(), ROLES.len());

    // Retention periods, set and cleared; bad ones refused.
    store.set_retention(FIRST_SITE, "visitor", Some(30), "head", now).await.unwrap();
    store.set_retention(FIRST_SITE, "governor", Some(3650), "head", now).await.unwrap();
    store.set_retention(FIRST_SITE, "staff", Some(10), "head", now).await.unwrap();
    store.set_retention(FIRST_SITE, "staff", None, "head", now).await.unwrap();
    store.set_retention(FIRST_SITE, "visitor", Some(31), "head", now).await.unwrap();
    assert_eq!(store.retention(FIRST_SITE).await.unwrap(), [("governor".to_owned(), 3650), ("visitor".to_owned(), 31)]);
    // Another school's far shorter periods are its own: they erase none
    // of this school's records, and its empty roster is its own too.
    let other = store.add_site("Oakfield Primary", now).await.unwrap().id;
    store.set_retention(other, "governor", Some(1), "head", now).await.unwrap();
    assert_eq!(store.retention(other).await.unwrap(), [("governor".to_owned(), 1)]);
    assert!(store.roster_status(other).await.unwrap().is_empty());
    for refused in [
        store.set_retention(FIRST_SITE, "Not a role!", Some(5), "head", now).await.unwrap_err(),
        store.set_retention(FIRST_SITE, "visitor", Some(0), "head", now).await.unwrap_err(),
        store.set_retention(FIRST_SITE, "visitor", Some(36_501), "head", now).await.unwrap_err(),
        store.erase_record(&Scope::Trust, device, 3, "   ", "head", now).await.unwrap_err(),
    ] {
        assert_eq!(refused.code(), "input_invalid");
        seen.push(refused.to_string());
    }

    // Tom Price asks to be erased; his record keeps its place in the chain.
    store.erase_record(&Scope::Trust, device, 3, " erasure request 2026-14 ", "head", now).await.unwrap();
    for refused in [
        store.erase_record(&Scope::Trust, device, 3, "again", "head", now).await.unwrap_err(),
        store.erase_record(&Scope::Trust, device, 99, "not held", "head", now).await.unwrap_err(),
    ] {
        assert_eq!(refused.code(), "input_invalid");
        seen.push(refused.to_string());
    }
    // The visitors' records are past 31 days; the governor's 3,650 are not.
    let report = store.purge_expired("cli", now).await.unwrap();
    assert_eq!(report.erased, [("visitor".to_owned(), 2)]);
    assert_eq!(store.purge_expired("cli", now).await.unwrap().total(), 0);

    assert_eq!(store.office_erasure(device, 3).await.unwrap(), None, "not signed yet");
    assert_eq!(store.sign_office_erasures(signer, now).await.unwrap(), 3);
    assert_eq!(store.sign_office_erasures(signer, now).await.unwrap(), 0);
    for seq in [1, 2, 3] {
        let signed = store.office_erasure(device, seq).await.unwrap().unwrap();
        assert!(signbook_office::erasure_log::is_signed_by(
            &signed.statement,
            &signed.signature,
            signer.certificate_der()
        ));
        let asked = if seq == 3 {
            "requested_by:office-staff:1\nreason:request"
        } else {
            "requested_by:office\nreason:retention"
        };
        assert!(signed.statement.contains(asked), "{}", signed.statement);
        seen.push(signed.statement);
    }
    assert_eq!(store.office_erasure(device, 4).await.unwrap(), None);

    // Erased signers are outstanding again: no name is left to match.
    let status = store.roster_status(FIRST_SITE).await.unwrap();
    assert_eq!(status[0].1, outstanding(&[]));
    assert_eq!(status[2].1, outstanding(&["Tina Price"]), "Tom's own record no longer names him");
    assert_eq!(status[6].1, outstanding(&["Tina Price"]));
    seen.push(format!("{status:?}"));
    store.audit("head", "export_csv", "all records", now + Duration::seconds(1)).await.unwrap();
    // The eleven lines this scenario wrote (SQLite's push wrote one before them).
    let log = store.audit_log(&Scope::Trust, 11).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["export_csv", "retention_purge", "retention_purge", "erasure"]
            .into_iter()
            .chain(["retention_set"; 6])
            .chain(["roster_import"])
            .collect::<Vec<_>>(),
        "newest first"
    );
    assert_eq!(store.audit_log(&Scope::Trust, 2).await.unwrap(), log[..2]);
    seen.push(format!("{log:?}"));
    seen
}

/// What a PostgreSQL office still holds of each record's personal data:
/// (seq, name, organisation, signature, name in the search index).
async fn personal_left(client: &tokio_postgres::Client) -> Vec<(i64, bool, bool, bool, bool)> {
    let rows = client
        .query(
            "SELECT r.seq, r.name IS NOT NULL AND r.name_salt IS NOT NULL,
                r.organisation IS NOT NULL OR r.organisation_salt IS NOT NULL,
                r.signature_png IS NOT NULL AND r.signature_salt IS NOT NULL, i.name_key IS NOT NULL
             FROM records r JOIN record_index i USING (device_id, seq) ORDER BY r.seq",
            &[],
        )
        .await
        .unwrap();
    rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))).collect()
}

#[test]
fn roster_retention_erasure_and_purge_answer_as_on_sqlite_and_leave_no_personal_data() {
    let Some(url) = fresh_postgres_database() else { return };
    let kiosk = Kiosk::with(PEOPLE);
    let dir = tempfile::tempdir().unwrap();
    let signer = OfficeIdentity::load_or_create(dir.path()).unwrap().signer().unwrap();
    let device = kiosk.store.device_id();
    run(async {
        let sqlite = sqlite_office(&kiosk, dir.path()).await;
        let pg = PgStore::connect(&url).await.unwrap();
        let client = raw(&url).await;
        hold_in_postgres(&client, &kiosk).await;
        assert_eq!(
            personal_left(&client).await,
            [
                (1, true, false, true, true),
                (2, true, true, true, true),
                (3, true, false, true, true),
                (4, true, false, true, true),
                (5, true, false, true, true)
            ]
        );

        let on_sqlite = privacy_scenario(&sqlite, device, &signer).await;
        let on_postgres = privacy_scenario(&pg, device, &signer).await;
        assert_eq!(on_postgres, on_sqlite);
        // Nothing personal is left of the erased records, in any column or in search; Zoë's and Tina's are kept.
        assert_eq!(
            personal_left(&client).await,
            [
                (1, false, false, false, false),
                (2, false, false, false, false),
                (3, false, false, false, false),
                (4, true, false, true, true),
                (5, true, false, true, true)
            ]
        );
        let erasures: Vec<(i64, String, Option<String>)> = client
            .query("SELECT seq, origin, erased_by FROM erasures ORDER BY seq", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        assert_eq!(
            erasures,
            [
                (1, "office".into(), Some("cli".into())),
                (2, "office".into(), Some("cli".into())),
                (3, "office".into(), Some("head".into()))
            ]
        );
        // The audit log is append only: not even a client with the database's password rewrites it.
        for change in ["UPDATE audit_log SET actor = 'nobody'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
            let refused = client.batch_execute(change).await.unwrap_err();
            assert!(refused.as_db_error().unwrap().message().contains("append only"), "{change}: {refused}");
        }
        assert_eq!(pg.audit_log(&Scope::Trust, 1000).await.unwrap().len(), 11);
    });
}

#[test]
fn two_servers_erasing_purging_signing_and_importing_at_once_do_each_once() {
    let Some(url) = fresh_postgres_database() else { return };
    let kiosk = Kiosk::with(PEOPLE);
    let dir = tempfile::tempdir().unwrap();
    let signer = OfficeIdentity::load_or_create(dir.path()).unwrap().signer().unwrap();
    let device = kiosk.store.device_id();
    run(async {
        let (a, b) = (PgStore::connect(&url).await.unwrap(), PgStore::connect(&url).await.unwrap());
        let client = raw(&url).await;
        hold_in_postgres(&client, &kiosk).await;
        let now = now();
        a.set_retention(FIRST_SITE, "visitor", Some(30), "head", now).await.unwrap();

        // One record erased from both servers at once: erased and logged once.
        let (first, second) = tokio::join!(
            a.erase_record(&Scope::Trust, device, 3, "erasure request 1", "head", now),
            b.erase_record(&Scope::Trust, device, 3, "erasure request 2", "deputy", now)
        );
        assert_eq!([&first, &second].iter().filter(|r| r.is_ok()).count(), 1, "{first:?} {second:?}");
        // Both purge at once: each expired record is erased by one of them.
        let (first, second) = tokio::join!(a.purge_expired("cli", now), b.purge_expired("cli", now));
        assert_eq!(first.unwrap().total() + second.unwrap().total(), 2);
        // Both sign at once: every erasure is signed once, by one of them.
        let (first, second) = tokio::join!(a.sign_office_erasures(&signer, now), b.sign_office_erasures(&signer, now));
        assert_eq!(first.unwrap() + second.unwrap(), 3);
        for seq in [1, 2, 3] {
            assert!(b.office_erasure(device, seq).await.unwrap().is_some());
        }
        assert_eq!(
            personal_left(&client).await.iter().filter(|r| r.1 || r.3 || r.4).count(),
            2,
            "Zoë's and Tina's are kept"
        );
        let log = a.audit_log(&Scope::Trust, 100).await.unwrap();
        assert_eq!(log.iter().filter(|e| e.action == "erasure").count(), 1);

        // Two rosters imported at once: the office ends with one of them, whole.
        let one = parse_roster(b"name,role\nAnn Hughes,visitor\nTom Price,governor\n").unwrap();
        let other = parse_roster(b"name,role\nPat Kay,staff\n").unwrap();
        for _ in 0..5 {
            let (x, y) = tokio::join!(
                a.replace_roster(FIRST_SITE, &one, "head", now),
                b.replace_roster(FIRST_SITE, &other, "head", now)
            );
            x.unwrap();
            y.unwrap();
            let held: Vec<_> = a.roster_status(FIRST_SITE).await.unwrap().into_iter().map(|(e, _)| e).collect();
            assert!(held == one || held == other, "{held:?}");
        }

        // Lines written on both servers at once are each listed once, each
        // server's in the order it wrote them (newest first).
        let write = |store: PgStore, who: &'static str| async move {
            for i in 0..25 {
                store.audit(who, "export_csv", &format!("{who} {i:02}"), now).await.unwrap();
            }
        };
        tokio::join!(write(a.clone(), "ann"), write(b.clone(), "bob"));
        let log = b.audit_log(&Scope::Trust, 50).await.unwrap();
        for who in ["ann", "bob"] {
            let theirs: Vec<&str> = log.iter().filter(|e| e.actor == who).map(|e| e.detail.as_str()).collect();
            let expected: Vec<String> = (0..25).rev().map(|i| format!("{who} {i:02}")).collect();
            assert_eq!(theirs, expected);
        }
    });
}
