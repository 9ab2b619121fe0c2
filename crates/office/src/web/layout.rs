//! The page shell every dashboard page shares, and small helpers.

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use maud::{DOCTYPE, Markup, html};
use signbook_core::record::{Record, format_offset};

use super::Staff;
use crate::store::DamagedRecord;

const NAV: [(&str, &str); 6] = [
    ("/records", "Records"),
    ("/integrity", "Integrity"),
    ("/kiosks", "Kiosks"),
    ("/roster", "Roster"),
    ("/privacy", "Privacy"),
    ("/audit", "Audit log"),
];

/// A whole page. `active` is the menu entry to mark as current.
pub fn page(school: &str, title: &str, staff: Option<&Staff>, active: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            (head(&format!("{title} · Signbook office · {school}")))
            body {
                a.skip href="#main" { "Skip to content" }
                header {
                    p.brand { "Signbook office" span.school { (school) } }
                    @if let Some(staff) = staff {
                        nav aria-label="Main" {
                            ul {
                                @for (href, label) in NAV {
                                    li { a href=(href) aria-current=[(href == active).then_some("page")] { (label) } }
                                }
                            }
                        }
                        form.logout method="post" action="/logout" {
                            (csrf(staff))
                            span { "Logged in as " strong { (staff.name()) } }
                            button type="submit" { "Log out" }
                        }
                    }
                }
                main #main { (body) }
            }
        }
    }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) }
            link rel="stylesheet" href="/static/dashboard.css";
        }
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf(staff: &Staff) -> Markup {
    html! { input type="hidden" name="csrf" value=(staff.session.csrf_token); }
}

/// A page that says what went wrong.
pub fn error_page(status: StatusCode, message: &str) -> Markup {
    let title = status.canonical_reason().unwrap_or("Error");
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            (head(&format!("{title} · Signbook office")))
            body {
                main #main {
                    h1 { (title) }
                    p.problem role="alert" { (message) }
                    p { a href="/records" { "Back to the records" } }
                }
            }
        }
    }
}

/// Matching records whose rows are damaged: named, with a link to each
/// one's page, never silently left out.
pub fn damaged_notice(damaged: &[DamagedRecord]) -> Markup {
    html! {
        @if !damaged.is_empty() {
            div.problem role="alert" {
                p { (damaged.len()) " matching record(s) are damaged in the office database and cannot be shown. See Integrity for the full report." }
                ul { @for d in damaged { li { a href={ "/records/" (d.device_id) "/" (d.seq) } { "Kiosk " (&d.device_id.to_string()[..8]) ", record " (d.seq) } ": " (d.detail) } } }
            }
        }
    }
}

/// "2026-11-23 09:15 (UTC+01:00)": the kiosk's local time, as the signer saw it.
pub fn local_time(record: &Record) -> String {
    format!(
        "{} (UTC{})",
        record.header.signed_at_local().format("%Y-%m-%d %H:%M:%S"),
        format_offset(record.header.utc_offset_minutes)
    )
}

/// "2026-11-23 08:15:03 UTC".
pub fn utc_time(record: &Record) -> String {
    record.header.signed_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A kiosk's label: its name, else the start of its id.
pub fn kiosk_label(name: Option<&str>, device_id: &uuid::Uuid) -> String {
    match name {
        Some(name) if !name.trim().is_empty() => format!("{name} ({})", &device_id.to_string()[..8]),
        _ => format!("kiosk {}", &device_id.to_string()[..8]),
    }
}

pub(super) async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")],
        include_str!("dashboard.css"),
    )
}
