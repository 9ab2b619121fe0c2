//! The office's signed configuration reaching a kiosk, as staff and
//! visitors would see it: a real office server (in this process), the
//! kiosk's real sync client on its own connection (as the background sync
//! has), and the kiosk façade the app calls. Staff adopt a new agreement at
//! the office; the kiosk syncs; the next visitor reads the new text and the
//! record names its hash. Never mid-signing, never from another office,
//! never altered.

mod office_in_process;

use std::path::{Path, PathBuf};

use axum::response::IntoResponse;
use chrono::Utc;
use signbook_core::role::Role;
use signbook_core::{Hash32, Store};
use signbook_kiosk::{Kiosk, Submission};
use signbook_office::store::ConfigurationStore;
use signbook_office::store::FIRST_SITE;
use signbook_office::store::configuration::{KioskSetting, SettingName, SettingsFor};
use signbook_office::tls::OfficeIdentity;
use signbook_sync::CONFIGURATION_PATH;
use signbook_sync::configuration::SignedConfiguration;

use office_in_process::{Office, pair, pair_for};

const DEMO_SIGNATURE: &str = include_str!("../../../assets/demo-signature.json");
const NEW_TEXT: &str = "# Acceptable Use, 2026\n\nI will lock the screen when I leave it.\n";

/// A kiosk as the app opens it (the sample agreement for every role), paired.
fn paired_kiosk(dir: &Path, office: &Office) -> (PathBuf, Kiosk) {
    let path = dir.join("kiosk.db");
    let kiosk = Kiosk::open(&path).unwrap();
    pair(&path, office);
    (path, kiosk)
}

/// One background-sync round: a push over the kiosk's own connection.
fn sync(path: &Path) -> Result<signbook_sync::PushReport, signbook_sync::SyncError> {
    signbook_sync::push(&mut Store::open(path).unwrap())
}

/// A version the office holds but has not adopted: what the agreement
/// import brings. Here a second kiosk publishing it and syncing.
fn office_receives(office: &Office, dir: &Path, text: &str) -> Hash32 {
    let path = dir.join("other-kiosk.db");
    let mut other = Store::open(&path).unwrap();
    let hash =
        other.publish_agreement(text, "Acceptable Use, 2026", &[Role::new("visitor").unwrap()]).unwrap().version.hash;
    drop(other);
    pair(&path, office);
    sync(&path).unwrap();
    hash
}

fn visitor_signs(kiosk: &mut Kiosk, agreement_hash: &str) -> u64 {
    let submission = Submission {
        role: "visitor".into(),
        name: "Ann Able".into(),
        organisation: Some("Acme".into()),
        strokes_json: DEMO_SIGNATURE.into(),
        agreement_hash: agreement_hash.into(),
    };
    kiosk.submit(&submission).unwrap().seq
}

fn record_agreement(kiosk: &Kiosk, seq: u64) -> String {
    kiosk.store().record(seq).unwrap().header.agreement_hash.to_hex()
}

fn office_version(office: &Office) -> u64 {
    office.runtime.block_on(office.db().current_configuration(FIRST_SITE, Utc::now())).unwrap().unwrap().version
}

#[test]
fn the_next_visitor_reads_the_new_agreement_and_the_record_names_its_hash() {
    let office = Office::start();
    let dir = tempfile::tempdir().unwrap();
    let (path, mut kiosk) = paired_kiosk(dir.path(), &office);
    let sample = kiosk.agreement_for("visitor").unwrap().hash;
    sync(&path).unwrap();
    let new = office_receives(&office, dir.path(), NEW_TEXT);

    office.adopt(new, &["visitor"]);
    let set = |setting| {
        office.runtime.block_on(office.db().set_kiosk_setting(target_of(&setting), setting, "head teacher", Utc::now()))
    };
    set(KioskSetting::SchoolName("Ysgol y Dderwen".into())).unwrap();
    sync(&path).unwrap();

    let welcome = kiosk.welcome().unwrap();
    assert_eq!(welcome.school_name, "Ysgol y Dderwen");
    let shown = kiosk.agreement_for("visitor").unwrap();
    assert_eq!(shown.hash, new.to_hex(), "the visitor reads the office's new version");
    assert!(shown.html.contains("lock the screen"), "{}", shown.html);
    let seq = visitor_signs(&mut kiosk, &shown.hash);
    assert_eq!(record_agreement(&kiosk, seq), new.to_hex(), "the record names the new hash");
    assert_eq!(kiosk.agreement_for("staff").unwrap().hash, sample, "roles the office did not change keep theirs");

    // The kiosk tells the office what it runs on its next sync: the Kiosks page shows it is the same.
    sync(&path).unwrap();
    let runs = office.runtime.block_on(office.db().kiosk_configurations()).unwrap();
    let running = &runs[&kiosk.store().device_id()];
    assert_eq!(running.applied, office_version(&office));
    assert_eq!(running.current["visitor"], new);
    let issued = office.runtime.block_on(office.db().current_configuration(FIRST_SITE, Utc::now())).unwrap().unwrap();
    assert!(!running.differs_from(&issued));
    let status = Store::open(&path).unwrap().configuration_state().unwrap();
    assert_eq!((status.applied_version, status.pending_version, status.refused), (issued.version, None, None));
}

