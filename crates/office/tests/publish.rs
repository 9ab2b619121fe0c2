//! Publishing an agreement from the office (issues 16 and 17): a document
//! imported with the kiosk's own importer, its report shown, the Markdown
//! edited and previewed as the kiosk shows it, published for the roles
//! ticked, audited; only by an account with the publishing permission.
//! Also `signbook-office agreement import | publish` and `user publishing`.

#[path = "dashboard_fixture/mod.rs"]
mod dashboard_fixture;

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::StatusCode;
use chrono::Utc;
use dashboard_fixture::Office;
use signbook_core::Hash32;
use signbook_core::agreement::agreement_hash;
use signbook_office::store::{AgreementStore, ConfigurationStore, PrivacyStore, StaffRole, StaffStore};
use signbook_office::store::{FIRST_SITE, Scope};

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../import/tests/corpus").join(name)
}

/// A multipart upload of `file` (its name and bytes) or of pasted text.
fn upload(csrf: &str, file: Option<(&str, &[u8])>, pasted: &str) -> (Body, String) {
    const B: &str = "publish-boundary";
    let mut body = format!("--{B}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").into_bytes();
    if let Some((name, bytes)) = file {
        body.extend(
            format!("--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(
        format!("--{B}\r\nContent-Disposition: form-data; name=\"pasted\"\r\n\r\n{pasted}\r\n--{B}--\r\n").as_bytes(),
    );
    (Body::from(body), format!("multipart/form-data; boundary={B}"))
}

fn form(pairs: &[(&str, &str)]) -> Body {
    Body::from(serde_urlencoded::to_string(pairs).unwrap())
}

/// The text of a page's `<textarea id="agreement-markdown">`, unescaped.
fn textarea(page: &str) -> String {
    let start = page.find("id=\"agreement-markdown\"").expect("the Markdown box");
    let open = start + page[start..].find('>').unwrap() + 1;
    let close = open + page[open..].find("</textarea>").unwrap();
    page[open..close].replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}

#[tokio::test]
async fn a_publisher_imports_a_word_file_checks_the_report_and_publishes_it_for_two_roles() {
    let office = Office::new(StaffRole::Records).await;
    office.store.set_may_publish("tester", true).await.unwrap();
    let (cookie, csrf) = office.session("tester").await;
    let before = office.store.current_configuration(FIRST_SITE, Utc::now()).await.unwrap().map_or(0, |c| c.version);

    let docx = std::fs::read(corpus("headings-colon.docx")).unwrap();
    let (body, kind) = upload(&csrf, Some(("Staff ICT agreement.docx", &docx)), "");
    let (status, page) = office.send_typed("POST", "/agreements/import", &cookie, body, &kind).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // The same Markdown and report as `signbook agreement import` gives.
    let expected = std::fs::read_to_string(corpus("expected/headings-colon.docx.md")).unwrap();
    assert_eq!(textarea(&page), expected);
    assert!(page.contains("Removed paper signature block (the kiosk captures these): &quot;Signed:&quot;"), "{page}");
    assert!(page.contains("value=\"Staff and Volunteer ICT Agreement\""), "the title is filled in: {page}");
    assert!(
        page.contains("<h3>Staff and Volunteer ICT Agreement</h3>") && page.contains("<h4>Email</h4>"),
        "the preview shows the text as the kiosk does: {page}"
    );

    // An edit, previewed, then published.
    let edited = expected.replace("for all school business", "for all school work");
    let fields = |action| {
        vec![
            ("csrf", csrf.as_str()),
            ("title", "Staff ICT Agreement 2027"),
            ("markdown", edited.as_str()),
            ("role", "staff"),
            ("role", "volunteer"),
            ("action", action),
        ]
    };
    let (status, preview) =
        office.send_typed("POST", "/agreements/review", &cookie, form(&fields("preview")), FORM).await;
    assert_eq!(status, StatusCode::OK);
    assert!(preview.contains("for all school work"), "the preview follows the edit");
    assert!(preview.contains("value=\"staff\" checked") && !preview.contains("value=\"visitor\" checked"));
    assert!(
        office.store.audit_log(&Scope::Trust, 100).await.unwrap().iter().all(|e| e.action != "agreement_published")
    );

    let (status, _) = office.send_typed("POST", "/agreements/review", &cookie, form(&fields("publish")), FORM).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let hash = agreement_hash(&edited);
    let standings = office.store.agreement_standings().await.unwrap();
    let published = standings.iter().find(|s| s.agreement.hash == hash).expect("the edited text is stored");
    assert_eq!(published.agreement.title, "Staff ICT Agreement 2027");
    assert_eq!(published.current_for, vec!["staff".to_owned(), "volunteer".to_owned()]);
    assert!(!published.awaits_decision(), "published at the office: nothing left to adopt");
    let audit = office.store.audit_log(&Scope::Trust, 100).await.unwrap();
    let entry = audit.iter().find(|e| e.action == "agreement_published").expect("audited");
    assert_eq!(entry.actor, "tester");
    assert!(entry.detail.contains(&hash.to_hex()) && entry.detail.contains("staff, volunteer"), "{}", entry.detail);

    // Kiosks take it at their next sync: the publish itself issued the next
    // configuration (not a later sync finding the change), naming the new
    // text for the roles ticked and only those.
    let issued = office.store.current_configuration(FIRST_SITE, Utc::now()).await.unwrap().expect("a configuration");
    assert_eq!((issued.version, issued.issued_by.as_str()), (before + 1, "tester"));
    assert_eq!(issued.content.current.get("staff"), Some(&hash));
    assert_eq!(issued.content.current.get("volunteer"), Some(&hash));
    assert_ne!(issued.content.current.get("visitor"), Some(&hash), "visitor was not ticked");
    let texts = office.store.agreement_texts(vec![hash]).await.unwrap();
    assert!(texts[&hash].contains("for all school work") && Hash32::of(texts[&hash].as_bytes()) == hash);

    let (_, list) = office.send("GET", "/agreements", Some(&cookie), None).await;
    assert!(list.contains("Staff ICT Agreement 2027") && list.contains("staff, volunteer"), "{list}");
}

const FORM: &str = "application/x-www-form-urlencoded";

#[tokio::test]
async fn an_account_without_the_permission_is_refused_and_nothing_is_published() {
    let office = Office::new(StaffRole::Privacy).await;
    let (cookie, csrf) = office.session("tester").await;
    let (status, page) = office.send("GET", "/agreements/new", Some(&cookie), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("Your account cannot publish agreements"), "{page}");
    let fields = [
        ("csrf", csrf.as_str()),
        ("title", "AUP"),
        ("markdown", "# AUP\n\nBe kind.\n"),
        ("role", "visitor"),
        ("action", "publish"),
    ];
    let (status, _) = office.send_typed("POST", "/agreements/review", &cookie, form(&fields), FORM).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let hash = agreement_hash("# AUP\n\nBe kind.\n");
    assert!(office.store.agreement_standings().await.unwrap().iter().all(|s| s.agreement.hash != hash));
    // The versions page is open to every account, without the way to publish.
    let (status, list) = office.send("GET", "/agreements", Some(&cookie), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!list.contains("href=\"/agreements/new\""), "{list}");

    // Given the permission by an admin, the same account may.
    office.store.set_may_publish("tester", true).await.unwrap();
    let (status, _) = office.send_typed("POST", "/agreements/review", &cookie, form(&fields), FORM).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(office.store.agreement_standings().await.unwrap().iter().any(|s| s.agreement.hash == hash));
}

#[tokio::test]
async fn bad_input_is_named_on_the_page_and_nothing_is_published() {
    let office = Office::new(StaffRole::Admin).await;
    let (cookie, csrf) = office.session("tester").await;
    let before = office.store.agreement_standings().await.unwrap().len();

    let scan = std::fs::read(corpus("scanned-no-text.pdf")).unwrap();
    let (body, kind) = upload(&csrf, Some(("scan.pdf", &scan)), "");
    let (status, page) = office.send_typed("POST", "/agreements/import", &cookie, body, &kind).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("scan.pdf was not imported. This PDF looks like a scan")
            && page.contains("Nothing was published"),
        "{page}"
    );
    // The importer's words are English; a Welsh account reads the same refusal in Welsh.
    office.store.set_language("tester", signbook_office::i18n::Lang::Cy).await.unwrap();
    let (body, kind) = upload(&csrf, Some(("scan.pdf", &scan)), "");
    let (_, page) = office.send_typed("POST", "/agreements/import", &cookie, body, &kind).await;
    assert!(page.contains("Ni fewnforiwyd scan.pdf. Mae'r PDF hwn yn edrych fel sgan"), "{page}");
    office.store.set_language("tester", signbook_office::i18n::Lang::En).await.unwrap();

    let (body, kind) = upload(&csrf, None, "  ");
    let (_, page) = office.send_typed("POST", "/agreements/import", &cookie, body, &kind).await;
    assert!(
        page.contains("Choose the agreement&#39;s file, or paste its text")
            || page.contains("Choose the agreement's file, or paste its text"),
        "{page}"
    );

    for (fields, says) in [
        (vec![("title", "AUP"), ("markdown", "# AUP\n"), ("action", "publish")], "Name at least one role"),
        (
            vec![("title", " "), ("markdown", "# AUP\n"), ("role", "visitor"), ("action", "publish")],
            "The agreement needs a title",
        ),
        (
            vec![("title", "AUP"), ("markdown", " \n\n"), ("role", "visitor"), ("action", "publish")],
            "The agreement text is empty",
        ),
    ] {
        let mut fields = fields;
        fields.push(("csrf", &csrf));
        let (status, page) = office.send_typed("POST", "/agreements/review", &cookie, form(&fields), FORM).await;
        assert_eq!(status, StatusCode::OK, "{says}");
        assert!(page.contains(says) && page.contains("Nothing was published"), "{says}: {page}");
    }
    assert_eq!(office.store.agreement_standings().await.unwrap().len(), before);

    // Pasted HTML is text, in the preview as at the kiosk.
    let fields = [
        ("csrf", csrf.as_str()),
        ("title", "AUP"),
        ("markdown", "# AUP\n\n<script>alert(1)</script>\n"),
        ("action", "preview"),
    ];
    let (_, page) = office.send_typed("POST", "/agreements/review", &cookie, form(&fields), FORM).await;
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !page.contains("<script>"), "{page}");
}

