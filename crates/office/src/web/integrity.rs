//! Integrity and kiosks: each kiosk's chain status, alerts staff can
//! acknowledge, the kiosk list with backlog, pairing codes and revocation.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use signbook_core::verify::VerifyReport;
use uuid::Uuid;

use super::auth::CsrfOnly;
use super::layout::{self, csrf, kiosk_label};
use super::page_error::PageError;
use super::session::Staff;
use super::state::SharedDashboard;
use crate::pairing::{MAX_KIOSK_NAME_CHARS, PAIRING_CODE_TTL_MINUTES, kiosk_name, make_pairing_code};

/// The latest verification of every chain, running one first if none has
/// run yet (or `fresh`). Returns when it ran, for the page.
pub(super) async fn chain_reports(
    dash: &SharedDashboard,
    fresh: bool,
) -> Result<(String, Vec<VerifyReport>), PageError> {
    let cached = dash.last_verified.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some((at, reports)) = cached.filter(|_| !fresh) {
        return Ok((at.format("%Y-%m-%d %H:%M UTC").to_string(), reports));
    }
    let reports = dash.store.verify().await?;
    let now = Utc::now();
    *dash.last_verified.lock().unwrap_or_else(|p| p.into_inner()) = Some((now, reports.clone()));
    Ok((now.format("%Y-%m-%d %H:%M UTC").to_string(), reports))
}

