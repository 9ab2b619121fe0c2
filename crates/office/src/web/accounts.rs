//! Staff accounts, for admins: add one, set its role, make it a new
//! password, disable or enable it. Passwords are made here and shown once
//! (the admin gives them to the person), so no admin ever picks one. Every
//! change is in the audit log, naming who did what to whom. The first
//! account is made with `signbook-office user add`.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;

use super::account_schools::{describe_sites, field, manageable, school_boxes, ticked_schools};
use super::auth::CsrfOnly;
use super::language::export_language_form;
use super::layout::{self, csrf, role_name};
use super::page_error::PageError;
use super::privacy::Notice;
use super::schools::visible_sites;
use super::session::{Staff, urlencode};
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::i18n::{t, tf, tm};
use crate::store::staff::generated_password;
use crate::store::{Site, StaffAccount, StaffRole, check_username};

pub(super) async fn page(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    let mut accounts = dash.store.users().await?;
    accounts.retain(|account| manageable(&staff, account));
    let sites = visible_sites(&dash, &staff).await?;
    let export_language = dash.store.export_language().await?;
    let body = html! {
        h1 { (t("nav.accounts")) }
        @if !notice.done.is_empty() { p.notice role="status" { (notice.done) } }
        p { (t("accounts.intro")) }
        dl.fields { @for role in StaffRole::ALL { dt { (role_name(role)) } dd { (describe(role)) } } }
        p { (t("accounts.publishing")) }
        div.table-wrap {
            table {
                caption { (t("accounts.caption")) }
                thead { tr { th scope="col" { (t("account.username")) } th scope="col" { (t("account.role")) } th scope="col" { (t("accounts.publishes")) } th scope="col" { (t("accounts.status")) } th scope="col" { (t("login.password")) } th scope="col" { (t("accounts.access")) } @if sites.len() > 1 { th scope="col" { (t("accounts.schools")) } } } }
                tbody { @for account in &accounts { (row(&staff, account, &sites)) } }
            }
        }
        h2 { (t("accounts.add_heading")) }
        form method="post" action="/accounts" {
            (csrf(&staff))
            p {
                label for="new-username" { (t("account.username")) }
                input #new-username type="text" name="username" required maxlength="64" autocomplete="off" aria-describedby="new-username-hint";
                span.hint #new-username-hint { " " (t("accounts.username_hint")) }
            }
            p { label for="new-role" { (t("account.role")) } (role_select("new-role", StaffRole::Records)) }
            (school_boxes(&staff, "new", &sites, &[]))
            p.hint { (t("accounts.password_hint")) }
            button type="submit" { (t("accounts.add")) }
        }
        (export_language_form(&staff, export_language))
    };
    Ok(layout::page(&dash.school, t("nav.accounts"), Some(&staff), "/accounts", body).into_response())
}

