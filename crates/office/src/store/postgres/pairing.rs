//! PostgreSQL: the counterpart of `store/sqlite/pairing.rs`. Pairing
//! kiosks, looking them up, and revoking them; the sync trait's impl is in
//! `ingest.rs`.
//!
//! Every pairing code is used once across all servers sharing the
//! database: the code's row is locked before it is read, so a second use,
//! from anywhere, waits and then finds it used.

use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Transaction};
use ed25519_dalek::VerifyingKey;
use signbook_core::record::format_utc;
use signbook_sync::pake::{PAKE_ATTEMPTS_PER_CODE, PAKE_EXCHANGE_TTL_SECS, code_hash, code_id};
use tokio_postgres::Row;
use uuid::Uuid;

use super::shared::{big, first_report, head, unsigned};
use super::{PgContext, PgStore};
use crate::error::{OfficeError, Result};
use crate::pairing::{PairingAlerts, PairingThrottle};
use crate::store::RecentFailures;
use crate::store::sites::SiteId;
use crate::store::sync::{DEVICE_COLUMNS, Device, PakeExchange};

/// A row of [`DEVICE_COLUMNS`], read with the reader SQLite's rows are.
pub(super) fn device_row(row: &Row) -> Result<Device> {
    Device::from_columns((row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5)))
}

/// The device `id`, read by `client` (a transaction sees its own changes).
pub(super) async fn read_device(client: &impl GenericClient, id: &str, lock: bool) -> Result<Option<Device>> {
    let sql = if lock {
        format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = $1 FOR UPDATE")
    } else {
        format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = $1")
    };
    let statement = client.prepare_cached(&sql).await.doing("reading a kiosk")?;
    client.query_opt(&statement, &[&id]).await.doing("reading a kiosk")?.map(|r| device_row(&r)).transpose()
}

/// Deletes `table`'s rows matching `expired` (a condition on `$1`), leaving
/// rows another transaction is deleting to it: two servers pruning at once
/// never wait for, nor deadlock on, each other.
pub(super) async fn prune(tx: &Transaction<'_>, table: &str, expired: &str, before: i64) -> Result<()> {
    let sql = format!(
        "DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table} WHERE {expired} FOR UPDATE SKIP LOCKED))"
    );
    let statement = tx.prepare_cached(&sql).await.doing("forgetting expired entries")?;
    tx.execute(&statement, &[&before]).await.doing("forgetting expired entries")?;
    Ok(())
}

pub(super) async fn add_pairing_code(
    store: &PgStore,
    site: SiteId,
    code: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<bool> {
    const DOING: &str = "saving the pairing code";
    let code_id = code_id(code);
    let mut client = store.client().await?;
    let tx = client.transaction().await.doing(DOING)?;
    // Two servers making codes at once must not both take one name.
    tx.batch_execute("LOCK TABLE pairing_codes IN SHARE ROW EXCLUSIVE MODE").await.doing(DOING)?;
    super::sites::check_site_exists(&tx, site).await?;
    let taken = tx
        .query_opt(
            "SELECT 1 FROM pairing_codes WHERE code_id = $1 AND used_at IS NULL AND expires_at > $2",
            &[&code_id, &format_utc(&now)],
        )
        .await
        .doing(DOING)?
        .is_some();
    if taken {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO pairing_codes (code_hash, created_at, expires_at, code_id, site_id) VALUES ($1, $2, $3, $4, $5)",
        &[&code_hash(code), &format_utc(&now), &format_utc(&expires_at), &code_id, &site.0],
    )
    .await
    .doing(DOING)?;
    tx.commit().await.doing(DOING)?;
    Ok(true)
}

pub(super) async fn pake_code(store: &PgStore, code_id: &str, now: DateTime<Utc>) -> Result<String> {
    const DOING: &str = "starting a pairing by code";
    let at = format_utc(&now);
    let mut client = store.client().await?;
    let tx = client.transaction().await.doing(DOING)?;
    // Locked, so attempts on two servers are counted one after the other.
    let row = tx
        .query_opt(
            "SELECT code_hash, pake_attempts FROM pairing_codes
             WHERE code_id = $1 AND used_at IS NULL AND expires_at > $2 ORDER BY created_at DESC LIMIT 1 FOR UPDATE",
            &[&code_id, &at],
        )
        .await
        .doing(DOING)?;
    let Some(row) = row else {
        // A code of that name used while still young: say so, as `POST /v1/pair` does.
        let used = tx
            .query_opt(
                "SELECT 1 FROM pairing_codes WHERE code_id = $1 AND used_at IS NOT NULL AND expires_at > $2",
                &[&code_id, &at],
            )
            .await
            .doing(DOING)?
            .is_some();
        let code = format!("{code_id}…");
        return Err(if used {
            OfficeError::PairingCodeUsed { code }
        } else {
            OfficeError::PairingCodeInvalid { code }
        });
    };
    let code_hash: String = row.get(0);
    let attempts = u32::try_from(row.get::<_, i64>(1)).unwrap_or(u32::MAX);
    if attempts >= PAKE_ATTEMPTS_PER_CODE {
        return Err(OfficeError::PairingCodeExhausted { code: code_id.to_owned(), attempts });
    }
    tx.execute("UPDATE pairing_codes SET pake_attempts = pake_attempts + 1 WHERE code_hash = $1", &[&code_hash])
        .await
        .doing(DOING)?;
    tx.commit().await.doing(DOING)?;
    Ok(code_hash)
}

pub(super) async fn save_pake_exchange(store: &PgStore, exchange: &PakeExchange) -> Result<()> {
    let client = store.client().await?;
    client
        .execute(
            "INSERT INTO pairing_exchanges (exchange_id, code_hash, code_id, device_id, kiosk_confirm, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &exchange.exchange_id,
                &exchange.code_hash,
                &exchange.code_id,
                &exchange.device_id.hyphenated().to_string(),
                &exchange.kiosk_confirm,
                &exchange.created_at,
            ],
        )
        .await
        .doing("keeping a pairing exchange")?;
    Ok(())
}

