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
use super::layout::{self, csrf, damaged_notice, kiosk_label, local_time};
use super::page_error::PageError;
use super::session::Staff;
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::store::RecordQuery;

#[derive(Debug, Deserialize)]
pub(super) struct Notice {
    #[serde(default)]
    pub(super) done: String,
}

pub(super) async fn page(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    let retention = dash.store.retention().await?;
    let days_for = |role: &str| retention.iter().find(|(r, _)| r == role).map(|(_, d)| *d);
    let body = html! {
        h1 { "Privacy" }
        @if !notice.done.is_empty() { p.notice role="status" { (notice.done) } }
        p { a href="/privacy/notice" { "Privacy notice" } ": what every kiosk tells people about how their information is used, in English and Welsh." }
        h2 { "Retention" }
        p { "How long the office keeps each role's personal data (name, organisation, signature). After that, a purge replaces it with a tombstone: the record and its hashes stay, so every chain still verifies. Leave a role blank to keep its data until erased by hand. Keep staff and governors' data at least as long as the agreement they signed is current, or the roster will show them as not signed." }
        form method="post" action="/privacy/retention" {
            (csrf(&staff))
            table {
                caption.visually-hidden { "Retention period per role" }
                thead { tr { th scope="col" { "Role" } th scope="col" { "Keep personal data for (days)" } } }
                tbody {
                    @for role in DEFAULT_ROLES {
                        tr {
                            td { label for={ "keep-" (role) } { (role) } }
                            td { input id={ "keep-" (role) } type="number" min="1" max="36500" name=(role) value=[days_for(role)]; }
                        }
                    }
                }
            }
            button type="submit" { "Save retention periods" }
        }
        form method="post" action="/privacy/purge" {
            (csrf(&staff))
            p { button.danger type="submit" { "Purge data past its retention period now" } }
        }
        h2 { "One person: find, export, erase" }
        form method="get" action="/privacy/person" {
            label for="person" { "Their name, as they typed it at the kiosk" }
            input #person type="text" name="name" required;
            " "
            button type="submit" { "Find" }
        }
    };
    Ok(layout::page(&dash.school, "Privacy", Some(&staff), "/privacy", body).into_response())
}

pub(super) async fn set_retention(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let token = form.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    staff.check_csrf(token)?;
    let mut changes = Vec::new();
    for role in DEFAULT_ROLES {
        let value = form.iter().find(|(k, _)| k == role).map(|(_, v)| v.trim()).unwrap_or("");
        let days = if value.is_empty() {
            None
        } else {
            Some(value.parse::<u32>().map_err(|_| {
                OfficeError::InputInvalid(format!(
                    "the retention period for {role} (\"{value}\") must be a whole number of days"
                ))
            })?)
        };
        changes.push((role, days));
    }
    let before = dash.store.retention().await?;
    for (role, days) in changes {
        if before.iter().find(|(r, _)| r == role).map(|(_, d)| *d) != days {
            dash.store.set_retention(role, days, staff.name(), Utc::now()).await?;
        }
    }
    Ok(Redirect::to("/privacy?done=Retention%20periods%20saved.").into_response())
}

pub(super) async fn purge(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let report = dash.store.purge_expired(staff.name(), Utc::now()).await?;
    dash.store.sign_office_erasures(&dash.signer, Utc::now()).await?;
    let done = format!("Purge done: {} record(s) erased.", report.total());
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
        return Err(OfficeError::InputInvalid("type the person's name".into()).into());
    }
    // Part-name search finds candidates; staff tick the ones that are this person.
    let found = dash.store.search_records(&RecordQuery { name: name.clone(), ..Default::default() }, 0, 500).await?;
    let records = found.records;
    let body = html! {
        p { a href="/privacy" { "← Privacy" } }
        h1 { "Records for \u{201c}" (name) "\u{201d}" }
        (damaged_notice(&found.damaged))
        @if records.is_empty() {
            p { "No record holds that name (erased records no longer do)." }
        } @else {
            p { a.button.secondary href={ "/privacy/subject-access.zip?name=" (super::session::urlencode(&name)) } download { "Download everything held about this name (subject access, ZIP)" } }
            form method="post" action="/privacy/erase" {
                (csrf(&staff))
                fieldset {
                    legend { "Tick the records that are this person" }
                    @for r in &records {
                        @let h = &r.record.header;
                        @let id = format!("{}:{}", h.device_id, h.seq);
                        p {
                            input type="checkbox" id={ "r-" (id) } name="record" value=(id);
                            label for={ "r-" (id) } style="display:inline;font-weight:400" {
                                (r.record.personal.as_ref().map(|p| p.name.as_str()).unwrap_or("")) ", " (h.role) ", " (local_time(&r.record)) ", " (kiosk_label(r.kiosk_name.as_deref(), &h.device_id)) " #" (h.seq)
                            }
                        }
                    }
                }
                label for="erase-reason" { "Reason (written to the audit log)" }
                input #erase-reason type="text" name="reason" required maxlength="500";
                " "
                button.danger type="submit" { "Erase the ticked records" }
            }
        }
    };
    Ok(layout::page(&dash.school, "One person", Some(&staff), "/privacy", body).into_response())
}

/// `"device:seq"` from a checkbox.
fn parse_key(text: &str) -> Result<(Uuid, u64), OfficeError> {
    let bad = || OfficeError::InputInvalid(format!("\"{text}\" is not a record; reload the page and try again"));
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
        return Err(OfficeError::InputInvalid("tick at least one record to erase".into()).into());
    }
    let (reason, count) = (field("reason"), keys.len());
    for (device, seq) in keys {
        dash.store.erase_record(device, seq, &reason, staff.name(), Utc::now()).await?;
    }
    // Into the office's signed erasure log, until each kiosk records it in its chain.
    dash.store.sign_office_erasures(&dash.signer, Utc::now()).await?;
    let done = format!("Erased {count} record(s). Their hashes remain, so every chain still verifies.");
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
    dash.store.erase_record(device, seq, &form.reason, staff.name(), Utc::now()).await?;
    dash.store.sign_office_erasures(&dash.signer, Utc::now()).await?;
    Ok(Redirect::to(&format!("/records/{device}/{seq}")).into_response())
}

pub(super) async fn audit(State(dash): State<SharedDashboard>, staff: Staff) -> Result<Response, PageError> {
    let entries = dash.store.audit_log(1000).await?;
    let body = html! {
        h1 { "Audit log" }
        p { "Every login, export, erasure, purge, roster import, retention change, revocation, acknowledged alert, change to a staff account and refused request, newest first, each under the account that did it. It cannot be edited." }
        div.table-wrap {
            table {
                caption.visually-hidden { "Audit log, newest first" }
                thead { tr { th scope="col" { "When (UTC)" } th scope="col" { "Who" } th scope="col" { "What" } th scope="col" { "Details" } } }
                tbody { @for e in &entries { tr { td { (e.at) } td { (e.actor) } td { (e.action) } td.detail { (e.detail) } } } }
            }
        }
    };
    Ok(layout::page(&dash.school, "Audit log", Some(&staff), "/audit", body).into_response())
}
