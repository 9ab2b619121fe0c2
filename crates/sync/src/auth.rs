//! Request signatures: how the office knows a push comes from the kiosk it
//! paired, and is neither altered nor replayed.
//!
//! The kiosk signs, with its Ed25519 key, the message
//!
//! ```text
//! signbook-request-v1\n{METHOD}\n{path}\n{device id}\n{unix seconds}\n{nonce}\n{SHA-256(body) hex}\n
//! ```
//!
//! and sends the parts in four headers. The office recomputes the message,
//! checks the signature against the key it registered at pairing, refuses
//! a timestamp more than [`MAX_CLOCK_SKEW_SECS`] from its own clock, and
//! refuses a nonce it has already seen from that device within the window.
//! TLS already encrypts and authenticates the office; this authenticates
//! the kiosk without any shared secret that could leak from the office.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// First line of the signed message.
pub const REQUEST_FORMAT: &str = "signbook-request-v1";
/// Header: the device id.
pub const HEADER_DEVICE: &str = "x-signbook-device";
/// Header: unix time in seconds when the kiosk signed.
pub const HEADER_TIMESTAMP: &str = "x-signbook-timestamp";
/// Header: 32 random hex digits, never reused.
pub const HEADER_NONCE: &str = "x-signbook-nonce";
/// Header: the Ed25519 signature, 128 hex digits.
pub const HEADER_SIGNATURE: &str = "x-signbook-signature";
/// How far the kiosk's clock may be from the office's.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// The exact bytes signed for one request.
pub fn request_message(
    method: &str,
    path: &str,
    device_id: &Uuid,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let body_hash = hex::encode(Sha256::digest(body));
    format!("{REQUEST_FORMAT}\n{method}\n{path}\n{}\n{timestamp}\n{nonce}\n{body_hash}\n", device_id.hyphenated())
        .into_bytes()
}

/// The four authentication headers, as `(name, value)`.
pub fn sign_request(
    key: &SigningKey,
    device_id: &Uuid,
    method: &str,
    path: &str,
    timestamp: i64,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).expect("the operating system's random number generator failed");
    let nonce = hex::encode(nonce);
    let signature = key.sign(&request_message(method, path, device_id, timestamp, &nonce, body));
    vec![
        (HEADER_DEVICE, device_id.hyphenated().to_string()),
        (HEADER_TIMESTAMP, timestamp.to_string()),
        (HEADER_NONCE, nonce),
        (HEADER_SIGNATURE, hex::encode(signature.to_bytes())),
    ]
}

/// The authentication headers of a received request, parsed.
#[derive(Debug, Clone, Copy)]
pub struct RequestAuth<'a> {
    /// `x-signbook-device`.
    pub device_id: Uuid,
    /// `x-signbook-timestamp`.
    pub timestamp: i64,
    /// `x-signbook-nonce`.
    pub nonce: &'a str,
    /// `x-signbook-signature`, hex.
    pub signature: &'a str,
}

/// Whether `auth.signature` is `public_key`'s signature of this request.
pub fn verify_request(
    public_key: &VerifyingKey,
    method: &str,
    path: &str,
    auth: &RequestAuth<'_>,
    body: &[u8],
) -> bool {
    let mut signature = [0u8; 64];
    if hex::decode_to_slice(auth.signature, &mut signature).is_err() {
        return false;
    }
    let message = request_message(method, path, &auth.device_id, auth.timestamp, auth.nonce, body);
    public_key.verify(&message, &Signature::from_bytes(&signature)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_request_verifies_only_unchanged_and_with_its_key() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let device = Uuid::nil();
        let headers = sign_request(&key, &device, "POST", "/v1/push", 1_800_000_000, b"{}");
        let get = |name: &str| headers.iter().find(|(n, _)| *n == name).unwrap().1.clone();
        let (nonce, sig) = (get(HEADER_NONCE), get(HEADER_SIGNATURE));
        let pk = key.verifying_key();
        let (nonce, sig) = (nonce.as_str(), sig.as_str());
        let verify = |key: &VerifyingKey, path: &str, timestamp: i64, signature: &str, body: &[u8]| {
            verify_request(key, "POST", path, &RequestAuth { device_id: device, timestamp, nonce, signature }, body)
        };
        assert!(verify(&pk, "/v1/push", 1_800_000_000, sig, b"{}"));
        assert!(!verify(&pk, "/v1/push", 1_800_000_000, sig, b"{ }"), "body changed");
        assert!(!verify(&pk, "/v1/pair", 1_800_000_000, sig, b"{}"), "path changed");
        assert!(!verify(&pk, "/v1/push", 1_800_000_001, sig, b"{}"), "time changed");
        let other = SigningKey::from_bytes(&[4; 32]).verifying_key();
        assert!(!verify(&other, "/v1/push", 1_800_000_000, sig, b"{}"), "other key");
        assert!(!verify(&pk, "/v1/push", 1_800_000_000, "zz", b"{}"), "not hex");
    }
}
