//! Issue 14, item 3: the evidence pack the dashboard makes carries a
//! statement signed by the office certificate's key (the fingerprint staff
//! check at pairing), listing each kiosk's key and the head the office
//! holds; Rust's crypto and the auditor's Python verifier both accept it
//! and both refuse it changed by one byte.

#[path = "evidence_fixture/mod.rs"]
mod evidence_fixture;

use std::io::{Cursor, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use evidence_fixture::Kiosk;
use http_body_util::BodyExt;
use serde_json::Value;
use sha2::{Digest, Sha256};
use signbook_core::checkpoint::Checkpoint;
use signbook_core::device::key_fingerprint;
use signbook_office::pairing::{code_hash, new_code};
use signbook_office::store::FIRST_SITE;
use signbook_office::store::StaffRole;
use signbook_office::tls::OfficeIdentity;
use signbook_office::web::{self, Dashboard};
use tower::ServiceExt;

const FILES: [&str; 3] = ["office-statement.json", "office-statement.sig", "office-certificate.der"];

struct Pack {
    kiosk: Kiosk,
    identity: OfficeIdentity,
    files: Vec<(String, Vec<u8>)>,
    _dir: tempfile::TempDir,
}

impl Pack {
    fn file(&self, name: &str) -> &[u8] {
        &self.files.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("the pack holds {name}")).1
    }

    /// The pack unzipped into `dir`, as an auditor would, with `name` replaced by `bytes`.
    fn unzip_with(&self, dir: &Path, replaced: Option<(&str, &[u8])>) {
        for (name, bytes) in &self.files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let bytes = replaced.filter(|(n, _)| n == name).map_or(bytes.as_slice(), |(_, b)| b);
            std::fs::write(path, bytes).unwrap();
        }
    }
}

/// The evidence pack of every record, downloaded from the dashboard by an admin.
async fn dashboard_pack() -> Pack {
    let kiosk =
        Kiosk::with(&[("visitor", "Ann Hughes", None), ("visitor", "Tom Price", None), ("staff", "Siân Evans", None)]);
    let dir = tempfile::tempdir().unwrap();
    let store = signbook_office::testing::open_test_store(dir.path());
    let (code, now) = (new_code(), Utc::now());
    assert!(store.add_pairing_code(FIRST_SITE, &code, now, now + Duration::minutes(15)).await.unwrap());
    let device = store
        .pair(&code, &code_hash(&code), kiosk.store.device_id(), &kiosk.store.public_key(), Some("Reception"), now)
        .await
        .unwrap()
        .0;
    store.ingest(&device, None, kiosk.push_request(), now).await.unwrap();
    store.add_user("head", "correct horse battery", StaffRole::Admin, now).await.unwrap();
    let token = store.start_session("head", now.timestamp()).await.unwrap();

    let identity = OfficeIdentity::load_or_create(dir.path()).unwrap();
    let router = web::router(Dashboard::new(store, "Ysgol Test".into(), identity.signer().unwrap()));
    let mut request = Request::builder()
        .uri("/export/evidence.zip")
        .header(header::HOST, "office")
        .header(header::COOKIE, format!("signbook_session={token}"))
        .body(Body::empty())
        .unwrap();
    request.extensions_mut().insert(ConnectInfo("127.0.0.1:40000".parse::<SocketAddr>().unwrap()));
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let zip_bytes = response.into_body().collect().await.unwrap().to_bytes();
    let mut zip = zip::ZipArchive::new(Cursor::new(zip_bytes.to_vec())).unwrap();
    let mut files = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        files.push((entry.name().unwrap().to_string(), bytes));
    }
    Pack { kiosk, identity, files, _dir: dir }
}

/// Whether `signature` is the certificate key's ECDSA P-256 / SHA-256 signature over `message`.
fn office_signed(certificate_der: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let (_, certificate) = x509_parser::parse_x509_certificate(certificate_der).unwrap();
    let key = certificate.public_key().subject_public_key.data.to_vec();
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, key)
        .verify(message, signature)
        .is_ok()
}

