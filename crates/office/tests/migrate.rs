//! `signbook-office migrate --from-data DIR --to postgres://… --site NAME`:
//! a school's SQLite office moves into the trust's PostgreSQL as one of its
//! schools, with every record, kiosk, account and audit line, verified
//! there; schools' offices share one trust database without their numbered
//! rows colliding; running it again copies nothing twice; and the school's
//! kiosks keep syncing to the new store. Needs the test PostgreSQL server
//! (`SIGNBOOK_TEST_POSTGRES`).

mod common;

use std::path::Path;

use chrono::Utc;
use common::{OFFICE, Office, block_on, kiosk, sign};
use signbook_core::Store;
use signbook_office::SharedStore;
use signbook_office::store::{FIRST_SITE, RecordQuery, Scope, SiteId};
use signbook_office::testing::{fresh_postgres_database, office_command};

fn migrate(from: &Path, to: &str, site: &str) -> (bool, String) {
    migrate_as(from, to, "--site", site)
}

/// [`migrate`] naming the school with `flag` (`--school` is `--site`).
fn migrate_as(from: &Path, to: &str, flag: &str, site: &str) -> (bool, String) {
    let out = office_command(Path::new(OFFICE), from, None)
        .args(["migrate", "--from-data"])
        .arg(from)
        .args(["--to", to, flag, site])
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn a_school_office_moves_into_postgresql_verified_and_a_second_run_copies_nothing_twice() {
    let Some(url) = fresh_postgres_database() else { return };
    let (school, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut office = Office::start_sqlite(school.path());
    office.add_user("j.evans", "correct horse battery").unwrap();
    let mut store = kiosk(kiosk_dir.path(), 25);
    store.erase(4, "subject access request").unwrap();
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();
    office.kill();

    let (ok, text) = migrate(school.path(), &url, "Ysgol Bro Taf");
    assert!(ok, "{text}");
    assert!(text.contains("School: Ysgol Bro Taf (school 1, the trust's first school, named now)"), "{text}");
    assert!(text.contains("records: 25 copied, 0 already there"), "{text}");
    assert!(text.contains(&format!("{}: intact, 25 records", store.device_id())), "{text}");
    assert!(text.contains("Every chain is intact"), "{text}");
    assert!(!text.contains("PASSWORD"), "{text}");

    // Interrupted or not, a second run finds everything there.
    let (ok, again) = migrate(school.path(), &url, "ysgol  bro taf");
    assert!(ok, "{again}");
    assert!(again.contains("School: Ysgol Bro Taf (school 1, already in the trust)"), "{again}");
    assert!(again.contains("records: 0 copied, 25 already there"), "{again}");

    // The school's office now runs on PostgreSQL, same certificate (same
    // data folder): its kiosk syncs on, its staff account still signs in.
    let moved = signbook_office::testing::Office::start_with(
        Path::new(OFFICE),
        school.path(),
        "127.0.0.1:0",
        "error",
        &["--no-mdns", "--database", &url],
    )
    .unwrap();
    assert_eq!(moved.fingerprint, office.fingerprint);
    // The kiosk is pointed at the new address, accepted for the same certificate.
    sign(&mut store, 5);
    signbook_sync::move_to_address(&mut store, &moved.url()).unwrap();
    let db = block_on(signbook_office::open_store(school.path(), Some(&url))).unwrap();
    assert_eq!(block_on(db.record_count(store.device_id())).unwrap(), 30);
    assert!(block_on(db.verify()).unwrap().iter().all(|r| r.is_intact()));
    let staff = block_on(db.users()).unwrap();
    assert_eq!(staff.iter().map(|a| a.username.as_str()).collect::<Vec<_>>(), ["j.evans"]);
    assert_eq!(staff[0].sites, [FIRST_SITE], "the school's staff are the school's, not the trust's");
    drop(moved);
}

/// A school's SQLite office, stopped: one kiosk with `records` records
/// pushed, an admin called `admin`, an alert and two audit lines (one the
/// school's, one its office's own) naming `school`.
struct SchoolOffice {
    data: tempfile::TempDir,
    _kiosk_dir: tempfile::TempDir,
    kiosk: Store,
}

fn school_office(school: &str, records: u64) -> SchoolOffice {
    let (data, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut office = Office::start_sqlite(data.path());
    office.add_user("admin", "correct horse battery").unwrap();
    let mut kiosk = kiosk(kiosk_dir.path(), records);
    signbook_sync::pair(&mut kiosk, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut kiosk).unwrap();
    office.kill();
    let db = block_on(signbook_office::open_store(data.path(), None)).unwrap();
    let now = Utc::now();
    block_on(db.raise_alert(Some(kiosk.device_id()), Some(1), "clock_implausible", school, now)).unwrap();
    block_on(db.audit_for(Some(FIRST_SITE), "admin", "export_csv", school, now)).unwrap();
    block_on(db.audit("admin", "user_added", school, now)).unwrap();
    SchoolOffice { data, _kiosk_dir: kiosk_dir, kiosk }
}

/// Audit lines as text, sorted.
fn lines(db: &SharedStore, scope: &Scope) -> Vec<String> {
    let mut lines: Vec<String> = block_on(db.audit_log(scope, 10_000))
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {} {} {}", e.at, e.actor, e.action, e.detail))
        .collect();
    lines.sort();
    lines
}

/// Alerts' details, sorted.
fn alerts(db: &SharedStore, scope: &Scope) -> Vec<String> {
    let mut details: Vec<String> = block_on(db.alert_rows(scope, true))
        .unwrap()
        .into_iter()
        .map(|a| format!("{} {}", a.raised_at, a.detail))
        .collect();
    details.sort();
    details
}

/// The numbers of "TABLE: N copied" lines.
fn copied(text: &str) -> Vec<(String, u64)> {
    text.lines()
        .filter_map(|line| {
            let (table, rest) = line.split_once(": ")?;
            let n = rest.strip_suffix(" copied").or_else(|| rest.split_once(" copied,").map(|(n, _)| n))?;
            Some((table.to_owned(), n.parse().ok()?))
        })
        .collect()
}

#[test]
fn two_schools_offices_share_one_trust_database_each_as_its_school() {
    let Some(url) = fresh_postgres_database() else { return };
    let (oak, bryn) = (school_office("Oakfield", 6), school_office("Bryn Celyn", 4));
    // The second school's office numbered its kiosk configuration further
    // than the first's: its kiosk takes only a higher number.
    let bryn_db = rusqlite::Connection::open(signbook_office::db_path(bryn.data.path())).unwrap();
    let issued = "INSERT INTO configurations SELECT 2, content, issued_at, issued_by, site_id
                  FROM configurations WHERE version = 1";
    assert_eq!(bryn_db.execute(issued, []).unwrap(), 1);
    // And its kiosks wipe the form after 90 s: a setting of that office's,
    // which in the trust becomes that school's own.
    bryn_db.execute("INSERT INTO kiosk_settings (key, value) VALUES ('idle_timeout_secs', '90')", []).unwrap();
    let sources = [&oak, &bryn].map(|s| block_on(signbook_office::open_store(s.data.path(), None)).unwrap());

    let (ok, first) = migrate(oak.data.path(), &url, "Oakfield Primary");
    assert!(ok, "{first}");
    assert!(first.contains("(school 1, the trust's first school, named now)"), "{first}");
    assert!(first.contains("users: 1 copied, 0 already there"), "{first}");
    let (ok, second) = migrate(bryn.data.path(), &url, "Ysgol Bryn Celyn");
    assert!(ok, "{second}");
    assert!(second.contains("School: Ysgol Bryn Celyn (school 2, added to the trust now)"), "{second}");
    assert!(second.contains(&format!("{}: intact, 4 records", bryn.kiosk.device_id())), "{second}");
    assert!(second.contains("kiosks of Ysgol Bryn Celyn there"), "{second}");
    // The second school's admin is another person: reported, not copied,
    // and the first school's admin is left as it was.
    assert!(second.contains("users: 0 copied, 0 already there, 1 not copied (name taken)"), "{second}");
    assert!(
        second.contains("Account admin not copied")
            && second.contains("`signbook-office user add NAME --school \"Ysgol Bryn Celyn\"`"),
        "{second}"
    );
    // The school's agreement adoptions would change what is current for
    // every school: the trust's first versions stay current.
    assert!(second.contains("agreement_adoptions: 0 copied, 0 already there, 1 not copied"), "{second}");
    // Its settings become its own; its configuration is numbered above its office's.
    assert!(second.contains("kiosk_settings: 1 copied"), "{second}");
    assert!(second.contains("Kiosk configuration 3 issued for Ysgol Bryn Celyn"), "{second}");

    let trust = block_on(signbook_office::open_store(oak.data.path(), Some(&url))).unwrap();
    let (oakfield, bryn_celyn) = (FIRST_SITE, SiteId(2));
    let reports = block_on(trust.verify()).unwrap();
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r.is_intact()), "{reports:?}");
    for (school, site, records) in [(&oak, oakfield, 6), (&bryn, bryn_celyn, 4)] {
        let id = school.kiosk.device_id();
        assert_eq!(block_on(trust.record_count(id)).unwrap(), records);
        assert_eq!(block_on(trust.kiosk_site(id)).unwrap(), Some(site));
    }
    let staff = block_on(trust.users()).unwrap();
    assert_eq!(
        staff.iter().map(|a| (a.username.as_str(), a.sites.clone())).collect::<Vec<_>>(),
        [("admin", vec![oakfield])]
    );

    // Each school's kiosks take their own school's name and settings.
    let taken = |site| block_on(trust.current_configuration(site, Utc::now())).unwrap().unwrap();
    let (oak_takes, bryn_takes) = (taken(oakfield), taken(bryn_celyn));
    assert_eq!(oak_takes.content.settings.school_name.as_deref(), Some("Oakfield Primary"));
    assert_eq!(bryn_takes.content.settings.school_name.as_deref(), Some("Ysgol Bryn Celyn"));
    assert_eq!(
        (oak_takes.content.settings.idle_timeout_secs, bryn_takes.content.settings.idle_timeout_secs),
        (None, Some(90))
    );
    assert_eq!(bryn_takes.version, 3, "above the 2 Bryn Celyn's kiosk applied");

    let check = |trust: &SharedStore| {
        // Each school's audit lines and alerts, all of them and once each,
        // under its own school (the office's own lines were its school's),
        // and one line each about the configuration the migration issued.
        for (source, site) in [(&sources[0], oakfield), (&sources[1], bryn_celyn)] {
            let scope = Scope::Sites(vec![site]);
            let (mut held, issued): (Vec<String>, Vec<String>) =
                lines(trust, &scope).into_iter().partition(|line| !line.contains(" migrate "));
            held.sort();
            assert_eq!(held, lines(source, &Scope::Trust));
            assert_eq!(issued.len(), 1, "{issued:?}");
            assert!(issued[0].contains("configuration_issued kiosk configuration"), "{issued:?}");
            assert_eq!(alerts(trust, &scope), alerts(source, &Scope::Trust));
        }
        let every = lines(&sources[0], &Scope::Trust).len() + lines(&sources[1], &Scope::Trust).len();
        assert_eq!(lines(trust, &Scope::Trust).len(), every + 2, "nothing twice, nothing lost");
        assert_eq!(alerts(trust, &Scope::Trust).len(), 2);
    };
    check(&trust);

    // Both again, in either order: nothing is copied twice.
    for (school, site) in [(&bryn, "Ysgol Bryn Celyn"), (&oak, "Oakfield Primary")] {
        let (ok, again) = migrate(school.data.path(), &url, site);
        assert!(ok, "{again}");
        assert!(again.contains("already in the trust"), "{again}");
        let counts = copied(&again);
        assert!(counts.len() > 5 && counts.iter().all(|(_, n)| *n == 0), "{again}");
    }
    check(&trust);
    assert_eq!(block_on(trust.sites()).unwrap().len(), 2);

    // Each school's records are found under its school's scope, not the other's.
    for (school, site, other, records) in [(&oak, oakfield, bryn_celyn, 6), (&bryn, bryn_celyn, oakfield, 4)] {
        let (mine, theirs) = (Scope::Sites(vec![site]), Scope::Sites(vec![other]));
        let page = block_on(trust.search_records(&mine, &RecordQuery::default(), 0, 50)).unwrap();
        assert_eq!(page.total, records);
        assert!(page.records.iter().all(|r| r.record.header.device_id == school.kiosk.device_id()));
        let id = school.kiosk.device_id();
        assert!(block_on(trust.stored_record(&mine, id, 1)).unwrap().is_some());
        assert!(block_on(trust.stored_record(&theirs, id, 1)).unwrap().is_none(), "another school's record");
    }
    assert_eq!(block_on(trust.count_matching(&Scope::Trust, &RecordQuery::default())).unwrap(), 10);
}

#[test]
fn a_kiosk_of_another_school_a_changed_key_and_an_office_of_several_schools_are_refused_untouched() {
    let Some(url) = fresh_postgres_database() else { return };
    let oak = school_office("Oakfield", 3);
    assert!(migrate(oak.data.path(), &url, "Oakfield Primary").0);
    let trust = block_on(signbook_office::open_store(oak.data.path(), Some(&url))).unwrap();
    let before = (block_on(trust.sites()).unwrap(), lines(&trust, &Scope::Trust));

    let (ok, text) = migrate_as(oak.data.path(), &url, "--school", "Bryn Celyn");
    assert!(!ok, "{text}");
    let id = oak.kiosk.device_id();
    assert!(text.contains(&format!("kiosk {id} is already in the trust as a kiosk of Oakfield Primary")), "{text}");
    assert!(text.contains("Nothing was copied"), "{text}");

    // The source's kiosk is not the trust's kiosk of that id.
    let source = rusqlite::Connection::open(signbook_office::db_path(oak.data.path())).unwrap();
    source.execute("UPDATE devices SET public_key = zeroblob(32)", []).unwrap();
    let (ok, text) = migrate(oak.data.path(), &url, "Oakfield Primary");
    assert!(!ok, "{text}");
    assert!(text.contains(&format!("kiosk {id} is in the trust with another key")), "{text}");

    // An office of several schools is not one school's.
    let db = block_on(signbook_office::open_store(oak.data.path(), None)).unwrap();
    block_on(db.add_site("Llanfair", Utc::now())).unwrap();
    let (ok, text) = migrate(oak.data.path(), &url, "Oakfield Primary");
    assert!(!ok, "{text}");
    assert!(text.contains("is an office of 2 schools"), "{text}");

    assert_eq!((block_on(trust.sites()).unwrap(), lines(&trust, &Scope::Trust)), before, "nothing changed");
    assert_eq!(block_on(trust.devices()).unwrap().len(), 1);
}
