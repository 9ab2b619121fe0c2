//! The kiosk's HTTPS client against a stand-in office that misbehaves in
//! ways the real one does not: answers too long to hold, answers cut off,
//! and a certificate other than the pinned one. (The real office's tests,
//! `crates/office/tests`, cover keep-alive, addresses and the clock.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use signbook_core::Hash32;
use signbook_sync::SyncError;
use signbook_sync::http::OfficeClient;

/// Serves every request on 127.0.0.1 with the bytes `answer` gives, then
/// closes the connection. Returns its address and certificate fingerprint.
fn stand_in_office(answer: fn() -> Vec<u8>) -> (SocketAddr, Hash32) {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert = generated.cert.der().to_vec();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(generated.signing_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(cert.clone())], key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { return };
            let connection = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = BufReader::new(rustls::StreamOwned::new(connection, tcp));
            // The request: headers up to the blank line, then its body.
            let mut length = 0;
            let mut line = String::new();
            while tls.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
                line.clear();
            }
            let _ = tls.read_exact(&mut vec![0; length]);
            let mut tls = tls.into_inner();
            let _ = tls.write_all(&answer());
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (addr, Hash32::of(&cert))
}

fn post(office: (SocketAddr, Hash32)) -> Result<signbook_sync::http::HttpResponse, SyncError> {
    OfficeClient::new(&format!("https://{}", office.0), office.1).unwrap().post("/v1/push", &[], b"{}")
}

#[test]
fn an_answer_longer_than_a_mebibyte_is_refused_not_held() {
    let office = stand_in_office(|| {
        let mut answer =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3000000\r\n\r\n".to_vec();
        answer.resize(answer.len() + 3_000_000, b' ');
        answer
    });
    match post(office) {
        Err(SyncError::OfficeProtocol { detail, .. }) => {
            assert!(detail.contains("longer than 1048576 bytes"), "{detail}")
        }
        other => panic!("expected a refused answer, got {other:?}"),
    }
    let chunked = stand_in_office(|| {
        let chunk = vec![b' '; 64 * 1024];
        let mut answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..40 {
            answer.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            answer.extend_from_slice(&chunk);
            answer.extend_from_slice(b"\r\n");
        }
        answer.extend_from_slice(b"0\r\n\r\n");
        answer
    });
    assert!(
        matches!(post(chunked), Err(SyncError::OfficeProtocol { .. })),
        "an answer without a length is capped as it arrives"
    );
}

#[test]
fn an_answer_cut_off_is_an_error_not_a_shorter_answer() {
    let office = stand_in_office(|| b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"acknowledged_seq\":".to_vec());
    match post(office) {
        Err(SyncError::OfficeUnreachable { detail, .. }) => assert!(detail.contains("cut off"), "{detail}"),
        other => panic!("expected the cut answer to fail, got {other:?}"),
    }
    let garbled = stand_in_office(|| b"HTTP/1.1 two hundred\r\n\r\n".to_vec());
    assert!(matches!(post(garbled), Err(SyncError::OfficeProtocol { .. })), "not HTTP: said so");
}

#[test]
fn a_complete_answer_arrives_with_the_office_clock() {
    let office = stand_in_office(|| {
        b"HTTP/1.1 409 Conflict\r\nDate: Mon, 23 Nov 2026 21:50:07 GMT\r\nContent-Length: 2\r\n\r\n{}".to_vec()
    });
    let answer = post(office).unwrap();
    assert_eq!((answer.status, answer.body.as_slice(), answer.date), (409, &b"{}"[..], Some(1_795_470_607)));
}

#[test]
fn another_certificate_than_the_pinned_one_is_named_in_the_error() {
    let (addr, real) = stand_in_office(|| b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".to_vec());
    let pinned = Hash32::of(b"the certificate the admin typed");
    match post((addr, pinned)) {
        Err(SyncError::FingerprintMismatch { expected, got, .. }) => assert_eq!((expected, got), (pinned, real)),
        other => panic!("expected a fingerprint mismatch, got {other:?}"),
    }
}
