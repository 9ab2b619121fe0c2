//! Schools from the command line (issue 18): `school add/list/rename`, a
//! pairing code for one school whose kiosk then belongs to it (its records
//! too), and `user add --school` for a school's own account.

mod common;

use common::{Office, block_on, kiosk};
use signbook_office::store::{RecordQuery, Scope};

fn text(output: std::process::Output) -> (bool, String) {
    let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), all)
}

#[test]
fn a_kiosk_paired_with_a_schools_code_belongs_to_that_school_with_its_records() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    // One school: `pair` needs no --school, as before schools existed.
    assert!(office.cli_ok(&["pair"]).unwrap().contains("pairing code: "));

    let (ok, added) = text(office.cli(&["school", "add", "Oakfield Primary"]));
    assert!(ok && added.contains("Added school Oakfield Primary (2)"), "{added}");
    let (ok, again) = text(office.cli(&["school", "add", "  oakfield   primary "]));
    assert!(!ok && again.contains("already a school called oakfield primary"), "{again}");
    let (ok, renamed) = text(office.cli(&["school", "rename", "1", "Ysgol Bro Taf"]));
    assert!(ok, "{renamed}");

    let (ok, which) = text(office.cli(&["pair"]));
    assert!(!ok && which.contains("say which with --school") && which.contains("Ysgol Bro Taf, Oakfield Primary"));
    let (ok, unknown) = text(office.cli(&["pair", "--school", "Maes y Coed"]));
    assert!(!ok && unknown.contains("no school \"Maes y Coed\""), "{unknown}");
    let printed = office.cli_ok(&["pair", "--school", "oakfield primary"]).unwrap();
    assert!(printed.contains("for a kiosk of: Oakfield Primary"), "{printed}");
    let code = printed.lines().find_map(|l| l.strip_prefix("pairing code: ")).unwrap().to_owned();

    let mut store = kiosk(kiosk_dir.path(), 3);
    signbook_sync::pair(&mut store, &office.url(), &code, &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();
    let db = office.db();
    let oakfield = block_on(db.sites()).unwrap().into_iter().find(|s| s.name == "Oakfield Primary").unwrap().id;
    assert_eq!(block_on(db.kiosk_site(store.device_id())).unwrap(), Some(oakfield));
    let count = |scope: Scope| block_on(db.count_matching(&scope, &RecordQuery::default())).unwrap();
    assert_eq!(count(Scope::Sites(vec![oakfield])), 3, "its records are Oakfield's");
    assert_eq!(count(Scope::Sites(vec![signbook_office::store::FIRST_SITE])), 0);
    assert_eq!(count(Scope::Trust), 3);

    let (ok, list) = text(office.cli(&["school", "list"]));
    assert!(
        ok && list.contains("1  Ysgol Bro Taf  kiosks: 0") && list.contains("2  Oakfield Primary  kiosks: 1"),
        "{list}"
    );
}

#[test]
fn an_account_added_for_a_school_sees_that_school_and_can_be_made_the_trusts() {
    let dir = tempfile::tempdir().unwrap();
    let office = Office::start(dir.path());
    office.cli_ok(&["school", "add", "Oakfield Primary"]).unwrap();
    office.add_user("head", "correct horse battery").unwrap();
    let add = |args: &[&str]| {
        use std::io::Write;
        let mut child = signbook_office::testing::office_command(
            std::path::Path::new(common::OFFICE),
            dir.path(),
            signbook_office::testing::test_database(dir.path()).unwrap().as_deref(),
        )
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
        child.stdin.take().unwrap().write_all(b"correct horse battery\n").unwrap();
        text(child.wait_with_output().unwrap())
    };
    let (ok, unknown) = add(&["user", "add", "m.jones", "--school", "Nowhere"]);
    assert!(!ok && unknown.contains("no school \"Nowhere\""), "{unknown}");
    assert!(!office.cli_ok(&["user", "list"]).unwrap().contains("m.jones"), "nothing was added");
    let (ok, added) = add(&["user", "add", "k.lee", "--school", "Oakfield Primary"]);
    assert!(ok, "{added}");
    let list = office.cli_ok(&["user", "list"]).unwrap();
    assert!(list.lines().any(|l| l.starts_with("k.lee ") && l.contains("schools: Oakfield Primary")), "{list}");
    assert!(list.lines().any(|l| l.starts_with("head ") && l.contains("every school")), "{list}");
    let sites = block_on(office.db().account_sites("k.lee")).unwrap();
    assert_eq!(sites.len(), 1);

    office.cli_ok(&["user", "schools", "k.lee"]).unwrap();
    assert!(block_on(office.db().account_sites("k.lee")).unwrap().is_empty(), "now the trust's");
}

