//! The dashboard in Welsh (issue 17): an account that chose Welsh sees
//! every page in Welsh (`<html lang="cy">`, the Welsh menu, no English
//! left in the templates), errors in Welsh, the switch on every page, the
//! sign-in page in the browser's or the cookie's language, and exports in
//! Welsh only where the school chooses it.

#[path = "dashboard_fixture/mod.rs"]
mod dashboard_fixture;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use dashboard_fixture::Office;
use http_body_util::BodyExt;
use signbook_office::i18n::Lang;
use signbook_office::store::Scope;
use signbook_office::store::{RecordStore, StaffRole, StaffStore};
use tower::ServiceExt;

/// English words the dashboard's own text uses: none may be left on a page
/// in Welsh (outside the data it shows: agreement texts, audit details).
const ENGLISH: [&str; 43] = [
    "Records",
    "Record",
    "Search",
    "Signed",
    "Download",
    "Role",
    "Name",
    "Kiosk",
    "Kiosks",
    "Agreement",
    "Agreements",
    "Privacy",
    "Integrity",
    "Roster",
    "Staff",
    "Save",
    "Status",
    "Erase",
    "Reference",
    "Password",
    "Account",
    "Accounts",
    "Page",
    "Chain",
    "Alerts",
    "Audit",
    "Import",
    "Publish",
    "Settings",
    "Pair",
    "Check",
    "Find",
    "Back",
    "Yes",
    "Active",
    "Disable",
    "Title",
    "Version",
    "the",
    "and",
    "of",
    "your",
    "with",
];

