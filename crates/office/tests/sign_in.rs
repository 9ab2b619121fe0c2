//! The penetration test's findings about signing in and pairing (issue 15),
//! against a real server on loopback: a colleague's failed logins must not
//! lock the account's owner out; failed logins and lockouts reach the audit
//! log and the alerts staff see; wrong pairing codes are limited per
//! address, in the database, and alerted.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::Utc;
use ed25519_dalek::SigningKey;
use signbook_office::pairing::make_pairing_code;
use signbook_office::store::StaffRole;
use signbook_office::store::{FIRST_SITE, Scope};
use signbook_office::tls::OfficeIdentity;
use signbook_office::web::Dashboard;
use signbook_office::{SharedStore, server};
use signbook_sync::PAIR_PATH;
use signbook_sync::auth;
use signbook_sync::wire::PairRequest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;
use tokio_rustls::TlsConnector;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";

struct Office {
    addr: SocketAddr,
    tls: TlsConnector,
    store: signbook_office::SharedStore,
    _dir: tempfile::TempDir,
}

async fn start() -> Office {
    let dir = tempfile::tempdir().unwrap();
    let identity = OfficeIdentity::load_or_create(dir.path()).unwrap();
    let store = signbook_office::testing::open_test_store(dir.path());
    store.add_user("j.evans", PASSWORD, StaffRole::Admin, Utc::now()).await.unwrap();
    let dashboard = Dashboard::new(
        signbook_office::testing::open_test_store(dir.path()),
        "Test".into(),
        identity.signer().unwrap(),
    );
    let shared: SharedStore = signbook_office::testing::open_test_store(dir.path());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::serve(listener, identity.server_config().unwrap(), server::app(shared, dashboard)));
    let (client, _) = signbook_sync::tls::pinned_client_config(identity.fingerprint());
    Office { addr, tls: TlsConnector::from(client), store, _dir: dir }
}

