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

use super::layout::csrf;
use super::page_error::PageError;
use super::session::Staff;
use super::state::SharedDashboard;
use crate::configuration::parse_setting;
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
                button.secondary type="submit" { "Save" }
                " " span.hint id={ "setting-" (key) "-hint" } { (hint) }
            }
        }
    };
    html! {
        h2 { "Settings for every kiosk" }
        p.hint { "Kiosks take each change on their next sync, between two visitors. A setting never saved here stays each kiosk's own." }
        (row("school-name", "School name", settings.school_name.unwrap_or_default(), "on the welcome screen"))
        (row("idle-timeout", "Idle timeout (seconds)", settings.idle_timeout_secs.map(|s| s.to_string()).unwrap_or_default(), "15 to 600"))
        (row("roles", "Roles offered", settings.roles.map(|r| r.join(",")).unwrap_or_default(), "in order, separated by commas: visitor,staff,governor"))
        (row("local-retention-days", "Days a kiosk keeps personal data the office holds", settings.local_retention_days.unwrap_or(30).to_string(), "1 to 3650; the office's own retention per role decides how long the school keeps it"))
        form.inline method="post" action="/kiosks/settings" {
            (csrf(staff))
            input type="hidden" name="key" value="resign";
            label for="setting-resign-role" { "Re-sign rule for" } " "
            select id="setting-resign-role" name="role" {
                @for role in DEFAULT_ROLES { option value=(role) { (role) } }
            }
            " "
            label for="setting-resign" { "rule" } " "
            input type="text" id="setting-resign" name="value" required placeholder="after-days:365" aria-describedby="setting-resign-hint";
            " "
            button.secondary type="submit" { "Save" }
            " " span.hint id="setting-resign-hint" { "every-visit, new-version or after-days:N" }
        }
        @if !rules.is_empty() {
            ul { @for (role, rule) in &rules { li { (role) " signs again: " (rule_text(rule)) } } }
        }
    }
}