/// Every page an admin can open, by address.
fn pages(office: &Office) -> Vec<String> {
    let device = office.device();
    let agreement = office.kiosk.records()[0].record.header.agreement_hash.to_hex();
    [
        "/records",
        "/records?name=tom",
        &format!("/records/{device}/1"),
        &format!("/agreements/{agreement}"),
        "/agreements",
        "/agreements/new",
        "/integrity",
        "/roster",
        "/privacy",
        "/privacy/person?name=tom",
        "/privacy/notice",
        "/audit",
        "/kiosks",
        "/accounts",
        "/account",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The page's visible text, without the data it shows in whatever
/// language it was written (agreement texts and titles; audit and alert
/// details, marked `lang="en"`; the privacy notice's English text) and without the language switch's "English".
fn ui_text(html: &str) -> String {
    let mut html = html.to_owned();
    for (open, close) in [
        ("<div class=\"agreement\"", "</div>"),
        ("<td class=\"detail\" lang=\"en\">", "</td>"),
        ("<td lang=\"en\">", "</td>"),
        ("<textarea id=\"notice-en\"", "</textarea>"),
        ("<title>", "</title>"),
    ] {
        while let Some(start) = html.find(open) {
            let end = html[start..].find(close).map_or(html.len(), |e| start + e + close.len());
            html.replace_range(start..end, " ");
        }
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let data = ["Staff, Governor and Visitor Acceptable Use Agreement", "English"];
    data.iter().fold(text, |text, shown| text.replace(shown, " "))
}

fn english_left(html: &str) -> Vec<&'static str> {
    let text = ui_text(html);
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric() && c != '\'').collect();
    ENGLISH.into_iter().filter(|w| words.contains(w)).collect()
}

async fn welsh_admin() -> (Office, String, String) {
    let office = Office::new(StaffRole::Admin).await;
    office.store.set_language("tester", Lang::Cy).await.unwrap();
    let (cookie, csrf) = office.session("tester").await;
    (office, cookie, csrf)
}

#[tokio::test]
async fn a_welsh_account_sees_every_page_in_welsh() {
    let (office, cookie, _) = welsh_admin().await;
    for path in pages(&office) {
        let (status, page) = office.send("GET", &path, Some(&cookie), None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        assert!(page.contains("<html lang=\"cy\">"), "{path} is marked as Welsh");
        assert!(page.contains(">Cofnodion</a>") && page.contains("Allgofnodi"), "{path} has the Welsh menu");
        assert!(page.contains("lang=\"en-GB\">English</button>"), "{path} offers English, marked as English");
        assert_eq!(english_left(&page), Vec::<&str>::new(), "{path} still has English: {}", ui_text(&page));
    }
    let (_, records) = office.send("GET", "/records", Some(&cookie), None).await;
    assert!(
        records.contains("Cytundebau wedi'u llofnodi")
            && records.contains("Daethpwyd o hyd i <strong>3</strong> cofnod")
    );
}

#[tokio::test]
async fn the_same_pages_stay_english_for_an_english_account() {
    let office = Office::new(StaffRole::Admin).await;
    let (cookie, _) = office.session("tester").await;
    for path in pages(&office) {
        let (status, page) = office.send("GET", &path, Some(&cookie), None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(page.contains("<html lang=\"en-GB\">"), "{path} is marked as English");
        assert!(page.contains(">Records</a>") && page.contains("Log out"), "{path} has the English menu");
        assert!(page.contains("lang=\"cy\">Cymraeg</button>"), "{path} offers Welsh, marked as Welsh");
    }
}

#[tokio::test]
async fn errors_are_in_welsh_too() {
    let (office, cookie, csrf) = welsh_admin().await;
    let (status, page) = office.send("GET", "/records?from=yesterday", Some(&cookie), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("nid yw'r dyddiad cyntaf &quot;yesterday&quot; yn ddyddiad"), "{page}");
    let (status, page) =
        office.send("GET", "/records/00000000-0000-0000-0000-000000000000/1", Some(&cookie), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("<h1>Heb ei ganfod</h1>") && page.contains("Does dim byd yn y cyfeiriad hwn"), "{page}");
    let forged = Body::from(format!("csrf={}&reason=x", "f".repeat(64)));
    let erase = format!("/records/{}/1/erase", office.device());
    let (status, page) = office.send_typed("POST", &erase, &cookie, forged, FORM).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("Mae'r ffurflen hon wedi dod i ben") && page.contains("lang=\"cy\""), "{page}");
    // What the store would refuse in English is refused first in the page's language.
    let too_long = Body::from(format!("csrf={csrf}&visitor=40000"));
    let (_, page) = office.send_typed("POST", "/privacy/retention", &cookie, too_long, FORM).await;
    assert!(page.contains("fod rhwng 1 a 36,500 diwrnod"), "{page}");
    let no_reason = Body::from(format!("csrf={csrf}&reason=+"));
    let (_, page) = office.send_typed("POST", &erase, &cookie, no_reason, FORM).await;
    assert!(page.contains("rhowch reswm dros y dileu"), "{page}");
    let kept = office.store.stored_record(&Scope::Trust, office.device().parse().unwrap(), 1).await.unwrap();
    assert!(kept.is_some_and(|r| r.record.personal.is_some()), "nothing erased");
    // The last admin cannot stop being one: the store's refusal, in Welsh.
    office.store.set_disabled("head", Some(chrono::Utc::now())).await.unwrap();
    let demote = Body::from(format!("csrf={csrf}&role=records"));
    let (status, page) = office.send_typed("POST", "/accounts/tester/role", &cookie, demote, FORM).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("tester yw'r gweinyddwr gweithredol olaf"), "{page}");
    // A records account refused admin work is told so in Welsh.
    office.store.set_language("other", Lang::Cy).await.unwrap();
    let (other, _) = office.session("other").await;
    let (status, page) = office.send("GET", "/accounts", Some(&other), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("Ni all eich cyfrif reoli cyfrifon staff") && page.contains("â'r rôl gweinyddwr"), "{page}");
}

const FORM: &str = "application/x-www-form-urlencoded";

#[tokio::test]
async fn the_switch_changes_the_account_language_and_returns_to_the_page() {
    let office = Office::new(StaffRole::Records).await;
    let (cookie, csrf) = office.session("tester").await;
    let form = Body::from(format!("csrf={csrf}&lang=cy&next=%2Frecords%3Fname%3Dtom"));
    let (status, _) = office.send_typed("POST", "/language", &cookie, form, FORM).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = office.send("GET", "/records?name=tom", Some(&cookie), None).await;
    assert!(page.contains("<html lang=\"cy\">"), "the account now reads Welsh");
    // Kept in the account: a new session (another computer) is Welsh too.
    let (elsewhere, _) = office.session("tester").await;
    let (_, page) = office.send("GET", "/records", Some(&elsewhere), None).await;
    assert!(page.contains("<html lang=\"cy\">"));
    // A form from this session without its token changes nothing.
    let forged = Body::from(format!("csrf={}&lang=en&next=%2Frecords", "f".repeat(64)));
    let (status, _) = office.send_typed("POST", "/language", &cookie, forged, FORM).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The account page sets it back, and never sends anyone off the site.
    let form = Body::from(format!("csrf={csrf}&lang=en&next=https%3A%2F%2Fevil.example%2F"));
    let (status, headers, _) =
        request(&office, "POST", "/language", &[("cookie", &cookie), ("content-type", FORM)], form).await;
    assert_eq!((status, headers.get("location").unwrap().to_str().unwrap()), (StatusCode::SEE_OTHER, "/records"));
    let (_, page) = office.send("GET", "/account", Some(&cookie), None).await;
    assert!(page.contains("<html lang=\"en-GB\">") && page.contains("checked") && page.contains("Your account"));
}

#[tokio::test]
async fn the_sign_in_page_follows_the_browser_then_the_switch() {
    let office = Office::new(StaffRole::Records).await;
    let page = login_page(&office, &[("accept-language", "cy-GB,cy;q=0.9,en;q=0.5")]).await;
    assert!(page.contains("<html lang=\"cy\">") && page.contains("Mewngofnodi") && page.contains("Enw defnyddiwr"));
    let page = login_page(&office, &[("accept-language", "en-GB,en;q=0.9")]).await;
    assert!(page.contains("<html lang=\"en-GB\">") && page.contains("User name"));
    // The switch keeps the choice in a cookie, which wins over the browser.
    let form = Body::from("lang=cy&next=%2Flogin%3Fnext%3D%252Frecords");
    let (status, headers, _) = request(&office, "POST", "/language", &[("content-type", FORM)], form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers.get("location").unwrap(), "/login?next=%2Frecords");
    let cookie = headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("signbook_lang=cy;") && cookie.contains("SameSite=Strict"), "{cookie}");
    let page = login_page(&office, &[("accept-language", "en-GB"), ("cookie", "signbook_lang=cy")]).await;
    assert!(page.contains("<html lang=\"cy\">") && page.contains("Cyfrinair"));
    assert_eq!(english_left(&page), Vec::<&str>::new(), "{}", ui_text(&page));
}