pub(super) async fn page(State(dash): State<SharedDashboard>, staff: Staff) -> Result<Response, PageError> {
    let (verified_at, reports) = chain_reports(&dash, false).await?;
    let (kiosks, alerts) = (dash.store.kiosk_statuses().await?, dash.store.alert_rows(true).await?);
    let name_of =
        |id: &Uuid| kiosk_label(kiosks.iter().find(|k| k.device_id == *id).and_then(|k| k.name.as_deref()), id);
    let body = html! {
        h1 { "Integrity" }
        p { "Every kiosk's chain is walked with the kiosk's own rules: each record's hash, its link to the one before, and the kiosk's signed checkpoints. Last checked " (verified_at) "." }
        form method="post" action="/integrity/verify" { (csrf(&staff)) button type="submit" { "Check every chain now" } }
        div.table-wrap {
            table {
                caption { "Chains" }
                thead { tr { th scope="col" { "Kiosk" } th scope="col" { "Status" } th scope="col" { "Records" } th scope="col" { "Erased" } th scope="col" { "Last signed checkpoint" } } }
                tbody {
                    @for r in &reports {
                        tr {
                            td { (name_of(&r.device_id)) }
                            td { @match &r.problem { None => span.ok { "Intact" }, Some(p) => span.bad { "Broken at " (p) } } }
                            td { (r.records) }
                            td { (r.erased) }
                            td { @match kiosks.iter().find(|k| k.device_id == r.device_id).and_then(|k| k.last_checkpoint) { Some(cp) => { "record " (cp) }, None => "none yet" } }
                        }
                    }
                }
            }
        }
        @if reports.is_empty() { p { "No kiosk has sent records yet." } }
        h2 { "Alerts" }
        p.hint { "Forks (a kiosk restored from an old copy), gaps, bad hashes, forged requests, implausible clocks, and sign-in problems: accounts or addresses locked out after failed logins, and wrong pairing codes. Acknowledging keeps the alert, with your name." }
        @if alerts.is_empty() { p { "No alerts." } } @else {
            div.table-wrap {
                table {
                    caption { "Alerts, newest first" }
                    thead { tr { th scope="col" { "Raised" } th scope="col" { "Kind" } th scope="col" { "Kiosk and record" } th scope="col" { "What happened" } th scope="col" { "Acknowledged" } } }
                    tbody {
                        @for a in &alerts {
                            tr {
                                td { (a.raised_at) }
                                td { (a.kind) }
                                td { @if let Some(d) = &a.device_id { (name_of(d)) } @if let Some(seq) = a.seq { " #" (seq) } }
                                td { (a.detail) }
                                td {
                                    @match &a.acknowledged {
                                        Some((at, by)) => { (by) ", " (at) }
                                        None => form method="post" action={ "/alerts/" (a.id) "/acknowledge" } {
                                            (csrf(&staff))
                                            button.secondary type="submit" aria-label={ "Acknowledge alert " (a.id) } { "Acknowledge" }
                                        },
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(&dash.school, "Integrity", Some(&staff), "/integrity", body).into_response())
}

pub(super) async fn verify_now(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    chain_reports(&dash, true).await?;
    Ok(Redirect::to("/integrity").into_response())
}

pub(super) async fn acknowledge(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    if dash.store.acknowledge_alert(id, staff.name(), Utc::now()).await? {
        dash.store.audit(staff.name(), "alert_acknowledged", &format!("alert {id}"), Utc::now()).await?;
    }
    Ok(Redirect::to("/integrity").into_response())
}

pub(super) async fn kiosks(State(dash): State<SharedDashboard>, staff: Staff) -> Result<Response, PageError> {
    let kiosks = dash.store.kiosk_statuses().await?;
    let not_adopted = super::agreements::not_adopted_notice(&dash, &staff).await?;
    let configurations = super::kiosk_configuration::Configurations::load(&dash).await?;
    let body = html! {
        h1 { "Kiosks" }
        (not_adopted)
        (configurations.summary())
        div.table-wrap {
            table {
                caption { "Paired kiosks" }
                thead { tr {
                    th scope="col" { "Kiosk" } th scope="col" { "Key fingerprint" } th scope="col" { "Last seen" } th scope="col" { "Records held" } th scope="col" { "Backlog" }
                    th scope="col" { "Open alerts" } th scope="col" { "Configuration" } th scope="col" { "Agreement per role" } th scope="col" { "Status" }
                } }
                tbody {
                    @for k in &kiosks {
                        tr {
                            td {
                                form.inline method="post" action={ "/kiosks/" (k.device_id) "/name" } {
                                    (csrf(&staff))
                                    @let label = format!("Location name of {}", kiosk_label(k.name.as_deref(), &k.device_id));
                                    input type="text" name="name" value=(k.name.as_deref().unwrap_or("")) required
                                        maxlength=(MAX_KIOSK_NAME_CHARS) placeholder="Main reception" aria-label=(label);
                                    " "
                                    button.secondary type="submit" aria-label={ "Rename " (kiosk_label(k.name.as_deref(), &k.device_id)) } { "Rename" }
                                }
                                code { (k.device_id) }
                            }
                            td { code.fingerprint { (k.key_fingerprint) } }
                            td { (k.last_seen_at.as_deref().unwrap_or("never")) }
                            td { (k.held) }
                            td { @match k.backlog() { Some(n) => { (n) " waiting" }, None => "not reported" } }
                            td { @if k.open_alerts > 0 { a href="/integrity" { (k.open_alerts) } } @else { "0" } }
                            td { (configurations.version_cell(&k.device_id)) }
                            td { (configurations.current_cell(&k.device_id)) }
                            td {
                                @match &k.revoked_at {
                                    Some(at) => span.bad { "Revoked " (at) },
                                    None => form method="post" action={ "/kiosks/" (k.device_id) "/revoke" } {
                                        (csrf(&staff))
                                        "Active "
                                        button.danger type="submit" aria-label={ "Revoke " (kiosk_label(k.name.as_deref(), &k.device_id)) } { "Revoke" }
                                    },
                                }
                            }
                        }
                    }
                }
            }
        }
        @if kiosks.is_empty() { p { "No kiosk is paired yet." } }
        p.hint { "Name each kiosk after where it stands (Main reception, Sixth-form block): records, evidence pages and alerts show that name. Revoke a lost or stolen kiosk: its records already here are kept, and anything it sends from now on is refused." }
        (super::kiosk_settings::form(&staff, configurations.office_content()))
        h2 { "Pair a kiosk" }
        p { "On the kiosk, open the staff area, choose Status, press Find offices and pick this office (or type its address), then type a pairing code and where the kiosk stands. The code proves to the kiosk that it reached this office: nothing else to check." }
        form method="post" action="/kiosks/pairing-code" { (csrf(&staff)) button type="submit" { "Make a pairing code" } }
    };
    Ok(layout::page(&dash.school, "Kiosks", Some(&staff), "/kiosks", body).into_response())
}

pub(super) async fn pairing_code(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let now = Utc::now();
    let code = make_pairing_code(&*dash.store, now).await?;
    dash.store.audit(staff.name(), "pairing_code", "made a one-time pairing code", now).await?;
    let body = html! {
        h1 { "Pairing code" }
        dl.fields {
            dt { "Pairing code" } dd { strong.hash { (code) } }
            dt { "Certificate fingerprint" } dd.hash { (dash.fingerprint.to_hex()) }
        }
        p { "It works once, for one kiosk, for " (PAIRING_CODE_TTL_MINUTES) " minutes, and allows " (signbook_sync::pake::PAKE_ATTEMPTS_PER_CODE) " tries: a mistyped code counts as one. The fingerprint is only for kiosks of older versions, which ask for it." }
        p { a href="/kiosks" { "Back to the kiosks" } }
    };
    Ok(layout::page(&dash.school, "Pairing code", Some(&staff), "/kiosks", body).into_response())
}

pub(super) async fn revoke(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path(device): Path<Uuid>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    if dash.store.revoke(device, Utc::now()).await? {
        dash.store.audit(staff.name(), "kiosk_revoked", &format!("kiosk {device}"), Utc::now()).await?;
    }
    Ok(Redirect::to("/kiosks").into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct RenameForm {
    csrf: String,
    name: String,
}

pub(super) async fn rename(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path(device): Path<Uuid>,
    Form(form): Form<RenameForm>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let name = kiosk_name(&form.name)?;
    let old = dash.store.rename_kiosk(device, &name).await?;
    let detail = format!("kiosk {device}: \"{}\" to \"{name}\"", old.as_deref().unwrap_or(""));
    dash.store.audit(staff.name(), "kiosk_renamed", &detail, Utc::now()).await?;
    Ok(Redirect::to("/kiosks").into_response())
}
