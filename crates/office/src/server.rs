//! The HTTPS server: routes, reading bodies within limits, and the accept loop (request authentication is `request_auth`).
//!
//! A push is checked as far as its headers allow (device paired and not
//! revoked, timestamp in range, declared length under [`MAX_BODY_BYTES`])
//! before its body is read, so an unauthenticated client cannot make the
//! office hold megabytes for it (a refused body is read and discarded, so
//! the sender can read the refusal). Then the body is read with a hard limit
//! and a deadline ([`crate::limits`]), its signature checked and the body
//! parsed on tokio's blocking pool (an 8 MiB body is milliseconds of
//! hashing and parsing), then the store called ([`crate::store::SyncStore`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde::de::DeserializeOwned;
use signbook_sync::pake::{PAKE_CONFIRM_PATH, PAKE_PATH};
use signbook_sync::wire::{ErrorBody, PROTOCOL, PairRequest, PairResponse, PushRequest, PushResponse};
use signbook_sync::{CONFIGURATION_PATH, PAIR_PATH, PUSH_PATH};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use uuid::Uuid;

use crate::error::{OfficeError, Result};
use crate::limits::{ConnectionGate, DeadlineBody, ServerLimits};
use crate::pairing::{PAIRING_GATE, PairingThrottle, code_hash, note_wrong_code};
use crate::request_auth::{SignedBy, check_clock, check_pairing_signature, check_signature, signed_by};
use crate::store::{Device, SharedStore, SyncStore};
use crate::tls::rotation::{Rotation, announced};

/// Largest request body accepted: 8 MiB, several times a 500-record batch.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Largest pairing request: a code, a device id, a key and a name.
pub const MAX_PAIR_BODY_BYTES: usize = 4 * 1024;

impl IntoResponse for OfficeError {
    fn into_response(self) -> Response {
        let acknowledged_seq = match &self {
            OfficeError::Gap { acknowledged, .. } => Some(*acknowledged),
            _ => None,
        };
        let body = ErrorBody { code: self.code().to_owned(), message: self.to_string(), acknowledged_seq };
        (self.status(), axum::Json(body)).into_response()
    }
}

/// The sync API alone: `POST /v1/pair`, `POST /v1/pair/pake`,
/// `POST /v1/pair/pake/confirm`, `POST /v1/push`, `GET /v1/health`.
/// Pairing with the code alone needs to know the certificate served:
/// layer an [`crate::tls::rotation::Announcer`] over it, as `serve` does.
pub fn router(store: SharedStore) -> Router {
    sync_routes(store).fallback(|| async { OfficeError::NotFound })
}

/// The sync API and the staff dashboard on one port. An unknown address
/// gets a page if a browser asked for it, else the API's JSON error (a
/// kiosk speaking a newer protocol must be able to read the refusal).
pub fn app(store: SharedStore, dashboard: crate::web::SharedDashboard) -> Router {
    sync_routes(store).merge(crate::web::router(dashboard)).fallback(|headers: HeaderMap| async move {
        let browser = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
        if browser {
            // The fallback sits outside the dashboard's layers: give it their headers and language.
            crate::web::not_found_page(&headers)
        } else {
            OfficeError::NotFound.into_response()
        }
    })
}

fn sync_routes(store: SharedStore) -> Router {
    Router::new()
        .route(PAIR_PATH, post(pair))
        .route(PUSH_PATH, post(push))
        .route(PAKE_PATH, post(crate::code_pairing::start))
        .route(PAKE_CONFIRM_PATH, post(crate::code_pairing::confirm))
        .route(CONFIGURATION_PATH, post(crate::server_configuration::configuration))
        .route("/v1/health", get(|| async { axum::Json(serde_json::json!({ "status": "ok", "protocol": PROTOCOL })) }))
        .with_state(store)
}

/// Accepts TLS connections on `listener` forever, one task per connection,
/// with the default [`ServerLimits`].
pub async fn serve(listener: TcpListener, tls: Arc<rustls::ServerConfig>, app: Router) {
    serve_with_limits(listener, tls, app, ServerLimits::default()).await
}

