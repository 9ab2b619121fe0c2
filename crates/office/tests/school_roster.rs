//! Each school's own roster and retention periods (issue 18): a purge
//! erases each record by its own school's period for its role, a school's
//! roster is matched against its own records only, and a school's staff
//! can neither read nor change another school's. Runs on the backend the
//! suite runs on (`SIGNBOOK_TEST_BACKEND`).

#[path = "schools_fixture/mod.rs"]
mod schools_fixture;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use schools_fixture::Trust;
use signbook_office::store::{FIRST_SITE, RosterEntry, RosterStatus, Scope, SiteId};
use signbook_office::testing::block_on;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn intact(trust: &Trust, kiosk: uuid::Uuid, seq: u64) -> bool {
    block_on(trust.store.stored_record(&Scope::Trust, kiosk, seq)).unwrap().unwrap().record.personal.is_some()
}

fn roster(people: &[(&str, &str)]) -> Vec<RosterEntry> {
    people.iter().map(|(name, role)| RosterEntry { name: (*name).into(), role: (*role).into(), email: None }).collect()
}

fn names(trust: &Trust, site: SiteId) -> Vec<(String, RosterStatus)> {
    block_on(trust.store.roster_status(site)).unwrap().into_iter().map(|(e, s)| (e.name, s)).collect()
}

#[test]
fn each_school_purges_a_role_by_its_own_period() {
    let trust = Trust::new();
    let now = Utc::now();
    // Every record was signed on 22 May 2026.
    block_on(trust.store.set_retention(FIRST_SITE, "visitor", Some(30), "trust", now)).unwrap();
    block_on(trust.store.set_retention(trust.oakfield, "visitor", Some(60), "trust", now)).unwrap();
    assert_eq!(block_on(trust.store.retention(FIRST_SITE)).unwrap(), [("visitor".to_owned(), 30)]);
    assert_eq!(block_on(trust.store.retention(trust.oakfield)).unwrap(), [("visitor".to_owned(), 60)]);

    let report = block_on(trust.store.purge_expired("cli", at("2026-07-01T00:00:00Z"))).unwrap();
    assert_eq!(report.erased, [("visitor".to_owned(), 2)], "Ann and Tom, past Ysgol Bro Taf's 30 days");
    assert!(!intact(&trust, trust.taf_kiosk, 1) && !intact(&trust, trust.taf_kiosk, 2));
    assert!(intact(&trust, trust.oak_kiosk, 1), "Zoë is 40 days old, within Oakfield's 60");
    assert!(intact(&trust, trust.oak_kiosk, 2), "Oakfield keeps governors indefinitely");

    let report = block_on(trust.store.purge_expired("cli", at("2026-08-01T00:00:00Z"))).unwrap();
    assert_eq!(report.erased, [("visitor".to_owned(), 1)]);
    assert!(!intact(&trust, trust.oak_kiosk, 1) && intact(&trust, trust.oak_kiosk, 2));
}

#[test]
fn a_schools_roster_counts_only_its_own_records() {
    let trust = Trust::new();
    let now = Utc::now();
    let taf = roster(&[("Ann Hughes", "visitor"), ("Al Hughes", "visitor")]);
    block_on(trust.store.replace_roster(FIRST_SITE, &taf, "trust", now)).unwrap();
    // Oakfield's roster names Ann too, but she signed at Ysgol Bro Taf.
    let oak = roster(&[("Zoë O'Brien", "visitor"), ("Ann Hughes", "visitor"), ("Al Hughes", "visitor")]);
    block_on(trust.store.replace_roster(trust.oakfield, &oak, "trust", now)).unwrap();

    let taf = names(&trust, FIRST_SITE);
    assert!(matches!(taf[0].1, RosterStatus::Signed { .. }), "{taf:?}");
    assert_eq!(taf[1].1, RosterStatus::Outstanding { possible: vec!["Ann Hughes".into()] });
    let oak = names(&trust, trust.oakfield);
    assert_eq!(oak.len(), 3, "{oak:?}");
    assert!(matches!(oak[0].1, RosterStatus::Signed { .. }), "{oak:?}");
    assert_eq!(oak[1].1, RosterStatus::Outstanding { possible: vec![] }, "another school's record never counts");
    assert_eq!(oak[2].1, RosterStatus::Outstanding { possible: vec![] }, "nor is offered as possible");
}

