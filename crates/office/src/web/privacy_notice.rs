//! Privacy → Privacy notice: the "How we use your information" text every
//! kiosk offers on its name screen, in English and Welsh (UK GDPR Article
//! 13). The first time, the form holds the template filled in from what the
//! office knows (the school's name, its retention periods); after that, the
//! notice saved. Saving is checked, audited and issues the next kiosk
//! configuration, as a setting on the Kiosks page does.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use signbook_core::privacy_notice::PrivacyNotice;

use super::layout::{self, csrf};
use super::page_error::PageError;
use super::privacy::Notice;
use super::session::{Staff, urlencode};
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::i18n::{t, tf};
use crate::privacy_notice::{checked, template};
use crate::store::FIRST_SITE;
use crate::store::configuration::KioskSetting;

#[derive(Deserialize)]
pub(super) struct NoticeForm {
    csrf: String,
    english: String,
    welsh: String,
}

/// `GET /privacy/notice`.
pub(super) async fn page(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(done): Query<Notice>,
) -> Result<Response, PageError> {
    let office = dash.store.current_configuration(Utc::now()).await?;
    let settings = office.as_ref().map(|o| o.content.settings.clone()).unwrap_or_default();
    let (notice, saved) = match settings.privacy_notice {
        Some(notice) => (notice, true),
        None => {
            let school = settings.school_name.unwrap_or_else(|| dash.school.clone());
            // The notice is the trust's; its draft starts from the first
            // school's periods, which staff edit if schools differ.
            (template(&school, &dash.store.retention(FIRST_SITE).await?), false)
        }
    };
    Ok(form_page(&dash, &staff, &notice, saved, (!done.done.is_empty()).then_some(&done.done), None).into_response())
}

/// `POST /privacy/notice`: saves it and issues the next configuration; a
/// notice refused is shown again as typed, with why.
pub(super) async fn save(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<NoticeForm>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let notice = match checked(&form.english, &form.welsh) {
        Ok(notice) => notice,
        Err(OfficeError::InputInvalid(problem)) => {
            let typed = PrivacyNotice { english: form.english, welsh: form.welsh };
            return Ok(form_page(&dash, &staff, &typed, false, None, Some(&problem)).into_response());
        }
        Err(other) => return Err(other.into()),
    };
    let version = dash.store.set_kiosk_setting(KioskSetting::PrivacyNotice(notice), staff.name(), Utc::now()).await?;
    let done = tf("privacy_notice.saved", &[("version", &version.unwrap_or_default())]);
    Ok(Redirect::to(&format!("/privacy/notice?done={}", urlencode(&done))).into_response())
}

fn form_page(
    dash: &SharedDashboard,
    staff: &Staff,
    notice: &PrivacyNotice,
    saved: bool,
    done: Option<&String>,
    problem: Option<&str>,
) -> Markup {
    let body = html! {
        p { a href="/privacy" { "← " (t("nav.privacy")) } }
        h1 { (t("privacy.notice_title")) }
        @if let Some(done) = done { p.notice role="status" { (done) } }
        @if let Some(problem) = problem { p.notice.bad role="alert" { (problem) } }
        p { (t("privacy_notice.intro")) }
        @if !saved {
            p.hint { (t("privacy_notice.template_hint")) }
        }
        form method="post" action="/privacy/notice" {
            (csrf(staff))
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
