//! The page shell every dashboard page shares, and small helpers.

use maud::{DOCTYPE, Markup, html};
use signbook_core::record::{Record, format_offset};

use super::language;
use super::session::Staff;
use super::shell::head;
use crate::i18n::{self, t, tf, tm};
use crate::store::{DamagedRecord, Permission};

/// A menu entry's label, in the page's language.
type Label = fn() -> &'static str;

/// The menu, each entry shown only to accounts that may open it.
const NAV: [(&str, Label, Permission); 9] = [
    ("/records", || t("nav.records"), Permission::Records),
    ("/agreements", || t("nav.agreements"), Permission::Records),
    ("/integrity", || t("nav.integrity"), Permission::Records),
    ("/kiosks", || t("nav.kiosks"), Permission::Administer),
    ("/roster", || t("nav.roster"), Permission::Records),
    ("/privacy", || t("nav.privacy"), Permission::Privacy),
    ("/audit", || t("nav.audit"), Permission::Privacy),
    ("/accounts", || t("nav.accounts"), Permission::Administer),
    ("/schools", || t("nav.schools"), Permission::Administer),
];

/// A whole page. `active` is the menu entry to mark as current.
pub fn page(school: &str, title: &str, staff: Option<&Staff>, active: &str, body: Markup) -> Markup {
    let brand = t("frame.brand");
    html! {
        (DOCTYPE)
        html lang=(i18n::current().html_lang()) {
            (head(&format!("{title} · {brand} · {school}")))
            body {
                a.skip href="#main" { (t("frame.skip")) }
                header {
                    p.brand { (brand) span.school { (school) } }
                    @if let Some(staff) = staff {
                        nav aria-label=(t("frame.nav_label")) {
                            ul {
                                @for (href, label, _) in NAV.iter().filter(|(_, _, needs)| staff.can(*needs)) {
                                    li { a href=(href) aria-current=[(*href == active).then_some("page")] { (label()) } }
                                }
                            }
                        }
                    }
                    div.session {
                        (language::switch(staff))
                        @if let Some(staff) = staff {
                            form.logout method="post" action="/logout" {
                                (csrf(staff))
                                span { (tm("frame.logged_in_as", &[
                                    ("name", html! { a href="/account" aria-current=[("/account" == active).then_some("page")] { strong { (staff.name()) } } }),
                                    ("role", html! { (role_name(staff.session.role)) }),
                                ])) }
                                button type="submit" { (t("frame.log_out")) }
                            }
                        }
                    }
                }
                main #main { (body) }
            }
        }
    }
}

/// A staff role's name in the page's language.
pub fn role_name(role: crate::store::StaffRole) -> &'static str {
    use crate::store::StaffRole;
    match role {
        StaffRole::Records => t("staff_role.records"),
        StaffRole::Privacy => t("staff_role.privacy"),
        StaffRole::Admin => t("staff_role.admin"),
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
                p { (tf("damaged.notice", &[("count", &damaged.len())])) }
                ul { @for d in damaged { li { a href={ "/records/" (d.device_id) "/" (d.seq) } { (tf("damaged.link", &[("kiosk", &&d.device_id.to_string()[..8]), ("seq", &d.seq)])) } ": " (d.detail) } } }
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
        _ => tf("kiosk.unnamed", &[("id", &&device_id.to_string()[..8])]),
    }
}

pub use crate::i18n::signer_role;