impl Office {
    /// Sends one request from `source`; returns the answer (status line, headers, body).
    async fn post_from(&self, source: &str, path: &str, headers: &[(&str, String)], body: &str) -> String {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
        let tcp = socket.connect(self.addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("signbook-office").unwrap();
        let mut stream = self.tls.connect(name, tcp).await.unwrap();
        let extra: String = headers.iter().map(|(name, value)| format!("{name}: {value}\r\n")).collect();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: office\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
            .await
            .expect("the request was answered")
            .ok();
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// Posts the login form from `source`; returns the answer's status line and headers.
    async fn login_from(&self, source: &str, username: &str, password: &str) -> String {
        let body = format!("username={username}&password={}&next=%2Frecords", password.replace(' ', "+"));
        let form = [("Content-Type", "application/x-www-form-urlencoded".to_owned())];
        let answer = self.post_from(source, "/login", &form, &body).await;
        answer.split("\r\n\r\n").next().unwrap_or("").to_owned()
    }

    /// A kiosk at `source` (its key made from `seed`) asks to pair with `code`.
    async fn pair_from(&self, source: &str, seed: u8, code: &str) -> String {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let device_id = Uuid::from_bytes([seed; 16]);
        let request = PairRequest {
            code: code.to_owned(),
            device_id,
            public_key: hex::encode(key.verifying_key().as_bytes()),
            kiosk_name: Some("Reception".into()),
        };
        let body = serde_json::to_string(&request).unwrap();
        let mut headers =
            auth::sign_request(&key, &device_id, "POST", PAIR_PATH, Utc::now().timestamp(), body.as_bytes());
        headers.push(("Content-Type", "application/json".to_owned()));
        self.post_from(source, PAIR_PATH, &headers, &body).await
    }
}

fn status(answer: &str) -> &str {
    answer.get(9..12).unwrap_or(answer)
}

#[tokio::test]
async fn failing_a_colleagues_logins_does_not_lock_them_out_and_is_seen() {
    let office = start().await;
    // Someone at another computer fails j.evans's logins until it locks.
    for attempt in 0..5 {
        let answer = office.login_from("127.0.0.2", "j.evans", "guess number one").await;
        assert_eq!(status(&answer), "401", "attempt {attempt}: {answer}");
    }
    let answer = office.login_from("127.0.0.2", "j.evans", PASSWORD).await;
    assert_eq!(status(&answer), "429", "the failing address is refused even with the right password: {answer}");

    // The owner, at their own computer, still logs in.
    let answer = office.login_from("127.0.0.1", "j.evans", PASSWORD).await;
    assert_eq!(status(&answer), "303", "the owner is let in: {answer}");
    assert!(answer.to_ascii_lowercase().contains("set-cookie: signbook_session="), "{answer}");

    // Each failure is in the audit log, with the name as typed and the address.
    let audit = office.store.audit_log(&Scope::Trust, 100).await.unwrap();
    let failures: Vec<_> = audit.iter().filter(|e| e.action == "login_failed").collect();
    assert_eq!(failures.len(), 5, "{audit:#?}");
    assert!(failures.iter().all(|e| e.actor == "127.0.0.2" && e.detail.contains("\"j.evans\"")), "{failures:#?}");
    // The lockout is in the audit log and the alerts, once.
    let lockouts: Vec<_> = audit.iter().filter(|e| e.action == "login_locked_out").collect();
    assert_eq!(lockouts.len(), 1, "{audit:#?}");
    let alerts = office.store.alerts().await.unwrap();
    let alerted: Vec<_> = alerts.iter().filter(|a| a.kind == "login_locked_out").collect();
    assert_eq!(alerted.len(), 1, "{alerts:#?}");
    assert!(alerted[0].detail.contains("\"j.evans\"") && alerted[0].detail.contains("127.0.0.2"), "{alerted:?}");
}

#[tokio::test]
async fn an_address_failing_many_accounts_is_locked_out_and_alerted_once() {
    let office = start().await;
    let long_name = "x".repeat(500);
    for attempt in 0..20 {
        let answer = office.login_from("127.0.0.3", &format!("user{attempt}"), "guess").await;
        assert_eq!(status(&answer), "401", "attempt {attempt}: {answer}");
    }
    for _ in 0..3 {
        let answer = office.login_from("127.0.0.3", &long_name, "guess").await;
        assert_eq!(status(&answer), "429", "{answer}");
    }
    let alerts = office.store.alerts().await.unwrap();
    let alerted: Vec<_> = alerts.iter().filter(|a| a.kind == "login_locked_out").collect();
    assert_eq!(alerted.len(), 1, "one alert for the address, none for the refused attempts: {alerts:#?}");
    assert!(alerted[0].detail.contains("address 127.0.0.3"), "{alerted:?}");
    // A name typed far too long is cut before it is kept.
    let answer = office.login_from("127.0.0.4", &long_name, "guess").await;
    assert_eq!(status(&answer), "401", "{answer}");
    let audit = office.store.audit_log(&Scope::Trust, 1).await.unwrap();
    assert_eq!(audit[0].action, "login_failed");
    assert!(audit[0].detail.len() < 200 && audit[0].detail.contains(&"x".repeat(64)), "{audit:?}");
    // The owner is not affected by another address's lockout.
    assert_eq!(status(&office.login_from("127.0.0.1", "j.evans", PASSWORD).await), "303");
}

/// The code and the office error code of a JSON refusal.
fn refusal(answer: &str) -> (String, String) {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    (status(answer).to_owned(), json["code"].as_str().unwrap_or(answer).to_owned())
}

#[tokio::test]
async fn wrong_pairing_codes_are_limited_per_address_and_alerted() {
    let office = start().await;
    for attempt in 0..10 {
        let answer = office.pair_from("127.0.0.5", 1, "AAAAA-AAAAA").await;
        assert_eq!(refusal(&answer), ("403".into(), "pairing_code_invalid".into()), "attempt {attempt}: {answer}");
    }
    // The eleventh is refused before the code is even looked at: a right code too.
    let code = make_pairing_code(&*office.store, FIRST_SITE, Utc::now()).await.unwrap();
    let answer = office.pair_from("127.0.0.5", 1, &code).await;
    assert_eq!(refusal(&answer), ("429".into(), "pairing_rate_limited".into()), "{answer}");
    assert!(answer.contains("wait 15 minute(s)"), "says how long: {answer}");

    // Another address is not limited, and pairs with the code.
    let answer = office.pair_from("127.0.0.6", 2, &code).await;
    assert_eq!(status(&answer), "200", "{answer}");

    // Staff see it: the first wrong code, and the limit being reached; not ten alerts.
    let alerts = office.store.alerts().await.unwrap();
    let kinds: Vec<&str> = alerts.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["pairing_code_invalid", "pairing_rate_limited"], "{alerts:#?}");
    assert!(alerts.iter().all(|a| a.detail.contains("127.0.0.5")), "{alerts:#?}");
}

#[tokio::test]
async fn wrong_pairing_codes_are_counted_in_the_database_shared_by_office_processes() {
    let dir = tempfile::tempdir().unwrap();
    // Two offices on one database, as two processes would be.
    let (one, two) =
        (signbook_office::testing::open_test_store(dir.path()), signbook_office::testing::open_test_store(dir.path()));
    let throttle = signbook_office::pairing::PairingThrottle::default();
    let t0 = 1_800_000_000;
    for i in 0..10 {
        let office = if i % 2 == 0 { &one } else { &two };
        let recent = office.recent_pairing_failures(&throttle, "10.0.0.9", t0 + i).await.unwrap();
        assert_eq!(throttle.wait(recent, t0 + i), None, "attempt {i} is allowed");
        office.note_pairing_failure(&throttle, "10.0.0.9", t0 + i).await.unwrap();
    }
    for office in [&one, &two] {
        let recent = office.recent_pairing_failures(&throttle, "10.0.0.9", t0 + 20).await.unwrap();
        assert_eq!(throttle.wait(recent, t0 + 20), Some(15 * 60 - 20), "both offices refuse the address");
        let other = office.recent_pairing_failures(&throttle, "10.0.0.10", t0 + 20).await.unwrap();
        assert_eq!(throttle.wait(other, t0 + 20), None, "another address is not limited");
    }
    let later = two.recent_pairing_failures(&throttle, "10.0.0.9", t0 + 15 * 60 + 1).await.unwrap();
    assert_eq!(throttle.wait(later, t0 + 15 * 60 + 1), None, "the limit ends with the window");
}

#[tokio::test]
async fn a_disabled_accounts_login_is_refused_like_any_other_and_the_audit_log_says_why() {
    let office = start().await;
    office.store.add_user("r.jones", PASSWORD, StaffRole::Records, Utc::now()).await.unwrap();
    office.store.set_disabled("r.jones", Some(Utc::now())).await.unwrap();
    let disabled = office.login_from("127.0.0.1", "r.jones", PASSWORD).await;
    let wrong = office.login_from("127.0.0.1", "j.evans", "not the password").await;
    // The person at the screen learns nothing about the account's state.
    assert_eq!((status(&disabled), status(&wrong)), ("401", "401"));
    let failures: Vec<String> = office
        .store
        .audit_log(&Scope::Trust, 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "login_failed")
        .map(|e| e.detail)
        .collect();
    assert!(failures.contains(&"the account \"r.jones\" is disabled".to_owned()), "{failures:?}");
    assert!(failures.contains(&"wrong password for the account \"j.evans\"".to_owned()), "{failures:?}");
}
