//! Which schools a staff account is for, on the accounts page: who may
//! manage whom (a school's admin only its schools' accounts, so nobody can
//! raise an account above their own reach), the schools' tick boxes, and
//! what a form may tick.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Utc;
use maud::{Markup, html};

use super::accounts::{account, done};
use super::page_error::PageError;
use super::schools::{parse_school, visible_sites};
use super::session::Staff;
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::i18n::{t, tf};
use crate::store::{Site, SiteId, StaffAccount};

/// The value of `name` in a form read as pairs (it repeats `school`).
pub(super) fn field(form: &[(String, String)], name: &str) -> String {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// Whether `staff` may see and change `account`: the trust's staff manage
/// every account; a school's admin only accounts limited to its schools,
/// so nobody can raise an account above their own reach.
pub(super) fn manageable(staff: &Staff, account: &StaffAccount) -> bool {
    staff.scope().is_trust() || (!account.sites.is_empty() && account.sites.iter().all(|s| staff.scope().allows(*s)))
}

/// Tick boxes of the schools an account is limited to; none for an office
/// of one school (or one this admin sees).
pub(super) fn school_boxes(staff: &Staff, id: &str, sites: &[Site], ticked: &[SiteId]) -> Markup {
    html! {
        @if sites.len() > 1 {
            fieldset.schools {
                legend { (t("accounts.schools")) }
                @for site in sites {
                    @let box_id = format!("{id}-school-{}", site.id);
                    span.choice { input type="checkbox" id=(box_id) name="school" value=(site.id) checked[ticked.contains(&site.id)]; " " label for=(box_id) { (site.name) } }
                }
                p.hint { @if staff.scope().is_trust() { (t("accounts.schools_hint_trust")) } @else { (t("accounts.schools_hint")) } }
            }
        }
    }
}

/// The schools ticked in a form, checked against what `staff` may give:
/// only schools they see, and (for a school's admin) at least one.
pub(super) fn ticked_schools(
    staff: &Staff,
    sites: &[Site],
    form: &[(String, String)],
) -> Result<Vec<SiteId>, PageError> {
    let mut ticked = Vec::new();
    for (_, value) in form.iter().filter(|(k, _)| k == "school") {
        match parse_school(value)? {
            Some(site) if sites.iter().any(|s| s.id == site) => ticked.push(site),
            _ => return Err(PageError::NotFound),
        }
    }
    if ticked.is_empty() && !staff.scope().is_trust() {
        match sites {
            [only] => ticked.push(only.id),
            _ => return Err(OfficeError::InputInvalid(t("accounts.error_no_school").into()).into()),
        }
    }
    ticked.sort();
    ticked.dedup();
    Ok(ticked)
}

/// "every school" or "schools 2, 3", for the audit log.
pub(super) fn describe_sites(sites: &[SiteId]) -> String {
    if sites.is_empty() {
        return "every school".to_owned();
    }
    format!("schools {}", sites.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
}

pub(super) async fn set_schools(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path(name): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    staff.check_csrf(&field(&form, "csrf"))?;
    let target = account(&dash, &staff, &name).await?;
    let sites = ticked_schools(&staff, &visible_sites(&dash, &staff).await?, &form)?;
    dash.store.set_account_sites(&target.username, &sites).await?;
    let detail = format!("{}: {}", target.username, describe_sites(&sites));
    dash.store.audit_for(staff.scope().single(), staff.name(), "account_schools_set", &detail, Utc::now()).await?;
    Ok(done(&tf("accounts.schools_set", &[("name", &target.username)])))
}
