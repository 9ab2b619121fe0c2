//! Issue 15, item 12: the office, not a kiosk's `published_at`, decides
//! which agreement version each role must sign. A paired kiosk claiming a
//! version "published" on 31 December 9999 for every role made it current
//! everywhere and turned the whole roster to "not signed".

#[path = "evidence_fixture/mod.rs"]
mod evidence_fixture;

use chrono::{Duration, Utc};
use evidence_fixture::Kiosk;
use signbook_core::Hash32;
use signbook_office::pairing::{code_hash, new_code};
use signbook_office::store::{AgreementStore, Device, RosterEntry, RosterStatus, RosterStore, StaffRole};
use signbook_office::store::{FIRST_SITE, Scope};
use signbook_office::{SqliteStore, db_path};
use signbook_sync::wire::{PushRequest, WireAgreement};

const ROLES: [&str; 5] = ["visitor", "governor", "staff", "volunteer", "contractor"];
const ROGUE_TEXT: &str = "# Everything is different\n\nNobody has signed this.\n";

async fn pair(office: &signbook_office::SharedStore, kiosk: &Kiosk) -> Device {
    let code = new_code();
    let now = Utc::now();
    assert!(office.add_pairing_code(FIRST_SITE, &code, now, now + Duration::minutes(15)).await.unwrap());
    office
        .pair(&code, &code_hash(&code), kiosk.store.device_id(), &kiosk.store.public_key(), Some("Main reception"), now)
        .await
        .unwrap()
        .0
}

/// What the rogue kiosk sends: no records, one version claimed to be
/// published at the end of time, for every role.
fn rogue_push() -> PushRequest {
    let text = signbook_core::agreement::canonical_text(ROGUE_TEXT);
    PushRequest {
        records: vec![],
        checkpoint: None,
        erasures: vec![],
        agreements: vec![WireAgreement {
            hash: signbook_core::agreement::agreement_hash(&text),
            title: "Rogue agreement".into(),
            text,
            published_at: "9999-12-31T23:59:59.999Z".into(),
            roles: ROLES.iter().map(|r| (*r).to_owned()).collect(),
        }],
        kiosk_head_seq: None,
        erasure_entries: vec![],
        configuration: None,
        held_entries: vec![],
    }
}

fn status_of(rows: &[(RosterEntry, RosterStatus)], name: &str) -> RosterStatus {
    rows.iter().find(|(e, _)| e.name == name).map(|(_, s)| s.clone()).unwrap()
}

/// An office that a kiosk has synced to: Siân (staff) and Tom (governor)
/// signed, the roster names both.
async fn synced_office() -> (signbook_office::SharedStore, Kiosk, Device, tempfile::TempDir) {
    let kiosk = Kiosk::with(&[("staff", "Siân Evans", None), ("governor", "Tom Price", None)]);
    let dir = tempfile::tempdir().unwrap();
    let office = signbook_office::testing::open_test_store(dir.path());
    let device = pair(&office, &kiosk).await;
    office.ingest(&device, None, kiosk.push_request(), Utc::now()).await.unwrap();
    let roster = ["Siân Evans", "Tom Price"]
        .iter()
        .zip(["staff", "governor"])
        .map(|(name, role)| RosterEntry { name: (*name).into(), role: role.into(), email: None })
        .collect::<Vec<_>>();
    office.replace_roster(FIRST_SITE, &roster, "j.evans", Utc::now()).await.unwrap();
    (office, kiosk, device, dir)
}

