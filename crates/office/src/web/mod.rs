//! The staff dashboard: server-rendered HTML on the same HTTPS port as
//! the sync API, so any office PC's browser can use it with no install.
//!
//! * Pages are [maud] templates: every value is HTML-escaped unless a
//!   template says otherwise, so a signer called `<script>` is just text.
//! * No JavaScript: every action is a link or a form, and the pages pass
//!   axe-core's checks (`tests/office-e2e`).
//! * Logins ([`auth`]): Argon2id passwords, a session cookie that is
//!   `HttpOnly; Secure; SameSite=Strict`, a CSRF token in every form, and
//!   failed logins limited per account and per address.
//! * Storage through [`crate::store::OfficeStorage`] only. With SQLite the
//!   dashboard has its own store (its own connection), separate from the
//!   sync path's, so a long export never holds up a kiosk's push (WAL lets
//!   the two read and write side by side).
//!
//! Pages: [`records`] (search, record page, exports), [`integrity`]
//! (chains, alerts, kiosks), [`roster`] (who still has to sign),
//! [`privacy`] (retention, erasure, subject access, audit log).

mod auth;
mod exports;
mod integrity;
mod layout;
mod privacy;
mod records;
mod roster;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use signbook_core::Hash32;
use signbook_core::verify::VerifyReport;

use crate::error::OfficeError;
use crate::store::{LoginThrottle, SharedStore};

pub use auth::Staff;

/// What every dashboard page can reach.
#[derive(Debug)]
pub struct Dashboard {
    store: SharedStore,
    school: String,
    fingerprint: Hash32,
    throttle: LoginThrottle,
    /// The last full verification of every chain, and when it ran.
    last_verified: Mutex<Option<(DateTime<Utc>, Vec<VerifyReport>)>>,
}

impl Dashboard {
    /// A dashboard over `store` (with SQLite, give it its own
    /// [`crate::SqliteStore`], so exports never hold up the sync API).
    pub fn new(store: SharedStore, school: String, fingerprint: Hash32) -> Arc<Dashboard> {
        Arc::new(Dashboard {
            store,
            school,
            fingerprint,
            throttle: LoginThrottle::default(),
            last_verified: Mutex::new(None),
        })
    }
}

/// Shared dashboard state.
pub type SharedDashboard = Arc<Dashboard>;

/// Runs CPU-heavy page work (PDFs, ZIPs) on the blocking pool, off the
/// threads that serve requests.
async fn off_the_runtime<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, OfficeError> + Send + 'static,
) -> Result<T, PageError> {
    Ok(tokio::task::spawn_blocking(f).await.map_err(|e| OfficeError::Internal(e.to_string()))??)
}

/// Everything a dashboard request can fail with; shown as a page that says
/// what happened and what to do.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// A store or input error.
    #[error(transparent)]
    Office(#[from] OfficeError),
    /// A form without this session's CSRF token.
    #[error(
        "This form has expired or did not come from this dashboard, so nothing was changed. Go back, reload the page and try again."
    )]
    Csrf,
    /// Nothing at this address.
    #[error("There is nothing at this address. Use the menu to find what you need.")]
    NotFound,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = match &self {
            PageError::Office(OfficeError::NotFound) | PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Office(e) if e.status() == StatusCode::INTERNAL_SERVER_ERROR => {
                tracing::error!(error = %e, "dashboard request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
            PageError::Office(e) => e.status(),
            PageError::Csrf => StatusCode::FORBIDDEN,
        };
        let message = match &self {
            PageError::Office(OfficeError::NotFound) => PageError::NotFound.to_string(),
            PageError::Office(e) if status == StatusCode::INTERNAL_SERVER_ERROR => format!(
                "Something went wrong on the office server: {e}. Nothing was changed; try again, and if it keeps happening tell your IT support."
            ),
            other => other.to_string(),
        };
        (status, layout::error_page(status, &message)).into_response()
    }
}

/// Security headers on every dashboard answer: no scripts at all, no
/// framing, no caching of pages that carry personal data.
async fn security_headers(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name, value: &'static str| {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    // `same-origin`, not `no-referrer`: with no-referrer, browsers send
    // `Origin: null` on form posts, and [`same_origin_posts`] needs the origin.
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::CACHE_CONTROL, "no-store");
    set(headers, header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    response
}

/// Refuses a form posted from another site. Browsers send `Origin` with
/// every POST; it must name this server. This also stops "login CSRF",
/// where another site logs a browser in to an account of its choosing
/// (the login form has no session, so no token, to check).
async fn same_origin_posts(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if request.method() == axum::http::Method::POST {
        let origin_host = request
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(|o| o.split("://").nth(1).unwrap_or("").to_owned());
        let host = request.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        if origin_host.is_some_and(|o| o != host) {
            return PageError::Csrf.into_response();
        }
    }
    next.run(request).await
}

/// The dashboard's routes.
pub fn router(dash: SharedDashboard) -> Router {
    Router::new()
        .route("/", get(|| async { axum::response::Redirect::to("/records") }))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/static/dashboard.css", get(layout::stylesheet))
        .route("/records", get(records::list))
        .route("/records/{device}/{seq}", get(records::show))
        .route("/records/{device}/{seq}/signature.png", get(records::signature))
        .route("/records/{device}/{seq}/evidence.pdf", get(exports::record_pdf))
        .route("/records/{device}/{seq}/erase", post(privacy::erase_one))
        .route("/agreements/{hash}", get(records::agreement))
        .route("/export/records.csv", get(exports::csv))
        .route("/export/evidence.zip", get(exports::pack))
        .route("/integrity", get(integrity::page))
        .route("/integrity/verify", post(integrity::verify_now))
        .route("/alerts/{id}/acknowledge", post(integrity::acknowledge))
        .route("/kiosks", get(integrity::kiosks))
        .route("/kiosks/pairing-code", post(integrity::pairing_code))
        .route("/kiosks/{device}/revoke", post(integrity::revoke))
        .route("/roster", get(roster::page).post(roster::import))
        .route("/roster/outstanding.csv", get(roster::outstanding_csv))
        .route("/privacy", get(privacy::page))
        .route("/privacy/retention", post(privacy::set_retention))
        .route("/privacy/purge", post(privacy::purge))
        .route("/privacy/person", get(privacy::person))
        .route("/privacy/erase", post(privacy::erase_person))
        .route("/privacy/subject-access.zip", get(exports::subject_access))
        .route("/audit", get(privacy::audit))
        .layer(axum::middleware::from_fn(same_origin_posts))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(dash)
}
