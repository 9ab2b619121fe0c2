//! Pairing a kiosk with the office, in three steps so the kiosk's store is
//! never held while the network is waited on: [`PairingRequest::prepare`]
//! reads what it needs from the store, [`PairingRequest::send`] talks to the
//! office, and [`Paired::save`] writes the outcome back.

use std::fmt;

use chrono::Utc;
use ed25519_dalek::SigningKey;
use signbook_core::hash::Hash32;
use signbook_core::store::Store;
use uuid::Uuid;

use crate::PAIR_PATH;
use crate::error::{Result, SyncError};
use crate::http::OfficeClient;
use crate::kiosk_name::tidy_kiosk_name;
use crate::link::OfficeLink;
use crate::wire::{PairRequest, PairResponse};

/// Parses a fingerprint as printed by the office: 64 hex digits, colons
/// and spaces allowed.
pub fn parse_fingerprint(text: &str) -> Result<Hash32> {
    let cleaned: String = text.chars().filter(|c| !matches!(c, ':' | ' ' | '-')).collect();
    Hash32::from_hex(&cleaned).map_err(|_| SyncError::FingerprintInvalid { input: text.chars().take(100).collect() })
}

/// Pairs this kiosk with the office at `office_url`, pinning `fingerprint`,
/// and saves the office in `store` (all three steps, holding `store`
/// throughout: what the CLI does).
pub fn pair(store: &mut Store, office_url: &str, code: &str, fingerprint: &str) -> Result<PairResponse> {
    OfficeLink::new().pair(store, office_url, code, fingerprint)
}

/// A pairing ready to send: the request, signed with the kiosk's key when
/// sent, and the office it goes to.
pub struct PairingRequest {
    office_url: String,
    fingerprint: Hash32,
    device_id: Uuid,
    key: SigningKey,
    request: PairRequest,
}

impl fmt::Debug for PairingRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PairingRequest")
            .field("office_url", &self.office_url)
            .field("fingerprint", &self.fingerprint)
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

impl PairingRequest {
    /// Checks the address and fingerprint the admin typed and reads the
    /// kiosk's identity from `store`; nothing goes over the network yet.
    pub fn prepare(store: &Store, office_url: &str, code: &str, fingerprint: &str) -> Result<PairingRequest> {
        let fingerprint = parse_fingerprint(fingerprint)?;
        // Refuses a malformed address now, before anything waits on the network.
        let office_url = OfficeClient::new(office_url, fingerprint)?.url().to_owned();
        // No location name unless one is given (`named`): the school name
        // sent before made every kiosk of a school look the same.
        let request = PairRequest {
            code: code.trim().to_owned(),
            device_id: store.device_id(),
            public_key: hex::encode(store.public_key().as_bytes()),
            kiosk_name: None,
        };
        Ok(PairingRequest {
            office_url,
            fingerprint,
            device_id: store.device_id(),
            key: store.signing_key().clone(),
            request,
        })
    }

    /// Names the kiosk after where it stands ("Main reception"), for the
    /// office's kiosk list; staff can rename it there later.
    pub fn named(mut self, location: &str) -> Result<Self> {
        let name = tidy_kiosk_name(location)
            .map_err(|_| SyncError::KioskNameInvalid { input: location.chars().take(100).collect() })?;
        self.request.kiosk_name = Some(name);
        Ok(self)
    }

    /// Sends the pairing over `link`'s client for the office. Signed like
    /// every request, which also proves the kiosk holds the key it registers.
    pub fn send(self, link: &mut OfficeLink) -> Result<Paired> {
        let client = link.client(&self.office_url, self.fingerprint)?;
        let body = serde_json::to_vec(&self.request).expect("a pairing request serialises");
        let answer: PairResponse = client.signed_call(&self.key, &self.device_id, PAIR_PATH, &body, Utc::now())?;
        if answer.device_id != self.device_id {
            return Err(SyncError::OfficeProtocol {
                url: self.office_url,
                detail: "it registered a different device id".into(),
            });
        }
        Ok(Paired { office_url: self.office_url, fingerprint: self.fingerprint, answer })
    }
}

/// The office's answer to a pairing, not yet saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paired {
    office_url: String,
    fingerprint: Hash32,
    answer: PairResponse,
}

impl Paired {
    /// The office at `office_url`, whose certificate is `fingerprint`, answered `answer`.
    pub(crate) fn new(office_url: String, fingerprint: Hash32, answer: PairResponse) -> Paired {
        Paired { office_url, fingerprint, answer }
    }

    /// Saves the office in `store` (the kiosk's store the request was
    /// prepared from), starting from what the office already holds of its chain.
    pub fn save(self, store: &mut Store) -> Result<PairResponse> {
        store.save_pairing(&self.office_url, self.fingerprint, self.answer.acknowledged_seq)?;
        // Paired while the office rotates its certificate: accept the next one too.
        store.save_next_office_pin(self.answer.next_certificate)?;
        Ok(self.answer)
    }
}
