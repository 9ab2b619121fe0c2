//! Issue 17 at the office: `signbook-office settings set|show`, every change
//! to what kiosks must use issuing the next configuration version (and only
//! a change), audited; `kiosks` and the dashboard's Kiosks page showing each
//! kiosk's version and agreement per role against the office's. The kiosk's
//! side, end to end, is `crates/kiosk/tests/configuration.rs`.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, header};
use chrono::{Duration, Utc};
use common::{Office, block_on};
use http_body_util::BodyExt;
use signbook_office::pairing::{code_hash, new_code};
use signbook_office::store::StaffRole;
use signbook_office::store::{FIRST_SITE, Scope};
use signbook_office::web::{self, Dashboard};
use signbook_sync::configuration::ConfigurationStatus;
use tower::ServiceExt;

fn run(office: &Office, args: &[&str]) -> (bool, String) {
    let out = office.cli(args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn settings_set_issues_a_new_configuration_only_when_something_changes_and_audits_it() {
    let dir = tempfile::tempdir().unwrap();
    let office = Office::start(dir.path());
    let (ok, shown) = run(&office, &["settings", "show"]);
    assert!(ok && shown.contains("No kiosk configuration yet"), "{shown}");

    let (ok, said) = run(&office, &["settings", "set", "school-name", "  Ysgol   y Dderwen "]);
    assert!(ok && said.contains("kiosk configuration 1"), "{said}");
    let (ok, said) = run(&office, &["settings", "set", "resign.governor", "after-days:365"]);
    assert!(ok && said.contains("kiosk configuration 2"), "{said}");
    let (ok, said) = run(&office, &["settings", "set", "resign.governor", "after-days:365"]);
    assert!(ok && said.contains("kiosk configuration 2"), "the same value again is no new version: {said}");

    for (key, value, why) in [
        ("idle-timeout", "5", "15 to 600"),
        ("roles", "visitor,Staff Room", "role"),
        ("resign.staff", "after-days:0", "at least 1"),
        ("resign.Staff", "every-visit", "role"),
        ("colour", "blue", "school-name, idle-timeout, roles, local-retention-days, resign.ROLE"),
        ("local-retention-days", "0", "from 1 to 3650"),
        ("local-retention-days", "3651", "from 1 to 3650"),
    ] {
        let (ok, said) = run(&office, &["settings", "set", key, value]);
        assert!(!ok && said.contains(why), "{key} {value}: {said}");
    }
    let (_, shown) = run(&office, &["settings", "show"]);
    assert!(shown.contains("kiosk configuration 2 (issued"), "{shown}");
    assert!(shown.contains("school name: Ysgol y Dderwen"), "{shown}");
    assert!(shown.contains("governor signs again: after-days:365"), "{shown}");
    assert!(shown.contains("idle timeout: (each kiosk's own)"), "{shown}");

    let audit = block_on(office.db().audit_log(&Scope::Trust, 50)).unwrap();
    let issued: Vec<_> = audit.iter().filter(|e| e.action == "configuration_issued").collect();
    assert_eq!(issued.len(), 2, "{audit:?}");
    assert!(issued.iter().all(|e| e.actor == "cli"));
    assert!(audit.iter().any(|e| e.action == "kiosk_setting" && e.detail == "school_name = Ysgol y Dderwen"));
    assert!(shown.contains("kiosks keep personal data the office holds for: 30 days (the default)"), "{shown}");

    // How long kiosks keep personal data the office holds (issue 17).
    let (ok, said) = run(&office, &["settings", "set", "local-retention-days", "14"]);
    assert!(ok && said.contains("kiosk configuration 3"), "{said}");
    let (_, shown) = run(&office, &["settings", "show"]);
    assert!(shown.contains("kiosks keep personal data the office holds for: 14 days"), "{shown}");
}

#[test]
fn adopting_a_version_issues_the_next_configuration_and_kiosks_shows_who_runs_what() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = common::kiosk(kiosk_dir.path(), 2);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();
    let (_, shown) = run(&office, &["settings", "show"]);
    assert!(shown.contains("kiosk configuration 1 (issued") && shown.contains("by kiosk "), "{shown}");
    let (_, listed) = run(&office, &["kiosks"]);
    assert!(listed.contains("configuration: not reported yet (office: 1)"), "{listed}");

    // The kiosk applies it (as at its next welcome screen) and says so on its next sync.
    signbook_sync::apply_pending_configuration(&mut store, Utc::now()).unwrap();
    signbook_sync::push(&mut store).unwrap();
    let (_, listed) = run(&office, &["kiosks"]);
    assert!(listed.contains("configuration: 1 (office: 1); signs: visitor "), "{listed}");

    // A new version for visitors: adopted at the office (the path the agreement publish ends in).
    let new = store
        .publish_agreement("# AUP 2\n\nNew rules.\n", "AUP 2", &[signbook_core::role::Role::new("visitor").unwrap()])
        .unwrap()
        .version
        .hash;
    signbook_sync::push(&mut store).unwrap();
    let (_, listed) = run(&office, &["kiosks"]);
    assert!(listed.contains("DIFFERS FROM THE OFFICE"), "a kiosk's own publish shows: {listed}");
    let (ok, said) = run(&office, &["agreement", "adopt", &new.to_hex(), "--roles", "visitor"]);
    assert!(ok, "{said}");
    let (_, shown) = run(&office, &["settings", "show"]);
    assert!(
        shown.contains("kiosk configuration 2 (issued") && shown.contains(&format!("visitor signs: {new}")),
        "{shown}"
    );
    let audit = block_on(office.db().audit_log(&Scope::Trust, 50)).unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "configuration_issued" && e.actor == "cli" && e.detail.contains("configuration 2"))
    );

    signbook_sync::push(&mut store).unwrap();
    signbook_sync::apply_pending_configuration(&mut store, Utc::now()).unwrap();
    signbook_sync::push(&mut store).unwrap();
    let (_, listed) = run(&office, &["kiosks"]);
    assert!(listed.contains("configuration: 2 (office: 2); signs: visitor "), "{listed}");
    assert!(!listed.contains("DIFFERS"), "{listed}");
}

