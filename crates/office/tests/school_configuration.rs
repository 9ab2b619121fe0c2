//! Each school's kiosk configuration (issue 18): the trust's kiosk settings
//! and privacy notice are every school's; a school's admin sets its own
//! instead, from the Kiosks and Privacy notice pages, and takes the trust's
//! again; each school's kiosks show its own name. A school's staff can
//! neither change the trust's settings nor another school's, and nothing is
//! changed when they try. Runs on the backend the suite runs on
//! (`SIGNBOOK_TEST_BACKEND`). That each school's kiosk takes its own is in
//! `crates/kiosk/tests/configuration.rs`.

#[path = "schools_fixture/mod.rs"]
mod schools_fixture;

use axum::http::StatusCode;
use chrono::Utc;
use schools_fixture::Trust;
use signbook_office::store::configuration::{IssuedConfiguration, SettingName};
use signbook_office::store::{FIRST_SITE, Scope, SiteId};
use signbook_office::testing::block_on;

fn taken(trust: &Trust, site: SiteId) -> IssuedConfiguration {
    block_on(trust.store.current_configuration(site, Utc::now())).unwrap().expect("a configuration")
}

fn idle(trust: &Trust, site: SiteId) -> Option<u32> {
    taken(trust, site).content.settings.idle_timeout_secs
}

fn audit(trust: &Trust, site: SiteId) -> Vec<String> {
    let lines = block_on(trust.store.audit_log(&Scope::Sites(vec![site]), 100)).unwrap();
    lines.into_iter().filter(|e| e.action == "kiosk_setting").map(|e| format!("{} {}", e.actor, e.detail)).collect()
}

#[test]
fn a_schools_admin_sets_its_own_kiosk_settings_beside_the_trusts_and_takes_the_trusts_again() {
    let trust = Trust::new();
    let oak = trust.oakfield;
    // Each school's kiosks show its own name from the start.
    assert_eq!(taken(&trust, FIRST_SITE).content.settings.school_name.as_deref(), Some("Ysgol Bro Taf"));
    assert_eq!(taken(&trust, oak).content.settings.school_name.as_deref(), Some("Oakfield Primary"));

    let (status, _) = trust.send("trust", "POST", "/kiosks/settings", "key=idle-timeout&value=120");
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!((idle(&trust, FIRST_SITE), idle(&trust, oak)), (Some(120), Some(120)), "the trust's: every school's");

    // Oakfield's admin sees its own school's settings, marked as the trust's.
    let (status, page) = trust.page("oak", "/kiosks");
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("name=\"school\" value=\"{oak}\"")), "the form saves Oakfield's own");
    assert!(page.contains("Set by the trust") && !page.contains("Set by this school"), "{page}");
    let before = taken(&trust, oak).version;
    let form = format!("school={oak}&key=idle-timeout&value=45");
    assert_eq!(trust.send("oak", "POST", "/kiosks/settings", &form).0, StatusCode::SEE_OTHER);
    let form = format!("school={oak}&key=school-name&value=Oakfield+Primary+School");
    assert_eq!(trust.send("oak", "POST", "/kiosks/settings", &form).0, StatusCode::SEE_OTHER);
    let oak_takes = taken(&trust, oak);
    assert_eq!(oak_takes.content.settings.idle_timeout_secs, Some(45));
    assert_eq!(oak_takes.content.settings.school_name.as_deref(), Some("Oakfield Primary School"));
    assert!(oak_takes.version > before, "a kiosk takes only a higher number");
    assert_eq!(idle(&trust, FIRST_SITE), Some(120), "Ysgol Bro Taf keeps the trust's");
    let own = block_on(trust.store.school_setting_names(oak)).unwrap();
    assert_eq!(own, [SettingName::SchoolName, SettingName::IdleTimeoutSecs]);
    assert!(audit(&trust, oak).contains(&"oak idle_timeout_secs = 45".to_owned()), "{:?}", audit(&trust, oak));
    assert!(audit(&trust, FIRST_SITE).iter().all(|line| !line.contains("= 45")), "not the other school's business");

    // The trust's next change: every school that has not set its own.
    assert_eq!(trust.send("trust", "POST", "/kiosks/settings", "key=idle-timeout&value=200").0, StatusCode::SEE_OTHER);
    assert_eq!((idle(&trust, FIRST_SITE), idle(&trust, oak)), (Some(200), Some(45)));
    let (_, page) = trust.page("oak", "/kiosks");
    assert!(page.contains("Set by this school"), "{page}");

    // "Use the trust's": Oakfield takes 200 again.
    let form = format!("school={oak}&key=idle-timeout");
    assert_eq!(trust.send("oak", "POST", "/kiosks/settings/unset", &form).0, StatusCode::SEE_OTHER);
    assert_eq!(idle(&trust, oak), Some(200));
    assert_eq!(block_on(trust.store.school_setting_names(oak)).unwrap(), [SettingName::SchoolName]);

    // In a trust of several schools the trust has no one school name to set.
    let (status, _) = trust.send("trust", "POST", "/kiosks/settings", "key=school-name&value=Bro+Taf+Trust");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(taken(&trust, FIRST_SITE).content.settings.school_name.as_deref(), Some("Ysgol Bro Taf"));
}

