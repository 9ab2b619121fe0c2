//! Pairing with the code alone, the office's side: `POST /v1/pair/pake`
//! starts a SPAKE2 exchange for an open code and answers with the office's
//! key confirmation over the certificate this server presents;
//! `POST /v1/pair/pake/confirm` checks the kiosk's confirmation and pairs
//! it exactly as `POST /v1/pair` does. The exchange and why it is safe are
//! in `signbook_sync::pake` and `docs/sync-protocol.md`.
//!
//! Each exchange is one guess at the code, so a code allows
//! [`PAKE_ATTEMPTS_PER_CODE`]; every failure the office can see (no such
//! code, a used or exhausted one, a wrong confirmation) is counted against
//! the client address as a wrong code is, alerted as one, and written to
//! the audit log.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use signbook_sync::pake::{PAKE_ATTEMPTS_PER_CODE, PAKE_CONFIRM_PATH, normalise_code, office_pake, same_confirmation};
use signbook_sync::wire::{PairResponse, PakeAnswer, PakeConfirm, PakeStart};

use crate::error::{OfficeError, Result};
use crate::pairing::{PAIRING_GATE, PairingThrottle, note_wrong_code};
use crate::request_auth::check_pairing_signature;
use crate::server::{MAX_PAIR_BODY_BYTES, parse_json, read_body};
use crate::store::{OfficeStorage, PakeExchange, SharedStore};
use crate::tls::rotation::{Rotation, announced};

/// Largest start: a two-character code name, a device id and 33 bytes in hex.
pub const MAX_PAKE_START_BYTES: usize = 1024;
/// A SPAKE2 message over Ed25519: a side byte and a point.
const SPAKE2_MESSAGE_BYTES: usize = 33;

pub(crate) async fn start(
    State(store): State<SharedStore>,
    rotation: Option<Rotation>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Result<axum::Json<PakeAnswer>> {
    let body = read_body(&headers, body, MAX_PAKE_START_BYTES).await?;
    let request: PakeStart = parse_json(&body)?;
    let kiosk_message = hex::decode(&request.kiosk_message)
        .ok()
        .filter(|m| m.len() == SPAKE2_MESSAGE_BYTES)
        .ok_or_else(|| malformed("kiosk_message must be 66 hex digits, a SPAKE2 message"))?;
    let code_id = normalise_code(&request.code_id);
    if code_id.len() != 2 || !code_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(malformed("code_id must be the pairing code's first two characters"));
    }
    // The certificate this server presents, bound into its confirmation:
    // a kiosk that saw another one (someone in the middle) cannot match it.
    let axum::Extension(announcer) = rotation.clone().ok_or_else(|| {
        OfficeError::Internal("this server does not know its own certificate, so it cannot pair by code".into())
    })?;
    let now = Utc::now();
    let (address, throttle) = (peer.ip().to_string(), PairingThrottle::default());
    let gate = PAIRING_GATE.lock().await;
    refuse_if_limited(&*store, &throttle, &address, now).await?;
    let code_hash = match store.pake_code(&code_id, now).await {
        Ok(code_hash) => code_hash,
        Err(error) => return Err(failed(&*store, &throttle, &address, error, now).await),
    };
    drop(gate);
    let (office_message, confirmations) =
        office_pake(&code_hash, &kiosk_message, announcer.serving(), request.device_id)
            .map_err(|_| malformed("kiosk_message is not a point of the SPAKE2 group"))?;
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).map_err(|e| OfficeError::Internal(format!("no randomness for an exchange id: {e}")))?;
    let exchange_id = hex::encode(id);
    store
        .save_pake_exchange(&PakeExchange {
            exchange_id: exchange_id.clone(),
            code_hash,
            code_id: code_id.clone(),
            device_id: request.device_id,
            kiosk_confirm: hex::encode(confirmations.kiosk),
            created_at: now.timestamp(),
        })
        .await?;
    tracing::info!(%address, code = %code_id, device = %request.device_id, "pairing by code started");
    Ok(axum::Json(PakeAnswer {
        exchange_id,
        office_message: hex::encode(office_message),
        office_confirm: hex::encode(confirmations.office),
    }))
}

