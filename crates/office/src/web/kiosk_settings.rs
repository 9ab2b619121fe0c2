//! The Kiosks page's form for what every kiosk takes from the office: the
//! school name, idle timeout, roles offered, how long a kiosk keeps
//! personal data the office holds, and each role's re-sign rule
//! (admins only, like the rest of the page). Each save is what
//! `signbook-office settings set` does: checked, audited, and a new signed
//! configuration the kiosks take on their next sync.

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
use super::session::Staff;
use super::state::SharedDashboard;
use crate::configuration::parse_setting;
use crate::i18n::{t, tf};
use crate::store::configuration::ConfigurationContent;

#[derive(Deserialize)]
pub(super) struct SettingForm {
    csrf: String,
    key: String,
    value: String,
    /// For a re-sign rule: the role it is for.
    role: Option<String>,
}

/// `POST /kiosks/settings`: one setting for every kiosk.
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
    dash.store.set_kiosk_setting(setting, staff.name(), Utc::now()).await?;
    Ok(Redirect::to("/kiosks").into_response())
}

fn rule_text(rule: &WireResignRule) -> String {
    match rule {
        WireResignRule::EveryVisit => "every-visit".to_owned(),
        WireResignRule::NewVersion => "new-version".to_owned(),
        WireResignRule::AfterDays(days) => format!("after-days:{days}"),
    }
}

/// The form, filled with what the office's configuration says now.
pub(super) fn form(staff: &Staff, content: Option<&ConfigurationContent>) -> Markup {
    let settings = content.map(|c| c.settings.clone()).unwrap_or_default();
    let rules = content.map(|c| c.resign_rules.clone()).unwrap_or_default();
    let row = |key: &str, label: &str, value: String, hint: &str| {
        html! {
            form.inline method="post" action="/kiosks/settings" {
                (csrf(staff))
                input type="hidden" name="key" value=(key);
                label for={ "setting-" (key) } { (label) } " "
                input type="text" id={ "setting-" (key) } name="value" value=(value) required aria-describedby={ "setting-" (key) "-hint" };
                " "
                button.secondary type="submit" { (t("exports_language.save")) }
                " " span.hint id={ "setting-" (key) "-hint" } { (hint) }
            }
        }
    };
    html! {
        h2 { (t("kiosk_settings.heading")) }
        p.hint { (t("kiosk_settings.hint")) }
        (row("school-name", t("kiosk_settings.school_name"), settings.school_name.unwrap_or_default(), t("kiosk_settings.school_name_hint")))
        (row("idle-timeout", t("kiosk_settings.idle"), settings.idle_timeout_secs.map(|s| s.to_string()).unwrap_or_default(), t("kiosk_settings.idle_hint")))
        (row("roles", t("kiosk_settings.roles"), settings.roles.map(|r| r.join(",")).unwrap_or_default(), t("kiosk_settings.roles_hint")))
        (row("local-retention-days", t("kiosk_settings.local_retention"), settings.local_retention_days.unwrap_or(30).to_string(), t("kiosk_settings.local_retention_hint")))
        form.inline method="post" action="/kiosks/settings" {
            (csrf(staff))
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
            ul { @for (role, rule) in &rules { li { (tf("kiosk_settings.signs_again", &[("role", &signer_role(role)), ("rule", &rule_text(rule))])) } } }
        }
    }
}
