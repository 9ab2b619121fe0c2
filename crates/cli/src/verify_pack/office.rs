//! The office's signatures in a pack (`docs/record-format.md` sections 12
//! and 13.6): its statement of each kiosk's key and head, and its erasure
//! statements, each ECDSA P-256 / SHA-256 under `office-certificate.der`.

use std::collections::BTreeMap;

use serde_json::Value;
use sha2::{Digest, Sha256};
use signbook_core::Hash32;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::device::key_fingerprint;
use signbook_core::export::verify::parse_public_key;
use uuid::Uuid;

use super::Problem;

const STATEMENT: &str = "office-statement.json";
const ERASURE_FORMAT: &str = "signbook-office-erasure-v1";

/// A kiosk as the office statement lists it.
pub struct ListedKiosk {
    pub public_key: String,
    pub key_fingerprint: String,
    pub name: Option<String>,
    /// `(seq, head_hash, signature)`, all as written.
    pub head: Option<(u64, String, String)>,
}

/// The statement, checked: the certificate's fingerprint and the kiosks.
pub struct Statement {
    pub certificate_sha256: String,
    pub kiosks: BTreeMap<Uuid, ListedKiosk>,
}

/// An office erasure statement, checked: which record it names.
pub struct OfficeErasure {
    pub path: String,
    pub device: Uuid,
    pub seq: u64,
    pub record_hash: String,
}

fn office_key(certificate: &[u8]) -> Option<Vec<u8>> {
    let (_, parsed) = x509_parser::parse_x509_certificate(certificate).ok()?;
    Some(parsed.public_key().subject_public_key.data.to_vec())
}

fn signed(key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, key)
        .verify(message, signature)
        .is_ok()
}

/// Checks `office-statement.json` as section 12 says, in its order.
pub fn statement(files: &BTreeMap<String, Vec<u8>>) -> Result<Statement, Problem> {
    let file = |name: &str| files.get(name).ok_or_else(|| Problem::file(name, "the pack does not hold it".into()));
    let (json, signature, certificate) =
        (file(STATEMENT)?, file("office-statement.sig")?, file("office-certificate.der")?);
    let key = office_key(certificate)
        .ok_or_else(|| Problem::file("office-certificate.der", "it is not an X.509 certificate".into()))?;
    if !signed(&key, json, signature) {
        return Err(Problem::file(
            "office-statement.sig",
            "it is not the office certificate's signature over office-statement.json: the statement was changed after the office signed it, or signed by another key".into(),
        ));
    }
    let bad = |what: String| Problem::file(STATEMENT, what);
    let value: Value = serde_json::from_slice(json).map_err(|e| bad(format!("it is not JSON: {e}")))?;
    if value.get("format").and_then(Value::as_str) != Some("signbook-office-statement-v1") {
        return Err(bad(format!("its format is {}, not signbook-office-statement-v1", value["format"])));
    }
    let certificate_sha256 = hex::encode(Sha256::digest(certificate));
    if value.get("office_certificate_sha256").and_then(Value::as_str) != Some(certificate_sha256.as_str()) {
        return Err(bad("it names another certificate than office-certificate.der".into()));
    }
    let mut kiosks = BTreeMap::new();
    for kiosk in value.get("kiosks").and_then(Value::as_array).ok_or_else(|| bad("it has no kiosks list".into()))? {
        let text = |k: &str| kiosk.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        let device = Uuid::try_parse(&text("device_id"))
            .map_err(|_| bad(format!("a kiosk's device_id {:?} is not a UUID", text("device_id"))))?;
        let public_key = text("public_key");
        let parsed = parse_public_key(&public_key).map_err(|e| bad(format!("kiosk {device}: public_key: {e}")))?;
        if key_fingerprint(&parsed) != text("key_fingerprint") {
            return Err(bad(format!(
                "kiosk {device}: key_fingerprint {:?} is not that of its public_key",
                text("key_fingerprint")
            )));
        }
        let head =
            match kiosk.get("head") {
                None | Some(Value::Null) => None,
                Some(h) => {
                    let (seq, hash, sig) = (
                        h.get("seq").and_then(Value::as_u64).unwrap_or(0),
                        h.get("head_hash").and_then(Value::as_str).unwrap_or_default().to_owned(),
                        h.get("signature").and_then(Value::as_str).unwrap_or_default().to_owned(),
                    );
                    let signature = hex::decode(&sig).ok().and_then(|s| <[u8; 64]>::try_from(s).ok());
                    let checkpoint = Hash32::from_hex(&hash)
                        .ok()
                        .zip(signature)
                        .map(|(head_hash, signature)| Checkpoint { device_id: device, seq, head_hash, signature });
                    if !checkpoint.is_some_and(|c| c.is_valid(&parsed)) {
                        return Err(bad(format!(
                            "kiosk {device}: the head at record {seq} is not signed by the listed key"
                        )));
                    }
                    Some((seq, hash, sig))
                }
            };
        let name = kiosk.get("name").and_then(Value::as_str).map(str::to_owned);
        kiosks.insert(device, ListedKiosk { public_key, key_fingerprint: text("key_fingerprint"), name, head });
    }
    Ok(Statement { certificate_sha256, kiosks })
}

/// Checks every `office-erasures/<device>-<seq>.txt`: its `.sig` is the
/// office certificate's signature over it, it names that certificate, and
/// it names the record its file name says.
pub fn erasures(files: &BTreeMap<String, Vec<u8>>) -> Result<Vec<OfficeErasure>, Problem> {
    let mut out = Vec::new();
    let certificate = files.get("office-certificate.der").map(Vec::as_slice).unwrap_or_default();
    let key = office_key(certificate).unwrap_or_default();
    let certificate_sha256 = hex::encode(Sha256::digest(certificate));
    for (path, bytes) in files.range("office-erasures/".to_owned()..) {
        if !path.starts_with("office-erasures/") {
            break;
        }
        let Some(stem) = path.strip_suffix(".txt") else {
            if path.strip_suffix(".sig").is_some_and(|s| !files.contains_key(&format!("{s}.txt"))) {
                return Err(Problem::file(path, "a signature without its statement (.txt)".into()));
            }
            continue;
        };
        let bad = |what: String| Problem::file(path, what);
        let signature = files
            .get(&format!("{stem}.sig"))
            .ok_or_else(|| bad(format!("its signature {stem}.sig is not in the pack")))?;
        if !signed(&key, bytes, signature) {
            return Err(bad(
                "its .sig is not the office certificate's signature over it: it was changed after the office signed it"
                    .into(),
            ));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| bad("it is not UTF-8".into()))?;
        let lines: Vec<&str> = text.split_terminator('\n').collect();
        let field = |k: &str| {
            lines.iter().find_map(|l| l.strip_prefix(k).and_then(|r| r.strip_prefix(':'))).unwrap_or_default()
        };
        if lines.first() != Some(&ERASURE_FORMAT) || field("office_certificate_sha256") != certificate_sha256 {
            return Err(bad(format!("it is not a {ERASURE_FORMAT} statement naming office-certificate.der")));
        }
        let device = Uuid::try_parse(field("device")).map_err(|_| bad("its device is not a UUID".into()))?;
        let seq: u64 = field("seq").parse().map_err(|_| bad("its seq is not a number".into()))?;
        if stem != format!("office-erasures/{}-{seq}", device.hyphenated()) {
            return Err(bad(format!("it names kiosk {device} record {seq}, not the record its file name says")));
        }
        out.push(OfficeErasure { path: path.clone(), device, seq, record_hash: field("record").to_owned() });
    }
    Ok(out)
}
