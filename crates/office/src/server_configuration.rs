//! `POST /v1/configuration`: a paired kiosk fetches the office's signed
//! configuration, its school's. Authenticated exactly as a push (`docs/sync-protocol.md`,
//! "Request signatures"), its body a few bytes.

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::Utc;
use signbook_sync::CONFIGURATION_PATH;
use signbook_sync::configuration::{ConfigurationRequest, SignedConfiguration};

use crate::error::{OfficeError, Result};
use crate::request_auth::{check_signature, signed_by};
use crate::server::{admit_device, alerting, discard_body, parse_json, read_body};
use crate::store::SharedStore;
use crate::tls::OfficeSigner;

/// Largest configuration request: `{"applied": N}`.
const MAX_CONFIGURATION_REQUEST_BYTES: usize = 1024;

/// The signer the route uses, added by `signbook-office serve`.
pub type ConfigurationSigner = axum::Extension<OfficeSigner>;

pub(crate) async fn configuration(
    State(store): State<SharedStore>,
    signer: Option<ConfigurationSigner>,
    headers: HeaderMap,
    body: Body,
) -> Result<axum::Json<SignedConfiguration>> {
    let signed = match signed_by(&headers) {
        Ok(signed) => signed,
        Err(error) => {
            discard_body(body).await;
            return Err(error);
        }
    };
    let (device_id, nonce, now) = (signed.device_id, signed.nonce.clone(), Utc::now());
    let device = match admit_device(&*store, device_id, signed.timestamp, now).await {
        Ok(device) => device,
        Err(error) => {
            discard_body(body).await;
            let known = store.device(device_id).await.ok().flatten().map(|d| d.device_id);
            return alerting(&*store, known, now, Err(error)).await;
        }
    };
    let body = read_body(&headers, body, MAX_CONFIGURATION_REQUEST_BYTES).await?;
    let result = async {
        check_signature(&signed, &device.public_key, CONFIGURATION_PATH, &body, now)?;
        if !store.remember_nonce(device.device_id, &nonce, now.timestamp()).await? {
            return Err(OfficeError::Replay { nonce });
        }
        let _request: ConfigurationRequest = parse_json(&body)?;
        let axum::Extension(signer) = signer.ok_or(OfficeError::NotFound)?;
        crate::configuration::signed_configuration(&store, &signer, device.site, now)
            .await?
            .ok_or(OfficeError::NotFound)
    }
    .await;
    alerting(&*store, Some(device.device_id), now, result).await.map(axum::Json)
}
