//! The Kiosks page's form for what kiosks take from the office: the school
//! name, idle timeout, roles offered, how long a kiosk keeps personal data
//! the office holds, and each role's re-sign rule (admins only, like the
//! rest of the page). The trust's settings are every school's; a school
//! may set its own instead, and take the trust's again. Each save is what
//! `signbook-office settings set [--school]` does: checked, audited, and a
//! new signed configuration the school's kiosks take on their next sync.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use signbook_core::role::DEFAULT_ROLES;
use signbook_sync::configuration::WireResignRule;

use super::layout::{csrf, signer_role};
use super::page_error::PageError;
use super::schools::{parse_school, visible_sites};
use super::session::Staff;
use super::state::SharedDashboard;
use crate::configuration::{parse_setting, unchosen_target};
use crate::i18n::{t, tf};
use crate::store::configuration::{ConfigurationContent, SettingName, SettingsFor};
use crate::store::{Site, SiteId};

#[derive(Deserialize)]
pub(super) struct SettingForm {
    csrf: String,
    key: String,
    value: String,
    /// For a re-sign rule: the role it is for.
    role: Option<String>,
    /// The school whose own setting this is; empty: the trust's.
    #[serde(default)]
    school: String,
}

#[derive(Deserialize)]
pub(super) struct UnsetForm {
    csrf: String,
    key: String,
    school: String,
}

/// The school a form names, if `staff` may see it; empty: none.
async fn school_of_form(dash: &SharedDashboard, staff: &Staff, typed: &str) -> Result<Option<SiteId>, PageError> {
    let Some(site) = parse_school(typed)? else { return Ok(None) };
    let sites = visible_sites(dash, staff).await?;
    if !sites.iter().any(|s| s.id == site) {
        return Err(PageError::NotFound);
    }
    Ok(Some(site))
}

fn back_to(site: Option<SiteId>) -> Redirect {
    match site {
        Some(site) => Redirect::to(&format!("/kiosks?settings={site}#kiosk-settings")),
        None => Redirect::to("/kiosks#kiosk-settings"),
    }
}

/// `POST /kiosks/settings`: one setting, the trust's or a school's own.
pub(super) async fn save(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<SettingForm>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let key = match (form.key.as_str(), &form.role) {
        ("resign", Some(role)) => format!("resign.{}", role.trim()),
        (key, _) => key.to_owned(),
    };
    let setting = parse_setting(&key, &form.value)?;
    let chosen = school_of_form(&dash, &staff, &form.school).await?;
    let target = match chosen {
        Some(site) => SettingsFor::School(site),
        // The trust's settings are every school's: the trust's to change.
        None if !staff.scope().is_trust() => return Err(PageError::TrustOnly),
        None => unchosen_target(&*dash.store, &setting).await?,
    };
    dash.store.set_kiosk_setting(target, setting, staff.name(), Utc::now()).await?;
    Ok(back_to(chosen).into_response())
}

/// `POST /kiosks/settings/unset`: a school takes the trust's setting again.
pub(super) async fn unset(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<UnsetForm>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let site = school_of_form(&dash, &staff, &form.school).await?.ok_or(PageError::NotFound)?;
    let name = SettingName::parse(&form.key)?;
    dash.store.unset_school_setting(site, name, staff.name(), Utc::now()).await?;
    Ok(back_to(Some(site)).into_response())
}

fn rule_text(rule: &WireResignRule) -> String {
    match rule {
        WireResignRule::EveryVisit => "every-visit".to_owned(),
        WireResignRule::NewVersion => "new-version".to_owned(),
        WireResignRule::AfterDays(days) => format!("after-days:{days}"),
    }
}

/// Whose settings the form shows and saves.
pub(super) struct SettingsView<'a> {
    /// Schools the member of staff sees.
    pub sites: &'a [Site],
    /// The trust's, or one school's.
    pub target: SettingsFor,
    /// What that school's kiosks take (or the trust's own settings).
    pub content: &'a ConfigurationContent,
    /// The settings the school sets itself.
    pub own: &'a [SettingName],
}

