//! The fuzz targets: one function per input a stranger can hand Signbook.
//! Each must return (an error is fine) without panicking, hanging or
//! allocating without bound. `tests/fuzz.rs` runs them under proptest on
//! stable Rust (CI); `fuzz/` runs the same functions under libFuzzer
//! (`cargo fuzz`, the long profile).

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use chrono::Utc;
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};
use signbook_core::Hash32;
use signbook_core::signature::{Strokes, render_png};
use signbook_import as import;
use signbook_office::SqliteStore;
use signbook_office::ingest::{check_extension, decode_batch};
use signbook_office::store::Device;
use signbook_office::store::SyncStore;
use signbook_office::testing::block_on;
use signbook_sync::bundle_signed_message;
use signbook_sync::wire::{PairRequest, PushRequest};
use uuid::Uuid;

/// Stroke JSON from the kiosk UI: parse, validate, and render what passes.
pub fn strokes(data: &[u8]) {
    if let Ok(strokes) = Strokes::from_json(data)
        && strokes.validate().is_ok()
    {
        render_png(&strokes).expect("a validated signature renders");
    }
}

/// The agreement importer: the bytes as a Word, LibreOffice and PDF file
/// and as pasted text.
pub fn importer(data: &[u8]) {
    let _ = import::import_bytes("agreement.docx", data);
    let _ = import::import_bytes("agreement.odt", data);
    let _ = import::import_bytes("agreement.pdf", data);
    let _ = import::import_bytes("agreement.txt", data);
}

fn device() -> Device {
    let key = SigningKey::from_bytes(&[42; 32]);
    Device {
        device_id: Uuid::from_u128(42),
        public_key: key.verifying_key(),
        name: None,
        paired_at: String::new(),
        revoked_at: None,
        site: signbook_office::store::FIRST_SITE,
    }
}

/// Sync request bodies as the office decodes and checks them.
pub fn sync_body(data: &[u8]) {
    let _ = serde_json::from_slice::<PairRequest>(data);
    if let Ok(batch) = serde_json::from_slice::<PushRequest>(data) {
        let device = device();
        if let Ok(decoded) = decode_batch(&device, &batch) {
            let _ = check_extension(&device, (0, Hash32::ZERO), false, &decoded, batch.checkpoint.as_ref(), &[]);
        }
    }
}

struct BundleOffice {
    store: SqliteStore,
    key: SigningKey,
    device: Uuid,
    file: PathBuf,
    _dir: tempfile::TempDir,
}

/// USB bundles, signed by the paired kiosk's key so the fuzzer reaches the
/// manifest and batch parsing behind the signature check.
pub fn bundle(data: &[u8]) {
    static OFFICE: OnceLock<Mutex<BundleOffice>> = OnceLock::new();
    let office = OFFICE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(dir.path().join("office.db")).expect("office db");
        let key = SigningKey::from_bytes(&[42; 32]);
        let device = Uuid::from_u128(42);
        let now = Utc::now();
        let code = signbook_office::pairing::new_code();
        block_on(store.add_pairing_code(
            signbook_office::store::FIRST_SITE,
            &code,
            now,
            now + chrono::Duration::hours(1),
        ))
        .expect("code");
        let hash = signbook_office::pairing::code_hash(&code);
        block_on(store.pair(&code, &hash, device, &key.verifying_key(), None, now)).expect("pair");
        Mutex::new(BundleOffice { store, key, device, file: dir.path().join("bundle.jsonl"), _dir: dir })
    });
    let office = office.lock().unwrap_or_else(|e| e.into_inner());
    let mut content = data.to_vec();
    if !content.ends_with(b"\n") {
        content.push(b'\n');
    }
    let signature = office.key.sign(&bundle_signed_message(&office.device, &Sha256::digest(&content)));
    content.extend_from_slice(format!("{{\"signature\":\"{}\"}}\n", hex::encode(signature.to_bytes())).as_bytes());
    std::fs::write(&office.file, &content).expect("write the bundle");
    let file = office.file.clone();
    let _ = block_on(signbook_office::bundle::import_bundle(&office.store, &file, Utc::now()));
}