/// [`serve`] with the given limits on connections and request times.
pub async fn serve_with_limits(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    app: Router,
    limits: ServerLimits,
) {
    let acceptor = TlsAcceptor::from(tls);
    let gate = ConnectionGate::new(limits);
    // Every request body gets a deadline from the moment its headers are in.
    let app = app.layer(axum::middleware::map_request(move |request: axum::extract::Request| async move {
        request.map(|body| Body::new(DeadlineBody::new(body, &limits)))
    }));
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: pause, do not spin.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let slot = match gate.admit(peer.ip()) {
            Ok(slot) => slot,
            Err(refused) => {
                // Closed unanswered: answering would cost what the limit saves.
                tracing::warn!(%peer, ?refused, open = gate.open_connections(), "connection refused: limit reached");
                drop(tcp);
                continue;
            }
        };
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            serve_connection(tcp, peer, acceptor, app, &limits).await;
            drop(slot);
        });
    }
}

async fn serve_connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    app: Router,
    limits: &ServerLimits,
) {
    let _ = tcp.set_nodelay(true);
    let tls = match tokio::time::timeout(limits.header_timeout.min(Duration::from_secs(10)), acceptor.accept(tcp)).await
    {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => return tracing::debug!(%peer, %error, "TLS handshake failed"),
        Err(_) => return tracing::debug!(%peer, "TLS handshake timed out"),
    };
    // The dashboard limits failed logins per client address.
    let app = app.layer(axum::Extension(axum::extract::ConnectInfo(peer)));
    let result = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        // Also the idle timeout: hyper starts it again after each response.
        .header_read_timeout(limits.header_timeout)
        .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app))
        .await;
    if let Err(error) = result {
        tracing::debug!(%peer, %error, "connection ended with an error");
    }
}

/// Refuses a declared `Content-Length` over `limit`, before anything else.
pub(crate) fn check_declared_length(headers: &HeaderMap, limit: usize) -> Result<()> {
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(OfficeError::BodyTooLarge { limit });
    }
    Ok(())
}

/// Reads at most `limit` bytes, refusing early on a larger declared length.
pub(crate) async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes> {
    check_declared_length(headers, limit)?;
    let limited = http_body_util::Limited::new(body, limit);
    match http_body_util::BodyExt::collect(limited).await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            Err(OfficeError::BodyTooLarge { limit })
        }
        Err(error) if crate::limits::is_body_timeout(&*error) => Err(OfficeError::RequestTimeout),
        Err(error) => Err(OfficeError::MalformedJson { detail: format!("the body could not be read: {error}") }),
    }
}

/// Reads a body to its end (at most [`MAX_BODY_BYTES`]) keeping none of it.
pub(crate) async fn discard_body(body: Body) {
    let mut body = http_body_util::Limited::new(body, MAX_BODY_BYTES);
    while let Some(Ok(_)) = http_body_util::BodyExt::frame(&mut body).await {}
}

pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| OfficeError::MalformedJson { detail: e.to_string() })
}

/// Runs CPU-heavy request work (hashing, parsing) on the blocking pool.
async fn off_the_runtime<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| OfficeError::Internal(e.to_string()))?
}

/// What the headers alone can prove: the device is paired and not
/// revoked, and the timestamp is in range. Checked before the body is read.
pub(crate) async fn admit_device(
    store: &(impl SyncStore + ?Sized),
    device_id: Uuid,
    timestamp: i64,
    now: DateTime<Utc>,
) -> Result<Device> {
    let device = store.device(device_id).await?.ok_or(OfficeError::DeviceNotPaired { device_id })?;
    if let Some(revoked_at) = &device.revoked_at {
        return Err(OfficeError::DeviceRevoked { device_id: device.device_id, revoked_at: revoked_at.clone() });
    }
    check_clock(timestamp, now)?;
    Ok(device)
}

/// Checks a push's signature against the device [`admit_device`] let in
/// (the nonce is checked in the same transaction as the batch, see
/// [`push`]), and parses the batch.
async fn authenticate(
    device: Device,
    signed: SignedBy,
    path: &'static str,
    body: Bytes,
    now: DateTime<Utc>,
) -> Result<(Device, Result<PushRequest>)> {
    let key = device.public_key;
    let request = off_the_runtime(move || {
        check_signature(&signed, &key, path, &body, now)?;
        Ok(parse_json::<PushRequest>(&body))
    })
    .await?;
    Ok((device, request))
}

/// Keeps an alert for refusals that staff must see, then passes the error on.
pub(crate) async fn alerting<T>(
    store: &(impl SyncStore + ?Sized),
    device_id: Option<Uuid>,
    now: DateTime<Utc>,
    result: Result<T>,
) -> Result<T> {
    if let Err(error) = &result {
        tracing::warn!(device = ?device_id, code = error.code(), %error, "request refused");
        if error.is_alert() {
            let seq = match error {
                OfficeError::Fork { seq, .. }
                | OfficeError::BrokenLink { seq, .. }
                | OfficeError::HashMismatch { seq, .. }
                | OfficeError::PersonalDataMismatch { seq, .. }
                | OfficeError::RecordRule { seq, .. } => Some(*seq),
                OfficeError::Gap { found, .. } => Some(*found),
                _ => None,
            };
            if let Err(alert_error) = store.raise_alert(device_id, seq, error.code(), &error.to_string(), now).await {
                tracing::error!(%alert_error, "could not save an alert");
            }
        }
    }
    result
}