#[tokio::test]
async fn the_kiosks_page_marks_a_kiosk_whose_configuration_differs_from_the_office() {
    let kiosk_dir = tempfile::tempdir().unwrap();
    let kiosk = common::kiosk(kiosk_dir.path(), 1);
    let dir = tempfile::tempdir().unwrap();
    let store = signbook_office::testing::open_test_store(dir.path());
    let (code, now) = (new_code(), Utc::now());
    assert!(store.add_pairing_code(FIRST_SITE, &code, now, now + Duration::minutes(15)).await.unwrap());
    let device =
        store.pair(&code, &code_hash(&code), kiosk.device_id(), &kiosk.public_key(), None, now).await.unwrap().0;
    // A kiosk that has applied nothing yet: its push makes the office's
    // configuration 1 (from its agreement), and reports version 0.
    let visitor = signbook_core::role::Role::new("visitor").unwrap();
    let agreement = kiosk.current_agreement(&visitor).unwrap().unwrap();
    let push = signbook_sync::wire::PushRequest {
        records: vec![],
        checkpoint: None,
        erasures: vec![],
        agreements: vec![signbook_sync::wire::WireAgreement::new(&agreement)],
        kiosk_head_seq: Some(1),
        erasure_entries: vec![],
        configuration: Some(ConfigurationStatus {
            applied: 0,
            current: [("visitor".to_owned(), agreement.hash)].into(),
        }),
        held_entries: vec![],
    };
    store.ingest(&device, Some(("00112233445566778899aabbccddeeff", now.timestamp())), push, now).await.unwrap();
    store.add_user("head", "correct horse battery", StaffRole::Admin, now).await.unwrap();
    let token = store.start_session("head", now.timestamp()).await.unwrap();
    let signer = signbook_office::tls::OfficeIdentity::load_or_create(dir.path()).unwrap().signer().unwrap();
    let router = web::router(Dashboard::new(store.clone(), "Test school".into(), signer));
    let mut request = Request::builder()
        .uri("/kiosks")
        .header(header::HOST, "office")
        .header(header::COOKIE, format!("signbook_session={token}"))
        .body(Body::empty())
        .unwrap();
    request.extensions_mut().insert(ConnectInfo("127.0.0.1:40000".parse::<SocketAddr>().unwrap()));
    let page = router.clone().oneshot(request).await.unwrap().into_body().collect().await.unwrap().to_bytes();
    let page = String::from_utf8_lossy(&page);
    assert!(page.contains("Kiosk configuration <strong>1</strong>"), "{page}");
    assert!(page.contains("0 — differs from the office (1)"), "{page}");

    // An admin sets the school name for every kiosk on the same page.
    let csrf = store.session(&token, now.timestamp()).await.unwrap().unwrap().csrf_token;
    let post = |form: String| {
        let mut request = Request::builder()
            .method("POST")
            .uri("/kiosks/settings")
            .header(header::HOST, "office")
            .header(header::COOKIE, format!("signbook_session={token}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap();
        request.extensions_mut().insert(ConnectInfo("127.0.0.1:40000".parse::<SocketAddr>().unwrap()));
        router.clone().oneshot(request)
    };
    let saved = post(format!("csrf={csrf}&key=school-name&value=Ysgol+y+Dderwen")).await.unwrap();
    assert_eq!(saved.status(), axum::http::StatusCode::SEE_OTHER);
    let refused = post(format!("csrf={csrf}&key=resign&role=staff&value=after-days%3A0")).await.unwrap();
    assert_eq!(refused.status(), axum::http::StatusCode::BAD_REQUEST);
    let text = refused.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&text).contains("at least 1"));
    let issued = store.current_configuration(FIRST_SITE, Utc::now()).await.unwrap().unwrap();
    assert_eq!((issued.version, issued.issued_by.as_str()), (2, "head"));
    assert_eq!(issued.content.settings.school_name.as_deref(), Some("Ysgol y Dderwen"));
}

