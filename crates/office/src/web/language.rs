//! Which language a page is in, and the switch on every page.
//!
//! A signed-in member of staff reads the dashboard in their account's
//! language (stored in the office database, set with the switch or on
//! their account page). Before sign-in, a cookie set by the switch decides,
//! else the browser's `Accept-Language`. The [`scope`] middleware puts the
//! request's language where [`crate::i18n::t`] finds it, so error pages
//! are translated too.

use axum::Form;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, csrf};
use super::page_error::PageError;
use super::session::{Staff, cookie_token};
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::i18n::{self, Lang, t};

/// The cookie that keeps the language chosen before sign-in (and after
/// sign-out), a year long; not a secret, so readable by nothing but us anyway.
const LANG_COOKIE: &str = "signbook_lang";

tokio::task_local! {
    /// The address of the page being answered, for the switch to come back to.
    static CURRENT_PATH: String;
}

/// The language a visitor who is not signed in gets: the switch's cookie,
/// else the browser's preference.
pub fn visitor_language(headers: &HeaderMap) -> Lang {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LANG_COOKIE)
        .and_then(|(_, value)| Lang::from_code(value));
    cookie.unwrap_or_else(|| {
        headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map_or(Lang::En, Lang::from_accept_language)
    })
}

/// Answers the request in the visitor's language; the [`Staff`] extractor
/// switches to the account's once it knows who is signed in.
pub(super) async fn scope(request: Request, next: Next) -> Response {
    let lang = visitor_language(request.headers());
    let path = request.uri().path_and_query().map_or("/records", |p| p.as_str()).to_owned();
    i18n::scope(lang, CURRENT_PATH.scope(path, next.run(request))).await
}

/// The page being answered, if within [`scope`].
fn current_path() -> String {
    CURRENT_PATH.try_with(Clone::clone).unwrap_or_else(|_| "/records".to_owned())
}

/// The switch in every page's frame: a button for the other language,
/// named in that language (and marked as such for screen readers).
pub(super) fn switch(staff: Option<&Staff>) -> Markup {
    let other = if i18n::current() == Lang::Cy { Lang::En } else { Lang::Cy };
    html! {
        form.language method="post" action="/language" {
            @if let Some(staff) = staff { (csrf(staff)) }
            input type="hidden" name="next" value=(current_path());
            input type="hidden" name="lang" value=(other.code());
            button.secondary type="submit" lang=(other.html_lang()) { (other.name()) }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct SwitchForm {
    lang: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    csrf: String,
}

/// Where the switch may send someone back to: a dashboard page, or the
/// sign-in page (with its own onward address).
fn back_to(next: &str) -> String {
    let login = next == "/login" || next.starts_with("/login?");
    if login && !next.chars().any(|c| c.is_control() || c == '\\') {
        next.to_owned()
    } else {
        super::auth::safe_next(Some(next))
    }
}

/// The switch: keeps the choice in the account when signed in, and in a
/// cookie either way (so the sign-in page after sign-out keeps it too).
pub(super) async fn set(
    State(dash): State<SharedDashboard>,
    headers: HeaderMap,
    Form(form): Form<SwitchForm>,
) -> Result<Response, PageError> {
    let lang =
        Lang::from_code(&form.lang).ok_or_else(|| OfficeError::InputInvalid(t("language.unknown").to_owned()))?;
    if let Some(token) = cookie_token(&headers)
        && let Some(session) = dash.store.session(&token, Utc::now().timestamp()).await?
    {
        let staff = Staff { session };
        staff.check_csrf(&form.csrf)?;
        dash.store.set_language(staff.name(), lang).await?;
    }
    Ok(with_cookie(lang, Redirect::to(&back_to(&form.next)).into_response()))
}

fn with_cookie(lang: Lang, mut response: Response) -> Response {
    let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; Secure; SameSite=Strict", lang.code());
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// A signed-in account's own page: its language.
pub(super) async fn account(State(dash): State<SharedDashboard>, staff: Staff) -> Result<Response, PageError> {
    let body = html! {
        h1 { (t("account.title")) }
        dl.fields {
            dt { (t("account.username")) } dd { (staff.name()) }
            dt { (t("account.role")) } dd { (layout::role_name(staff.session.role)) }
        }
        h2 { (t("account.language")) }
        form method="post" action="/language" {
            (csrf(&staff))
            input type="hidden" name="next" value="/account";
            fieldset {
                legend { (t("account.language_legend")) }
                @for lang in Lang::ALL {
                    p.choice {
                        input type="radio" name="lang" id={ "lang-" (lang.code()) } value=(lang.code()) checked[staff.session.language == lang];
                        label for={ "lang-" (lang.code()) } lang=(lang.html_lang()) { (lang.name()) }
                    }
                }
            }
            button type="submit" { (t("account.save_language")) }
        }
    };
    Ok(layout::page(&dash.school, t("account.title"), Some(&staff), "/account", body).into_response())
}

/// The export-language form on the staff accounts page (admins only).
pub(super) fn export_language_form(staff: &Staff, chosen: Lang) -> Markup {
    html! {
        h2 { (t("exports_language.heading")) }
        p.hint { (t("exports_language.hint")) }
        form method="post" action="/settings/export-language" {
            (csrf(staff))
            label for="export-language" { (t("exports_language.label")) }
            select #export-language name="lang" {
                @for lang in Lang::ALL { option value=(lang.code()) lang=(lang.html_lang()) selected[lang == chosen] { (lang.name()) } }
            }
            " "
            button type="submit" { (t("exports_language.save")) }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct ExportLanguageForm {
    csrf: String,
    lang: String,
}

pub(super) async fn set_export_language(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<ExportLanguageForm>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let lang =
        Lang::from_code(&form.lang).ok_or_else(|| OfficeError::InputInvalid(t("language.unknown").to_owned()))?;
    dash.store.set_export_language(lang).await?;
    let detail = format!("exports in {}", lang.name());
    dash.store.audit(staff.name(), "export_language_set", &detail, Utc::now()).await?;
    // One sentence per language: Welsh mutates the name after "yn" (yn Gymraeg).
    let said = match lang {
        Lang::En => t("exports_language.saved_en"),
        Lang::Cy => t("exports_language.saved_cy"),
    };
    Ok(Redirect::to(&format!("/accounts?done={}", super::session::urlencode(said))).into_response())
}