#[tokio::test]
async fn a_kiosk_claiming_a_version_from_9999_changes_nothing_until_staff_adopt_it() {
    let (office, kiosk, device, _dir) = synced_office().await;
    let signed = kiosk.records()[0].record.header.agreement_hash;
    let before = office.current_agreements().await.unwrap();
    assert_eq!(before.get("staff"), Some(&signed.to_hex()), "a fresh office starts from its first kiosk's version");

    let rogue = rogue_push();
    let rogue_hash = rogue.agreements[0].hash;
    office.ingest(&device, None, rogue, Utc::now()).await.unwrap();

    assert_eq!(office.current_agreements().await.unwrap(), before, "no role's current version moved");
    let rows = office.roster_status(FIRST_SITE).await.unwrap();
    assert!(matches!(status_of(&rows, "Siân Evans"), RosterStatus::Signed { .. }), "{rows:?}");
    assert!(matches!(status_of(&rows, "Tom Price"), RosterStatus::Signed { .. }), "{rows:?}");
    let standings = office.agreement_standings().await.unwrap();
    let rogue = standings.iter().find(|s| s.agreement.hash == rogue_hash).expect("kept and shown");
    assert!(rogue.awaits_decision(), "shown as not adopted");
    assert_eq!(rogue.not_adopted_for.len(), ROLES.len());
    assert!(rogue.current_for.is_empty());
    assert_eq!(rogue.senders[0].device_id, kiosk.store.device_id(), "naming the kiosk that uses it");
    assert_eq!(rogue.senders[0].claimed_published_at, "9999-12-31T23:59:59.999Z", "its claim, kept as such");
    assert_eq!(standings[0].agreement.hash, rogue_hash, "listed by when the office received it");
    let adopted = standings.iter().find(|s| s.agreement.hash == signed).unwrap();
    assert!(!adopted.awaits_decision() && adopted.current_for.len() == ROLES.len());

    // Staff adopt it for staff only: Siân must sign again, Tom need not.
    office.adopt_agreement(&rogue_hash, &["staff".into()], "j.evans", Utc::now()).await.unwrap();
    let rows = office.roster_status(FIRST_SITE).await.unwrap();
    assert!(matches!(status_of(&rows, "Siân Evans"), RosterStatus::Outstanding { .. }), "{rows:?}");
    assert!(matches!(status_of(&rows, "Tom Price"), RosterStatus::Signed { .. }), "{rows:?}");
    let standings = office.agreement_standings().await.unwrap();
    let rogue = standings.iter().find(|s| s.agreement.hash == rogue_hash).unwrap();
    assert_eq!(rogue.current_for, vec!["staff"]);
    assert!(!rogue.not_adopted_for.contains(&"staff".to_owned()) && rogue.awaits_decision());
    let audit = office.audit_log(&Scope::Trust, 10).await.unwrap();
    let entry = audit.iter().find(|e| e.action == "agreement_adopted").expect("adoption is audited");
    assert_eq!(entry.actor, "j.evans");
    assert!(entry.detail.contains(&rogue_hash.to_hex()) && entry.detail.ends_with("staff"), "{}", entry.detail);

    // The kiosk pushing its old version again changes nothing either.
    office.ingest(&device, None, kiosk.push_request(), Utc::now()).await.unwrap();
    assert_eq!(office.current_agreements().await.unwrap().get("staff"), Some(&rogue_hash.to_hex()));
}

#[tokio::test]
async fn adopting_needs_a_version_the_office_holds_for_roles_it_was_published_for() {
    let (office, kiosk, device, _dir) = synced_office().await;
    let mut only_visitors = rogue_push();
    only_visitors.agreements[0].roles = vec!["visitor".into()];
    let hash = only_visitors.agreements[0].hash;
    office.ingest(&device, None, only_visitors, Utc::now()).await.unwrap();
    let err = office.adopt_agreement(&hash, &["staff".into()], "j.evans", Utc::now()).await.unwrap_err();
    assert!(err.to_string().contains("not published for the role staff"), "{err}");
    let err = office.adopt_agreement(&Hash32::of(b"nothing"), &["visitor".into()], "j.evans", Utc::now()).await;
    assert_eq!(err.unwrap_err().code(), "not_found");
    let before = office.current_agreements().await.unwrap();
    assert_eq!(before.get("visitor"), Some(&kiosk.records()[0].record.header.agreement_hash.to_hex()));
}

/// An office from before this change keeps exactly what it showed: the
/// version the old rule (newest `published_at`) chose stays current, and
/// nothing it already held is shown as awaiting a decision.
#[tokio::test]
async fn an_upgraded_office_keeps_the_versions_it_showed_as_current() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    let old = rusqlite::Connection::open(&path).unwrap();
    for sql in [
        include_str!("../src/store/sqlite/migrations/0001_office.sql"),
        include_str!("../src/store/sqlite/migrations/0002_dashboard.sql"),
        include_str!("../src/store/sqlite/migrations/0003_sign_in_problems.sql"),
    ] {
        old.execute_batch(sql).unwrap();
    }
    old.execute_batch("PRAGMA application_id = 0x53424F31; PRAGMA user_version = 3;").unwrap();
    for (hash, published, roles) in [
        ("a", "2025-09-01T08:00:00.000Z", &["staff", "visitor"][..]),
        ("b", "2026-09-01T08:00:00.000Z", &["staff"][..]),
        ("c", "2024-09-01T08:00:00.000Z", &["visitor", "governor"][..]),
    ] {
        let hash = hash.repeat(64);
        old.execute(
            "INSERT INTO agreements VALUES (?1, 'AUP', '# AUP\n', ?2, '2026-11-01T00:00:00.000Z')",
            [&hash, published],
        )
        .unwrap();
        for role in roles {
            old.execute("INSERT INTO agreement_roles VALUES (?1, ?2)", [hash.as_str(), role]).unwrap();
        }
    }
    drop(old);

    let office = SqliteStore::open(&path).unwrap();
    let current = office.current_agreements().await.unwrap();
    assert_eq!(current.get("staff"), Some(&"b".repeat(64)));
    assert_eq!(current.get("visitor"), Some(&"a".repeat(64)));
    assert_eq!(current.get("governor"), Some(&"c".repeat(64)));
    assert!(
        office
            .agreement_standings()
            .await
            .unwrap()
            .iter()
            .all(|s| !s.awaits_decision() && s.not_adopted_for.is_empty())
    );
}