#[test]
fn an_agreement_published_at_the_office_reaches_the_kiosk_for_the_roles_ticked_at_its_next_sync() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = common::kiosk(kiosk_dir.path(), 1);
    let contractor = signbook_core::role::Role::new("contractor").unwrap();
    let site_rules = store
        .publish_agreement("# Site rules\n\nWear a badge.\n", "Site rules", std::slice::from_ref(&contractor))
        .unwrap();
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();
    let (_, shown) = run(&office, &["settings", "show"]);
    assert!(shown.contains("kiosk configuration 1 (issued"), "{shown}");

    // Published at the office for visitors and staff, not contractors.
    let file = office_dir.path().join("aup-2027.md");
    std::fs::write(&file, "# Acceptable use 2027\n\nLog off when you leave.\n").unwrap();
    let (ok, said) = run(
        &office,
        &["agreement", "publish", file.to_str().unwrap(), "--title", "AUP 2027", "--roles", "visitor,staff"],
    );
    assert!(ok && said.contains("every paired kiosk takes it at its next sync"), "{said}");
    let (_, shown) = run(&office, &["settings", "show"]);
    assert!(shown.contains("kiosk configuration 2 (issued"), "the publish issued the next version: {shown}");
    let audit = block_on(office.db().audit_log(&Scope::Trust, 50)).unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "configuration_issued" && e.actor == "cli" && e.detail.contains("configuration 2")),
        "{audit:?}"
    );

    // The kiosk's next sync fetches and checks it; it applies it between two visitors.
    signbook_sync::push(&mut store).unwrap();
    assert_eq!(signbook_sync::apply_pending_configuration(&mut store, Utc::now()).unwrap(), Some(2));
    for role in ["visitor", "staff"] {
        let current = store.current_agreement(&signbook_core::role::Role::new(role).unwrap()).unwrap();
        let current = current.unwrap_or_else(|| panic!("{role} signs something"));
        assert_eq!(
            (current.title.as_str(), current.text.as_str()),
            ("AUP 2027", "# Acceptable use 2027\n\nLog off when you leave.\n"),
            "{role}"
        );
    }
    let kept = store.current_agreement(&contractor).unwrap().expect("contractors keep theirs");
    assert_eq!(kept.hash, site_rules.version.hash, "a role not ticked keeps its version");
}
