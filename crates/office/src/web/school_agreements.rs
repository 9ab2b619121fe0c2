//! The Agreements page's "What each school's kiosks sign": per school the
//! version each role signs there, marked as the school's own choice or the
//! trust's, and (for admins) the form that chooses a school's own version
//! for a role or gives it the trust's again. Shown only where a school sits
//! beside others; see [`crate::store::AgreementStore::set_school_agreement`].

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use signbook_core::Hash32;

use super::agreements::parse_roles;
use super::layout::{csrf, signer_role};
use super::page_error::PageError;
use super::schools::{parse_school, visible_sites};
use super::session::Staff;
use super::state::SharedDashboard;
use crate::i18n::{t, tf};
use crate::store::configuration::SettingsFor;
use crate::store::{AgreementStanding, Permission};

/// One table per school `staff` sees; nothing in an office of one school
/// seen by the trust's staff, where the list above says it all.
pub(super) async fn section(
    dash: &SharedDashboard,
    staff: &Staff,
    standings: &[AgreementStanding],
) -> Result<Markup, PageError> {
    let sites = visible_sites(dash, staff).await?;
    if sites.len() <= 1 && staff.scope().is_trust() {
        return Ok(html! {});
    }
    let title = |hash: &Hash32| {
        standings.iter().find(|s| s.agreement.hash == *hash).map_or_else(String::new, |s| s.agreement.title.clone())
    };
    let mut schools = Vec::with_capacity(sites.len());
    for site in &sites {
        let current = dash.store.settings_content(SettingsFor::School(site.id)).await?.current;
        let own = dash.store.school_agreements(site.id).await?;
        schools.push((site, current, own));
    }
    let admin = staff.can(Permission::Administer);
    Ok(html! {
        h2 #school-agreements { (t("school_agreements.heading")) }
        p.hint { (t("school_agreements.hint")) }
        @for (site, current, own) in &schools {
            div.table-wrap {
                table {
                    caption { (site.name) }
                    thead { tr { th scope="col" { (t("field.role")) } th scope="col" { (t("agreements.col_title")) } th scope="col" { (t("agreements.col_version")) } th scope="col" { (t("school_agreements.chosen_by")) } } }
                    tbody {
                        @for (role, hash) in current {
                            tr {
                                td { (signer_role(role)) }
                                td { a href={ "/agreements/" (hash.to_hex()) } { (title(hash)) } }
                                td.hash { (&hash.to_hex()[..12]) "…" }
                                td { @if own.contains_key(role) { span.ok { (t("kiosk_settings.own")) } } @else { span.hint { (t("kiosk_settings.trusts")) } } }
                            }
                        }
                    }
                }
            }
            @if admin {
                form.inline method="post" action="/agreements/school" {
                    (csrf(staff))
                    input type="hidden" name="school" value=(site.id);
                    @let role_id = format!("school-{}-role", site.id);
                    @let version_id = format!("school-{}-version", site.id);
                    label for=(role_id) { (tf("school_agreements.at", &[("school", &site.name)])) } " "
                    select id=(role_id) name="roles" {
                        @for role in roles_of(standings) { option value=(role) { (signer_role(&role)) } }
                    }
                    " "
                    label for=(version_id) { (t("school_agreements.signs")) } " "
                    select id=(version_id) name="hash" {
                        option value="" { (t("school_agreements.trusts_current")) }
                        @for s in standings { option value=(s.agreement.hash.to_hex()) { (s.agreement.title) " (" (&s.agreement.hash.to_hex()[..12]) "…)" } }
                    }
                    " "
                    button.secondary type="submit" { (t("exports_language.save")) }
                }
            }
        }
    })
}

/// Every role some version was published for, in order.
fn roles_of(standings: &[AgreementStanding]) -> Vec<String> {
    let mut roles: Vec<String> = standings.iter().flat_map(|s| s.roles.iter().cloned()).collect();
    roles.sort();
    roles.dedup();
    roles
}

#[derive(Debug, Deserialize)]
pub(super) struct SchoolAgreementForm {
    csrf: String,
    school: String,
    /// Comma-separated roles.
    roles: String,
    /// The version; empty: the trust's current one.
    #[serde(default)]
    hash: String,
}

/// `POST /agreements/school`: a school's own version for roles, or the
/// trust's again. Another school's is not found.
pub(super) async fn save(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<SchoolAgreementForm>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let site = parse_school(&form.school)?.ok_or(PageError::NotFound)?;
    if !visible_sites(&dash, &staff).await?.iter().any(|s| s.id == site) {
        return Err(PageError::NotFound);
    }
    let roles = parse_roles(&form.roles)?;
    let hash = match form.hash.trim() {
        "" => None,
        hex => Some(Hash32::from_hex(hex).map_err(|_| PageError::NotFound)?),
    };
    dash.store.set_school_agreement(site, &roles, hash, staff.name(), Utc::now()).await?;
    Ok(Redirect::to("/agreements#school-agreements").into_response())
}
