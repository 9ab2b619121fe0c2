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

use super::auth::CsrfOnly;
use super::layout::{self, csrf};
use super::page_error::PageError;
use super::privacy::Notice;
use super::session::{Staff, urlencode};
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::store::staff::generated_password;
use crate::store::{StaffAccount, StaffRole, check_username};

pub(super) async fn page(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    let accounts = dash.store.users().await?;
    let body = html! {
        h1 { "Staff accounts" }
        @if !notice.done.is_empty() { p.notice role="status" { (notice.done) } }
        p { "Each account has one role. The roles are nested: privacy can do everything records can, and admin everything." }
        dl.fields { @for role in StaffRole::ALL { dt { (role) } dd { (role.describe()) } } }
        p {
            "Publishing a new agreement changes what every kiosk asks people to sign, so it is a permission of its own: "
            "admins have it, and you can give it to any other account (for example the person who looks after the school's policies)."
        }
        div.table-wrap {
            table {
                caption { "Accounts" }
                thead { tr { th scope="col" { "User name" } th scope="col" { "Role" } th scope="col" { "Publishes agreements" } th scope="col" { "Status" } th scope="col" { "Password" } th scope="col" { "Access" } } }
                tbody { @for account in &accounts { (row(&staff, account)) } }
            }
        }
        h2 { "Add an account" }
        form method="post" action="/accounts" {
            (csrf(&staff))
            p {
                label for="new-username" { "User name" }
                input #new-username type="text" name="username" required maxlength="64" autocomplete="off" aria-describedby="new-username-hint";
                span.hint #new-username-hint { " Letters, digits, '.', '_', '-' or '@', for example j.evans." }
            }
            p { label for="new-role" { "Role" } (role_select("new-role", StaffRole::Records)) }
            p.hint { "A password is made for them and shown once: give it to them in person." }
            button type="submit" { "Add account" }
        }
    };
    Ok(layout::page(&dash.school, "Staff accounts", Some(&staff), "/accounts", body).into_response())
}