pub(super) async fn take_pake_exchange(store: &PgStore, exchange_id: &str, now: i64) -> Result<Option<PakeExchange>> {
    const DOING: &str = "finishing a pairing exchange";
    let oldest = now - PAKE_EXCHANGE_TTL_SECS;
    let mut client = store.client().await?;
    let tx = client.transaction().await.doing(DOING)?;
    prune(&tx, "pairing_exchanges", "created_at <= $1", oldest).await?;
    // One DELETE: of two servers taking it at once, one gets it. An
    // expired one another server is still pruning is not finished late.
    let row = tx
        .query_opt(
            "DELETE FROM pairing_exchanges WHERE exchange_id = $1
             RETURNING code_hash, code_id, device_id, kiosk_confirm, created_at",
            &[&exchange_id],
        )
        .await
        .doing(DOING)?;
    tx.commit().await.doing(DOING)?;
    let Some(row) = row.filter(|r| r.get::<_, i64>(4) > oldest) else { return Ok(None) };
    let device: String = row.get(2);
    let device_id = Uuid::parse_str(&device)
        .map_err(|e| OfficeError::Internal(format!("stored pairing exchange device {device}: {e}")))?;
    Ok(Some(PakeExchange {
        exchange_id: exchange_id.to_owned(),
        code_hash: row.get(0),
        code_id: row.get(1),
        device_id,
        kiosk_confirm: row.get(3),
        created_at: row.get(4),
    }))
}

pub(super) async fn pair(
    store: &PgStore,
    code: &str,
    code_hash: &str,
    device_id: Uuid,
    public_key: &VerifyingKey,
    name: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(Device, u64)> {
    const DOING: &str = "pairing a kiosk";
    let id = device_id.hyphenated().to_string();
    let mut client = store.client().await?;
    let tx = client.transaction().await.doing(DOING)?;
    // The code's row, locked: a use on another server waits, then sees it used.
    let row = tx
        .query_opt("SELECT expires_at, used_by FROM pairing_codes WHERE code_hash = $1 FOR UPDATE", &[&code_hash])
        .await
        .doing(DOING)?;
    let Some(row) = row else {
        return Err(OfficeError::PairingCodeInvalid { code: code.to_owned() });
    };
    let (expires_at, used_by): (String, Option<String>) = (row.get(0), row.get(1));
    let existing = read_device(&tx, &id, true).await?;
    if let Some(device) = &existing {
        refuse_other_key_or_revoked(device, public_key)?;
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
                "UPDATE pairing_codes SET used_at = $1, used_by = $2 WHERE code_hash = $3",
                &[&format_utc(&now), &id, &code_hash],
            )
            .await
            .doing(DOING)?;
            if existing.is_none() {
                // The kiosk belongs to the school its code was issued for.
                let inserted = tx
                    .execute(
                        "INSERT INTO devices (device_id, public_key, name, paired_at, site_id)
                         SELECT $1, $2, $3, $4, site_id FROM pairing_codes WHERE code_hash = $5
                         ON CONFLICT (device_id) DO NOTHING",
                        &[&id, &public_key.as_bytes().as_slice(), &name, &format_utc(&now), &code_hash],
                    )
                    .await
                    .doing(DOING)?;
                if inserted == 0 {
                    // Paired meanwhile with another code, on another server: the same checks.
                    let device = read_device(&tx, &id, true).await?;
                    refuse_other_key_or_revoked(
                        device.as_ref().ok_or(OfficeError::UnknownDevice { device_id })?,
                        public_key,
                    )?;
                }
            }
        }
    }
    let (acked, _) = head(&tx, &id).await?;
    let device = read_device(&tx, &id, false)
        .await?
        .ok_or(OfficeError::Internal("a device vanished right after pairing".into()))?;
    tx.commit().await.doing(DOING)?;
    Ok((device, acked))
}

