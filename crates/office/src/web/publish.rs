//! Publishing a new agreement version from the office: import a file (or
//! paste text) with the kiosk's own importer, read its report, edit the
//! Markdown, preview it as the kiosk shows it, choose the roles, publish.
//!
//! Three steps, each a plain form (the dashboard has no JavaScript):
//! `GET /agreements/new` (upload or paste) → `POST /agreements/import`
//! (the importer's Markdown and report, editable) → `POST
//! /agreements/review` (preview again, or publish). Every step needs the
//! publishing permission ([`Permission::Publish`]); publishing is audited
//! by the store with who, when, the hash and the roles.

use axum::Form;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use signbook_core::role::DEFAULT_ROLES;
use signbook_import::{ImportError, Imported, RemovedReason, import_bytes, import_text};

use super::layout::{self, csrf, signer_role};
use super::page_error::{PageError, off_the_runtime};
use super::records::agreement_body;
use super::session::{Staff, urlencode};
use super::state::SharedDashboard;
use crate::error::OfficeError;
use crate::i18n::{t, tf};
use crate::store::Permission;

/// Largest upload: the importer's own limit for the largest kind of file
/// (a `.docx` may be 50 times its text's 1 MB, for pictures), plus room
/// for the form's other fields. Only a logged-in publisher gets this far:
/// the guard answers before the body is read.
pub(super) const MAX_UPLOAD_BYTES: usize = 50 * 1024 * 1024 + 64 * 1024;

/// The importer's report, as lines to show and carry through the preview.
fn report_lines(imported: &Imported) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(title) = &imported.title {
        lines.push(tf("publish.report_title", &[("title", title)]));
    }
    for (label, value) in &imported.metadata {
        lines.push(match value.as_str() {
            "" => tf("publish.report_kept_out", &[("label", label)]),
            value => tf("publish.report_kept_out_value", &[("label", label), ("value", &value)]),
        });
    }
    for removed in &imported.removed {
        let why = match removed.reason {
            RemovedReason::WordBookmark => t("publish.removed_word_bookmark"),
            RemovedReason::PageNumber => t("publish.removed_page_number"),
            RemovedReason::GluedPageNumber => t("publish.removed_glued_page_number"),
            RemovedReason::SignatureBlock => t("publish.removed_signature_block"),
            RemovedReason::RepeatedTitle => t("publish.removed_repeated_title"),
            RemovedReason::PageHeaderFooter => t("publish.removed_page_header_footer"),
            RemovedReason::TableOfContents => t("publish.removed_table_of_contents"),
            // A reason added to the importer later: its own (English) words.
            _ => {
                lines.push(format!("Removed {removed}"));
                continue;
            }
        };
        lines.push(tf("publish.report_removed", &[("why", &why), ("text", &format!("{:?}", removed.text))]));
    }
    lines
}

pub(super) async fn new(State(dash): State<SharedDashboard>, staff: Staff) -> Result<Response, PageError> {
    Ok(upload_page(&dash, &staff, None).into_response())
}

fn upload_page(dash: &SharedDashboard, staff: &Staff, problem: Option<&str>) -> Markup {
    let body = html! {
        p { a href="/agreements" { "← " (t("agreements.title")) } }
        h1 { (t("agreements.publish_new")) }
        @if let Some(problem) = problem { p.notice.bad role="alert" { (problem) } }
        p { (t("publish.intro")) }
        form method="post" action="/agreements/import" enctype="multipart/form-data" {
            (csrf(staff))
            p {
                label for="agreement-file" { (t("publish.file")) }
                input #agreement-file type="file" name="file" accept=".pdf,.docx,.odt,.txt,.md,.markdown" aria-describedby="agreement-file-hint";
                span.hint #agreement-file-hint { " " (t("publish.file_hint")) }
            }
            p {
                label for="agreement-paste" { (t("publish.paste")) }
                textarea #agreement-paste name="pasted" rows="10" cols="80" spellcheck="false" {}
            }
            button type="submit" { (t("roster.import")) }
        }
    };
    layout::page(&dash.school, t("agreements.publish_new"), Some(staff), "/agreements", body)
}

/// Reads the upload (or the pasted text) and shows what the importer made of it.
pub(super) async fn import(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let (mut token, mut file, mut pasted) = (None, None, String::new());
    let bad = |e: axum::extract::multipart::MultipartError| {
        OfficeError::InputInvalid(tf("roster.error_upload", &[("error", &e)]))
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name() {
            Some("csrf") => token = Some(field.text().await.map_err(bad)?),
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(bad)?;
                if !bytes.is_empty() {
                    file = Some((name, bytes));
                }
            }
            Some("pasted") => pasted = field.text().await.map_err(bad)?,
            _ => {}
        }
    }
    staff.check_csrf(token.as_deref().unwrap_or(""))?;
    let imported = match (file, pasted.trim().is_empty()) {
        (Some((name, bytes)), _) => {
            match off_the_runtime(move || {
                Ok(import_bytes(if name.is_empty() { "upload".into() } else { name }, &bytes))
            })
            .await?
            {
                Ok(imported) => imported,
                Err(problem) => {
                    let said = import_refusal(&problem);
                    return Ok(upload_page(&dash, &staff, Some(&said)).into_response());
                }
            }
        }
        (None, false) => off_the_runtime(move || Ok(import_text(&pasted))).await?,
        (None, true) => {
            let said = t("publish.nothing_chosen");
            return Ok(upload_page(&dash, &staff, Some(said)).into_response());
        }
    };
    let draft = Draft {
        title: imported.title.clone().unwrap_or_default(),
        markdown: imported.markdown.clone(),
        roles: vec!["visitor".to_owned()],
        report: report_lines(&imported),
    };
    Ok(review_page(&dash, &staff, &draft, None).await?.into_response())
}