#[test]
fn a_schools_staff_import_and_read_only_their_schools_roster() {
    let trust = Trust::new();
    let now = Utc::now();
    block_on(trust.store.replace_roster(FIRST_SITE, &roster(&[("Tom Price", "visitor")]), "trust", now)).unwrap();
    let (status, _) = trust.upload_roster("oak", None, "name,role\nBen Ward,governor\nKim Lee,visitor\n");
    assert_eq!(status, StatusCode::SEE_OTHER);
    let oak: Vec<String> = names(&trust, trust.oakfield).into_iter().map(|(n, _)| n).collect();
    assert_eq!(oak, ["Ben Ward", "Kim Lee"]);
    assert_eq!(names(&trust, FIRST_SITE).len(), 1, "Ysgol Bro Taf's roster is untouched");
    let log = block_on(trust.store.audit_log(&Scope::Sites(vec![trust.oakfield]), 5)).unwrap();
    assert!(log.iter().any(|e| e.action == "roster_import"), "logged for Oakfield's staff to read");

    let (status, page) = trust.page("oak", "/roster");
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Ben Ward") && !page.contains("Tom Price"), "{page}");
    // Another school's, by a hand-made address or form: not found, nothing changed.
    for path in ["/roster?school=1", "/roster/outstanding.csv?school=1", "/roster/outstanding.xlsx?school=1"] {
        let (status, body) = trust.page("oak", path);
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("Tom Price"), "{path}");
    }
    let (status, _) = trust.upload_roster("oak", Some("1"), "name,role\nMallory Jones,visitor\n");
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(names(&trust, FIRST_SITE)[0].0, "Tom Price");

    // The trust's staff choose the school; the first is shown unless chosen.
    let (_, page) = trust.page("trust", "/roster");
    assert!(page.contains("Tom Price") && !page.contains("Ben Ward") && page.contains("name=\"school\""));
    let (_, page) = trust.page("trust", &format!("/roster?school={}", trust.oakfield));
    assert!(page.contains("Ben Ward") && !page.contains("Tom Price"));
    let (_, csv) = trust.send("trust", "GET", &format!("/roster/outstanding.csv?school={}", trust.oakfield), "");
    assert!(String::from_utf8(csv).unwrap().contains("Kim Lee"));
}

#[test]
fn a_schools_staff_set_only_their_schools_retention() {
    let trust = Trust::new();
    let (status, _) = trust.send("oak", "POST", "/privacy/retention", "visitor=45");
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(block_on(trust.store.retention(trust.oakfield)).unwrap(), [("visitor".to_owned(), 45)]);
    let (status, _) = trust.send("oak", "POST", "/privacy/retention", "school=1&visitor=1");
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(trust.page("oak", "/privacy?school=1").0, StatusCode::NOT_FOUND);
    assert!(block_on(trust.store.retention(FIRST_SITE)).unwrap().is_empty(), "Ysgol Bro Taf's are untouched");
    let (_, page) = trust.page("oak", "/privacy");
    assert!(page.contains("value=\"45\"") && !page.contains("/privacy/purge"), "the purge is the trust's");

    let form = format!("school={}&visitor=90&staff=3650", trust.oakfield);
    assert_eq!(trust.send("trust", "POST", "/privacy/retention", &form).0, StatusCode::SEE_OTHER);
    let oak = block_on(trust.store.retention(trust.oakfield)).unwrap();
    assert_eq!(oak, [("staff".to_owned(), 3650), ("visitor".to_owned(), 90)]);
    assert!(block_on(trust.store.retention(FIRST_SITE)).unwrap().is_empty());
    let (_, page) = trust.page("trust", "/privacy");
    assert!(page.contains("name=\"school\"") && !page.contains("value=\"90\""), "the first school's by default");
}