fn auditor(pack: &Path) -> (i32, String) {
    let out = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/auditor/recompute.py"))
        .arg("office-statement")
        .arg(pack)
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[tokio::test]
async fn the_pack_holds_the_office_statement_its_signature_and_certificate_listed_in_the_manifest() {
    let pack = dashboard_pack().await;
    let manifest: Value = serde_json::from_slice(pack.file("manifest.json")).unwrap();
    for name in FILES {
        let entry = manifest["files"].as_array().unwrap().iter().find(|f| f["path"] == name);
        let entry = entry.unwrap_or_else(|| panic!("the manifest lists {name}"));
        assert_eq!(entry["sha256"], hex::encode(Sha256::digest(pack.file(name))), "{name}");
    }
    let report = String::from_utf8(pack.file("verification.txt").to_vec()).unwrap();
    assert!(report.contains("office-statement.json lists each kiosk's key"), "{report}");
    let certificate = pack.file("office-certificate.der");
    assert_eq!(certificate, pack.identity.certificate_der());
    assert_eq!(
        hex::encode(Sha256::digest(certificate)),
        pack.identity.fingerprint().to_hex(),
        "its SHA-256 is the fingerprint staff compare at pairing"
    );
}

#[tokio::test]
async fn the_statement_is_signed_by_the_certificate_key_and_one_changed_byte_fails() {
    let pack = dashboard_pack().await;
    let (statement, signature) = (pack.file("office-statement.json"), pack.file("office-statement.sig"));
    let certificate = pack.file("office-certificate.der");
    assert!(office_signed(certificate, statement, signature), "the certificate's key signed the statement");
    for at in [0, statement.len() / 2, statement.len() - 1] {
        let mut changed = statement.to_vec();
        changed[at] ^= 0x01;
        assert!(!office_signed(certificate, &changed, signature), "byte {at} changed must fail");
    }
    let other = OfficeIdentity::load_or_create(tempfile::tempdir().unwrap().path()).unwrap();
    assert!(!office_signed(other.certificate_der(), statement, signature), "another office's key did not sign it");
}

#[tokio::test]
async fn the_statement_lists_the_kiosk_key_and_the_head_the_office_holds() {
    let pack = dashboard_pack().await;
    let statement: Value = serde_json::from_slice(pack.file("office-statement.json")).unwrap();
    assert_eq!(statement["format"], "signbook-office-statement-v1");
    assert_eq!(statement["school"], "Ysgol Test");
    assert_eq!(statement["office_certificate_sha256"], pack.identity.fingerprint().to_hex());
    let kiosks = statement["kiosks"].as_array().unwrap();
    assert_eq!(kiosks.len(), 1, "one kiosk's records are in the pack");
    let (kiosk, device_id) = (&kiosks[0], pack.kiosk.store.device_id());
    let key = pack.kiosk.store.public_key();
    assert_eq!(kiosk["device_id"], device_id.hyphenated().to_string());
    assert_eq!(kiosk["name"], "Reception");
    assert_eq!(kiosk["public_key"], hex::encode(key.as_bytes()));
    assert_eq!(kiosk["key_fingerprint"], key_fingerprint(&key), "what `signbook key` shows at the kiosk");
    let head = &kiosk["head"];
    let last = pack.kiosk.records().last().unwrap().record.clone();
    assert_eq!(head["seq"], last.header.seq);
    assert_eq!(head["head_hash"], last.hash.to_hex());
    let checkpoint = Checkpoint {
        device_id,
        seq: head["seq"].as_u64().unwrap(),
        head_hash: signbook_core::Hash32::from_hex(head["head_hash"].as_str().unwrap()).unwrap(),
        signature: hex::decode(head["signature"].as_str().unwrap()).unwrap().try_into().unwrap(),
    };
    assert!(checkpoint.is_valid(&key), "the kiosk's own key signed the head");
}

#[tokio::test]
async fn the_auditors_python_verifier_accepts_the_pack_and_refuses_a_changed_statement() {
    let pack = dashboard_pack().await;
    let fingerprint = pack.identity.fingerprint().to_hex();
    let key_fp = key_fingerprint(&pack.kiosk.store.public_key());

    let intact = tempfile::tempdir().unwrap();
    pack.unzip_with(intact.path(), None);
    let (code, text) = auditor(intact.path());
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("intact:"), "{text}");
    assert!(text.contains(&format!("office certificate SHA-256 fingerprint: {fingerprint}")), "{text}");
    assert!(text.contains(&format!("key fingerprint {key_fp}")), "{text}");
    assert!(text.contains("head record 3"), "{text}");

    // Another kiosk key put in the statement: the office's signature no longer holds.
    let statement = String::from_utf8(pack.file("office-statement.json").to_vec()).unwrap();
    let key_hex = hex::encode(pack.kiosk.store.public_key().as_bytes());
    let forged = statement.replacen(&key_hex[..2], if &key_hex[..2] == "00" { "01" } else { "00" }, 1);
    assert_ne!(forged, statement);
    let tampered = tempfile::tempdir().unwrap();
    pack.unzip_with(tampered.path(), Some(("office-statement.json", forged.as_bytes())));
    let (code, text) = auditor(tampered.path());
    assert_eq!(code, 1, "{text}");
    assert!(text.starts_with("BROKEN: office-statement.sig is not the office certificate's signature"), "{text}");
}

#[tokio::test]
async fn the_python_verifier_refuses_a_head_the_listed_kiosk_key_did_not_sign() {
    // Even an office that signs its statement cannot vouch for a head the kiosk never signed.
    let pack = dashboard_pack().await;
    let mut statement: Value = serde_json::from_slice(pack.file("office-statement.json")).unwrap();
    statement["kiosks"][0]["head"]["seq"] = Value::from(2);
    let json = serde_json::to_vec_pretty(&statement).unwrap();
    let signature = pack.identity.signer().unwrap().sign_statement(&json).unwrap();
    let dir = tempfile::tempdir().unwrap();
    pack.unzip_with(dir.path(), Some(("office-statement.json", &json)));
    std::fs::write(dir.path().join("office-statement.sig"), signature).unwrap();
    let (code, text) = auditor(dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("the head at record 2 is not signed by the listed key"), "{text}");
}

/// Issue 14: the pack the dashboard serves proves itself complete. Its
/// chain file is verified, with the office statement and CSV, by the
/// auditor's script from the ZIP alone (`crates/cli/tests/verify_pack.rs`
/// runs both verifiers on tampered packs).
#[tokio::test]
async fn the_dashboard_pack_carries_its_chain_and_verifies_from_the_zip_alone() {
    let pack = dashboard_pack().await;
    let chain = format!("chains/{}.jsonl", pack.kiosk.store.device_id().hyphenated());
    assert!(pack.file(&chain).starts_with(b"{\"signbook_export\":2,"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pack.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (name, bytes) in &pack.files {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut zip, bytes).unwrap();
    }
    zip.finish().unwrap();
    let out = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/auditor/recompute.py"))
        .arg("verify-export")
        .arg(&path)
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("entries 1 to 3, nothing missing: 3 records in the pack"), "{text}");
}
