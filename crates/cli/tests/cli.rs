//! The `signbook` binary as an administrator uses it.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use predicates::prelude::*;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let env = Env { dir: tempfile::tempdir().unwrap() };
        std::fs::write(env.path("aup.md"), include_str!("../../../assets/sample-agreement.md")).unwrap();
        std::fs::write(env.path("sig.json"), include_str!("../../../assets/demo-signature.json")).unwrap();
        env
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn signbook(&self) -> Command {
        let mut cmd = Command::cargo_bin("signbook").unwrap();
        cmd.arg("--db").arg(self.path("kiosk.db")).env_remove("SIGNBOOK_DB");
        cmd
    }
    fn publish(&self) {
        self.signbook()
            .args(["agreement", "add"])
            .arg(self.path("aup.md"))
            .args(["--title", "AUP 2026"])
            .assert()
            .success();
    }
    fn sign(&self, name: &str) -> serde_json::Value {
        let out = self
            .signbook()
            .args(["sign", "--role", "visitor", "--name", name, "--org", "Acme Ltd", "--strokes"])
            .arg(self.path("sig.json"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

#[test]
fn publish_sign_list_verify_export_erase() {
    let env = Env::new();
    env.signbook()
        .args(["agreement", "add"])
        .arg(env.path("aup.md"))
        .args(["--title", "AUP 2026", "--roles", "visitor,staff"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("Published: AUP 2026 ("));

    let receipt = env.sign("Zoë O'Brien");
    assert_eq!(receipt["seq"], 1);
    assert_eq!(receipt["first_name"], "Zoë");
    let reference = receipt["reference"].as_str().unwrap().to_owned();
    env.sign("李小龍");

    env.signbook().args(["agreement", "list"]).assert().success().stdout(
        predicate::str::contains("AUP 2026")
            .and(predicate::str::contains("signatures: 2"))
            .and(predicate::str::contains("current for: staff,visitor")),
    );
    env.signbook().args(["records", "list"]).assert().success().stdout(
        predicate::str::contains(reference.as_str())
            .and(predicate::str::contains("Zoë O'Brien, Acme Ltd"))
            .and(predicate::str::contains("李小龍")),
    );
    env.signbook().arg("verify").assert().code(0).stdout(predicate::str::starts_with("intact: 2 records (0 erased)"));

    env.signbook()
        .args(["export", "--format", "csv", "--out"])
        .arg(env.path("out.csv"))
        .assert()
        .success()
        .stdout("Exported 2 record(s) to ".to_owned() + &env.path("out.csv").display().to_string() + "\n");
    let csv = std::fs::read_to_string(env.path("out.csv")).unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("Zoë O'Brien"));
    env.signbook().args(["export", "--format", "jsonl", "--out"]).arg(env.path("out.jsonl")).assert().success();
    let (ok, line) = auditor(&env.path("out.jsonl"));
    assert!(
        ok && line.starts_with("intact: 2 records (0 erased)"),
        "an independent script recomputes every hash: {line}"
    );

    env.signbook()
        .args(["erase", "--seq", "1", "--reason", "SAR 2026-3", "--category", "forgotten"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("is not a reason category (request, retention or other)"));
    env.signbook()
        .args(["erase", "--seq", "1", "--reason", "SAR 2026-3"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Erased the personal data of record 1"))
        .stdout(predicate::str::contains("erasure entry 3 records it in the chain"));
    env.signbook().arg("verify").assert().code(0).stdout(predicate::str::starts_with("intact: 2 records (1 erased)"));
    env.signbook()
        .args(["records", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("[erased]").and(predicate::str::contains("Zoë").not()));
    env.signbook().args(["export", "--format", "jsonl", "--out"]).arg(env.path("after.jsonl")).assert().success();
    let (ok, line) = auditor(&env.path("after.jsonl"));
    assert!(ok && line.starts_with("intact: 2 records (1 erased)"), "tombstones verify from the export too: {line}");
}

/// Runs docs/auditor/recompute.py on a JSONL export: (exit ok, first line).
fn auditor(jsonl: &Path) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/auditor/recompute.py");
    let out = StdCommand::new("python3")
        .arg(script)
        .arg("verify-export")
        .arg(jsonl)
        .output()
        .expect("python3 runs the auditor script");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or("").to_owned())
}

#[test]
fn a_tampered_database_fails_verify_with_exit_1_naming_the_record() {
    let env = Env::new();
    env.publish();
    for name in ["Ann Able", "Ben Baker", "Cat Cole"] {
        env.sign(name);
    }
    let conn = rusqlite::Connection::open(env.path("kiosk.db")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER records_change_only_by_erasure; UPDATE records SET name = 'Mallory' WHERE seq = 2;",
    )
    .unwrap();
    drop(conn);
    env.signbook().arg("verify").assert().code(1).stdout(
        predicate::str::starts_with("BROKEN: record 2 (")
            .and(predicate::str::contains("the stored name no longer matches its digest")),
    );
    let out = env.signbook().args(["verify", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["problem"]["seq"], 2);
    assert_eq!(report["problem"]["kind"]["kind"], "field_altered");

    env.signbook().args(["export", "--format", "jsonl", "--out"]).arg(env.path("t.jsonl")).assert().success();
    let (ok, line) = auditor(&env.path("t.jsonl"));
    assert!(!ok && line == "BROKEN: line 3, record 2: was altered: the name no longer matches its digest", "{line}");
}

#[test]
fn bad_input_exits_2_with_a_clear_message_and_writes_nothing() {
    let env = Env::new();
    env.publish();
    env.sign("Ann Able");
    std::fs::write(env.path("dot.json"), r#"{"width":600,"height":240,"strokes":[[{"x":100,"y":100}]]}"#).unwrap();
    std::fs::write(env.path("broken.json"), "{not json").unwrap();
    std::fs::write(env.path("huge.json"), vec![b' '; 3 * 1024 * 1024]).unwrap();
    std::fs::write(env.path("latin1.md"), b"# Caf\xe9 rules\n").unwrap();
    let sig = env.path("sig.json");
    let cases: Vec<(Vec<&str>, Option<PathBuf>, &str)> = vec![
        (vec!["sign", "--role", "visitor", "--name", "   ", "--strokes"], Some(sig.clone()), "Please type your name"),
        (
            vec!["sign", "--role", "visitor", "--name", "Ev\u{202E}il", "--strokes"],
            Some(sig.clone()),
            "hidden character (U+202E)",
        ),
        (
            vec!["sign", "--role", "inspector", "--name", "Ann", "--strokes"],
            Some(sig.clone()),
            "no agreement has been published for the role \"inspector\"",
        ),
        (vec!["sign", "--role", "visitor", "--name", "Ann", "--strokes"], Some(env.path("dot.json")), "dot"),
        (
            vec!["sign", "--role", "visitor", "--name", "Ann", "--strokes"],
            Some(env.path("broken.json")),
            "reading the signature from",
        ),
        (vec!["sign", "--role", "visitor", "--name", "Ann", "--strokes"], Some(env.path("huge.json")), "more than the"),
        (
            vec!["sign", "--role", "visitor", "--name", "Ann", "--strokes"],
            Some(env.path("missing.json")),
            "cannot read",
        ),
        (
            vec!["sign", "--role", "visitor", "--name", "Ann", "--agreement", "abc", "--strokes"],
            Some(sig.clone()),
            "is not a SHA-256 hash",
        ),
        (vec!["agreement", "add", "--title", "X"], Some(env.path("latin1.md")), "is not UTF-8 text"),
        (
            vec!["export", "--format", "csv", "--since", "1/9/2026", "--out"],
            Some(env.path("x.csv")),
            "is not a date; use YYYY-MM-DD",
        ),
        (
            vec!["export", "--format", "csv", "--since", "2026-09-02", "--until", "2026-09-01", "--out"],
            Some(env.path("x.csv")),
            "is after --until",
        ),
        (vec!["erase", "--seq", "7", "--reason", "x"], None, "there is no record number 7"),
        (vec!["erase", "--seq", "1", "--reason", " "], None, "say why the personal data is being erased"),
    ];
    for (args, file, message) in cases {
        let mut cmd = env.signbook();
        cmd.args(&args);
        if let Some(file) = file {
            cmd.arg(file);
        }
        cmd.assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with("error: ").and(predicate::str::contains(message)));
    }
    assert!(!env.path("x.csv").exists());
    env.signbook().arg("verify").assert().code(0).stdout(predicate::str::starts_with("intact: 1 records"));
}

#[test]
fn the_database_location_comes_from_signbook_db_when_no_flag_is_given() {
    let env = Env::new();
    let db = env.path("from-env.db");
    Command::cargo_bin("signbook")
        .unwrap()
        .env("SIGNBOOK_DB", &db)
        .args(["records", "list"])
        .assert()
        .success()
        .stdout("No records yet.\n");
    assert!(db.exists() && env.path("from-env.db.key").exists());
}

#[test]
fn a_database_from_a_newer_signbook_is_refused_with_advice() {
    let env = Env::new();
    env.publish();
    rusqlite::Connection::open(env.path("kiosk.db")).unwrap().pragma_update(None, "user_version", 42).unwrap();
    env.signbook().arg("verify").assert().code(2).stderr(
        predicate::str::contains("written by a newer version of Signbook (schema 42")
            .and(predicate::str::contains("Install the newer Signbook")),
    );
}

#[test]
fn import_cleans_a_pasted_agreement_reports_what_it_removed_and_publishes() {
    let env = Env::new();
    std::fs::write(
        env.path("pasted.txt"),
        "[bookmark: _Toc1]Code of Conduct\n· I will log off. 3\nSigned:......\nReviewed: May 2025\n",
    )
    .unwrap();
    env.signbook()
        .args(["agreement", "import"])
        .arg(env.path("pasted.txt"))
        .assert()
        .success()
        .stdout("# Code of Conduct\n\n- I will log off.\n")
        .stderr(
            predicate::str::contains("Title: Code of Conduct")
                .and(predicate::str::contains("Removed Word bookmark: \"[bookmark: _Toc1]\""))
                .and(predicate::str::contains("Removed page number at the end of a line: \"3\""))
                .and(predicate::str::contains("Removed paper signature block"))
                .and(predicate::str::contains("Kept out of the text: Reviewed: May 2025")),
        );
    assert!(!env.path("kiosk.db").exists(), "importing needs no database");

    env.signbook()
        .args(["agreement", "import"])
        .arg(env.path("pasted.txt"))
        .arg("--out")
        .arg(env.path("clean.md"))
        .assert()
        .success()
        .stdout("");
    assert_eq!(std::fs::read_to_string(env.path("clean.md")).unwrap(), "# Code of Conduct\n\n- I will log off.\n");
    env.signbook()
        .args(["agreement", "add"])
        .arg(env.path("clean.md"))
        .args(["--title", "Code of Conduct"])
        .assert()
        .success();

    std::fs::write(env.path("policy.docx"), b"PK\x03\x04").unwrap();
    std::fs::write(env.path("latin1.txt"), b"Caf\xe9 rules\n").unwrap();
    std::fs::write(env.path("policy.doc"), b"\xd0\xcf\x11\xe0").unwrap();
    for (file, message) in [
        ("policy.docx", "is not a readable Word document"),
        ("policy.doc", "cannot import this kind of file; use .pdf, .docx, .odt, .txt or .md"),
        ("latin1.txt", "is not UTF-8 text"),
        ("missing.txt", "cannot read"),
    ] {
        env.signbook()
            .args(["agreement", "import"])
            .arg(env.path(file))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
}

#[test]
fn import_reads_a_pdf_and_refuses_a_scan_with_advice() {
    let env = Env::new();
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../import/tests/corpus/");
    env.signbook()
        .args(["agreement", "import", &format!("{corpus}toc-dot-leaders.pdf")])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("# Acceptable Use Policy (Staff)\n\n## 1. Introduction\n"))
        .stderr(
            predicate::str::contains("Kept out of the text: Version: 4.1")
                .and(predicate::str::contains("Removed table of contents: \"Contents\""))
                .and(predicate::str::contains("Removed page header or footer: \"Version 4.1 Page 1 of 3\"")),
        );
    env.signbook()
        .args(["agreement", "import", &format!("{corpus}scanned-no-text.pdf")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("looks like a scan").and(predicate::str::contains("paste its text")));
}

#[test]
fn roles_show_their_rule_and_check_says_who_must_sign() {
    let env = Env::new();
    env.publish();
    env.signbook().args(["role", "list"]).assert().success().stdout(
        predicate::str::contains("visitor      signs every visit")
            .and(predicate::str::contains("staff        signs when the agreement changes")),
    );
    env.signbook()
        .args(["role", "resign", "volunteer", "after-days", "--days", "365"])
        .assert()
        .success()
        .stdout("volunteer now signs when the agreement changes, or after 365 days.\n");
    env.signbook()
        .args(["role", "resign", "volunteer", "after-days"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--days"));
    env.signbook()
        .args(["role", "resign", "volunteer", "after-days", "--days", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("at least 1 day"));

    env.signbook()
        .args(["check", "--role", "staff", "--name", "Ann Able"])
        .assert()
        .success()
        .stdout("must sign: no signature of the current agreement under this name and role\n");
    env.signbook()
        .args(["sign", "--role", "staff", "--name", "Ann Able", "--strokes"])
        .arg(env.path("sig.json"))
        .assert()
        .success();
    env.signbook()
        .args(["check", "--role", "staff", "--name", "ann  able"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("already signed: record 1 on "));
    env.signbook()
        .args(["check", "--role", "visitor", "--name", "Ann Able"])
        .assert()
        .success()
        .stdout("must sign: this role signs on every visit\n");
}

#[test]
fn settings_can_be_shown_changed_and_refused() {
    let env = Env::new();
    env.signbook()
        .args(["settings", "show"])
        .assert()
        .success()
        .stdout(predicate::str::contains("idle timeout:  60 seconds"));
    env.signbook()
        .args([
            "settings",
            "set",
            "--school-name",
            "St Mary's Primary",
            "--idle-timeout",
            "90",
            "--roles",
            "visitor,staff",
        ])
        .assert()
        .success();
    env.signbook()
        .args(["settings", "show"])
        .assert()
        .success()
        .stdout("school name:   St Mary's Primary\nidle timeout:  90 seconds\nroles offered: visitor, staff\n");
    env.signbook()
        .args(["settings", "set", "--idle-timeout", "5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("use 15 to 600 seconds"));
    env.signbook()
        .args(["admin-pin", "reset"])
        .assert()
        .success()
        .stdout(predicate::str::contains("admin PIN is reset"));
}

#[test]
fn sync_commands_before_pairing_say_what_to_do_and_a_bundle_needs_no_network() {
    let env = Env::new();
    env.publish();
    env.sign("Ann Able");
    env.sign("Ben Baker");

    env.signbook().arg("sync-status").assert().success().stdout(
        predicate::str::starts_with("not paired with an office: 2 records wait on this kiosk")
            .and(predicate::str::contains("signbook pair --office"))
            .and(predicate::str::contains("acknowledged").not()),
    );
    env.signbook().arg("sync").assert().code(2).stderr(
        predicate::str::contains("not paired with an office yet").and(predicate::str::contains("signbook-office pair")),
    );

    let fingerprint = "ab".repeat(32);
    env.signbook()
        .args(["pair", "--office", "http://office:8443", "--code", "AAAAA-AAAAA", "--fingerprint", &fingerprint])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("must start with https://"));
    env.signbook()
        .args(["pair", "--office", "https://127.0.0.1:9", "--code", "AAAAA-AAAAA", "--fingerprint", "12:34"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("\"12:34\" is not a certificate fingerprint"));
    // Nothing listens on this loopback port: unreachable, and nothing is saved.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    env.signbook()
        .args([
            "pair",
            "--office",
            &format!("https://127.0.0.1:{port}"),
            "--code",
            "AAAAA-AAAAA",
            "--fingerprint",
            &fingerprint,
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot reach the office"));
    env.signbook()
        .args(["sync-status", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains(r#""office_url": null"#));

    env.signbook()
        .args(["export-bundle", "--out"])
        .arg(env.path("kiosk.bundle"))
        .assert()
        .success()
        .stdout(predicate::str::starts_with("Wrote 2 records (0 erased) in 1 batches"));
    let bundle = std::fs::read_to_string(env.path("kiosk.bundle")).unwrap();
    let lines: Vec<serde_json::Value> = bundle.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3, "manifest, one batch, signature");
    assert_eq!((lines[0]["format"].as_str(), lines[0]["records"].as_u64()), (Some("signbook-bundle-v1"), Some(2)));
    assert_eq!(lines[1]["records"][1]["personal"]["name"], "Ben Baker");
    assert_eq!(lines[2]["signature"].as_str().unwrap().len(), 128);
}

#[test]
fn sync_status_of_a_paired_kiosk_says_how_far_the_office_has_acknowledged() {
    let env = Env::new();
    env.publish();
    for name in ["Ann Able", "Ben Baker", "Cat Cole"] {
        env.sign(name);
    }
    // Paired as `signbook pair` leaves it, with an office that holds nothing yet.
    let mut store = signbook_core::Store::open(env.path("kiosk.db")).unwrap();
    store.save_pairing("https://office.school.example:8443", signbook_core::Hash32::of(b"office cert"), 0).unwrap();
    env.signbook().arg("sync-status").assert().success().stdout(
        predicate::str::contains("office: https://office.school.example:8443")
            .and(predicate::str::contains("acknowledged: none of 3 records yet; pending: 3 records, 0 erasures"))
            .and(predicate::str::contains("last success: never"))
            .and(predicate::str::contains("office configuration: none applied yet")),
    );
    store
        .note_configuration_refused(
            Some(4),
            "configuration_wrong_office",
            "signed by another office",
            chrono::Utc::now(),
        )
        .unwrap();
    env.signbook()
        .arg("sync-status")
        .assert()
        .success()
        .stdout(predicate::str::contains("office configuration refused (configuration_wrong_office, at "));
    store.note_push_success(2, &[]).unwrap();
    env.signbook().arg("sync-status").assert().success().stdout(
        predicate::str::contains("acknowledged: records 1 to 2 of 3; pending: 1 records")
            .and(predicate::str::contains("last error: none")),
    );
}

#[test]
fn backup_writes_the_database_and_its_key_and_the_copy_verifies_as_the_same_kiosk() {
    let env = Env::new();
    env.publish();
    env.sign("Ann Lee");
    env.sign("Bob Roy");
    env.signbook()
        .args(["backup", "--out"])
        .arg(env.path("copy.db"))
        .assert()
        .success()
        .stdout(predicate::str::starts_with("Backed up 2 records").and(predicate::str::contains("copy.db.key")));
    let verify = |db: &str| {
        let out = Command::cargo_bin("signbook")
            .unwrap()
            .arg("--db")
            .arg(env.path(db))
            .args(["verify", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let (original, copy) = (verify("kiosk.db"), verify("copy.db"));
    assert_eq!((copy["records"].as_u64(), &copy["device_id"]), (Some(2), &original["device_id"]));

    env.signbook()
        .args(["backup", "--out"])
        .arg(env.path("no-such-folder/copy.db"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("check the folder exists"));
}

/// An auditor needs the kiosk's public key from the kiosk itself, to check
/// the checkpoints in an export against it.
#[test]
fn key_prints_the_kiosks_public_key_and_its_fingerprint() {
    let env = Env::new();
    env.publish();
    let out = env.signbook().args(["key", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let public_key = key["public_key"].as_str().unwrap();
    // The key that signs: the one in the key file beside the database.
    let seed: [u8; 32] = std::fs::read(env.path("kiosk.db.key")).unwrap().try_into().unwrap();
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    assert_eq!(public_key, hex::encode(signing.verifying_key().as_bytes()));
    // The fingerprint is the first 20 hex digits of SHA-256 over the key bytes.
    use sha2::Digest as _;
    let digest = hex::encode(sha2::Sha256::digest(signing.verifying_key().as_bytes()));
    let fingerprint = key["fingerprint"].as_str().unwrap();
    assert_eq!(fingerprint.replace(' ', ""), digest[..20]);
    assert_eq!(fingerprint.len(), 24, "five groups of four: {fingerprint}");

    let text = env.signbook().arg("key").output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains(&format!("public key (Ed25519): {public_key}")) && text.contains(fingerprint), "{text}");
}

/// Issue 17: after the kiosk removed the personal data the office holds,
/// `signbook verify` on the real database file still passes and says how
/// many are held; the name is gone from the file; the list shows them as
/// held, not erased; and an export of it verifies with both verifiers.
#[test]
fn verify_passes_after_the_kiosk_removed_personal_data_the_office_holds() {
    let env = Env::new();
    env.publish();
    env.sign("Zoë O'Brien");
    env.sign("Sam Lee");
    {
        let mut store = signbook_core::Store::open(env.path("kiosk.db")).unwrap();
        store.save_pairing("https://office.example:8443", signbook_core::Hash32([3; 32]), 0).unwrap();
        store.note_push_success(1, &[]).unwrap();
        let released = store.release_to_office(chrono::Utc::now() + chrono::Duration::days(31)).unwrap();
        assert_eq!(released.records, 1, "only record 1 is acknowledged");
    }
    let db = std::fs::read(env.path("kiosk.db")).unwrap();
    assert!(!db.windows("O'Brien".len()).any(|w| w == "O'Brien".as_bytes()), "the name is gone from the file");

    env.signbook()
        .arg("verify")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("intact: 2 records (0 erased, 1 held at the office)"));
    env.signbook()
        .args(["records", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("[held at the office]").and(predicate::str::contains("Sam Lee")));

    env.signbook().args(["export", "--format", "csv", "--out"]).arg(env.path("held.csv")).assert().success();
    let csv = std::fs::read_to_string(env.path("held.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert!(rows[1].contains(",held,") && !rows[1].contains("O'Brien"), "{csv}");
    assert!(rows[2].contains(",signed,") && rows[2].contains("Sam Lee"), "{csv}");

    env.signbook().args(["export", "--format", "jsonl", "--out"]).arg(env.path("held.jsonl")).assert().success();
    let text = std::fs::read_to_string(env.path("held.jsonl")).unwrap();
    assert!(text.contains(r#""kind":"held""#) && text.contains(r#""status":"held""#), "{text}");
    assert!(!text.contains("O'Brien"));
    let ours = Command::cargo_bin("signbook")
        .unwrap()
        .arg("verify-export")
        .arg(env.path("held.jsonl"))
        .env_remove("SIGNBOOK_DB")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&ours.stdout);
    assert!(ours.status.success() && said.contains("1 held at the office"), "{said}");
    let theirs = StdCommand::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/auditor/recompute.py"))
        .arg("verify-export")
        .arg(env.path("held.jsonl"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&theirs.stdout);
    assert!(theirs.status.success() && said.contains("1 held at the office"), "{said}");

    // A held line altered, or a held record passed off as erased: both verifiers catch it.
    for (name, from, to, named) in [
        ("moved.jsonl", r#""removed_at":"20"#, r#""removed_at":"19"#, "line 4, record 3"),
        ("relabelled.jsonl", r#""status":"held""#, r#""status":"erased""#, "line 2, record 1"),
    ] {
        std::fs::write(env.path(name), text.replacen(from, to, 1)).unwrap();
        let ours = Command::cargo_bin("signbook")
            .unwrap()
            .arg("verify-export")
            .arg(env.path(name))
            .env_remove("SIGNBOOK_DB")
            .output()
            .unwrap();
        let theirs = StdCommand::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/auditor/recompute.py"))
            .arg("verify-export")
            .arg(env.path(name))
            .output()
            .unwrap();
        for out in [ours, theirs] {
            let said = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.code(), Some(1), "{name}: {said}");
            assert!(said.starts_with(&format!("BROKEN: {named}")), "{name}: {said}");
        }
    }
}
