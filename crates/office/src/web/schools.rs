//! Schools on the dashboard: the schools a member of staff may see (the
//! school filter and column appear only when there is more than one), and
//! the schools page where the trust's admins add and rename them.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, csrf};
use super::page_error::PageError;
use super::session::Staff;
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::i18n::{t, tf};
use crate::store::configuration::SettingsFor;
use crate::store::{Site, SiteId};

/// The schools `staff` may see, in the order they were added.
pub(super) async fn visible_sites(dash: &SharedDashboard, staff: &Staff) -> Result<Vec<Site>, PageError> {
    let mut sites = dash.store.sites().await?;
    sites.retain(|site| staff.scope().allows(site.id));
    Ok(sites)
}

/// Names by number, for tables that show a school column.
pub(super) fn names(sites: &[Site]) -> HashMap<SiteId, String> {
    sites.iter().map(|site| (site.id, site.name.clone())).collect()
}

/// The school `typed` in a filter (its number), or what is wrong with it.
pub(super) fn parse_school(typed: &str) -> Result<Option<SiteId>, OfficeError> {
    match typed.trim() {
        "" => Ok(None),
        number => number
            .parse::<i64>()
            .map(|n| Some(SiteId(n)))
            .map_err(|_| OfficeError::InputInvalid(t("schools.error_choice").into())),
    }
}

/// The one school a page or form of `staff` is about (a school's roster,
/// its retention periods): the one `typed` (its number), or the first they
/// see when none is. One they may not see is not found, as a record of
/// another school is.
pub(super) async fn chosen_site(
    dash: &SharedDashboard,
    staff: &Staff,
    typed: &str,
) -> Result<(Vec<Site>, SiteId), PageError> {
    let sites = visible_sites(dash, staff).await?;
    let site = match parse_school(typed)? {
        Some(site) if sites.iter().any(|s| s.id == site) => site,
        Some(_) => return Err(PageError::NotFound),
        None => sites.first().map(|s| s.id).ok_or(PageError::NotFound)?,
    };
    Ok((sites, site))
}

/// Whose settings a page or form of `staff` is about: the school `typed`
/// (its number; one they may not see is not found), else the trust's for
/// the trust's own staff and the first school they see for a school's.
pub(super) async fn settings_target(
    dash: &SharedDashboard,
    staff: &Staff,
    typed: &str,
) -> Result<(Vec<Site>, SettingsFor), PageError> {
    if staff.scope().is_trust() && parse_school(typed)?.is_none() {
        return Ok((visible_sites(dash, staff).await?, SettingsFor::Trust));
    }
    let (sites, site) = chosen_site(dash, staff, typed).await?;
    Ok((sites, SettingsFor::School(site)))
}

/// A `<select name="school">` of `sites`, with `any` as its empty choice;
/// nothing when there is only one school to choose.
pub(super) fn school_select(id: &str, sites: &[Site], chosen: &str, any: Option<&str>) -> Markup {
    html! {
        @if sites.len() > 1 {
            div {
                label for=(id) { (t("field.school")) }
                select id=(id) name="school" required[any.is_none()] {
                    @if let Some(any) = any { option value="" { (any) } }
                    @for site in sites { option value=(site.id) selected[chosen == site.id.to_string()] { (site.name) } }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct SchoolForm {
    csrf: String,
    name: String,
}

pub(super) async fn page(State(dash): State<SharedDashboard>, staff: Staff) -> Result<Response, PageError> {
    let sites = visible_sites(&dash, &staff).await?;
    let kiosks = dash.store.kiosk_statuses(staff.scope()).await?;
    let trust = staff.scope().is_trust();
    let body = html! {
        h1 { (t("nav.schools")) }
        p { (t("schools.intro")) }
        div.table-wrap {
            table {
                caption.visually-hidden { (t("nav.schools")) }
                thead { tr { th scope="col" { (t("field.school")) } th scope="col" { (t("nav.kiosks")) } th scope="col" { (t("schools.added")) } @if trust { th scope="col" { (t("schools.rename")) } } } }
                tbody {
                    @for site in &sites {
                        tr {
                            td { (site.name) }
                            td { (kiosks.iter().filter(|k| k.site == site.id).count()) }
                            td { (site.created_at.get(..10).unwrap_or(&site.created_at)) }
                            @if trust {
                                td {
                                    form.inline method="post" action={ "/schools/" (site.id) "/name" } {
                                        (csrf(&staff))
                                        label.visually-hidden for={ "rename-" (site.id) } { (tf("schools.new_name_of", &[("name", &site.name)])) }
                                        input id={ "rename-" (site.id) } type="text" name="name" value=(site.name) required maxlength="100";
                                        " " button.secondary type="submit" { (t("schools.rename")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if trust {
            h2 { (t("schools.add_heading")) }
            form method="post" action="/schools" {
                (csrf(&staff))
                p.hint { (t("schools.add_hint")) }
                label for="school-name" { (t("field.school")) }
                input #school-name type="text" name="name" required maxlength="100";
                " " button type="submit" { (t("schools.add")) }
            }
        } @else {
            p.hint { (t("schools.trust_only")) }
        }
    };
    Ok(layout::page(&dash.school, t("nav.schools"), Some(&staff), "/schools", body).into_response())
}

pub(super) async fn add(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<SchoolForm>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let site = dash.store.add_site(&form.name, Utc::now()).await?;
    dash.store.audit(staff.name(), "school_added", &format!("school {}: {}", site.id, site.name), Utc::now()).await?;
    Ok(Redirect::to("/schools").into_response())
}

pub(super) async fn rename(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path(site): Path<i64>,
    Form(form): Form<SchoolForm>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    dash.store.rename_site(SiteId(site), &form.name).await?;
    let detail = format!("school {site}: now {}", form.name.trim());
    dash.store.audit_for(Some(SiteId(site)), staff.name(), "school_renamed", &detail, Utc::now()).await?;
    Ok(Redirect::to("/schools").into_response())
}
