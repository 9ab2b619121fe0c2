//! Issue 17: the privacy notice ("How we use your information") set at the
//! office on Privacy → Privacy notice, from a template filled in with what
//! the office knows, audited, and carried to every kiosk in the next
//! signed configuration.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use common::{Office, block_on};
use http_body_util::BodyExt;
use signbook_office::store::StaffRole;
use signbook_office::store::{FIRST_SITE, Scope};
use signbook_office::web::{self, Dashboard};
use tower::ServiceExt;

const ENGLISH: &str =
    "# How we use your information\n\nYsgol y Dderwen holds it. Contact Mrs Ann Jones, dpo@example.org.\n";
const WELSH: &str =
    "# Sut rydym yn defnyddio eich gwybodaeth\n\nYsgol y Dderwen sy'n ei dal. Cysylltwch â Mrs Ann Jones.\n";

fn form(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={}", urlencoding(v))).collect::<Vec<_>>().join("&")
}

fn urlencoding(value: &str) -> String {
    value.bytes().fold(String::new(), |mut out, b| {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
        out
    })
}

#[test]
fn saving_the_notice_at_the_office_publishes_a_configuration_the_kiosk_applies() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut kiosk = common::kiosk(kiosk_dir.path(), 1);
    signbook_sync::pair(&mut kiosk, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut kiosk).unwrap();
    signbook_sync::apply_pending_configuration(&mut kiosk, Utc::now()).unwrap();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = signbook_office::testing::open_test_store(office_dir.path());
    let now = Utc::now();
    let (token, csrf) = runtime.block_on(async {
        store.set_retention(FIRST_SITE, "visitor", Some(365), "head", now).await.unwrap();
        // A privacy officer, not an admin: the notice is theirs to keep.
        store.add_user("dpo", "correct horse battery", StaffRole::Privacy, now).await.unwrap();
        let token = store.start_session("dpo", now.timestamp()).await.unwrap();
        let csrf = store.session(&token, now.timestamp()).await.unwrap().unwrap().csrf_token;
        (token, csrf)
    });
    let signer = signbook_office::tls::OfficeIdentity::load_or_create(office_dir.path()).unwrap().signer().unwrap();
    let router = web::router(Dashboard::new(store.clone(), "Ysgol y Dderwen".into(), signer));
    let send = |method: &str, body: String| {
        let mut request = Request::builder()
            .method(method)
            .uri("/privacy/notice")
            .header(header::HOST, "office")
            .header(header::COOKIE, format!("signbook_session={token}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        request.extensions_mut().insert(ConnectInfo("127.0.0.1:40000".parse::<SocketAddr>().unwrap()));
        let response = runtime.block_on(router.clone().oneshot(request)).unwrap();
        let status = response.status();
        let text = runtime.block_on(response.into_body().collect()).unwrap().to_bytes();
        (status, String::from_utf8_lossy(&text).into_owned())
    };

    // The first time, the template: the school's name, its retention period, and a placeholder for the contact.
    let (status, page) = send("GET", String::new());
    assert_eq!(status, StatusCode::OK, "{page}");
    for phrase in
        ["Ysgol y Dderwen holds", "visitors: 365 days", "[Write here how to reach", "Ysgol y Dderwen sy'n dal"]
    {
        assert!(page.contains(phrase), "{phrase:?} in {page}");
    }
    // Saving it unedited is refused, showing what was typed.
    let template_en = "Ysgol y Dderwen holds it.\n\n**Data protection contact.** [Write here who.]";
    let (status, page) = send("POST", form(&[("csrf", &csrf), ("english", template_en), ("welsh", WELSH)]));
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("still says") && page.contains("[Write here who.]"), "{page}");
    let before = runtime.block_on(store.current_configuration(FIRST_SITE, Utc::now())).unwrap().unwrap();
    assert_eq!(before.content.settings.privacy_notice, None, "nothing saved");

    // The school's own text is saved, audited, and issued as the next version.
    let (status, _) = send("POST", form(&[("csrf", &csrf), ("english", ENGLISH), ("welsh", WELSH)]));
    assert_eq!(status, StatusCode::SEE_OTHER);
    let issued = runtime.block_on(store.current_configuration(FIRST_SITE, Utc::now())).unwrap().unwrap();
    assert_eq!((issued.version, issued.issued_by.as_str()), (before.version + 1, "dpo"));
    let notice = issued.content.settings.privacy_notice.clone().expect("the configuration carries the notice");
    assert_eq!((notice.english.as_str(), notice.welsh.as_str()), (ENGLISH, WELSH));
    let audit = block_on(office.db().audit_log(&Scope::Trust, 50)).unwrap();
    assert!(
        audit.iter().any(|e| e.actor == "dpo" && e.action == "kiosk_setting" && e.detail.starts_with("privacy_notice")),
        "who changed it and when: {audit:?}"
    );
    let shown = String::from_utf8(office.cli(&["settings", "show"]).stdout).unwrap();
    assert!(shown.contains(&format!("privacy notice: {} bytes in English", ENGLISH.len())), "{shown}");
    let (_, page) = send("GET", String::new());
    assert!(page.contains("Contact Mrs Ann Jones") && !page.contains("[Write here"), "the saved notice: {page}");

    // The kiosk's next sync fetches the signed configuration; it applies it between visitors.
    signbook_sync::push(&mut kiosk).unwrap();
    assert_eq!(signbook_sync::apply_pending_configuration(&mut kiosk, Utc::now()).unwrap(), Some(issued.version));
    let settings = kiosk.settings().unwrap();
    assert_eq!((settings.privacy_notice.english.as_str(), settings.privacy_notice.welsh.as_str()), (ENGLISH, WELSH));
}
