//! Integrity and kiosks: each kiosk's chain status, alerts staff can
//! acknowledge, the kiosk list with backlog, pairing codes and revocation.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use signbook_core::verify::VerifyReport;
use uuid::Uuid;

use super::auth::CsrfOnly;
use super::layout::{self, csrf, kiosk_label};
use super::page_error::PageError;
use super::schools::{parse_school, school_select, settings_target, visible_sites};
use super::session::Staff;
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::i18n::{t, tf};
use crate::pairing::{MAX_KIOSK_NAME_CHARS, PAIRING_CODE_TTL_MINUTES, kiosk_name, make_pairing_code};
use crate::store::SiteId;
use crate::store::configuration::SettingsFor;

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
    let (verified_at, mut reports) = chain_reports(&dash, false).await?;
    let (kiosks, alerts) =
        (dash.store.kiosk_statuses(staff.scope()).await?, dash.store.alert_rows(staff.scope(), true).await?);
    // The last check covers every school's kiosks; this page shows this account's.
    reports.retain(|r| kiosks.iter().any(|k| k.device_id == r.device_id));
    let name_of =
        |id: &Uuid| kiosk_label(kiosks.iter().find(|k| k.device_id == *id).and_then(|k| k.name.as_deref()), id);
    let body = html! {
        h1 { (t("nav.integrity")) }
        p { (tf("integrity.intro", &[("when", &verified_at)])) }
        form method="post" action="/integrity/verify" { (csrf(&staff)) button type="submit" { (t("integrity.check_now")) } }
        div.table-wrap {
            table {
                caption { (t("integrity.chains")) }
                thead { tr { th scope="col" { (t("field.kiosk")) } th scope="col" { (t("accounts.status")) } th scope="col" { (t("nav.records")) } th scope="col" { (t("integrity.erased")) } th scope="col" { (t("integrity.last_checkpoint")) } } }
                tbody {
                    @for r in &reports {
                        tr {
                            td { (name_of(&r.device_id)) }
                            td { @match &r.problem { None => span.ok { (t("integrity.intact")) }, Some(p) => span.bad { (tf("integrity.broken_at", &[("problem", p)])) } } }
                            td { (r.records) }
                            td { (r.erased) }
                            td { @match kiosks.iter().find(|k| k.device_id == r.device_id).and_then(|k| k.last_checkpoint) { Some(cp) => { (tf("integrity.record_n", &[("seq", &cp)])) }, None => (t("integrity.none_yet")) } }
                        }
                    }
                }
            }
        }
        @if reports.is_empty() { p { (t("integrity.no_records")) } }
        h2 { (t("integrity.alerts")) }
        p.hint { (t("integrity.alerts_hint")) }
        @if alerts.is_empty() { p { (t("integrity.no_alerts")) } } @else {
            div.table-wrap {
                table {
                    caption { (t("integrity.alerts_caption")) }
                    thead { tr { th scope="col" { (t("integrity.raised")) } th scope="col" { (t("integrity.kind")) } th scope="col" { (t("integrity.kiosk_record")) } th scope="col" { (t("integrity.what")) } th scope="col" { (t("integrity.acknowledged")) } } }
                    tbody {
                        @for a in &alerts {
                            tr {
                                td { (a.raised_at) }
                                td { (alert_kind(&a.kind)) br; code { (a.kind) } }
                                td { @if let Some(d) = &a.device_id { (name_of(d)) } @if let Some(seq) = a.seq { " #" (seq) } }
                                td lang="en" { (a.detail) }
                                td {
                                    @match &a.acknowledged {
                                        Some((at, by)) => { (by) ", " (at) }
                                        None => form method="post" action={ "/alerts/" (a.id) "/acknowledge" } {
                                            (csrf(&staff))
                                            button.secondary type="submit" aria-label=(tf("integrity.acknowledge_label", &[("id", &a.id)])) { (t("integrity.acknowledge")) }
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
    Ok(layout::page(&dash.school, t("nav.integrity"), Some(&staff), "/integrity", body).into_response())
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
    if dash.store.acknowledge_alert(staff.scope(), id, staff.name(), Utc::now()).await? {
        let site = staff.scope().single();
        dash.store.audit_for(site, staff.name(), "alert_acknowledged", &format!("alert {id}"), Utc::now()).await?;
    }
    Ok(Redirect::to("/integrity").into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct KiosksQuery {
    /// The school whose kiosk settings the form shows; empty: the trust's.
    #[serde(default)]
    settings: String,
}

pub(super) async fn kiosks(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(query): Query<KiosksQuery>,
) -> Result<Response, PageError> {
    let kiosks = dash.store.kiosk_statuses(staff.scope()).await?;
    // The trust's staff see the trust's settings unless they choose a
    // school; a school's staff see their (first) school's.
    let (sites, target) = settings_target(&dash, &staff, &query.settings).await?;
    let school_of = |site| sites.iter().find(|s| s.id == site).map_or("", |s| s.name.as_str());
    let not_adopted = super::agreements::not_adopted_notice(&dash, &staff).await?;
    let configurations = super::kiosk_configuration::Configurations::load(&dash, &sites).await?;
    let content = match (target, sites.as_slice()) {
        // One school's office: the form shows what its kiosks take.
        (SettingsFor::Trust, [only]) => dash.store.settings_content(SettingsFor::School(only.id)).await?,
        (target, _) => dash.store.settings_content(target).await?,
    };
    let own = match target {
        SettingsFor::School(site) => dash.store.school_setting_names(site).await?,
        SettingsFor::Trust => Vec::new(),
    };
    let settings_view = super::kiosk_settings::SettingsView { sites: &sites, target, content: &content, own: &own };
    let body = html! {
        h1 { (t("nav.kiosks")) }
        (not_adopted)
        (configurations.summary())
        div.table-wrap {
            table.kiosks {
                caption { (t("kiosks.caption")) }
                thead { tr {
                    th scope="col" { (t("field.kiosk")) } @if sites.len() > 1 { th scope="col" { (t("field.school")) } } th scope="col" { (t("kiosks.fingerprint")) } th scope="col" { (t("kiosks.last_seen")) } th scope="col" { (t("kiosks.held")) } th scope="col" { (t("kiosks.backlog")) }
                    th scope="col" { (t("kiosks.open_alerts")) } th scope="col" { (t("kiosks.configuration")) } th scope="col" { (t("kiosks.agreement_per_role")) } th scope="col" { (t("accounts.status")) }
                } }
                tbody {
                    @for k in &kiosks {
                        tr {
                            td {
                                form.inline method="post" action={ "/kiosks/" (k.device_id) "/name" } {
                                    (csrf(&staff))
                                    @let label = tf("kiosks.location_of", &[("kiosk", &kiosk_label(k.name.as_deref(), &k.device_id))]);
                                    input type="text" name="name" value=(k.name.as_deref().unwrap_or("")) required
                                        maxlength=(MAX_KIOSK_NAME_CHARS) placeholder=(t("kiosks.placeholder")) aria-label=(label);
                                    " "
                                    button.secondary type="submit" aria-label=(tf("kiosks.rename_label", &[("kiosk", &kiosk_label(k.name.as_deref(), &k.device_id))])) { (t("kiosks.rename")) }
                                }
                                code { (k.device_id) }
                            }
                            @if sites.len() > 1 { td { (school_of(k.site)) } }
                            td { code.fingerprint { (k.key_fingerprint) } }
                            td { (k.last_seen_at.as_deref().unwrap_or(t("kiosks.never"))) }
                            td { (k.held) }
                            td { @match k.backlog() { Some(n) => { (tf("kiosks.waiting", &[("count", &n)])) }, None => (t("kiosks.not_reported")) } }
                            td { @if k.open_alerts > 0 { a href="/integrity" { (k.open_alerts) } } @else { "0" } }
                            td { (configurations.version_cell(&k.device_id, k.site)) }
                            td { (configurations.current_cell(&k.device_id, k.site)) }
                            td {
                                @match &k.revoked_at {
                                    Some(at) => span.bad { (tf("kiosks.revoked_at", &[("when", at)])) },
                                    None => form method="post" action={ "/kiosks/" (k.device_id) "/revoke" } {
                                        (csrf(&staff))
                                        (t("accounts.active")) " "
                                        button.danger type="submit" aria-label=(tf("kiosks.revoke_label", &[("kiosk", &kiosk_label(k.name.as_deref(), &k.device_id))])) { (t("kiosks.revoke")) }
                                    },
                                }
                            }
                        }
                    }
                }
            }
        }
        @if kiosks.is_empty() { p { (t("kiosks.none")) } }
        p.hint { (t("kiosks.hint")) }
        (super::kiosk_settings::form(&staff, &settings_view))
        h2 { (t("kiosks.pair_heading")) }
        p { (t("kiosks.pair_intro")) }
        form method="post" action="/kiosks/pairing-code" {
            (csrf(&staff))
            (school_select("pair-school", &sites, "", None))
            button type="submit" { (t("kiosks.make_code")) }
        }
    };
    Ok(layout::page(&dash.school, t("nav.kiosks"), Some(&staff), "/kiosks", body).into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct PairingForm {
    csrf: String,
    /// The school the kiosk will belong to; absent when this account sees one school.
    #[serde(default)]
    school: String,
}

pub(super) async fn pairing_code(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<PairingForm>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let sites = visible_sites(&dash, &staff).await?;
    let site = match parse_school(&form.school)? {
        Some(site) if sites.iter().any(|s| s.id == site) => site,
        Some(_) => return Err(PageError::NotFound),
        None if sites.len() == 1 => sites[0].id,
        None => return Err(OfficeError::InputInvalid(t("schools.error_choice").into()).into()),
    };
    let now = Utc::now();
    let code = make_pairing_code(&*dash.store, site, now).await?;
    let detail = format!("made a one-time pairing code for school {site}");
    dash.store.audit_for(Some(site), staff.name(), "pairing_code", &detail, now).await?;
    let body = html! {
        h1 { (t("pairing.title")) }
        dl.fields {
            dt { (t("pairing.title")) } dd { strong.hash { (code) } }
            dt { (t("pairing.fingerprint")) } dd.hash { (dash.fingerprint.to_hex()) }
        }
        p { (tf("pairing.explain", &[("minutes", &PAIRING_CODE_TTL_MINUTES), ("tries", &signbook_sync::pake::PAKE_ATTEMPTS_PER_CODE)])) }
        p { a href="/kiosks" { (t("pairing.back")) } }
    };
    Ok(layout::page(&dash.school, t("pairing.title"), Some(&staff), "/kiosks", body).into_response())
}

pub(super) async fn revoke(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path(device): Path<Uuid>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let site = kiosk_in_scope(&dash, &staff, device).await?;
    if dash.store.revoke(device, Utc::now()).await? {
        dash.store.audit_for(Some(site), staff.name(), "kiosk_revoked", &format!("kiosk {device}"), Utc::now()).await?;
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
    let site = kiosk_in_scope(&dash, &staff, device).await?;
    let old = dash.store.rename_kiosk(device, &name).await?;
    let detail = format!("kiosk {device}: \"{}\" to \"{name}\"", old.as_deref().unwrap_or(""));
    dash.store.audit_for(Some(site), staff.name(), "kiosk_renamed", &detail, Utc::now()).await?;
    Ok(Redirect::to("/kiosks").into_response())
}

/// The school of a kiosk this account may manage; another school's kiosk
/// is "not here", as an unknown one is.
async fn kiosk_in_scope(dash: &SharedDashboard, staff: &Staff, device: Uuid) -> Result<SiteId, PageError> {
    match dash.store.kiosk_site(device).await? {
        Some(site) if staff.scope().allows(site) => Ok(site),
        _ => Err(OfficeError::UnknownDevice { device_id: device }.into()),
    }
}

/// What an alert's kind (its stored code) means, in the page's language;
/// the code itself is shown too, as logs and the CLI name it.
fn alert_kind(kind: &str) -> &str {
    match kind {
        "signature_invalid" | "bundle_signature_invalid" => t("alert_kind.signature_invalid"),
        "record_invalid" => t("alert_kind.record_invalid"),
        "replay" => t("alert_kind.replay"),
        "wrong_device" => t("alert_kind.wrong_device"),
        "fork" => t("alert_kind.fork"),
        "broken_link" => t("alert_kind.broken_link"),
        "gap" => t("alert_kind.gap"),
        "record_hash_mismatch" | "personal_data_mismatch" => t("alert_kind.altered"),
        "erasure_inconsistent" => t("alert_kind.erasure_inconsistent"),
        "checkpoint_invalid" => t("alert_kind.checkpoint_invalid"),
        "agreement_invalid" => t("alert_kind.agreement_invalid"),
        "device_revoked" => t("alert_kind.device_revoked"),
        "login_locked_out" => t("alert_kind.login_locked_out"),
        "pairing_code_invalid" | "pairing_rate_limited" | "pairing_code_exhausted" => t("alert_kind.pairing"),
        _ => t("alert_kind.other"),
    }
}
