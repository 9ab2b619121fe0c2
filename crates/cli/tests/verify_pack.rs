//! Issue 14: an office evidence ZIP proves itself complete. A real pack is
//! made by the office's own code from a synced kiosk (chain files, office
//! statement, office erasure statements), then checked from the file alone
//! by `signbook verify-export` and by `docs/auditor/recompute.py
//! verify-export`; each tampered copy must fail in both, naming the first
//! broken thing.

#[path = "../../office/tests/evidence_fixture/mod.rs"]
mod evidence_fixture;

use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use chrono::{Duration, Utc};
use evidence_fixture::Kiosk;
use serde_json::Value;
use sha2::{Digest, Sha256};
use signbook_office::evidence::{HeldChains, OfficeStatementInput, PackInput, write_pack};
use signbook_office::pairing::{code_hash, new_code};
use signbook_office::store::{
    IntegrityStore, PrivacyStore, RecordQuery, RecordStore, StaffRole, StaffStore, SyncStore,
};
use signbook_office::tls::OfficeIdentity;
use signbook_office::{SqliteStore, db_path};

type Files = Vec<(String, Vec<u8>)>;

struct Pack {
    kiosk: Kiosk,
    files: Files,
    dir: tempfile::TempDir,
}

impl Pack {
    fn device(&self) -> String {
        self.kiosk.store.device_id().hyphenated().to_string()
    }
    fn chain_path(&self) -> String {
        format!("chains/{}.jsonl", self.device())
    }
    fn file(&self, name: &str) -> &[u8] {
        &self.files.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("the pack holds {name}")).1
    }
    fn key_hex(&self) -> String {
        hex::encode(self.kiosk.store.public_key().as_bytes())
    }
}

/// The kiosk signs four records and erases one itself (an erasure entry);
/// the office receives them, erases `office_erases` itself (a signed
/// statement, no kiosk entry yet) and packs what `query` selects.
async fn office_pack(query: RecordQuery, office_erases: Option<u64>) -> Pack {
    let mut kiosk = Kiosk::with(&[
        ("visitor", "Ann Hughes", None),
        ("visitor", "Tom Price", Some("Acme Ltd")),
        ("staff", "Siân Evans", None),
        ("visitor", "Bob Jones", None),
        ("visitor", "Cerys Lloyd", None),
    ]);
    kiosk.store.erase(2, "asked at reception").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(db_path(dir.path())).unwrap();
    let (code, now) = (new_code(), Utc::now());
    assert!(
        store
            .add_pairing_code(signbook_office::store::FIRST_SITE, &code, now, now + Duration::minutes(15))
            .await
            .unwrap()
    );
    let device = store
        .pair(&code, &code_hash(&code), kiosk.store.device_id(), &kiosk.store.public_key(), Some("Reception"), now)
        .await
        .unwrap()
        .0;
    store.ingest(&device, None, kiosk.push_request(), now).await.unwrap();
    store.add_user("head", "correct horse battery", StaffRole::Admin, now).await.unwrap();
    let identity = OfficeIdentity::load_or_create(dir.path()).unwrap();
    let signer = identity.signer().unwrap();
    if let Some(seq) = office_erases {
        store
            .erase_record(
                &signbook_office::store::Scope::Trust,
                device.device_id,
                seq,
                "erasure request 2026-14",
                "head",
                now,
            )
            .await
            .unwrap();
        assert_eq!(store.sign_office_erasures(&signer, now).await.unwrap(), 1);
    }
    let mut records = Vec::new();
    let mut stream = store.matching_records(&signbook_office::store::Scope::Trust, &query, true).await.unwrap();
    while let Some(r) = stream.next().await {
        records.push(r.unwrap());
    }
    let held = HeldChains::read(&store, &query, &records).await.unwrap();
    let chains = store.verify().await.unwrap();
    let mut out = Cursor::new(Vec::new());
    let input = PackInput {
        school: evidence_fixture::SCHOOL,
        filter: &query.describe(),
        generated_at: now,
        records: &records,
        agreements: &kiosk.agreements(),
        chains: &chains,
        office: Some(OfficeStatementInput { signer: &signer, held: &held }),
    };
    write_pack(&mut out, &input).unwrap();
    Pack { kiosk, files: unzip(&out.into_inner()), dir }
}

