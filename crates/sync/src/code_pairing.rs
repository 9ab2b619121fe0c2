//! Pairing with the code alone, the kiosk's side ([`crate::pake`] has the
//! exchange and why it is safe). Like [`crate::PairingRequest`], in steps
//! that never hold the kiosk's store while the network is waited on:
//! [`CodePairing::prepare`] reads the store, [`CodePairing::send`] talks to
//! the office, and [`crate::Paired::save`] writes the outcome.

use std::fmt;

use chrono::Utc;
use ed25519_dalek::SigningKey;
use signbook_core::hash::Hash32;
use signbook_core::store::Store;
use uuid::Uuid;

use crate::error::{Result, SyncError};
use crate::http::OfficeClient;
use crate::kiosk_name::tidy_kiosk_name;
use crate::link::OfficeLink;
use crate::pairing::Paired;
use crate::pake::{KioskPake, PAKE_CONFIRM_PATH, PAKE_PATH, code_id, same_confirmation};
use crate::wire::{PairResponse, PakeAnswer, PakeConfirm, PakeStart};

/// A SPAKE2 message over Ed25519 is 33 bytes; anything much longer is not one.
const MAX_MESSAGE_BYTES: usize = 64;

/// Pairs with the office at `office_url` using only the pairing `code`,
/// and saves it in `store` (holding `store` throughout: what the CLI does).
pub fn pair_with_code(store: &mut Store, office_url: &str, code: &str) -> Result<PairResponse> {
    CodePairing::prepare(store, office_url, code)?.send(&mut OfficeLink::new())?.save(store)
}

/// A pairing by code, ready to send.
pub struct CodePairing {
    office_url: String,
    code: String,
    code_id: String,
    device_id: Uuid,
    key: SigningKey,
    kiosk_name: Option<String>,
}

impl fmt::Debug for CodePairing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodePairing")
            .field("office_url", &self.office_url)
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

impl CodePairing {
    /// Checks the address and the code the admin typed and reads the
    /// kiosk's identity from `store`; nothing goes over the network yet.
    pub fn prepare(store: &Store, office_url: &str, code: &str) -> Result<CodePairing> {
        let code_id =
            code_id(code).ok_or_else(|| SyncError::PairingCodeMalformed { input: code.chars().take(40).collect() })?;
        // Refuses a malformed address now, before anything waits on the network.
        let office_url = OfficeClient::new(office_url, Hash32::ZERO)?.url().to_owned();
        Ok(CodePairing {
            office_url,
            code: code.to_owned(),
            code_id,
            device_id: store.device_id(),
            key: store.signing_key().clone(),
            kiosk_name: None,
        })
    }

    /// Names the kiosk after where it stands, as [`crate::PairingRequest::named`].
    pub fn named(mut self, location: &str) -> Result<Self> {
        let name = tidy_kiosk_name(location)
            .map_err(|_| SyncError::KioskNameInvalid { input: location.chars().take(100).collect() })?;
        self.kiosk_name = Some(name);
        Ok(self)
    }

    /// Runs the exchange and, once the office has proved it made the code
    /// for the certificate this connection sees, registers the kiosk.
    pub fn send(self, link: &mut OfficeLink) -> Result<Paired> {
        let certificate = presented_certificate(link, &self.office_url)?;
        // Pinned to what the server presented: the exchange below proves
        // it is the office's, or fails.
        let client = link.client(&self.office_url, certificate)?;
        let pake = KioskPake::start(&self.code);
        let start = PakeStart {
            code_id: self.code_id.clone(),
            device_id: self.device_id,
            kiosk_message: hex::encode(pake.message()),
        };
        let body = serde_json::to_vec(&start).expect("a pairing start serialises");
        let answer: PakeAnswer = client.call(PAKE_PATH, &[], &body)?;
        let protocol = |detail: &str| SyncError::OfficeProtocol { url: self.office_url.clone(), detail: detail.into() };
        let office_message = hex::decode(&answer.office_message)
            .ok()
            .filter(|m| m.len() <= MAX_MESSAGE_BYTES)
            .ok_or_else(|| protocol("its pairing message is not hex of a SPAKE2 message"))?;
        let office_confirm = hex::decode(&answer.office_confirm).unwrap_or_default();
        let not_confirmed = || SyncError::PairingNotConfirmed { url: self.office_url.clone() };
        let confirmations = pake.finish(&office_message, certificate, self.device_id).map_err(|_| not_confirmed())?;
        let office_proved = same_confirmation(&office_confirm, &confirmations.office);
        let confirm = PakeConfirm {
            exchange_id: answer.exchange_id,
            kiosk_confirm: hex::encode(confirmations.kiosk),
            device_id: self.device_id,
            public_key: hex::encode(self.key.verifying_key().as_bytes()),
            kiosk_name: self.kiosk_name.clone(),
        };
        let body = serde_json::to_vec(&confirm).expect("a pairing confirmation serialises");
        let answer: Result<PairResponse> =
            client.signed_call(&self.key, &self.device_id, PAKE_CONFIRM_PATH, &body, Utc::now());
        // Sent even when the office's confirmation did not match, so that the
        // office learns of the failure and logs it: it refuses this one too
        // (both confirmations come from the same key and transcript), and a
        // confirmation lets whoever answered test only the one guess it
        // already made. Whatever it answers then, nothing is saved.
        if !office_proved {
            return Err(not_confirmed());
        }
        let answer = answer?;
        if answer.device_id != self.device_id {
            return Err(protocol("it registered a different device id"));
        }
        Ok(Paired::new(self.office_url, certificate, answer))
    }
}

/// The fingerprint of the certificate the server at `office_url` presents.
/// The kiosk does not know the office's certificate yet, so it connects
/// pinned to a value no certificate has, and reads what was presented
/// from the refusal; nothing is sent.
fn presented_certificate(link: &mut OfficeLink, office_url: &str) -> Result<Hash32> {
    let client = link.client(office_url, Hash32::ZERO)?;
    match client.post(PAKE_PATH, &[], b"") {
        Err(SyncError::FingerprintMismatch { got, .. }) => Ok(got),
        Err(other) => Err(other),
        Ok(_) => Err(SyncError::OfficeProtocol {
            url: office_url.to_owned(),
            detail: "its certificate has an all-zero fingerprint".into(),
        }),
    }
}