#[tokio::test]
async fn exports_are_in_english_until_the_school_chooses_welsh() {
    let (office, cookie, csrf) = welsh_admin().await;
    // A Welsh reader still downloads English headings: the school's choice, not theirs.
    let (_, _, csv) = office.download("/export/records.csv", &cookie).await;
    assert!(csv.starts_with("\u{feff}reference,signed_at_local,".as_bytes()));
    let form = Body::from(format!("csrf={csrf}&lang=cy"));
    let (status, _) = office.send_typed("POST", "/settings/export-language", &cookie, form, FORM).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(office.store.export_language().await.unwrap(), Lang::Cy);
    let (_, _, csv) = office.download("/export/records.csv", &cookie).await;
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("\u{feff}cyfeirnod,llofnodwyd_amser_lleol,llofnodwyd_utc,rol,enw,"), "{csv}");
    assert!(csv.contains("Tom Price"), "the rows are the same");
    let (_, _, pdf) = office.download(&format!("/records/{}/1/evidence.pdf", office.device()), &cookie).await;
    assert!(pdf.starts_with(b"%PDF"));
    let text = pdf_text(&pdf).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Tystiolaeth llofnod") && text.contains("Derbyniwyd gan y swyddfa"), "{text}");
    let (_, page) = office.send("GET", "/audit", Some(&cookie), None).await;
    assert!(page.contains("export_language_set"), "the change is audited");
}

/// One request with `headers`: its status, headers and body.
async fn request(
    office: &Office,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Body,
) -> (StatusCode, HeaderMap, String) {
    let mut request = Request::builder().method(method).uri(path).header(header::HOST, "office");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(body).unwrap();
    request.extensions_mut().insert(ConnectInfo("127.0.0.1:40000".parse::<SocketAddr>().unwrap()));
    let response = office.router.clone().oneshot(request).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&bytes).into_owned())
}

/// The sign-in page as a browser sending `headers` gets it.
async fn login_page(office: &Office, headers: &[(&str, &str)]) -> String {
    let (status, _, page) = request(office, "GET", "/login", headers, Body::empty()).await;
    assert_eq!(status, StatusCode::OK);
    page
}

/// The text of a PDF, as `pdftotext` reads it.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext (poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}
