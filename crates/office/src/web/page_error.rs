//! How a dashboard request fails: a page that says what happened and what
//! to do.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::shell;
use crate::error::OfficeError;
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
            PageError::Csrf | PageError::Forbidden(_) => StatusCode::FORBIDDEN,
        };
        let message = match &self {
            PageError::Office(OfficeError::NotFound) => PageError::NotFound.to_string(),
            PageError::Office(e) if status == StatusCode::INTERNAL_SERVER_ERROR => format!(
                "Something went wrong on the office server: {e}. Nothing was changed; try again, and if it keeps happening tell your IT support."
            ),
            other => other.to_string(),
        };
        (status, shell::error_page(status, &message)).into_response()
    }
}

/// Runs CPU-heavy page work (PDFs, ZIPs) on the blocking pool, off the
/// threads that serve requests.
pub(super) async fn off_the_runtime<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, OfficeError> + Send + 'static,
) -> Result<T, PageError> {
    Ok(tokio::task::spawn_blocking(f).await.map_err(|e| OfficeError::Internal(e.to_string()))??)
}