async fn push(
    State(store): State<SharedStore>,
    rotation: Option<Rotation>,
    headers: HeaderMap,
    body: Body,
) -> Result<axum::Json<PushResponse>> {
    // Oversized, unsigned and unknown-device requests are refused before
    // their body is read: only a paired kiosk may make the office hold one.
    check_declared_length(&headers, MAX_BODY_BYTES)?;
    let signed = match signed_by(&headers) {
        Ok(signed) => signed,
        Err(error) => {
            // As below: read and drop the body, so the sender can read the refusal.
            discard_body(body).await;
            return Err(error);
        }
    };
    let (device_id, nonce, now) = (signed.device_id, signed.nonce.clone(), Utc::now());
    let admitted = admit_device(&*store, device_id, signed.timestamp, now).await;
    let device = match admitted {
        Ok(device) => device,
        Err(error) => {
            // Refused from the headers alone, but the body is still read and
            // thrown away (nothing kept, bounded by the body deadline): an
            // answer sent mid-upload is lost to the connection's reset, and a
            // kiosk with a wrong clock learns the office's time from it.
            discard_body(body).await;
            let known = store.device(device_id).await.ok().flatten().map(|d| d.device_id);
            return alerting(&*store, known, now, Err(error)).await.map(axum::Json);
        }
    };
    let body = read_body(&headers, body, MAX_BODY_BYTES).await?;
    let now = Utc::now();
    let result = async {
        let (device, request) = authenticate(device, signed, PUSH_PATH, body, now).await?;
        let outcome = match request {
            Ok(request) => store.ingest(&device, Some((&nonce, now.timestamp())), request, now).await,
            Err(error) => Err(error),
        };
        match outcome {
            // A refused request's nonce is spent too: replaying it is a replay.
            Err(error) if !matches!(error, OfficeError::Replay { .. }) => {
                if !store.remember_nonce(device.device_id, &nonce, now.timestamp()).await? {
                    return Err(OfficeError::Replay { nonce });
                }
                Err(error)
            }
            other => other,
        }
    }
    .await;
    // Admitted above: a known kiosk (no second lookup on every push).
    let mut response = alerting(&*store, Some(device_id), now, result).await?;
    response.next_certificate = announced(rotation).await;
    Ok(axum::Json(response))
}

async fn pair(
    State(store): State<SharedStore>,
    rotation: Option<Rotation>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Result<axum::Json<PairResponse>> {
    let body = read_body(&headers, body, MAX_PAIR_BODY_BYTES).await?;
    let request: PairRequest = parse_json(&body)?;
    let now = Utc::now();
    let key = check_pairing_signature(&headers, &request.public_key, request.device_id, PAIR_PATH, &body, now)?;
    // A name the dashboard would refuse is dropped, not the pairing: staff
    // can name the kiosk on the Kiosks page.
    let name = request.kiosk_name.as_deref().and_then(|n| crate::pairing::kiosk_name(n).ok());
    let code = request.code.chars().take(40).collect::<String>();
    let (address, throttle) = (peer.ip().to_string(), PairingThrottle::default());
    let gate = PAIRING_GATE.lock().await;
    let recent = store.recent_pairing_failures(&throttle, &address, now.timestamp()).await?;
    if let Some(wait) = throttle.wait(recent, now.timestamp()) {
        tracing::warn!(%address, "pairing refused: too many wrong codes");
        return Err(OfficeError::PairingRateLimited { minutes: (wait + 59) / 60 });
    }
    let paired = store.pair(&code, &code_hash(&code), request.device_id, &key, name.as_deref(), now).await;
    if let Err(OfficeError::PairingCodeInvalid { .. }) = &paired {
        note_wrong_code(&*store, &throttle, &address, now).await;
    }
    drop(gate);
    let (device, acknowledged_seq) = paired?;
    tracing::info!(device = %device.device_id, name = ?device.name, "kiosk paired");
    Ok(axum::Json(PairResponse {
        device_id: device.device_id,
        paired_at: device.paired_at,
        acknowledged_seq,
        next_certificate: announced(rotation).await,
    }))
}
