//! Downloads: a record's PDF evidence page, the CSV and the ZIP evidence
//! pack of a search, and a subject-access pack of everything held about
//! one person. Each is written to the audit log.

use std::io::Write;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use signbook_core::export::{CsvWriter, export_row};
use uuid::Uuid;

use super::integrity::chain_reports;
use super::page_error::{PageError, off_the_runtime};
use super::records::Filters;
use super::session::Staff;
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::evidence::{self, MAX_SPREADSHEET_ROWS, OfficeStatementInput, PackInput};
use crate::i18n::{t, tf, with_language};
use crate::store::{RecordQuery, Scope, SiteId, StoredAgreement, StoredRecord, fold};

/// Most records in one evidence pack (one PDF each): about a minute of
/// rendering on a small server. Narrow the search for more.
pub const MAX_PACK_RECORDS: u64 = 5_000;

pub(super) fn attachment(content_type: &'static str, filename: String, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    ([(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

fn evidence_error(error: evidence::EvidenceError) -> OfficeError {
    OfficeError::Internal(format!("the export could not be made: {error}"))
}

pub(super) async fn record_pdf(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Path((device, seq)): Path<(Uuid, u64)>,
) -> Result<Response, PageError> {
    let record = dash.store.stored_record(staff.scope(), device, seq).await?.ok_or(OfficeError::NotFound)?;
    let (_, chains) = chain_reports(&dash, false).await?;
    let agreement = dash.store.agreement(&record.record.header.agreement_hash).await?;
    let chain = chains.into_iter().find(|c| c.device_id == device).ok_or(OfficeError::NotFound)?;
    let site = dash.store.kiosk_site(device).await?;
    let (school, reference) = (school_name(&dash, site).await?, record.record.reference());
    let lang = dash.store.export_language().await?;
    let pdf = off_the_runtime(move || {
        with_language(lang, || evidence::record_pdf(&school, &record, agreement.as_ref(), &chain))
            .map_err(evidence_error)
    })
    .await?;
    dash.store.audit_for(site, staff.name(), "export_pdf", &format!("kiosk {device} record {seq}"), Utc::now()).await?;
    Ok(attachment("application/pdf", format!("signbook-{reference}.pdf"), pdf))
}

/// The school named on an export: `site`'s name when the office holds
/// several schools, else the office's own school name.
async fn school_name(dash: &SharedDashboard, site: Option<SiteId>) -> Result<String, OfficeError> {
    let sites = dash.store.sites().await?;
    Ok(match site {
        Some(site) if sites.len() > 1 => sites.into_iter().find(|s| s.id == site).map(|s| s.name),
        _ => None,
    }
    .unwrap_or_else(|| dash.school.clone()))
}

/// The chain reports of the kiosks `scope` covers: a pack names no other school's kiosk.
async fn scoped_reports(
    dash: &SharedDashboard,
    scope: &Scope,
    fresh: bool,
) -> Result<Vec<signbook_core::verify::VerifyReport>, PageError> {
    let (_, mut reports) = chain_reports(dash, fresh).await?;
    if !scope.is_trust() {
        let kiosks = dash.store.kiosk_statuses(scope).await?;
        reports.retain(|r| kiosks.iter().any(|k| k.device_id == r.device_id));
    }
    Ok(reports)
}

/// Every agreement version the office holds.
async fn all_agreements(dash: &SharedDashboard) -> Result<Vec<StoredAgreement>, OfficeError> {
    Ok(dash.store.agreements(&Scope::Trust).await?.into_iter().map(|(a, _)| a).collect())
}

pub(super) async fn csv(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let query = filters.query()?;
    let titles = evidence::agreement_titles(&all_agreements(&dash).await?);
    let headings = with_language(dash.store.export_language().await?, evidence::csv_headings);
    let mut bytes = Vec::new();
    let mut csv = CsvWriter::with_headings(&mut bytes, &headings).map_err(|e| OfficeError::Internal(e.to_string()))?;
    let scope = staff.scope().narrowed_to(query.site);
    let mut records = dash.store.matching_records(&scope, &query, false).await?;
    while let Some(r) = records.next().await {
        let r = r?;
        let title = titles.get(&r.record.header.agreement_hash).map_or("", String::as_str);
        csv.write(&r.record, title).map_err(|e| OfficeError::Internal(e.to_string()))?;
    }
    let count = csv.finish().map_err(|e| OfficeError::Internal(e.to_string()))?;
    let detail = format!("{count} records: {}", query.describe());
    dash.store.audit_for(scope.single(), staff.name(), "export_csv", &detail, Utc::now()).await?;
    Ok(attachment("text/csv; charset=utf-8", format!("signbook-records-{}.csv", Utc::now().format("%Y-%m-%d")), bytes))
}

/// The same records as [`csv`], as a spreadsheet that opens without an
/// import dialog (see `evidence::RecordsSheet`): the same filters, the same
/// rows ([`export_row`]), audited the same way with the format named.
pub(super) async fn xlsx(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let query = filters.query()?;
    let scope = staff.scope().narrowed_to(query.site);
    let count = dash.store.count_matching(&scope, &query).await?;
    if count > MAX_SPREADSHEET_ROWS {
        let most = MAX_SPREADSHEET_ROWS;
        return Err(
            OfficeError::InputInvalid(tf("exports.too_many_rows", &[("count", &count), ("most", &most)])).into()
        );
    }
    let titles = evidence::agreement_titles(&all_agreements(&dash).await?);
    // Rows, not records, are kept until the sheet is written: the sheet
    // needs nothing else, and its building waits for the blocking pool.
    let mut rows = Vec::with_capacity(count as usize);
    let mut records = dash.store.matching_records(&scope, &query, false).await?;
    while let Some(r) = records.next().await {
        let r = r?;
        rows.push(export_row(&r.record, titles.get(&r.record.header.agreement_hash).map_or("", String::as_str)));
    }
    let lang = dash.store.export_language().await?;
    let (count, bytes) = off_the_runtime(move || {
        let mut sheet = with_language(lang, evidence::RecordsSheet::new).map_err(spreadsheet_error)?;
        for row in rows {
            sheet.push(row).map_err(spreadsheet_error)?;
        }
        sheet.finish().map_err(spreadsheet_error)
    })
    .await?;
    let detail = format!("{count} records as a spreadsheet (.xlsx): {}", query.describe());
    dash.store.audit_for(scope.single(), staff.name(), "export_xlsx", &detail, Utc::now()).await?;
    Ok(attachment(XLSX, format!("signbook-records-{}.xlsx", Utc::now().format("%Y-%m-%d")), bytes))
}

pub(super) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(super) fn spreadsheet_error(error: rust_xlsxwriter::XlsxError) -> OfficeError {
    OfficeError::Internal(format!("the spreadsheet could not be made: {error}"))
}

/// Writes the evidence pack of `records` to memory, off the request threads.
/// The office statement in it is signed with the office certificate's key.
async fn pack_bytes(
    dash: &SharedDashboard,
    description: String,
    records: Vec<StoredRecord>,
    agreements: Vec<StoredAgreement>,
    chains: Vec<signbook_core::verify::VerifyReport>,
    query: &RecordQuery,
    scope: &Scope,
) -> Result<Vec<u8>, PageError> {
    let held = evidence::HeldChains::read(&*dash.store, query, &records).await?;
    let (school, signer) = (school_name(dash, scope.single()).await?, dash.signer.clone());
    let lang = dash.store.export_language().await?;
    off_the_runtime(move || {
        let mut out = std::io::Cursor::new(Vec::new());
        let input = PackInput {
            school: &school,
            filter: &description,
            generated_at: Utc::now(),
            records: &records,
            agreements: &agreements,
            chains: &chains,
            office: Some(OfficeStatementInput { signer: &signer, held: &held }),
        };
        with_language(lang, || evidence::write_pack(&mut out, &input)).map_err(evidence_error)?;
        out.flush().map_err(|e| OfficeError::Internal(e.to_string()))?;
        Ok(out.into_inner())
    })
    .await
}

pub(super) async fn pack(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let query = filters.query()?;
    let scope = staff.scope().narrowed_to(query.site);
    // A pack is evidence: check the chains now, not from the last check.
    let chains = scoped_reports(&dash, &scope, true).await?;
    let count = dash.store.count_matching(&scope, &query).await?;
    if count > MAX_PACK_RECORDS {
        let most = MAX_PACK_RECORDS;
        return Err(
            OfficeError::InputInvalid(tf("exports.too_many_records", &[("count", &count), ("most", &most)])).into()
        );
    }
    let mut records = Vec::with_capacity(count as usize);
    let mut stream = dash.store.matching_records(&scope, &query, true).await?;
    while let Some(r) = stream.next().await {
        records.push(r?);
    }
    let detail = format!("{} records: {}", records.len(), query.describe());
    let agreements = all_agreements(&dash).await?;
    let bytes = pack_bytes(&dash, query.describe(), records, agreements, chains, &query, &scope).await?;
    dash.store.audit_for(scope.single(), staff.name(), "export_pack", &detail, Utc::now()).await?;
    Ok(attachment("application/zip", format!("signbook-evidence-{}.zip", Utc::now().format("%Y-%m-%d")), bytes))
}

#[derive(Debug, Deserialize)]
pub(super) struct Person {
    #[serde(default)]
    name: String,
}

pub(super) async fn subject_access(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(person): Query<Person>,
) -> Result<Response, PageError> {
    let name = person.name.trim().to_owned();
    if fold(&name).is_empty() {
        return Err(OfficeError::InputInvalid(t("privacy.error_no_name").into()).into());
    }
    let scope = staff.scope().clone();
    let chains = scoped_reports(&dash, &scope, true).await?;
    // Everything held under this exact name (ignoring case, accents and spacing).
    let key = fold(&name);
    let mut records = Vec::new();
    let by_name = RecordQuery { name: name.clone(), ..Default::default() };
    let mut stream = dash.store.matching_records(&scope, &by_name, true).await?;
    while let Some(r) = stream.next().await {
        let r = r?;
        if r.record.personal.as_ref().is_some_and(|p| fold(&p.name) == key) {
            records.push(r);
        }
    }
    let description = format!("subject access request: every record held under the name \"{name}\"");
    let detail = format!("{} records held under \"{name}\"", records.len());
    let agreements = all_agreements(&dash).await?;
    let bytes = pack_bytes(&dash, description, records, agreements, chains, &by_name, &scope).await?;
    dash.store.audit_for(scope.single(), staff.name(), "subject_access", &detail, Utc::now()).await?;
    Ok(attachment("application/zip", format!("signbook-subject-access-{}.zip", Utc::now().format("%Y-%m-%d")), bytes))
}