#[test]
fn a_school_office_names_its_first_school_after_serve_school_and_a_trust_database_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let office = signbook_office::testing::Office::start_with(
        std::path::Path::new(common::OFFICE),
        dir.path(),
        "127.0.0.1:0",
        "error",
        &["--no-mdns", "--school", "Ysgol Glan Llyn"],
    )
    .unwrap();
    let list = office.cli_ok(&["school", "list"]).unwrap();
    // On a trust's database `--school` is the trust's name: schools are named by migrate or `school rename`.
    let first = if signbook_office::testing::on_postgres() { "1  Our school" } else { "1  Ysgol Glan Llyn" };
    assert!(list.starts_with(first), "{list}");
}

#[test]
fn a_schools_kiosk_settings_and_agreement_are_its_own_or_the_trusts_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let office = Office::start(dir.path());
    office.cli_ok(&["school", "rename", "1", "Ysgol Bro Taf"]).unwrap();
    office.cli_ok(&["school", "add", "Oakfield Primary"]).unwrap();
    let file = dir.path().join("aup.md");
    std::fs::write(&file, "# Acceptable Use\n\nI will log off.\n").unwrap();
    let publish = |title: &str| {
        let printed =
            office.cli_ok(&["agreement", "publish", file.to_str().unwrap(), "--title", title, "--roles", "visitor"]);
        printed.unwrap().split_whitespace().find(|w| w.len() == 64).unwrap().to_owned()
    };
    let aup = publish("AUP");
    std::fs::write(&file, "# Acceptable Use (primary)\n\nI will ask a grown-up.\n").unwrap();
    let primary = publish("Primary");
    // Held, but the trust's visitors sign the first one.
    office.cli_ok(&["agreement", "adopt", &aup, "--roles", "visitor"]).unwrap();

    // The trust's setting is every school's; the school name is each school's.
    let (ok, refused) = text(office.cli(&["settings", "set", "school-name", "Bro Taf Trust"]));
    assert!(!ok && refused.contains("choose the school (--school NAME)"), "{refused}");
    office.cli_ok(&["settings", "set", "idle-timeout", "120"]).unwrap();
    office.cli_ok(&["settings", "set", "idle-timeout", "45", "--school", "Oakfield Primary"]).unwrap();
    office.cli_ok(&["agreement", "adopt", &primary, "--roles", "visitor", "--school", "Ysgol Bro Taf"]).unwrap();
    let taf = office.cli_ok(&["settings", "show", "--school", "Ysgol Bro Taf"]).unwrap();
    assert!(taf.contains("school name: Ysgol Bro Taf") && taf.contains("idle timeout: 120 s\n"), "{taf}");
    assert!(taf.contains(&format!("visitor signs: {primary}")), "{taf}");
    let oak = office.cli_ok(&["settings", "show", "--school", "Oakfield Primary"]).unwrap();
    assert!(oak.contains("idle timeout: 45 s  (this school's own)"), "{oak}");
    assert!(!oak.contains(&primary), "Oakfield signs the trust's version: {oak}");
    let trust = office.cli_ok(&["settings", "show"]).unwrap();
    assert!(trust.contains("The trust's settings") && trust.contains("idle timeout: 120 s"), "{trust}");

    office.cli_ok(&["settings", "unset", "idle-timeout", "--school", "Oakfield Primary"]).unwrap();
    office.cli_ok(&["agreement", "use-trusts", "--roles", "visitor", "--school", "Ysgol Bro Taf"]).unwrap();
    let oak = office.cli_ok(&["settings", "show", "--school", "Oakfield Primary"]).unwrap();
    assert!(oak.contains("idle timeout: 120 s\n"), "{oak}");
    let taf = office.cli_ok(&["settings", "show", "--school", "Ysgol Bro Taf"]).unwrap();
    assert!(!taf.contains(&format!("visitor signs: {primary}")), "the trust's current version again: {taf}");
}
