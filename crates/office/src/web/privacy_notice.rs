//! Privacy → Privacy notice: the "How we use your information" text every
//! kiosk offers on its name screen, in English and Welsh (UK GDPR Article
//! 13). The first time, the form holds the template filled in from what the
//! office knows (the school's name, its retention periods); after that, the
//! notice saved. Saving is checked, audited and issues the next kiosk
//! configuration, as a setting on the Kiosks page does. The trust's notice
//! is every school's; a school may have its own, and take the trust's again.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use signbook_core::privacy_notice::PrivacyNotice;

use super::layout::{self, csrf};
use super::page_error::PageError;
use super::schools::settings_target;
use super::session::{Staff, urlencode};
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::i18n::{t, tf};
use crate::privacy_notice::{checked, template};
use crate::store::configuration::{KioskSetting, SettingName, SettingsFor};
use crate::store::{FIRST_SITE, Site};

#[derive(Deserialize)]
pub(super) struct NoticeForm {
    csrf: String,
    english: String,
    welsh: String,
    /// The school whose own notice this is; empty: the trust's.
    #[serde(default)]
    school: String,
}

#[derive(Deserialize)]
pub(super) struct UnsetForm {
    csrf: String,
    school: String,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct NoticeQuery {
    #[serde(default)]
    done: String,
    /// The school whose notice to show; empty: the trust's.
    #[serde(default)]
    school: String,
}

/// `GET /privacy/notice`.
pub(super) async fn page(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let (sites, target) = settings_target(&dash, &staff, &query.school).await?;
    let settings = dash.store.settings_content(target).await?.settings;
    let own = match target {
        SettingsFor::School(site) => dash.store.school_setting_names(site).await?.contains(&SettingName::PrivacyNotice),
        SettingsFor::Trust => false,
    };
    let (notice, saved) = match settings.privacy_notice {
        Some(notice) => (notice, true),
        None => {
            // The draft starts from the school's periods (the trust's from
            // the first school's, which staff edit if schools differ).
            let site = match target {
                SettingsFor::School(site) => site,
                SettingsFor::Trust => FIRST_SITE,
            };
            let school = settings.school_name.unwrap_or_else(|| dash.school.clone());
            (template(&school, &dash.store.retention(site).await?), false)
        }
    };
    let view = View { sites: &sites, target, own, saved };
    Ok(form_page(&dash, &staff, &notice, &view, (!query.done.is_empty()).then_some(&query.done), None).into_response())
}

/// `POST /privacy/notice`: saves it and issues the next configuration; a
/// notice refused is shown again as typed, with why.
pub(super) async fn save(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<NoticeForm>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let (sites, target) = settings_target(&dash, &staff, &form.school).await?;
    if target == SettingsFor::Trust && !form.school.trim().is_empty() {
        return Err(PageError::NotFound);
    }
    // A school's staff change only their school's own notice.
    if form.school.trim().is_empty() && !staff.scope().is_trust() {
        return Err(PageError::TrustOnly);
    }
    let notice = match checked(&form.english, &form.welsh) {
        Ok(notice) => notice,
        Err(OfficeError::InputInvalid(problem)) => {
            let typed = PrivacyNotice { english: form.english, welsh: form.welsh };
            let view = View { sites: &sites, target, own: false, saved: false };
            return Ok(form_page(&dash, &staff, &typed, &view, None, Some(&problem)).into_response());
        }
        Err(other) => return Err(other.into()),
    };
    let setting = KioskSetting::PrivacyNotice(notice);
    let version = dash.store.set_kiosk_setting(target, setting, staff.name(), Utc::now()).await?;
    let done = tf("privacy_notice.saved", &[("version", &version.unwrap_or_default())]);
    Ok(Redirect::to(&back_to(target, &done)).into_response())
}

/// `POST /privacy/notice/unset`: the school shows the trust's notice again.
pub(super) async fn unset(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<UnsetForm>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let (_, target) = settings_target(&dash, &staff, &form.school).await?;
    let SettingsFor::School(site) = target else { return Err(PageError::NotFound) };
    let version = dash.store.unset_school_setting(site, SettingName::PrivacyNotice, staff.name(), Utc::now()).await?;
    let done = tf("privacy_notice.saved", &[("version", &version.unwrap_or_default())]);
    Ok(Redirect::to(&back_to(target, &done)).into_response())
}

fn back_to(target: SettingsFor, done: &str) -> String {
    match target {
        SettingsFor::School(site) => format!("/privacy/notice?school={site}&done={}", urlencode(done)),
        SettingsFor::Trust => format!("/privacy/notice?done={}", urlencode(done)),
    }
}

/// Whose notice the page shows.
struct View<'a> {
    sites: &'a [Site],
    target: SettingsFor,
    /// The school has its own (not the trust's).
    own: bool,
    /// A notice was saved (not the template).
    saved: bool,
}

fn form_page(
    dash: &SharedDashboard,
    staff: &Staff,
    notice: &PrivacyNotice,
    view: &View<'_>,
    done: Option<&String>,
    problem: Option<&str>,
) -> Markup {
    let (saved, school) = match view.target {
        SettingsFor::School(site) => (view.saved, site.to_string()),
        SettingsFor::Trust => (view.saved, String::new()),
    };
    let several = view.sites.len() > 1 || !staff.scope().is_trust();
    let body = html! {
        p { a href="/privacy" { "← " (t("nav.privacy")) } }
        h1 { (t("privacy.notice_title")) }
        @if let Some(done) = done { p.notice role="status" { (done) } }
        @if let Some(problem) = problem { p.notice.bad role="alert" { (problem) } }
        p { (t("privacy_notice.intro")) }
        @if view.sites.len() > 1 {
            form.inline method="get" action="/privacy/notice" {
                label for="notice-for" { (t("kiosk_settings.for")) } " "
                select #notice-for name="school" {
                    @if staff.scope().is_trust() { option value="" selected[school.is_empty()] { (t("kiosk_settings.every_school")) } }
                    @for site in view.sites { option value=(site.id) selected[school == site.id.to_string()] { (site.name) } }
                }
                " "
                button.secondary type="submit" { (t("kiosk_settings.show")) }
            }
        }
        @if several && !school.is_empty() {
            @if view.own {
                p { span.ok { (t("kiosk_settings.own")) } " "
                    form.inline method="post" action="/privacy/notice/unset" {
                        (csrf(staff))
                        input type="hidden" name="school" value=(school);
                        button.secondary #notice-use-trust type="submit" { (t("kiosk_settings.use_trust")) }
                    }
                }
            } @else if saved {
                p.hint { (t("kiosk_settings.trusts")) }
            }
        }
        @if !saved {
            p.hint { (t("privacy_notice.template_hint")) }
        }
        form method="post" action="/privacy/notice" {
            (csrf(staff))
            input type="hidden" name="school" value=(school);
            p {
                label for="notice-en" { (t("privacy_notice.label_english")) }
                textarea #notice-en name="english" rows="18" cols="90" spellcheck="true" lang="en" { (notice.english) }
            }
            p {
                label for="notice-cy" { (t("privacy_notice.label_welsh")) }
                textarea #notice-cy name="welsh" rows="18" cols="90" spellcheck="true" lang="cy" { (notice.welsh) }
            }
            button #notice-save type="submit" { (t("privacy_notice.save")) }
        }
    };
    layout::page(&dash.school, t("privacy.notice_title"), Some(staff), "/privacy", body)
}
