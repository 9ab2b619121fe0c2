//! The kiosk facade: what each screen gets and what each button does,
//! including the admin session the webview cannot skip.

use chrono::{Duration, TimeZone, Utc};
use signbook_core::role::Role;
use signbook_core::store::{KioskSettings, ResignRule, SigningStatus};
use signbook_kiosk::{Kiosk, SAMPLE_AGREEMENT_TITLE, SharedKiosk, Submission};
use signbook_sync::BackgroundOptions;

const DEMO_SIGNATURE: &str = include_str!("../../../assets/demo-signature.json");

fn open() -> (tempfile::TempDir, Kiosk) {
    let dir = tempfile::tempdir().unwrap();
    let kiosk = Kiosk::open(dir.path().join("kiosk.db")).unwrap();
    (dir, kiosk)
}

fn submission(kiosk: &Kiosk, role: &str, name: &str, strokes: &str) -> Submission {
    Submission {
        role: role.into(),
        name: name.into(),
        organisation: None,
        strokes_json: strokes.into(),
        agreement_hash: kiosk.agreement_for(role).unwrap().hash,
    }
}

fn records(kiosk: &Kiosk) -> u64 {
    kiosk.store().head().unwrap().map_or(0, |(seq, _)| seq)
}

#[test]
fn a_new_kiosk_shows_the_sample_agreement_for_every_role_and_publishes_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.db");
    let mut kiosk = Kiosk::open(&path).unwrap();
    let welcome = kiosk.welcome().unwrap();
    let roles: Vec<&str> = welcome.roles.iter().map(|r| r.role.as_str()).collect();
    assert_eq!(roles, ["visitor", "governor", "staff", "volunteer", "contractor"]);
    assert!(welcome.roles.iter().all(|r| r.has_agreement));
    assert_eq!(welcome.roles.iter().filter(|r| r.asks_for_organisation).count(), 2);
    assert_eq!(welcome.idle_timeout_secs, 60);
    assert!(!welcome.admin_pin_set);

    let shown = kiosk.agreement_for("governor").unwrap();
    assert_eq!(shown.title, SAMPLE_AGREEMENT_TITLE);
    for topic in ["Passwords", "personal data", "images of pupils", "social media", "personal devices", "report"] {
        assert!(shown.html.to_lowercase().contains(&topic.to_lowercase()), "the sample covers {topic}");
    }
    drop(kiosk);
    let reopened = Kiosk::open(&path).unwrap();
    assert_eq!(reopened.store().agreements().unwrap().len(), 1, "reopening must not publish again");
}

#[test]
fn the_name_screen_normalises_and_says_which_field_is_wrong() {
    let (_dir, kiosk) = open();
    let checked = kiosk.check_name("contractor", "  siân   lloyd-jones ", Some(" Acme  Ltd ")).unwrap();
    assert_eq!(
        (checked.name.as_str(), checked.organisation.as_deref(), checked.first_name.as_str()),
        ("siân lloyd-jones", Some("Acme Ltd"), "siân")
    );

    for (name, organisation, code) in [
        ("   ", None, "name_empty"),
        ("12345", None, "name_no_letters"),
        ("Ann", Some("Ac\u{200B}me"), "organisation_hidden_character"),
    ] {
        let err = kiosk.check_name("visitor", name, organisation).unwrap_err();
        assert_eq!(err.code(), code, "{name:?} / {organisation:?}");
    }
    assert_eq!(kiosk.check_name("Visitor!", "Ann", None).unwrap_err().code(), "role_invalid");
    // The organisation is asked, not required: a parent visiting has none.
    assert_eq!(kiosk.check_name("visitor", "Ann", Some("   ")).unwrap().organisation, None);
}

