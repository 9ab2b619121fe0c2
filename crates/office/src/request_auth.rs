//! Request authentication: the four headers every `POST` carries, the
//! clock window, and the Ed25519 signature over the request
//! (`docs/sync-protocol.md`, "Request signatures").

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use signbook_sync::auth::{self, HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP, MAX_CLOCK_SKEW_SECS};
use uuid::Uuid;

use crate::error::{OfficeError, Result};

/// The authentication headers of a request.
pub(crate) struct SignedBy {
    pub(crate) device_id: Uuid,
    pub(crate) timestamp: i64,
    pub(crate) nonce: String,
    pub(crate) signature: String,
}

/// Reads the four authentication headers. Each must be present and in its
/// form (`docs/sync-protocol.md`, "Request signatures"), else `auth_missing`
/// naming the header and that form. The device id and timestamp must be
/// exactly as the signed message writes them: a device id in capitals would
/// otherwise be read, re-written in lower case and refused as a forgery.
pub(crate) fn signed_by(headers: &HeaderMap) -> Result<SignedBy> {
    let get = |name: &'static str, form: &'static str, ok: &dyn Fn(&str) -> bool| {
        let value = headers.get(name).and_then(|v| v.to_str().ok());
        value.filter(|v| ok(v)).ok_or(OfficeError::AuthMissing { header: name, form })
    };
    let hex = |v: &str, lengths: std::ops::RangeInclusive<usize>| {
        lengths.contains(&v.len()) && v.bytes().all(|b| b.is_ascii_hexdigit())
    };
    let device =
        get(HEADER_DEVICE, DEVICE_FORM, &|v| Uuid::parse_str(v).is_ok_and(|id| id.hyphenated().to_string() == v))?;
    let timestamp = get(HEADER_TIMESTAMP, TIMESTAMP_FORM, &|v| v.parse::<i64>().is_ok_and(|t| t.to_string() == v))?;
    let nonce = get(HEADER_NONCE, NONCE_FORM, &|v| hex(v, 16..=64))?;
    let signature = get(HEADER_SIGNATURE, SIGNATURE_FORM, &|v| hex(v, 128..=128))?;
    Ok(SignedBy {
        device_id: Uuid::parse_str(device).expect("checked above"),
        timestamp: timestamp.parse().expect("checked above"),
        nonce: nonce.to_owned(),
        signature: signature.to_owned(),
    })
}

const DEVICE_FORM: &str = "the kiosk's device id, lowercase and hyphenated (8-4-4-4-12)";
const TIMESTAMP_FORM: &str = "Unix seconds in decimal, no sign or leading zeros";
const NONCE_FORM: &str = "16 to 64 hex digits";
const SIGNATURE_FORM: &str = "128 hex digits";

/// Refuses a timestamp further than [`MAX_CLOCK_SKEW_SECS`] from `now`.
pub(crate) fn check_clock(timestamp: i64, now: DateTime<Utc>) -> Result<()> {
    // Checked: the timestamp is whatever the client sent, i64::MIN included.
    let skew = timestamp.checked_sub(now.timestamp());
    match skew {
        Some(skew) if skew.checked_abs().is_some_and(|abs| abs <= MAX_CLOCK_SKEW_SECS) => Ok(()),
        _ => Err(OfficeError::ClockSkew {
            skew_secs: skew.unwrap_or(if timestamp < 0 { i64::MIN } else { i64::MAX }),
            max: MAX_CLOCK_SKEW_SECS,
        }),
    }
}

/// Checks the timestamp's window, then that `key` signed this request.
pub(crate) fn check_signature(
    signed: &SignedBy,
    key: &VerifyingKey,
    path: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<()> {
    check_clock(signed.timestamp, now)?;
    let request = auth::RequestAuth {
        device_id: signed.device_id,
        timestamp: signed.timestamp,
        nonce: &signed.nonce,
        signature: &signed.signature,
    };
    if !auth::verify_request(key, "POST", path, &request, body) {
        return Err(OfficeError::SignatureInvalid { device_id: signed.device_id });
    }
    Ok(())
}

/// A pairing request (`/v1/pair`, `/v1/pair/pake/confirm`) is signed with
/// the key it registers: proof the kiosk holds that key, so nobody can
/// register someone else's. Returns the key, once the signature and the
/// device id the body names both match the headers.
pub(crate) fn check_pairing_signature(
    headers: &HeaderMap,
    public_key_hex: &str,
    device_id: uuid::Uuid,
    path: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<VerifyingKey> {
    let signed = signed_by(headers)?;
    let mut key = [0u8; 32];
    hex::decode_to_slice(public_key_hex, &mut key).map_err(|_| OfficeError::PublicKeyInvalid)?;
    let key = VerifyingKey::from_bytes(&key).map_err(|_| OfficeError::PublicKeyInvalid)?;
    if signed.device_id != device_id {
        return Err(OfficeError::SignatureInvalid { device_id: signed.device_id });
    }
    check_signature(&signed, &key, path, body, now)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the penetration test: i64::MIN overflowed the skew
    /// computation (a panic in a debug build, a wrap in release).
    #[test]
    fn any_timestamp_a_client_sends_is_checked_without_overflow() {
        let now = Utc::now();
        for timestamp in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX] {
            let error = check_clock(timestamp, now).unwrap_err();
            assert_eq!(error.code(), "clock_skew", "{timestamp}");
        }
        assert!(check_clock(now.timestamp(), now).is_ok());
        assert!(check_clock(now.timestamp() - MAX_CLOCK_SKEW_SECS, now).is_ok());
        assert!(check_clock(now.timestamp() + MAX_CLOCK_SKEW_SECS + 1, now).is_err());
    }
}
