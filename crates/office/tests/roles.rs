//! Staff roles (issue 15, item 5): every dashboard route answered for each
//! role, 403 where the role lacks its permission and nothing changed; the
//! store's account rules (the last active admin, disabled accounts, new
//! passwords); and accounts from before roles, which become admins.

#[path = "dashboard_fixture/mod.rs"]
mod dashboard_fixture;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use dashboard_fixture::{Office, PASSWORD};
use http_body_util::BodyExt;
use signbook_office::store::Scope;
use signbook_office::store::staff::{hash_password, token_hash};
use signbook_office::store::{IntegrityStore, Permission, PrivacyStore, RecordStore, StaffRole, StaffStore};
use signbook_office::{SqliteStore, db_path};
use tower::ServiceExt;

/// One dashboard action: what it needs, and how it answers when allowed.
struct Action {
    method: &'static str,
    path: String,
    /// A form body (the CSRF token is added), or a multipart roster.
    form: Option<String>,
    needs: Permission,
    allowed: StatusCode,
}

fn actions(office: &Office) -> Vec<Action> {
    use Permission::*;
    let device = office.device();
    let agreement = office.kiosk.records()[0].record.header.agreement_hash.to_hex();
    let get =
        |path: &str, needs| Action { method: "GET", path: path.to_owned(), form: None, needs, allowed: StatusCode::OK };
    let post = |path: &str, form: &str, needs, allowed| Action {
        method: "POST",
        path: path.to_owned(),
        form: Some(form.to_owned()),
        needs,
        allowed,
    };
    let (see_other, ok) = (StatusCode::SEE_OTHER, StatusCode::OK);
    vec![
        get("/records", Records),
        get(&format!("/records/{device}/1"), Records),
        get(&format!("/records/{device}/1/signature.png"), Records),
        get(&format!("/records/{device}/1/evidence.pdf"), Records),
        get(&format!("/agreements/{agreement}"), Records),
        get("/agreements", Records),
        get("/export/records.csv", Records),
        get("/export/records.xlsx", Records),
        get("/export/evidence.zip", Records),
        get("/integrity", Records),
        post("/integrity/verify", "", Records, see_other),
        post("/alerts/1/acknowledge", "", Records, see_other),
        get("/roster", Records),
        post("/roster", "multipart", Records, see_other),
        get("/roster/outstanding.csv", Records),
        get("/roster/outstanding.xlsx", Records),
        post(&format!("/records/{device}/1/erase"), "reason=request+1", Privacy, see_other),
        get("/privacy", Privacy),
        post("/privacy/retention", "visitor=3650", Privacy, see_other),
        post("/privacy/purge", "", Privacy, see_other),
        get("/privacy/person?name=tom", Privacy),
        post("/privacy/erase", &format!("record={device}%3A2&reason=request+2"), Privacy, see_other),
        get("/privacy/subject-access.zip?name=zoe", Privacy),
        get("/audit", Privacy),
        get("/kiosks", Administer),
        post("/kiosks/pairing-code", "", Administer, ok),
        post("/kiosks/settings", "key=school-name&value=Ysgol+y+Dderwen", Administer, see_other),
        get("/accounts", Administer),
        post("/accounts", "username=k.lee&role=records", Administer, ok),
        post("/accounts/other/role", "role=privacy", Administer, see_other),
        post("/accounts/other/password", "", Administer, ok),
        post("/accounts/other/disable", "", Administer, see_other),
        post("/accounts/other/enable", "", Administer, see_other),
        post(&format!("/kiosks/{device}/name"), "name=Main+reception", Administer, see_other),
        post(&format!("/agreements/{agreement}/adopt"), "roles=visitor", Administer, see_other),
        post("/accounts/other/publishing", "allow=yes", Administer, see_other),
        post("/settings/export-language", "lang=en", Administer, see_other),
        get("/agreements/new", Publish),
        post("/agreements/import", "multipart-agreement", Publish, ok),
        post(
            "/agreements/review",
            "title=AUP+2027&markdown=%23+AUP%0A%0ABe+kind.&role=visitor&action=publish",
            Publish,
            see_other,
        ),
        post(&format!("/kiosks/{device}/revoke"), "", Administer, see_other),
    ]
}