/// What the publisher is working on, carried from form to form.
struct Draft {
    title: String,
    markdown: String,
    roles: Vec<String>,
    report: Vec<String>,
}

impl Draft {
    /// From the review form's fields: `title`, `markdown`, a `role` per
    /// ticked box, a `report` per line of the import report.
    fn from_fields(fields: &[(String, String)]) -> Draft {
        let all = |key: &str| fields.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect::<Vec<_>>();
        let one = |key: &str| all(key).into_iter().next().unwrap_or_default();
        Draft { title: one("title"), markdown: one("markdown"), roles: all("role"), report: all("report") }
    }
}

async fn review_page(
    dash: &SharedDashboard,
    staff: &Staff,
    draft: &Draft,
    problem: Option<&str>,
) -> Result<Markup, PageError> {
    // The roles kiosks offer by default, and any other the office has met.
    let mut roles: Vec<String> = DEFAULT_ROLES.iter().map(|r| (*r).to_owned()).collect();
    for standing in dash.store.agreement_standings().await? {
        for role in standing.roles {
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
    }
    let body = html! {
        p { a href="/agreements/new" { (t("publish.start_again")) } }
        h1 { (t("publish.check_title")) }
        @if let Some(problem) = problem { p.notice.bad role="alert" { (problem) } }
        h2 { (t("publish.changed")) }
        @if draft.report.is_empty() {
            p { (t("publish.nothing_removed")) }
        } @else {
            ul #import-report { @for line in &draft.report { li { (line) } } }
        }
        form method="post" action="/agreements/review" {
            (csrf(staff))
            @for line in &draft.report { input type="hidden" name="report" value=(line); }
            p {
                label for="agreement-title" { (t("agreements.col_title")) }
                input #agreement-title type="text" name="title" value=(draft.title) maxlength="200" size="60" required;
            }
            p {
                label for="agreement-markdown" { (t("publish.markdown")) }
                textarea #agreement-markdown name="markdown" rows="18" cols="80" spellcheck="false" { (draft.markdown) }
            }
            fieldset {
                legend { (t("publish.who_signs")) }
                @for role in &roles {
                    @let id = format!("role-{role}");
                    label for=(id) {
                        input #(id) type="checkbox" name="role" value=(role) checked[draft.roles.contains(role)];
                        " " (signer_role(role))
                    }
                    " "
                }
                p.hint { (t("publish.roles_hint")) }
            }
            button.secondary type="submit" name="action" value="preview" { (t("publish.update_preview")) }
            " "
            button type="submit" name="action" value="publish" { (t("publish.publish")) }
        }
        h2 { (t("publish.preview")) }
        div.agreement #agreement-preview tabindex="0" role="region" aria-label=(t("publish.preview_label")) {
            (agreement_body(&draft.markdown, 2))
        }
    };
    Ok(layout::page(&dash.school, t("publish.check_title"), Some(staff), "/agreements", body))
}

/// Previews again, or publishes the version for the roles ticked.
pub(super) async fn review(
    State(dash): State<SharedDashboard>,
    staff: Staff,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let token = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    staff.check_csrf(token)?;
    let draft = Draft::from_fields(&fields);
    let publishing = fields.iter().any(|(k, v)| k == "action" && v == "publish");
    if !publishing {
        return Ok(review_page(&dash, &staff, &draft, None).await?.into_response());
    }
    let roles = match super::agreements::parse_roles(&draft.roles.join(",")) {
        Ok(roles) => roles,
        Err(problem) => {
            return Ok(review_page(&dash, &staff, &draft, Some(&sentence(&problem))).await?.into_response());
        }
    };
    match dash.store.publish_agreement(&draft.markdown, &draft.title, &roles, staff.name(), Utc::now()).await {
        Ok(hash) => {
            let roles = roles.iter().map(|r| signer_role(r)).collect::<Vec<_>>().join(", ");
            let said = tf("publish.published", &[("title", &draft.title.trim()), ("roles", &roles)]);
            Ok(Redirect::to(&format!("/agreements?published={}&done={}", hash.to_hex(), urlencode(&said)))
                .into_response())
        }
        Err(problem @ OfficeError::InputInvalid(_)) => {
            Ok(review_page(&dash, &staff, &draft, Some(&sentence(&problem))).await?.into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// An error as a sentence on the page, saying nothing was published.
fn sentence(problem: &OfficeError) -> String {
    let text = problem.to_string();
    let mut chars = text.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    tf("publish.not_published", &[("problem", &format!("{first}{}", chars.as_str().trim_end_matches('.')))])
}

/// Shown to accounts without the permission, on the versions page.
pub(super) fn can_publish(staff: &Staff) -> bool {
    staff.can(Permission::Publish)
}

/// Why an upload was not imported, in the page's language: the importer's
/// own words are English, so its stable code picks the sentence (the
/// kiosk's, so both say the same).
fn import_refusal(problem: &ImportError) -> String {
    let why = match problem.code() {
        "import_unreadable" => t("import.unreadable"),
        "import_not_utf8" => t("import.not_utf8"),
        "import_bad_docx" => t("import.bad_docx"),
        "import_bad_odt" => t("import.bad_odt"),
        "import_bad_pdf" => t("import.bad_pdf"),
        "import_scanned_pdf" => t("import.scanned_pdf"),
        "import_unsupported" => t("import.unsupported"),
        "import_too_large" => t("import.too_large"),
        _ => return tf("publish.not_published", &[("problem", problem)]),
    };
    let file = problem
        .path()
        .file_name()
        .map_or_else(|| problem.path().display().to_string(), |f| f.to_string_lossy().into_owned());
    tf("publish.import_refused", &[("file", &file), ("why", &why)])
}