#[test]
fn a_schools_staff_cannot_change_the_trusts_settings_or_another_schools() {
    let trust = Trust::new();
    let oak = trust.oakfield;
    assert_eq!(trust.send("trust", "POST", "/kiosks/settings", "key=idle-timeout&value=120").0, StatusCode::SEE_OTHER);
    let versions = |trust: &Trust| (taken(trust, FIRST_SITE), taken(trust, oak));
    let before = versions(&trust);

    for (path, form, refused) in [
        // The trust's own settings and notice.
        ("/kiosks/settings", "key=idle-timeout&value=30".to_owned(), StatusCode::FORBIDDEN),
        ("/privacy/notice", "english=x&welsh=y".to_owned(), StatusCode::FORBIDDEN),
        // Another school's, by a form made by hand.
        ("/kiosks/settings", "school=1&key=idle-timeout&value=30".to_owned(), StatusCode::NOT_FOUND),
        ("/kiosks/settings/unset", "school=1&key=idle-timeout".to_owned(), StatusCode::NOT_FOUND),
        ("/privacy/notice", "school=1&english=x&welsh=y".to_owned(), StatusCode::NOT_FOUND),
        ("/privacy/notice/unset", "school=1".to_owned(), StatusCode::NOT_FOUND),
        ("/kiosks/settings", "school=99&key=idle-timeout&value=30".to_owned(), StatusCode::NOT_FOUND),
    ] {
        let (status, _) = trust.send("oak", "POST", path, &form);
        assert_eq!(status, refused, "{path} {form}");
    }
    assert_eq!(trust.page("oak", "/kiosks?settings=1").0, StatusCode::NOT_FOUND);
    assert_eq!(trust.page("oak", "/privacy/notice?school=1").0, StatusCode::NOT_FOUND);
    // A records-and-privacy account of a school changes no kiosk setting at all.
    let form = format!("school={oak}&key=idle-timeout&value=30");
    assert_eq!(trust.send("taf", "POST", "/kiosks/settings", &form).0, StatusCode::FORBIDDEN);
    assert_eq!(versions(&trust), before, "nothing was changed, nothing issued");
    assert!(block_on(trust.store.school_setting_names(FIRST_SITE)).unwrap().is_empty());
}

#[test]
fn a_school_has_its_own_privacy_notice_or_the_trusts() {
    let trust = Trust::new();
    let oak = trust.oakfield;
    let notice = |who: &str, school: &str, english: &str| {
        let form = format!("school={school}&english={english}&welsh=Sut+rydym+yn+defnyddio+eich+gwybodaeth");
        trust.send(who, "POST", "/privacy/notice", &form).0
    };
    assert_eq!(notice("trust", "", "The+trust+holds+your+name."), StatusCode::SEE_OTHER);
    assert_eq!(notice("oak", &oak.to_string(), "Oakfield+holds+your+name."), StatusCode::SEE_OTHER);
    let english = |site| taken(&trust, site).content.settings.privacy_notice.unwrap().english;
    assert_eq!(english(FIRST_SITE), "The trust holds your name.");
    assert_eq!(english(oak), "Oakfield holds your name.");
    let (status, page) = trust.page("oak", "/privacy/notice");
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Oakfield holds your name."), "its own, to edit");

    assert_eq!(trust.send("oak", "POST", "/privacy/notice/unset", &format!("school={oak}")).0, StatusCode::SEE_OTHER);
    assert_eq!(english(oak), "The trust holds your name.", "the trust's again");
    let (_, page) = trust.page("trust", &format!("/privacy/notice?school={oak}"));
    assert!(page.contains("The trust holds your name."), "{page}");
}