#[test]
fn a_configuration_never_applies_while_someone_is_signing() {
    let office = Office::start();
    let dir = tempfile::tempdir().unwrap();
    let (path, mut kiosk) = paired_kiosk(dir.path(), &office);
    sync(&path).unwrap();
    let new = office_receives(&office, dir.path(), NEW_TEXT);

    kiosk.welcome().unwrap();
    let reading = kiosk.agreement_for("visitor").unwrap();
    // Meanwhile staff adopt a new version and the background sync fetches it.
    office.adopt(new, &["visitor"]);
    sync(&path).unwrap();
    assert!(Store::open(&path).unwrap().configuration_state().unwrap().pending_version.is_some());
    let name = kiosk.check_name("visitor", "Ann Able", Some("Acme")).unwrap();
    assert_eq!(name.first_name, "Ann");
    let seq = visitor_signs(&mut kiosk, &reading.hash);
    assert_eq!(record_agreement(&kiosk, seq), reading.hash, "the record names what this visitor read");
    assert_eq!(kiosk.agreement_for("visitor").unwrap().hash, reading.hash, "not applied before the next visitor");

    kiosk.welcome().unwrap();
    assert_eq!(kiosk.agreement_for("visitor").unwrap().hash, new.to_hex(), "the next visitor gets the new version");
}

#[test]
fn a_kiosk_offline_during_the_publish_catches_up_when_it_reconnects() {
    let mut office = Office::start();
    let dir = tempfile::tempdir().unwrap();
    let (path, mut kiosk) = paired_kiosk(dir.path(), &office);
    sync(&path).unwrap();
    let old = kiosk.agreement_for("visitor").unwrap().hash;
    let new = office_receives(&office, dir.path(), NEW_TEXT);

    office.stop();
    // Staff publish while the kiosk cannot reach the office (the office's
    // database is still theirs: the CLI works on it without the server).
    office.adopt(new, &["visitor"]);
    let set = |setting| {
        office.runtime.block_on(office.db().set_kiosk_setting(target_of(&setting), setting, "cli", Utc::now()))
    };
    set(KioskSetting::IdleTimeoutSecs(120)).unwrap();
    let error = sync(&path).unwrap_err();
    assert_eq!(error.code(), "office_unreachable");
    kiosk.welcome().unwrap();
    assert_eq!(kiosk.agreement_for("visitor").unwrap().hash, old, "offline, it keeps showing what it had");
    let seq = visitor_signs(&mut kiosk, &old);
    assert_eq!(record_agreement(&kiosk, seq), old);

    office.restart();
    sync(&path).unwrap();
    let welcome = kiosk.welcome().unwrap();
    assert_eq!(welcome.idle_timeout_secs, 120);
    assert_eq!(kiosk.agreement_for("visitor").unwrap().hash, new.to_hex(), "it caught up");
    assert_eq!(
        Store::open(&path).unwrap().configuration_state().unwrap().applied_version,
        office_version(&office),
        "straight to the latest version, none in between"
    );
}

