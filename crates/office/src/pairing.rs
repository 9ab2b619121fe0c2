//! One-time pairing codes: 10 Crockford base32 characters shown as
//! `XXXXX-XXXXX` (50 random bits), easy to read aloud and type on a kiosk
//! touch keyboard. Only their SHA-256 is stored; they expire after
//! [`PAIRING_CODE_TTL_MINUTES`] and pair exactly one kiosk.

use sha2::{Digest, Sha256};

use crate::store::RecentFailures;

/// How long a code stays valid.
pub const PAIRING_CODE_TTL_MINUTES: i64 = 15;

/// How wrong pairing codes are limited, per client address. Guessing a
/// 50-bit code is hopeless anyway (about 900 tries a second against a
/// 15-minute code); the limit makes a guesser slow and seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairingThrottle {
    /// Wrong codes counted over this window.
    pub window_secs: i64,
    /// Wrong codes allowed per address in the window.
    pub per_address: u64,
}

impl Default for PairingThrottle {
    fn default() -> Self {
        PairingThrottle { window_secs: 15 * 60, per_address: 10 }
    }
}

impl PairingThrottle {
    /// Seconds until an address with these recent wrong codes may try again.
    pub fn wait(&self, failures: RecentFailures, now: i64) -> Option<i64> {
        (failures.count >= self.per_address).then(|| failures.oldest.map(|oldest| oldest + self.window_secs - now))?
    }
}

/// What a wrong pairing code should tell staff, each at most once a window per address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PairingAlerts {
    /// The first wrong code from the address in the window.
    pub first: bool,
    /// The wrong code that reached the limit.
    pub limited: bool,
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A fresh random code, `XXXXX-XXXXX`.
pub fn new_code() -> String {
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    let chars: String = bytes.iter().map(|b| CROCKFORD[usize::from(b & 31)] as char).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// Case, dashes and spaces do not matter, and the letters people confuse
/// with digits read as those digits.
pub fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// What the database keeps instead of the code.
pub fn code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(normalise(code).as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_typing_slips_still_match() {
        let code = new_code();
        assert_eq!(code.len(), 11);
        assert!(code.chars().all(|c| c == '-' || CROCKFORD.contains(&(c as u8))), "{code}");
        assert_eq!(code_hash(&code), code_hash(&code.to_lowercase().replace('-', " ")));
        assert_eq!(code_hash("ABC0O-1IL23"), code_hash("abc00-11123"));
        assert_ne!(code_hash("ABCDE-FGHJK"), code_hash("ABCDE-FGHJM"));
        assert_ne!(new_code(), new_code());
    }
}
