//! A 32-byte SHA-256 value, shown and parsed as 64 lowercase hex digits.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// A SHA-256 digest: an agreement version's identity, a record hash, or a
/// salted digest of one personal field.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
// Serialised as 64 hex digits (see its `Serialize`), so a string in TypeScript.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
pub struct Hash32(pub [u8; 32]);

impl Hash32 {
    /// The "previous hash" of the first record in a chain.
    pub const ZERO: Hash32 = Hash32([0; 32]);

    /// SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Hash32(Sha256::digest(bytes).into())
    }

    /// 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        self.hex_digits().to_owned()
    }

    // `hex::encode` goes a character at a time through an iterator; this
    // runs for every hash of every record verified, so encode into a buffer.
    fn hex_digits(&self) -> HexDigits {
        let mut buf = [0u8; 64];
        hex::encode_to_slice(self.0, &mut buf).expect("32 bytes make 64 hex digits");
        HexDigits(buf)
    }

    /// Parses 64 hex digits (either case).
    pub fn from_hex(text: &str) -> Result<Self, HashParseError> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(text, &mut out).map_err(|_| HashParseError { input: text.chars().take(80).collect() })?;
        Ok(Hash32(out))
    }
}

impl fmt::Display for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex_digits())
    }
}

/// 64 hex digits on the stack.
struct HexDigits([u8; 64]);

impl std::ops::Deref for HexDigits {
    type Target = str;
    fn deref(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hex digits are ASCII")
    }
}

impl fmt::Debug for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash32({})", self.to_hex())
    }
}

impl serde::Serialize for Hash32 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Hash32 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Hash32::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

impl FromStr for Hash32 {
    type Err = HashParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Hash32::from_hex(s)
    }
}

/// A string that is not 64 hex digits where a SHA-256 was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{input}\" is not a SHA-256 hash (expected 64 hex digits)")]
pub struct HashParseError {
    /// The offending text (cut to 80 characters).
    pub input: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc_matches_fips_180_vector() {
        assert_eq!(Hash32::of(b"abc").to_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn hex_round_trips_and_bad_hex_names_the_input() {
        let h = Hash32::of(b"x");
        assert_eq!(h.to_hex().parse::<Hash32>().unwrap(), h);
        let err = "abc".parse::<Hash32>().unwrap_err();
        assert!(err.to_string().contains("\"abc\""), "{err}");
    }
}
