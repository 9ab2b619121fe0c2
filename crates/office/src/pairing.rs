//! One-time pairing codes: 10 Crockford base32 characters shown as
//! `XXXXX-XXXXX` (50 random bits), easy to read aloud and type on a kiosk
//! touch keyboard. Only their SHA-256 is stored; they expire after
//! [`PAIRING_CODE_TTL_MINUTES`] and pair exactly one kiosk. Wrong codes
//! are limited per client address ([`PairingThrottle`]) and alerted.

use chrono::{DateTime, Utc};

use crate::store::{RecentFailures, SiteId, SyncStore};

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
/// with digits read as those digits; the kiosk hashes a typed code the same
/// way for pairing by code alone, so the rule lives in one place.
pub use signbook_sync::pake::{code_hash, normalise_code as normalise};

/// Makes a one-time code for a kiosk of `site` and stores it, valid for
/// [`PAIRING_CODE_TTL_MINUTES`] from `now`. Its first two characters name it
/// when a kiosk pairs by code alone, so no two open codes may share them:
/// on a clash another code is drawn (1024 names; an office has one or two
/// codes open at a time).
pub async fn make_pairing_code(
    store: &(impl SyncStore + ?Sized),
    site: SiteId,
    now: DateTime<Utc>,
) -> crate::Result<String> {
    let expires_at = now + chrono::Duration::minutes(PAIRING_CODE_TTL_MINUTES);
    for _ in 0..64 {
        let code = new_code();
        if store.add_pairing_code(site, &code, now, expires_at).await? {
            return Ok(code);
        }
    }
    Err(crate::error::OfficeError::Internal(
        "every pairing code drawn clashed with an open one; wait for the open codes to expire (15 minutes)".into(),
    ))
}

/// One pairing attempt at a time in this process, so parallel wrong codes
/// cannot all pass the limit before they are counted. Pairing is rare (a
/// kiosk set up now and then), so nobody waits long behind it.
pub(crate) static PAIRING_GATE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Counts a wrong pairing code and tells staff, at most twice a window per
/// address: at its first wrong code, and when it reaches the limit.
pub(crate) async fn note_wrong_code(
    store: &(impl SyncStore + ?Sized),
    throttle: &PairingThrottle,
    address: &str,
    now: DateTime<Utc>,
) {
    let minutes = throttle.window_secs / 60;
    let alerts = match store.note_pairing_failure(throttle, address, now.timestamp()).await {
        Ok(alerts) => alerts,
        Err(error) => return tracing::error!(%error, %address, "could not count a wrong pairing code"),
    };
    tracing::warn!(%address, "wrong pairing code");
    let mut raise = Vec::new();
    if alerts.first {
        raise.push(("pairing_code_invalid", format!(
            "A wrong pairing code came from {address}. A kiosk being set up may have mistyped it; if nobody is pairing a kiosk, someone may be guessing codes. Further wrong codes from {address} in the next {minutes} minutes are counted but not alerted again, unless they reach the limit of {}.",
            throttle.per_address
        )));
    }
    if alerts.limited {
        raise.push(("pairing_rate_limited", format!(
            "{address} sent {} wrong pairing codes within {minutes} minutes; pairing from it is refused for up to {minutes} minutes. If nobody is setting up a kiosk there, someone may be guessing codes.",
            throttle.per_address
        )));
    }
    for (kind, detail) in raise {
        if let Err(alert_error) = store.raise_alert(None, None, kind, &detail, now).await {
            tracing::error!(%alert_error, "could not save an alert");
        }
    }
}

pub use signbook_sync::kiosk_name::MAX_KIOSK_NAME_CHARS;

/// A kiosk's location name as staff see it (`signbook_sync::kiosk_name`'s
/// rule), or what to fix.
pub fn kiosk_name(raw: &str) -> Result<String, crate::error::OfficeError> {
    use signbook_sync::kiosk_name::{KioskNameProblem as P, tidy_kiosk_name};
    tidy_kiosk_name(raw).map_err(|problem| {
        crate::error::OfficeError::InputInvalid(match problem {
            P::Empty => crate::i18n::t("kiosks.error_name_empty").into(),
            P::TooLong => crate::i18n::tf("kiosks.error_name_long", &[("max", &MAX_KIOSK_NAME_CHARS)]),
            P::Hidden => crate::i18n::t("kiosks.error_name_hidden").into(),
        })
    })
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