/// Flips one byte of the configuration's signed bytes on its way to the kiosk.
fn tamper(router: axum::Router) -> axum::Router {
    router.layer(axum::middleware::map_response(
        |uri: axum::http::Uri, response: axum::response::Response| async move {
            if uri.path() != CONFIGURATION_PATH {
                return response;
            }
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let mut signed: SignedConfiguration = serde_json::from_slice(&bytes).unwrap();
            signed.configuration = signed.configuration.replacen("lock the screen", "lock the screeN", 1);
            let body = serde_json::to_vec(&signed).unwrap();
            let mut parts = parts;
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            axum::response::Response::from_parts(parts, axum::body::Body::from(body))
        },
    ))
}

/// Checks a refused configuration changed nothing and is reported.
fn assert_refused(path: &Path, kiosk: &mut Kiosk, old: &str, applied_before: u64, code: &str) {
    let state = Store::open(path).unwrap().configuration_state().unwrap();
    let refused = state.refused.expect("the refusal is recorded for the Status tab");
    assert_eq!(refused.code, code);
    assert!(!refused.at.is_empty());
    assert_eq!((state.applied_version, state.pending_version), (applied_before, None), "nothing of it is kept");
    let welcome = kiosk.welcome().unwrap();
    assert_eq!(welcome.school_name, "Welcome", "the settings stay the kiosk's");
    assert_eq!(kiosk.agreement_for("visitor").unwrap().hash, old, "the kiosk keeps what it had");
    let status = kiosk.store().configuration_state().unwrap();
    assert_eq!(status.applied_version, applied_before, "the welcome screen applied nothing either");
}

#[test]
fn a_configuration_altered_on_the_way_is_refused_and_reported() {
    let office = Office::start_with(None, tamper);
    let dir = tempfile::tempdir().unwrap();
    let (path, mut kiosk) = paired_kiosk(dir.path(), &office);
    let old = kiosk.agreement_for("visitor").unwrap().hash;
    sync(&path).unwrap();
    // The first version names no text the attacker changes: it arrives intact.
    kiosk.welcome().unwrap();
    let applied_before = kiosk.store().configuration_state().unwrap().applied_version;
    assert_eq!(applied_before, 1);
    let new = office_receives(&office, dir.path(), NEW_TEXT);
    office.adopt(new, &["visitor"]);
    office
        .runtime
        .block_on(office.db().set_kiosk_setting(
            SettingsFor::School(FIRST_SITE),
            KioskSetting::SchoolName("Altered".into()),
            "x",
            Utc::now(),
        ))
        .unwrap();

    sync(&path).expect("the push itself succeeds; only the configuration is refused");
    assert_refused(&path, &mut kiosk, &old, applied_before, "configuration_signature_invalid");

    // Once nothing alters it any more, the same version is fetched again and taken.
    let mut office = office;
    office.stop();
    office.restart();
    sync(&path).unwrap();
    assert_eq!(kiosk.welcome().unwrap().school_name, "Altered");
    assert_eq!(kiosk.agreement_for("visitor").unwrap().hash, new.to_hex());
    assert_eq!(kiosk.store().configuration_state().unwrap().refused, None, "the Status tab shows the latest outcome");
}

#[test]
fn a_configuration_signed_by_another_office_is_refused_and_reported() {
    let elsewhere = tempfile::tempdir().unwrap();
    let other = OfficeIdentity::load_or_create(elsewhere.path()).unwrap().signer().unwrap();
    let office = Office::start_with(Some(other), |router| router);
    let dir = tempfile::tempdir().unwrap();
    let (path, mut kiosk) = paired_kiosk(dir.path(), &office);
    let old = kiosk.agreement_for("visitor").unwrap().hash;
    sync(&path).unwrap();
    let new = office_receives(&office, dir.path(), NEW_TEXT);
    office.adopt(new, &["visitor"]);
    office
        .runtime
        .block_on(office.db().set_kiosk_setting(
            SettingsFor::School(FIRST_SITE),
            KioskSetting::SchoolName("Other".into()),
            "x",
            Utc::now(),
        ))
        .unwrap();

    sync(&path).unwrap();
    assert_refused(&path, &mut kiosk, &old, 0, "configuration_wrong_office");
    let again = sync(&path).unwrap();
    assert_eq!(again.requests, 1, "the same version is not fetched again: it would be refused again");
}