#[test]
fn submitting_stores_one_record_and_refusals_store_nothing() {
    let (_dir, mut kiosk) = open();
    for (strokes, code) in [
        (r#"{"width":600,"height":240,"strokes":[]}"#, "signature_empty"),
        (r#"{"width":600,"height":240,"strokes":[[{"x":10,"y":10}]]}"#, "signature_dot"),
        ("not json", "signature_malformed"),
    ] {
        let err = kiosk.submit(&submission(&kiosk, "staff", "Ann Jones", strokes)).unwrap_err();
        assert_eq!(err.code(), code);
    }
    let mut forged = submission(&kiosk, "staff", "Ann Jones", DEMO_SIGNATURE);
    forged.agreement_hash = "00".repeat(32);
    assert_eq!(kiosk.submit(&forged).unwrap_err().code(), "unknown_agreement");
    assert_eq!(records(&kiosk), 0);

    let receipt = kiosk.submit(&submission(&kiosk, "staff", "Ann Jones", DEMO_SIGNATURE)).unwrap();
    assert_eq!((receipt.seq, receipt.first_name.as_str(), receipt.role.as_str()), (1, "Ann", "staff"));
    assert!(kiosk.store().verify().unwrap().is_intact());
}

/// Anyone can type a name, so what the kiosk answers must not depend on
/// whether that name has signed: no date, no different screen. Staff sign
/// once per version, and the agreement screen's rule tells everyone so.
#[test]
fn the_kiosk_tells_nobody_whether_a_name_has_signed() {
    let (_dir, mut kiosk) = open();
    kiosk.submit(&submission(&kiosk, "staff", "Ann Jones", DEMO_SIGNATURE)).unwrap();
    let staff = Role::new("staff").unwrap();
    let status = kiosk.store().signing_status(&staff, "Ann Jones", Utc::now()).unwrap();
    assert!(matches!(status, SigningStatus::AlreadySigned { seq: 1, .. }), "staff can still check: {status:?}");

    let signed = serde_json::to_value(kiosk.check_name("staff", "  ann   jones ", None).unwrap()).unwrap();
    let never = serde_json::to_value(kiosk.check_name("staff", "  bob   jones ", None).unwrap()).unwrap();
    let shape = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(shape(&signed), ["first_name", "name", "organisation"], "nothing but the name as it will be stored");
    assert_eq!(shape(&signed), shape(&never));
    assert!(!signed.to_string().contains("2026") && !signed.to_string().contains("seq"), "{signed}");

    // The rule is the role's, the same for every person who chooses it.
    let agreement = kiosk.agreement_for("staff").unwrap();
    assert_eq!(agreement.resign_rule, ResignRule::NewVersion);
    assert_eq!(kiosk.agreement_for("visitor").unwrap().resign_rule, ResignRule::EveryVisit);

    // Signing again is always possible, and stored like any signature.
    let again = kiosk.submit(&submission(&kiosk, "staff", "Ann Jones", DEMO_SIGNATURE)).unwrap();
    assert_eq!(again.seq, 2);
    assert!(kiosk.store().verify().unwrap().is_intact());
}

#[test]
fn admin_actions_need_an_unlocked_session_that_expires_when_idle() {
    let (_dir, mut kiosk) = open();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    assert_eq!(kiosk.admin_overview(t0).unwrap_err().code(), "admin_locked");
    assert_eq!(kiosk.admin_unlock("2580", t0).unwrap_err().code(), "pin_not_set");
    assert_eq!(kiosk.admin_set_first_pin("1234", t0).unwrap_err().code(), "pin_rejected");

    kiosk.admin_set_first_pin("2580", t0).unwrap();
    assert!(kiosk.admin_status(t0).unwrap().unlocked);
    assert_eq!(
        kiosk.admin_set_first_pin("9753", t0).unwrap_err().code(),
        "pin_required",
        "a set PIN is not replaced without the current one"
    );
    let overview = kiosk.admin_overview(t0 + Duration::seconds(30)).unwrap();
    assert_eq!((overview.records, overview.sync.paired, overview.sync.pending), (0, false, 0));
    assert_eq!(
        overview.key_fingerprint,
        signbook_core::device::key_fingerprint(&kiosk.store().public_key()),
        "the Status tab shows the fingerprint of the key that signs this kiosk's records"
    );

    // Each action extends the session by the idle timeout (60 s); silence ends it.
    assert!(kiosk.admin_overview(t0 + Duration::seconds(85)).is_ok());
    assert_eq!(kiosk.admin_overview(t0 + Duration::seconds(146)).unwrap_err().code(), "admin_locked");
    assert!(!kiosk.admin_status(t0 + Duration::seconds(146)).unwrap().unlocked);

    assert_eq!(kiosk.admin_unlock("1111", t0).unwrap_err().code(), "pin_wrong");
    kiosk.admin_unlock("2580", t0).unwrap();
    kiosk.admin_lock();
    assert_eq!(kiosk.admin_verify(t0).unwrap_err().code(), "admin_locked");
}

#[test]
fn admin_imports_previews_and_publishes_a_version_the_kiosk_then_shows() {
    let (_dir, mut kiosk) = open();
    let now = Utc::now();
    kiosk.admin_set_first_pin("2580", now).unwrap();
    let preview = kiosk
        .admin_import(
            "C:\\Users\\office\\Visitor rules.txt",
            "VISITOR RULES\n\nI will wear my badge <b>at all times</b>.\n\nSigned: ..........\n".as_bytes(),
            now,
        )
        .unwrap();
    // Markup-looking text is escaped as text, and shown as text.
    assert_eq!(preview.markdown, "# VISITOR RULES\n\nI will wear my badge \\<b>at all times\\</b>.\n");
    assert_eq!(preview.html, "<h1>VISITOR RULES</h1>\n<p>I will wear my badge &lt;b&gt;at all times&lt;/b&gt;.</p>\n");
    assert_eq!(preview.removed.len(), 1);
    assert_eq!(kiosk.admin_import("rules.doc", b"\xd0\xcf", now).unwrap_err().code(), "import_unsupported");
    assert_eq!(kiosk.admin_import("rules.pdf", b"%PDF", now).unwrap_err().code(), "import_bad_pdf");
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../import/tests/corpus/");
    let scan = std::fs::read(format!("{corpus}scanned-no-text.pdf")).unwrap();
    assert_eq!(kiosk.admin_import("scan.pdf", &scan, now).unwrap_err().code(), "import_scanned_pdf");
    let pdf = std::fs::read(format!("{corpus}visitor-short.pdf")).unwrap();
    let from_pdf = kiosk.admin_import("C:\\Users\\office\\Visitor Agreement.pdf", &pdf, now).unwrap();
    assert!(from_pdf.html.starts_with("<h1>Visitor Agreement</h1>"), "{}", from_pdf.html);
    assert!(from_pdf.removed.iter().any(|r| r.text == "School....."), "{:?}", from_pdf.removed);

    let row =
        kiosk.admin_publish(&preview.markdown, "Visitor rules 2026", &[Role::new("visitor").unwrap()], now).unwrap();
    assert_eq!(row.current_for, [Role::new("visitor").unwrap()]);
    assert_eq!(kiosk.agreement_for("visitor").unwrap().title, "Visitor rules 2026");
    assert_eq!(kiosk.agreement_for("staff").unwrap().title, SAMPLE_AGREEMENT_TITLE, "other roles keep theirs");
    assert_eq!(kiosk.admin_overview(now).unwrap().agreements.len(), 2);
}

#[test]
fn admin_settings_change_the_welcome_screen_and_bad_ones_change_nothing() {
    let (_dir, mut kiosk) = open();
    let now = Utc::now();
    kiosk.admin_set_first_pin("2580", now).unwrap();
    let settings = KioskSettings {
        school_name: "Ysgol y Graig".into(),
        idle_timeout_secs: 90,
        roles: vec![Role::new("staff").unwrap(), Role::new("visitor").unwrap()],
        privacy_notice: Default::default(),
    };
    kiosk.admin_save_settings(&settings, now).unwrap();
    let welcome = kiosk.welcome().unwrap();
    assert_eq!(
        (welcome.school_name.as_str(), welcome.idle_timeout_secs, welcome.roles.len()),
        ("Ysgol y Graig", 90, 2)
    );

    let bad = KioskSettings { idle_timeout_secs: 5, ..settings.clone() };
    assert_eq!(kiosk.admin_save_settings(&bad, now).unwrap_err().code(), "setting_invalid");
    assert_eq!(kiosk.welcome().unwrap().idle_timeout_secs, 90);
}

#[test]
fn the_name_screen_offers_a_privacy_notice_the_default_naming_the_school_until_it_sets_its_own() {
    let (_dir, mut kiosk) = open();
    let now = Utc::now();
    kiosk.admin_set_first_pin("2580", now).unwrap();
    let mut settings = kiosk.store().settings().unwrap();
    settings.school_name = "Ysgol y Graig".into();
    kiosk.admin_save_settings(&settings, now).unwrap();
    let notice = kiosk.welcome().unwrap().privacy_notice;
    assert!(notice.english_html.contains("<h1>How we use your information</h1>"), "{}", notice.english_html);
    assert!(notice.english_html.contains("Ysgol y Graig holds the information"));
    assert!(notice.welsh_html.contains("<h1>Sut rydym yn defnyddio eich gwybodaeth</h1>"));
    assert!(
        notice.welsh_html.contains("Ysgol y Graig sy&#39;n dal")
            || notice.welsh_html.contains("Ysgol y Graig sy'n dal")
    );

    settings.privacy_notice.english = "# Our notice\n\nAsk Mrs Jones, our DPO. <script>x</script>\n".into();
    kiosk.admin_save_settings(&settings, now).unwrap();
    let notice = kiosk.welcome().unwrap().privacy_notice;
    assert_eq!(
        notice.english_html,
        "<h1>Our notice</h1>\n<p>Ask Mrs Jones, our DPO. &lt;script&gt;x&lt;/script&gt;</p>\n"
    );
    assert!(notice.welsh_html.contains("Sut rydym"), "Welsh readers keep the default until the school writes one");

    settings.privacy_notice.welsh = "y".repeat(signbook_core::privacy_notice::MAX_NOTICE_BYTES + 1);
    let err = kiosk.admin_save_settings(&settings, now).unwrap_err();
    assert_eq!(err.code(), "setting_invalid");
    assert!(err.to_string().contains("privacy notice (Welsh)"), "{err}");
    assert!(kiosk.welcome().unwrap().privacy_notice.welsh_html.contains("Sut rydym"), "nothing saved");

    assert_eq!(kiosk.admin_change_pin("0000", "9753", now).unwrap_err().code(), "pin_wrong");
    kiosk.admin_change_pin("2580", "9753", now).unwrap();
    kiosk.admin_lock();
    kiosk.admin_unlock("9753", now).unwrap();
}

#[test]
fn export_goes_only_to_an_offered_destination() {
    let (dir, mut kiosk) = open();
    let now = Utc::now();
    kiosk.submit(&submission(&kiosk, "staff", "Ann Jones", DEMO_SIGNATURE)).unwrap();
    kiosk.admin_set_first_pin("2580", now).unwrap();
    let exports = dir.path().join("exports");
    kiosk.set_export_dir(&exports);
    let overview = kiosk.admin_overview(now).unwrap();
    assert_eq!(overview.destinations[0].path, exports.display().to_string());
    let label = serde_json::to_value(&overview.destinations[0].label).unwrap();
    assert_eq!(label, serde_json::json!({"code": "exports_folder"}), "a code the UI translates, not English");

    let done = kiosk.admin_export(&overview.destinations[0].path, now).unwrap();
    assert_eq!(done.records, 1);
    assert!(std::fs::read_to_string(&done.csv).unwrap().contains("Ann Jones"));
    let jsonl = std::fs::read(&done.jsonl).unwrap();
    let report = signbook_core::export::verify::verify_export(jsonl.as_slice(), None).unwrap();
    assert!(report.is_intact() && report.records == 1, "the USB export proves itself complete: {report:?}");

    let err = kiosk.admin_export("/etc", now).unwrap_err();
    assert_eq!(err.code(), "io");
    assert!(err.to_string().contains("not an export destination"), "{err}");
}

#[test]
fn pairing_from_the_admin_area_is_refused_clearly_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let kiosk = SharedKiosk::open(dir.path().join("kiosk.db"), BackgroundOptions::default());
    let now = Utc::now();
    let fingerprint = "ab".repeat(32);
    assert_eq!(
        kiosk.admin_pair("https://127.0.0.1:9", "ABCD-EFGH", &fingerprint, "Main reception", now).unwrap_err().code,
        "admin_locked"
    );
    assert_eq!(kiosk.admin_sync_now(now).unwrap_err().code, "admin_locked");
    kiosk.with(|k| k.admin_set_first_pin("2580", now)).unwrap();
    let receipt = kiosk.with(|k| k.submit(&submission(k, "staff", "Ann Jones", DEMO_SIGNATURE))).unwrap();

    assert_eq!(kiosk.admin_sync_now(now).unwrap_err().code, "not_paired", "nothing to sync to before pairing");
    let long = "x".repeat(61);
    for (office, fingerprint, location, code) in [
        ("http://office.local:8443", fingerprint.as_str(), "Main reception", "office_url_invalid"),
        ("https://office.local:8443/v1/pair", fingerprint.as_str(), "Main reception", "office_url_invalid"),
        ("https://127.0.0.1:9", "not a fingerprint", "Main reception", "fingerprint_invalid"),
        ("https://127.0.0.1:9", fingerprint.as_str(), "   ", "kiosk_name_invalid"),
        ("https://127.0.0.1:9", fingerprint.as_str(), long.as_str(), "kiosk_name_invalid"),
        // Nothing listens on the discard port: the office cannot be reached.
        ("https://127.0.0.1:9", fingerprint.as_str(), "Main reception", "office_unreachable"),
    ] {
        let error = kiosk.admin_pair(office, "ABCD-EFGH", fingerprint, location, now).unwrap_err();
        assert_eq!(error.code, code, "{office} {fingerprint} {location:?}: {}", error.message);
    }
    let sync = kiosk.admin_overview(now).unwrap().sync;
    assert!(!sync.paired && sync.office_url.is_none(), "a refused pairing saves nothing: {sync:?}");
    assert_eq!(sync.pending, receipt.seq, "the record waits for the office");
}

/// Record format 2: an erasure appends an entry, so the chain's head is no
/// longer a record; the Status tab still counts records and shows the newest.
#[test]
fn the_admin_overview_counts_records_when_the_chain_ends_in_an_erasure_entry() {
    let (dir, mut kiosk) = open();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    kiosk.submit(&submission(&kiosk, "visitor", "Ann Jones", DEMO_SIGNATURE)).unwrap();
    let newest = kiosk.submit(&submission(&kiosk, "visitor", "Bob Smith", DEMO_SIGNATURE)).unwrap();
    // Erased from the CLI (or by the office's request through sync) meanwhile.
    let mut other = signbook_core::Store::open(dir.path().join("kiosk.db")).unwrap();
    assert_eq!(other.erase(1, "asked to be forgotten").unwrap().entry_seq, 3);
    kiosk.admin_set_first_pin("2580", t0).unwrap();
    let overview = kiosk.admin_overview(t0).unwrap();
    assert_eq!(overview.records, 2, "records, not erasure entries");
    // The receipt's time to the millisecond; the overview's to the second.
    let newest_at = format!("{}Z", &newest.signed_at[..19]);
    assert_eq!(overview.last_signed_at, Some(newest_at));
}
