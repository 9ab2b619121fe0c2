//! Pairing with the code alone (issue 17), on the real `signbook-office
//! serve` and real TLS: the kiosk types only the code; the SPAKE2 exchange
//! proves the office made it for the certificate the kiosk sees, so a
//! wrong code, an exhausted code, a used code and a person in the middle
//! all fail, and every failure is in the office's audit log.

mod common;

use std::net::SocketAddr;

use common::{Office, assert_office_holds, block_on, kiosk};
use signbook_office::store::{FIRST_SITE, Scope};
use signbook_office::tls::OfficeIdentity;
use signbook_sync::SyncError;

fn audit_failures(office: &Office) -> Vec<String> {
    block_on(office.db().audit_log(&Scope::Trust, 100))
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "pairing_failed")
        .map(|e| e.detail)
        .collect()
}

fn refused_code(error: &SyncError) -> Option<&str> {
    match error {
        SyncError::OfficeRefused { code, .. } => Some(code),
        _ => None,
    }
}

/// The same first two characters (so the same open code is meant), one
/// character wrong after them.
fn mistyped(code: &str) -> String {
    let mut chars: Vec<char> = code.chars().collect();
    let last = chars.len() - 1;
    chars[last] = if chars[last] == 'Z' { 'Y' } else { 'Z' };
    chars.into_iter().collect()
}

#[test]
fn the_code_alone_pairs_the_kiosk_which_then_pushes_and_the_code_works_once() {
    let (office_dir, kiosk_dir, other_dir) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 40);
    let code = office.pairing_code();

    let paired = signbook_sync::CodePairing::prepare(&store, &office.url(), &code.to_lowercase())
        .unwrap()
        .named("Main reception")
        .unwrap()
        .send(&mut signbook_sync::OfficeLink::new())
        .unwrap()
        .save(&mut store)
        .unwrap();
    assert_eq!((paired.device_id, paired.acknowledged_seq), (store.device_id(), 0));
    assert_eq!(store.sync_status().unwrap().office_url.as_deref(), Some(office.url().as_str()));
    let device = block_on(office.db().device(store.device_id())).unwrap().expect("registered at the office");
    assert_eq!(device.name.as_deref(), Some("Main reception"));
    assert_eq!(device.public_key, store.public_key());

    // Pinned to the office's own certificate: pushing works over it.
    let report = signbook_sync::push(&mut store).unwrap();
    assert_eq!((report.sent, report.acknowledged_seq, report.pending), (40, 40, 0));
    assert_office_holds(&office, &store);

    // The code is spent: another kiosk typing it is told so.
    let mut other = kiosk(other_dir.path(), 1);
    let error = signbook_sync::pair_with_code(&mut other, &office.url(), &code).unwrap_err();
    assert_eq!(refused_code(&error), Some("pairing_code_used"), "{error}");
    assert!(other.sync_status().unwrap().office_url.is_none(), "nothing saved");
    assert_eq!(audit_failures(&office).len(), 1, "the refusal is in the audit log");
}

#[test]
fn wrong_codes_fail_are_logged_and_after_five_the_code_is_exhausted_even_when_right() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 3);
    let code = office.pairing_code();

    for attempt in 1..=5 {
        let error = signbook_sync::pair_with_code(&mut store, &office.url(), &mistyped(&code)).unwrap_err();
        assert!(matches!(error, SyncError::PairingNotConfirmed { .. }), "attempt {attempt}: {error}");
        assert_eq!(error.code(), "pairing_not_confirmed");
    }
    assert!(store.sync_status().unwrap().office_url.is_none(), "a failed pairing saves nothing");
    let failures = audit_failures(&office);
    assert_eq!(failures.len(), 5, "each wrong code is in the audit log: {failures:?}");
    assert!(failures.iter().all(|f| f.contains("pairing_not_confirmed")), "{failures:?}");
    let alerts = block_on(office.db().alerts()).unwrap();
    assert!(alerts.iter().any(|a| a.kind == "pairing_code_invalid"), "staff are alerted: {alerts:?}");

    let error = signbook_sync::pair_with_code(&mut store, &office.url(), &code).unwrap_err();
    assert_eq!(refused_code(&error), Some("pairing_code_exhausted"), "{error}");
    assert!(error.to_string().contains("make a new code"), "says what to do: {error}");
    assert!(block_on(office.db().device(store.device_id())).unwrap().is_none(), "not paired");
    let alerts = block_on(office.db().alerts()).unwrap();
    assert!(alerts.iter().any(|a| a.kind == "pairing_code_exhausted"), "{alerts:?}");
    assert_eq!(audit_failures(&office).len(), 6);

    // A new code pairs at once.
    let fresh = office.pairing_code();
    signbook_sync::pair_with_code(&mut store, &office.url(), &fresh).unwrap();
    assert!(block_on(office.db().device(store.device_id())).unwrap().is_some());
}