/// An office from before configurations: its answers announce none, and it
/// refuses unknown fields in a push.
fn older_office(router: axum::Router) -> axum::Router {
    router.layer(axum::middleware::from_fn(
        |request: axum::extract::Request, next: axum::middleware::Next| async move {
            let (parts, body) = request.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let sent: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            if sent.get("configuration").is_some() {
                let refusal = serde_json::json!({"code": "malformed_json", "message": "unknown field `configuration`"});
                return (axum::http::StatusCode::BAD_REQUEST, axum::Json(refusal)).into_response();
            }
            let response = next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))).await;
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let mut answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            if let Some(answer) = answer.as_object_mut() {
                answer.remove("configuration_version");
            }
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            axum::response::Response::from_parts(parts, axum::body::Body::from(serde_json::to_vec(&answer).unwrap()))
        },
    ))
}

#[test]
fn a_new_kiosk_keeps_syncing_with_an_office_from_before_configurations() {
    let office = Office::start_with(None, older_office);
    let dir = tempfile::tempdir().unwrap();
    let (path, mut kiosk) = paired_kiosk(dir.path(), &office);
    let shown = kiosk.agreement_for("visitor").unwrap().hash;
    let seq = visitor_signs(&mut kiosk, &shown);
    let report = sync(&path).expect("the kiosk never sends the older office what it does not know");
    assert_eq!((report.acknowledged_seq, report.pending), (seq, 0));
    let state = Store::open(&path).unwrap().configuration_state().unwrap();
    assert_eq!((state.office_version, state.applied_version, state.refused), (None, 0, None));
    assert_eq!(kiosk.welcome().unwrap().school_name, "Welcome");
}

#[test]
fn a_kiosk_that_publishes_locally_shows_at_the_office_as_differing() {
    let office = Office::start();
    let dir = tempfile::tempdir().unwrap();
    let (path, mut kiosk) = paired_kiosk(dir.path(), &office);
    sync(&path).unwrap();
    kiosk.welcome().unwrap();
    sync(&path).unwrap();
    let device = kiosk.store().device_id();
    let issued = office.runtime.block_on(office.db().current_configuration(FIRST_SITE, Utc::now())).unwrap().unwrap();
    let runs = office.runtime.block_on(office.db().kiosk_configurations()).unwrap();
    assert!(!runs[&device].differs_from(&issued), "{:?} {:?}", runs[&device], issued);

    // A school with no office server publishes in the kiosk's own admin area; this one has one, and sees the difference.
    let mut store = Store::open(&path).unwrap();
    store.publish_agreement("# Local rules\n\nSign in.\n", "Local", &[Role::new("visitor").unwrap()]).unwrap();
    signbook_sync::push(&mut store).unwrap();
    let runs = office.runtime.block_on(office.db().kiosk_configurations()).unwrap();
    assert!(runs[&device].differs_from(&issued), "the Kiosks page marks it");
}

#[test]
fn the_offices_privacy_notice_reaches_the_name_screen_in_each_language_and_the_default_invents_no_contact() {
    let office = Office::start();
    let dir = tempfile::tempdir().unwrap();
    let (path, mut kiosk) = paired_kiosk(dir.path(), &office);
    let set = |setting| {
        office.runtime.block_on(office.db().set_kiosk_setting(target_of(&setting), setting, "dpo", Utc::now()))
    };
    set(KioskSetting::SchoolName("Ysgol y Dderwen".into())).unwrap();
    sync(&path).unwrap();

    // None set anywhere: the built-in notice names the school as the
    // holder and sends people to reception, with no made-up contact.
    let default = kiosk.welcome().unwrap().privacy_notice;
    assert!(default.english_html.contains("Ysgol y Dderwen holds the information"), "{}", default.english_html);
    assert!(default.welsh_html.contains("Ysgol y Dderwen sy"), "{}", default.welsh_html);
    for html in [&default.english_html, &default.welsh_html] {
        assert!(!html.contains('@'), "no invented email address: {html}");
        // The only numbers: the heading tags, the lawful basis's article and the ICO's published helpline.
        let rest =
            ["<h1>", "</h1>", "6(1)(e)", "0303 123 1113"].iter().fold(html.clone(), |t, known| t.replace(known, ""));
        assert!(!rest.chars().any(|c| c.is_ascii_digit()), "no invented telephone number: {rest}");
    }

    let notice = signbook_core::privacy_notice::PrivacyNotice {
        english: "# How we use your information\n\nAsk Mrs Ann Jones, our data protection officer.\n".into(),
        welsh: "# Sut rydym yn defnyddio eich gwybodaeth\n\nGofynnwch i Mrs Ann Jones.\n".into(),
    };
    set(KioskSetting::PrivacyNotice(notice)).unwrap();
    sync(&path).unwrap();
    let shown = kiosk.welcome().unwrap().privacy_notice;
    assert_eq!(
        shown.english_html,
        "<h1>How we use your information</h1>\n<p>Ask Mrs Ann Jones, our data protection officer.</p>\n"
    );
    assert_eq!(
        shown.welsh_html,
        "<h1>Sut rydym yn defnyddio eich gwybodaeth</h1>\n<p>Gofynnwch i Mrs Ann Jones.</p>\n"
    );
    let status = Store::open(&path).unwrap().configuration_state().unwrap();
    assert_eq!(status.applied_version, office_version(&office), "applied with the configuration that carried it");
}