/// Runs `signbook-office --data DIR ARGS`.
fn cli(data: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_signbook-office"))
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_cli_imports_a_pdf_publishes_it_and_lets_an_account_publish() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let md = data.join("visitor.md");
    let import = cli(
        data,
        &["agreement", "import", corpus("visitor-short.pdf").to_str().unwrap(), "--out", md.to_str().unwrap()],
    );
    assert!(import.status.success(), "{}", String::from_utf8_lossy(&import.stderr));
    let expected = std::fs::read_to_string(corpus("expected/visitor-short.pdf.md")).unwrap();
    assert_eq!(std::fs::read_to_string(&md).unwrap(), expected);
    let report = std::fs::read_to_string(corpus("expected/visitor-short.pdf.report")).unwrap();
    assert!(String::from_utf8_lossy(&import.stderr).contains(report.trim_end()), "the report on stderr");

    let refused =
        cli(data, &["agreement", "publish", md.to_str().unwrap(), "--title", "Visitors", "--roles", "Visitor!"]);
    assert!(!refused.status.success());
    let publish = cli(
        data,
        &["agreement", "publish", md.to_str().unwrap(), "--title", "Visitors 2027", "--roles", "visitor,contractor"],
    );
    assert!(publish.status.success(), "{}", String::from_utf8_lossy(&publish.stderr));
    let hash = agreement_hash(&expected).to_hex();
    assert!(String::from_utf8_lossy(&publish.stdout).contains(&hash));
    let list = String::from_utf8_lossy(&cli(data, &["agreement", "list"]).stdout).into_owned();
    assert!(
        list.contains(&format!("{hash}  \"Visitors 2027\"")) && list.contains("current for: contractor, visitor"),
        "{list}"
    );
}