/// One HTTP/1.1 request over TLS pinned to the office at `addr`; the whole answer.
async fn https(addr: std::net::SocketAddr, fingerprint: Hash32, request: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (config, _) = signbook_sync::tls::pinned_client_config(fingerprint);
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("signbook-office").unwrap();
    let mut stream = tokio_rustls::TlsConnector::from(config).connect(name, tcp).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn form_post(path: &str, cookie: &str, form: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: office\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    )
}

/// The dashboard shows the version as not adopted, naming the kiosk, and
/// its "Adopt" form needs the session's CSRF token.
#[tokio::test]
async fn staff_see_the_version_a_kiosk_uses_and_adopt_it_from_the_dashboard() {
    let (office, _kiosk, device, dir) = synced_office().await;
    let rogue = rogue_push();
    let hash = rogue.agreements[0].hash.to_hex();
    office.ingest(&device, None, rogue, Utc::now()).await.unwrap();
    office.add_user("j.evans", "correct horse battery", StaffRole::Admin, Utc::now()).await.unwrap();
    let identity = signbook_office::tls::OfficeIdentity::load_or_create(dir.path()).unwrap();
    let dashboard = signbook_office::web::Dashboard::new(
        signbook_office::testing::open_test_store(dir.path()),
        "Test".into(),
        identity.signer().unwrap(),
    );
    let shared: signbook_office::SharedStore = signbook_office::testing::open_test_store(dir.path());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = signbook_office::server::app(shared, dashboard);
    tokio::spawn(signbook_office::server::serve(listener, identity.server_config().unwrap(), app));
    let fp = identity.fingerprint();

    let login = "username=j.evans&password=correct+horse+battery&next=%2Froster";
    let answer = https(addr, fp, form_post("/login", "", login)).await;
    let cookie = answer
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("logged in")
        .to_owned();
    let page = https(
        addr,
        fp,
        format!("GET /roster HTTP/1.1\r\nHost: office\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert!(page.contains("Main reception"), "names the kiosk");
    assert!(
        page.contains("uses agreement “<a href=\"/agreements/")
            && page.contains("Rogue agreement</a>")
            && page.contains("which the office has not adopted for contractor, governor, staff, visitor, volunteer."),
        "{page}"
    );
    assert!(
        page.contains("The kiosk says it published this version on 9999-12-31; the office does not rely on that date")
    );
    assert!(page.contains(&format!("action=\"/agreements/{hash}/adopt\"")));
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).and_then(|v| v.split('"').next()).unwrap().to_owned();

    let path = format!("/agreements/{hash}/adopt");
    let forged = https(addr, fp, form_post(&path, &cookie, "csrf=0000&roles=staff")).await;
    assert!(forged.starts_with("HTTP/1.1 403"), "{forged}");
    assert_ne!(office.current_agreements().await.unwrap().get("staff"), Some(&hash), "nothing changed");

    let adopted = https(addr, fp, form_post(&path, &cookie, &format!("csrf={csrf}&roles=staff"))).await;
    assert!(adopted.starts_with("HTTP/1.1 303") && adopted.contains("location: /roster"), "{adopted}");
    assert_eq!(office.current_agreements().await.unwrap().get("staff"), Some(&hash));
    let audit = office.audit_log(&Scope::Trust, 5).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "agreement_adopted" && e.actor == "j.evans"));
}

/// `signbook-office agreement list | adopt`, for scripted set-ups: the same
/// store call as the dashboard's button.
#[tokio::test]
async fn the_cli_lists_versions_and_adopts_one() {
    let (office, _kiosk, device, dir) = synced_office().await;
    let rogue = rogue_push();
    let hash = rogue.agreements[0].hash.to_hex();
    office.ingest(&device, None, rogue, Utc::now()).await.unwrap();
    let run = |args: &[&str]| {
        let binary = std::path::Path::new(env!("CARGO_BIN_EXE_signbook-office"));
        let database = signbook_office::testing::test_database(dir.path()).unwrap();
        signbook_office::testing::office_command(binary, dir.path(), database.as_deref()).args(args).output().unwrap()
    };
    let list = String::from_utf8(run(&["agreement", "list"]).stdout).unwrap();
    assert!(list.contains(&format!("{hash}  \"Rogue agreement\"")), "{list}");
    assert!(list.contains("NOT ADOPTED for: contractor, governor, staff, visitor, volunteer"), "{list}");
    assert!(list.contains("published (the kiosk's claim, not relied on): 9999-12-31"), "{list}");

    let refused = run(&["agreement", "adopt", &hash, "--roles", "head teacher"]);
    assert_eq!(refused.status.code(), Some(2));
    let adopted = run(&["agreement", "adopt", &hash, "--roles", "staff,governor"]);
    assert!(adopted.status.success(), "{}", String::from_utf8_lossy(&adopted.stderr));
    let current = office.current_agreements().await.unwrap();
    assert_eq!((current.get("staff"), current.get("governor")), (Some(&hash), Some(&hash)));
    assert_ne!(current.get("visitor"), Some(&hash));
    let audit = office.audit_log(&Scope::Trust, 5).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "agreement_adopted" && e.actor == "cli"));
}
