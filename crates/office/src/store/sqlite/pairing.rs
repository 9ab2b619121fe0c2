//! Pairing kiosks, looking them up, and revoking them.

use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use signbook_core::record::format_utc;
use uuid::Uuid;

use super::Db;
use super::ingest::head;
use super::staff::first_report;
use crate::error::{DbContext, OfficeError, Result};
use crate::pairing::{PairingAlerts, PairingThrottle};
use crate::store::RecentFailures;
use crate::store::sites::SiteId;
use crate::store::sync::{DEVICE_COLUMNS, Device, PakeExchange};
use signbook_sync::pake::{PAKE_ATTEMPTS_PER_CODE, PAKE_EXCHANGE_TTL_SECS, code_hash, code_id};

impl Db {
    pub fn add_pairing_code(
        &mut self,
        site: SiteId,
        code: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool> {
        const DOING: &str = "saving the pairing code";
        let code_id = code_id(code);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        super::sites::check_site_exists(&tx, site)?;
        let taken: bool = tx
            .query_row(
                "SELECT 1 FROM pairing_codes WHERE code_id = ?1 AND used_at IS NULL AND expires_at > ?2",
                params![code_id, format_utc(&now)],
                |_| Ok(true),
            )
            .optional()
            .doing(DOING)?
            .unwrap_or(false);
        if taken {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO pairing_codes (code_hash, created_at, expires_at, code_id, site_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![code_hash(code), format_utc(&now), format_utc(&expires_at), code_id, site.0],
        )
        .doing(DOING)?;
        tx.commit().doing(DOING)?;
        Ok(true)
    }

    pub fn pake_code(&mut self, code_id: &str, now: DateTime<Utc>) -> Result<String> {
        const DOING: &str = "starting a pairing by code";
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        let row: Option<(String, u32)> = tx
            .query_row(
                "SELECT code_hash, pake_attempts FROM pairing_codes
                 WHERE code_id = ?1 AND used_at IS NULL AND expires_at > ?2 ORDER BY created_at DESC LIMIT 1",
                params![code_id, format_utc(&now)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .doing(DOING)?;
        let Some((code_hash, attempts)) = row else {
            // A code of that name used while still young: say so, as `POST /v1/pair` does.
            let used: bool = tx
                .query_row(
                    "SELECT 1 FROM pairing_codes WHERE code_id = ?1 AND used_at IS NOT NULL AND expires_at > ?2",
                    params![code_id, format_utc(&now)],
                    |_| Ok(true),
                )
                .optional()
                .doing(DOING)?
                .unwrap_or(false);
            let code = format!("{code_id}…");
            return Err(if used {
                OfficeError::PairingCodeUsed { code }
            } else {
                OfficeError::PairingCodeInvalid { code }
            });
        };
        if attempts >= PAKE_ATTEMPTS_PER_CODE {
            return Err(OfficeError::PairingCodeExhausted { code: code_id.to_owned(), attempts });
        }
        tx.execute("UPDATE pairing_codes SET pake_attempts = pake_attempts + 1 WHERE code_hash = ?1", [&code_hash])
            .doing(DOING)?;
        tx.commit().doing(DOING)?;
        Ok(code_hash)
    }

    pub fn save_pake_exchange(&mut self, exchange: &PakeExchange) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO pairing_exchanges (exchange_id, code_hash, code_id, device_id, kiosk_confirm, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    exchange.exchange_id,
                    exchange.code_hash,
                    exchange.code_id,
                    exchange.device_id.hyphenated().to_string(),
                    exchange.kiosk_confirm,
                    exchange.created_at
                ],
            )
            .doing("keeping a pairing exchange")?;
        Ok(())
    }

    pub fn take_pake_exchange(&mut self, exchange_id: &str, now: i64) -> Result<Option<PakeExchange>> {
        const DOING: &str = "finishing a pairing exchange";
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        // Expired ones go first: none is ever finished late.
        tx.execute("DELETE FROM pairing_exchanges WHERE created_at <= ?1", [now - PAKE_EXCHANGE_TTL_SECS])
            .doing(DOING)?;
        let row: Option<(String, String, String, String, i64)> = tx
            .query_row(
                "DELETE FROM pairing_exchanges WHERE exchange_id = ?1
                 RETURNING code_hash, code_id, device_id, kiosk_confirm, created_at",
                [exchange_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()
            .doing(DOING)?;
        tx.commit().doing(DOING)?;
        row.map(|(code_hash, code_id, device, kiosk_confirm, created_at)| {
            let device_id = Uuid::parse_str(&device)
                .map_err(|e| OfficeError::Internal(format!("stored pairing exchange device {device}: {e}")))?;
            Ok(PakeExchange {
                exchange_id: exchange_id.to_owned(),
                code_hash,
                code_id,
                device_id,
                kiosk_confirm,
                created_at,
            })
        })
        .transpose()
    }

    pub fn pair(
        &mut self,
        code: &str,
        code_hash: &str,
        device_id: Uuid,
        public_key: &VerifyingKey,
        name: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(Device, u64)> {
        const DOING: &str = "pairing a kiosk";
        let id = device_id.hyphenated().to_string();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        let row: Option<(String, Option<String>)> = tx
            .query_row("SELECT expires_at, used_by FROM pairing_codes WHERE code_hash = ?1", [code_hash], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .doing(DOING)?;
        let Some((expires_at, used_by)) = row else {
            return Err(OfficeError::PairingCodeInvalid { code: code.to_owned() });
        };
        let existing = tx
            .query_row(&format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = ?1"), [&id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            })
            .optional()
            .doing(DOING)?
            .map(Device::from_columns)
            .transpose()?;
        if let Some(device) = &existing {
            if device.public_key != *public_key {
                return Err(OfficeError::DeviceKeyConflict { device_id });
            }
            if let Some(revoked_at) = &device.revoked_at {
                return Err(OfficeError::DeviceRevoked { device_id, revoked_at: revoked_at.clone() });
            }
        }
        match used_by {
            // The same kiosk retrying after a lost answer: pairing is idempotent.
            Some(by) if by == id && existing.is_some() => {}
            Some(_) => return Err(OfficeError::PairingCodeUsed { code: code.to_owned() }),
            None if expires_at.as_str() <= format_utc(&now).as_str() => {
                return Err(OfficeError::PairingCodeExpired { code: code.to_owned() });
            }
            None => {
                tx.execute(
                    "UPDATE pairing_codes SET used_at = ?1, used_by = ?2 WHERE code_hash = ?3",
                    params![format_utc(&now), id, code_hash],
                )
                .doing(DOING)?;
                if existing.is_none() {
                    tx.execute(
                        "INSERT INTO devices (device_id, public_key, name, paired_at, site_id)
                         SELECT ?1, ?2, ?3, ?4, site_id FROM pairing_codes WHERE code_hash = ?5",
                        params![id, public_key.as_bytes().as_slice(), name, format_utc(&now), code_hash],
                    )
                    .doing(DOING)?;
                }
            }
        }
        let (acked, _) = head(&tx, &id)?;
        tx.commit().doing(DOING)?;
        let device =
            self.device(device_id)?.ok_or(OfficeError::Internal("a device vanished right after pairing".into()))?;
        Ok((device, acked))
    }

    pub fn recent_pairing_failures(
        &self,
        throttle: &PairingThrottle,
        address: &str,
        now: i64,
    ) -> Result<RecentFailures> {
        let (count, oldest) = self
            .conn
            .query_row(
                "SELECT count(*), min(at) FROM (SELECT at FROM pairing_failures WHERE address = ?1 AND at > ?2 ORDER BY at DESC LIMIT ?3)",
                params![address, now - throttle.window_secs, throttle.per_address],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .doing("checking wrong pairing codes")?;
        Ok(RecentFailures { count, oldest })
    }

    pub fn note_pairing_failure(
        &mut self,
        throttle: &PairingThrottle,
        address: &str,
        now: i64,
    ) -> Result<PairingAlerts> {
        const DOING: &str = "recording a wrong pairing code";
        let tx = self.conn.transaction().doing(DOING)?;
        tx.execute("DELETE FROM pairing_failures WHERE at < ?1", [now - 24 * 60 * 60]).doing(DOING)?;
        tx.execute("INSERT INTO pairing_failures (address, at) VALUES (?1, ?2)", params![address, now]).doing(DOING)?;
        let count: u64 = tx
            .query_row(
                "SELECT count(*) FROM pairing_failures WHERE address = ?1 AND at > ?2",
                params![address, now - throttle.window_secs],
                |r| r.get(0),
            )
            .doing(DOING)?;
        let window = throttle.window_secs;
        let alerts = PairingAlerts {
            first: first_report(&tx, &format!("pairing-wrong:{address}"), window, now)?,
            limited: count >= throttle.per_address
                && first_report(&tx, &format!("pairing-limited:{address}"), window, now)?,
        };
        tx.commit().doing(DOING)?;
        Ok(alerts)
    }

    pub fn device(&self, device_id: Uuid) -> Result<Option<Device>> {
        self.conn
            .prepare_cached(&format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = ?1"))
            .and_then(|mut s| {
                s.query_row([device_id.hyphenated().to_string()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
                })
                .optional()
            })
            .doing("reading a kiosk")?
            .map(Device::from_columns)
            .transpose()
    }

    pub fn revoke(&mut self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        let device = self.device(device_id)?.ok_or(OfficeError::UnknownDevice { device_id })?;
        if device.revoked_at.is_some() {
            return Ok(false);
        }
        self.conn
            .execute(
                "UPDATE devices SET revoked_at = ?1 WHERE device_id = ?2",
                params![format_utc(&now), device_id.hyphenated().to_string()],
            )
            .doing("revoking a kiosk")?;
        Ok(true)
    }

    pub fn rename_kiosk(&mut self, device_id: Uuid, name: &str) -> Result<Option<String>> {
        let device = self.device(device_id)?.ok_or(OfficeError::UnknownDevice { device_id })?;
        self.conn
            .execute(
                "UPDATE devices SET name = ?1 WHERE device_id = ?2",
                params![name, device_id.hyphenated().to_string()],
            )
            .doing("renaming a kiosk")?;
        Ok(device.name)
    }
}
