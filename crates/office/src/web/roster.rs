//! The compliance roster: import a school's list of staff and governors,
//! see who has not signed the current version for their role, export it.
//! Each school has its own; staff of several schools choose which.

use axum::extract::{Multipart, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use signbook_core::export::neutralise_formula;

use super::exports::{XLSX, spreadsheet_error};
use super::layout::{self, csrf, signer_role};
use super::page_error::{PageError, off_the_runtime};
use super::schools::{chosen_site, school_select};
use super::session::Staff;
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::evidence::{Cell, Spreadsheet};
use crate::i18n::{Lang, t, tf, tm};
use crate::store::{RosterStatus, parse_roster};

/// Largest roster file accepted.
const MAX_ROSTER_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Deserialize)]
pub(super) struct RosterView {
    #[serde(default)]
    show: String,
    #[serde(default)]
    imported: Option<usize>,
    /// The school's number; none: the first the account sees.
    #[serde(default)]
    school: String,
}

/// The school of an outstanding list.
#[derive(Debug, Deserialize)]
pub(super) struct SchoolChoice {
    #[serde(default)]
    school: String,
}

pub(super) async fn page(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(view): Query<RosterView>,
) -> Result<Response, PageError> {
    let (sites, site) = chosen_site(&dash, &staff, &view.school).await?;
    let rows = dash.store.roster_status(site).await?;
    let school_name = sites.iter().find(|s| s.id == site).map_or("", |s| s.name.as_str());
    let not_adopted = super::agreements::not_adopted_notice(&dash, &staff).await?;
    let outstanding_only = view.show == "outstanding";
    let count = |f: fn(&RosterStatus) -> bool| rows.iter().filter(|(_, s)| f(s)).count();
    let signed = count(|s| matches!(s, RosterStatus::Signed { .. }));
    let outstanding = count(|s| matches!(s, RosterStatus::Outstanding { .. }));
    let ambiguous = count(|s| matches!(s, RosterStatus::Ambiguous { .. }));
    let body = html! {
        h1 { (t("roster.title")) }
        (not_adopted)
        @if let Some(n) = view.imported { p.notice role="status" { (tf("roster.imported", &[("count", &n)])) } }
        p { (t("roster.intro")) }
        @if sites.len() > 1 {
            form.inline method="get" action="/roster" {
                (school_select("roster-school", &sites, &site.to_string(), None))
                " " button.secondary type="submit" { (t("schools.show")) }
            }
            p { (tf("roster.of_school", &[("school", &school_name)])) }
        }
        @if rows.is_empty() {
            p { (t("roster.empty")) }
        } @else {
            ul {
                li { (tm("roster.signed_count", &[("count", html! { strong { (signed) } })])) }
                li { (tm("roster.outstanding_count", &[("count", html! { strong { (outstanding) } })])) }
                @if ambiguous > 0 { li { (tm("roster.ambiguous_count", &[("count", html! { strong { (ambiguous) } })])) } }
            }
            div.actions {
                @if outstanding_only { a href={ "/roster?school=" (site) } { (t("roster.show_everyone")) } } @else { a href={ "/roster?show=outstanding&school=" (site) } { (t("roster.show_outstanding")) } }
                a.button.secondary href={ "/roster/outstanding.csv?school=" (site) } download { (t("roster.outstanding_csv")) }
                a.button.secondary href={ "/roster/outstanding.xlsx?school=" (site) } download { (t("roster.outstanding_xlsx")) }
            }
            div.table-wrap {
                table {
                    caption { @if outstanding_only { (t("roster.caption_outstanding")) } @else { (t("roster.caption_everyone")) } }
                    thead { tr { th scope="col" { (t("field.name")) } th scope="col" { (t("field.role")) } th scope="col" { (t("accounts.status")) } } }
                    tbody {
                        @for (entry, status) in rows.iter().filter(|(_, s)| !outstanding_only || !matches!(s, RosterStatus::Signed { .. })) {
                            tr {
                                td { (entry.name) }
                                td { (signer_role(&entry.role)) }
                                td {
                                    @match status {
                                        RosterStatus::Signed { device_id, seq, signed_at } => { span.ok { (t("roster.signed")) } " " a href={ "/records/" (device_id) "/" (seq) } { (&signed_at[..10.min(signed_at.len())]) } }
                                        RosterStatus::Outstanding { possible } => {
                                            span.bad { (t("roster.not_signed")) }
                                            @if !possible.is_empty() { br; (tf("roster.possibly", &[("names", &possible.join(", "))])) }
                                        }
                                        RosterStatus::Ambiguous { with } => { span.bad { (t("roster.check_by_hand")) } br; (tf("roster.same_name", &[("names", &with.join(", "))])) }
                                        RosterStatus::NoAgreement => { (t("roster.no_agreement")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t("roster.import_heading")) }
        form method="post" action="/roster" enctype="multipart/form-data" {
            (csrf(&staff))
            input type="hidden" name="school" value=(site);
            p.hint { (tm("roster.import_hint", &[("name", html! { code { "name" } }), ("role", html! { code { "role" } }), ("email", html! { code { "email" } })])) }
            label for="roster-file" { (t("roster.file")) }
            input #roster-file type="file" name="roster" accept=".csv,text/csv" required;
            " "
            button type="submit" { (t("roster.import")) }
        }
    };
    Ok(layout::page(&dash.school, t("nav.roster"), Some(&staff), "/roster", body).into_response())
}

pub(super) async fn import(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let (mut token, mut file, mut school) = (None, None, String::new());
    let bad = |e: axum::extract::multipart::MultipartError| {
        OfficeError::InputInvalid(tf("roster.error_upload", &[("error", &e)]))
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name() {
            Some("csrf") => token = Some(field.text().await.map_err(bad)?),
            Some("school") => school = field.text().await.map_err(bad)?,
            Some("roster") => {
                let bytes = field.bytes().await.map_err(bad)?;
                if bytes.len() > MAX_ROSTER_BYTES {
                    return Err(OfficeError::InputInvalid(t("roster.error_too_large").into()).into());
                }
                file = Some(bytes);
            }
            _ => {}
        }
    }
    staff.check_csrf(token.as_deref().unwrap_or(""))?;
    let file = file.ok_or_else(|| OfficeError::InputInvalid(t("roster.error_no_file").into()))?;
    let (_, site) = chosen_site(&dash, &staff, &school).await?;
    let entries = parse_roster(&file)?;
    dash.store.replace_roster(site, &entries, staff.name(), Utc::now()).await?;
    let count = entries.len();
    Ok(Redirect::to(&format!("/roster?imported={count}&school={site}")).into_response())
}

const OUTSTANDING_COLUMNS: [&str; 5] = ["name", "role", "email", "status", "possible_matches"];

/// The outstanding list's headings in the school's export language
/// (English: [`OUTSTANDING_COLUMNS`], as before).
fn outstanding_columns(lang: Lang) -> [&'static str; 5] {
    match lang {
        Lang::En => OUTSTANDING_COLUMNS,
        Lang::Cy => [
            lang.t("csv.name"),
            lang.t("csv.role"),
            lang.t("roster.csv_email"),
            lang.t("csv.status"),
            lang.t("roster.csv_possible"),
        ],
    }
}

/// The roster's outstanding list: everyone not counted as signed, as the
/// cells of [`OUTSTANDING_COLUMNS`] (status words in `lang`). Audited,
/// since it names people.
async fn outstanding_rows(
    dash: &SharedDashboard,
    staff: &Staff,
    school: &str,
    format: &str,
    lang: Lang,
) -> Result<Vec<[String; 5]>, PageError> {
    let (_, site) = chosen_site(dash, staff, school).await?;
    let rows = dash.store.roster_status(site).await?;
    let detail = format!("the roster's outstanding list ({format})");
    dash.store.audit_for(Some(site), staff.name(), "export_outstanding", &detail, Utc::now()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(entry, status)| {
            let (status, note) = match status {
                RosterStatus::Signed { .. } => return None,
                RosterStatus::Outstanding { possible } => (lang.t("roster.csv_not_signed"), possible.join("; ")),
                RosterStatus::Ambiguous { with } => (lang.t("roster.csv_check"), with.join("; ")),
                RosterStatus::NoAgreement => (lang.t("roster.csv_no_agreement"), String::new()),
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

pub(super) async fn outstanding_csv(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(choice): Query<SchoolChoice>,
) -> Result<Response, PageError> {
    let lang = dash.store.export_language().await?;
    let rows = outstanding_rows(&dash, &staff, &choice.school, "CSV", lang).await?;
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut csv = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        let io = |e: csv::Error| OfficeError::Internal(e.to_string());
        csv.write_record(outstanding_columns(lang)).map_err(io)?;
        for cells in rows {
            csv.write_record(cells.iter().map(|c| neutralise_formula(c).into_owned())).map_err(io)?;
        }
        csv.flush().map_err(|e| OfficeError::Internal(e.to_string()))?;
    }
    Ok(download("text/csv; charset=utf-8", "csv", out))
}

pub(super) async fn outstanding_xlsx(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Query(choice): Query<SchoolChoice>,
) -> Result<Response, PageError> {
    let lang = dash.store.export_language().await?;
    let rows = outstanding_rows(&dash, &staff, &choice.school, "spreadsheet", lang).await?;
    let bytes = off_the_runtime(move || {
        let sheet = Spreadsheet::new(lang.t("roster.sheet_name"), &outstanding_columns(lang));
        let mut sheet = sheet.map_err(spreadsheet_error)?;
        for cells in rows {
            sheet.push(&cells.map(Cell::Text)).map_err(spreadsheet_error)?;
        }
        sheet.finish().map_err(spreadsheet_error)
    })
    .await?;
    Ok(download(XLSX, "xlsx", bytes))
}