pub(super) async fn recent_pairing_failures(
    store: &PgStore,
    throttle: &PairingThrottle,
    address: &str,
    now: i64,
) -> Result<RecentFailures> {
    let client = store.client().await?;
    let row = client
        .query_one(
            "SELECT count(*), min(at) FROM (SELECT at FROM pairing_failures WHERE address = $1 AND at > $2 ORDER BY at DESC LIMIT $3) recent",
            &[&address, &(now - throttle.window_secs), &big(throttle.per_address)?],
        )
        .await
        .doing("checking wrong pairing codes")?;
    Ok(RecentFailures { count: unsigned(row.get(0))?, oldest: row.get(1) })
}

pub(super) async fn note_pairing_failure(
    store: &PgStore,
    throttle: &PairingThrottle,
    address: &str,
    now: i64,
) -> Result<PairingAlerts> {
    const DOING: &str = "recording a wrong pairing code";
    let mut client = store.client().await?;
    let tx = client.transaction().await.doing(DOING)?;
    prune(&tx, "pairing_failures", "at < $1", now - 24 * 60 * 60).await?;
    tx.execute("INSERT INTO pairing_failures (address, at) VALUES ($1, $2)", &[&address, &now]).await.doing(DOING)?;
    let count: i64 = tx
        .query_one(
            "SELECT count(*) FROM pairing_failures WHERE address = $1 AND at > $2",
            &[&address, &(now - throttle.window_secs)],
        )
        .await
        .doing(DOING)?
        .get(0);
    let window = throttle.window_secs;
    let first = first_report(&tx, &format!("pairing-wrong:{address}"), window, now).await?;
    let limited = unsigned(count)? >= throttle.per_address
        && first_report(&tx, &format!("pairing-limited:{address}"), window, now).await?;
    tx.commit().await.doing(DOING)?;
    Ok(PairingAlerts { first, limited })
}

pub(super) async fn device(store: &PgStore, device_id: Uuid) -> Result<Option<Device>> {
    let client = store.client().await?;
    read_device(&client, &device_id.hyphenated().to_string(), false).await
}

pub(super) async fn revoke(store: &PgStore, device_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    const DOING: &str = "revoking a kiosk";
    let id = device_id.hyphenated().to_string();
    let client = store.client().await?;
    // One statement: revoked once, whichever server is asked.
    let revoked = client
        .execute(
            "UPDATE devices SET revoked_at = $1 WHERE device_id = $2 AND revoked_at IS NULL",
            &[&format_utc(&now), &id],
        )
        .await
        .doing(DOING)?;
    if revoked == 0 && read_device(&client, &id, false).await?.is_none() {
        return Err(OfficeError::UnknownDevice { device_id });
    }
    Ok(revoked == 1)
}

pub(super) async fn rename_kiosk(store: &PgStore, device_id: Uuid, name: &str) -> Result<Option<String>> {
    const DOING: &str = "renaming a kiosk";
    let id = device_id.hyphenated().to_string();
    let mut client = store.client().await?;
    let tx = client.transaction().await.doing(DOING)?;
    let device = read_device(&tx, &id, true).await?.ok_or(OfficeError::UnknownDevice { device_id })?;
    tx.execute("UPDATE devices SET name = $1 WHERE device_id = $2", &[&name, &id]).await.doing(DOING)?;
    tx.commit().await.doing(DOING)?;
    Ok(device.name)
}

/// A kiosk pairs again only with the key it registered, and never once revoked.
fn refuse_other_key_or_revoked(device: &Device, public_key: &VerifyingKey) -> Result<()> {
    let device_id = device.device_id;
    if device.public_key != *public_key {
        return Err(OfficeError::DeviceKeyConflict { device_id });
    }
    if let Some(revoked_at) = &device.revoked_at {
        return Err(OfficeError::DeviceRevoked { device_id, revoked_at: revoked_at.clone() });
    }
    Ok(())
}