/// The body and content type of `action`'s request.
fn body(action: &Action, csrf: &str) -> (Body, &'static str) {
    const BOUNDARY: &str = "roster-boundary";
    match action.form.as_deref() {
        Some("multipart-agreement") => (
            Body::from(format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"pasted\"\r\n\r\nAUP\r\n\r\nI will be kind.\r\n--{BOUNDARY}--\r\n"
            )),
            "multipart/form-data; boundary=roster-boundary",
        ),
        Some("multipart") => (
            Body::from(format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"roster\"; filename=\"roster.csv\"\r\nContent-Type: text/csv\r\n\r\nname,role\r\nTom Price,visitor\r\n--{BOUNDARY}--\r\n"
            )),
            "multipart/form-data; boundary=roster-boundary",
        ),
        Some("") => (Body::from(format!("csrf={csrf}")), "application/x-www-form-urlencoded"),
        Some(form) => (Body::from(format!("csrf={csrf}&{form}")), "application/x-www-form-urlencoded"),
        None => (Body::empty(), ""),
    }
}

async fn check_every_action(role: StaffRole) {
    let office = Office::new(role).await;
    let (cookie, csrf) = office.session("tester").await;
    for action in actions(&office) {
        let (body, content_type) = body(&action, &csrf);
        let mut request = Request::builder()
            .method(action.method)
            .uri(&action.path)
            .header(header::HOST, "office")
            .header(header::COOKIE, &cookie);
        if !content_type.is_empty() {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let mut request = request.body(body).unwrap();
        request.extensions_mut().insert(ConnectInfo("127.0.0.1:40000".parse::<SocketAddr>().unwrap()));
        let response = office.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let text = String::from_utf8_lossy(&response.into_body().collect().await.unwrap().to_bytes()).into_owned();
        let what = format!("{role}: {} {}", action.method, action.path);
        if role.allows(action.needs) {
            assert_eq!(status, action.allowed, "{what} is allowed: {text}");
        } else {
            assert_eq!(status, StatusCode::FORBIDDEN, "{what} is refused");
            let ask = format!("Ask a member of staff with the {} role", action.needs.least_role());
            assert!(text.contains("Your account cannot") && text.contains(&ask), "{what} says whom to ask: {text}");
        }
    }
    // What was refused changed nothing, and is in the audit log by name.
    let erased = office.store.erasure_status(office.kiosk.store.device_id(), 1).await.unwrap().is_some();
    assert_eq!(erased, role.allows(Permission::Privacy), "{role}: record 1 erased only if allowed");
    let accounts = office.store.users().await.unwrap();
    assert_eq!(
        accounts.iter().any(|a| a.username == "k.lee"),
        role == StaffRole::Admin,
        "{role}: an account added only by an admin"
    );
    let published =
        office.store.audit_log(&Scope::Trust, 100).await.unwrap().iter().any(|e| e.action == "agreement_published");
    assert_eq!(published, role == StaffRole::Admin, "{role}: an agreement published only by an admin");
    let refusals =
        office.store.audit_log(&Scope::Trust, 100).await.unwrap().into_iter().filter(|e| e.action == "refused").count();
    let forbidden = actions(&office).iter().filter(|a| !role.allows(a.needs)).count();
    assert_eq!(refusals, forbidden, "{role}: each refusal is in the audit log");
}

#[tokio::test]
async fn a_records_account_searches_and_exports_and_is_refused_privacy_and_admin_work() {
    check_every_action(StaffRole::Records).await;
}

#[tokio::test]
async fn a_privacy_account_also_erases_and_purges_but_is_refused_admin_work() {
    check_every_action(StaffRole::Privacy).await;
}

#[tokio::test]
async fn an_admin_account_can_do_everything() {
    check_every_action(StaffRole::Admin).await;
}

#[tokio::test]
async fn the_menu_and_record_page_show_only_what_the_role_can_use() {
    for role in StaffRole::ALL {
        let office = Office::new(role).await;
        let (cookie, _) = office.session("tester").await;
        let (status, page) = office.send("GET", "/records", Some(&cookie), None).await;
        assert_eq!(status, StatusCode::OK);
        for (link, needs) in [
            ("href=\"/records\"", Permission::Records),
            ("href=\"/privacy\"", Permission::Privacy),
            ("href=\"/audit\"", Permission::Privacy),
            ("href=\"/kiosks\"", Permission::Administer),
            ("href=\"/accounts\"", Permission::Administer),
        ] {
            assert_eq!(page.contains(link), role.allows(needs), "{role}: the menu's {link}");
        }
        let (_, record) = office.send("GET", &format!("/records/{}/1", office.device()), Some(&cookie), None).await;
        assert_eq!(record.contains("/erase\""), role.allows(Permission::Privacy), "{role}: the erase form");
    }
}

#[tokio::test]
async fn without_a_session_every_guarded_page_goes_to_the_login() {
    let office = Office::new(StaffRole::Records).await;
    for path in ["/records", "/privacy", "/accounts", "/kiosks"] {
        let (status, _) = office.send("GET", path, None, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
    }
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_disabled_or_removed() {
    let office = Office::new(StaffRole::Records).await;
    let store = &office.store;
    let refused = |result: signbook_office::Result<()>| result.unwrap_err().code();
    assert_eq!(refused(store.set_role("head", StaffRole::Privacy).await), "last_admin");
    assert_eq!(refused(store.set_disabled("HEAD", Some(Utc::now())).await), "last_admin", "names ignore case");
    assert_eq!(store.remove_user("head").await.unwrap_err().code(), "last_admin");
    assert_eq!(refused(store.set_role("nobody", StaffRole::Admin).await), "unknown_account");

    store.set_role("tester", StaffRole::Admin).await.unwrap();
    store.set_role("head", StaffRole::Records).await.unwrap();
    store.set_role("head", StaffRole::Admin).await.unwrap();
    store.set_disabled("head", Some(Utc::now())).await.unwrap();
    assert_eq!(
        refused(store.set_role("tester", StaffRole::Records).await),
        "last_admin",
        "a disabled admin does not count"
    );
    store.set_disabled("head", None).await.unwrap();
    store.set_role("tester", StaffRole::Records).await.unwrap();

    // Through the dashboard: 409 and a page that says what to do.
    let (cookie, csrf) = office.session("head").await;
    let form = Body::from(format!("csrf={csrf}&role=records"));
    let mut request = Request::post("/accounts/head/role")
        .header(header::HOST, "office")
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form)
        .unwrap();
    request.extensions_mut().insert(ConnectInfo("127.0.0.1:40000".parse::<SocketAddr>().unwrap()));
    let response = office.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let text = String::from_utf8_lossy(&response.into_body().collect().await.unwrap().to_bytes()).into_owned();
    assert!(text.contains("head is the last active admin; make another account an admin first"), "{text}");
}

#[tokio::test]
async fn a_disabled_account_cannot_log_in_and_its_sessions_end() {
    let office = Office::new(StaffRole::Records).await;
    let store = &office.store;
    let now = Utc::now().timestamp();
    let token = store.start_session("tester", now).await.unwrap();
    assert_eq!(store.session(&token, now).await.unwrap().unwrap().role, StaffRole::Records);
    store.set_role("tester", StaffRole::Privacy).await.unwrap();
    assert_eq!(
        store.session(&token, now).await.unwrap().unwrap().role,
        StaffRole::Privacy,
        "a new role applies at the next request"
    );

    store.set_disabled("tester", Some(Utc::now())).await.unwrap();
    assert!(store.session(&token, now).await.unwrap().is_none(), "their session ended");
    assert_eq!(store.check_password("tester", PASSWORD).await.unwrap(), None, "they cannot log in");
    assert!(store.users().await.unwrap().iter().any(|a| a.username == "tester" && a.disabled_at.is_some()));

    store.set_disabled("tester", None).await.unwrap();
    assert_eq!(store.check_password("tester", PASSWORD).await.unwrap().as_deref(), Some("tester"));
    assert!(store.session(&token, now).await.unwrap().is_none(), "enabling does not bring old sessions back");

    let token = store.start_session("tester", now).await.unwrap();
    assert!(store.set_password("tester", "short").await.unwrap_err().to_string().contains("at least 10"));
    store.set_password("tester", "a brand new passphrase").await.unwrap();
    assert!(store.session(&token, now).await.unwrap().is_none(), "a new password ends their sessions");
    assert_eq!(store.check_password("tester", PASSWORD).await.unwrap(), None, "the old password no longer works");
    assert!(store.check_password("tester", "a brand new passphrase").await.unwrap().is_some());
    assert_eq!(store.set_password("nobody", "a brand new passphrase").await.unwrap_err().code(), "unknown_account");
}

#[tokio::test]
async fn accounts_from_before_roles_become_admins_and_stay_logged_in() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    // An office database as schema 3 left it, with an account and a session.
    let old = rusqlite::Connection::open(&path).unwrap();
    for migration in [
        include_str!("../src/store/sqlite/migrations/0001_office.sql"),
        include_str!("../src/store/sqlite/migrations/0002_dashboard.sql"),
        include_str!("../src/store/sqlite/migrations/0003_sign_in_problems.sql"),
    ] {
        old.execute_batch(migration).unwrap();
    }
    old.execute_batch("PRAGMA application_id = 0x53424F31; PRAGMA user_version = 3;").unwrap();
    let now = Utc::now().timestamp();
    old.execute(
        "INSERT INTO users (username, password_hash, created_at) VALUES ('j.evans', ?1, '2026-09-01T08:00:00Z')",
        [hash_password(PASSWORD).unwrap()],
    )
    .unwrap();
    let token = "ab".repeat(32);
    old.execute(
        "INSERT INTO sessions (token_hash, username, csrf_token, created_at, last_used_at) VALUES (?1, 'j.evans', 'x', ?2, ?2)",
        rusqlite::params![token_hash(&token), now],
    )
    .unwrap();
    drop(old);

    let store = SqliteStore::open(&path).unwrap();
    let accounts = store.users().await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert!(accounts[0].is_active_admin(), "an existing account is an admin after the upgrade: {accounts:?}");
    assert_eq!(store.session(&token, now).await.unwrap().unwrap().role, StaffRole::Admin, "still logged in");
    assert_eq!(store.check_password("j.evans", PASSWORD).await.unwrap().as_deref(), Some("j.evans"));
}

#[tokio::test]
async fn an_admin_names_a_kiosk_after_where_it_stands_and_records_show_it() {
    let office = Office::new(StaffRole::Admin).await;
    let (cookie, csrf) = office.session("tester").await;
    let rename = |name: &str| {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf", &csrf)
            .append_pair("name", name)
            .finish();
        let path = format!("/kiosks/{}/name", office.device());
        let mut request = Request::builder()
            .method("POST")
            .uri(path)
            .header(header::HOST, "office")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap();
        request.extensions_mut().insert(ConnectInfo("127.0.0.1:40000".parse::<SocketAddr>().unwrap()));
        office.router.clone().oneshot(request)
    };
    assert_eq!(rename("  Main   reception ").await.unwrap().status(), StatusCode::SEE_OTHER);
    let (_, records) = office.send("GET", "/records", Some(&cookie), None).await;
    assert!(records.contains("Main reception"), "the records list names the kiosk: {records}");
    let entry = office
        .store
        .audit_log(&Scope::Trust, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.action == "kiosk_renamed")
        .unwrap();
    assert_eq!(entry.actor, "tester");
    assert!(entry.detail.ends_with("\"\" to \"Main reception\""), "{}", entry.detail);

    // A name that could pose as another in a list is refused, and nothing changes.
    let response = rename("Office\u{202e}noitpecer").await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let kiosks = office.store.devices().await.unwrap();
    assert_eq!(kiosks[0].name.as_deref(), Some("Main reception"));
}