#[test]
fn each_schools_kiosk_shows_its_schools_name_the_trusts_settings_and_the_schools_own() {
    use signbook_office::store::SiteStore;
    let office = Office::start();
    let db = office.db();
    office.runtime.block_on(db.rename_site(FIRST_SITE, "Ysgol Bro Taf")).unwrap();
    let oakfield = office.runtime.block_on(db.add_site("Oakfield Primary", Utc::now())).unwrap().id;
    let (taf_dir, oak_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (taf_path, oak_path) = (taf_dir.path().join("kiosk.db"), oak_dir.path().join("kiosk.db"));
    let (mut taf, mut oak) = (Kiosk::open(&taf_path).unwrap(), Kiosk::open(&oak_path).unwrap());
    pair_for(&taf_path, &office, FIRST_SITE);
    pair_for(&oak_path, &office, oakfield);
    let set = |target, setting| office.runtime.block_on(db.set_kiosk_setting(target, setting, "trust", Utc::now()));
    set(SettingsFor::Trust, KioskSetting::IdleTimeoutSecs(120)).unwrap();
    set(SettingsFor::School(oakfield), KioskSetting::IdleTimeoutSecs(45)).unwrap();
    let shown = |kiosk: &mut Kiosk, path: &Path| {
        sync(path).unwrap();
        let welcome = kiosk.welcome().unwrap();
        (welcome.school_name, welcome.idle_timeout_secs)
    };
    assert_eq!(shown(&mut taf, &taf_path), ("Ysgol Bro Taf".to_owned(), 120), "the trust's timeout");
    assert_eq!(shown(&mut oak, &oak_path), ("Oakfield Primary".to_owned(), 45), "Oakfield's own");

    // The trust's next change reaches every school but the one that set its own.
    set(SettingsFor::Trust, KioskSetting::IdleTimeoutSecs(200)).unwrap();
    set(SettingsFor::School(oakfield), KioskSetting::SchoolName("Oakfield Primary School".into())).unwrap();
    assert_eq!(shown(&mut taf, &taf_path), ("Ysgol Bro Taf".to_owned(), 200));
    assert_eq!(shown(&mut oak, &oak_path), ("Oakfield Primary School".to_owned(), 45));
    // Oakfield takes the trust's again.
    office
        .runtime
        .block_on(db.unset_school_setting(oakfield, SettingName::IdleTimeoutSecs, "trust", Utc::now()))
        .unwrap();
    assert_eq!(shown(&mut oak, &oak_path), ("Oakfield Primary School".to_owned(), 200));
    // A school's kiosk is never offered another school's configuration.
    let oak_version = office.runtime.block_on(db.current_configuration(oakfield, Utc::now())).unwrap().unwrap();
    let applied = Store::open(&oak_path).unwrap().configuration_state().unwrap().applied_version;
    assert_eq!(applied, oak_version.version);
    let taf_version = office.runtime.block_on(db.current_configuration(FIRST_SITE, Utc::now())).unwrap().unwrap();
    assert_ne!(taf_version.version, oak_version.version);
    assert_eq!(taf_version.content.settings.school_name.as_deref(), Some("Ysgol Bro Taf"));
}

/// Where a test's setting goes: the school name is the office's one
/// school's own, the rest the trust's, as `signbook-office settings set`.
fn target_of(setting: &KioskSetting) -> SettingsFor {
    match setting {
        KioskSetting::SchoolName(_) => SettingsFor::School(FIRST_SITE),
        _ => SettingsFor::Trust,
    }
}