pub(crate) async fn confirm(
    State(store): State<SharedStore>,
    rotation: Option<Rotation>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Result<axum::Json<PairResponse>> {
    let body = read_body(&headers, body, MAX_PAIR_BODY_BYTES).await?;
    let request: PakeConfirm = parse_json(&body)?;
    let now = Utc::now();
    let key = check_pairing_signature(&headers, &request.public_key, request.device_id, PAKE_CONFIRM_PATH, &body, now)?;
    let name = request.kiosk_name.as_deref().and_then(|n| crate::pairing::kiosk_name(n).ok());
    let (address, throttle) = (peer.ip().to_string(), PairingThrottle::default());
    let gate = PAIRING_GATE.lock().await;
    refuse_if_limited(&*store, &throttle, &address, now).await?;
    // Taken whatever happens next: an exchange is confirmed at most once.
    let exchange = store.take_pake_exchange(&request.exchange_id, now.timestamp()).await?;
    let confirmed = exchange.filter(|exchange| {
        let expected = hex::decode(&exchange.kiosk_confirm).unwrap_or_default();
        let sent = hex::decode(&request.kiosk_confirm).unwrap_or_default();
        exchange.device_id == request.device_id && same_confirmation(&sent, &expected)
    });
    let Some(exchange) = confirmed else {
        return Err(failed(&*store, &throttle, &address, OfficeError::PairingNotConfirmed, now).await);
    };
    let code = format!("{}…", exchange.code_id);
    let paired = store.pair(&code, &exchange.code_hash, request.device_id, &key, name.as_deref(), now).await;
    let paired = match paired {
        Ok(paired) => paired,
        Err(error) => return Err(failed(&*store, &throttle, &address, error, now).await),
    };
    drop(gate);
    let (device, acknowledged_seq) = paired;
    tracing::info!(device = %device.device_id, name = ?device.name, "kiosk paired by code");
    Ok(axum::Json(PairResponse {
        device_id: device.device_id,
        paired_at: device.paired_at,
        acknowledged_seq,
        next_certificate: announced(rotation).await,
    }))
}

fn malformed(detail: &str) -> OfficeError {
    OfficeError::MalformedJson { detail: detail.into() }
}

async fn refuse_if_limited(
    store: &dyn OfficeStorage,
    throttle: &PairingThrottle,
    address: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let recent = store.recent_pairing_failures(throttle, address, now.timestamp()).await?;
    match throttle.wait(recent, now.timestamp()) {
        Some(wait) => {
            tracing::warn!(%address, "pairing by code refused: too many wrong codes");
            Err(OfficeError::PairingRateLimited { minutes: (wait + 59) / 60 })
        }
        None => Ok(()),
    }
}

/// Logs a failed pairing by code where staff look (the audit log, and the
/// alerts a wrong code raises), counts it against `address`, and returns
/// the error for the kiosk. Store errors are not the kiosk's failure.
async fn failed(
    store: &dyn OfficeStorage,
    throttle: &PairingThrottle,
    address: &str,
    error: OfficeError,
    now: DateTime<Utc>,
) -> OfficeError {
    let counted = matches!(
        error,
        OfficeError::PairingCodeInvalid { .. }
            | OfficeError::PairingCodeExhausted { .. }
            | OfficeError::PairingNotConfirmed
    );
    if !counted && !matches!(error, OfficeError::PairingCodeUsed { .. } | OfficeError::PairingCodeExpired { .. }) {
        return error;
    }
    if counted {
        note_wrong_code(store, throttle, address, now).await;
    }
    if let OfficeError::PairingCodeExhausted { code, .. } = &error {
        let detail = format!(
            "Pairing code {code}… was tried {PAKE_ATTEMPTS_PER_CODE} times by code alone and no longer works; {address} tried it again. If nobody is setting up a kiosk, someone may be guessing codes; otherwise make a new code."
        );
        if let Err(alert_error) = store.raise_alert(None, None, error.code(), &detail, now).await {
            tracing::error!(%alert_error, "could not save an alert");
        }
    }
    let detail = format!("pairing by code refused ({}): {error}", error.code());
    if let Err(audit_error) = store.audit(address, "pairing_failed", &detail, now).await {
        tracing::error!(%audit_error, "could not write the audit log");
    }
    tracing::warn!(%address, code = error.code(), "pairing by code refused");
    error
}
