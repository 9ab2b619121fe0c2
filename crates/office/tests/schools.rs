//! Many schools in one office (issue 18): a school's staff never see
//! another school's records, by any page: searches, record pages and their
//! signature images, exports, evidence packs, subject access, the audit
//! log, kiosks and alerts, accounts, or a link typed by hand. Each attempt
//! below is refused (or finds nothing) and changes nothing, while the
//! trust's staff see both schools and can filter by school. Runs on the
//! backend the suite runs on (`SIGNBOOK_TEST_BACKEND`).

#[path = "schools_fixture/mod.rs"]
mod schools_fixture;

use std::io::Read;

use axum::http::StatusCode;
use schools_fixture::Trust;
use signbook_office::store::{Scope, StaffRole};
use signbook_office::testing::block_on;

/// Every file of a ZIP, uncompressed, as text.
fn zip_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        all.push_str(&file.name().unwrap());
        let mut content = Vec::new();
        file.read_to_end(&mut content).unwrap();
        all.push_str(&String::from_utf8_lossy(&content));
    }
    all
}

#[test]
fn a_schools_staff_search_and_export_only_their_schools_records() {
    let trust = Trust::new();
    let (status, page) = trust.page("oak", "/records");
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Zoë O&#39;Brien") || page.contains("Zoë O'Brien"), "{page}");
    assert!(page.contains("Ben Ward") && !page.contains("Ann Hughes") && !page.contains("Tom Price"));
    assert!(!page.contains(&trust.taf_kiosk.to_string()), "not even in the kiosk filter");
    assert!(page.contains("· 2 signed") && !page.contains("· 4 signed"), "the agreement's count is the school's");
    assert!(trust.page("trust", "/records").1.contains("· 4 signed"), "and the trust's is every school's");
    let (_, found) = trust.page("oak", "/records?name=ann");
    assert!(!found.contains("Ann Hughes"));
    // Choosing the other school in a typed address finds nothing.
    let (_, other) = trust.page("oak", "/records?school=1");
    assert!(!other.contains("Ann Hughes") && !other.contains("Ben Ward"), "{other}");
    let (_, by_kiosk) = trust.page("oak", &format!("/records?kiosk={}", trust.taf_kiosk));
    assert!(!by_kiosk.contains("Ann Hughes"));

    let (status, csv) = trust.send("oak", "GET", "/export/records.csv", "");
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains("Ben Ward") && !csv.contains("Ann Hughes") && !csv.contains("Tom Price"), "{csv}");
    let (_, csv) = trust.send("oak", "GET", &format!("/export/records.csv?kiosk={}", trust.taf_kiosk), "");
    assert!(!String::from_utf8(csv).unwrap().contains("Ann Hughes"));

    let (status, pack) = trust.send("oak", "GET", "/export/evidence.zip", "");
    assert_eq!(status, StatusCode::OK);
    let pack = zip_text(&pack);
    assert!(pack.contains(&trust.oak_kiosk.to_string()), "the pack holds Oakfield's chain");
    assert!(!pack.contains(&trust.taf_kiosk.to_string()), "and names no kiosk of the other school");
    assert!(!pack.contains("Ann Hughes") && !pack.contains("Tom Price"));

    let (status, access) = trust.send("taf", "GET", "/privacy/subject-access.zip?name=Ben+Ward", "");
    assert_eq!(status, StatusCode::OK);
    let access = zip_text(&access);
    assert!(!access.contains(&trust.oak_kiosk.to_string()), "a subject access pack holds only the school's records");
    let (_, own) = trust.send("taf", "GET", "/privacy/subject-access.zip?name=Ann+Hughes", "");
    assert!(zip_text(&own).contains(&trust.taf_kiosk.to_string()), "and does hold them");
}

#[test]
fn another_schools_record_links_typed_by_hand_find_nothing_and_erase_nothing() {
    let trust = Trust::new();
    let taf = trust.taf_kiosk;
    for path in [
        format!("/records/{taf}/1"),
        format!("/records/{taf}/1/signature.png"),
        format!("/records/{taf}/1/evidence.pdf"),
    ] {
        let (status, body) = trust.page("oak", &path);
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("Ann Hughes"), "{path}");
        assert_eq!(trust.page("trust", &path).0, StatusCode::OK, "the trust's staff open {path}");
    }
    let oak = trust.oak_kiosk;
    assert_eq!(trust.page("taf", &format!("/records/{oak}/1")).0, StatusCode::NOT_FOUND);

    let (status, _) = trust.send("oak", "POST", &format!("/records/{taf}/1/erase"), "reason=request+9");
    assert_ne!(status, StatusCode::SEE_OTHER);
    assert!(trust.taf_record_intact(), "nothing was erased");
    // A hand-made form ticking a record of each school: refused whole.
    let form = format!("record={oak}%3A1&record={taf}%3A1&reason=request+10");
    let (status, _) = trust.send("oak", "POST", "/privacy/erase", &form);
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(trust.taf_record_intact());
    let own = block_on(trust.store.stored_record(&Scope::Trust, oak, 1)).unwrap().unwrap();
    assert!(own.record.personal.is_some(), "not even the school's own record: all or none");
}