fn row(staff: &Staff, account: &StaffAccount) -> Markup {
    let name = &account.username;
    let action = |what: &str| format!("/accounts/{}/{what}", urlencode(name));
    let select_id = format!("role-{name}");
    html! {
        tr {
            td { (name) @if name.eq_ignore_ascii_case(staff.name()) { " (you)" } }
            td {
                form.inline method="post" action=(action("role")) {
                    (csrf(staff))
                    label.visually-hidden for=(select_id) { "Role of " (name) }
                    (role_select(&select_id, account.role))
                    " "
                    button.secondary type="submit" aria-label={ "Set role of " (name) } { "Set role" }
                }
            }
            td {
                @if account.role == StaffRole::Admin {
                    "Yes (admin)"
                } @else {
                    form.inline method="post" action=(action("publishing")) {
                        (csrf(staff))
                        input type="hidden" name="allow" value=(if account.may_publish { "no" } else { "yes" });
                        (if account.may_publish { "Yes " } else { "No " })
                        button.secondary type="submit" aria-label={ @if account.may_publish { "Stop " (name) " publishing" } @else { "Let " (name) " publish" } } {
                            @if account.may_publish { "Stop" } @else { "Allow" }
                        }
                    }
                }
            }
            td { @match &account.disabled_at { Some(at) => span.bad { "Disabled " (utc_minute(at)) }, None => "Active" } }
            td {
                form method="post" action=(action("password")) {
                    (csrf(staff))
                    button.secondary type="submit" aria-label={ "New password for " (name) } { "New password" }
                }
            }
            td {
                @if account.disabled_at.is_some() {
                    form method="post" action=(action("enable")) {
                        (csrf(staff))
                        button.secondary type="submit" aria-label={ "Enable " (name) } { "Enable" }
                    }
                } @else {
                    form method="post" action=(action("disable")) {
                        (csrf(staff))
                        button.danger type="submit" aria-label={ "Disable " (name) } { "Disable" }
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
            @for role in StaffRole::ALL { option value=(role) selected[role == chosen] { (role) } }
        }
    }
}

/// A page showing a password once, with what to do with it.
fn password_page(dash: &SharedDashboard, staff: &Staff, title: &str, said: Markup, password: &str) -> Response {
    let body = html! {
        h1 { (title) }
        (said)
        dl.fields { dt { "Password" } dd { strong.hash #password { (password) } } }
        p { "It is shown only this once. Give it to them in person, not by email." }
        p { a href="/accounts" { "Back to the staff accounts" } }
    };
    layout::page(&dash.school, title, Some(staff), "/accounts", body).into_response()
}

fn done(message: &str) -> Response {
    Redirect::to(&format!("/accounts?done={}", urlencode(message))).into_response()
}

#[derive(Debug, Deserialize)]
pub(super) struct NewAccount {
    csrf: String,
    username: String,
    role: String,
}

pub(super) async fn add(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(form): Form<NewAccount>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let (username, role) = (form.username.trim(), form.role.parse::<StaffRole>()?);
    check_username(username)?;
    let password = generated_password();
    dash.store.add_user(username, &password, role, Utc::now()).await?;
    dash.store.audit(staff.name(), "account_added", &format!("{username}, role {role}"), Utc::now()).await?;
    let said = html! { p { "Added " strong { (username) } " with the " (role) " role. They can log in now with this password." } };
    Ok(password_page(&dash, &staff, "Account added", said, &password))
}

#[derive(Debug, Deserialize)]
pub(super) struct RoleForm {
    csrf: String,
    role: String,
}

/// The account as stored, or a 404 naming it.
async fn account(dash: &SharedDashboard, username: &str) -> Result<StaffAccount, PageError> {
    let accounts = dash.store.users().await?;
    let found = accounts.into_iter().find(|a| a.username.eq_ignore_ascii_case(username));
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
    let before = account(&dash, &name).await?;
    if before.role == role {
        return Ok(done(&format!("{} already has the {role} role.", before.username)));
    }
    dash.store.set_role(&before.username, role).await?;
    let detail = format!("{}: role {role} (was {})", before.username, before.role);
    dash.store.audit(staff.name(), "account_role_set", &detail, Utc::now()).await?;
    Ok(done(&format!("{} now has the {role} role.", before.username)))
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
        other => return Err(OfficeError::InputInvalid(format!("\"{other}\" is neither yes nor no")).into()),
    };
    let target = account(&dash, &name).await?;
    dash.store.set_may_publish(&target.username, allow).await?;
    let (detail, said) = if allow {
        (
            format!("{}: may publish agreements", target.username),
            format!("{} may now publish agreements.", target.username),
        )
    } else {
        (
            format!("{}: may no longer publish agreements", target.username),
            format!(
                "{} can no longer publish agreements{}.",
                target.username,
                if target.role == StaffRole::Admin { " (except as an admin)" } else { "" }
            ),
        )
    };
    dash.store.audit(staff.name(), "account_publishing_set", &detail, Utc::now()).await?;
    Ok(done(&said))
}

pub(super) async fn new_password(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path(name): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let target = account(&dash, &name).await?;
    let password = generated_password();
    dash.store.set_password(&target.username, &password).await?;
    let detail = format!("{}: a new password; their sessions ended", target.username);
    dash.store.audit(staff.name(), "account_password_reset", &detail, Utc::now()).await?;
    let said = html! { p { "The old password of " strong { (target.username) } " no longer works, and they were logged out everywhere." } };
    Ok(password_page(&dash, &staff, "New password", said, &password))
}

pub(super) async fn disable(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path(name): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let target = account(&dash, &name).await?;
    dash.store.set_disabled(&target.username, Some(Utc::now())).await?;
    let detail = format!("{}: cannot log in; their sessions ended", target.username);
    dash.store.audit(staff.name(), "account_disabled", &detail, Utc::now()).await?;
    Ok(done(&format!("{} is disabled: they cannot log in, and were logged out everywhere.", target.username)))
}

pub(super) async fn enable(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path(name): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staff.check_csrf(&form.csrf)?;
    let target = account(&dash, &name).await?;
    dash.store.set_disabled(&target.username, None).await?;
    dash.store
        .audit(staff.name(), "account_enabled", &format!("{}: can log in again", target.username), Utc::now())
        .await?;
    Ok(done(&format!("{} can log in again, with the same password as before.", target.username)))
}
