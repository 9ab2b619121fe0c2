//! How a dashboard request fails: a page that says what happened and what
//! to do.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::shell;
use crate::error::OfficeError;
use crate::i18n::{t, tf};
use crate::store::Permission;

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
    /// The account's role does not have this permission.
    #[error("{}", .0.refusal())]
    Forbidden(Permission),
    /// Nothing at this address.
    #[error("There is nothing at this address. Use the menu to find what you need.")]
    NotFound,
    /// What only the trust's staff may do (settings that apply to every school).
    #[error(
        "Only the trust's staff can do this: it applies to every school. Nothing was changed. Ask an admin of the trust."
    )]
    TrustOnly,
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
            PageError::Csrf | PageError::Forbidden(_) | PageError::TrustOnly => StatusCode::FORBIDDEN,
        };
        let message = match &self {
            PageError::Office(e) if status == StatusCode::INTERNAL_SERVER_ERROR => {
                tf("error.internal", &[("error", e)])
            }
            PageError::Office(e) => office_message(e),
            PageError::Csrf => t("error.csrf").to_owned(),
            PageError::Forbidden(permission) => refusal(*permission),
            PageError::NotFound => t("error.not_found").to_owned(),
            PageError::TrustOnly => t("error.trust_only").to_owned(),
        };
        (status, shell::error_page(status, &message)).into_response()
    }
}

/// What a store or input error says to staff, in the page's language.
/// Input errors are worded where they are made (in the request's
/// language); the sync API's refusals, which staff do not meet here, keep
/// their English.
fn office_message(error: &OfficeError) -> String {
    match error {
        OfficeError::NotFound => t("error.not_found").to_owned(),
        OfficeError::InputInvalid(message) | OfficeError::AccountInvalid(message) => message.clone(),
        OfficeError::LastAdmin { username } => tf("error.last_admin", &[("name", username)]),
        OfficeError::UnknownAccount { username } => tf("error.unknown_account", &[("name", username)]),
        OfficeError::SiteExists { name } => tf("error.site_exists", &[("name", name)]),
        OfficeError::SiteUnknown { site, .. } => tf("error.site_unknown", &[("site", site)]),
        OfficeError::UnknownDevice { device_id } => tf("error.unknown_device", &[("id", device_id)]),
        OfficeError::DamagedRecord { device_id, seq, detail } => {
            tf("error.damaged_record", &[("seq", seq), ("kiosk", device_id), ("detail", detail)])
        }
        other => other.to_string(),
    }
}

/// What an account is told when its role lacks `permission`.
fn refusal(permission: Permission) -> String {
    let role = super::layout::role_name(permission.least_role());
    match permission {
        Permission::Records => tf("error.forbidden_records", &[("role", &role)]),
        Permission::Privacy => tf("error.forbidden_privacy", &[("role", &role)]),
        Permission::Administer => tf("error.forbidden_administer", &[("role", &role)]),
        Permission::Publish => t("error.forbidden_publish").to_owned(),
    }
}

/// Runs CPU-heavy page work (PDFs, ZIPs) on the blocking pool, off the
/// threads that serve requests.
pub(super) async fn off_the_runtime<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, OfficeError> + Send + 'static,
) -> Result<T, PageError> {
    Ok(tokio::task::spawn_blocking(f).await.map_err(|e| OfficeError::Internal(e.to_string()))??)
}
