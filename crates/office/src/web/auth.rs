//! Logging in and out.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use maud::html;
use serde::Deserialize;

use super::layout;
use super::page_error::PageError;
use super::session::{COOKIE, Staff, cookie_token};
use super::state::SharedDashboard;
use crate::i18n::{t, tf, tm};
use crate::store::NewLockouts;

#[derive(Debug, Deserialize)]
pub(super) struct LoginQuery {
    next: Option<String>,
}

/// First path segments of the dashboard's own pages: the only places a
/// login sends someone on to.
const NEXT_SECTIONS: [&str; 10] =
    ["records", "agreements", "export", "integrity", "kiosks", "roster", "privacy", "audit", "accounts", "account"];

/// Only the dashboard's own pages: never send someone on to another site
/// after login. A penetration test got `/%09/evil.example` through a
/// "starts with one slash" check (browsers drop the tab and follow
/// `//evil.example`), and a CR or LF made the answer a 500; so: one leading
/// slash, no control character or backslash, and a known first segment.
pub(super) fn safe_next(next: Option<&str>) -> String {
    let ok = |n: &&str| {
        let Some(path) = n.strip_prefix('/') else { return false };
        let section = path.split(['/', '?', '#']).next().unwrap_or("");
        !n.chars().any(|c| c.is_control() || c == '\\') && NEXT_SECTIONS.contains(&section)
    };
    next.filter(ok).unwrap_or("/records").to_owned()
}

pub(super) async fn login_page(State(dash): State<SharedDashboard>, Query(query): Query<LoginQuery>) -> Response {
    login_form(&dash, &safe_next(query.next.as_deref()), None, StatusCode::OK)
}

fn login_form(dash: &SharedDashboard, next: &str, problem: Option<&str>, status: StatusCode) -> Response {
    let body = html! {
        h1 { (t("login.title")) }
        p { (tf("login.intro", &[("school", &dash.school)])) }
        @if let Some(problem) = problem {
            p.problem role="alert" { (problem) }
        }
        form method="post" action="/login" {
            input type="hidden" name="next" value=(next);
            p {
                label for="username" { (t("login.username")) }
                input #username type="text" name="username" autocomplete="username" required autofocus;
            }
            p {
                label for="password" { (t("login.password")) }
                input #password type="password" name="password" autocomplete="current-password" required;
            }
            button type="submit" { (t("login.submit")) }
        }
        p.hint { (tm("login.no_account", &[("command", html! { code { "signbook-office user add " (t("login.your_name")) } })])) }
    };
    (status, layout::page(&dash.school, t("login.title"), None, "", body)).into_response()
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
    let gate = dash.login_gate.lock().await;
    let (user, lock) = match store.login_locked_for(&throttle, &username, &address, now.timestamp()).await? {
        Some(wait) => (None, Some(wait)),
        None => {
            let user = store.check_password(&username, &form.password).await?;
            if user.is_none() {
                let lockouts = store.note_login_failure(&throttle, &username, &address, now.timestamp()).await?;
                report_failure(&dash, &username, &address, lockouts, now).await?;
            }
            (user, None)
        }
    };
    drop(gate);
    if let Some(wait) = lock {
        tracing::warn!(account = %username, %address, "login refused: too many failures");
        let minutes = (wait + 59) / 60;
        let message = tf("login.locked", &[("minutes", &minutes)]);
        return Ok(login_form(&dash, &next, Some(&message), StatusCode::TOO_MANY_REQUESTS));
    }
    let Some(user) = user else {
        tracing::info!(account = %username, %address, "login failed");
        return Ok(login_form(&dash, &next, Some(t("login.wrong")), StatusCode::UNAUTHORIZED));
    };
    let token = store.start_session(&user, now.timestamp()).await?;
    store.audit(&user, "login", &format!("from {address}"), now).await?;
    let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict");
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
}

/// Puts a failed login in the audit log, and each lockout it started in the
/// audit log and the alerts. Refusals while locked out are not logged one
/// by one (nothing caps them, and the audit log is never trimmed): the
/// lockout that caused them is.
async fn report_failure(
    dash: &SharedDashboard,
    username: &str,
    address: &str,
    lockouts: NewLockouts,
    now: DateTime<Utc>,
) -> Result<(), PageError> {
    // The name as typed (already cut to 64 characters), quoted and escaped:
    // it may be anything, control characters included.
    let account = format!("{username:?}");
    let store = &dash.store;
    // Staff reading the log need to know a refusal was the account being
    // disabled, not a wrong password; the person at the screen is told
    // nothing either way.
    let disabled = store.users().await?.iter().any(|a| a.username == username && a.disabled_at.is_some());
    let detail = if disabled {
        format!("the account {account} is disabled")
    } else {
        format!("wrong password for the account {account}")
    };
    store.audit(address, "login_failed", &detail, now).await?;
    let minutes = dash.throttle.window_secs / 60;
    let mut locked = Vec::new();
    if lockouts.account {
        locked.push(format!(
            "The account {account} is locked out: {} wrong passwords in {minutes} minutes, the last from {address}. Logins to it from addresses that have failed are refused for up to {minutes} minutes; if this was not the account's owner, someone may be guessing its password.",
            dash.throttle.per_account
        ));
    }
    if lockouts.address {
        locked.push(format!(
            "The address {address} is locked out: {} failed logins in {minutes} minutes, the last for the account {account}. Logins from it are refused for up to {minutes} minutes; if it is not a colleague's computer, someone may be guessing passwords.",
            dash.throttle.per_address
        ));
    }
    for detail in locked {
        tracing::warn!(%address, account = %username, "{detail}");
        store.audit("office", "login_locked_out", &detail, now).await?;
        store.raise_alert(None, None, "login_locked_out", &detail, now).await?;
    }
    Ok(())
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
            (Some("/\t/evil.example"), "/records"),
            (Some("/records\r\nSet-Cookie: x=y"), "/records"),
            (Some("/\u{85}/evil.example"), "/records"),
            (Some("/evil.example"), "/records"),
            (Some("/privacy/person?name=ann"), "/privacy/person?name=ann"),
            (
                Some("/records/5b0a6f1e-3c9d-4e2a-9f47-1d2c3b4a5e6f/3"),
                "/records/5b0a6f1e-3c9d-4e2a-9f47-1d2c3b4a5e6f/3",
            ),
            (None, "/records"),
        ] {
            assert_eq!(safe_next(given), goes, "{given:?}");
        }
    }
}