fn row(staff: &Staff, account: &StaffAccount, sites: &[Site]) -> Markup {
    let name = &account.username;
    let action = |what: &str| format!("/accounts/{}/{what}", urlencode(name));
    let select_id = format!("role-{name}");
    html! {
        tr {
            td { (name) @if name.eq_ignore_ascii_case(staff.name()) { " " (t("accounts.you")) } }
            td {
                form.inline method="post" action=(action("role")) {
                    (csrf(staff))
                    label.visually-hidden for=(select_id) { (tf("accounts.role_of", &[("name", name)])) }
                    (role_select(&select_id, account.role))
                    " "
                    button.secondary type="submit" aria-label=(tf("accounts.set_role_of", &[("name", name)])) { (t("accounts.set_role")) }
                }
            }
            td {
                @if account.role == StaffRole::Admin {
                    (t("accounts.yes_admin"))
                } @else {
                    form.inline method="post" action=(action("publishing")) {
                        (csrf(staff))
                        input type="hidden" name="allow" value=(if account.may_publish { "no" } else { "yes" });
                        (if account.may_publish { t("accounts.yes") } else { t("accounts.no") }) " "
                        @let label = if account.may_publish { tf("accounts.stop_label", &[("name", name)]) } else { tf("accounts.allow_label", &[("name", name)]) };
                        button.secondary type="submit" aria-label=(label) {
                            @if account.may_publish { (t("accounts.stop")) } @else { (t("accounts.allow")) }
                        }
                    }
                }
            }
            td { @match &account.disabled_at { Some(at) => span.bad { (tf("accounts.disabled_at", &[("when", &utc_minute(at))])) }, None => (t("accounts.active")) } }
            td {
                form method="post" action=(action("password")) {
                    (csrf(staff))
                    button.secondary type="submit" aria-label=(tf("accounts.new_password_for", &[("name", name)])) { (t("accounts.new_password")) }
                }
            }
            td {
                @if account.disabled_at.is_some() {
                    form method="post" action=(action("enable")) {
                        (csrf(staff))
                        button.secondary type="submit" aria-label=(tf("accounts.enable_label", &[("name", name)])) { (t("accounts.enable")) }
                    }
                } @else {
                    form method="post" action=(action("disable")) {
                        (csrf(staff))
                        button.danger type="submit" aria-label=(tf("accounts.disable_label", &[("name", name)])) { (t("accounts.disable")) }
                    }
                }
            }
            @if sites.len() > 1 {
                td {
                    form method="post" action=(action("schools")) {
                        (csrf(staff))
                        (school_boxes(staff, &format!("of-{name}"), sites, &account.sites))
                        button.secondary type="submit" aria-label=(tf("accounts.set_schools_of", &[("name", name)])) { (t("accounts.set_schools")) }
                    }
                }
            }
        }
    }
}

/// "2026-11-30 18:38 UTC" from a stored RFC 3339 time (as stored if it is not one).
fn utc_minute(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored)
        .map_or_else(|_| stored.to_owned(), |at| at.to_utc().format("%Y-%m-%d %H:%M UTC").to_string())
}

fn role_select(id: &str, chosen: StaffRole) -> Markup {
    html! {
        select id=(id) name="role" {
            @for role in StaffRole::ALL { option value=(role) selected[role == chosen] { (role_name(role)) } }
        }
    }
}

