//! A dashboard with staff accounts over an office holding a kiosk's
//! records, driven request by request through its router (no network):
//! shared by the role and publishing tests.

#![allow(dead_code)] // each test file uses its own part

#[path = "../evidence_fixture/mod.rs"]
pub mod evidence_fixture;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use evidence_fixture::Kiosk;
use http_body_util::BodyExt;
use signbook_office::pairing::{code_hash, new_code};
use signbook_office::store::FIRST_SITE;
use signbook_office::store::{StaffRole, StaffStore, SyncStore};
use signbook_office::web::{self, Dashboard};
use signbook_office::{SqliteStore, db_path};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";

/// An office holding three signed records of one kiosk, with the account
/// `tester` of `role`, an admin `head` and a records account `other`.
pub struct Office {
    pub store: Arc<SqliteStore>,
    pub router: axum::Router,
    pub kiosk: Kiosk,
    _dir: tempfile::TempDir,
}

impl Office {
    pub async fn new(role: StaffRole) -> Office {
        Office::with(
            role,
            &[("visitor", "Ann Hughes", None), ("visitor", "Tom Price", None), ("visitor", "Zoë O'Brien", None)],
        )
        .await
    }

    /// The same office holding the records of `people` (role, name, organisation) instead.
    pub async fn with(role: StaffRole, people: &[(&str, &str, Option<&str>)]) -> Office {
        let kiosk = Kiosk::with(people);
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(db_path(dir.path())).unwrap());
        let code = new_code();
        let now = Utc::now();
        assert!(store.add_pairing_code(FIRST_SITE, &code, now, now + Duration::minutes(15)).await.unwrap());
        let device = store
            .pair(&code, &code_hash(&code), kiosk.store.device_id(), &kiosk.store.public_key(), None, now)
            .await
            .unwrap()
            .0;
        store.ingest(&device, None, kiosk.push_request(), now).await.unwrap();
        store.raise_alert(None, None, "login_locked_out", "alert 1, to acknowledge", now).await.unwrap();
        for (name, role) in [("head", StaffRole::Admin), ("tester", role), ("other", StaffRole::Records)] {
            store.add_user(name, PASSWORD, role, now).await.unwrap();
        }
        let signer = signbook_office::tls::OfficeIdentity::load_or_create(dir.path()).unwrap().signer().unwrap();
        let dashboard = Dashboard::new(store.clone(), "Test school".into(), signer);
        Office { store, router: web::router(dashboard), kiosk, _dir: dir }
    }

    /// A logged-in session of `username`: its cookie and CSRF token.
    pub async fn session(&self, username: &str) -> (String, String) {
        let now = Utc::now().timestamp();
        let token = self.store.start_session(username, now).await.unwrap();
        let csrf = self.store.session(&token, now).await.unwrap().unwrap().csrf_token;
        (format!("signbook_session={token}"), csrf)
    }

    /// Sends one request; returns its status and body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        body: Option<Body>,
    ) -> (StatusCode, String) {
        let mut request = Request::builder().method(method).uri(path).header(header::HOST, "office");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let body = match body {
            Some(body) => body,
            None if method == "POST" => Body::from(""),
            None => Body::empty(),
        };
        let mut request = request.body(body).unwrap();
        request.extensions_mut().insert(ConnectInfo("127.0.0.1:40000".parse::<SocketAddr>().unwrap()));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Sends one request with a body of `content_type` as `cookie`'s session.
    pub async fn send_typed(
        &self,
        method: &str,
        path: &str,
        cookie: &str,
        body: Body,
        content_type: &str,
    ) -> (StatusCode, String) {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "office")
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .unwrap();
        request.extensions_mut().insert(ConnectInfo("127.0.0.1:40000".parse::<SocketAddr>().unwrap()));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// GETs a download as `cookie`'s session: status, headers and the bytes.
    pub async fn download(&self, path: &str, cookie: &str) -> (StatusCode, header::HeaderMap, Vec<u8>) {
        let mut request = Request::builder()
            .uri(path)
            .header(header::HOST, "office")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        request.extensions_mut().insert(ConnectInfo("127.0.0.1:40000".parse::<SocketAddr>().unwrap()));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.into_body().collect().await.unwrap().to_bytes().to_vec())
    }

    pub fn device(&self) -> String {
        self.kiosk.store.device_id().to_string()
    }
}