/// The form, filled with what the chosen school's kiosks take now (or the
/// trust's own settings), each marked as the school's own or the trust's.
pub(super) fn form(staff: &Staff, view: &SettingsView<'_>) -> Markup {
    let settings = view.content.settings.clone();
    let rules = view.content.resign_rules.clone();
    let school = match view.target {
        SettingsFor::School(site) => site.to_string(),
        SettingsFor::Trust => String::new(),
    };
    // Marks and "use the trust's" only where a school sits beside others.
    let marked = matches!(view.target, SettingsFor::School(_)) && (view.sites.len() > 1 || !staff.scope().is_trust());
    let owner = |name: SettingName| -> Markup {
        html! {
            @if marked {
                @if view.own.contains(&name) {
                    " " span.ok { (t("kiosk_settings.own")) } " "
                    form.inline method="post" action="/kiosks/settings/unset" {
                        (csrf(staff))
                        input type="hidden" name="school" value=(school);
                        input type="hidden" name="key" value=(name.key());
                        button.secondary type="submit" { (t("kiosk_settings.use_trust")) }
                    }
                } @else {
                    " " span.hint { (t("kiosk_settings.trusts")) }
                }
            }
        }
    };
    let row = |name: SettingName, label: &str, value: String, hint: &str| {
        let key = name.key();
        html! {
            div.setting-row {
                form.inline method="post" action="/kiosks/settings" {
                    (csrf(staff))
                    input type="hidden" name="school" value=(school);
                    input type="hidden" name="key" value=(key);
                    label for={ "setting-" (key) } { (label) } " "
                    input type="text" id={ "setting-" (key) } name="value" value=(value) required aria-describedby={ "setting-" (key) "-hint" };
                    " "
                    button.secondary type="submit" { (t("exports_language.save")) }
                    " " span.hint id={ "setting-" (key) "-hint" } { (hint) }
                }
                (owner(name))
            }
        }
    };
    // In a trust of several schools, each school's kiosks show its own name.
    let names_school = matches!(view.target, SettingsFor::School(_)) || view.sites.len() <= 1;
    html! {
        h2 #kiosk-settings { (t("kiosk_settings.heading")) }
        (choice(staff, view))
        p.hint { (t("kiosk_settings.hint")) }
        @if names_school {
            (row(SettingName::SchoolName, t("kiosk_settings.school_name"), settings.school_name.unwrap_or_default(), t("kiosk_settings.school_name_hint")))
        }
        (row(SettingName::IdleTimeoutSecs, t("kiosk_settings.idle"), settings.idle_timeout_secs.map(|s| s.to_string()).unwrap_or_default(), t("kiosk_settings.idle_hint")))
        (row(SettingName::Roles, t("kiosk_settings.roles"), settings.roles.map(|r| r.join(",")).unwrap_or_default(), t("kiosk_settings.roles_hint")))
        (row(SettingName::LocalRetentionDays, t("kiosk_settings.local_retention"), settings.local_retention_days.unwrap_or(30).to_string(), t("kiosk_settings.local_retention_hint")))
        form.inline method="post" action="/kiosks/settings" {
            (csrf(staff))
            input type="hidden" name="school" value=(school);
            input type="hidden" name="key" value="resign";
            label for="setting-resign-role" { (t("kiosk_settings.resign_for")) } " "
            select id="setting-resign-role" name="role" {
                @for role in DEFAULT_ROLES { option value=(role) { (signer_role(role)) } }
            }
            " "
            label for="setting-resign" { (t("kiosk_settings.rule")) } " "
            input type="text" id="setting-resign" name="value" required placeholder="after-days:365" aria-describedby="setting-resign-hint";
            " "
            button.secondary type="submit" { (t("exports_language.save")) }
            " " span.hint id="setting-resign-hint" { (t("kiosk_settings.rule_hint")) }
        }
        @if !rules.is_empty() {
            ul { @for (role, rule) in &rules {
                li { (tf("kiosk_settings.signs_again", &[("role", &signer_role(role)), ("rule", &rule_text(rule))])) (owner(SettingName::ResignRule(role.clone()))) }
            } }
        }
    }
}

/// Which settings to show: the trust's (its own staff only) or a school's;
/// nothing to choose for one school's staff of one school.
fn choice(staff: &Staff, view: &SettingsView<'_>) -> Markup {
    let trust = staff.scope().is_trust();
    let chosen = match view.target {
        SettingsFor::School(site) => site.to_string(),
        SettingsFor::Trust => String::new(),
    };
    html! {
        @if view.sites.len() > 1 {
            form.inline method="get" action="/kiosks#kiosk-settings" {
                label for="settings-for" { (t("kiosk_settings.for")) } " "
                select #settings-for name="settings" {
                    @if trust { option value="" selected[chosen.is_empty()] { (t("kiosk_settings.every_school")) } }
                    @for site in view.sites { option value=(site.id) selected[chosen == site.id.to_string()] { (site.name) } }
                }
                " "
                button.secondary type="submit" { (t("kiosk_settings.show")) }
            }
        }
    }
}
