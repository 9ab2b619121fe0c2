//! Who is logged in: the [`Staff`] extractor every page uses, its CSRF
//! check, and the session cookie.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;

use super::page_error::PageError;
use super::state::SharedDashboard;
use crate::store::{Permission, Scope, Session};

/// The session cookie's name.
pub const COOKIE: &str = "signbook_session";

/// A logged-in member of staff. Pages that take it redirect anyone else to
/// the login page (what their role allows is checked by [`super::guard`]).
#[derive(Debug, Clone)]
pub struct Staff {
    /// Their session.
    pub session: Session,
}

impl Staff {
    /// Refuses a form whose token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), PageError> {
        use subtle::ConstantTimeEq as _;
        // Constant time: the comparison must not leak how much matched.
        let same: bool = self.session.csrf_token.as_bytes().ct_eq(token.as_bytes()).into();
        if same { Ok(()) } else { Err(PageError::Csrf) }
    }

    /// Who, for the audit log.
    pub fn name(&self) -> &str {
        &self.session.username
    }

    /// The schools whose records, kiosks and audit entries they may see:
    /// every store read of the dashboard takes it.
    pub fn scope(&self) -> &Scope {
        &self.session.scope
    }

    /// Whether their account has `permission` (to show only what they can
    /// use; routes are guarded by [`super::guard`]): their role's, plus
    /// publishing when the account was given it.
    pub fn can(&self, permission: Permission) -> bool {
        self.session.role.allows(permission) || (permission == Permission::Publish && self.session.may_publish)
    }
}

pub(super) fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Where an unauthenticated visitor goes instead.
#[derive(Debug)]
pub struct LoginRedirect(String);

impl IntoResponse for LoginRedirect {
    fn into_response(self) -> Response {
        Redirect::to(&format!("/login?next={}", urlencode(&self.0))).into_response()
    }
}

/// Encodes a query value (`application/x-www-form-urlencoded`, as axum decodes it).
pub fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

impl FromRequestParts<SharedDashboard> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, dash: &SharedDashboard) -> Result<Self, Self::Rejection> {
        if let Some(staff) = parts.extensions.get::<Staff>() {
            return Ok(staff.clone());
        }
        let next = parts.uri.path_and_query().map_or("/records", |p| p.as_str()).to_owned();
        let Some(token) = cookie_token(&parts.headers) else { return Err(LoginRedirect(next).into_response()) };
        let now = Utc::now().timestamp();
        match dash.store.session(&token, now).await {
            Ok(Some(session)) => {
                // The rest of this request is in the account's language.
                crate::i18n::set_current(session.language);
                Ok(Staff { session })
            }
            Ok(None) => Err(LoginRedirect(next).into_response()),
            Err(error) => Err(PageError::from(error).into_response()),
        }
    }
}
