//! The page shell every dashboard page shares, and small helpers.

use maud::{DOCTYPE, Markup, html};
use signbook_core::record::{Record, format_offset};

use super::session::Staff;
use super::shell::head;
use crate::store::{DamagedRecord, Permission};

/// The menu, each entry shown only to accounts that may open it.
const NAV: [(&str, &str, Permission); 8] = [
    ("/records", "Records", Permission::Records),
    ("/agreements", "Agreements", Permission::Records),
    ("/integrity", "Integrity", Permission::Records),
    ("/kiosks", "Kiosks", Permission::Administer),
    ("/roster", "Roster", Permission::Records),
    ("/privacy", "Privacy", Permission::Privacy),
    ("/audit", "Audit log", Permission::Privacy),
    ("/accounts", "Staff accounts", Permission::Administer),
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
                                @for (href, label, _) in NAV.iter().filter(|(_, _, needs)| staff.can(*needs)) {
                                    li { a href=(href) aria-current=[(*href == active).then_some("page")] { (label) } }
                                }
                            }
                        }
                        form.logout method="post" action="/logout" {
                            (csrf(staff))
                            span { "Logged in as " strong { (staff.name()) } " (" (staff.session.role) ")" }
                            button type="submit" { "Log out" }
                        }
                    }
                }
                main #main { (body) }
            }
        }
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf(staff: &Staff) -> Markup {
    html! { input type="hidden" name="csrf" value=(staff.session.csrf_token); }
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
