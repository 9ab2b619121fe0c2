//! Downloads: a record's PDF evidence page, the CSV and the ZIP evidence
//! pack of a search, and a subject-access pack of everything held about
//! one person. Each is written to the audit log.

use std::io::Write;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use signbook_core::export::CsvWriter;
use uuid::Uuid;

use super::integrity::chain_reports;
use super::records::Filters;
use super::{PageError, SharedDashboard, Staff, with_db};
use crate::error::OfficeError;
use crate::evidence::{self, PackInput};
use crate::store::{RecordQuery, StoredRecord, fold};

/// Most records in one evidence pack (one PDF each): about a minute of
/// rendering on a small server. Narrow the search for more.
pub const MAX_PACK_RECORDS: u64 = 5_000;

fn attachment(content_type: &'static str, filename: String, bytes: Vec<u8>) -> Response {
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
    let (_, chains) = chain_reports(&dash, false).await?;
    let (school, who) = (dash.school.clone(), staff.name().to_owned());
    let (pdf, reference) = with_db(&dash, move |db| {
        let record = db.stored_record(device, seq)?.ok_or(OfficeError::NotFound)?;
        let agreement = db.agreement(&record.record.header.agreement_hash)?;
        let chain = chains.iter().find(|c| c.device_id == device).ok_or(OfficeError::NotFound)?;
        let pdf = evidence::record_pdf(&school, &record, agreement.as_ref(), chain).map_err(evidence_error)?;
        db.audit(&who, "export_pdf", &format!("kiosk {device} record {seq}"), Utc::now())?;
        Ok((pdf, record.record.reference()))
    })
    .await?;
    Ok(attachment("application/pdf", format!("signbook-{reference}.pdf"), pdf))
}

pub(super) async fn csv(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let query = filters.query()?;
    let who = staff.name().to_owned();
    let bytes = with_db(&dash, move |db| {
        let titles = evidence::agreement_titles(&db.agreements()?.into_iter().map(|(a, _)| a).collect::<Vec<_>>());
        let mut bytes = Vec::new();
        let mut csv = CsvWriter::new(&mut bytes).map_err(|e| OfficeError::Internal(e.to_string()))?;
        db.for_each_matching(&query, false, |r| {
            let title = titles.get(&r.record.header.agreement_hash).map_or("", String::as_str);
            csv.write(&r.record, title).map_err(|e| OfficeError::Internal(e.to_string()))
        })?;
        let count = csv.finish().map_err(|e| OfficeError::Internal(e.to_string()))?;
        db.audit(&who, "export_csv", &format!("{count} records: {}", query.describe()), Utc::now())?;
        Ok(bytes)
    })
    .await?;
    Ok(attachment("text/csv; charset=utf-8", format!("signbook-records-{}.csv", Utc::now().format("%Y-%m-%d")), bytes))
}

/// Writes the evidence pack of `records` to memory.
fn pack_bytes(
    school: &str,
    description: &str,
    records: &[StoredRecord],
    db: &crate::SqliteStore,
    chains: &[signbook_core::verify::VerifyReport],
) -> Result<Vec<u8>, OfficeError> {
    let agreements: Vec<_> = db.agreements()?.into_iter().map(|(a, _)| a).collect();
    let mut out = std::io::Cursor::new(Vec::new());
    let input =
        PackInput { school, filter: description, generated_at: Utc::now(), records, agreements: &agreements, chains };
    evidence::write_pack(&mut out, &input).map_err(evidence_error)?;
    out.flush().map_err(|e| OfficeError::Internal(e.to_string()))?;
    Ok(out.into_inner())
}

pub(super) async fn pack(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let query = filters.query()?;
    // A pack is evidence: check the chains now, not from the last check.
    let (_, chains) = chain_reports(&dash, true).await?;
    let (school, who) = (dash.school.clone(), staff.name().to_owned());
    let bytes = with_db(&dash, move |db| {
        let count = db.count_matching(&query)?;
        if count > MAX_PACK_RECORDS {
            return Err(OfficeError::InputInvalid(format!(
                "{count} records match; an evidence pack holds at most {MAX_PACK_RECORDS}. Narrow the search (for example by date), or download the CSV"
            )));
        }
        let mut records = Vec::with_capacity(count as usize);
        db.for_each_matching(&query, true, |r| {
            records.push(r);
            Ok(())
        })?;
        let bytes = pack_bytes(&school, &query.describe(), &records, db, &chains)?;
        db.audit(&who, "export_pack", &format!("{} records: {}", records.len(), query.describe()), Utc::now())?;
        Ok(bytes)
    })
    .await?;
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
        return Err(OfficeError::InputInvalid("type the person's name".into()).into());
    }
    let (_, chains) = chain_reports(&dash, true).await?;
    let (school, who) = (dash.school.clone(), staff.name().to_owned());
    let bytes = with_db(&dash, move |db| {
        // Everything held under this exact name (ignoring case, accents and spacing).
        let key = fold(&name);
        let mut records = Vec::new();
        db.for_each_matching(&RecordQuery { name: name.clone(), ..Default::default() }, true, |r| {
            if r.record.personal.as_ref().is_some_and(|p| fold(&p.name) == key) {
                records.push(r);
            }
            Ok(())
        })?;
        let description = format!("subject access request: every record held under the name \"{name}\"");
        let bytes = pack_bytes(&school, &description, &records, db, &chains)?;
        db.audit(&who, "subject_access", &format!("{} records held under \"{name}\"", records.len()), Utc::now())?;
        Ok(bytes)
    })
    .await?;
    Ok(attachment("application/zip", format!("signbook-subject-access-{}.zip", Utc::now().format("%Y-%m-%d")), bytes))
}