fn unzip(bytes: &[u8]) -> Files {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            (entry.name().unwrap().to_string(), content)
        })
        .collect()
}

/// Writes `files` as a ZIP; with `rehash`, manifest.json is made to match
/// them again (as someone covering their tracks would).
fn write_zip(path: &Path, files: &Files, rehash: bool) {
    let mut files = files.clone();
    if rehash {
        let (_, manifest) = files.iter().find(|(n, _)| n == "manifest.json").unwrap();
        let mut manifest: Value = serde_json::from_slice(manifest).unwrap();
        manifest["files"] = files
            .iter()
            .filter(|(n, _)| n != "manifest.json")
            .map(|(n, b)| serde_json::json!({"path": n, "sha256": hex::encode(Sha256::digest(b)), "bytes": b.len()}))
            .collect();
        let manifest = serde_json::to_vec_pretty(&manifest).unwrap();
        files.iter_mut().find(|(n, _)| n == "manifest.json").unwrap().1 = manifest;
    }
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in &files {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

fn replace(files: &Files, name: &str, bytes: Vec<u8>) -> Files {
    let mut files = files.clone();
    files.iter_mut().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{name}")).1 = bytes;
    files
}

/// `signbook verify-export` and `recompute.py verify-export` on `zip`: their exit codes and outputs.
fn both(zip: &Path, keys: &[&str]) -> [(i32, String); 2] {
    let mut rust = Command::cargo_bin("signbook").unwrap();
    rust.arg("verify-export").arg(zip);
    let mut python = Command::new("python3");
    python
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/auditor/recompute.py"))
        .arg("verify-export")
        .arg(zip);
    for key in keys {
        rust.args(["--key", key]);
        python.args(["--key", key]);
    }
    [rust, python].map(|mut c| {
        let out = c.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    })
}

fn assert_broken(zip: &Path, expected: &[&str]) {
    for (verifier, (code, out)) in ["signbook", "recompute.py"].iter().zip(both(zip, &[])) {
        assert_eq!(code, 1, "{verifier} must fail:\n{out}");
        assert!(out.contains("BROKEN"), "{verifier}:\n{out}");
        for text in expected {
            assert!(out.contains(text), "{verifier} must name {text:?}:\n{out}");
        }
    }
}

fn everything() -> RecordQuery {
    RecordQuery::default()
}

#[tokio::test]
async fn a_genuine_pack_verifies_in_both_and_says_what_the_keys_prove() {
    let pack = office_pack(everything(), Some(4)).await;
    let chain = String::from_utf8(pack.file(&pack.chain_path()).to_vec()).unwrap();
    assert!(chain.starts_with("{\"signbook_export\":2,"), "{chain}");
    assert!(pack.files.iter().any(|(n, _)| n == &format!("office-erasures/{}-4.txt", pack.device())));
    let manifest: Value = serde_json::from_slice(pack.file("manifest.json")).unwrap();
    assert!(manifest["files"].as_array().unwrap().iter().any(|f| f["path"] == pack.chain_path().as_str()));
    let zip = pack.dir.path().join("pack.zip");
    write_zip(&zip, &pack.files, false);
    for (verifier, (code, out)) in ["signbook", "recompute.py"].iter().zip(both(&zip, &[])) {
        assert_eq!(code, 0, "{verifier}:\n{out}");
        assert!(out.contains("NOT checked who signed"), "{verifier} says the key was not checked:\n{out}");
        assert!(out.contains("as far as you trust the office certificate"), "{verifier}:\n{out}");
    }
    for (verifier, (code, out)) in ["signbook", "recompute.py"].iter().zip(both(&zip, &[&pack.key_hex()])) {
        assert_eq!(code, 0, "{verifier}:\n{out}");
        assert!(out.contains("signed by the key you gave"), "{verifier}:\n{out}");
    }
    let other = hex::encode(ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key().as_bytes());
    for (verifier, (code, out)) in ["signbook", "recompute.py"].iter().zip(both(&zip, &[&other])) {
        assert_eq!(code, 1, "{verifier} refuses a pack whose kiosk key is not the one given:\n{out}");
    }
    // Detected by its bytes, not its name.
    let renamed = pack.dir.path().join("pack.jsonl");
    std::fs::copy(&zip, &renamed).unwrap();
    assert_eq!(both(&renamed, &[])[0].0, 0);
}

#[tokio::test]
async fn a_pack_of_one_role_proves_the_others_outside_it_and_a_name_search_says_what_it_cannot_prove() {
    let pack = office_pack(RecordQuery { role: Some("visitor".into()), ..Default::default() }, None).await;
    let zip = pack.dir.path().join("visitors.zip");
    write_zip(&zip, &pack.files, false);
    for (verifier, (code, out)) in ["signbook", "recompute.py"].iter().zip(both(&zip, &[])) {
        assert_eq!(code, 0, "{verifier}:\n{out}");
        assert!(out.contains("4 records in the pack, 1 omitted"), "{verifier}:\n{out}");
    }
    let pack = office_pack(RecordQuery { name: "Bob".into(), ..Default::default() }, None).await;
    let zip = pack.dir.path().join("bob.zip");
    write_zip(&zip, &pack.files, false);
    for (verifier, (code, out)) in ["signbook", "recompute.py"].iter().zip(both(&zip, &[])) {
        assert_eq!(code, 0, "{verifier}:\n{out}");
        assert!(out.contains("completeness is proven for its role and dates only"), "{verifier}:\n{out}");
    }
}

#[tokio::test]
async fn a_record_line_removed_from_a_chain_file_is_caught_even_with_the_manifest_rehashed() {
    let pack = office_pack(everything(), None).await;
    let chain = String::from_utf8(pack.file(&pack.chain_path()).to_vec()).unwrap();
    let kept: Vec<&str> = chain.lines().filter(|l| !l.contains("\"seq\":3,")).collect();
    assert_eq!(kept.len() + 1, chain.lines().count());
    let files = replace(&pack.files, &pack.chain_path(), (kept.join("\n") + "\n").into_bytes());
    let zip = pack.dir.path().join("t.zip");
    write_zip(&zip, &files, true);
    assert_broken(&zip, &[&pack.chain_path(), "record 3", "missing"]);
}

#[tokio::test]
async fn a_csv_row_whose_record_hash_is_not_in_the_chain_is_caught() {
    let pack = office_pack(everything(), None).await;
    let csv = String::from_utf8(pack.file("records.csv").to_vec()).unwrap();
    let row = csv.lines().nth(3).unwrap();
    let hash = row.rsplit(',').next().unwrap();
    let forged = csv.replace(hash, &"ab".repeat(32));
    let zip = pack.dir.path().join("t.zip");
    write_zip(&zip, &replace(&pack.files, "records.csv", forged.into_bytes()), true);
    assert_broken(&zip, &["records.csv", "record 3", "record_hash"]);
}

#[tokio::test]
async fn a_file_that_does_not_match_its_manifest_hash_is_caught() {
    let pack = office_pack(everything(), None).await;
    let csv = String::from_utf8(pack.file("records.csv").to_vec()).unwrap().replace("Ann Hughes", "Ann Hughez");
    let zip = pack.dir.path().join("t.zip");
    write_zip(&zip, &replace(&pack.files, "records.csv", csv.into_bytes()), false);
    assert_broken(&zip, &["records.csv", "SHA-256"]);
    // A chain file is hashed as it is verified; a change is still named as a change.
    let chain = String::from_utf8(pack.file(&pack.chain_path()).to_vec()).unwrap().replace("Ann Hughes", "Ann Hughez");
    write_zip(&zip, &replace(&pack.files, &pack.chain_path(), chain.into_bytes()), false);
    assert_broken(&zip, &[&pack.chain_path(), "SHA-256"]);
}

#[tokio::test]
async fn an_altered_office_statement_is_caught() {
    let pack = office_pack(everything(), None).await;
    let statement = String::from_utf8(pack.file("office-statement.json").to_vec()).unwrap();
    let altered = statement.replace("Reception", "Reseption");
    assert_ne!(altered, statement);
    let zip = pack.dir.path().join("t.zip");
    write_zip(&zip, &replace(&pack.files, "office-statement.json", altered.into_bytes()), true);
    assert_broken(&zip, &["office-statement"]);
}

#[tokio::test]
async fn an_office_erasure_statement_altered_or_removed_is_caught() {
    let pack = office_pack(everything(), Some(4)).await;
    let name = format!("office-erasures/{}-4.txt", pack.device());
    let statement = String::from_utf8(pack.file(&name).to_vec()).unwrap();
    let altered = statement.replace("reason:request", "reason:retention");
    assert_ne!(altered, statement);
    let zip = pack.dir.path().join("altered.zip");
    write_zip(&zip, &replace(&pack.files, &name, altered.into_bytes()), true);
    assert_broken(&zip, &[&name]);

    let removed: Files = pack.files.iter().filter(|(n, _)| !n.starts_with("office-erasures/")).cloned().collect();
    let zip = pack.dir.path().join("removed.zip");
    write_zip(&zip, &removed, true);
    assert_broken(&zip, &[&pack.chain_path(), "record 4"]);
}

#[tokio::test]
async fn a_chain_file_whose_head_checkpoint_was_swapped_is_caught() {
    let pack = office_pack(everything(), None).await;
    let chain = String::from_utf8(pack.file(&pack.chain_path()).to_vec()).unwrap();
    let (header, rest) = chain.split_once('\n').unwrap();
    let mut header: Value = serde_json::from_str(header).unwrap();
    // A genuine kiosk signature, over an earlier head.
    let key = signbook_core::device::load_key(&pack.kiosk.dir.path().join("kiosk.db.key")).unwrap();
    let line: Value = serde_json::from_str(rest.lines().nth(3).unwrap()).unwrap();
    let (seq, hash) = (line["seq"].as_u64().unwrap(), line["record_hash"].as_str().unwrap());
    let earlier = signbook_core::checkpoint::Checkpoint::sign(
        &key,
        pack.kiosk.store.device_id(),
        seq,
        signbook_core::Hash32::from_hex(hash).unwrap(),
    );
    header["checkpoint"] = serde_json::json!({"seq": seq, "head": hash, "signature": hex::encode(earlier.signature)});
    let swapped = format!("{}\n{rest}\n", serde_json::to_string(&header).unwrap());
    let zip = pack.dir.path().join("t.zip");
    write_zip(&zip, &replace(&pack.files, &pack.chain_path(), swapped.into_bytes()), true);
    assert_broken(&zip, &[&pack.chain_path(), "checkpoint"]);
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_inflated() {
    // A small entry whose ZIP headers say it inflates to almost 4 GiB: the
    // verifiers must refuse on the declared size, before reading it.
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("bomb.zip");
    let mut bytes = Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut bytes);
    zip.start_file("manifest.json", zip::write::SimpleFileOptions::default()).unwrap();
    zip.write_all(&[b' '; 64]).unwrap();
    zip.finish().unwrap();
    let mut bytes = bytes.into_inner();
    let huge = 0xFFFF_FFF0u32.to_le_bytes();
    for (signature, offset) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
        let at = bytes.windows(4).position(|w| w == signature).unwrap();
        bytes[at + offset..at + offset + 4].copy_from_slice(&huge);
    }
    std::fs::write(&zip_path, bytes).unwrap();
    for (verifier, (code, out)) in ["signbook", "recompute.py"].iter().zip(both(&zip_path, &[])) {
        assert_eq!(code, 2, "{verifier}:\n{out}");
        assert!(out.contains("ZIP bomb"), "{verifier}:\n{out}");
    }
}