#[test]
fn a_code_no_office_made_is_refused_and_logged() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 1);
    let code = office.pairing_code();
    // Another first character: no open code has that name.
    let other = format!("{}{}", if code.starts_with('Z') { 'Y' } else { 'Z' }, &code[1..]);
    let error = signbook_sync::pair_with_code(&mut store, &office.url(), &other).unwrap_err();
    assert_eq!(refused_code(&error), Some("pairing_code_invalid"), "{error}");
    assert_eq!(audit_failures(&office).len(), 1);
    let malformed = signbook_sync::pair_with_code(&mut store, &office.url(), "7KQ2M").unwrap_err();
    assert_eq!(malformed.code(), "pairing_code_malformed", "refused at the kiosk: {malformed}");
    assert_eq!(audit_failures(&office).len(), 1, "nothing reached the office");
}

/// A TLS proxy with a certificate of its own, relaying to the office over
/// TLS pinned to the office's: what someone in the middle would run.
fn start_interceptor(runtime: &tokio::runtime::Runtime, office: &Office) -> SocketAddr {
    let dir = tempfile::tempdir().unwrap();
    let impostor = OfficeIdentity::load_or_create(dir.path()).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(impostor.server_config().unwrap());
    let fingerprint = office.fingerprint.parse().unwrap();
    let (client_config, _) = signbook_sync::tls::pinned_client_config(fingerprint);
    let connector = tokio_rustls::TlsConnector::from(client_config);
    let target = office.addr;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move {
        let _keep = dir;
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let (acceptor, connector) = (acceptor.clone(), connector.clone());
            tokio::spawn(async move {
                let Ok(mut kiosk_side) = acceptor.accept(tcp).await else { return };
                let upstream = tokio::net::TcpStream::connect(target).await.unwrap();
                let name = rustls::pki_types::ServerName::try_from("office").unwrap();
                let mut office_side = connector.connect(name, upstream).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut kiosk_side, &mut office_side).await;
            });
        }
    });
    addr
}

#[test]
fn a_person_in_the_middle_with_another_certificate_fails_pairing_and_the_office_logs_it() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 1);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let interceptor = start_interceptor(&runtime, &office);
    let code = office.pairing_code();

    // The right code, relayed faithfully, but over the interceptor's certificate.
    let error = signbook_sync::pair_with_code(&mut store, &format!("https://{interceptor}"), &code).unwrap_err();
    assert!(matches!(error, SyncError::PairingNotConfirmed { .. }), "{error}");
    assert!(error.to_string().contains("intercepting"), "says what it may mean: {error}");
    assert!(store.sync_status().unwrap().office_url.is_none(), "nothing pinned");
    assert!(block_on(office.db().device(store.device_id())).unwrap().is_none(), "not registered at the office");
    let failures = audit_failures(&office);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("pairing_not_confirmed"), "{failures:?}");

    // The same code still pairs directly (one of its five tries was spent).
    signbook_sync::pair_with_code(&mut store, &office.url(), &code).unwrap();
    assert!(block_on(office.db().device(store.device_id())).unwrap().is_some());
}

#[test]
fn codes_made_together_never_share_their_first_two_characters() {
    let dir = tempfile::tempdir().unwrap();
    let store = signbook_office::testing::open_test_store(dir.path());
    let now = chrono::Utc::now();
    let codes: Vec<String> = (0..40)
        .map(|_| block_on(signbook_office::pairing::make_pairing_code(&*store, FIRST_SITE, now)).unwrap())
        .collect();
    let mut names: Vec<_> = codes.iter().map(|c| signbook_sync::pake::code_id(c).unwrap()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 40, "{codes:?}");
    let clash = format!("{}XXX-XXXXX", &codes[0][..2]);
    assert!(!block_on(store.add_pairing_code(FIRST_SITE, &clash, now, now + chrono::Duration::minutes(15))).unwrap());
}
