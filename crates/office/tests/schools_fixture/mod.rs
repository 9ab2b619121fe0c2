//! Two schools of a trust on one office, for the schools tests: a kiosk
//! each with records, and staff of the trust and of each school. Runs on
//! the backend the suite runs on (`SIGNBOOK_TEST_BACKEND`).
#![allow(dead_code)]

#[path = "../evidence_fixture/mod.rs"]
mod evidence_fixture;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use evidence_fixture::Kiosk;
use http_body_util::BodyExt;
use signbook_office::pairing::{code_hash, new_code};
use signbook_office::store::{FIRST_SITE, Scope, SharedStore, SiteId, StaffRole};
use signbook_office::testing::{block_on, open_test_store};
use signbook_office::web::{self, Dashboard};
use tower::ServiceExt;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";

/// Two schools of a trust, a kiosk each, and their staff: `trust` (an
/// admin of every school), `oak` (an admin of Oakfield only) and `taf` (a
/// records account of Ysgol Bro Taf only).
pub struct Trust {
    pub store: SharedStore,
    pub router: axum::Router,
    /// Ysgol Bro Taf's kiosk (the office's first school): Ann Hughes, Tom Price.
    pub taf_kiosk: Uuid,
    /// Oakfield's kiosk: Zoë O'Brien, Ben Ward.
    pub oak_kiosk: Uuid,
    pub oakfield: SiteId,
    pub _dir: tempfile::TempDir,
    pub _kiosks: (Kiosk, Kiosk),
}

impl Trust {
    pub fn new() -> Trust {
        let dir = tempfile::tempdir().unwrap();
        let store = open_test_store(dir.path());
        let now = Utc::now();
        block_on(store.rename_site(FIRST_SITE, "Ysgol Bro Taf")).unwrap();
        let oakfield = block_on(store.add_site("Oakfield Primary", now)).unwrap().id;
        let taf = Kiosk::with(&[("visitor", "Ann Hughes", None), ("visitor", "Tom Price", None)]);
        let oak = Kiosk::with(&[("visitor", "Zoë O'Brien", None), ("governor", "Ben Ward", None)]);
        for (kiosk, site) in [(&taf, FIRST_SITE), (&oak, oakfield)] {
            let code = new_code();
            assert!(block_on(store.add_pairing_code(site, &code, now, now + Duration::minutes(15))).unwrap());
            let (device, _) = block_on(store.pair(
                &code,
                &code_hash(&code),
                kiosk.store.device_id(),
                &kiosk.store.public_key(),
                None,
                now,
            ))
            .unwrap();
            assert_eq!(device.site, site, "a kiosk belongs to its pairing code's school");
            block_on(store.ingest(&device, None, kiosk.push_request(), now)).unwrap();
            let detail = format!("an alert about kiosk {}", device.device_id);
            block_on(store.raise_alert(Some(device.device_id), Some(1), "fork", &detail, now)).unwrap();
        }
        for (name, role, sites) in [
            ("trust", StaffRole::Admin, vec![]),
            ("oak", StaffRole::Admin, vec![oakfield]),
            ("taf", StaffRole::Privacy, vec![FIRST_SITE]),
        ] {
            block_on(store.add_user(name, PASSWORD, role, now)).unwrap();
            block_on(store.set_account_sites(name, &sites)).unwrap();
        }
        let signer = signbook_office::tls::OfficeIdentity::load_or_create(dir.path()).unwrap().signer().unwrap();
        let router = web::router(Dashboard::new(store.clone(), "Bro Taf Trust".into(), signer));
        let (taf_kiosk, oak_kiosk) = (taf.store.device_id(), oak.store.device_id());
        Trust { store, router, taf_kiosk, oak_kiosk, oakfield, _dir: dir, _kiosks: (taf, oak) }
    }

    /// A logged-in session of `username`: its cookie and CSRF token.
    pub fn session(&self, username: &str) -> (String, String) {
        let now = Utc::now().timestamp();
        let token = block_on(self.store.start_session(username, now)).unwrap();
        let csrf = block_on(self.store.session(&token, now)).unwrap().unwrap().csrf_token;
        (format!("signbook_session={token}"), csrf)
    }

    /// One request as `who`; a POST's `form` gets the session's CSRF token.
    pub fn send(&self, who: &str, method: &str, path: &str, form: &str) -> (StatusCode, Vec<u8>) {
        let (cookie, csrf) = self.session(who);
        let body = if method == "POST" { format!("csrf={csrf}&{form}").into_bytes() } else { Vec::new() };
        self.request(&cookie, method, path, "application/x-www-form-urlencoded", body)
    }

    /// A roster file posted by `who` to `/roster`, with `school` (if any)
    /// as the form's school.
    pub fn upload_roster(&self, who: &str, school: Option<&str>, csv: &str) -> (StatusCode, Vec<u8>) {
        let (cookie, csrf) = self.session(who);
        let part = |name: &str, value: &str| {
            format!("--XYZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
        };
        let mut body = part("csrf", &csrf);
        if let Some(school) = school {
            body.push_str(&part("school", school));
        }
        body.push_str(&format!(
            "--XYZ\r\nContent-Disposition: form-data; name=\"roster\"; filename=\"roster.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--XYZ--\r\n"
        ));
        self.request(&cookie, "POST", "/roster", "multipart/form-data; boundary=XYZ", body.into_bytes())
    }

    fn request(
        &self,
        cookie: &str,
        method: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Vec<u8>) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "office")
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, content_type);
        let mut request = request.body(Body::from(body)).unwrap();
        request.extensions_mut().insert(ConnectInfo("127.0.0.1:40000".parse::<SocketAddr>().unwrap()));
        block_on(async {
            let response = self.router.clone().oneshot(request).await.unwrap();
            let status = response.status();
            (status, response.into_body().collect().await.unwrap().to_bytes().to_vec())
        })
    }

    pub fn page(&self, who: &str, path: &str) -> (StatusCode, String) {
        let (status, body) = self.send(who, "GET", path, "");
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// Whether Ysgol Bro Taf's first record still has its personal data.
    pub fn taf_record_intact(&self) -> bool {
        let record = block_on(self.store.stored_record(&Scope::Trust, self.taf_kiosk, 1)).unwrap().unwrap();
        record.record.personal.is_some()
    }
}
