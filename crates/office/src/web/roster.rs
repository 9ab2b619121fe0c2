//! The compliance roster: import the school's list of staff and governors,
//! see who has not signed the current version for their role, export it.

use axum::extract::{Multipart, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use signbook_core::export::neutralise_formula;

use super::exports::{XLSX, spreadsheet_error};
use super::layout::{self, csrf};
use super::page_error::{PageError, off_the_runtime};
use super::session::Staff;
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::evidence::{Cell, Spreadsheet};
use crate::store::{RosterStatus, parse_roster};

/// Largest roster file accepted.
const MAX_ROSTER_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Deserialize)]
pub(super) struct RosterView {
    #[serde(default)]
    show: String,
    #[serde(default)]
    imported: Option<usize>,
}

pub(super) async fn page(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(view): Query<RosterView>,
) -> Result<Response, PageError> {
    let rows = dash.store.roster_status().await?;
    let not_adopted = super::agreements::not_adopted_notice(&dash, &staff).await?;
    let outstanding_only = view.show == "outstanding";
    let count = |f: fn(&RosterStatus) -> bool| rows.iter().filter(|(_, s)| f(s)).count();
    let signed = count(|s| matches!(s, RosterStatus::Signed { .. }));
    let outstanding = count(|s| matches!(s, RosterStatus::Outstanding { .. }));
    let ambiguous = count(|s| matches!(s, RosterStatus::Ambiguous { .. }));
    let body = html! {
        h1 { "Compliance roster" }
        (not_adopted)
        @if let Some(n) = view.imported { p.notice role="status" { "Imported " (n) " people. The roster below replaces the previous one." } }
        p { "Who on the school's list has not yet signed the current agreement for their role. Names match without regard to capitals, accents or extra spaces; anything less certain is shown for you to check, never counted as signed." }
        @if rows.is_empty() {
            p { "No roster yet. Import one below." }
        } @else {
            ul {
                li { strong { (signed) } " signed the current version" }
                li { strong { (outstanding) } " still to sign" }
                @if ambiguous > 0 { li { strong { (ambiguous) } " to check by hand (the roster has the same name twice for one role)" } }
            }
            div.actions {
                @if outstanding_only { a href="/roster" { "Show everyone" } } @else { a href="/roster?show=outstanding" { "Show only who still has to sign" } }
                a.button.secondary href="/roster/outstanding.csv" download { "Outstanding list (CSV)" }
                a.button.secondary href="/roster/outstanding.xlsx" download { "Outstanding list (.xlsx)" }
            }
            div.table-wrap {
                table {
                    caption { @if outstanding_only { "People who still have to sign" } @else { "Everyone on the roster" } }
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Role" } th scope="col" { "Status" } } }
                    tbody {
                        @for (entry, status) in rows.iter().filter(|(_, s)| !outstanding_only || !matches!(s, RosterStatus::Signed { .. })) {
                            tr {
                                td { (entry.name) }
                                td { (entry.role) }
                                td {
                                    @match status {
                                        RosterStatus::Signed { device_id, seq, signed_at } => { span.ok { "Signed" } " " a href={ "/records/" (device_id) "/" (seq) } { (&signed_at[..10.min(signed_at.len())]) } }
                                        RosterStatus::Outstanding { possible } => {
                                            span.bad { "Not signed" }
                                            @if !possible.is_empty() { br; "Possibly signed as: " (possible.join(", ")) " (check, then fix the roster)" }
                                        }
                                        RosterStatus::Ambiguous { with } => { span.bad { "Check by hand" } br; "Same name as: " (with.join(", ")) }
                                        RosterStatus::NoAgreement => { "The office has no agreement for this role yet" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Import a roster" }
        form method="post" action="/roster" enctype="multipart/form-data" {
            (csrf(&staff))
            p.hint { "A CSV file (\"CSV UTF-8\" from Excel) whose first line names the columns: " code { "name" } ", " code { "role" } " (staff, governor, ...) and optionally " code { "email" } ". It replaces the current roster; nothing is imported if any line is wrong." }
            label for="roster-file" { "Roster file" }
            input #roster-file type="file" name="roster" accept=".csv,text/csv" required;
            " "
            button type="submit" { "Import" }
        }
    };
    Ok(layout::page(&dash.school, "Roster", Some(&staff), "/roster", body).into_response())
}

pub(super) async fn import(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let (mut token, mut file) = (None, None);
    let bad = |e: axum::extract::multipart::MultipartError| {
        OfficeError::InputInvalid(format!("the upload could not be read ({e}); try again"))
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name() {
            Some("csrf") => token = Some(field.text().await.map_err(bad)?),
            Some("roster") => {
                let bytes = field.bytes().await.map_err(bad)?;
                if bytes.len() > MAX_ROSTER_BYTES {
                    return Err(OfficeError::InputInvalid(
                        "the roster file is larger than 2 MB; is it the right file?".into(),
                    )
                    .into());
                }
                file = Some(bytes);
            }
            _ => {}
        }
    }
    staff.check_csrf(token.as_deref().unwrap_or(""))?;
    let file = file.ok_or_else(|| OfficeError::InputInvalid("choose a roster file to import".into()))?;
    let entries = parse_roster(&file)?;
    dash.store.replace_roster(&entries, staff.name(), Utc::now()).await?;
    let count = entries.len();
    Ok(Redirect::to(&format!("/roster?imported={count}")).into_response())
}

const OUTSTANDING_COLUMNS: [&str; 5] = ["name", "role", "email", "status", "possible_matches"];

/// The roster's outstanding list: everyone not counted as signed, as the
/// cells of [`OUTSTANDING_COLUMNS`]. Audited, since it names people.
async fn outstanding_rows(dash: &SharedDashboard, staff: &Staff, format: &str) -> Result<Vec<[String; 5]>, PageError> {
    let rows = dash.store.roster_status().await?;
    let detail = format!("the roster's outstanding list ({format})");
    dash.store.audit(staff.name(), "export_outstanding", &detail, Utc::now()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(entry, status)| {
            let (status, note) = match status {
                RosterStatus::Signed { .. } => return None,
                RosterStatus::Outstanding { possible } => ("not signed", possible.join("; ")),
                RosterStatus::Ambiguous { with } => ("check by hand", with.join("; ")),
                RosterStatus::NoAgreement => ("no agreement for this role yet", String::new()),
            };
            Some([entry.name, entry.role, entry.email.unwrap_or_default(), status.to_owned(), note])
        })
        .collect())
}

fn download(content_type: &str, extension: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"outstanding-{}.{extension}\"", Utc::now().format("%Y-%m-%d"));
    ([(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

pub(super) async fn outstanding_csv(State(dash): State<SharedDashboard>, staff: Staff) -> Result<Response, PageError> {
    let rows = outstanding_rows(&dash, &staff, "CSV").await?;
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut csv = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        let io = |e: csv::Error| OfficeError::Internal(e.to_string());
        csv.write_record(OUTSTANDING_COLUMNS).map_err(io)?;
        for cells in rows {
            csv.write_record(cells.iter().map(|c| neutralise_formula(c).into_owned())).map_err(io)?;
        }
        csv.flush().map_err(|e| OfficeError::Internal(e.to_string()))?;
    }
    Ok(download("text/csv; charset=utf-8", "csv", out))
}

pub(super) async fn outstanding_xlsx(State(dash): State<SharedDashboard>, staff: Staff) -> Result<Response, PageError> {
    let rows = outstanding_rows(&dash, &staff, "spreadsheet").await?;
    let bytes = off_the_runtime(move || {
        let mut sheet = Spreadsheet::new("Outstanding", &OUTSTANDING_COLUMNS).map_err(spreadsheet_error)?;
        for cells in rows {
            sheet.push(&cells.map(Cell::Text)).map_err(spreadsheet_error)?;
        }
        sheet.finish().map_err(spreadsheet_error)
    })
    .await?;
    Ok(download(XLSX, "xlsx", bytes))
}
