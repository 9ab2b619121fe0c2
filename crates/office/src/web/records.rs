//! Finding records: the search page, one record's page, its signature
//! image, and an agreement version's text.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{Markup, PreEscaped, html};
use signbook_core::Hash32;
use signbook_core::role::DEFAULT_ROLES;
use uuid::Uuid;

use std::collections::HashMap;

pub(super) use super::filters::Filters;
use super::integrity::chain_reports;
use super::layout::{self, csrf, damaged_notice, kiosk_label, local_time, signer_role, utc_time};
use super::page_error::PageError;
use super::schools::{names, school_select, visible_sites};
use super::session::Staff;
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::i18n::{t, tf, tm};
use crate::store::{Permission, StoredRecord};

/// Results per page.
pub const PAGE_SIZE: u64 = 50;

pub(super) async fn list(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let query = filters.query();
    let page = filters.page.trim().parse::<u64>().unwrap_or(1).clamp(1, 1_000_000);
    let results = match &query {
        Ok(query) => Some(dash.store.search_records(staff.scope(), query, (page - 1) * PAGE_SIZE, PAGE_SIZE).await?),
        Err(_) => None,
    };
    let (agreements, kiosks) =
        (dash.store.agreements(staff.scope()).await?, dash.store.kiosk_statuses(staff.scope()).await?);
    let sites = visible_sites(&dash, &staff).await?;
    // A school column only when this member of staff sees several schools.
    let schools = (sites.len() > 1).then(|| {
        let names = names(&sites);
        kiosks.iter().filter_map(|k| Some((k.device_id, names.get(&k.site)?.clone()))).collect::<HashMap<_, _>>()
    });
    let problem = query.as_ref().err().map(ToString::to_string);
    let links = filters.query_string();
    let body = html! {
        h1 { (t("records.title")) }
        form.filters method="get" action="/records" role="search" aria-label=(t("records.search_label")) {
            div { label for="f-name" { (t("field.name")) } input #f-name type="text" name="name" value=(filters.name); }
            div { label for="f-org" { (t("field.organisation")) } input #f-org type="text" name="organisation" value=(filters.organisation); }
            div {
                label for="f-role" { (t("field.role")) }
                select #f-role name="role" {
                    option value="" { (t("records.any_role")) }
                    @for role in DEFAULT_ROLES { option value=(role) selected[filters.role == role] { (signer_role(role)) } }
                }
            }
            div { label for="f-from" { (t("records.signed_from")) } input #f-from type="date" name="from" value=(filters.from); }
            div { label for="f-to" { (t("records.signed_to")) } input #f-to type="date" name="to" value=(filters.to); }
            div {
                label for="f-agreement" { (t("field.agreement_version")) }
                select #f-agreement name="agreement" {
                    option value="" { (t("records.any_version")) }
                    @for (a, count) in &agreements {
                        option value=(a.hash.to_hex()) selected[filters.agreement == a.hash.to_hex()] { (a.title) " · " (tf("records.version_option", &[("received", &&a.received_at[..10.min(a.received_at.len())]), ("count", count)])) }
                    }
                }
            }
            div {
                label for="f-kiosk" { (t("field.kiosk")) }
                select #f-kiosk name="kiosk" {
                    option value="" { (t("records.any_kiosk")) }
                    @for k in &kiosks { option value=(k.device_id) selected[filters.kiosk == k.device_id.to_string()] { (kiosk_label(k.name.as_deref(), &k.device_id)) } }
                }
            }
            (school_select("f-school", &sites, &filters.school, Some(t("records.any_school"))))
            div { button type="submit" { (t("records.search")) } " " a.button.secondary href="/records" { (t("records.clear")) } }
        }
        @if let Some(problem) = &problem { p.problem role="alert" { (problem) } }
        @if let Some(results) = &results {
            div.actions {
                p {
                    @let count = html! { strong { @if results.more { (grouped(results.total)) } @else { (results.total) } } };
                    @if results.more { (tm("records.found_more", &[("count", count)])) }
                    @else if results.total == 1 { (tm("records.found_one", &[("count", count)])) }
                    @else { (tm("records.found", &[("count", count)])) }
                }
                a.button.secondary href={ "/export/records.csv?" (links) } download { (t("records.download_csv")) }
                a.button.secondary href={ "/export/records.xlsx?" (links) } download { (t("records.download_xlsx")) }
                a.button.secondary href={ "/export/evidence.zip?" (links) } download { (t("records.download_pack")) }
            }
            (damaged_notice(&results.damaged))
            @if results.records.is_empty() && results.damaged.is_empty() {
                p { (t("records.none")) }
            } @else if !results.records.is_empty() {
                div.table-wrap { (record_table(&results.records, schools.as_ref())) }
                (pager(page, results.total, results.more, results.records.len() + results.damaged.len() >= PAGE_SIZE as usize, &links))
            }
        }
    };
    Ok(layout::page(&dash.school, t("nav.records"), Some(&staff), "/records", body).into_response())
}

/// Search results; with `schools` (kiosk to school name), a school column.
fn record_table(records: &[StoredRecord], schools: Option<&HashMap<Uuid, String>>) -> Markup {
    html! {
        table {
            caption.visually-hidden { (t("records.caption")) }
            thead { tr { th scope="col" { (t("field.signed_local")) } th scope="col" { (t("field.name")) } th scope="col" { (t("field.organisation")) } th scope="col" { (t("field.role")) } @if schools.is_some() { th scope="col" { (t("field.school")) } } th scope="col" { (t("field.kiosk")) } th scope="col" { (t("field.reference")) } } }
            tbody {
                @for r in records {
                    @let h = &r.record.header;
                    tr {
                        td { (local_time(&r.record)) }
                        td {
                            a href={ "/records/" (h.device_id) "/" (h.seq) } {
                                @match &r.record.personal { Some(p) => (p.name), None => em { (t("records.erased")) } }
                            }
                        }
                        td { @if let Some((org, _)) = r.record.personal.as_ref().and_then(|p| p.organisation.as_ref()) { (org) } }
                        td { (signer_role(&h.role)) }
                        @if let Some(schools) = schools { td { (schools.get(&h.device_id).map_or("", String::as_str)) } }
                        td { (kiosk_label(r.kiosk_name.as_deref(), &h.device_id)) " #" (h.seq) }
                        td.hash { (r.record.reference()) }
                    }
                }
            }
        }
    }
}

/// Links to the pages before and after. Past [`crate::store::SEARCH_COUNT_CAP`]
/// matches (`more`) the last page is not known: there are "more than" the
/// pages the count reached, and a next page after any `full` one.
fn pager(page: u64, total: u64, more: bool, full: bool, links: &str) -> Markup {
    let pages = if more { total / PAGE_SIZE } else { total.div_ceil(PAGE_SIZE).max(1) };
    let sep = if links.is_empty() { "" } else { "&" };
    html! {
        nav.pager aria-label=(t("records.pages_label")) {
            @if page > 1 { a href={ "/records?" (links) (sep) "page=" (page - 1) } rel="prev" { (t("records.previous_page")) } }
            span {
                @if !more { (tf("records.page_of", &[("page", &page), ("pages", &pages)])) }
                @else if page <= pages { (tf("records.page_of_more", &[("page", &page), ("pages", &grouped(pages))])) }
                @else { (tf("records.page", &[("page", &page)])) }
            }
            @if page < pages || (more && full) { a href={ "/records?" (links) (sep) "page=" (page + 1) } rel="next" { (t("records.next_page")) } }
        }
    }
}

/// `n` with its thousands grouped by commas, as English and Welsh write them.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

pub(super) async fn show(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path((device, seq)): Path<(Uuid, u64)>,
) -> Result<Response, PageError> {
    let store = &dash.store;
    let record = match store.stored_record(staff.scope(), device, seq).await {
        Ok(record) => record.ok_or(OfficeError::NotFound)?,
        Err(OfficeError::DamagedRecord { detail, .. }) => return damaged_page(&dash, &staff, device, seq, &detail),
        Err(error) => return Err(error.into()),
    };
    let agreement = store.agreement(&record.record.header.agreement_hash).await?;
    let sites = store.sites().await?;
    let school = match store.kiosk_site(device).await? {
        Some(site) if sites.len() > 1 => sites.into_iter().find(|s| s.id == site).map(|s| s.name),
        _ => None,
    };
    let checkpoint = store.checkpoint_covering(device, seq).await?;
    let erasure = store.erasure_status(device, seq).await?;
    let signed_erasure = store.office_erasure(device, seq).await?;
    let (verified_at, reports) = chain_reports(&dash, false).await?;
    let report = reports.iter().find(|r| r.device_id == device);
    let h = &record.record.header;
    let name = record.record.personal.as_ref().map(|p| p.name.clone());
    let title = name.clone().unwrap_or_else(|| tf("record.erased_title", &[("seq", &h.seq)]));
    let body = html! {
        p { a href="/records" { (t("record.all_records")) } }
        h1 { (tf("record.signed_by", &[("name", &name.as_deref().unwrap_or(t("record.erased_name")))])) }
        div.actions {
            a.button href={ "/records/" (device) "/" (seq) "/evidence.pdf" } download { (t("record.download_pdf")) }
        }
        dl.fields {
            dt { (t("field.name")) } dd { @match &name { Some(n) => (n), None => em { (t("records.erased")) } } }
            dt { (t("field.organisation")) } dd { @match record.record.personal.as_ref().and_then(|p| p.organisation.as_ref()) { Some((o, _)) => (o), None => "—" } }
            dt { (t("field.role")) } dd { (signer_role(&h.role)) }
            dt { (t("field.signed_local")) } dd { (local_time(&record.record)) }
            dt { (t("field.signed_utc")) } dd { (utc_time(&record.record)) }
            dt { (t("field.received")) } dd { (record.received_at) }
            @if let Some(school) = &school { dt { (t("field.school")) } dd { (school) } }
            dt { (t("field.kiosk")) } dd { (kiosk_label(record.kiosk_name.as_deref(), &h.device_id)) br; code { (h.device_id) } }
            dt { (t("field.sequence")) } dd { (h.seq) }
            dt { (t("field.reference")) } dd.hash { (record.record.reference()) }
            dt { (t("field.record_hash")) } dd.hash { (record.record.hash.to_hex()) }
            dt { (t("field.prev_hash")) } dd.hash { (h.prev_hash.to_hex()) }
            dt { (t("field.agreement_version")) } dd {
                @match &agreement { Some(a) => { a href={ "/agreements/" (a.hash.to_hex()) } { (a.title) } br; } None => {} }
                span.hash { (h.agreement_hash.to_hex()) }
            }
            dt { (t("field.chain")) } dd {
                @match report {
                    Some(r) if r.problem.is_none() => { span.ok { (tf("record.chain_intact", &[("count", &r.records)])) } " " (tf("record.checked", &[("when", &verified_at)])) },
                    Some(r) => span.bad { (t("record.chain_broken")) " " (r.problem.as_ref().map(ToString::to_string).unwrap_or_default()) },
                    None => (t("record.not_verified")),
                }
                br;
                @match checkpoint {
                    Some(cp) => { (tf("record.checkpoint", &[("seq", &cp)])) }
                    None => { (t("record.no_checkpoint")) }
                }
            }
        }
        h2 { (t("field.signature")) }
        @match &record.erasure {
            Some(e) => div.notice {
                p { (tf("record.erased_on", &[("date", &e.erased_at.format("%Y-%m-%d")), ("reason", &e.reason)])) }
                @match &erasure {
                    Some(status) if status.origin == "office" => p {
                        (tf("record.erased_by", &[("name", &status.erased_by.as_deref().unwrap_or(t("record.erased_by_staff")))])) " "
                        @match &status.kiosk_confirmed_at {
                            Some(at) => { (tf("record.kiosk_erased", &[("when", at)])) }
                            None => { (t("record.kiosk_will_erase")) }
                        }
                        " "
                        @match &signed_erasure {
                            Some(log) => {
                                (tm("record.erasure_logged", &[("fingerprint", html! { span.hash { (log.certificate_sha256) } })]))
                            }
                            None => { (t("record.erasure_not_logged")) }
                        }
                    },
                    _ => p { (t("record.erased_at_kiosk")) },
                }
            },
            None => img.signature src={ "/records/" (device) "/" (seq) "/signature.png" } alt=(tf("record.signature_alt", &[("name", &name.as_deref().unwrap_or(t("record.the_signer")))])) width="600";
        }
        h2 { (t("record.agreement_as_signed")) }
        @match &agreement {
            Some(a) => div.agreement tabindex="0" role="region" aria-label=(t("record.agreement_text")) { (agreement_body(&a.text, 2)) },
            None => p.notice { (t("record.no_text")) },
        }
        @if record.erasure.is_none() && staff.can(Permission::Privacy) {
            h2 { (t("record.erase_heading")) }
            form method="post" action={ "/records/" (device) "/" (seq) "/erase" } {
                (csrf(&staff))
                p.hint { (t("record.erase_hint")) }
                label for="reason" { (t("record.erase_reason")) }
                input #reason type="text" name="reason" required maxlength="500";
                " "
                button.danger type="submit" { (t("record.erase")) }
            }
        }
    };
    Ok(layout::page(&dash.school, &title, Some(&staff), "/records", body).into_response())
}

/// A record whose row can no longer be read: what is wrong, and what to
/// do, instead of a server error.
fn damaged_page(
    dash: &SharedDashboard,
    staff: &Staff,
    device: Uuid,
    seq: u64,
    detail: &str,
) -> Result<Response, PageError> {
    let title = tf("record.damaged_title", &[("seq", &seq)]);
    let body = html! {
        p { a href="/records" { (t("record.all_records")) } }
        h1 { (title) }
        p.problem role="alert" { (tm("record.damaged_detail", &[("seq", html! { (seq) }), ("kiosk", html! { code { (device) } }), ("detail", html! { (detail) })])) }
        p { (tm("record.damaged_advice", &[
            ("integrity", html! { a href="/integrity" { (t("record.damaged_check_link")) } }),
            ("command", html! { code { "signbook-office backup" } }),
        ])) }
    };
    Ok(layout::page(&dash.school, &title, Some(staff), "/records", body).into_response())
}

/// The agreement as the kiosk shows it (raw HTML in it is escaped by core),
/// with its headings moved `down` levels to sit under the page's own.
pub(super) fn agreement_body(markdown: &str, down: usize) -> Markup {
    let mut html = signbook_core::markdown::agreement_html(markdown);
    for level in (1..=6 - down).rev() {
        html = html
            .replace(&format!("<h{level}>"), &format!("<h{}>", level + down))
            .replace(&format!("</h{level}>"), &format!("</h{}>", level + down));
    }
    PreEscaped(html)
}

pub(super) async fn signature(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path((device, seq)): Path<(Uuid, u64)>,
) -> Result<Response, PageError> {
    let record = dash.store.stored_record(staff.scope(), device, seq).await?.ok_or(OfficeError::NotFound)?;
    let png = record.record.personal.ok_or(PageError::NotFound)?.signature_png;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

pub(super) async fn agreement(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path(hash): Path<String>,
) -> Result<Response, PageError> {
    let hash = Hash32::from_hex(&hash).map_err(|_| PageError::NotFound)?;
    let agreement = dash.store.agreement(&hash).await?.ok_or(OfficeError::NotFound)?;
    let body = html! {
        p { a href="/records" { (t("record.all_records")) } }
        h1 { (agreement.title) }
        dl.fields {
            dt { (t("field.received")) } dd { (agreement.received_at) }
            dt { (t("agreement.published_kiosk_date")) } dd { (agreement.published_at) }
            dt { (t("agreement.version_hash")) } dd.hash { (agreement.hash.to_hex()) }
        }
        p { a href={ "/records?agreement=" (agreement.hash.to_hex()) } { (t("agreement.records_link")) } }
        div.agreement tabindex="0" role="region" aria-label=(t("record.agreement_text")) { (agreement_body(&agreement.text, 1)) }
    };
    Ok(layout::page(&dash.school, &agreement.title, Some(&staff), "/records", body).into_response())
}
