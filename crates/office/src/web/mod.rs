//! The staff dashboard: server-rendered HTML on the same HTTPS port as
//! the sync API, so any office PC's browser can use it with no install.
//!
//! * Pages are [maud] templates: every value is HTML-escaped unless a
//!   template says otherwise, so a signer called `<script>` is just text.
//! * No JavaScript: every action is a link or a form, and the pages pass
//!   axe-core's checks (`tests/office-e2e`).
//! * Logins ([`auth`]): Argon2id passwords, a session cookie that is
//!   `HttpOnly; Secure; SameSite=Strict`, a CSRF token in every form, and
//!   failed logins limited per account and per address (an address that
//!   has not been failing may still try a locked account, so nobody can
//!   lock a colleague out); failures are audited, lockouts also alerted.
//! * Storage through [`crate::store::OfficeStorage`] only. With SQLite the
//!   dashboard has its own store (its own connection), separate from the
//!   sync path's, so a long export never holds up a kiosk's push (WAL lets
//!   the two read and write side by side).
//!
//! * What an account may do: its role ([`crate::store::roles`]); each
//!   route needs one [`Permission`], checked by [`guard`] alone (a 403
//!   page naming the role to ask for); the menu shows only what it can use.
//!
//! Pages: [`records`] (search, record page, exports), [`integrity`]
//! (chains, alerts, kiosks), [`roster`] (who still has to sign),
//! [`privacy`] (retention, erasure, subject access, audit log),
//! [`agreements`] and [`publish`] (versions; importing and publishing one),
//! [`accounts`] (staff accounts, for admins).

mod account_schools;
mod accounts;
mod agreements;
mod auth;
mod exports;
mod filters;
mod guard;
mod integrity;
mod kiosk_configuration;
mod kiosk_settings;
mod language;
mod layout;
mod page_error;
mod privacy;
mod privacy_notice;
mod publish;
mod records;
mod roster;
mod school_agreements;
mod schools;
mod session;
mod shell;
mod state;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use crate::store::Permission;
pub use agreements::parse_roles;
pub use language::visitor_language;
pub use page_error::PageError;
pub use session::Staff;
pub use state::{Dashboard, SharedDashboard};

/// Security headers on every dashboard answer: no scripts at all, no
/// framing, no caching of pages that carry personal data.
async fn security_headers(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    with_security_headers(next.run(request).await)
}

/// Adds the dashboard's security headers to `response` (those it lacks);
/// also used for pages answered outside the dashboard's router, such as
/// the 404 page of an unknown address.
pub fn with_security_headers(mut response: Response) -> Response {
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

/// The 404 page for an address outside the dashboard's router, in the
/// visitor's language, with the dashboard's headers.
pub fn not_found_page(headers: &axum::http::HeaderMap) -> Response {
    let lang = language::visitor_language(headers);
    let page = crate::i18n::with_language(lang, || PageError::NotFound.into_response());
    with_security_headers(page)
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

/// The dashboard's routes, grouped by the [`Permission`] each needs
/// ([`guard::needs`] checks it, in one place); see [`crate::store::roles`]
/// for which role has which.
pub fn router(dash: SharedDashboard) -> Router {
    let records = Router::new()
        .route("/records", get(records::list))
        .route("/records/{device}/{seq}", get(records::show))
        .route("/records/{device}/{seq}/signature.png", get(records::signature))
        .route("/records/{device}/{seq}/evidence.pdf", get(exports::record_pdf))
        .route("/agreements", get(agreements::list))
        .route("/agreements/{hash}", get(records::agreement))
        .route("/export/records.csv", get(exports::csv))
        .route("/export/records.xlsx", get(exports::xlsx))
        .route("/export/evidence.zip", get(exports::pack))
        .route("/integrity", get(integrity::page))
        .route("/integrity/verify", post(integrity::verify_now))
        .route("/alerts/{id}/acknowledge", post(integrity::acknowledge))
        // Each school's own roster: a form naming another school is not found.
        .route("/roster", get(roster::page).post(roster::import))
        .route("/roster/outstanding.csv", get(roster::outstanding_csv))
        .route("/roster/outstanding.xlsx", get(roster::outstanding_xlsx));
    let privacy = Router::new()
        .route("/records/{device}/{seq}/erase", post(privacy::erase_one))
        .route("/privacy", get(privacy::page))
        // Each school's own retention periods.
        .route("/privacy/retention", post(privacy::set_retention))
        // The trust's notice or a school's own (checked in the handler).
        .route("/privacy/notice", get(privacy_notice::page).post(privacy_notice::save))
        .route("/privacy/notice/unset", post(privacy_notice::unset))
        // The purge runs for every school.
        .merge(guard::trust_only(Router::new().route("/privacy/purge", post(privacy::purge))))
        .route("/privacy/person", get(privacy::person))
        .route("/privacy/erase", post(privacy::erase_person))
        .route("/privacy/subject-access.zip", get(exports::subject_access))
        .route("/audit", get(privacy::audit));
    let publishing = guard::trust_only(
        Router::new()
            .route("/agreements/new", get(publish::new))
            .route(
                "/agreements/import",
                post(publish::import).layer(axum::extract::DefaultBodyLimit::max(publish::MAX_UPLOAD_BYTES)),
            )
            .route("/agreements/review", post(publish::review)),
    );
    let administer = Router::new()
        .route("/kiosks", get(integrity::kiosks))
        .route("/kiosks/pairing-code", post(integrity::pairing_code))
        .route("/kiosks/{device}/revoke", post(integrity::revoke))
        .route("/kiosks/{device}/name", post(integrity::rename))
        .route("/accounts", get(accounts::page).post(accounts::add))
        .route("/accounts/{name}/role", post(accounts::set_role))
        .route("/accounts/{name}/password", post(accounts::new_password))
        .route("/accounts/{name}/publishing", post(accounts::set_publishing))
        .route("/accounts/{name}/disable", post(accounts::disable))
        .route("/accounts/{name}/enable", post(accounts::enable))
        .route("/accounts/{name}/schools", post(account_schools::set_schools))
        .route("/schools", get(schools::page))
        // The trust's kiosk settings or a school's own (checked in the handler).
        .route("/kiosks/settings", post(kiosk_settings::save))
        .route("/kiosks/settings/unset", post(kiosk_settings::unset))
        // A school's own agreement versions (checked in the handler).
        .route("/agreements/school", post(school_agreements::save))
        // Settings that apply to every school's kiosks and exports.
        .merge(guard::trust_only(
            Router::new()
                .route("/agreements/{hash}/adopt", post(agreements::adopt))
                .route("/settings/export-language", post(language::set_export_language))
                .route("/schools", post(schools::add))
                .route("/schools/{site}/name", post(schools::rename)),
        ));
    Router::new()
        .route("/", get(|| async { axum::response::Redirect::to("/records") }))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/language", post(language::set))
        .route("/account", get(language::account))
        .route("/static/dashboard.css", get(shell::stylesheet))
        .merge(guard::needs(&dash, Permission::Records, records))
        .merge(guard::needs(&dash, Permission::Privacy, privacy))
        .merge(guard::needs(&dash, Permission::Publish, publishing))
        .merge(guard::needs(&dash, Permission::Administer, administer))
        .layer(axum::middleware::from_fn(same_origin_posts))
        .layer(axum::middleware::from_fn(language::scope))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(dash)
}
