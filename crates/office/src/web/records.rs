//! Finding records: the search page, one record's page, its signature
//! image, and an agreement version's text.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use signbook_core::Hash32;
use signbook_core::role::DEFAULT_ROLES;
use uuid::Uuid;

use super::integrity::chain_reports;
use super::layout::{self, csrf, damaged_notice, kiosk_label, local_time, utc_time};
use super::page_error::PageError;
use super::session::Staff;
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::store::{Permission, RecordQuery, StoredRecord};

/// Results per page.
pub const PAGE_SIZE: u64 = 50;

/// The search form's fields, as they arrive in the address.
#[derive(Debug, Default, Clone, Deserialize)]
pub(super) struct Filters {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub agreement: String,
    #[serde(default)]
    pub kiosk: String,
    /// Text, not a number, so a mangled link shows page 1 instead of an error.
    #[serde(default)]
    pub page: String,
}

impl Filters {
    /// The store query, or what is wrong with a field.
    pub fn query(&self) -> Result<RecordQuery, OfficeError> {
        let date = |text: &str, which: &str| -> Result<Option<NaiveDate>, OfficeError> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map(Some).map_err(|_| {
                OfficeError::InputInvalid(format!(
                    "the {which} date \"{text}\" is not a date; use the date picker or type it as 2026-09-01"
                ))
            })
        };
        let agreement = match self.agreement.trim() {
            "" => None,
            hash => Some(
                Hash32::from_hex(hash)
                    .map_err(|_| OfficeError::InputInvalid("choose the agreement version from the list".into()))?
                    .to_hex(),
            ),
        };
        let kiosk = match self.kiosk.trim() {
            "" => None,
            id => Some(
                Uuid::parse_str(id).map_err(|_| OfficeError::InputInvalid("choose the kiosk from the list".into()))?,
            ),
        };
        let (from, to) = (date(&self.from, "first")?, date(&self.to, "last")?);
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err(OfficeError::InputInvalid(format!(
                "the first date ({from}) is after the last date ({to}); swap them"
            )));
        }
        Ok(RecordQuery {
            name: self.name.chars().take(100).collect(),
            organisation: self.organisation.chars().take(100).collect(),
            role: Some(self.role.trim().to_owned()).filter(|r| !r.is_empty()),
            from,
            to,
            agreement,
            kiosk,
        })
    }

    /// The filters as a query string (without the page), for links.
    pub fn query_string(&self) -> String {
        let pairs = [
            ("name", &self.name),
            ("organisation", &self.organisation),
            ("role", &self.role),
            ("from", &self.from),
            ("to", &self.to),
            ("agreement", &self.agreement),
            ("kiosk", &self.kiosk),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", super::session::urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

pub(super) async fn list(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let query = filters.query();
    let page = filters.page.trim().parse::<u64>().unwrap_or(1).clamp(1, 1_000_000);
    let results = match &query {
        Ok(query) => Some(dash.store.search_records(query, (page - 1) * PAGE_SIZE, PAGE_SIZE).await?),
        Err(_) => None,
    };
    let (agreements, kiosks) = (dash.store.agreements().await?, dash.store.kiosk_statuses().await?);
    let problem = query.as_ref().err().map(ToString::to_string);
    let links = filters.query_string();
    let body = html! {
        h1 { "Signed agreements" }
        form.filters method="get" action="/records" role="search" aria-label="Find records" {
            div { label for="f-name" { "Name" } input #f-name type="text" name="name" value=(filters.name); }
            div { label for="f-org" { "Organisation" } input #f-org type="text" name="organisation" value=(filters.organisation); }
            div {
                label for="f-role" { "Role" }
                select #f-role name="role" {
                    option value="" { "Any role" }
                    @for role in DEFAULT_ROLES { option value=(role) selected[filters.role == role] { (role) } }
                }
            }
            div { label for="f-from" { "Signed from" } input #f-from type="date" name="from" value=(filters.from); }
            div { label for="f-to" { "Signed to" } input #f-to type="date" name="to" value=(filters.to); }
            div {
                label for="f-agreement" { "Agreement version" }
                select #f-agreement name="agreement" {
                    option value="" { "Any version" }
                    @for (a, count) in &agreements {
                        option value=(a.hash.to_hex()) selected[filters.agreement == a.hash.to_hex()] { (a.title) " · received " (&a.received_at[..10.min(a.received_at.len())]) " · " (count) " signed" }
                    }
                }
            }
            div {
                label for="f-kiosk" { "Kiosk" }
                select #f-kiosk name="kiosk" {
                    option value="" { "Any kiosk" }
                    @for k in &kiosks { option value=(k.device_id) selected[filters.kiosk == k.device_id.to_string()] { (kiosk_label(k.name.as_deref(), &k.device_id)) } }
                }
            }
            div { button type="submit" { "Search" } " " a.button.secondary href="/records" { "Clear" } }
        }
        @if let Some(problem) = &problem { p.problem role="alert" { (problem) } }
        @if let Some(results) = &results {
            div.actions {
                p { strong { (results.total) } " record" @if results.total != 1 { "s" } " found." }
                a.button.secondary href={ "/export/records.csv?" (links) } download { "Download CSV" }
                a.button.secondary href={ "/export/records.xlsx?" (links) } download { "Download spreadsheet (.xlsx)" }
                a.button.secondary href={ "/export/evidence.zip?" (links) } download { "Download evidence pack (ZIP)" }
            }
            (damaged_notice(&results.damaged))
            @if results.records.is_empty() && results.damaged.is_empty() {
                p { "No record matches. Names match without regard to capitals, accents or extra spaces; try part of a name." }
            } @else if !results.records.is_empty() {
                div.table-wrap { (record_table(&results.records)) }
                (pager(page, results.total, &links))
            }
        }
    };
    Ok(layout::page(&dash.school, "Records", Some(&staff), "/records", body).into_response())
}

fn record_table(records: &[StoredRecord]) -> Markup {
    html! {
        table {
            caption.visually-hidden { "Matching records, newest first" }
            thead { tr { th scope="col" { "Signed (kiosk time)" } th scope="col" { "Name" } th scope="col" { "Organisation" } th scope="col" { "Role" } th scope="col" { "Kiosk" } th scope="col" { "Reference" } } }
            tbody {
                @for r in records {
                    @let h = &r.record.header;
                    tr {
                        td { (local_time(&r.record)) }
                        td {
                            a href={ "/records/" (h.device_id) "/" (h.seq) } {
                                @match &r.record.personal { Some(p) => (p.name), None => em { "erased" } }
                            }
                        }
                        td { @if let Some((org, _)) = r.record.personal.as_ref().and_then(|p| p.organisation.as_ref()) { (org) } }
                        td { (h.role) }
                        td { (kiosk_label(r.kiosk_name.as_deref(), &h.device_id)) " #" (h.seq) }
                        td.hash { (r.record.reference()) }
                    }
                }
            }
        }
    }
}

fn pager(page: u64, total: u64, links: &str) -> Markup {
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let sep = if links.is_empty() { "" } else { "&" };
    html! {
        nav.pager aria-label="Pages of results" {
            @if page > 1 { a href={ "/records?" (links) (sep) "page=" (page - 1) } rel="prev" { "Previous page" } }
            span { "Page " (page) " of " (pages) }
            @if page < pages { a href={ "/records?" (links) (sep) "page=" (page + 1) } rel="next" { "Next page" } }
        }
    }
}

pub(super) async fn show(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path((device, seq)): Path<(Uuid, u64)>,
) -> Result<Response, PageError> {
    let store = &dash.store;
    let record = match store.stored_record(device, seq).await {
        Ok(record) => record.ok_or(OfficeError::NotFound)?,
        Err(OfficeError::DamagedRecord { detail, .. }) => return damaged_page(&dash, &staff, device, seq, &detail),
        Err(error) => return Err(error.into()),
    };
    let agreement = store.agreement(&record.record.header.agreement_hash).await?;
    let checkpoint = store.checkpoint_covering(device, seq).await?;
    let erasure = store.erasure_status(device, seq).await?;
    let signed_erasure = store.office_erasure(device, seq).await?;
    let (verified_at, reports) = chain_reports(&dash, false).await?;
    let report = reports.iter().find(|r| r.device_id == device);
    let h = &record.record.header;
    let name = record.record.personal.as_ref().map(|p| p.name.clone());
    let title = name.clone().unwrap_or_else(|| format!("Erased record {}", h.seq));
    let body = html! {
        p { a href="/records" { "← All records" } }
        h1 { "Signed by " @match &name { Some(n) => (n), None => "(erased)" } }
        div.actions {
            a.button href={ "/records/" (device) "/" (seq) "/evidence.pdf" } download { "Download evidence (PDF)" }
        }
        dl.fields {
            dt { "Name" } dd { @match &name { Some(n) => (n), None => em { "erased" } } }
            dt { "Organisation" } dd { @match record.record.personal.as_ref().and_then(|p| p.organisation.as_ref()) { Some((o, _)) => (o), None => "—" } }
            dt { "Role" } dd { (h.role) }
            dt { "Signed (kiosk time)" } dd { (local_time(&record.record)) }
            dt { "Signed (UTC)" } dd { (utc_time(&record.record)) }
            dt { "Received by the office" } dd { (record.received_at) }
            dt { "Kiosk" } dd { (kiosk_label(record.kiosk_name.as_deref(), &h.device_id)) br; code { (h.device_id) } }
            dt { "Sequence" } dd { (h.seq) }
            dt { "Reference" } dd.hash { (record.record.reference()) }
            dt { "Record hash" } dd.hash { (record.record.hash.to_hex()) }
            dt { "Previous record's hash" } dd.hash { (h.prev_hash.to_hex()) }
            dt { "Agreement version" } dd {
                @match &agreement { Some(a) => { a href={ "/agreements/" (a.hash.to_hex()) } { (a.title) } br; } None => {} }
                span.hash { (h.agreement_hash.to_hex()) }
            }
            dt { "Chain" } dd {
                @match report {
                    Some(r) if r.problem.is_none() => { span.ok { "Intact: all " (r.records) " records of this kiosk verify" } " (checked " (verified_at) ")" },
                    Some(r) => span.bad { "BROKEN: " (r.problem.as_ref().map(ToString::to_string).unwrap_or_default()) },
                    None => "not verified yet",
                }
                br;
                @match checkpoint {
                    Some(cp) => { "Signed by the kiosk's key in its checkpoint at record " (cp) "." }
                    None => { "Not yet covered by a kiosk-signed checkpoint." }
                }
            }
        }
        h2 { "Signature" }
        @match &record.erasure {
            Some(e) => div.notice {
                p { "The personal data of this record was erased on " (e.erased_at.format("%Y-%m-%d")) ": " (e.reason) ". Its hashes remain, so the chain still verifies." }
                @match &erasure {
                    Some(status) if status.origin == "office" => p {
                        "Erased here by " (status.erased_by.as_deref().unwrap_or("staff")) ". "
                        @match &status.kiosk_confirmed_at {
                            Some(at) => { "The kiosk erased its own copy too (confirmed " (at) ") and recorded it in its signed chain." }
                            None => { "The kiosk will erase its own copy the next time it syncs, and record that in its signed chain." }
                        }
                        @match &signed_erasure {
                            Some(log) => {
                                " The office's signed erasure log holds it, signed with the key of the office certificate "
                                span.hash { (log.certificate_sha256) } "."
                            }
                            None => { " It is not yet in the office's signed erasure log." }
                        }
                    },
                    _ => p { "Erased at the kiosk by its administrator." },
                }
            },
            None => img.signature src={ "/records/" (device) "/" (seq) "/signature.png" } alt={ "Signature of " (name.as_deref().unwrap_or("the signer")) } width="600";
        }
        h2 { "The agreement as signed" }
        @match &agreement {
            Some(a) => div.agreement tabindex="0" role="region" aria-label="Agreement text" { (agreement_body(&a.text, 2)) },
            None => p.notice { "The office does not hold the text of this version yet. It arrives with the kiosk's next sync." },
        }
        @if record.erasure.is_none() && staff.can(Permission::Privacy) {
            h2 { "Erase this person's data" }
            form method="post" action={ "/records/" (device) "/" (seq) "/erase" } {
                (csrf(&staff))
                p.hint { "Only after a valid erasure request or at the end of the retention period. The record stays as a tombstone so the chain still verifies; this cannot be undone." }
                label for="reason" { "Reason (written to the audit log)" }
                input #reason type="text" name="reason" required maxlength="500";
                " "
                button.danger type="submit" { "Erase" }
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
    let title = format!("Damaged record {seq}");
    let body = html! {
        p { a href="/records" { "← All records" } }
        h1 { (title) }
        p.problem role="alert" { "Record " (seq) " of kiosk " code { (device) } " is damaged in the office database: " (detail) "." }
        p { "It cannot be shown or exported. The office database was changed outside Signbook, or the disk is failing. "
            a href="/integrity" { "Check every chain on the Integrity page" } ", and restore the office database from a backup (" code { "signbook-office backup" } "). The kiosk still holds its own copy." }
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
    _staff: Staff,
    Path((device, seq)): Path<(Uuid, u64)>,
) -> Result<Response, PageError> {
    let record = dash.store.stored_record(device, seq).await?.ok_or(OfficeError::NotFound)?;
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
        p { a href="/records" { "← All records" } }
        h1 { (agreement.title) }
        dl.fields {
            dt { "Received by the office" } dd { (agreement.received_at) }
            dt { "Published (the kiosk's own date, not relied on)" } dd { (agreement.published_at) }
            dt { "Version (SHA-256 of the text)" } dd.hash { (agreement.hash.to_hex()) }
        }
        p { a href={ "/records?agreement=" (agreement.hash.to_hex()) } { "Records that name this version" } }
        div.agreement tabindex="0" role="region" aria-label="Agreement text" { (agreement_body(&agreement.text, 1)) }
    };
    Ok(layout::page(&dash.school, &agreement.title, Some(&staff), "/records", body).into_response())
}
