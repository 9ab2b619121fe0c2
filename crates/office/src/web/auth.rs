//! Logging in and out, the [`Staff`] extractor every page uses, and CSRF.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use serde::Deserialize;

use super::{PageError, SharedDashboard, layout};
use crate::store::Session;

/// The session cookie's name.
pub const COOKIE: &str = "signbook_session";

/// A logged-in member of staff. Pages that take it redirect anyone else to
/// the login page.
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
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
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
        let next = parts.uri.path_and_query().map_or("/records", |p| p.as_str()).to_owned();
        let Some(token) = cookie_token(&parts.headers) else { return Err(LoginRedirect(next).into_response()) };
        let now = Utc::now().timestamp();
        match dash.store.session(&token, now).await {
            Ok(Some(session)) => Ok(Staff { session }),
            Ok(None) => Err(LoginRedirect(next).into_response()),
            Err(error) => Err(error.into_response()),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct LoginQuery {
    next: Option<String>,
}

/// Only same-site paths: never send someone on to another site after login.
fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\')).unwrap_or("/records").to_owned()
}

pub(super) async fn login_page(State(dash): State<SharedDashboard>, Query(query): Query<LoginQuery>) -> Response {
    login_form(&dash, &safe_next(query.next.as_deref()), None, StatusCode::OK)
}

fn login_form(dash: &SharedDashboard, next: &str, problem: Option<&str>, status: StatusCode) -> Response {
    let body = html! {
        h1 { "Log in" }
        p { "Staff of " (dash.school) " log in to find, verify and export signed agreements." }
        @if let Some(problem) = problem {
            p.problem role="alert" { (problem) }
        }
        form method="post" action="/login" {
            input type="hidden" name="next" value=(next);
            p {
                label for="username" { "User name" }
                input #username type="text" name="username" autocomplete="username" required autofocus;
            }
            p {
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password" required;
            }
            button type="submit" { "Log in" }
        }
        p.hint { "No account yet? Someone with access to the office server runs " code { "signbook-office user add YOUR-NAME" } "." }
    };
    (status, layout::page(&dash.school, "Log in", None, "", body)).into_response()
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginForm").field("username", &self.username).finish_non_exhaustive()
    }
}

pub(super) async fn login(
    State(dash): State<SharedDashboard>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let next = safe_next(form.next.as_deref());
    let username: String = form.username.trim().chars().take(64).collect();
    let now = Utc::now();
    let throttle = dash.throttle;
    let address = peer.ip().to_string();
    let store = &dash.store;
    let (user, lock) = match store.login_locked_for(&throttle, &username, &address, now.timestamp()).await? {
        Some(wait) => (None, Some(wait)),
        None => {
            let user = store.check_password(&username, &form.password).await?;
            if user.is_none() {
                store.note_login_failure(&username, &address, now.timestamp()).await?;
            }
            (user, None)
        }
    };
    if let Some(wait) = lock {
        tracing::warn!(account = %username, %address, "login refused: too many failures");
        let minutes = (wait + 59) / 60;
        let message = format!(
            "Too many failed logins. For safety, logging in is paused for {minutes} minute(s); try again then, or ask a colleague to check your account."
        );
        return Ok(login_form(&dash, &next, Some(&message), StatusCode::TOO_MANY_REQUESTS));
    }
    let Some(user) = user else {
        tracing::info!(account = %username, %address, "login failed");
        return Ok(login_form(
            &dash,
            &next,
            Some("That user name and password do not match. Check them and try again."),
            StatusCode::UNAUTHORIZED,
        ));
    };
    let token = store.start_session(&user, now.timestamp()).await?;
    store.audit(&user, "login", &format!("from {address}"), now).await?;
    let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict");
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct CsrfOnly {
    pub csrf: String,
}

pub(super) async fn logout(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    if let Some(token) = cookie_token(&headers) {
        dash.store.end_session(&token).await?;
    }
    let expired = format!("{COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    Ok(([(header::SET_COOKIE, expired)], Redirect::to("/login")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_login_only_paths_on_this_site_are_followed() {
        for (given, goes) in [
            (Some("/records?name=zoe"), "/records?name=zoe"),
            (Some("https://evil.example/"), "/records"),
            (Some("//evil.example/"), "/records"),
            (Some("/\\evil.example"), "/records"),
            (None, "/records"),
        ] {
            assert_eq!(safe_next(given), goes, "{given:?}");
        }
    }
}
