//! Agreement versions a kiosk uses that the office has not adopted: the
//! notice on the roster and kiosks pages, and the action that adopts one
//! (see [`crate::store::AgreementStore`] for why the office decides).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use signbook_core::Hash32;
use signbook_core::role::Role;

use super::layout::{self, csrf, kiosk_label, signer_role};
use super::page_error::PageError;
use super::privacy::Notice;
use super::publish;
use super::session::Staff;
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::i18n::{t, tf, tm};
use crate::store::{AgreementStanding, Permission};

/// The notice for every version a kiosk sent for a role the office never
/// adopted it for, each with its "Adopt" form; nothing when there is none.
pub(super) async fn not_adopted_notice(dash: &SharedDashboard, staff: &Staff) -> Result<Markup, PageError> {
    let standings = dash.store.agreement_standings().await?;
    // A school's admins adopt it for their (first) school; the trust's for every school.
    let school = match staff.scope().is_trust() {
        true => None,
        false => super::schools::visible_sites(dash, staff).await?.first().map(|s| s.id),
    };
    let waiting: Vec<&AgreementStanding> = standings.iter().filter(|s| s.awaits_decision()).collect();
    // The adopted versions these roles still sign, each with its roles.
    let still_counted = |roles: &[String]| -> Vec<(String, Vec<String>)> {
        standings
            .iter()
            .map(|s| {
                let mine = s.current_for.iter().filter(|r| roles.contains(r)).cloned().collect::<Vec<_>>();
                (s.agreement.title.clone(), mine)
            })
            .filter(|(_, mine)| !mine.is_empty())
            .collect()
    };
    Ok(html! {
        @for s in &waiting {
            @let hash = s.agreement.hash.to_hex();
            @let kiosks: Vec<String> = s.senders.iter().map(|k| kiosk_label(k.name.as_deref(), &k.device_id)).collect();
            @let roles = s.not_adopted_for.join(", ");
            div.notice role="status" {
                p {
                    (tm("adopt.uses", &[
                        ("kiosks", html! { strong { (kiosks.join(", ")) } }),
                        ("agreement", html! { a href={ "/agreements/" (hash) } { (s.agreement.title) } }),
                        ("version", html! { code { (&hash[..12]) "…" } }),
                        ("roles", html! { (roles) }),
                    ]))
                }
                p.hint {
                    (t("adopt.until"))
                    @for (title, roles) in still_counted(&s.not_adopted_for) { ": " (tf("adopt.counted", &[("title", &title), ("roles", &roles.join(", "))])) }
                    ". "
                    (tf("adopt.claimed_date", &[("date", &s.senders.first().map_or("", |k| &k.claimed_published_at[..10.min(k.claimed_published_at.len())]))]))
                }
                @if staff.can(Permission::Administer) {
                    @match school {
                        Some(school) => form method="post" action="/agreements/school" {
                            (csrf(staff))
                            input type="hidden" name="school" value=(school);
                            input type="hidden" name="hash" value=(hash);
                            input type="hidden" name="roles" value=(roles);
                            button type="submit" { (tf("adopt.button", &[("roles", &roles)])) }
                        },
                        None => form method="post" action={ "/agreements/" (hash) "/adopt" } {
                            (csrf(staff))
                            input type="hidden" name="roles" value=(roles);
                            button type="submit" { (tf("adopt.button", &[("roles", &roles)])) }
                        },
                    }
                } @else {
                    p { (t("adopt.admin_can")) }
                }
            }
        }
    })
}

/// Every version the office holds, which roles sign it now, and (for a
/// publisher) the way to publish a new one.
pub(super) async fn list(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    let standings = dash.store.agreement_standings().await?;
    let body = html! {
        h1 { (t("agreements.title")) }
        @if !notice.done.is_empty() { p.notice role="status" { (notice.done) } }
        @if publish::can_publish(&staff) {
            p { a.button href="/agreements/new" { (t("agreements.publish_new")) } }
        } @else {
            p.hint { (t("agreements.publisher_can")) }
        }
        (not_adopted_notice(&dash, &staff).await?)
        @if standings.is_empty() {
            p { (t("agreements.none")) }
        } @else {
            div.table-wrap {
                table {
                    caption { (t("agreements.caption")) }
                    thead { tr { th scope="col" { (t("agreements.col_title")) } th scope="col" { (t("agreements.col_version")) } th scope="col" { (t("agreements.col_signed_by")) } th scope="col" { (t("agreements.col_since")) } } }
                    tbody {
                        @for s in &standings {
                            @let hash = s.agreement.hash.to_hex();
                            tr {
                                td { a href={ "/agreements/" (hash) } { (s.agreement.title) } }
                                td.hash { (&hash[..12]) "…" }
                                td { @if s.current_for.is_empty() { span.hint { (t("agreements.no_role")) } } @else { (s.current_for.iter().map(|r| signer_role(r)).collect::<Vec<_>>().join(", ")) } }
                                td { (s.agreement.received_at.get(..16).unwrap_or(&s.agreement.received_at).replace('T', " ")) " UTC" }
                            }
                        }
                    }
                }
            }
        }
        (super::school_agreements::section(&dash, &staff, &standings).await?)
    };
    Ok(layout::page(&dash.school, t("agreements.title"), Some(&staff), "/agreements", body).into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct AdoptForm {
    csrf: String,
    /// Comma-separated roles.
    roles: String,
}

/// Makes a version current for the roles named; audited by the store.
/// Publishing is administration: the route is in the admin group.
pub(super) async fn adopt(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path(hash): Path<String>,
    Form(form): Form<AdoptForm>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let hash = Hash32::from_hex(&hash).map_err(|_| PageError::NotFound)?;
    let roles = parse_roles(&form.roles)?;
    dash.store.adopt_agreement(&hash, &roles, staff.name(), Utc::now()).await?;
    Ok(Redirect::to("/roster").into_response())
}

/// `visitor, governor` to checked role names; refuses none or a bad one.
pub fn parse_roles(text: &str) -> Result<Vec<String>, OfficeError> {
    let mut roles = Vec::new();
    for role in text.split(',').map(str::trim).filter(|r| !r.is_empty()) {
        let role = Role::new(&role.to_lowercase()).map_err(|e| OfficeError::InputInvalid(e.to_string()))?;
        if !roles.contains(&role.as_str().to_owned()) {
            roles.push(role.as_str().to_owned());
        }
    }
    if roles.is_empty() {
        return Err(OfficeError::InputInvalid(t("agreements.error_no_role").into()));
    }
    Ok(roles)
}
