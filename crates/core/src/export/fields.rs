//! Reading an export's fields back: each must be in exactly the form the
//! record format writes, so this verifier and recompute.py (which hashes
//! the text as it stands) agree on every file.

use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use uuid::Uuid;

use crate::hash::Hash32;
use crate::record::{SALT_LEN, Salt, format_offset, format_utc};

pub(super) fn hash(text: &str) -> Result<Hash32, String> {
    // Checked byte by byte rather than by re-encoding: this runs four times
    // a record, and re-encoding was a tenth of a 100,000-record verify.
    let mut out = [0u8; 32];
    if text.len() != 64 || !text.bytes().all(is_lower_hex) || hex::decode_to_slice(text, &mut out).is_err() {
        return Err(format!("{text:?} is not 64 lowercase hex digits"));
    }
    Ok(Hash32(out))
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

pub(super) fn uuid(text: &str) -> Result<Uuid, String> {
    // Hyphenated and lowercase: 36 characters of lowercase hex and hyphens
    // that parse as a UUID are exactly its hyphenated lowercase form.
    let form = text.len() == 36 && text.bytes().all(|b| b == b'-' || is_lower_hex(b));
    form.then(|| Uuid::try_parse(text).ok())
        .flatten()
        .filter(|u| form && u.hyphenated().encode_lower(&mut Uuid::encode_buffer()) == text)
        .ok_or_else(|| format!("{text:?} is not a lowercase hyphenated UUID"))
}

pub(super) fn utc_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.to_utc())
        .filter(|t| format_utc(t) == text)
        .ok_or_else(|| format!("{text:?} is not a UTC time written YYYY-MM-DDTHH:MM:SS.mmmZ"))
}

pub(super) fn offset(text: &str) -> Result<i32, String> {
    let bad = || format!("{text:?} is not an offset written +HH:MM or -HH:MM");
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(bad)?;
    let minutes = sign * (h.parse::<i32>().map_err(|_| bad())? * 60 + m.parse::<i32>().map_err(|_| bad())?);
    if format_offset(minutes) != text {
        return Err(bad());
    }
    Ok(minutes)
}

pub(super) fn salt(text: &str) -> Result<Salt, String> {
    let mut out = [0u8; SALT_LEN];
    if text.len() != SALT_LEN * 2 || !text.bytes().all(is_lower_hex) || hex::decode_to_slice(text, &mut out).is_err() {
        return Err(format!("salt {text:?} is not {} lowercase hex digits", SALT_LEN * 2));
    }
    Ok(out)
}

pub(super) fn public_key(text: &str) -> Result<VerifyingKey, String> {
    let mut bytes = [0u8; 32];
    if text.len() != 64 || hex::decode_to_slice(text, &mut bytes).is_err() || hex::encode(bytes) != text {
        return Err(format!("{text:?} is not 64 lowercase hex digits"));
    }
    VerifyingKey::from_bytes(&bytes).map_err(|_| "not a valid Ed25519 public key".into())
}
