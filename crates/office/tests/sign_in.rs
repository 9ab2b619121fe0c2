//! The penetration test's findings about signing in (issue 15), against a
//! real server on loopback: a colleague's failed logins must not lock the
//! account's owner out, and failed logins and lockouts reach the audit
//! log and the alerts staff see.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use signbook_office::store::{IntegrityStore, PrivacyStore, StaffStore};
use signbook_office::tls::OfficeIdentity;
use signbook_office::web::Dashboard;
use signbook_office::{SharedStore, SqliteStore, db_path, server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;
use tokio_rustls::TlsConnector;

const PASSWORD: &str = "correct horse battery";

struct Office {
    addr: SocketAddr,
    tls: TlsConnector,
    store: SqliteStore,
    _dir: tempfile::TempDir,
}

async fn start() -> Office {
    let dir = tempfile::tempdir().unwrap();
    let identity = OfficeIdentity::load_or_create(dir.path()).unwrap();
    let store = SqliteStore::open(db_path(dir.path())).unwrap();
    store.add_user("j.evans", PASSWORD, Utc::now()).await.unwrap();
    let dashboard = Dashboard::new(
        Arc::new(SqliteStore::open(db_path(dir.path())).unwrap()),
        "Test".into(),
        identity.fingerprint(),
    );
    let shared: SharedStore = Arc::new(SqliteStore::open(db_path(dir.path())).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::serve(listener, identity.server_config().unwrap(), server::app(shared, dashboard)));
    let (client, _) = signbook_sync::tls::pinned_client_config(identity.fingerprint());
    Office { addr, tls: TlsConnector::from(client), store, _dir: dir }
}

impl Office {
    /// Posts the login form from `source`; returns the answer's status line and headers.
    async fn login_from(&self, source: &str, username: &str, password: &str) -> String {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
        let tcp = socket.connect(self.addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("signbook-office").unwrap();
        let mut stream = self.tls.connect(name, tcp).await.unwrap();
        let body = format!("username={username}&password={}&next=%2Frecords", password.replace(' ', "+"));
        let request = format!(
            "POST /login HTTP/1.1\r\nHost: office\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
            .await
            .expect("the login was answered")
            .ok();
        let answer = String::from_utf8_lossy(&answer).into_owned();
        answer.split("\r\n\r\n").next().unwrap_or("").to_owned()
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
    let audit = office.store.audit_log(100).await.unwrap();
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
    let audit = office.store.audit_log(1).await.unwrap();
    assert_eq!(audit[0].action, "login_failed");
    assert!(audit[0].detail.len() < 200 && audit[0].detail.contains(&"x".repeat(64)), "{audit:?}");
    // The owner is not affected by another address's lockout.
    assert_eq!(status(&office.login_from("127.0.0.1", "j.evans", PASSWORD).await), "303");
}
