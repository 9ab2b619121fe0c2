//! UK GDPR: retention periods and the purge, erasure of one person's
//! records, the subject-access export (in [`super::exports`]), and the
//! audit log of everything staff did.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use signbook_core::role::DEFAULT_ROLES;
use uuid::Uuid;

use super::auth::CsrfOnly;
use super::layout::{self, csrf, damaged_notice, kiosk_label, local_time, signer_role};
use super::page_error::PageError;
use super::schools::{chosen_site, names, parse_school, school_select, visible_sites};
use super::session::Staff;
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::i18n::{t, tf, tm};
use crate::store::RecordQuery;

#[derive(Debug, Deserialize)]
pub(super) struct Notice {
    #[serde(default)]
    pub(super) done: String,
}

/// The privacy page's query: a notice of what was done, and the school
/// whose retention periods are shown.
#[derive(Debug, Deserialize)]
pub(super) struct PrivacyView {
    #[serde(default)]
    done: String,
    #[serde(default)]
    school: String,
}

pub(super) async fn page(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(notice): Query<PrivacyView>,
) -> Result<Response, PageError> {
    let (sites, site) = chosen_site(&dash, &staff, &notice.school).await?;
    let school_name = sites.iter().find(|s| s.id == site).map_or("", |s| s.name.as_str());
    let retention = dash.store.retention(site).await?;
    let trust = staff.scope().is_trust();
    let days_for = |role: &str| retention.iter().find(|(r, _)| r == role).map(|(_, d)| *d);
    let body = html! {
        h1 { (t("nav.privacy")) }
        @if !notice.done.is_empty() { p.notice role="status" { (notice.done) } }
        @if trust { p { (tm("privacy.notice_link", &[("link", html! { a href="/privacy/notice" { (t("privacy.notice_title")) } })])) } }
        h2 { (t("privacy.retention")) }
        p { (t("privacy.retention_intro")) }
        @if sites.len() > 1 {
            form.inline method="get" action="/privacy" {
                (school_select("retention-school", &sites, &site.to_string(), None))
                " " button.secondary type="submit" { (t("schools.show")) }
            }
            p { (tf("privacy.retention_of_school", &[("school", &school_name)])) }
        }
        form method="post" action="/privacy/retention" {
            (csrf(&staff))
            input type="hidden" name="school" value=(site);
            table {
                caption.visually-hidden { (t("privacy.retention_caption")) }
                thead { tr { th scope="col" { (t("field.role")) } th scope="col" { (t("privacy.keep_for")) } } }
                tbody {
                    @for role in DEFAULT_ROLES {
                        tr {
                            td { label for={ "keep-" (role) } { (signer_role(role)) } }
                            td { input id={ "keep-" (role) } type="number" min="1" max="36500" name=(role) value=[days_for(role)]; }
                        }
                    }
                }
            }
            button type="submit" { (t("privacy.save_retention")) }
        }
        // The purge runs for every school (each by its own periods): the trust's.
        @if trust {
            form method="post" action="/privacy/purge" {
                (csrf(&staff))
                p { button.danger type="submit" { (t("privacy.purge_now")) } }
            }
        }
        h2 { (t("privacy.person_heading")) }
        form method="get" action="/privacy/person" {
            label for="person" { (t("privacy.person_name")) }
            input #person type="text" name="name" required;
            " "
            button type="submit" { (t("privacy.find")) }
        }
    };
    Ok(layout::page(&dash.school, t("nav.privacy"), Some(&staff), "/privacy", body).into_response())
}

pub(super) async fn set_retention(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let token = form.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    staff.check_csrf(token)?;
    let school = form.iter().find(|(k, _)| k == "school").map(|(_, v)| v.as_str()).unwrap_or("");
    let (_, site) = chosen_site(&dash, &staff, school).await?;
    let mut changes = Vec::new();
    for role in DEFAULT_ROLES {
        let value = form.iter().find(|(k, _)| k == role).map(|(_, v)| v.trim()).unwrap_or("");
        let days = if value.is_empty() {
            None
        } else {
            let days = value.parse::<u32>().map_err(|_| {
                OfficeError::InputInvalid(tf("privacy.error_days", &[("role", &signer_role(role)), ("value", &value)]))
            })?;
            // The store refuses it too, in English only: say it here in the page's language.
            if !(1..=36_500).contains(&days) {
                let values: [(&str, &dyn std::fmt::Display); 2] = [("role", &signer_role(role)), ("value", &value)];
                return Err(OfficeError::InputInvalid(tf("privacy.error_days_range", &values)).into());
            }
            Some(days)
        };
        changes.push((role, days));
    }
    let before = dash.store.retention(site).await?;
    for (role, days) in changes {
        if before.iter().find(|(r, _)| r == role).map(|(_, d)| *d) != days {
            dash.store.set_retention(site, role, days, staff.name(), Utc::now()).await?;
        }
    }
    let done = t("privacy.retention_saved");
    Ok(Redirect::to(&format!("/privacy?done={}&school={site}", super::session::urlencode(done))).into_response())
}

