//! `office-statement.json`: the office, under its certificate's key, lists
//! each kiosk's public key and the latest head it holds for that kiosk, so
//! an auditor can tie the kiosk keys to the fingerprint the school wrote
//! down at pairing. `docs/record-format.md` ("The office's signed
//! statement") documents every field and the checks.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Serialize;
use signbook_core::device::key_fingerprint;
use signbook_core::record::format_utc;
use uuid::Uuid;

use super::chains::HeldChains;
use super::error::EvidenceError;
use crate::tls::OfficeSigner;

/// The statement's format; a change to any field's meaning changes it.
pub const STATEMENT_FORMAT: &str = "signbook-office-statement-v1";

/// What the office signs into a pack.
#[derive(Debug, Clone, Copy)]
pub struct OfficeStatementInput<'a> {
    /// The office certificate's key.
    pub signer: &'a OfficeSigner,
    /// Each kiosk's key, head and chain as the office holds them: the
    /// statement lists the keys and heads, the chain files the entries.
    pub held: &'a HeldChains,
}

#[derive(Serialize)]
struct Statement<'a> {
    format: &'static str,
    school: &'a str,
    generated_at: String,
    filter: &'a str,
    office_certificate_sha256: String,
    kiosks: Vec<KioskEntry<'a>>,
}

#[derive(Serialize)]
struct KioskEntry<'a> {
    device_id: String,
    name: Option<&'a str>,
    public_key: String,
    key_fingerprint: String,
    head: Option<Head>,
}

#[derive(Serialize)]
struct Head {
    seq: u64,
    head_hash: String,
    signature: String,
}

/// The statement's bytes and the office's signature over exactly them.
pub(super) struct SignedStatement {
    pub json: Vec<u8>,
    pub signature: Vec<u8>,
}

/// Builds and signs the statement for the kiosks in `kiosks`.
pub(super) fn signed_statement(
    input: &OfficeStatementInput<'_>,
    school: &str,
    filter: &str,
    generated_at: &DateTime<Utc>,
    kiosks: &BTreeSet<Uuid>,
) -> Result<SignedStatement, EvidenceError> {
    let mut entries = Vec::new();
    for device in kiosks {
        let held = input
            .held
            .kiosks
            .iter()
            .map(|k| &k.head)
            .find(|h| h.device.device_id == *device)
            .ok_or(EvidenceError::MissingKey(*device))?;
        entries.push(KioskEntry {
            device_id: device.hyphenated().to_string(),
            name: held.device.name.as_deref(),
            public_key: hex::encode(held.device.public_key.as_bytes()),
            key_fingerprint: key_fingerprint(&held.device.public_key),
            head: held.checkpoint.as_ref().map(|c| Head {
                seq: c.seq,
                head_hash: c.head_hash.to_hex(),
                signature: hex::encode(c.signature),
            }),
        });
    }
    let statement = Statement {
        format: STATEMENT_FORMAT,
        school,
        generated_at: format_utc(generated_at),
        filter,
        office_certificate_sha256: input.signer.fingerprint().to_hex(),
        kiosks: entries,
    };
    let json = serde_json::to_vec_pretty(&statement).map_err(std::io::Error::from)?;
    let signature = input.signer.sign_statement(&json).map_err(|e| EvidenceError::Signing(e.to_string()))?;
    Ok(SignedStatement { json, signature })
}