/// A page showing a password once, with what to do with it.
fn password_page(dash: &SharedDashboard, staff: &Staff, title: &str, said: Markup, password: &str) -> Response {
    let body = html! {
        h1 { (title) }
        (said)
        dl.fields { dt { (t("login.password")) } dd { strong.hash #password { (password) } } }
        p { (t("accounts.shown_once")) }
        p { a href="/accounts" { (t("accounts.back")) } }
    };
    layout::page(&dash.school, title, Some(staff), "/accounts", body).into_response()
}

pub(super) fn done(message: &str) -> Response {
    Redirect::to(&format!("/accounts?done={}", urlencode(message))).into_response()
}

pub(super) async fn add(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    staff.check_csrf(&field(&form, "csrf"))?;
    let (username, role) = (field(&form, "username"), field(&form, "role").parse::<StaffRole>()?);
    let username = username.trim();
    check_username(username)?;
    let sites = ticked_schools(&staff, &visible_sites(&dash, &staff).await?, &form)?;
    let password = generated_password();
    dash.store.add_user(username, &password, role, Utc::now()).await?;
    dash.store.set_account_sites(username, &sites).await?;
    let detail = format!("{username}, role {role}, {}", describe_sites(&sites));
    dash.store.audit_for(staff.scope().single(), staff.name(), "account_added", &detail, Utc::now()).await?;
    let said = html! { p { (tm("accounts.added", &[("name", html! { strong { (username) } }), ("role", html! { (role_name(role)) })])) } };
    Ok(password_page(&dash, &staff, t("accounts.added_title"), said, &password))
}

#[derive(Debug, Deserialize)]
pub(super) struct RoleForm {
    csrf: String,
    role: String,
}

/// The account as stored, or a 404 naming it: also for an account this
/// admin may not manage (another school's, or the trust's).
pub(super) async fn account(dash: &SharedDashboard, staff: &Staff, username: &str) -> Result<StaffAccount, PageError> {
    let accounts = dash.store.users().await?;
    let found = accounts.into_iter().find(|a| a.username.eq_ignore_ascii_case(username) && manageable(staff, a));
    Ok(found.ok_or_else(|| OfficeError::UnknownAccount { username: username.to_owned() })?)
}

pub(super) async fn set_role(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path(name): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let role = form.role.parse::<StaffRole>()?;
    let before = account(&dash, &staff, &name).await?;
    if before.role == role {
        return Ok(done(&tf("accounts.already_role", &[("name", &before.username), ("role", &role_name(role))])));
    }
    dash.store.set_role(&before.username, role).await?;
    let detail = format!("{}: role {role} (was {})", before.username, before.role);
    dash.store.audit_for(staff.scope().single(), staff.name(), "account_role_set", &detail, Utc::now()).await?;
    Ok(done(&tf("accounts.now_role", &[("name", &before.username), ("role", &role_name(role))])))
}

#[derive(Debug, Deserialize)]
pub(super) struct PublishingForm {
    csrf: String,
    /// `yes` or `no`.
    allow: String,
}

pub(super) async fn set_publishing(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path(name): Path<String>,
    Form(form): Form<PublishingForm>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let allow = match form.allow.as_str() {
        "yes" => true,
        "no" => false,
        other => return Err(OfficeError::InputInvalid(tf("accounts.error_yes_no", &[("value", &other)])).into()),
    };
    let target = account(&dash, &staff, &name).await?;
    dash.store.set_may_publish(&target.username, allow).await?;
    let (detail, said) = if allow {
        (
            format!("{}: may publish agreements", target.username),
            tf("accounts.may_publish", &[("name", &target.username)]),
        )
    } else {
        (
            format!("{}: may no longer publish agreements", target.username),
            if target.role == StaffRole::Admin {
                tf("accounts.no_publish_admin", &[("name", &target.username)])
            } else {
                tf("accounts.no_publish", &[("name", &target.username)])
            },
        )
    };
    dash.store.audit_for(staff.scope().single(), staff.name(), "account_publishing_set", &detail, Utc::now()).await?;
    Ok(done(&said))
}

pub(super) async fn new_password(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path(name): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let target = account(&dash, &staff, &name).await?;
    let password = generated_password();
    dash.store.set_password(&target.username, &password).await?;
    let detail = format!("{}: a new password; their sessions ended", target.username);
    dash.store.audit_for(staff.scope().single(), staff.name(), "account_password_reset", &detail, Utc::now()).await?;
    let said = html! { p { (tm("accounts.password_reset", &[("name", html! { strong { (target.username) } })])) } };
    Ok(password_page(&dash, &staff, t("accounts.new_password"), said, &password))
}

pub(super) async fn disable(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path(name): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let target = account(&dash, &staff, &name).await?;
    dash.store.set_disabled(&target.username, Some(Utc::now())).await?;
    let detail = format!("{}: cannot log in; their sessions ended", target.username);
    dash.store.audit_for(staff.scope().single(), staff.name(), "account_disabled", &detail, Utc::now()).await?;
    Ok(done(&tf("accounts.disabled", &[("name", &target.username)])))
}

pub(super) async fn enable(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path(name): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let target = account(&dash, &staff, &name).await?;
    dash.store.set_disabled(&target.username, None).await?;
    dash.store
        .audit_for(
            staff.scope().single(),
            staff.name(),
            "account_enabled",
            &format!("{}: can log in again", target.username),
            Utc::now(),
        )
        .await?;
    Ok(done(&tf("accounts.enabled", &[("name", &target.username)])))
}

/// What a role may do, in the page's language.
fn describe(role: StaffRole) -> &'static str {
    match role {
        StaffRole::Records => t("accounts.describe_records"),
        StaffRole::Privacy => t("accounts.describe_privacy"),
        StaffRole::Admin => t("accounts.describe_admin"),
    }
}