#[test]
fn kiosks_alerts_and_the_audit_log_show_only_the_schools_own() {
    let trust = Trust::new();
    let (taf, oak) = (trust.taf_kiosk.to_string(), trust.oak_kiosk.to_string());
    for path in ["/kiosks", "/integrity"] {
        let (status, page) = trust.page("oak", path);
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(page.contains(&oak) && !page.contains(&taf), "{path}: {page}");
    }
    let (_, page) = trust.page("trust", "/kiosks");
    assert!(page.contains(&oak) && page.contains(&taf) && page.contains("Oakfield Primary"));

    let (status, _) = trust.send("oak", "POST", &format!("/kiosks/{taf}/revoke"), "");
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = trust.send("oak", "POST", &format!("/kiosks/{taf}/name"), "name=Hacked");
    assert_eq!(status, StatusCode::NOT_FOUND);
    let kiosks = block_on(trust.store.kiosk_statuses(&Scope::Trust)).unwrap();
    let taf_kiosk = kiosks.iter().find(|k| k.device_id == trust.taf_kiosk).unwrap();
    assert!(taf_kiosk.revoked_at.is_none() && taf_kiosk.name.is_none(), "the other school's kiosk is unchanged");

    let alerts = block_on(trust.store.alert_rows(&Scope::Trust, false)).unwrap();
    let taf_alert = alerts.iter().find(|a| a.device_id == Some(trust.taf_kiosk)).unwrap().id;
    let (status, _) = trust.send("oak", "POST", &format!("/alerts/{taf_alert}/acknowledge"), "");
    assert_eq!(status, StatusCode::NOT_FOUND);
    let still_open = block_on(trust.store.alert_rows(&Scope::Trust, false)).unwrap();
    assert!(still_open.iter().any(|a| a.id == taf_alert), "the other school's alert is still open");

    // Each school's staff export once; each sees its own line only.
    trust.send("oak", "GET", "/export/records.csv", "");
    trust.send("taf", "GET", "/export/records.csv", "");
    trust.send("trust", "GET", "/export/records.csv", "");
    let (_, log) = trust.page("oak", "/audit");
    assert!(log.contains("oak") && !log.contains(">taf<") && !log.contains(">trust<"), "{log}");
    let (_, log) = trust.page("taf", "/audit");
    assert!(log.contains(">taf<") && !log.contains(">oak<"), "{log}");
    let (_, log) = trust.page("trust", "/audit");
    assert!(log.contains(">oak<") && log.contains(">taf<") && log.contains(">trust<"));
    let (_, log) = trust.page("trust", &format!("/audit?school={}", trust.oakfield));
    assert!(log.contains(">oak<") && !log.contains(">taf<"), "the trust filters the log by school");
}

#[test]
fn a_schools_admin_manages_only_its_schools_accounts_kiosks_and_nothing_trust_wide() {
    let trust = Trust::new();
    let (_, page) = trust.page("oak", "/accounts");
    assert!(page.contains(">oak") && !page.contains(">trust") && !page.contains(">taf"), "{page}");
    for path in ["/accounts/trust/password", "/accounts/taf/disable", "/accounts/trust/role"] {
        let (status, _) = trust.send("oak", "POST", path, "role=records");
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let accounts = block_on(trust.store.users()).unwrap();
    let trust_admin = accounts.iter().find(|a| a.username == "trust").unwrap();
    assert!(trust_admin.disabled_at.is_none() && trust_admin.role == StaffRole::Admin);

    // A new account of a school admin is of that school; never the trust's, never another school's.
    let (status, _) = trust.send("oak", "POST", "/accounts", "username=k.lee&role=admin");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(block_on(trust.store.account_sites("k.lee")).unwrap(), vec![trust.oakfield]);
    let (status, _) = trust.send("oak", "POST", "/accounts", "username=m.jones&role=admin&school=1");
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!block_on(trust.store.users()).unwrap().iter().any(|a| a.username == "m.jones"));

    // Pairing: for its own school only.
    let (status, _) = trust.send("oak", "POST", "/kiosks/pairing-code", "school=1");
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = trust.send("oak", "POST", "/kiosks/pairing-code", "");
    assert_eq!(status, StatusCode::OK);

    // Settings that apply to every school are the trust's (the roster and
    // retention are each school's: tests/school_roster.rs).
    for (path, form) in [
        ("/kiosks/settings", "key=school-name&value=Oakfield"),
        ("/privacy/purge", ""),
        ("/privacy/notice", "english=x&welsh=y"),
        ("/schools", "name=Sneaky+School"),
    ] {
        let (status, _) = trust.send("oak", "POST", path, form);
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(block_on(trust.store.sites()).unwrap().len(), 2, "no school was added");
    assert!(trust.taf_record_intact(), "no purge ran");
    // The trust keeps an admin of every school: its last one cannot be limited to one.
    let refused = block_on(trust.store.set_account_sites("trust", &[trust.oakfield])).unwrap_err();
    assert_eq!(refused.code(), "last_admin");
    assert!(block_on(trust.store.account_sites("trust")).unwrap().is_empty(), "nothing was changed");
    assert_eq!(trust.send("trust", "POST", "/accounts/trust/schools", "school=2").0, StatusCode::CONFLICT);
    assert_eq!(trust.send("trust", "POST", "/schools", "name=Maes+y+Coed").0, StatusCode::SEE_OTHER);
    assert_eq!(block_on(trust.store.sites()).unwrap().len(), 3);
}

#[test]
fn the_trusts_staff_search_across_schools_and_filter_by_school() {
    let trust = Trust::new();
    let (_, page) = trust.page("trust", "/records");
    assert!(page.contains("Ann Hughes") && page.contains("Ben Ward"));
    assert!(page.contains("Oakfield Primary") && page.contains("Ysgol Bro Taf"), "a school column and filter");
    let (_, page) = trust.page("trust", &format!("/records?school={}", trust.oakfield));
    assert!(page.contains("Ben Ward") && !page.contains("Ann Hughes"));
    let (_, csv) = trust.send("trust", "GET", &format!("/export/records.csv?school={}", trust.oakfield), "");
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("Ben Ward") && !csv.contains("Ann Hughes"));
    // A school's staff see no choice of school: they have one.
    let (_, page) = trust.page("taf", "/records");
    assert!(!page.contains("name=\"school\""), "{page}");
}