pub(super) async fn purge(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let report = dash.store.purge_expired(staff.name(), Utc::now()).await?;
    dash.store.sign_office_erasures(&dash.signer, Utc::now()).await?;
    let done = tf("privacy.purged", &[("count", &report.total())]);
    Ok(Redirect::to(&format!("/privacy?done={}", super::session::urlencode(&done))).into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct Person {
    #[serde(default)]
    name: String,
}

pub(super) async fn person(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(person): Query<Person>,
) -> Result<Response, PageError> {
    let name = person.name.trim().to_owned();
    if name.is_empty() {
        return Err(OfficeError::InputInvalid(t("privacy.error_no_name").into()).into());
    }
    // Part-name search finds candidates; staff tick the ones that are this person.
    let by_name = RecordQuery { name: name.clone(), ..Default::default() };
    let found = dash.store.search_records(staff.scope(), &by_name, 0, 500).await?;
    let records = found.records;
    let body = html! {
        p { a href="/privacy" { "← " (t("nav.privacy")) } }
        h1 { (tf("privacy.records_for", &[("name", &name)])) }
        (damaged_notice(&found.damaged))
        @if records.is_empty() {
            p { (t("privacy.no_match")) }
        } @else {
            p { a.button.secondary href={ "/privacy/subject-access.zip?name=" (super::session::urlencode(&name)) } download { (t("privacy.subject_access")) } }
            form method="post" action="/privacy/erase" {
                (csrf(&staff))
                fieldset {
                    legend { (t("privacy.tick")) }
                    @for r in &records {
                        @let h = &r.record.header;
                        @let id = format!("{}:{}", h.device_id, h.seq);
                        p {
                            input type="checkbox" id={ "r-" (id) } name="record" value=(id);
                            label for={ "r-" (id) } style="display:inline;font-weight:400" {
                                (r.record.personal.as_ref().map(|p| p.name.as_str()).unwrap_or("")) ", " (signer_role(&h.role)) ", " (local_time(&r.record)) ", " (kiosk_label(r.kiosk_name.as_deref(), &h.device_id)) " #" (h.seq)
                            }
                        }
                    }
                }
                label for="erase-reason" { (t("record.erase_reason")) }
                input #erase-reason type="text" name="reason" required maxlength="500";
                " "
                button.danger type="submit" { (t("privacy.erase_ticked")) }
            }
        }
    };
    Ok(layout::page(&dash.school, t("privacy.one_person"), Some(&staff), "/privacy", body).into_response())
}

/// `"device:seq"` from a checkbox.
fn parse_key(text: &str) -> Result<(Uuid, u64), OfficeError> {
    let bad = || OfficeError::InputInvalid(tf("privacy.error_not_record", &[("value", &text)]));
    let (device, seq) = text.split_once(':').ok_or_else(bad)?;
    Ok((Uuid::parse_str(device).map_err(|_| bad())?, seq.parse().map_err(|_| bad())?))
}

pub(super) async fn erase_person(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    staff.check_csrf(&field("csrf"))?;
    let keys = form.iter().filter(|(k, _)| k == "record").map(|(_, v)| parse_key(v)).collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(OfficeError::InputInvalid(t("privacy.error_none_ticked").into()).into());
    }
    let (reason, count) = (field("reason"), keys.len());
    check_reason(&reason)?;
    // All or none: a ticked record this account may not see (a form made
    // by hand) is refused before anything is erased.
    for (device, seq) in &keys {
        dash.store.stored_record(staff.scope(), *device, *seq).await?.ok_or(OfficeError::NotFound)?;
    }
    for (device, seq) in keys {
        dash.store.erase_record(staff.scope(), device, seq, &reason, staff.name(), Utc::now()).await?;
    }
    // Into the office's signed erasure log, until each kiosk records it in its chain.
    dash.store.sign_office_erasures(&dash.signer, Utc::now()).await?;
    let done = tf("privacy.erased", &[("count", &count)]);
    Ok(Redirect::to(&format!("/privacy?done={}", super::session::urlencode(&done))).into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct EraseForm {
    csrf: String,
    reason: String,
}

pub(super) async fn erase_one(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path((device, seq)): Path<(Uuid, u64)>,
    Form(form): Form<EraseForm>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    check_reason(&form.reason)?;
    dash.store.erase_record(staff.scope(), device, seq, &form.reason, staff.name(), Utc::now()).await?;
    dash.store.sign_office_erasures(&dash.signer, Utc::now()).await?;
    Ok(Redirect::to(&format!("/records/{device}/{seq}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct AuditFilter {
    #[serde(default)]
    school: String,
}

/// The audit log of the schools this account sees; the trust's staff see
/// every entry, and may look at one school's.
pub(super) async fn audit(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(filter): Query<AuditFilter>,
) -> Result<Response, PageError> {
    let chosen = parse_school(&filter.school)?;
    let entries = dash.store.audit_log(&staff.scope().narrowed_to(chosen), 1000).await?;
    let sites = visible_sites(&dash, &staff).await?;
    let names = (sites.len() > 1).then(|| names(&sites));
    let body = html! {
        h1 { (t("nav.audit")) }
        p { (t("audit.intro")) }
        @if sites.len() > 1 {
            form.filters method="get" action="/audit" {
                (school_select("audit-school", &sites, &filter.school, Some(t("audit.every_school"))))
                div { button type="submit" { (t("records.search")) } }
            }
        }
        div.table-wrap {
            table {
                caption.visually-hidden { (t("audit.caption")) }
                thead { tr { th scope="col" { (t("audit.when")) } th scope="col" { (t("audit.who")) } @if names.is_some() { th scope="col" { (t("field.school")) } } th scope="col" { (t("audit.what")) } th scope="col" { (t("audit.details")) } } }
                // Details are written in English when the event happens, whoever reads them later.
                tbody {
                    @for e in &entries {
                        tr {
                            td { (e.at) } td { (e.actor) }
                            @if let Some(names) = &names { td { (e.site.and_then(|s| names.get(&s)).map_or_else(|| t("audit.trust"), String::as_str)) } }
                            td { (e.action) } td.detail lang="en" { (e.detail) }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(&dash.school, t("nav.audit"), Some(&staff), "/audit", body).into_response())
}

/// An erasure's reason, as the store will require it, refused here in the
/// page's language (the store's own refusal is English).
fn check_reason(reason: &str) -> Result<(), OfficeError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(OfficeError::InputInvalid(t("privacy.error_reason").into()));
    }
    Ok(())
}
