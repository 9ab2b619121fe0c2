//! The kiosk admin PIN: Argon2id-hashed, with a lockout that grows after
//! repeated wrong guesses and survives a restart (it lives in the database).
//!
//! Five wrong PINs are allowed; the sixth attempt onwards waits 30 s, then
//! 60 s, 120 s, ... up to an hour, doubling with each further wrong PIN.
//! While locked, a PIN is not even checked, so guessing cannot continue.

use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, params};

use super::agreements::parse_time;
use super::database::Store;
use crate::error::{DbContext, Error, Result};
use crate::pin::check_new_pin;
use crate::record::format_utc;

/// Wrong PINs allowed before the first lockout.
pub const FREE_ATTEMPTS: u32 = 5;
const FIRST_LOCKOUT_SECS: i64 = 30;
const MAX_LOCKOUT_SECS: i64 = 3600;
/// OWASP's Argon2id recommendation: 19 MiB, 2 passes, 1 lane.
const ARGON2_M_KIB: u32 = 19 * 1024;
const ARGON2_T: u32 = 2;
const ARGON2_P: u32 = 1;

fn argon2_hash(pin: &str, salt: &[u8], m_kib: u32, t: u32, p: u32) -> [u8; 32] {
    let params = Params::new(m_kib, t, p, Some(32)).expect("fixed Argon2 parameters are valid");
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(pin.as_bytes(), salt, &mut out)
        .expect("a 16-byte salt and 32-byte output are valid for Argon2");
    out
}

struct PinRow {
    salt: Option<Vec<u8>>,
    hash: Option<Vec<u8>>,
    params: (u32, u32, u32),
    failed: u32,
    locked_until: Option<DateTime<Utc>>,
}

impl Store {
    fn pin_row(&self) -> Result<PinRow> {
        let row = self
            .conn
            .query_row(
                "SELECT pin_salt, pin_hash, argon2_m_kib, argon2_t, argon2_p, failed_attempts, locked_until FROM admin",
                [],
                |r| {
                    Ok(PinRow {
                        salt: r.get(0)?,
                        hash: r.get(1)?,
                        params: (
                            r.get::<_, Option<u32>>(2)?.unwrap_or(ARGON2_M_KIB),
                            r.get::<_, Option<u32>>(3)?.unwrap_or(ARGON2_T),
                            r.get::<_, Option<u32>>(4)?.unwrap_or(ARGON2_P),
                        ),
                        failed: r.get(5)?,
                        locked_until: r.get::<_, Option<String>>(6)?.map(|t| parse_time(&t)),
                    })
                },
            )
            .optional()
            .doing("reading the admin PIN")?;
        Ok(row.unwrap_or(PinRow {
            salt: None,
            hash: None,
            params: (ARGON2_M_KIB, ARGON2_T, ARGON2_P),
            failed: 0,
            locked_until: None,
        }))
    }

    /// Whether an admin PIN has been chosen (the first run asks for one).
    pub fn admin_pin_is_set(&self) -> Result<bool> {
        Ok(self.pin_row()?.hash.is_some())
    }

    /// Checks the admin PIN, counting wrong ones towards the lockout.
    pub fn check_admin_pin(&mut self, pin: &str, now: DateTime<Utc>) -> Result<()> {
        let row = self.pin_row()?;
        let (Some(salt), Some(hash)) = (row.salt, row.hash) else { return Err(Error::PinNotSet) };
        if let Some(until) = row.locked_until.filter(|until| *until > now) {
            return Err(Error::PinLocked { seconds: (until - now).num_seconds().max(1) });
        }
        let (m, t, p) = row.params;
        let candidate = argon2_hash(pin, &salt, m, t, p);
        // Compare every byte, so the time taken does not depend on how much matched.
        if candidate.iter().zip(&hash).fold(candidate.len() ^ hash.len(), |acc, (a, b)| acc | usize::from(a ^ b)) == 0 {
            self.conn
                .execute("UPDATE admin SET failed_attempts = 0, locked_until = NULL", [])
                .doing("recording the admin sign-in")?;
            return Ok(());
        }
        let failed = row.failed + 1;
        let lock = (failed > FREE_ATTEMPTS - 1).then(|| {
            let doublings = (failed - FREE_ATTEMPTS).min(7);
            now + Duration::seconds((FIRST_LOCKOUT_SECS << doublings).min(MAX_LOCKOUT_SECS))
        });
        self.conn
            .execute(
                "UPDATE admin SET failed_attempts = ?1, locked_until = ?2",
                params![failed, lock.as_ref().map(format_utc)],
            )
            .doing("recording a wrong admin PIN")?;
        match lock {
            Some(until) => Err(Error::PinLocked { seconds: (until - now).num_seconds() }),
            None => Err(Error::WrongPin { attempts_left: FREE_ATTEMPTS - failed }),
        }
    }

    /// Sets the admin PIN. Once one is set, changing it needs the current
    /// PIN (checked, and counted, like any other attempt).
    pub fn set_admin_pin(&mut self, new_pin: &str, current_pin: Option<&str>, now: DateTime<Utc>) -> Result<()> {
        check_new_pin(new_pin).map_err(|rule| Error::PinRejected { rule })?;
        if self.admin_pin_is_set()? {
            self.check_admin_pin(current_pin.ok_or(Error::PinRequired)?, now)?;
        }
        let salt = crate::record::new_salt();
        let hash = argon2_hash(new_pin, &salt, ARGON2_M_KIB, ARGON2_T, ARGON2_P);
        self.conn
            .execute(
                "INSERT INTO admin (singleton, pin_salt, pin_hash, argon2_m_kib, argon2_t, argon2_p, failed_attempts, locked_until)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, 0, NULL)
                 ON CONFLICT (singleton) DO UPDATE SET pin_salt = excluded.pin_salt, pin_hash = excluded.pin_hash,
                   argon2_m_kib = excluded.argon2_m_kib, argon2_t = excluded.argon2_t, argon2_p = excluded.argon2_p,
                   failed_attempts = 0, locked_until = NULL",
                params![salt.as_slice(), hash.as_slice(), ARGON2_M_KIB, ARGON2_T, ARGON2_P],
            )
            .doing("saving the admin PIN")?;
        Ok(())
    }

    /// Forgets the admin PIN (and any lockout), so the kiosk asks for a new
    /// one. For whoever looks after the machine, from its command line.
    pub fn reset_admin_pin(&mut self) -> Result<()> {
        self.conn.execute("DELETE FROM admin", []).doing("resetting the admin PIN")?;
        Ok(())
    }
}
